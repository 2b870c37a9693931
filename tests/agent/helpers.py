"""Small builders of plain agent data for the pure tests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from custom_components.community_storage.agent.forecast import (
    STANDARD_SHAPES,
    DailyHistory,
    day_class,
)


def load_history(start: date, days: int, daily_kwh: float = 10.0, seed: int = 1) -> DailyHistory:
    """A household using about ``daily_kwh`` a day in the standard shape, with 10 % noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(days):
        shape = STANDARD_SHAPES[day_class(start + timedelta(days=i))]
        rows.append(shape * daily_kwh * rng.lognormal(0.0, 0.1, 24))
    pv = np.tile(pv_day(8.0), (days, 1))
    return DailyHistory(start=start, load=np.vstack(rows), pv=pv)


def pv_day(daily_kwh: float) -> np.ndarray:
    """A bell of PV between 8:00 and 16:00 summing to ``daily_kwh``."""
    hours = np.arange(24)
    bell = np.clip(np.sin((hours - 7.5) / 9.0 * np.pi), 0.0, None)
    bell[(hours < 8) | (hours > 16)] = 0.0
    return bell / bell.sum() * daily_kwh
