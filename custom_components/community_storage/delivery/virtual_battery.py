"""The buyer's side of delivery in Home Assistant: the virtual battery, metered.

The household's grid import and export energy sensors (``total_increasing``) are followed with
state change events; every change adds its difference to the virtual battery of the local day it
happens in, if the household bought capacity for that day (``agent/delivery.py`` does the
arithmetic). Nothing is polled and the recorder is not read.
"""

from __future__ import annotations

import logging
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfEnergy
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util

from ..agent.delivery import VirtualBattery, hour_index, hours_in_day, meter_delta
from ..const import CONF_GRID_EXPORT_ENTITY, CONF_GRID_IMPORT_ENTITY
from ..market_client.models import Side
from ..subscriptions import ChangeNotifier, Subscription
from .virtual_battery_store import VirtualBatteryStore

if TYPE_CHECKING:
    from homeassistant.core import State

    from ..coordinator import CommunityStorageCoordinator

_LOGGER = logging.getLogger(__name__)

# Energy units a grid meter may report, as factors to kWh.
TO_KWH: Final[dict[str, float]] = {
    UnitOfEnergy.WATT_HOUR: 0.001,
    UnitOfEnergy.KILO_WATT_HOUR: 1.0,
    UnitOfEnergy.MEGA_WATT_HOUR: 1000.0,
}
# Virtual batteries of days further back are not reported any more (the server's limit is 7).
KEEP_DAYS: Final = 8


def meter_kwh(state: State | None) -> float | None:
    """A meter state in kWh, or None when it is not a number."""
    if state is None:
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    factor = TO_KWH.get(str(state.attributes.get("unit_of_measurement") or "kWh"))
    return None if factor is None else value * factor


def meter_change_kwh(event: Event[EventStateChangedData]) -> tuple[float, float] | None:
    """A meter's reading before and after a change, in kWh; None when either is no number."""
    old = meter_kwh(event.data["old_state"])
    new = meter_kwh(event.data["new_state"])
    # Unavailable and back: the difference across the gap is unknown, not zero.
    return None if old is None or new is None else (old, new)


class VirtualBatteryMeter(ChangeNotifier):
    """Per bought day, the virtual battery as the grid meters fill and empty it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: CommunityStorageCoordinator,
    ) -> None:
        """Nothing is followed until ``async_start``."""
        super().__init__()
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.batteries: dict[date, VirtualBattery] = {}
        self._store = VirtualBatteryStore(hass, entry.entry_id)
        self._meters = Subscription()
        config = {**entry.data, **entry.options}
        self.import_entity: str | None = config.get(CONF_GRID_IMPORT_ENTITY)
        self.export_entity: str | None = config.get(CONF_GRID_EXPORT_ENTITY)

    @property
    def configured(self) -> bool:
        """Both meters are mapped: the virtual battery can be measured."""
        return bool(self.import_entity and self.export_entity)

    async def async_start(self) -> None:
        """Take back the batteries kept before a restart; follow the two meters, if mapped."""
        self.batteries.update(await self._store.async_load())
        if self.import_entity and self.export_entity:
            self._meters.hold(
                async_track_state_change_event(
                    self.hass, [self.import_entity, self.export_entity], self._handle_change
                )
            )

    async def async_stop(self) -> None:
        """Stop following the meters; keep the batteries for the next start."""
        self._meters.cancel()
        await self._store.async_save(self.batteries)

    def zone(self) -> tzinfo:
        """The community's time zone (its days are the delivery days)."""
        return self.coordinator.time_zone()

    def today(self) -> VirtualBattery | None:
        """Today's virtual battery, if capacity was bought for today."""
        day = dt_util.now(self.zone()).date()
        return self.batteries.get(day) or self._new_battery(day)

    def battery_of(self, day: date) -> VirtualBattery | None:
        """The virtual battery of ``day``: metered, empty if nothing moved, None if not bought."""
        return self.batteries.get(day) or self._new_battery(day)

    def _new_battery(self, day: date) -> VirtualBattery | None:
        data = self.coordinator.data
        if data is None:
            return None
        bought = float(data.filled_kwh(day, Side.BUY))
        if bought <= 0:
            return None
        return VirtualBattery(
            capacity_kwh=bought,
            efficiency=float(data.me.community.efficiency),
            hours=hours_in_day(day, self.zone()),
        )

    @callback
    def _handle_change(self, event: Event[EventStateChangedData]) -> None:
        """Add one meter's difference to today's virtual battery."""
        readings = meter_change_kwh(event)
        if readings is None:
            return
        old, new = readings
        zone = self.zone()
        now = dt_util.now(zone)
        day = now.date()
        battery = self.battery_of(day)
        if battery is None:
            return
        delta = meter_delta(old, new)
        hour = hour_index(now, day, zone)
        if event.data["entity_id"] == self.export_entity:
            # From the evening window on, the shared fill is in before any later export.
            battery = battery.advanced_to(hour).exported(delta)
        else:
            battery = battery.imported(delta, hour)
        self.batteries[day] = battery
        for kept in [d for d in self.batteries if (day - d).days > KEEP_DAYS]:
            del self.batteries[kept]
        self._store.async_delay_save(self.batteries)
        self.async_notify()
