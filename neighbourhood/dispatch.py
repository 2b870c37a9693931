"""One delivery day of a simulated house, hour by hour, with the day's commitments.

The same dispatch as the integration's seller (``agent/delivery.py``, ``docs/delivery.md``): a
seller of X kWh keeps R = X / efficiency of its battery for the community. Until the dispatch
window the house's own use stays between the energy held for the community (its floor) and the
space still kept free for it (its ceiling), so its own PV cannot fill that space; the community's
part is charged from the PV the house cannot store, topped up from the grid in the hours before
the window so that R is held when it opens; in the window the house draws the held energy first
and the rest is released to the grid. An unreliable seller ignores all that: its battery serves
the house as if nothing were sold. Either way the delivery is the integration's measurement:
the energy above the floor when the window opens, after losses, at most X
(``delivered_sell_kwh``).

A buyer's virtual battery (``VirtualBattery``) is fed from the house's simulated hourly export
and drawn by its import; what it drew back is the capacity it used.

Pure functions of the hourly load and PV: the same house and day give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from custom_components.community_storage.agent.battery import DEFAULT_EFFICIENCY, BatterySpec
from custom_components.community_storage.agent.delivery import (
    DISPATCH_HOURS,
    VirtualBattery,
    day_bounds,
    delivered_sell_kwh,
    hour_index,
    hours_in_day,
    reserve_kwh,
)
from custom_components.community_storage.agent.tariff import (
    DEFAULT_FEED_IN_EUR_PER_KWH as DAYTIME_VALUE_EUR_PER_KWH,
)
from custom_components.community_storage.agent.tariff import (
    DEFAULT_IMPORT_EUR_PER_KWH as EVENING_RETAIL_EUR_PER_KWH,
)

from .battery import EFFICIENCY, RESERVE_SHARE, battery_step, bounded_step
from .profiles import TIMEZONE, HouseProfile, load_kw, pv_kw

# Hours before the dispatch window in which a seller tops its reserve up from the grid: enough
# for the largest reserve (13 kWh x 0.9) at the smallest battery power (2.5 kW).
GRID_TOP_UP_HOURS = 7


@dataclass(frozen=True, slots=True)
class HouseBattery:
    """The house battery as the day's dispatch sees it."""

    capacity_kwh: float
    power_kw: float

    @property
    def spec(self) -> BatterySpec:
        """The agent's view of it (floor = the battery management's reserve)."""
        return BatterySpec(
            capacity_kwh=self.capacity_kwh,
            min_soc=RESERVE_SHARE,
            max_power_kw=self.power_kw,
        )


@dataclass(frozen=True, slots=True)
class Commitments:
    """What the house traded for the day (kWh filled per side)."""

    sold_kwh: float = 0.0
    bought_kwh: float = 0.0
    # An unreliable seller's battery serves the house as if nothing were sold.
    reliable: bool = True
    efficiency: float = DEFAULT_EFFICIENCY


@dataclass(frozen=True, slots=True)
class DayResult:
    """What the house's meters say after the day."""

    import_kwh: tuple[float, ...]
    export_kwh: tuple[float, ...]
    # State of charge (%) when the dispatch window opened, and what the seller delivered.
    dispatch_soc_pct: float
    delivered_kwh: float
    # The buyer's virtual battery after the day (capacity 0 without a purchase).
    virtual: VirtualBattery

    @property
    def used_kwh(self) -> float:
        """Capacity the buyer used (drawn back / efficiency)."""
        return self.virtual.used_kwh


def run_day(
    load_kw_by_hour: Sequence[float],
    pv_kw_by_hour: Sequence[float],
    battery: HouseBattery | None,
    *,
    start_kwh: float,
    commitments: Commitments,
    window: tuple[int, int],
) -> DayResult:
    """Dispatch one day of hourly averages; ``window`` is the dispatch window's hour indexes."""
    hours = len(load_kw_by_hour)
    first, end = window
    capacity = battery.capacity_kwh if battery else 0.0
    power = battery.power_kw if battery else 0.0
    reserve = 0.0
    if battery and commitments.reliable:
        reserve = reserve_kwh(commitments.sold_kwh, battery.spec, commitments.efficiency)
    energy = start_kwh
    # The part of the stored energy that is the community's; whatever is above the house's own
    # ceiling at midnight already is.
    held = min(reserve, max(0.0, energy - (capacity - reserve)))
    dispatch_energy = energy
    virtual = VirtualBattery(
        capacity_kwh=commitments.bought_kwh, efficiency=commitments.efficiency, hours=hours
    )
    imports: list[float] = []
    exports: list[float] = []
    for index, (load, pv) in enumerate(zip(load_kw_by_hour, pv_kw_by_hour, strict=True)):
        if index == first:
            dispatch_energy = energy
        surplus = pv - load
        if battery is None:
            battery_kw = 0.0
        elif reserve <= 0 or index >= end:
            battery_kw, energy = battery_step(capacity, power, energy, surplus, 1.0)
        elif index < first:
            battery_kw, energy, held = _hold(
                battery, energy, held, reserve=reserve, surplus=surplus, hours_left=first - index
            )
        else:
            battery_kw, energy, held = _release(battery, energy, held, surplus, end - index)
        grid = load - pv + battery_kw  # + import, - export
        imports.append(max(0.0, grid))
        exports.append(max(0.0, -grid))
        if commitments.bought_kwh > 0:
            virtual = virtual.exported(exports[-1]).imported(imports[-1], index)
    delivered = 0.0
    if battery and commitments.sold_kwh > 0:
        soc = 100.0 * dispatch_energy / capacity
        delivered = delivered_sell_kwh(
            commitments.sold_kwh, soc, battery.spec, commitments.efficiency
        )
    return DayResult(
        import_kwh=tuple(imports),
        export_kwh=tuple(exports),
        dispatch_soc_pct=round(100.0 * dispatch_energy / capacity, 2) if capacity else 0.0,
        delivered_kwh=delivered,
        virtual=virtual,
    )


def _hold(
    battery: HouseBattery,
    energy: float,
    held: float,
    *,
    reserve: float,
    surplus: float,
    hours_left: int,
) -> tuple[float, float, float]:
    """Before the window: fill the community's part, the house between its floor and ceiling."""
    need = max(0.0, reserve - held) / EFFICIENCY  # kW to take in for the rest of the reserve
    from_pv = min(max(surplus, 0.0), battery.power_kw, need)
    from_grid = 0.0
    if hours_left <= GRID_TOP_UP_HOURS:
        pace = need / hours_left
        from_grid = min(battery.power_kw - from_pv, max(0.0, pace - from_pv))
    charge = from_pv + from_grid
    held += charge * EFFICIENCY
    energy += charge * EFFICIENCY
    floor = battery.capacity_kwh * RESERVE_SHARE + held
    ceiling = battery.capacity_kwh - reserve + held
    house_kw, energy = bounded_step(
        battery.power_kw - charge,
        energy,
        surplus - from_pv,
        1.0,
        floor_kwh=floor,
        ceiling_kwh=ceiling,
    )
    return house_kw + charge, energy, held


def _release(
    battery: HouseBattery, energy: float, held: float, surplus: float, hours_left: int
) -> tuple[float, float, float]:
    """In the window: the house draws the held energy first, the rest goes to the grid evenly."""
    house_kw, energy = battery_step(battery.capacity_kwh, battery.power_kw, energy, surplus, 1.0)
    held = max(0.0, held - max(0.0, -house_kw))
    spare_kw = battery.power_kw - abs(house_kw)
    floor = battery.capacity_kwh * RESERVE_SHARE
    release = min(held / hours_left, spare_kw, max(0.0, energy - floor))
    return house_kw - release, energy - release, held - release


def start_of_day_kwh(profile: HouseProfile, day: date) -> float:
    """Stored kWh at midnight: the previous day run as if nothing were traded."""
    if profile.battery_kwh <= 0:
        return 0.0
    previous = day - timedelta(days=1)
    load, pv = hourly(profile, previous)
    # Yesterday starts half full; one day is enough for the battery to forget where it began.
    energy = profile.battery_kwh * 0.5
    for hour_load, hour_pv in zip(load, pv, strict=True):
        _, energy = battery_step(
            profile.battery_kwh, profile.battery_power_kw, energy, hour_pv - hour_load, 1.0
        )
    return energy


def hourly(profile: HouseProfile, day: date) -> tuple[list[float], list[float]]:
    """The house's load and PV (kW averages) in each local hour of ``day``."""
    start = day_bounds(day, TIMEZONE)[0].astimezone(UTC)
    moments = [start + timedelta(hours=h) for h in range(hours_in_day(day, TIMEZONE))]
    return [load_kw(profile, m) for m in moments], [pv_kw(profile, m) for m in moments]


def dispatch_index(day: date, local_hour: int) -> int:
    """The index of the local hour ``local_hour`` among the hours of ``day`` (DST-proof)."""
    return hour_index(datetime.combine(day, time(local_hour), tzinfo=TIMEZONE), day, TIMEZONE)


def simulate_day(profile: HouseProfile, day: date, commitments: Commitments) -> DayResult:
    """The house's ``day`` with its commitments (see the module docstring)."""
    load, pv = hourly(profile, day)
    battery = (
        HouseBattery(profile.battery_kwh, profile.battery_power_kw)
        if profile.battery_kwh > 0
        else None
    )
    window = (dispatch_index(day, DISPATCH_HOURS[0]), dispatch_index(day, DISPATCH_HOURS[1]))
    return run_day(
        load,
        pv,
        battery,
        start_kwh=start_of_day_kwh(profile, day),
        commitments=commitments,
        window=window,
    )


def bill_eur(import_kwh: Sequence[float], export_kwh: Sequence[float]) -> float:
    """The grid bill of the hours: import at the retail price the agent uses, export earns the
    feed-in value of the default tariff (``agent/tariff.py``)."""
    return sum(import_kwh) * EVENING_RETAIL_EUR_PER_KWH - sum(export_kwh) * (
        DAYTIME_VALUE_EUR_PER_KWH
    )


def bill_with_virtual_eur(result: DayResult) -> float:
    """The same bill with the virtual battery: drawn kWh are not bought, credited not fed in."""
    virtual = result.virtual
    return (
        bill_eur(result.import_kwh, result.export_kwh)
        - virtual.drawn_kwh * EVENING_RETAIL_EUR_PER_KWH
        + virtual.credited_kwh * DAYTIME_VALUE_EUR_PER_KWH
    )
