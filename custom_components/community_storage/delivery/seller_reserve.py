"""The seller's side of delivery in Home Assistant: the reserve schedule kept in time.

From the household's filled sell orders, the battery model and the community's efficiency
(``agent/delivery.py``) it knows each committed day's reserve, SoC target and dispatch window.
A point-in-time tracker wakes it at every boundary of a committed day: at its start it fires
``community_storage_commitment_started`` and sets the mapped battery control to the reserve
target; at the start of the dispatch window it reads the SoC sensor (what the battery held,
reported later) and restores the control so the battery can release the energy; at the end of the
day it fires ``community_storage_commitment_ended`` and makes sure the control is restored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..agent.battery import BatterySpec
from ..agent.delivery import (
    SellerSchedule,
    active_schedule,
    delivered_sell_kwh,
    seller_schedules,
)
from ..const import (
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_BATTERY_CONTROL_OPTION,
    CONF_BATTERY_SOC_ENTITY,
    CONF_HOUSEHOLD_ID,
    CONF_HOUSEHOLD_NAME,
    EVENT_COMMITMENT_ENDED,
    EVENT_COMMITMENT_STARTED,
    entry_store_key,
)
from ..market_client.models import Side
from ..subscriptions import ChangeNotifier, Subscription

if TYPE_CHECKING:
    from ..coordinator import CommunityStorageCoordinator

_LOGGER = logging.getLogger(__name__)

STORE_VERSION: Final = 1
# Controls the integration can set: a minimum SoC (number) or a battery mode (select); the
# helpers' input_number and input_select take the same actions.
NUMBER_DOMAINS: Final = frozenset({"number", "input_number"})
SELECT_DOMAINS: Final = frozenset({"select", "input_select"})
# Measurements older than this are of days long reported or past the server's 7-day limit.
KEEP_DAYS: Final = 10


class ReserveKeeper(ChangeNotifier):
    """Keeps the seller's battery to what was sold, day by day."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: CommunityStorageCoordinator,
        battery: Callable[[], BatterySpec | None],
    ) -> None:
        """Nothing runs until ``async_start``."""
        super().__init__()
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self._battery = battery
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, entry_store_key("reserve", entry.entry_id)
        )
        # Days (ISO) whose start/release/end was handled; the control's remembered value; what
        # each day's battery held at dispatch (kWh delivered, or None when unmeasured).
        self._state: dict[str, Any] = {
            "started": [],
            "released": [],
            "ended": [],
            "remembered": None,
            "delivered": {},
        }
        self.schedules: tuple[SellerSchedule, ...] = ()
        self._timer = Subscription()
        self._refreshes = Subscription()
        # The timer and the coordinator may both wake it; each boundary is handled once.
        self._lock = asyncio.Lock()

    # ----------------------------------------------------------------- lifecycle

    async def async_start(self) -> None:
        """Load what was done before a restart and follow the coordinator and the clock."""
        stored = await self._store.async_load()
        if stored:
            self._state.update(stored)
        self._refreshes.hold(self.coordinator.async_add_listener(self._handle_update))
        self._handle_update()

    async def async_stop(self) -> None:
        """Stop every timer and listener; what was done stays in the Store."""
        self._refreshes.cancel()
        self._timer.cancel()

    # ----------------------------------------------------------------- reading

    def zone(self) -> tzinfo:
        """The community's time zone (its days are the delivery days)."""
        return self.coordinator.time_zone()

    def delivered_kwh(self, day: date) -> float | None:
        """What the battery held for ``day`` at dispatch; None when it was not measured."""
        value = self._state["delivered"].get(day.isoformat())
        return None if value is None else float(value)

    def measured_days(self) -> dict[str, float | None]:
        """Every measured day (ISO) and its delivered kWh, for diagnostics."""
        return dict(self._state["delivered"])

    def current(self) -> SellerSchedule | None:
        """The schedule of the committed day now, if any."""
        return active_schedule(self.schedules, dt_util.utcnow())

    # ----------------------------------------------------------------- keeping time

    @callback
    def _handle_update(self) -> None:
        """New fills or a new battery figure: recompute the schedules and catch up."""
        data = self.coordinator.data
        spec = self._battery()
        if data is None or spec is None:
            self.schedules = ()
        else:
            sold = {day: float(kwh) for day, kwh in data.filled_by_day(Side.SELL).items()}
            self.schedules = seller_schedules(
                sold, spec, zone=self.zone(), efficiency=float(data.me.community.efficiency)
            )
        self.entry.async_create_task(self.hass, self._async_step(), "community_storage reserve")

    async def _async_step(self, _now: datetime | None = None) -> None:
        """Handle every boundary that has passed, then sleep until the next one."""
        async with self._lock:
            await self._async_step_locked()

    async def _async_step_locked(self) -> None:
        now = dt_util.utcnow()
        changed = False
        for schedule in self.schedules:
            key = schedule.day.isoformat()
            if schedule.start <= now < schedule.end and key not in self._state["started"]:
                await self._async_begin(schedule)
                changed = True
            started = key in self._state["started"]
            if started and schedule.dispatch_start <= now and key not in self._state["released"]:
                await self._async_release(schedule)
                changed = True
            if started and schedule.end <= now and key not in self._state["ended"]:
                await self._async_end(schedule)
                changed = True
        if changed:
            self._forget_old(now)
            await self._store.async_save(self._state)
        self._schedule_next(now)
        self.async_notify()

    def _schedule_next(self, now: datetime) -> None:
        self._timer.cancel()
        boundaries = [
            moment
            for schedule in self.schedules
            for moment in (
                schedule.start,
                schedule.dispatch_start,
                schedule.dispatch_end,
                schedule.end,
            )
            if moment > now
        ]
        if boundaries:
            self._timer.hold(
                async_track_point_in_utc_time(self.hass, self._async_step, min(boundaries))
            )

    def _forget_old(self, now: datetime) -> None:
        oldest = (now.astimezone(self.zone()).date().toordinal()) - KEEP_DAYS
        for name in ("started", "released", "ended"):
            self._state[name] = [
                key for key in self._state[name] if date.fromisoformat(key).toordinal() >= oldest
            ]
        self._state["delivered"] = {
            key: value
            for key, value in self._state["delivered"].items()
            if date.fromisoformat(key).toordinal() >= oldest
        }

    # ----------------------------------------------------------------- the three moments

    def _event_data(self, schedule: SellerSchedule) -> dict[str, Any]:
        return {
            "household": self.entry.data[CONF_HOUSEHOLD_NAME],
            "household_id": self.entry.data[CONF_HOUSEHOLD_ID],
            "day": schedule.day.isoformat(),
            "kwh": schedule.reserve_kwh,
            "sold_kwh": schedule.sold_kwh,
            "target_soc": schedule.target_soc_pct,
            "headroom_soc": schedule.headroom_soc_pct,
            "dispatch_start": schedule.dispatch_start.isoformat(),
            "dispatch_end": schedule.dispatch_end.isoformat(),
        }

    async def _async_begin(self, schedule: SellerSchedule) -> None:
        self._state["started"].append(schedule.day.isoformat())
        _LOGGER.debug("Commitment of %s starts: %s", schedule.day, schedule)
        self.hass.bus.async_fire(EVENT_COMMITMENT_STARTED, self._event_data(schedule))
        await self._async_hold(schedule)

    async def _async_release(self, schedule: SellerSchedule) -> None:
        key = schedule.day.isoformat()
        self._state["released"].append(key)
        self._state["delivered"][key] = self._measure(schedule)
        await self._async_restore()

    async def _async_end(self, schedule: SellerSchedule) -> None:
        key = schedule.day.isoformat()
        self._state["ended"].append(key)
        await self._async_restore()
        self.hass.bus.async_fire(
            EVENT_COMMITMENT_ENDED,
            {**self._event_data(schedule), "delivered_kwh": self._state["delivered"].get(key)},
        )

    def _measure(self, schedule: SellerSchedule) -> float | None:
        """What the battery held for the community when the dispatch window began."""
        spec = self._battery()
        entity_id = {**self.entry.data, **self.entry.options}.get(CONF_BATTERY_SOC_ENTITY)
        state = self.hass.states.get(entity_id) if entity_id else None
        if spec is None or state is None:
            return None
        try:
            soc = float(state.state)
        except ValueError:
            return None
        efficiency = float(self.coordinator.data.me.community.efficiency)
        return delivered_sell_kwh(schedule.sold_kwh, soc, spec, efficiency)

    # ----------------------------------------------------------------- the battery control

    def _control(self) -> tuple[str | None, str | None]:
        options = self.entry.options
        return options.get(CONF_BATTERY_CONTROL_ENTITY), options.get(CONF_BATTERY_CONTROL_OPTION)

    async def _async_hold(self, schedule: SellerSchedule) -> None:
        """Remember the control's value and set it to hold the reserve."""
        entity_id, option = self._control()
        if not entity_id:
            return
        state = self.hass.states.get(entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            _LOGGER.warning("Battery control %s is not available; reserve not set", entity_id)
            return
        if self._state["remembered"] is None:
            self._state["remembered"] = {"entity_id": entity_id, "value": state.state}
        domain = entity_id.partition(".")[0]
        if domain in NUMBER_DOMAINS:
            low = float(state.attributes.get("min", 0))
            high = float(state.attributes.get("max", 100))
            value = min(max(float(schedule.target_soc_pct), low), high)
            await self._async_call(domain, "set_value", entity_id, {"value": value})
        elif domain in SELECT_DOMAINS and option:
            await self._async_call(domain, "select_option", entity_id, {"option": option})

    async def _async_restore(self) -> None:
        """Put the control back to the value it had before the commitment."""
        remembered = self._state["remembered"]
        if not remembered:
            return
        entity_id = str(remembered["entity_id"])
        value = str(remembered["value"])
        domain = entity_id.partition(".")[0]
        if domain in NUMBER_DOMAINS:
            ok = await self._async_call(domain, "set_value", entity_id, {"value": float(value)})
        else:
            ok = await self._async_call(domain, "select_option", entity_id, {"option": value})
        if ok:
            self._state["remembered"] = None

    async def _async_call(
        self, domain: str, service: str, entity_id: str, data: dict[str, Any]
    ) -> bool:
        try:
            await self.hass.services.async_call(
                domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
            )
        except (HomeAssistantError, ValueError) as err:
            _LOGGER.warning("Could not set battery control %s: %s", entity_id, err)
            return False
        return True
