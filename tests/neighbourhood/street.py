"""The simulated street of a neighbourhood test, against the test's market server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neighbourhood.simulation import SimulationConfig
from tests.market_harness import RunningMarket


def street_config(
    market: RunningMarket, tmp_path: Path, households: int, **settings: Any
) -> SimulationConfig:
    """``households`` simulated households joined through ``market``'s operator, their roster
    under ``tmp_path``; ``settings`` are SimulationConfig's other fields (tick_s, seed, ...)."""
    return SimulationConfig(
        url=market.url,
        operator_token=market.operator_token,
        households=households,
        roster_path=tmp_path / "roster.json",
        **settings,
    )
