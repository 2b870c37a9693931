"""The seller's side of delivery in Home Assistant: the reserve schedule kept in time.

From the household's filled sell orders, the battery model and the community's efficiency
(``agent/delivery.py``) it knows each committed day's reserve, SoC target and dispatch window.
A point-in-time tracker wakes it at every boundary of a committed day: at its start it fires
``community_storage_commitment_started`` and sets the mapped battery control to the reserve
target; at the start of the dispatch window it restores that control and sets the discharge
control (a forced discharge power of R / window hours, or a mode that forces discharge) so the
reserve is exported; at the window's end it restores the discharge control; at the end of the
day it fires ``community_storage_commitment_ended`` and makes sure both are restored.

What was delivered is measured on the grid export meter from the window's start to the end of
the day (``seller_export.py``); a household without one falls back to what the battery held
at the window's start (its SoC sensor).
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
    MEASURE_EXPORT,
    MEASURE_SOC,
    SellerSchedule,
    active_schedule,
    delivered_by_export,
    delivered_sell_kwh,
    power_setpoint,
    release_power_kw,
    seller_schedules,
)
from ..const import (
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_BATTERY_CONTROL_OPTION,
    CONF_BATTERY_SOC_ENTITY,
    CONF_DISCHARGE_CONTROL_ENTITY,
    CONF_DISCHARGE_CONTROL_OPTION,
    CONF_GRID_EXPORT_ENTITY,
    CONF_HOUSEHOLD_ID,
    CONF_HOUSEHOLD_NAME,
    EVENT_COMMITMENT_ENDED,
    EVENT_COMMITMENT_STARTED,
    entry_store_key,
)
from ..market_client.models import Side
from ..subscriptions import ChangeNotifier, Subscription
from .seller_export import WindowExportMeter

if TYPE_CHECKING:
    from homeassistant.core import State

    from ..coordinator import CommunityStorageCoordinator

_LOGGER = logging.getLogger(__name__)

STORE_VERSION: Final = 1
# Controls the integration can set: a minimum SoC (number) or a battery mode (select); the
# helpers' input_number and input_select take the same actions.
NUMBER_DOMAINS: Final = frozenset({"number", "input_number"})
SELECT_DOMAINS: Final = frozenset({"select", "input_select"})
# Measurements older than this are of days long reported or past the server's 7-day limit.
KEEP_DAYS: Final = 10
# Where each control's value from before the commitment is remembered (in the Store).
HOLD: Final = "remembered"
DISCHARGE: Final = "discharge_remembered"


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
        # Days (ISO) whose start/release/window end/end was handled; each control's remembered
        # value; what each day delivered (kWh, or None when unmeasured) and how it was measured.
        self._state: dict[str, Any] = {
            "started": [],
            "released": [],
            "closed": [],
            "ended": [],
            HOLD: None,
            DISCHARGE: None,
            "delivered": {},
            "measured_by": {},
        }
        self.schedules: tuple[SellerSchedule, ...] = ()
        self.export = WindowExportMeter(
            hass,
            entry.entry_id,
            {**entry.data, **entry.options}.get(CONF_GRID_EXPORT_ENTITY),
            lambda: self.schedules,
        )
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
        await self.export.async_start()
        self._refreshes.hold(self.coordinator.async_add_listener(self._handle_update))
        self._handle_update()

    async def async_stop(self) -> None:
        """Stop every timer and listener; what was done stays in the Store."""
        self._refreshes.cancel()
        self._timer.cancel()
        await self.export.async_stop()

    # ----------------------------------------------------------------- reading

    def zone(self) -> tzinfo:
        """The community's time zone (its days are the delivery days)."""
        return self.coordinator.time_zone()

    def delivered_kwh(self, day: date) -> float | None:
        """What ``day`` delivered (export meter, or SoC at dispatch); None when unmeasured."""
        value = self._state["delivered"].get(day.isoformat())
        return None if value is None else float(value)

    def measured_days(self) -> dict[str, float | None]:
        """Every measured day (ISO) and its delivered kWh, for diagnostics."""
        return dict(self._state["delivered"])

    def measures(self) -> dict[str, str]:
        """How each measured day (ISO) was measured: ``grid_export`` or ``state_of_charge``."""
        return dict(self._state["measured_by"])

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
                await self._async_release(schedule, now)
                changed = True
            if started and schedule.dispatch_end <= now and key not in self._state["closed"]:
                await self._async_close(schedule)
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
        for name in ("started", "released", "closed", "ended"):
            self._state[name] = [
                key for key in self._state[name] if date.fromisoformat(key).toordinal() >= oldest
            ]
        for name in ("delivered", "measured_by"):
            self._state[name] = {
                key: value
                for key, value in self._state[name].items()
                if date.fromisoformat(key).toordinal() >= oldest
            }
        self.export.forget_before(date.fromordinal(oldest))

    # ----------------------------------------------------------------- the four moments

    def _event_data(self, schedule: SellerSchedule) -> dict[str, Any]:
        data = {
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
        entity_id, _ = self._control(CONF_DISCHARGE_CONTROL_ENTITY, CONF_DISCHARGE_CONTROL_OPTION)
        if entity_id and entity_id.partition(".")[0] in NUMBER_DOMAINS:
            data["discharge_kw"] = round(release_power_kw(schedule), 3)
        return data

    async def _async_begin(self, schedule: SellerSchedule) -> None:
        self._state["started"].append(schedule.day.isoformat())
        _LOGGER.debug("Commitment of %s starts: %s", schedule.day, schedule)
        self.hass.bus.async_fire(EVENT_COMMITMENT_STARTED, self._event_data(schedule))
        await self._async_hold(schedule)

    async def _async_release(self, schedule: SellerSchedule, now: datetime) -> None:
        """The window opens: stop holding, start exporting, start measuring."""
        key = schedule.day.isoformat()
        self._state["released"].append(key)
        if self.export.configured:
            self.export.begin(schedule)
        else:
            self._state["delivered"][key] = self._measure(schedule)
            self._state["measured_by"][key] = MEASURE_SOC
        await self._async_restore(HOLD)
        # Caught up after the window (Home Assistant was down): nothing left to force.
        if now < schedule.dispatch_end:
            await self._async_discharge(schedule)

    async def _async_close(self, schedule: SellerSchedule) -> None:
        """The window closes: the battery goes back to the household's own mode."""
        self._state["closed"].append(schedule.day.isoformat())
        await self._async_restore(DISCHARGE)

    async def _async_end(self, schedule: SellerSchedule) -> None:
        key = schedule.day.isoformat()
        self._state["ended"].append(key)
        await self._async_restore(DISCHARGE)
        await self._async_restore(HOLD)
        exported = self.export.exported_kwh(schedule.day)
        if exported is not None:
            self._state["delivered"][key] = delivered_by_export(schedule.sold_kwh, exported)
            self._state["measured_by"][key] = MEASURE_EXPORT
        self.hass.bus.async_fire(
            EVENT_COMMITMENT_ENDED,
            {**self._event_data(schedule), "delivered_kwh": self._state["delivered"].get(key)},
        )

    def _measure(self, schedule: SellerSchedule) -> float | None:
        """What the battery held for the community when the dispatch window began (the measure
        without an export meter)."""
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

    # ----------------------------------------------------------------- the controls

    def _control(self, entity_key: str, option_key: str) -> tuple[str | None, str | None]:
        options = self.entry.options
        return options.get(entity_key), options.get(option_key)

    async def _async_hold(self, schedule: SellerSchedule) -> None:
        """Set the battery control to hold the reserve (a minimum SoC, or the holding mode)."""
        entity_id, option = self._control(CONF_BATTERY_CONTROL_ENTITY, CONF_BATTERY_CONTROL_OPTION)
        if not entity_id:
            return

        def setpoint(state: State) -> float:
            low, high = _number_range(state, default_max=100.0)
            return min(max(float(schedule.target_soc_pct), low), high)

        await self._async_set(HOLD, entity_id, setpoint, option)

    async def _async_discharge(self, schedule: SellerSchedule) -> None:
        """Set the discharge control so the reserve is exported over the window: the power
        R / window hours in the control's unit, or the mode that forces discharge."""
        entity_id, option = self._control(
            CONF_DISCHARGE_CONTROL_ENTITY, CONF_DISCHARGE_CONTROL_OPTION
        )
        if not entity_id:
            return
        power = release_power_kw(schedule)

        def setpoint(state: State) -> float | None:
            # Without a maximum attribute nothing caps it (power x 1000 is above it in W or kW).
            low, high = _number_range(state, default_max=power * 1000)
            return power_setpoint(power, state.attributes.get("unit_of_measurement"), low, high)

        await self._async_set(DISCHARGE, entity_id, setpoint, option)

    async def _async_set(
        self,
        slot: str,
        entity_id: str,
        number: Callable[[State], float | None],
        option: str | None,
    ) -> None:
        """Remember the control's value in ``slot`` and set it: a number to ``number(state)``,
        a select to ``option``."""
        state = self.hass.states.get(entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            _LOGGER.warning("Battery control %s is not available; not set", entity_id)
            return
        domain = entity_id.partition(".")[0]
        data: dict[str, Any]
        if domain in NUMBER_DOMAINS:
            value = number(state)
            if value is None:
                _LOGGER.warning("Battery control %s has no unit in W or kW; not set", entity_id)
                return
            service, data = "set_value", {"value": value}
        elif domain in SELECT_DOMAINS and option:
            service, data = "select_option", {"option": option}
        else:
            return
        if self._state[slot] is None:
            self._state[slot] = {"entity_id": entity_id, "value": state.state}
        await self._async_call(domain, service, entity_id, data)

    async def _async_restore(self, slot: str) -> None:
        """Put the control remembered in ``slot`` back to its value before the commitment."""
        remembered = self._state[slot]
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
            self._state[slot] = None

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


def _number_range(state: State, *, default_max: float) -> tuple[float, float]:
    """A number entity's own range (its ``min`` and ``max`` attributes)."""
    return float(state.attributes.get("min", 0)), float(state.attributes.get("max", default_max))
