"""The agent and forecast benchmarks still run (tiny sizes; no timing asserted)."""

from __future__ import annotations

import json

import pytest

from benchmarks import agent as agent_benchmark
from benchmarks import forecast as forecast_benchmark

# demandlib and pvlib use pandas APIs that pandas has deprecated; not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore::Warning:demandlib.*"),
    pytest.mark.filterwarnings("ignore::Warning:pvlib.*"),
]


def test_agent_benchmark_runs_and_the_optimum_bounds_every_strategy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = agent_benchmark.main(["--households", "1", "--weeks", "2", "--quiet"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == result
    assert result["weeks"] == 2
    # Perfect foresight is an upper bound of what any fixed capacities can earn.
    assert result["agent_eur"] <= result["optimum_eur"] + 1e-6
    assert result["flat_eur"] <= result["optimum_eur"] + 1e-6
    assert 0 < result["agent_vs_optimum"] <= 1.0
    assert result["truth_eur"] <= result["optimum_eur"] + 1e-6
    # The gap splits into the planner's part (on the true week) and the forecast's.
    assert result["agent_vs_optimum"] + result["planner_error"] + result[
        "forecast_error"
    ] == pytest.approx(1.0, abs=0.002)
    # The seller side has its own perfect-foresight bound.
    for key in ("sell_agent_eur", "sell_truth_eur", "sell_all_eur"):
        assert result[key] <= result["sell_optimum_eur"] + 1e-6
    assert 0 < result["sell_agent_vs_optimum"] <= 1.0


def test_forecast_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = forecast_benchmark.main(["--households", "1", "--days", "3"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == result
    assert result["load_day_agent"] > 0 and result["load_day_naive"] > 0
    assert result["load_day_ratio"] == pytest.approx(
        result["load_day_agent"] / result["load_day_naive"], abs=0.01
    )
