"""The live state of the demo house: profile powers now, and a battery that follows them.

The battery keeps the minimum state of charge its control is set to (the community storage
integration sets it to the reserve target of what the house sold, see docs/delivery.md): it does
not discharge below it, and in the hours before the evening dispatch window it tops a missing
reserve up from the grid, as the simulated neighbours do (``neighbourhood.dispatch``). Its
forced discharge power (the second control, set in the dispatch window) makes it discharge at
least that fast, the house served first and the rest exported. Grid import and export are
metered, so a buyer's virtual battery and a seller's delivery have their meters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from custom_components.community_storage.agent.delivery import DISPATCH_HOURS
from neighbourhood.battery import EFFICIENCY, RESERVE_SHARE, bounded_step
from neighbourhood.dispatch import GRID_TOP_UP_HOURS
from neighbourhood.profiles import TIMEZONE, HouseProfile, load_kw, pv_kw, simulate


@dataclass(frozen=True, slots=True)
class Reading:
    """One snapshot of the house's sensors."""

    load_w: float
    pv_w: float
    battery_w: float  # + charging, - discharging
    soc_pct: float
    load_kwh_total: float
    pv_kwh_total: float
    grid_import_kwh_total: float
    grid_export_kwh_total: float


class DemoHouse:
    """Advances the simulated house in real time; every call to ``advance`` moves it to now."""

    def __init__(self, key: str, profile: HouseProfile, soc_pct: float, at: datetime) -> None:
        """Start at ``at`` with the battery at ``soc_pct``; ``key`` prefixes its entity ids."""
        self.key = key
        self.profile = profile
        self._energy_kwh = profile.battery_kwh * soc_pct / 100.0
        self._at = at
        self._load_total = 0.0
        self._pv_total = 0.0
        self._import_total = 0.0
        self._export_total = 0.0
        # The battery's minimum state of charge (its control), by default what the battery
        # management keeps anyway.
        self.min_soc_pct = RESERVE_SHARE * 100.0
        # Forced discharge power (W); 0 lets the battery follow the house.
        self.discharge_w = 0.0
        self.reading = self._read(at, 0.0, 0.0, 0.0)

    @classmethod
    def start(cls, key: str, profile: HouseProfile) -> DemoHouse:
        """Start from the simulated last two days so the battery's charge is plausible now."""
        now = datetime.now(UTC)
        history = simulate(profile, now - timedelta(hours=48), 48)
        house = cls(key, profile, history[-1].soc_pct, now)
        # Readings of this very moment, so the sensors have real values from the start.
        house.advance(now)
        return house

    def _smooth(self, moment: datetime) -> tuple[float, float]:
        """Load and PV in kW at ``moment``, interpolated between hourly averages."""
        hour = moment.replace(minute=0, second=0, microsecond=0)
        share = (moment - hour).total_seconds() / 3600.0
        # Hourly averages sit at the middle of the hour.
        if share < 0.5:
            before, after, weight = hour - timedelta(hours=1), hour, share + 0.5
        else:
            before, after, weight = hour, hour + timedelta(hours=1), share - 0.5
        load = load_kw(self.profile, before) * (1 - weight) + load_kw(self.profile, after) * weight
        pv = pv_kw(self.profile, before) * (1 - weight) + pv_kw(self.profile, after) * weight
        return load, pv

    def advance(self, now: datetime) -> Reading:
        """Move the house to ``now`` and return the new sensor readings."""
        seconds = max(0.0, (now - self._at).total_seconds())
        load, pv = self._smooth(now)
        # Appliances switch on and off: a kettle or an oven turns the smooth profile into peaks.
        minute_rng = random.Random(f"{self.profile.seed}|{now:%Y%m%d%H%M}")
        if minute_rng.random() < 0.04:
            load += minute_rng.uniform(1.5, 3.5)
        load *= minute_rng.uniform(0.9, 1.1)
        hours = seconds / 3600.0
        house = self.profile
        battery = self._battery_kw(now, pv - load, hours) if house.battery_kwh > 0 else 0.0
        grid = load - pv + battery
        self._load_total += load * hours
        self._pv_total += pv * hours
        self._import_total += max(grid, 0.0) * hours
        self._export_total += max(-grid, 0.0) * hours
        self._at = now
        self.reading = self._read(now, load, pv, battery)
        return self.reading

    def _battery_kw(self, now: datetime, surplus_kw: float, hours: float) -> float:
        """The battery's power (+ charging) over the step, keeping its minimum state of charge."""
        house = self.profile
        floor = house.battery_kwh * max(self.min_soc_pct, RESERVE_SHARE * 100.0) / 100.0
        if self.discharge_w > 0:
            return self._forced_kw(surplus_kw, hours, floor)
        grid_kw = 0.0
        local = now.astimezone(TIMEZONE)
        opens = local.replace(hour=DISPATCH_HOURS[0], minute=0, second=0, microsecond=0)
        hours_left = (opens - local).total_seconds() / 3600.0
        if self._energy_kwh < floor and 0 < hours_left <= GRID_TOP_UP_HOURS:
            # The reserve is due when the window opens: what PV cannot bring comes from the
            # grid, at an even pace over the time left.
            pace = (floor - self._energy_kwh) / EFFICIENCY / max(hours_left, hours)
            grid_kw = min(house.battery_power_kw, pace)
        # Below the floor the battery only charges (bounded_step leaves nothing to discharge).
        battery, self._energy_kwh = bounded_step(
            house.battery_power_kw - grid_kw,
            self._energy_kwh + grid_kw * hours * EFFICIENCY,
            surplus_kw,
            hours,
            floor_kwh=floor,
            ceiling_kwh=house.battery_kwh,
        )
        return battery + grid_kw

    def _forced_kw(self, surplus_kw: float, hours: float, floor_kwh: float) -> float:
        """Forced discharge: the set power or what the house needs, whichever is more, within
        the battery's power and never below its floor; what the house does not use is exported."""
        if hours <= 0:
            return 0.0
        wanted = max(self.discharge_w / 1000.0, -surplus_kw)
        left = max(0.0, self._energy_kwh - floor_kwh)
        battery = -min(wanted, self.profile.battery_power_kw, left / hours)
        self._energy_kwh += battery * hours
        return battery

    def _read(self, _now: datetime, load: float, pv: float, battery: float) -> Reading:
        # "+ 0.0" turns a rounded -0.0 into 0.0 (the frontend would show "-0.0 W").
        return Reading(
            load_w=round(load * 1000.0, 1) + 0.0,
            pv_w=round(pv * 1000.0, 1) + 0.0,
            battery_w=round(battery * 1000.0, 1) + 0.0,
            soc_pct=round(100.0 * self._energy_kwh / self.profile.battery_kwh, 1)
            if self.profile.battery_kwh > 0
            else 0.0,
            load_kwh_total=round(self._load_total, 3),
            pv_kwh_total=round(self._pv_total, 3),
            grid_import_kwh_total=round(self._import_total, 3),
            grid_export_kwh_total=round(self._export_total, 3),
        )
