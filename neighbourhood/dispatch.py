"""One delivery day of the street, hour by hour, with every house's commitments.

The delivery model of issue 22 (``docs/delivery.md``), over the whole community at once because
a seller's reserve may be filled with what its neighbours export:

* A reliable **seller** of X kWh keeps R = X / efficiency of its battery for the community. Before
  the dispatch window (17:00) the reserve is filled from (1) the house's own PV surplus, (2) the
  community's surplus: what the other houses export in the same hour, shared among the reserves
  not yet full (energy sharing, § 42c EnWG), (3) only where the community's ``grid_charging`` is
  on, from the grid in the cheapest hours of the seller's tariff before 17:00 (grid energy).
  Meanwhile the house's own use of its battery stays between the energy held for the community
  and the space still kept free for it. In the window the held energy is released to the grid;
  the house uses only its own part. Delivered (the report's ``kwh``) = what the seller's meter
  exported from 17:00 to the end of the day, at most X (metered sharing: held energy that only
  served the seller's own house is no neighbour's). There is no top-up from the grid at retail:
  with grid charging off, a reserve the day's surplus did not fill is delivered short.
* An unreliable seller's battery serves its house as if nothing were sold (it has no discharge
  control); it delivers only what its meter exports after 17:00 (evening solar).
* A **buyer** of X kWh has a virtual battery credited by its own export (up to X, drawable
  efficiency x credited); at 17:00 the part of X its export did not fill is filled with shared
  energy from the reliable sellers' held energy (what is left after the buyers' own credit,
  shared pro rata to the unfilled capacity). Import draws its own credit first, from 17:00 on
  the shared energy next. Report: ``kwh`` = own drawn / efficiency + shared drawn,
  ``shared_kwh`` = shared drawn.

Grid charging needs to know how much the day's surplus leaves unfilled: the day is run once
without it, and the shortfall is then charged in the seller's cheapest hours before the window
(a seller's agent that forecasts its day well). Pure functions of the hourly load and PV: the same
street and day give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from custom_components.community_storage.agent.battery import DEFAULT_EFFICIENCY, BatterySpec
from custom_components.community_storage.agent.delivery import (
    DISPATCH_HOURS,
    day_bounds,
    hour_index,
    hours_in_day,
    reserve_kwh,
)
from custom_components.community_storage.agent.tariff import Tariff, fixed

from .battery import EFFICIENCY, RESERVE_SHARE, battery_step, bounded_step
from .profiles import TIMEZONE, HouseProfile, load_kw, pv_kw, tariff_of

# The demo house of the development stack (devconfig, not part of this street's physics) still
# tops its reserve up from the grid in the hours before the window; kept for it.
GRID_TOP_UP_HOURS = 7
# Figures below this are rounding noise of float sums, not energy.
EPSILON_KWH = 1e-9


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

    @property
    def floor_kwh(self) -> float:
        """What the battery management never gives up."""
        return self.capacity_kwh * RESERVE_SHARE


@dataclass(frozen=True, slots=True)
class Commitments:
    """What the house traded for the day (kWh filled per side)."""

    sold_kwh: float = 0.0
    bought_kwh: float = 0.0
    # An unreliable seller's battery serves the house as if nothing were sold.
    reliable: bool = True
    efficiency: float = DEFAULT_EFFICIENCY


@dataclass(frozen=True, slots=True)
class HouseDay:
    """One house's inputs for the day: hourly load and PV (kW averages), battery, commitments."""

    load_kw: Sequence[float]
    pv_kw: Sequence[float]
    battery: HouseBattery | None = None
    start_kwh: float = 0.0
    commitments: Commitments = Commitments()
    tariff: Tariff = field(default_factory=fixed)


@dataclass(frozen=True, slots=True)
class BuyerFigures:
    """A buyer's virtual battery after the day (all zero without a purchase)."""

    bought_kwh: float = 0.0
    efficiency: float = DEFAULT_EFFICIENCY
    credited_kwh: float = 0.0  # own export credited (up to X)
    shared_fill_kwh: float = 0.0  # shared energy filled in at 17:00
    own_drawn_kwh: float = 0.0
    shared_drawn_kwh: float = 0.0
    # Capacity used per hour: own drawn / efficiency + shared drawn.
    used_by_hour: tuple[float, ...] = ()
    # Energy drawn (own + shared) per hour: import that was not bought from the grid.
    drawn_by_hour: tuple[float, ...] = ()

    @property
    def used_kwh(self) -> float:
        """Capacity used: own drawn / efficiency + shared drawn, at most X."""
        own = self.own_drawn_kwh / self.efficiency if self.efficiency > 0 else 0.0
        return min(self.bought_kwh, own + self.shared_drawn_kwh)


@dataclass(frozen=True, slots=True)
class DayResult:
    """What the house's meters say after the day, and how the community's sharing split them."""

    import_kwh: tuple[float, ...]
    export_kwh: tuple[float, ...]
    # State of charge (%) when the dispatch window opened, and what the seller delivered.
    dispatch_soc_pct: float
    delivered_kwh: float
    buyer: BuyerFigures
    # Part of the import that filled the reserve from the neighbours' export, per hour.
    community_in_kwh: tuple[float, ...] = ()
    # Part of the import that filled the reserve from the grid (grid charging), per hour.
    grid_charge_kwh: tuple[float, ...] = ()
    # Part of the export that was the community's held energy, released in the window.
    released_kwh: tuple[float, ...] = ()
    # Own export credited to the buyer's virtual battery, per hour.
    credited_by_hour: tuple[float, ...] = ()
    # kWh the battery gave (for its wear) and held at the end of the day.
    discharged_kwh: float = 0.0
    end_kwh: float = 0.0

    @property
    def used_kwh(self) -> float:
        """Capacity the buyer used."""
        return self.buyer.used_kwh

    @property
    def shared_kwh(self) -> float:
        """Shared energy the buyer drew."""
        return self.buyer.shared_drawn_kwh

    @property
    def grid_kwh(self) -> float:
        """Part of the delivered energy that came from the grid (after losses, at most it)."""
        return min(self.delivered_kwh, sum(self.grid_charge_kwh) * EFFICIENCY * EFFICIENCY)


@dataclass(slots=True)
class _House:
    """One house's state during the day."""

    day: HouseDay
    hours: int
    energy: float
    reserve: float = 0.0
    held: float = 0.0
    dispatch_energy: float = 0.0
    held_at_dispatch: float = 0.0
    release: float = 0.0
    window_start: int = 0
    discharged: float = 0.0
    imports: list[float] = field(default_factory=list)
    exports: list[float] = field(default_factory=list)
    community_in: list[float] = field(default_factory=list)
    grid_charge: list[float] = field(default_factory=list)
    released: list[float] = field(default_factory=list)
    credited: list[float] = field(default_factory=list)
    drawn: list[float] = field(default_factory=list)
    used: list[float] = field(default_factory=list)
    buyer_credit: float = 0.0
    own_drawn: float = 0.0
    shared_fill: float = 0.0
    shared_drawn: float = 0.0

    @property
    def holds_reserve(self) -> bool:
        return self.reserve > 0

    def need_kwh(self) -> float:
        """kWh still to take in for the reserve (before charging losses)."""
        return max(0.0, self.reserve - self.held) / EFFICIENCY


def run_street(
    houses: Sequence[HouseDay],
    *,
    window: tuple[int, int],
    local_hours: Sequence[int] | None = None,
    grid_charging: bool = False,
) -> list[DayResult]:
    """Dispatch the street's day; ``window`` is the dispatch window's hour indexes."""
    if not houses:
        return []
    hours = len(houses[0].load_kw)
    clock = list(local_hours) if local_hours is not None else [h % 24 for h in range(hours)]
    plan: list[list[float]] = [[0.0] * hours for _ in houses]
    first = _simulate(houses, window, plan)
    if not grid_charging:
        return first
    # What the surplus left unfilled is charged from the grid in the seller's cheapest hours.
    for index, (house, result) in enumerate(zip(houses, first, strict=True)):
        if house.battery is None or not house.commitments.reliable:
            continue
        reserve = _reserve(house)
        held = sum(result.released_kwh) if reserve else 0.0
        shortfall = max(0.0, reserve - held) / EFFICIENCY
        if shortfall <= EPSILON_KWH:
            continue
        before = sorted(range(window[0]), key=lambda h: (house.tariff.import_price(clock[h]), h))
        for hour in before:
            step = min(house.battery.power_kw, shortfall)
            plan[index][hour] = step
            shortfall -= step
            if shortfall <= EPSILON_KWH:
                break
    return _simulate(houses, window, plan)


def _reserve(house: HouseDay) -> float:
    if house.battery is None or not house.commitments.reliable:
        return 0.0
    c = house.commitments
    return reserve_kwh(c.sold_kwh, house.battery.spec, c.efficiency)


def _simulate(
    houses: Sequence[HouseDay], window: tuple[int, int], plan: Sequence[Sequence[float]]
) -> list[DayResult]:
    first = window[0]
    hours = len(houses[0].load_kw)
    states = []
    for house in houses:
        state = _House(day=house, hours=hours, energy=house.start_kwh, window_start=first)
        state.reserve = _reserve(house)
        if state.reserve > 0 and house.battery is not None:
            # Whatever is above the house's own ceiling at midnight already is the community's.
            ceiling = house.battery.capacity_kwh - state.reserve
            state.held = min(state.reserve, max(0.0, state.energy - ceiling))
        states.append(state)
    for hour in range(hours):
        if hour == first:
            _open_window(states)
        for index, state in enumerate(states):
            _house_hour(state, hour, window, plan[index][hour])
        if hour < first:
            _share_surplus(states, hour)
        for state in states:
            _buyer_hour(state, hour, first)
    return [_result(state) for state in states]


def _house_hour(state: _House, hour: int, window: tuple[int, int], grid_kw: float) -> None:
    """The house's own hour: load, PV and its battery (reserve kept, held energy released)."""
    first, end = window
    house = state.day
    load, pv = house.load_kw[hour], house.pv_kw[hour]
    surplus = pv - load
    battery = house.battery
    charge_grid = released = 0.0
    if battery is None:
        battery_kw = 0.0
    elif not state.holds_reserve or hour >= end:
        battery_kw, state.energy = battery_step(
            battery.capacity_kwh, battery.power_kw, state.energy, surplus, 1.0
        )
    elif hour < first:
        charge_grid = min(grid_kw, state.need_kwh(), battery.power_kw)
        from_pv = min(max(surplus, 0.0), battery.power_kw - charge_grid, state.need_kwh())
        charge = charge_grid + from_pv
        state.held += charge * EFFICIENCY
        state.energy += charge * EFFICIENCY
        house_kw, state.energy = bounded_step(
            battery.power_kw - charge,
            state.energy,
            surplus - from_pv,
            1.0,
            floor_kwh=battery.floor_kwh + state.held,
            ceiling_kwh=battery.capacity_kwh - state.reserve + state.held,
        )
        battery_kw = house_kw + charge
    else:
        # In the window the house uses its own part; the held energy goes to the community.
        house_kw, state.energy = bounded_step(
            battery.power_kw,
            state.energy,
            surplus,
            1.0,
            floor_kwh=battery.floor_kwh + state.held,
            ceiling_kwh=battery.capacity_kwh,
        )
        spare = max(0.0, battery.power_kw - abs(house_kw))
        released = min(state.held / (end - hour), spare, state.held)
        state.held -= released
        state.energy -= released
        battery_kw = house_kw - released
    state.discharged += max(0.0, -battery_kw)
    # The released energy is metered as export beside the house's own flows.
    grid = load - pv + battery_kw + released
    state.imports.append(max(0.0, grid))
    state.exports.append(max(0.0, -grid) + released)
    state.grid_charge.append(charge_grid)
    state.released.append(released)
    state.community_in.append(0.0)


def _share_surplus(states: Sequence[_House], hour: int) -> None:
    """The hour's exports fill the reserves not yet full, pro rata to what each still needs."""
    exported = sum(s.exports[hour] for s in states)
    needs = []
    for state in states:
        battery = state.day.battery
        if battery is None or not state.holds_reserve:
            needs.append(0.0)
            continue
        # What the battery's power leaves after the house's own hour.
        own = (
            state.imports[hour]
            - state.exports[hour]
            - (state.day.load_kw[hour] - state.day.pv_kw[hour])
        )
        headroom = max(0.0, battery.power_kw - abs(own))
        needs.append(min(headroom, state.need_kwh()))
    total = sum(needs)
    if exported <= EPSILON_KWH or total <= EPSILON_KWH:
        return
    share = min(1.0, exported / total)
    for state, need in zip(states, needs, strict=True):
        take = need * share
        if take <= EPSILON_KWH:
            continue
        state.held += take * EFFICIENCY
        state.energy += take * EFFICIENCY
        state.imports[hour] += take
        state.community_in[hour] = take


def _open_window(states: Sequence[_House]) -> None:
    """17:00: measure the sellers, then fill the buyers' unfilled capacity with shared energy."""
    for state in states:
        state.dispatch_energy = state.energy
        state.held_at_dispatch = state.held
        c = state.day.commitments
        battery = state.day.battery
        if battery is None or c.sold_kwh <= 0 or not c.reliable:
            continue
        # What the window will release (an unreliable seller releases nothing).
        state.release = min(c.sold_kwh, state.held * c.efficiency)
    # Only what reliable sellers release is there to share; the buyers' own credit comes first.
    released = sum(s.release for s in states if s.holds_reserve)
    own = sum(s.buyer_credit * s.day.commitments.efficiency for s in states)
    pool = max(0.0, released - own)
    unfilled = [max(0.0, s.day.commitments.bought_kwh - s.buyer_credit) for s in states]
    total = sum(unfilled)
    if pool <= EPSILON_KWH or total <= EPSILON_KWH:
        return
    share = min(1.0, pool / total)
    for state, gap in zip(states, unfilled, strict=True):
        state.shared_fill = gap * share


def _buyer_hour(state: _House, hour: int, first: int) -> None:
    """Credit the hour's export, draw the hour's import: own credit first, then shared energy."""
    c = state.day.commitments
    if c.bought_kwh <= 0:
        state.credited.append(0.0)
        state.drawn.append(0.0)
        state.used.append(0.0)
        return
    # The buyer's meter without the sharing with sellers' reserves (a buyer sells nothing).
    credit = min(state.exports[hour], max(0.0, c.bought_kwh - state.buyer_credit))
    state.buyer_credit += credit
    own_left = max(0.0, c.efficiency * state.buyer_credit - state.own_drawn)
    want = state.imports[hour]
    own = min(want, own_left)
    shared = 0.0
    if hour >= first:
        shared = min(want - own, max(0.0, state.shared_fill - state.shared_drawn))
    state.own_drawn += own
    state.shared_drawn += shared
    state.credited.append(credit)
    state.drawn.append(own + shared)
    state.used.append((own / c.efficiency if c.efficiency > 0 else 0.0) + shared)


def _metered_delivery(state: _House) -> float:
    """A seller's delivery as its meter shows it: export from the window's start to the end of
    the day, at most what it sold (metered energy sharing; held energy that served the
    seller's own house is not delivered)."""
    c = state.day.commitments
    if state.day.battery is None or c.sold_kwh <= 0:
        return 0.0
    return round(min(c.sold_kwh, sum(state.exports[state.window_start :])), 3)


def _result(state: _House) -> DayResult:
    c = state.day.commitments
    battery = state.day.battery
    capacity = battery.capacity_kwh if battery else 0.0
    return DayResult(
        import_kwh=tuple(state.imports),
        export_kwh=tuple(state.exports),
        dispatch_soc_pct=round(100.0 * state.dispatch_energy / capacity, 2) if capacity else 0.0,
        delivered_kwh=_metered_delivery(state),
        buyer=BuyerFigures(
            bought_kwh=c.bought_kwh,
            efficiency=c.efficiency,
            credited_kwh=state.buyer_credit,
            shared_fill_kwh=state.shared_fill,
            own_drawn_kwh=state.own_drawn,
            shared_drawn_kwh=state.shared_drawn,
            used_by_hour=tuple(state.used),
            drawn_by_hour=tuple(state.drawn),
        ),
        community_in_kwh=tuple(state.community_in),
        grid_charge_kwh=tuple(state.grid_charge),
        released_kwh=tuple(state.released),
        credited_by_hour=tuple(state.credited),
        discharged_kwh=state.discharged,
        end_kwh=state.energy,
    )


def run_day(
    load_kw_by_hour: Sequence[float],
    pv_kw_by_hour: Sequence[float],
    battery: HouseBattery | None,
    *,
    start_kwh: float,
    commitments: Commitments,
    window: tuple[int, int],
    grid_charging: bool = False,
    tariff: Tariff | None = None,
) -> DayResult:
    """One house alone (a street of one: no neighbour's export to share)."""
    house = HouseDay(
        load_kw_by_hour, pv_kw_by_hour, battery, start_kwh, commitments, tariff or fixed()
    )
    return run_street([house], window=window, grid_charging=grid_charging)[0]


# ----------------------------------------------------------------------------- the street


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


def local_hours_of(day: date) -> list[int]:
    """The local hour of each hour index of ``day`` (23-25 of them)."""
    start = day_bounds(day, TIMEZONE)[0].astimezone(UTC)
    return [
        (start + timedelta(hours=h)).astimezone(TIMEZONE).hour
        for h in range(hours_in_day(day, TIMEZONE))
    ]


def dispatch_index(day: date, local_hour: int) -> int:
    """The index of the local hour ``local_hour`` among the hours of ``day`` (DST-proof)."""
    return hour_index(datetime.combine(day, time(local_hour), tzinfo=TIMEZONE), day, TIMEZONE)


def day_window(day: date) -> tuple[int, int]:
    """The dispatch window's hour indexes on ``day``."""
    return dispatch_index(day, DISPATCH_HOURS[0]), dispatch_index(day, DISPATCH_HOURS[1])


def house_day(profile: HouseProfile, day: date, commitments: Commitments) -> HouseDay:
    """The simulated house's inputs for ``day``."""
    load, pv = hourly(profile, day)
    battery = (
        HouseBattery(profile.battery_kwh, profile.battery_power_kw)
        if profile.battery_kwh > 0
        else None
    )
    return HouseDay(
        load, pv, battery, start_of_day_kwh(profile, day), commitments, tariff_of(profile, day)
    )


def simulate_street(
    profiles: Sequence[HouseProfile],
    day: date,
    commitments: Sequence[Commitments],
    *,
    grid_charging: bool = False,
) -> list[DayResult]:
    """The street's ``day`` with each house's commitments (see the module docstring)."""
    houses = [house_day(p, day, c) for p, c in zip(profiles, commitments, strict=True)]
    return run_street(
        houses, window=day_window(day), local_hours=local_hours_of(day), grid_charging=grid_charging
    )


def simulate_day(
    profile: HouseProfile, day: date, commitments: Commitments, *, grid_charging: bool = False
) -> DayResult:
    """One house's ``day`` alone, without neighbours to share with."""
    return simulate_street([profile], day, [commitments], grid_charging=grid_charging)[0]


def without_trades(houses: Sequence[HouseDay]) -> list[HouseDay]:
    """The same houses with nothing traded (the no-market baseline)."""
    return [replace(h, commitments=Commitments()) for h in houses]
