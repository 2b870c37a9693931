"""Value of the agent's buy plans against a perfect-foresight optimum and a flat-volume rule.

A household without a battery buys storage capacity in the community for a week (the
"reserve capacity for next week's evenings" request). Each strategy fixes the capacity per day;
the value of those capacities is what they save on the household's electricity bill in the
week that really happened, minus what the capacity costs:

    value(c) = bill without storage - (bill with storage capacity c, optimally used) - p * sum(c)

The bill uses the realised hourly load and PV (household_profiles.py), a retail price (0.37
EUR/kWh, 0.25 at night 0-6h: the "cheap energy"), feed-in 0.078 EUR/kWh, the community's
round-trip efficiency 0.95 x 0.95, a 5 kW power limit, and the capacity price ``p`` (0.08
EUR/kWh, the typical community price). The dispatch for given capacities and the optimum over
capacities are the same hourly linear programme, solved exactly with HiGHS (scipy.linprog):

- optimum: capacities free, with perfect foresight of the week;
- agent: capacities from ``agent.planner.plan_buy`` on the agent's forecast from the 28 days before;
- flat: the same 8 kWh every day (the volume a person would guess).

Weeks start on Mondays spread over the year, for several seeded households. Printed: per-week
values, then total-value ratios and median per-week ratios (weeks where the optimum is worth at
least EUR 0.50). Usage: ``.venv/bin/python benchmarks/agent.py [--households 3] [--weeks 12]``.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.household_profiles import HISTORY_DAYS, Household, household
from custom_components.community_storage.agent.forecast import (
    build_forecast,
)
from custom_components.community_storage.agent.planner import (
    Preferences,
    plan_buy,
)
from custom_components.community_storage.agent.request import TradeRequest

DAYS = 7
RETAIL = 0.37
NIGHT_RETAIL = 0.25
FEED_IN = 0.078
EFFICIENCY = 0.95
POWER_KW = 5.0
CAPACITY_PRICE = 0.08
FLAT_KWH = 8.0


@dataclass(frozen=True, slots=True)
class Week:
    """Realised hourly data of one week."""

    load: npt.NDArray[np.float64]  # (168,)
    pv: npt.NDArray[np.float64]


def import_prices() -> npt.NDArray[np.float64]:
    """Hourly import price over the week: cheaper at night."""
    day = np.full(24, RETAIL)
    day[:6] = NIGHT_RETAIL
    return np.tile(day, DAYS)


def bill_without_storage(week: Week) -> float:
    """What the household pays (net of feed-in) with no storage at all."""
    net = week.load - week.pv
    return float((np.maximum(net, 0) * import_prices()).sum() - np.maximum(-net, 0).sum() * FEED_IN)


def best_bill(
    week: Week, capacities: npt.NDArray[np.float64] | None
) -> tuple[float, npt.NDArray[np.float64]]:
    """Lowest bill plus capacity cost, with capacities fixed (or free when None).

    Variables per hour t: charge, discharge, state of charge, import, export; per day: capacity.
    """
    hours = DAYS * 24
    n = 5 * hours + DAYS
    ch, dis, soc, imp, exp = (np.arange(hours) + k * hours for k in range(5))
    cap = 5 * hours + np.arange(DAYS)
    cost = np.zeros(n)
    cost[imp] = import_prices()
    cost[exp] = -FEED_IN
    cost[cap] = CAPACITY_PRICE

    rows, cols, vals, rhs = [], [], [], []
    row = 0
    for t in range(hours):
        # Balance: import - export - charge + discharge = load - pv.
        for col, val in ((imp[t], 1.0), (exp[t], -1.0), (ch[t], -1.0), (dis[t], 1.0)):
            rows.append(row)
            cols.append(col)
            vals.append(val)
        rhs.append(week.load[t] - week.pv[t])
        row += 1
        # Storage: soc[t] - soc[t-1] - eta * charge + discharge / eta = 0.
        entries = [(soc[t], 1.0), (ch[t], -EFFICIENCY), (dis[t], 1.0 / EFFICIENCY)]
        if t:
            entries.append((soc[t - 1], -1.0))
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        rhs.append(0.0)
        row += 1
    a_eq = sparse.csr_matrix((vals, (rows, cols)), shape=(row, n))

    # The state of charge never exceeds the capacity bought for that day.
    ub_rows = np.arange(hours)
    a_ub = sparse.csr_matrix(
        (
            np.concatenate([np.ones(hours), -np.ones(hours)]),
            (
                np.concatenate([ub_rows, ub_rows]),
                np.concatenate([soc, cap[np.arange(hours) // 24]]),
            ),
        ),
        shape=(hours, n),
    )
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * n
    for t in range(hours):
        bounds[ch[t]] = (0.0, POWER_KW)
        bounds[dis[t]] = (0.0, POWER_KW)
    if capacities is not None:
        for d in range(DAYS):
            bounds[cap[d]] = (float(capacities[d]), float(capacities[d]))
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(hours),
        A_eq=a_eq,
        b_eq=np.asarray(rhs),
        bounds=bounds,
        method="highs",
    )
    if result.status != 0:
        raise RuntimeError(f"LP failed: {result.message}")
    return float(result.fun), np.asarray(result.x[cap], dtype=np.float64)


def agent_capacities(home: Household, index: int) -> npt.NDArray[np.float64]:
    """The agent's per-day buy volumes for the week from day ``index``, from history only."""
    start = home.day(index)
    history = home.history_before(index)
    forecast = build_forecast(history, start - timedelta(days=1), num_days=DAYS + 1)
    prefs = Preferences(max_buy_price=0.15, min_sell_price=0.06, community_efficiency=EFFICIENCY)
    plan = plan_buy(
        TradeRequest("buy", start, DAYS, time_of_day="evening"), forecast, None, [], prefs
    )
    return np.array([d.kwh for d in plan.days])


def evaluate(home: Household, index: int) -> dict[str, float]:
    """Values (EUR) of the three strategies for one week."""
    week = Week(
        load=home.load[index : index + DAYS].reshape(-1),
        pv=home.pv[index : index + DAYS].reshape(-1),
    )
    base = bill_without_storage(week)
    optimum, best_caps = best_bill(week, None)
    agent_caps = agent_capacities(home, index)
    agent, _ = best_bill(week, agent_caps)
    flat, _ = best_bill(week, np.full(DAYS, FLAT_KWH))
    return {
        "optimum": base - optimum,
        "agent": base - agent,
        "flat": base - flat,
        "agent_kwh": float(agent_caps.sum()),
        "optimum_kwh": float(best_caps.sum()),
    }


def run(households: int, weeks: int, *, verbose: bool = True) -> dict[str, float]:
    """Evaluate seeded households over Mondays spread across the year."""
    rows = []
    for seed in range(1, households + 1):
        home = household(seed=seed)
        mondays = [i for i in range(HISTORY_DAYS, 365 - DAYS) if home.day(i).weekday() == 0]
        for index in np.linspace(0, len(mondays) - 1, weeks).astype(int):
            day_index = mondays[int(index)]
            row = evaluate(home, day_index)
            rows.append(row)
            if verbose:
                print(
                    f"household {seed} week of {home.day(day_index)}: optimum EUR "
                    f"{row['optimum']:6.2f} ({row['optimum_kwh']:5.1f} kWh)  agent EUR "
                    f"{row['agent']:6.2f} ({row['agent_kwh']:5.1f} kWh)  "
                    f"flat EUR {row['flat']:6.2f}"
                )
    total = {key: sum(row[key] for row in rows) for key in ("optimum", "agent", "flat")}
    valued = [row for row in rows if row["optimum"] >= 0.5]
    return {
        "weeks": len(rows),
        "optimum_eur": round(total["optimum"], 2),
        "agent_eur": round(total["agent"], 2),
        "flat_eur": round(total["flat"], 2),
        "agent_vs_optimum": round(total["agent"] / total["optimum"], 3),
        "flat_vs_optimum": round(total["flat"] / total["optimum"], 3),
        "agent_vs_optimum_median_week": round(
            float(np.median([r["agent"] / r["optimum"] for r in valued])), 3
        )
        if valued
        else 0.0,
        "flat_vs_optimum_median_week": round(
            float(np.median([r["flat"] / r["optimum"] for r in valued])), 3
        )
        if valued
        else 0.0,
        "capacity_price": CAPACITY_PRICE,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run, print per-week lines, the ratios and the JSON line; return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.households, args.weeks, verbose=not args.quiet)
    print(
        f"value captured vs perfect foresight: agent {result['agent_vs_optimum']:.3f}, "
        f"flat {FLAT_KWH:g} kWh/day {result['flat_vs_optimum']:.3f} "
        f"(median week: {result['agent_vs_optimum_median_week']:.3f} / "
        f"{result['flat_vs_optimum_median_week']:.3f})"
    )
    print(json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
