"""The seller's delivery measured on its grid export meter.

Energy sharing is computed on smart-meter data (EU Directive 2024/1711 Art. 15a, § 42c EnWG):
what a seller delivers to its buyers is what leaves its house through the export meter in the
evening, not what its battery held at 17:00 (a battery that then serves only its own house
exports nothing). Every change of the household's grid export sensor (the one the buyer side
meters with) that arrives between a committed day's dispatch window start and the end of that
day adds its difference (``agent/delivery.py``). The totals are kept in Home Assistant's Store,
written seconds after each change and at unload, so a restart in the middle of the window keeps
what was exported before it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Final

from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..agent.delivery import SellerSchedule, active_schedule, exported_in_window
from ..const import entry_store_key
from ..subscriptions import Subscription
from .virtual_battery import meter_change_kwh
from .virtual_battery_store import SAVE_DELAY

_LOGGER = logging.getLogger(__name__)

STORE_VERSION: Final = 1


class WindowExportMeter:
    """Per committed day (ISO date), the kWh exported from the dispatch window's start on."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        export_entity: str | None,
        schedules: Callable[[], Iterable[SellerSchedule]],
    ) -> None:
        """Nothing is followed until ``async_start``."""
        self.hass = hass
        self.export_entity = export_entity
        self._schedules = schedules
        self._exported: dict[str, float] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, entry_store_key("seller_export", entry_id)
        )
        self._meter = Subscription()

    @property
    def configured(self) -> bool:
        """An export meter is mapped: delivery is measured on it."""
        return bool(self.export_entity)

    async def async_start(self) -> None:
        """Take back the totals kept before a restart; follow the export meter, if mapped."""
        stored = await self._store.async_load() or {}
        for key, value in dict(stored.get("exported") or {}).items():
            if _readable(key, value):
                self._exported[key] = float(value)
            else:
                _LOGGER.warning("Ignoring a stored window export that cannot be read: %s", key)
        if self.export_entity:
            self._meter.hold(
                async_track_state_change_event(self.hass, [self.export_entity], self._handle_change)
            )

    async def async_stop(self) -> None:
        """Stop following the meter; keep the totals for the next start."""
        self._meter.cancel()
        await self._store.async_save(self._to_json())

    def begin(self, schedule: SellerSchedule) -> None:
        """The window of ``schedule`` is followed from now on: a meter that does not move in it
        exported nothing (0 kWh), which is not the same as a day that was not measured."""
        self._exported.setdefault(schedule.day.isoformat(), 0.0)

    def exported_kwh(self, day: date) -> float | None:
        """kWh exported in ``day``'s window so far; None when its window was not followed."""
        return self._exported.get(day.isoformat())

    def days(self) -> dict[str, float]:
        """Every followed day (ISO) and its window export, for diagnostics."""
        return {key: round(value, 3) for key, value in sorted(self._exported.items())}

    def forget_before(self, oldest: date) -> None:
        """Drop days older than ``oldest`` (long reported)."""
        self._exported = {
            key: value for key, value in self._exported.items() if date.fromisoformat(key) >= oldest
        }

    @callback
    def _handle_change(self, event: Event[EventStateChangedData]) -> None:
        """Add one change's difference to the window it arrives in."""
        readings = meter_change_kwh(event)
        now = dt_util.utcnow()
        schedule = active_schedule(self._schedules(), now)
        if readings is None or schedule is None or now < schedule.dispatch_start:
            return
        key = schedule.day.isoformat()
        self._exported[key] = self._exported.get(key, 0.0) + exported_in_window(
            schedule, now, *readings
        )
        self._store.async_delay_save(self._to_json, SAVE_DELAY)

    def _to_json(self) -> dict[str, Any]:
        return {"exported": dict(self._exported)}


def _readable(key: Any, value: Any) -> bool:
    """A stored day: an ISO date and a finite, non-negative number of kWh."""
    try:
        date.fromisoformat(str(key))
    except ValueError:
        return False
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )
