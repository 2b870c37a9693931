"""Hourly load and PV forecasts from the household's hourly history.

History arrives as one row of 24 hourly kWh values per local calendar day (NaN where the
recorder has nothing). Load is forecast per hour and weekday class (workday, Saturday,
Sunday), PV per hour; recent days weigh more (exponential, half-life ``HALF_LIFE_DAYS``), and
days the household itself marked as away or renovating are left out of the normal profile.
With less than ``MIN_HISTORY_DAYS`` usable days the load shape falls back to a standard
household profile scaled to the consumption the short history shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

type Matrix = npt.NDArray[np.float64]

HALF_LIFE_DAYS = 7.0
MIN_HISTORY_DAYS = 7
HORIZON_DAYS = 14
# A household with no history at all is assumed to use this much per day (DESIGN: 7-12 kWh).
DEFAULT_DAILY_LOAD_KWH = 9.0
# Recent days used as scenarios of how a single future day may turn out.
SCENARIO_DAYS = 21
# An empty house draws what the lived-in one draws in its quietest hours.
BASE_LOAD_PERCENTILE = 5.0
MIN_BASE_LOAD_KWH = 0.02
EMPTY_HOUSE_SHARE_OF_QUIET = 0.5
# Without history: an empty house uses about a fifth of an average hour (fridge, standby).
BASE_LOAD_SHARE_OF_MEAN = 0.2

# Standard household load shape (share of the day per hour), workday/Saturday/Sunday, a
# winter-leaning average of BDEW H25-like residential profiles: low night, morning bump,
# about 30 % of the day between 17:00 and 22:00.
_WORKDAY = (
    2.6, 2.2, 2.0, 1.9, 1.9, 2.2, 3.3, 4.6, 4.4, 3.9, 3.8, 4.0,
    4.4, 4.2, 3.8, 3.8, 4.3, 5.6, 6.9, 7.1, 6.6, 5.6, 4.4, 3.2,
)  # fmt: skip
_SATURDAY = (
    2.8, 2.3, 2.0, 1.9, 1.9, 2.0, 2.4, 3.3, 4.4, 4.9, 5.0, 5.1,
    5.2, 4.8, 4.2, 4.0, 4.2, 5.2, 6.3, 6.6, 6.2, 5.3, 4.3, 3.4,
)  # fmt: skip
_SUNDAY = (
    3.0, 2.4, 2.1, 1.9, 1.9, 1.9, 2.1, 2.7, 3.8, 4.9, 5.4, 5.8,
    6.0, 5.0, 4.2, 4.0, 4.1, 5.0, 6.1, 6.5, 6.1, 5.1, 4.2, 3.3,
)  # fmt: skip


def _normalised(shape: tuple[float, ...]) -> npt.NDArray[np.float64]:
    arr = np.asarray(shape, dtype=np.float64)
    return arr / arr.sum()


STANDARD_SHAPES: dict[int, npt.NDArray[np.float64]] = {
    0: _normalised(_WORKDAY),
    1: _normalised(_SATURDAY),
    2: _normalised(_SUNDAY),
}


def day_class(day: date) -> int:
    """Weekday class: 0 workday, 1 Saturday, 2 Sunday."""
    weekday = day.weekday()
    return 0 if weekday < 5 else weekday - 4


@dataclass(frozen=True, slots=True)
class DailyHistory:
    """Hourly kWh per local day: ``load[i, h]`` is day ``start + i``, hour ``h``."""

    start: date
    load: Matrix
    pv: Matrix | None = None

    @property
    def days(self) -> tuple[date, ...]:
        """The calendar days the rows stand for."""
        return tuple(self.start + timedelta(days=i) for i in range(self.load.shape[0]))


@dataclass(frozen=True, slots=True)
class Period:
    """Days the household marked as unusual (away, renovation); inclusive bounds."""

    first: date
    last: date
    kind: str

    def covers(self, day: date) -> bool:
        """Whether the day lies in the period."""
        return self.first <= day <= self.last


@dataclass(frozen=True, slots=True)
class Forecast:
    """Hourly kWh for ``days`` consecutive days from ``start``; rows are days."""

    start: date
    load: Matrix
    pv: Matrix
    history_days: int
    fallback: bool
    excluded_days: int
    excluded_periods: tuple[Period, ...] = ()
    # Recent normal history days as (load, PV) pairs of hourly rows, PV scaled to the
    # forecast's level: how much a single day may differ from the forecast's average day.
    # None when the forecast is the truth (benchmarks) or there is no history.
    scenario_load: Matrix | None = None
    scenario_pv: Matrix | None = None
    # What the house draws per hour with nobody home (fridge, standby), from history.
    base_load_kwh: float | None = None

    def day_index(self, day: date) -> int | None:
        """Row of a day, or None outside the forecast."""
        index = (day - self.start).days
        return index if 0 <= index < self.load.shape[0] else None

    def load_for(self, day: date) -> npt.NDArray[np.float64]:
        """24 hourly load values of a day (the last row beyond the horizon)."""
        index = self.day_index(day)
        return self.load[min(max(index if index is not None else 0, 0), self.load.shape[0] - 1)]

    def pv_for(self, day: date) -> npt.NDArray[np.float64]:
        """24 hourly PV values of a day."""
        index = self.day_index(day)
        return self.pv[min(max(index if index is not None else 0, 0), self.pv.shape[0] - 1)]

    @property
    def daily_load_kwh(self) -> float:
        """Mean forecast load per day."""
        return float(self.load.sum(axis=1).mean())

    @property
    def daily_pv_kwh(self) -> float:
        """Mean forecast PV per day."""
        return float(self.pv.sum(axis=1).mean())


def _weights(ages: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Exponential recency weights: a day ``HALF_LIFE_DAYS`` older counts half."""
    return np.power(0.5, ages / HALF_LIFE_DAYS)


def _weighted_profile(rows: Matrix, ages: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Recency-weighted hourly mean of complete day rows."""
    weights = _weights(ages)
    return np.asarray((rows * weights[:, None]).sum(axis=0) / weights.sum(), dtype=np.float64)


def _complete_rows(matrix: Matrix) -> npt.NDArray[np.bool_]:
    """Days with at least 20 of 24 hours present (a few gaps are filled from the day's mean)."""
    return np.asarray(np.isfinite(matrix).sum(axis=1) >= 20)


def _fill_gaps(matrix: Matrix) -> Matrix:
    """Replace missing hours with the same hour's mean over the other days (or 0)."""
    filled = matrix.copy()
    present = np.isfinite(matrix)
    counts = present.sum(axis=0)
    sums = np.where(present, matrix, 0.0).sum(axis=0)
    column_means = np.divide(sums, counts, out=np.zeros(matrix.shape[1]), where=counts > 0)
    missing = ~np.isfinite(filled)
    filled[missing] = np.take(column_means, np.nonzero(missing)[1])
    return filled


def build_forecast(
    history: DailyHistory,
    start: date,
    *,
    num_days: int = HORIZON_DAYS,
    excluded: Iterable[Period] = (),
) -> Forecast:
    """Forecast ``num_days`` days of hourly load and PV from ``start``."""
    periods = tuple(excluded)
    # Only days before the forecast's start are history.
    before = sum(1 for d in history.days if d < start)
    history = DailyHistory(
        start=history.start,
        load=history.load[:before],
        pv=None if history.pv is None else history.pv[:before],
    )
    days = history.days
    usable = _complete_rows(history.load)
    excluded_mask = np.array([any(p.covers(d) for p in periods) for d in days], dtype=bool)
    normal = usable & ~excluded_mask
    load = _fill_gaps(history.load)
    ages = np.array([(start - d).days - 1 for d in days], dtype=np.float64)
    classes = np.array([day_class(d) for d in days])
    history_days = int(normal.sum())
    fallback = history_days < MIN_HISTORY_DAYS

    profiles: dict[int, npt.NDArray[np.float64]] = {}
    if fallback:
        daily = float(load[normal].sum(axis=1).mean()) if history_days else DEFAULT_DAILY_LOAD_KWH
        for cls, shape in STANDARD_SHAPES.items():
            profiles[cls] = shape * daily
    else:
        overall = _weighted_profile(load[normal], ages[normal])
        for cls, shape in STANDARD_SHAPES.items():
            rows = normal & (classes == cls)
            if rows.sum() >= 2:
                profiles[cls] = _weighted_profile(load[rows], ages[rows])
            else:
                # Too few days of this class: the overall profile, reshaped like the class.
                profiles[cls] = shape * overall.sum() * 0.5 + overall * 0.5

    pv_profile: npt.NDArray[np.float64] = np.zeros(24)
    if history.pv is not None:
        pv = _fill_gaps(history.pv)
        pv_rows = _complete_rows(history.pv)
        if pv_rows.any():
            # Being away does not change the sun: PV uses every complete day.
            pv_profile = _weighted_profile(pv[pv_rows], ages[pv_rows])

    forecast_days = [start + timedelta(days=i) for i in range(num_days)]
    load_forecast = np.vstack([profiles[day_class(d)] for d in forecast_days])
    pv_forecast = np.tile(pv_profile, (num_days, 1))
    scenario_load, scenario_pv = _scenarios(history, normal, load, pv_profile)
    return Forecast(
        start=start,
        load=np.maximum(load_forecast, 0.0),
        pv=np.maximum(pv_forecast, 0.0),
        history_days=history_days,
        fallback=fallback,
        excluded_days=int((usable & excluded_mask).sum()),
        excluded_periods=periods,
        scenario_load=scenario_load,
        scenario_pv=scenario_pv,
        base_load_kwh=_base_load(load[normal]) if history_days else None,
    )


def _scenarios(
    history: DailyHistory,
    normal: npt.NDArray[np.bool_],
    load: Matrix,
    pv_profile: npt.NDArray[np.float64],
) -> tuple[Matrix | None, Matrix | None]:
    """The last ``SCENARIO_DAYS`` normal days as (load, PV) scenarios of a future day.

    A day's load and PV stay paired (a sunny Sunday stays a sunny Sunday); PV is scaled so the
    scenarios' mean is the forecast's, which follows the season's drift over four weeks.
    """
    if history.pv is None or int(normal.sum()) < MIN_HISTORY_DAYS:
        return None, None
    rows = np.nonzero(normal & _complete_rows(history.pv))[0][-SCENARIO_DAYS:]
    if len(rows) < MIN_HISTORY_DAYS:
        return None, None
    pv = _fill_gaps(history.pv)[rows]
    mean = float(pv.sum(axis=1).mean())
    scale = float(pv_profile.sum()) / mean if mean > 1e-6 else 0.0
    return np.maximum(load[rows], 0.0), np.maximum(pv * scale, 0.0)


def _base_load(load: Matrix) -> float:
    """Hourly kWh of an empty house, from the quietest hours the household lived.

    The quietest hours of a lived-in house are a sleeping one, which still runs more than an
    empty house (heating controls, chargers, a late dishwasher); fridge, freezer, router and
    standby - what keeps running while everybody is away - are about half of it.
    """
    values = load[np.isfinite(load)]
    if not values.size:
        return DEFAULT_DAILY_LOAD_KWH / 24 * BASE_LOAD_SHARE_OF_MEAN
    quiet = float(np.percentile(values, BASE_LOAD_PERCENTILE))
    return max(MIN_BASE_LOAD_KWH, quiet * EMPTY_HOUSE_SHARE_OF_QUIET)


def same_hour_yesterday(history: DailyHistory, start: date, num_days: int) -> Matrix:
    """The naive baseline: the last complete day before ``start`` repeated."""
    days = history.days
    before = [i for i, d in enumerate(days) if d < start]
    last = history.load[before[-1]] if before else np.full(24, DEFAULT_DAILY_LOAD_KWH / 24)
    last = np.where(np.isfinite(last), last, 0.0)
    return np.tile(last, (num_days, 1))
