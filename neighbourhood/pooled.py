"""The pooled optimum: the street's batteries run as one pool with perfect foresight of the day.

The physical limit of what shared storage can save on a day: one linear programme (scipy's
HiGHS) charges the pool from anyone's PV surplus (and, only where the community allows grid
charging, from the grid at the cheapest battery owner's tariff in that hour) and discharges it
into anyone's load, each house's avoided import valued at its own tariff. The same rules as the
market's batteries: charging efficiency (``battery.EFFICIENCY``), the battery management's
floor, the batteries' summed capacity and power, every kWh given costs wear, and the energy
held above the floor at midnight is worth what it saves in the night after it (as in
``accounts.py``: up to the street's night deficit at the night price, beyond at feed-in).
Every day starts from the same stored energy as the other scenarios.

Direct sharing without storage (a neighbour's export into another house's load in the same
hour) is left out: this is the limit of storage, which is what the market trades.

``shared_hours`` narrows the pool to the market's delivery design: houses without a battery are
served only in those local hours (the dispatch window), while the battery houses may draw on the
pool at any hour. The physical limit is the default (any house, any hour); the narrowed one shows
how much of that limit the market's single evening window can reach at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from .accounts import NIGHT_HOURS, night_need_kwh
from .battery import EFFICIENCY
from .dispatch import HouseDay


def pooled_cost_eur(
    houses: Sequence[HouseDay],
    *,
    local_hours: Sequence[int],
    wear_eur_per_kwh: Sequence[float],
    grid_charging: bool = False,
    shared_hours: Sequence[int] | None = None,
) -> float:
    """The street's lowest cost of the day (import - feed-in + wear - stored value), EUR.

    ``shared_hours``: local hours in which houses without a battery may draw on the pool (None:
    every hour; see the module docstring).
    """
    hours = len(local_hours)
    count = len(houses)
    deficit = np.array(
        [[max(0.0, h.load_kw[t] - h.pv_kw[t]) for t in range(hours)] for h in houses]
    )
    surplus = np.array(
        [[max(0.0, h.pv_kw[t] - h.load_kw[t]) for t in range(hours)] for h in houses]
    )
    price = np.array(
        [[h.tariff.import_price(local_hours[t]) for t in range(hours)] for h in houses]
    )
    feed_in = np.array([h.tariff.feed_in for h in houses])
    # Without a battery the day costs this; the pool can only lower it.
    plain = float((deficit * price).sum() - (surplus * feed_in[:, None]).sum())
    batteries = [h.battery for h in houses if h.battery is not None]
    owners = [i for i, h in enumerate(houses) if h.battery is not None]
    if not batteries:
        return plain
    capacity = sum(b.capacity_kwh for b in batteries)
    floor = sum(b.floor_kwh for b in batteries)
    power = sum(b.power_kw for b in batteries)
    start = sum(houses[i].start_kwh for i in owners)
    wear = float(np.mean([wear_eur_per_kwh[i] for i in owners]))
    grid_price = [min(price[i, t] for i in owners) for t in range(hours)]
    # The surplus the pool takes loses the exporter's feed-in (the average of the street's).
    mean_feed_in = float(
        (surplus * feed_in[:, None]).sum() / surplus.sum() if surplus.sum() > 0 else feed_in.mean()
    )
    needs = [night_need_kwh(h, local_hours) for h in houses]
    night_need = sum(needs)
    night_price = (
        sum(n * h.tariff.mean_import(NIGHT_HOURS) for n, h in zip(needs, houses, strict=True))
        / night_need
        if night_need > 0
        else 0.0
    )
    # Variables: charge from surplus [T], charge from the grid [T], discharge per house [N x T],
    # stored energy after each hour [T], the midnight energy worth the night price and the rest.
    ch, gc, dis, en = 0, hours, 2 * hours, 2 * hours + count * hours
    night, rest = en + hours, en + hours + 1
    size = rest + 1
    cost = np.zeros(size)
    bounds: list[tuple[float, float | None]] = []
    for t in range(hours):
        cost[ch + t] = mean_feed_in
        bounds.append((0.0, min(float(surplus[:, t].sum()), power)))
    for t in range(hours):
        cost[gc + t] = grid_price[t]
        bounds.append((0.0, power if grid_charging else 0.0))
    for i in range(count):
        served = houses[i].battery is not None or shared_hours is None
        for t in range(hours):
            cost[dis + i * hours + t] = wear - price[i, t]
            may_draw = served or local_hours[t] in shared_hours  # type: ignore[operator]
            bounds.append((0.0, float(deficit[i, t]) if may_draw else 0.0))
    bounds.extend([(floor, capacity)] * hours)
    bounds.append((0.0, night_need))
    bounds.append((0.0, None))
    cost[night] = -night_price
    cost[rest] = -mean_feed_in
    # Power: charging and discharging each within the pool's summed power; the midnight
    # energy valued is what is stored above the floor.
    upper = lil_matrix((2 * hours + 1, size))
    for t in range(hours):
        upper[t, ch + t] = 1.0
        upper[t, gc + t] = 1.0
        for i in range(count):
            upper[hours + t, dis + i * hours + t] = 1.0
    upper[2 * hours, night] = 1.0
    upper[2 * hours, rest] = 1.0
    upper[2 * hours, en + hours - 1] = -1.0
    # Energy balance: e[t] - e[t-1] - eff x charge + discharge = 0 (e[-1] = start).
    equal = lil_matrix((hours, size))
    rhs = np.zeros(hours)
    for t in range(hours):
        equal[t, en + t] = 1.0
        if t > 0:
            equal[t, en + t - 1] = -1.0
        else:
            rhs[t] = min(max(start, floor), capacity)
        equal[t, ch + t] = -EFFICIENCY
        equal[t, gc + t] = -EFFICIENCY
        for i in range(count):
            equal[t, dis + i * hours + t] = 1.0
    result = linprog(
        cost,
        A_ub=upper.tocsr(),
        b_ub=np.append(np.full(2 * hours, power), -floor),
        A_eq=equal.tocsr(),
        b_eq=rhs,
        bounds=bounds,
        method="highs",
    )
    if not result.success:
        raise RuntimeError(f"the pooled optimum's LP failed: {result.message}")
    return plain + float(result.fun)
