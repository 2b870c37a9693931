"""Delivery of traded capacity: the seller's reserve schedule and the buyer's virtual battery.

The model is written down in ``docs/delivery.md``. For a seller of X kWh on a day, the battery
keeps R = X / efficiency kWh for the community: free in the morning, held until the evening
dispatch window, released in it by exporting it (R / window hours); it is filled from the
seller's own surplus, then the community's. What it delivered is what its export meter counts
from the window's start to the end of the day, at most X. For a buyer of X kWh, export during
the day is credited to a virtual battery up to X kWh (what comes back is efficiency x credited:
the losses are the buyer's); at the start of the evening window the part of X its own export
did not fill is filled with shared energy from the sellers' reserves. Import draws the own
credit first, then the shared energy. Pure functions on plain data; no Home Assistant here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final

from .battery import DEFAULT_EFFICIENCY, BatterySpec
from .planner import WINDOWS
from .tariff import Tariff

# The evening the buyer's bid is priced for is when the held energy is released.
DISPATCH_HOURS: tuple[int, int] = WINDOWS["evening"]
# Figures below this are rounding noise of float sums, not energy.
EPSILON_KWH = 1e-9


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Local midnight at the start and at the end of ``day`` (23-25 hours apart)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def hours_in_day(day: date, zone: tzinfo) -> int:
    """23, 24 or 25: the local hours of ``day`` (daylight saving time changes)."""
    start, end = day_bounds(day, zone)
    # In UTC: two datetimes of one zone subtract as wall-clock times.
    return round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600)


def hour_index(at: datetime, day: date, zone: tzinfo) -> int:
    """Which local hour of ``day`` the instant ``at`` falls in (0 .. hours_in_day - 1)."""
    start, _ = day_bounds(day, zone)
    # Elapsed real time, not the wall clock: a 25-hour day has two hours shown as 02:00.
    elapsed = (at.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 3600
    return int(min(max(elapsed, 0), hours_in_day(day, zone) - 1))


# ----------------------------------------------------------------------------- the seller


@dataclass(frozen=True, slots=True)
class SellerSchedule:
    """What a seller's battery does on one committed day."""

    day: date
    sold_kwh: float
    # R: the battery content kept for the community (sold / efficiency, at most usable).
    reserve_kwh: float
    # State of charge (%) not to fall below while holding, and not to exceed before charging.
    target_soc_pct: int
    headroom_soc_pct: int
    start: datetime
    dispatch_start: datetime
    dispatch_end: datetime
    end: datetime


def reserve_kwh(sold_kwh: float, spec: BatterySpec, efficiency: float) -> float:
    """R = sold / efficiency, capped at what the battery can hold at all."""
    if sold_kwh <= 0 or efficiency <= 0:
        return 0.0
    return min(sold_kwh / efficiency, spec.usable_kwh)


def reserve_target_pct(spec: BatterySpec, reserve: float) -> int:
    """Lowest state of charge (whole %) that still holds ``reserve`` kWh above the floor.

    Rounded up: a minimum-SoC setting must not hold less than was sold.
    """
    top = math.floor(min(spec.max_soc, 1.0) * 100 + EPSILON_KWH)
    if spec.capacity_kwh <= 0:
        return top
    share = max(spec.min_soc, 0.0) + reserve / spec.capacity_kwh
    # Round 63.0000001 to 63, not 64: the float noise of the division is not a percent.
    return min(top, math.ceil(share * 100 - 1e-6))


def headroom_limit_pct(spec: BatterySpec, reserve: float) -> int:
    """Highest state of charge (whole %) that still leaves ``reserve`` kWh free below the top."""
    floor = math.ceil(max(spec.min_soc, 0.0) * 100 - EPSILON_KWH)
    if spec.capacity_kwh <= 0:
        return floor
    share = min(spec.max_soc, 1.0) - reserve / spec.capacity_kwh
    return max(floor, math.floor(share * 100 + 1e-6))


def seller_schedule(
    day: date,
    sold_kwh: float,
    spec: BatterySpec,
    *,
    zone: tzinfo,
    efficiency: float = DEFAULT_EFFICIENCY,
) -> SellerSchedule:
    """The day's reserve, SoC targets and dispatch window for ``sold_kwh`` sold."""
    reserve = reserve_kwh(sold_kwh, spec, efficiency)
    start, end = day_bounds(day, zone)
    first, last = DISPATCH_HOURS
    return SellerSchedule(
        day=day,
        sold_kwh=sold_kwh,
        reserve_kwh=round(reserve, 2),
        target_soc_pct=reserve_target_pct(spec, reserve),
        headroom_soc_pct=headroom_limit_pct(spec, reserve),
        start=start,
        dispatch_start=datetime.combine(day, time(first), tzinfo=zone),
        dispatch_end=datetime.combine(day, time(last), tzinfo=zone),
        end=end,
    )


def seller_schedules(
    sold_by_day: Mapping[date, float],
    spec: BatterySpec,
    *,
    zone: tzinfo,
    efficiency: float = DEFAULT_EFFICIENCY,
) -> tuple[SellerSchedule, ...]:
    """One schedule per day with capacity sold, in day order."""
    return tuple(
        seller_schedule(day, kwh, spec, zone=zone, efficiency=efficiency)
        for day, kwh in sorted(sold_by_day.items())
        if kwh > 0
    )


def active_schedule(schedules: Iterable[SellerSchedule], now: datetime) -> SellerSchedule | None:
    """The schedule of the committed day ``now`` falls in, if any."""
    return next((s for s in schedules if s.start <= now < s.end), None)


def committed_now_kwh(schedules: Iterable[SellerSchedule], now: datetime) -> float:
    """R of today's commitment until its dispatch window ends, else 0."""
    current = active_schedule(schedules, now)
    if current is None or now >= current.dispatch_end:
        return 0.0
    return current.reserve_kwh


def reserve_target_now(schedules: Iterable[SellerSchedule], now: datetime) -> int | None:
    """Today's reserve target (% SoC) until the dispatch window ends; None without one."""
    current = active_schedule(schedules, now)
    if current is None or now >= current.dispatch_end:
        return None
    return current.target_soc_pct


def next_dispatch(schedules: Iterable[SellerSchedule], now: datetime) -> SellerSchedule | None:
    """The first committed day whose dispatch window has not ended yet."""
    return next((s for s in sorted(schedules, key=lambda s: s.day) if s.dispatch_end > now), None)


def delivered_sell_kwh(
    sold_kwh: float, soc_pct: float, spec: BatterySpec, efficiency: float = DEFAULT_EFFICIENCY
) -> float:
    """What a seller's battery held for the community when dispatch began, after losses, at
    most what was sold (``min(X, efficiency x (SoC - floor) x capacity)``).

    The fallback measure for a household without an export meter: a battery that holds R at
    17:00 but then serves only its own house shows the same figure as one that exports it.
    """
    held = max(0.0, soc_pct / 100 - max(spec.min_soc, 0.0)) * spec.capacity_kwh
    return round(max(0.0, min(sold_kwh, held * efficiency)), 3)


# How a seller's delivery was measured (diagnostics): on the grid export meter, or, without
# one, from the state of charge at the start of the dispatch window.
MEASURE_EXPORT: Final = "grid_export"
MEASURE_SOC: Final = "state_of_charge"
# Units a discharge-power control may have, as factors from kW.
POWER_UNITS: Final[dict[str, float]] = {"W": 1000.0, "kW": 1.0}


def window_hours(schedule: SellerSchedule) -> float:
    """The dispatch window's length in real hours (5 for 17:00-22:00)."""
    start = schedule.dispatch_start.astimezone(UTC)
    return (schedule.dispatch_end.astimezone(UTC) - start).total_seconds() / 3600


def release_power_kw(schedule: SellerSchedule) -> float:
    """The even power that releases R over the dispatch window: R / window hours."""
    hours = window_hours(schedule)
    return schedule.reserve_kwh / hours if hours > 0 else 0.0


def power_setpoint(power_kw: float, unit: str | None, low: float, high: float) -> float | None:
    """``power_kw`` in a control's unit (W or kW), within its range; None for another unit."""
    factor = POWER_UNITS.get(str(unit or ""))
    if factor is None:
        return None
    return min(max(round(power_kw * factor, 3), low), high)


def exported_in_window(
    schedule: SellerSchedule, at: datetime, old_kwh: float, new_kwh: float
) -> float:
    """What one change of the export meter adds to the seller's delivery of ``schedule``.

    Sharing is computed on metered intervals: a change that arrives between the start of the
    dispatch window and the end of the day counts in full (the time it arrives is the time of
    the interval, as for the buyer's meters), one outside it not at all.
    """
    if not schedule.dispatch_start <= at < schedule.end:
        return 0.0
    return meter_delta(old_kwh, new_kwh)


def delivered_by_export(sold_kwh: float, exported_kwh: float) -> float:
    """What a seller delivered by the export meter: the window's export, at most what was sold."""
    return round(max(0.0, min(sold_kwh, exported_kwh)), 3)


# ----------------------------------------------------------------------------- the buyer


@dataclass(frozen=True, slots=True)
class VirtualBattery:
    """The buyer's capacity for one day: credited export, shared energy and drawn import.

    Hours are the local hours of the day (``hour_index``).
    """

    capacity_kwh: float
    efficiency: float = DEFAULT_EFFICIENCY
    hours: int = 24
    credited_kwh: float = 0.0
    # Every kWh of import drawn, own credit and shared energy together.
    drawn_kwh: float = 0.0
    # Import drawn from the virtual battery in each local hour of the day.
    drawn_by_hour: tuple[float, ...] = ()
    # Shared energy: the part of the capacity the own export did not fill, filled at the
    # start of the evening window (``shared_filled``), and what of it was drawn (per hour).
    shared_kwh: float = 0.0
    shared_filled: bool = False
    shared_drawn_kwh: float = 0.0
    shared_drawn_by_hour: tuple[float, ...] = ()

    @property
    def own_drawn_kwh(self) -> float:
        """Import drawn from the household's own credited export."""
        return max(0.0, self.drawn_kwh - self.shared_drawn_kwh)

    @property
    def own_state_kwh(self) -> float:
        """Own credit that can still be drawn: efficiency x credited - own drawn."""
        return max(0.0, self.efficiency * self.credited_kwh - self.own_drawn_kwh)

    @property
    def shared_state_kwh(self) -> float:
        """Shared energy that can still be drawn."""
        return max(0.0, self.shared_kwh - self.shared_drawn_kwh)

    @property
    def state_kwh(self) -> float:
        """kWh that can still be drawn: own credit after losses plus shared energy left."""
        return self.own_state_kwh + self.shared_state_kwh

    @property
    def used_kwh(self) -> float:
        """Capacity filled and drawn back: own drawn / efficiency + shared drawn, at most X."""
        if self.efficiency <= 0:
            return 0.0
        own = min(self.own_drawn_kwh / self.efficiency, self.credited_kwh)
        return min(own + self.shared_drawn_kwh, self.capacity_kwh)

    @property
    def hourly_used_kwh(self) -> tuple[float, ...]:
        """``used_kwh`` spread over the local hours in which it was drawn."""
        by_hour = self.drawn_by_hour or (0.0,) * self.hours
        shared = self.shared_drawn_by_hour or (0.0,) * len(by_hour)
        if self.efficiency <= 0:
            return (0.0,) * len(by_hour)
        return tuple(
            max(0.0, kwh - part) / self.efficiency + part
            for kwh, part in zip(by_hour, shared, strict=True)
        )

    def advanced_to(self, hour: int) -> VirtualBattery:
        """The battery at local ``hour``: from the evening window on, the shared fill is in."""
        if self.shared_filled or hour < DISPATCH_HOURS[0]:
            return self
        return replace(
            self,
            shared_filled=True,
            shared_kwh=max(0.0, self.capacity_kwh - self.credited_kwh),
        )

    def exported(self, kwh: float) -> VirtualBattery:
        """Export credited until X kWh are filled today; the rest is plain feed-in."""
        room = self.capacity_kwh - self.credited_kwh - self.shared_kwh
        credit = min(max(kwh, 0.0), max(0.0, room))
        if credit <= 0:
            return self
        return replace(self, credited_kwh=self.credited_kwh + credit)

    def imported(self, kwh: float, hour: int) -> VirtualBattery:
        """Import drawn from the own credit, then from shared energy; the rest is plain grid
        import. From the evening window on the shared fill is in (``advanced_to``)."""
        battery = self.advanced_to(hour)
        own = min(max(kwh, 0.0), battery.own_state_kwh)
        shared = min(max(kwh, 0.0) - own, battery.shared_state_kwh)
        if own + shared <= EPSILON_KWH:
            return battery
        index = min(max(hour, 0), battery.hours - 1)
        by_hour = list(battery.drawn_by_hour or (0.0,) * battery.hours)
        by_hour[index] += own + shared
        shared_by_hour = list(battery.shared_drawn_by_hour or (0.0,) * battery.hours)
        shared_by_hour[index] += shared
        return replace(
            battery,
            drawn_kwh=battery.drawn_kwh + own + shared,
            drawn_by_hour=tuple(by_hour),
            shared_drawn_kwh=battery.shared_drawn_kwh + shared,
            shared_drawn_by_hour=tuple(shared_by_hour),
        )

    def saved_eur(self, tariff: Tariff) -> float:
        """What the drawn kWh would have cost from the grid, at the tariff's hourly prices."""
        by_hour = self.drawn_by_hour or (0.0,) * self.hours
        return sum(kwh * tariff.import_price(hour) for hour, kwh in enumerate(by_hour))

    def shared_cost_eur(self, energy_price: float) -> float:
        """What the shared energy drawn costs at the community's energy price."""
        return self.shared_drawn_kwh * energy_price


@dataclass(frozen=True, slots=True)
class MeterReading:
    """Cumulative grid meters (``total_increasing`` kWh) at one instant."""

    at: datetime
    imported_kwh: float
    exported_kwh: float


def meter_delta(old: float, new: float) -> float:
    """Energy between two readings of a ``total_increasing`` meter; a reset counts from zero."""
    return new - old if new >= old else max(new, 0.0)


def virtual_battery_from_readings(
    capacity_kwh: float,
    readings: Iterable[MeterReading],
    *,
    day: date,
    zone: tzinfo,
    efficiency: float = DEFAULT_EFFICIENCY,
) -> VirtualBattery:
    """Replay the day's readings in time order.

    The first reading is the baseline. Within one interval export is credited before import
    draws, as a battery that charges and discharges within the same interval would.
    """
    battery = VirtualBattery(
        capacity_kwh=capacity_kwh, efficiency=efficiency, hours=hours_in_day(day, zone)
    )
    previous: MeterReading | None = None
    for reading in sorted(readings, key=lambda r: r.at):
        if previous is not None:
            # An interval ending in the evening window: its export was the day's, before the
            # shared fill; only an interval starting in the window meets it already filled.
            battery = battery.advanced_to(hour_index(previous.at, day, zone))
            battery = battery.exported(meter_delta(previous.exported_kwh, reading.exported_kwh))
            battery = battery.imported(
                meter_delta(previous.imported_kwh, reading.imported_kwh),
                hour_index(reading.at, day, zone),
            )
        previous = reading
    return battery


@dataclass(frozen=True, slots=True)
class DeliveryFigures:
    """One side's report of one day, as posted to ``POST /api/v1/deliveries``."""

    day: date
    side: str
    kwh: float
    hourly_kwh: tuple[float, ...] | None = None
    # Buy: the shared energy drawn (part of ``kwh``); None on sell reports.
    shared_kwh: float | None = None


def buyer_figures(day: date, battery: VirtualBattery) -> DeliveryFigures:
    """The buyer's report: used kWh and per hour, rounded so that the hours sum to the total,
    and the shared energy drawn (at most the total)."""
    hourly = tuple(round(kwh, 3) for kwh in battery.hourly_used_kwh)
    # Rounded hours may add up to a hair above the capacity; the server refuses more than was
    # traded, and allows the hours to differ from the total by 0.05.
    kwh = min(round(sum(hourly), 3), round(battery.capacity_kwh, 3))
    shared = min(round(battery.shared_drawn_kwh, 3), kwh)
    return DeliveryFigures(day=day, side="buy", kwh=kwh, hourly_kwh=hourly, shared_kwh=shared)


def seller_figures(day: date, delivered_kwh: float) -> DeliveryFigures:
    """The seller's report: what it delivered (``delivered_by_export``, or without an export
    meter ``delivered_sell_kwh``)."""
    return DeliveryFigures(day=day, side="sell", kwh=round(delivered_kwh, 3))
