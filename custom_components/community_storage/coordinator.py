"""Polls the market server for the market and the household's own trades."""

from __future__ import annotations

import logging
from datetime import timedelta, tzinfo
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .market_client.client import (
    MarketAuthError,
    MarketClient,
    MarketConnectionError,
    MarketError,
    MarketHouseholdDisabledError,
    MarketResponseError,
    MarketServerError,
    MarketValidationError,
)
from .market_client.models import CommunityStorageData, Fill
from .repairs import async_check_api_version, async_set_household_disabled

_LOGGER = logging.getLogger(__package__)

UPDATE_INTERVAL: Final = timedelta(seconds=60)
# Fills are fetched incrementally; keep enough for the calendar and notifications.
MAX_KEPT_FILLS: Final = 1000


class CommunityStorageCoordinator(DataUpdateCoordinator[CommunityStorageData]):
    """Fetches health, me, market, own requests, new fills and this month's settlements.

    A failed refresh marks every entity unavailable; Home Assistant's coordinator logs the loss
    once and the recovery once. A rejected token raises ``ConfigEntryAuthFailed`` (reauth).
    """

    config_entry: ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: MarketClient) -> None:
        """Poll every minute; actions call ``async_request_refresh`` for a fresh fetch."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        self.server_version: str | None = None
        # Whether the last refresh got an answer from the server, even a refusal (a revoked
        # token, a disabled household): the Server connection sensor shows this.
        self.server_answered = False
        self._fills: dict[str, Fill] = {}
        self._last_fill_id: str | None = None
        self._fills_loaded = False

    def time_zone(self) -> tzinfo:
        """The community's time zone (its days are the delivery days); Home Assistant's before
        the first fetch."""
        name = self.data.me.community.timezone if self.data is not None else None
        return (dt_util.get_time_zone(name) if name else None) or dt_util.DEFAULT_TIME_ZONE

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        """Home Assistant's refresh, telling the entities when only ``server_answered`` changed.

        Home Assistant tells the entities nothing when one failed refresh follows another, but
        a refused token turning into an outage (or back) changes the Server connection sensor.
        """
        answered = self.server_answered
        try:
            await super()._async_refresh(
                log_failures, raise_on_auth_failed, scheduled, raise_on_entry_error
            )
        finally:
            if self.server_answered != answered and not self.last_update_success:
                self.async_update_listeners()

    async def _async_fetch_fills(self) -> list[Fill]:
        """Fills after the last one seen; all of them again if the server lost our cursor."""
        try:
            return await self.client.fills(self._last_fill_id)
        except MarketValidationError as err:
            if self._last_fill_id is None or err.field != "since":
                raise
        # A restored or replaced server database no longer knows the last fill: start over
        # as on the first refresh, so old fills are not announced again.
        _LOGGER.info(
            "The market server no longer knows fill %s; reloading fills", self._last_fill_id
        )
        self._fills.clear()
        self._last_fill_id = None
        self._fills_loaded = False
        return await self.client.fills()

    async def _async_update_data(self) -> CommunityStorageData:
        """Fetch everything the entities and the trading agent read."""
        try:
            health = await self.client.health()
            self.server_version = health.version
            async_check_api_version(self.hass, self.config_entry, health.api_version)
            me = await self.client.me()
            async_set_household_disabled(self.hass, self.config_entry, me.disabled)
            market = await self.client.market()
            # The market's clock defines the delivery day, not Home Assistant's.
            timezone = dt_util.get_time_zone(me.community.timezone) or dt_util.DEFAULT_TIME_ZONE
            today = market.generated_at.astimezone(timezone).date()
            requests = await self.client.requests()
            fills = await self._async_fetch_fills()
            settlements = await self.client.settlements(today.strftime("%Y-%m"))
        except MarketAuthError as err:
            self.server_answered = True
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"error": err.message},
            ) from err
        except MarketHouseholdDisabledError as err:
            self.server_answered = True
            async_set_household_disabled(self.hass, self.config_entry, True)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="household_disabled",
                translation_placeholders={"error": err.message},
            ) from err
        except MarketError as err:
            self.server_answered = not isinstance(
                err, MarketConnectionError | MarketServerError | MarketResponseError
            )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": err.message},
            ) from err

        self.server_answered = True
        new_fills = tuple(fill for fill in fills if fill.fill_id not in self._fills)
        for fill in new_fills:
            self._fills[fill.fill_id] = fill
        if fills:
            self._last_fill_id = fills[-1].fill_id
        while len(self._fills) > MAX_KEPT_FILLS:
            del self._fills[next(iter(self._fills))]
        first_load = not self._fills_loaded
        self._fills_loaded = True
        return CommunityStorageData(
            me=me,
            market=market,
            requests=tuple(requests),
            fills=tuple(self._fills.values()),
            new_fills=() if first_load else new_fills,
            settlements=settlements,
            today=today,
            fetched_at=dt_util.utcnow(),
        )
