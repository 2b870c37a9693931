"""Reports each ended delivery day's figures to the market server (``POST /api/v1/deliveries``).

Five minutes after the community's local midnight a time tracker refreshes the coordinator; after
every refresh the reporter posts each side of each ended day (at most 7 days back) that it has
figures for and has not reported yet. A failed post (connection, server error) stays pending and
is retried on the next refresh with the same ``client_report_id``; the server's refusals
(nothing to report, already settled, more than traded) are final.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..agent.delivery import DeliveryFigures, buyer_figures, seller_figures
from ..market_client.client import (
    MarketAlreadySettledError,
    MarketClient,
    MarketError,
    MarketMoreThanTradedError,
    MarketNothingToReportError,
    MarketValidationError,
)
from ..market_client.models import Side
from ..subscriptions import Subscription

if TYPE_CHECKING:
    from ..coordinator import CommunityStorageCoordinator
    from .seller_reserve import ReserveKeeper
    from .virtual_battery import VirtualBatteryMeter

_LOGGER = logging.getLogger(__name__)

# After local midnight: the day must have ended on the server's clock too.
REPORT_DELAY: Final = timedelta(minutes=5)
# The server accepts reports of the last 7 days.
REPORT_DAYS: Final = 7
KEPT_REPORTS: Final = 20


class DeliveryReporter:
    """Posts delivery figures once per ended day and side."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        client: MarketClient,
        coordinator: CommunityStorageCoordinator,
        reserve: ReserveKeeper,
        meter: VirtualBatteryMeter,
    ) -> None:
        """Nothing runs until ``async_start``."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.coordinator = coordinator
        self.reserve = reserve
        self.meter = meter
        # (day, side) reported or finally refused; the answers of the last reports.
        self._done: set[tuple[date, str]] = set()
        self.last_reports: deque[dict[str, Any]] = deque(maxlen=KEPT_REPORTS)
        self._lock = asyncio.Lock()
        self._timer = Subscription()
        self._refreshes = Subscription()

    async def async_start(self) -> None:
        """Report after every refresh and wake up after each local midnight."""
        self._refreshes.hold(self.coordinator.async_add_listener(self._handle_update))
        self._schedule_midnight()

    async def async_stop(self) -> None:
        """Stop the timer and the listener."""
        self._refreshes.cancel()
        self._timer.cancel()

    def client_report_id(self, day: date, side: str) -> str:
        """The same id for every attempt of one report: the server sees a retry, not a new one."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.entry.entry_id}/{day}/{side}"))

    def _schedule_midnight(self) -> None:
        zone = self.reserve.zone()
        tomorrow = dt_util.now(zone).date() + timedelta(days=1)
        when = datetime.combine(tomorrow, time(0), tzinfo=zone) + REPORT_DELAY
        self._timer.hold(async_track_point_in_utc_time(self.hass, self._async_midnight, when))

    async def _async_midnight(self, _now: datetime) -> None:
        """A new day: fetch at once (the refresh's listener reports), then wait for the next."""
        self._timer.forget()
        self._schedule_midnight()
        await self.coordinator.async_refresh()

    @callback
    def _handle_update(self) -> None:
        if self.coordinator.last_update_success and not self._lock.locked():
            self.entry.async_create_task(
                self.hass, self.async_report_due(), "community_storage delivery reports"
            )

    def due(self) -> list[DeliveryFigures]:
        """Figures of every ended day and side that has some and was not reported yet."""
        data = self.coordinator.data
        if data is None:
            return []
        result: list[DeliveryFigures] = []
        for back in range(REPORT_DAYS, 0, -1):
            day = data.today - timedelta(days=back)
            if (day, "sell") not in self._done and data.filled_kwh(day, Side.SELL) > 0:
                delivered = self.reserve.delivered_kwh(day)
                if delivered is not None:
                    result.append(seller_figures(day, delivered))
            # Only a day the meters were followed through: after a restart an empty battery
            # would replace the figure reported before it with zero.
            battery = self.meter.batteries.get(day)
            if battery is not None and (day, "buy") not in self._done:
                result.append(buyer_figures(day, battery))
        return result

    async def async_report_due(self) -> None:
        """Post everything due; failures stay due for the next refresh."""
        async with self._lock:
            for figures in self.due():
                await self._async_post(figures)

    async def _async_post(self, figures: DeliveryFigures) -> None:
        record: dict[str, Any] = {
            "day": figures.day.isoformat(),
            "side": figures.side,
            "kwh": figures.kwh,
            "shared_kwh": figures.shared_kwh,
            "client_report_id": self.client_report_id(figures.day, figures.side),
            "attempted_at": dt_util.utcnow().isoformat(),
        }
        try:
            delivery = await self.client.report_delivery(
                figures.day,
                figures.side,
                figures.kwh,
                hourly_kwh=figures.hourly_kwh,
                # Zero shared energy is the same as none: an older server knows no such field.
                shared_kwh=figures.shared_kwh or None,
                client_report_id=record["client_report_id"],
            )
        except (
            MarketNothingToReportError,
            MarketAlreadySettledError,
            MarketMoreThanTradedError,
            MarketValidationError,
        ) as err:
            # The server's word is final: posting the same figures again changes nothing.
            self._done.add((figures.day, figures.side))
            record.update(result="refused", error=err.code, message=err.message)
            _LOGGER.warning(
                "The market refused the %s delivery report of %s: %s",
                figures.side,
                figures.day,
                err.message,
            )
        except MarketError as err:
            record.update(result="failed", error=err.code, message=err.message)
            _LOGGER.debug("Delivery report of %s failed, retried later: %s", figures.day, err)
        else:
            self._done.add((figures.day, figures.side))
            record.update(
                result=str(delivery.status),
                traded_kwh=str(delivery.traded_kwh),
                ratio=None if delivery.ratio is None else str(delivery.ratio),
            )
        self.last_reports.append(record)
