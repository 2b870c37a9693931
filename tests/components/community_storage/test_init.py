"""Setup, refresh, outages, repairs and unload of a household entry against a real server."""

from __future__ import annotations

import logging

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import CONF_TOKEN, CONF_URL, DOMAIN
from tests.market_harness import RunningMarket

from .conftest import LoopbackProxy

CONNECTION = "binary_sensor.miller_server_connection"
OPEN_ORDERS = "sensor.miller_open_orders"


async def test_setup_and_unload(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """The entry loads live data, registers one device and unloads cleanly."""
    entry = setup_integration
    data = entry.runtime_data.coordinator.data
    assert data.me.household_id == entry.unique_id
    assert data.me.community.name == "Sonnenweg"
    assert data.requests == ()
    assert hass.states.get(CONNECTION).state == "on"
    assert hass.states.get(OPEN_ORDERS).state == "0"

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1
    device = devices[0]
    assert device.identifiers == {(DOMAIN, entry.unique_id)}
    assert (device.name, device.model) == ("Miller", "Sonnenweg")
    assert device.sw_version
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    # 12 market sensors (capacity, shared and own-credit energy money of the month among them),
    # the connection, the calendar and 3 seller delivery sensors (no grid meters mapped: no
    # virtual battery sensors).
    assert len(entities) == 17
    assert {entity.device_id for entity in entities} == {device.id}
    assert all(entity.unique_id.startswith(f"{entry.unique_id}_") for entity in entities)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(CONNECTION).state == "unavailable"
    assert hass.states.get(OPEN_ORDERS).state == "unavailable"


async def test_unreachable_server_retries_setup(
    hass: HomeAssistant, joined_entry: MockConfigEntry, outage: LoopbackProxy
) -> None:
    """A server that is down at start-up puts the entry into setup retry with a reason."""
    await outage.stop()
    hass.config_entries.async_update_entry(
        joined_entry, data={**joined_entry.data, CONF_URL: outage.url}
    )
    assert not await hass.config_entries.async_setup(joined_entry.entry_id)
    assert joined_entry.state is ConfigEntryState.SETUP_RETRY
    assert (joined_entry.reason or "").startswith(
        f"The market server could not be read: The market server at {outage.url} cannot be"
    )
    await outage.start()


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, joined_entry: MockConfigEntry
) -> None:
    """A token the server does not know fails setup and asks the user to rejoin."""
    hass.config_entries.async_update_entry(
        joined_entry, data={**joined_entry.data, CONF_TOKEN: "not-a-token"}
    )
    assert not await hass.config_entries.async_setup(joined_entry.entry_id)
    await hass.async_block_till_done()
    assert joined_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_outage_marks_entities_unavailable_and_logs_once(
    hass: HomeAssistant,
    proxied_entry: MockConfigEntry,
    outage: LoopbackProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Lost: entities unavailable, one error line; back: available, one info line."""
    coordinator = proxied_entry.runtime_data.coordinator
    assert hass.states.get(OPEN_ORDERS).state == "0"
    caplog.set_level(logging.INFO, logger="custom_components.community_storage")

    await outage.stop()
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(OPEN_ORDERS).state == "unavailable"
    assert hass.states.get(CONNECTION).state == "off"
    lost = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(lost) == 1
    assert "cannot be reached" in lost[0].getMessage()

    await outage.start()
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(OPEN_ORDERS).state == "0"
    assert hass.states.get(CONNECTION).state == "on"
    back = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(back) == 1


async def test_revoked_token_after_setup_starts_reauth(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket
) -> None:
    """Rejoining the household elsewhere revokes this token: the entry asks to reauth."""
    await market.redeem(await market.rejoin_code(setup_integration.unique_id))

    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass.states.get(OPEN_ORDERS).state == "unavailable"


async def test_new_fills_are_fetched_incrementally(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``new_fills`` holds only the fills of this refresh; ``fills`` keeps a bounded history."""
    from datetime import date

    from custom_components.community_storage import coordinator as coordinator_module
    from custom_components.community_storage.market_client.models import Side

    monkeypatch.setattr(coordinator_module, "MAX_KEPT_FILLS", 1)
    coordinator = setup_integration.runtime_data.coordinator
    client = setup_integration.runtime_data.client
    await market.place(neighbour[1], "sell", date(2026, 11, 26), 2, 10.0, 0.07)

    await client.create_request(
        Side.BUY, start_day=date(2026, 11, 26), num_days=1, kwh_per_day=2.0, limit_price=0.1
    )
    await coordinator.async_refresh()
    first = coordinator.data.new_fills
    assert [(f.day, f.volume_kwh) for f in first] == [(date(2026, 11, 26), 2)]

    await coordinator.async_refresh()
    assert coordinator.data.new_fills == ()

    await client.create_request(
        Side.BUY, start_day=date(2026, 11, 27), num_days=1, kwh_per_day=3.0, limit_price=0.1
    )
    await coordinator.async_refresh()
    assert [(f.day, f.volume_kwh) for f in coordinator.data.new_fills] == [(date(2026, 11, 27), 3)]
    # Only the newest is kept with a history of one.
    assert coordinator.data.fills == coordinator.data.new_fills


async def test_unknown_fill_cursor_reloads_fills_quietly(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
) -> None:
    """A server that no longer knows the last fill id (restored database) answers 400 on
    ``since``: the coordinator reloads all fills without announcing them as new."""
    from datetime import date

    from custom_components.community_storage.market_client.models import Side

    coordinator = setup_integration.runtime_data.coordinator
    await market.place(neighbour[1], "sell", date(2026, 11, 26), 1, 10.0, 0.07)
    await setup_integration.runtime_data.client.create_request(
        Side.BUY, start_day=date(2026, 11, 26), num_days=1, kwh_per_day=2.0, limit_price=0.1
    )
    # The cursor of a fill the server never had stands in for a restored database.
    coordinator._last_fill_id = "fl_from_before_the_restore"
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert [f.volume_kwh for f in coordinator.data.fills] == [2]
    assert coordinator.data.new_fills == ()
