"""Value of the agent's buy and sell plans against perfect-foresight optima.

**Buy.** A household without a battery buys storage capacity in the community for a week (the
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
- planner on the truth: ``plan_buy`` fed the week that really happened as its forecast. The gap
  optimum - truth is the planner's error, truth - agent the forecast's;
- flat: the same 8 kWh every day (the volume a person would guess).

**Sell.** A household with a 10 kWh battery (10 % reserve, 5 kW) goes on holiday for a week:
the house draws only its base load (the household's true fridge-and-standby level, with hourly
noise), the PV keeps producing. Offering ``o`` kWh on a day earns ``q * o`` (0.09 EUR/kWh, the
seed's seller price, assumed to fill) and leaves ``usable - o`` for the house's own use:

    value(o) = q * sum(o) - (bill with usable - o, optimally used) + bill with the whole battery

- optimum: offers free in [0, usable] with perfect foresight (the same LP, keeping a kWh costs
  the ``q`` it would have earned);
- agent: ``plan_sell`` with reason "holiday" on the forecast from the 28 days before;
- planner on the truth: ``plan_sell`` on the week that happened (true base load and PV);
- all: offer the whole usable capacity every day.

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
from custom_components.community_storage.agent.battery import BatterySpec
from custom_components.community_storage.agent.forecast import Forecast, build_forecast
from custom_components.community_storage.agent.planner import Preferences, plan_buy, plan_sell
from custom_components.community_storage.agent.plans import TradeRequest
from custom_components.community_storage.market_client.models import Side

DAYS = 7
RETAIL = 0.37
NIGHT_RETAIL = 0.25
FEED_IN = 0.078
EFFICIENCY = 0.95
POWER_KW = 5.0
CAPACITY_PRICE = 0.08
FLAT_KWH = 8.0
# The seller side: the seed's holiday battery and price.
SELL_PRICE = 0.09
SELL_BATTERY = BatterySpec(capacity_kwh=10.0, min_soc=0.1, max_power_kw=POWER_KW)
# The house's true empty-house load: half its quietest lived-in hours over the year, with
# hourly noise (a fridge cycles).
BASE_PERCENTILE = 5.0
BASE_SHARE = 0.5
BASE_NOISE = 0.25

type Vector = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Week:
    """Realised hourly data of one week."""

    load: Vector  # (168,)
    pv: Vector


def import_prices() -> Vector:
    """Hourly import price over the week: cheaper at night."""
    day = np.full(24, RETAIL)
    day[:6] = NIGHT_RETAIL
    return np.tile(day, DAYS)


def bill_without_storage(week: Week) -> float:
    """What the household pays (net of feed-in) with no storage at all."""
    net = week.load - week.pv
    return float((np.maximum(net, 0) * import_prices()).sum() - np.maximum(-net, 0).sum() * FEED_IN)


def best_bill(
    week: Week,
    capacities: Vector | None,
    *,
    capacity_price: float = CAPACITY_PRICE,
    max_capacity: float | None = None,
) -> tuple[float, Vector]:
    """Lowest bill plus capacity cost, with capacities fixed (or free when None).

    Variables per hour t: charge, discharge, state of charge, import, export; per day: capacity
    (free capacities lie in [0, max_capacity]).
    """
    hours = DAYS * 24
    n = 5 * hours + DAYS
    ch, dis, soc, imp, exp = (np.arange(hours) + k * hours for k in range(5))
    cap = 5 * hours + np.arange(DAYS)
    cost = np.zeros(n)
    cost[imp] = import_prices()
    cost[exp] = -FEED_IN
    cost[cap] = capacity_price

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

    # The state of charge never exceeds the capacity of that day.
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
    for d in range(DAYS):
        if capacities is not None:
            bounds[cap[d]] = (float(capacities[d]), float(capacities[d]))
        else:
            bounds[cap[d]] = (0.0, max_capacity)
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


def _prefs() -> Preferences:
    return Preferences(
        max_buy_price=0.15,
        min_sell_price=0.06,
        community_efficiency=EFFICIENCY,
        expected_price=CAPACITY_PRICE,
    )


def truth_forecast(load: Vector, pv: Vector, start: object, base: float | None = None) -> Forecast:
    """The week that really happened, handed to the planner as if it were its forecast."""
    rows = load.reshape(DAYS, 24)
    return Forecast(
        start=start,  # type: ignore[arg-type]
        load=rows,
        pv=pv.reshape(DAYS, 24),
        history_days=HISTORY_DAYS,
        fallback=False,
        excluded_days=0,
        base_load_kwh=base,
    )


def buy_capacities(forecast: Forecast, home: Household, index: int) -> Vector:
    """The planner's per-day buy volumes for the week from day ``index``."""
    request = TradeRequest(Side.BUY, home.day(index), DAYS, time_of_day="evening")
    plan = plan_buy(request, forecast, None, [], _prefs())
    return np.array([d.kwh for d in plan.days])


def agent_forecast(home: Household, index: int) -> Forecast:
    """The agent's forecast on the eve of day ``index``, from the 28 days before."""
    start = home.day(index)
    return build_forecast(home.history_before(index), start - timedelta(days=1), num_days=DAYS + 1)


def realised(home: Household, index: int) -> Week:
    """The week from day ``index`` as it happened."""
    return Week(
        load=home.load[index : index + DAYS].reshape(-1),
        pv=home.pv[index : index + DAYS].reshape(-1),
    )


def evaluate_buy(home: Household, index: int) -> dict[str, float]:
    """Values (EUR) of the buy strategies for one week."""
    week = realised(home, index)
    base = bill_without_storage(week)
    optimum, best_caps = best_bill(week, None)
    agent_caps = buy_capacities(agent_forecast(home, index), home, index)
    truth_caps = buy_capacities(truth_forecast(week.load, week.pv, home.day(index)), home, index)
    agent, _ = best_bill(week, agent_caps)
    truth, _ = best_bill(week, truth_caps)
    flat, _ = best_bill(week, np.full(DAYS, FLAT_KWH))
    return {
        "optimum": base - optimum,
        "agent": base - agent,
        "truth": base - truth,
        "flat": base - flat,
        "agent_kwh": float(agent_caps.sum()),
        "truth_kwh": float(truth_caps.sum()),
        "optimum_kwh": float(best_caps.sum()),
    }


def empty_house_load(home: Household, index: int, seed: int) -> tuple[Vector, float]:
    """A week of an empty house's hourly load, and its true mean level."""
    level = float(np.percentile(home.load, BASE_PERCENTILE)) * BASE_SHARE
    rng = np.random.default_rng(seed * 1000 + index)
    return level * rng.lognormal(0.0, BASE_NOISE, DAYS * 24), level


def sell_offers(forecast: Forecast, home: Household, index: int) -> Vector:
    """The planner's per-day offers while away for the week from day ``index``."""
    request = TradeRequest(Side.SELL, home.day(index), DAYS, reason="holiday")
    plan = plan_sell(request, forecast, SELL_BATTERY, [], _prefs())
    return np.array([d.kwh for d in plan.days])


def evaluate_sell(home: Household, index: int, seed: int) -> dict[str, float]:
    """Values (EUR) of the sell strategies for one week away."""
    load, level = empty_house_load(home, index, seed)
    week = Week(load=load, pv=home.pv[index : index + DAYS].reshape(-1))
    usable = SELL_BATTERY.usable_kwh
    whole, _ = best_bill(week, np.full(DAYS, usable), capacity_price=0.0)

    def value(offers: Vector) -> float:
        kept = np.clip(usable - offers, 0.0, usable)
        bill, _ = best_bill(week, kept, capacity_price=0.0)
        return SELL_PRICE * float(offers.sum()) - bill + whole

    # Keeping a kWh costs the price it would have earned: the LP finds the best split.
    kept_cost, kept = best_bill(week, None, capacity_price=SELL_PRICE, max_capacity=usable)
    optimum = SELL_PRICE * usable * DAYS - kept_cost + whole
    agent_offers = sell_offers(agent_forecast(home, index), home, index)
    truth = truth_forecast(week.load, week.pv, home.day(index), base=level)
    truth_offers = sell_offers(truth, home, index)
    return {
        "optimum": optimum,
        "agent": value(agent_offers),
        "truth": value(truth_offers),
        "all": value(np.full(DAYS, usable)),
        "agent_kwh": float(agent_offers.sum()),
        "optimum_kwh": float(usable * DAYS - kept.sum()),
    }


def _ratios(rows: list[dict[str, float]], keys: tuple[str, ...], prefix: str) -> dict[str, float]:
    total = {key: sum(row[key] for row in rows) for key in ("optimum", *keys)}
    valued = [row for row in rows if row["optimum"] >= 0.5]
    result: dict[str, float] = {
        f"{prefix}optimum_eur": round(total["optimum"], 2),
    }
    for key in keys:
        result[f"{prefix}{key}_eur"] = round(total[key], 2)
        result[f"{prefix}{key}_vs_optimum"] = round(total[key] / total["optimum"], 3)
        result[f"{prefix}{key}_vs_optimum_median_week"] = (
            round(float(np.median([r[key] / r["optimum"] for r in valued])), 3) if valued else 0.0
        )
    # Where the gap comes from: the planner on the true week, and what the forecast adds.
    result[f"{prefix}planner_error"] = round(1.0 - total["truth"] / total["optimum"], 3)
    result[f"{prefix}forecast_error"] = round(
        (total["truth"] - total["agent"]) / total["optimum"], 3
    )
    return result


def run(households: int, weeks: int, *, verbose: bool = True) -> dict[str, float]:
    """Evaluate seeded households over Mondays spread across the year."""
    buys, sells = [], []
    for seed in range(1, households + 1):
        home = household(seed=seed)
        mondays = [i for i in range(HISTORY_DAYS, 365 - DAYS) if home.day(i).weekday() == 0]
        for index in np.linspace(0, len(mondays) - 1, weeks).astype(int):
            day_index = mondays[int(index)]
            buy = evaluate_buy(home, day_index)
            sell = evaluate_sell(home, day_index, seed)
            buys.append(buy)
            sells.append(sell)
            if verbose:
                print(
                    f"household {seed} week of {home.day(day_index)}: buy optimum EUR "
                    f"{buy['optimum']:5.2f} ({buy['optimum_kwh']:5.1f} kWh) agent "
                    f"{buy['agent']:5.2f} ({buy['agent_kwh']:5.1f}) truth {buy['truth']:5.2f} "
                    f"flat {buy['flat']:5.2f} | sell optimum {sell['optimum']:5.2f} "
                    f"({sell['optimum_kwh']:4.1f} kWh) agent {sell['agent']:5.2f} "
                    f"({sell['agent_kwh']:4.1f}) truth {sell['truth']:5.2f} all {sell['all']:5.2f}"
                )
    result: dict[str, float] = {"weeks": len(buys)}
    buy_ratios = _ratios(buys, ("agent", "truth", "flat"), "")
    sell_ratios = _ratios(sells, ("agent", "truth", "all"), "sell_")
    result.update(buy_ratios)
    result.update(sell_ratios)
    result["capacity_price"] = CAPACITY_PRICE
    result["sell_price"] = SELL_PRICE
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run, print per-week lines, the ratios and the JSON line; return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.households, args.weeks, verbose=not args.quiet)
    print(
        f"buy, value captured vs perfect foresight: agent {result['agent_vs_optimum']:.3f}, "
        f"planner on the true week {result['truth_vs_optimum']:.3f}, "
        f"flat {FLAT_KWH:g} kWh/day {result['flat_vs_optimum']:.3f} "
        f"(median week: {result['agent_vs_optimum_median_week']:.3f} / "
        f"{result['flat_vs_optimum_median_week']:.3f}); "
        f"planner error {result['planner_error']:.3f}, "
        f"forecast error {result['forecast_error']:.3f}"
    )
    print(
        f"sell while away, value captured vs perfect foresight: agent "
        f"{result['sell_agent_vs_optimum']:.3f}, planner on the true week "
        f"{result['sell_truth_vs_optimum']:.3f}, "
        f"offer everything {result['sell_all_vs_optimum']:.3f}; "
        f"planner error {result['sell_planner_error']:.3f}, "
        f"forecast error {result['sell_forecast_error']:.3f}"
    )
    print(json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
