"""The Community Storage Market integration: trade home battery capacity with neighbours."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .assist.llm_tools import async_register_llm_api
from .assist.sentence_installer import async_entry_updated, async_install_sentences
from .const import CONF_TOKEN, CONF_URL, DOMAIN, ENTRY_STORES, entry_store_key
from .coordinator import CommunityStorageCoordinator
from .delivery.reporter import DeliveryReporter
from .delivery.seller_reserve import ReserveKeeper
from .delivery.virtual_battery import VirtualBatteryMeter
from .household.agent import TradingAgent
from .market_client.client import MarketClient
from .repairs import async_clear_issues
from .runtime import CommunityStorageConfigEntry, CommunityStorageRuntime
from .services import async_setup_services

PLATFORMS: Final = [Platform.BINARY_SENSOR, Platform.CALENDAR, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services once, whatever the number of households."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CommunityStorageConfigEntry) -> bool:
    """Connect one household: client, first fetch, trading agent, platforms."""
    session = async_get_clientsession(hass)
    client = MarketClient(session, entry.data[CONF_URL], entry.data[CONF_TOKEN])
    coordinator = CommunityStorageCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
        # Name the market error itself, not the refresh failure that wraps it.
        failure = coordinator.last_exception
        cause = failure.__cause__ if failure is not None and failure.__cause__ else failure
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="setup_failed",
            translation_placeholders={"error": str(cause)},
        ) from err

    trading = TradingAgent(hass, entry, client, coordinator)
    reserve = ReserveKeeper(hass, entry, coordinator, trading.battery_spec)
    meter = VirtualBatteryMeter(hass, entry, coordinator)
    reporter = DeliveryReporter(
        hass, entry, client=client, coordinator=coordinator, reserve=reserve, meter=meter
    )
    entry.runtime_data = CommunityStorageRuntime(
        client=client,
        coordinator=coordinator,
        trading=trading,
        reserve=reserve,
        meter=meter,
        reporter=reporter,
    )
    await trading.async_start()
    entry.async_on_unload(trading.async_stop)
    # Delivery: the seller's reserve, the buyer's virtual battery, the reports after each day.
    for part in (reserve, meter, reporter):
        await part.async_start()
        entry.async_on_unload(part.async_stop)
    entry.async_on_unload(async_register_llm_api(hass, entry))

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await async_install_sentences(hass, entry)
    entry.async_on_unload(entry.add_update_listener(async_entry_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: CommunityStorageConfigEntry) -> bool:
    """Unload the platforms; the trading agent stops through ``async_on_unload``."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: CommunityStorageConfigEntry) -> None:
    """Forget the household when its entry is deleted: its repair issues and its stores (the
    trading book, virtual batteries, the reserve's remembered control value)."""
    async_clear_issues(hass, entry)
    for kind in ENTRY_STORES:
        # The version does not matter for removing the file.
        await Store[Any](hass, 1, entry_store_key(kind, entry.entry_id)).async_remove()
