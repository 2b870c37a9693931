"""Forecast accuracy: the agent's load and PV forecasts against same-hour-yesterday.

For evenly spaced forecast days over a year of realistic household data (see
household_profiles.py), the agent forecasts from the 28 days before, exactly as it does from the
recorder, and is scored by mean absolute error per hour (kWh) against the day that followed:

- day-ahead: forecast for the next day vs "the same hour yesterday";
- week-ahead: the next 7 days vs "yesterday repeated" (what a naive plan for a week would use).

Several seeded households; every figure is the median over households and forecast days.
Usage: ``.venv/bin/python benchmarks/forecast.py [--households 5] [--days 24]``.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.household_profiles import HISTORY_DAYS, Household, household
from custom_components.community_storage.agent.forecast import (
    build_forecast,
    same_hour_yesterday,
)


def score(home: Household, index: int) -> dict[str, float]:
    """MAE of agent and naive forecasts made on the morning of day ``index``."""
    start = home.day(index)
    history = home.history_before(index)
    forecast = build_forecast(history, start, num_days=7)
    naive = same_hour_yesterday(history, start, 7)
    naive_pv = np.tile(home.pv[index - 1], (7, 1))
    actual = home.load[index : index + 7]
    actual_pv = home.pv[index : index + 7]
    return {
        "load_day_agent": float(np.abs(forecast.load[0] - actual[0]).mean()),
        "load_day_naive": float(np.abs(naive[0] - actual[0]).mean()),
        "load_week_agent": float(np.abs(forecast.load - actual).mean()),
        "load_week_naive": float(np.abs(naive - actual).mean()),
        "pv_week_agent": float(np.abs(forecast.pv - actual_pv).mean()),
        "pv_week_naive": float(np.abs(naive_pv - actual_pv).mean()),
    }


def run(households: int, days: int) -> dict[str, float]:
    """Median scores over seeded households and evenly spaced forecast days."""
    rows: list[dict[str, float]] = []
    for seed in range(1, households + 1):
        home = household(seed=seed)
        for index in np.linspace(HISTORY_DAYS, 365 - 8, days).astype(int):
            rows.append(score(home, int(index)))
    keys = rows[0].keys()
    medians = {key: float(np.median([row[key] for row in rows])) for key in keys}
    return {
        **{key: round(value, 4) for key, value in medians.items()},
        "load_day_ratio": round(medians["load_day_agent"] / medians["load_day_naive"], 3),
        "load_week_ratio": round(medians["load_week_agent"] / medians["load_week_naive"], 3),
        "pv_week_ratio": round(medians["pv_week_agent"] / medians["pv_week_naive"], 3),
        "households": households,
        "forecast_days": days,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run, print a table and the JSON line, return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5)
    parser.add_argument("--days", type=int, default=24)
    args = parser.parse_args(argv)
    result = run(args.households, args.days)
    print(f"{'MAE kWh/h (median)':<22}{'agent':>9}{'naive':>9}{'ratio':>8}")
    for label, prefix, ratio in (
        ("load, day ahead", "load_day", "load_day_ratio"),
        ("load, week ahead", "load_week", "load_week_ratio"),
        ("PV, week ahead", "pv_week", "pv_week_ratio"),
    ):
        print(
            f"{label:<22}{result[prefix + '_agent']:>9.4f}{result[prefix + '_naive']:>9.4f}"
            f"{result[ratio]:>8.3f}"
        )
    print(json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
