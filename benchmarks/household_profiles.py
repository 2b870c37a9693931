"""Realistic hourly load and PV of one household for the agent and forecast benchmarks.

Load: the BDEW H25 standard household profile (demandlib, 2025 revision, with its dynamic
seasonal factor) scaled to ``annual_kwh``, times a seeded household wobble (a daily factor and
an hourly factor, both log-normal) so that a single household is as irregular as real ones.
PV: pvlib's Ineichen clear-sky irradiance in Berlin on a horizontal plane, times a seeded daily
clearness factor, scaled to ``kwh_per_kwp`` per kWp and year (Germany: about 870-900).
Both are (days, 24) kWh matrices in local time, day 0 = 1 January of ``year``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from custom_components.community_storage.agent.forecast import DailyHistory

type Matrix = npt.NDArray[np.float64]

# What the agent reads from the recorder before it forecasts (four weeks).
HISTORY_DAYS = 28
# kWh per kWp and day by month in Germany (about 0.6 in December, 3.9 in June).
MONTHLY_KWH_PER_KWP_DAY = (0.8, 1.5, 2.5, 3.5, 3.9, 3.9, 3.9, 3.5, 2.7, 1.7, 0.9, 0.6)


@dataclass(frozen=True, slots=True)
class Household:
    """A year of hourly kWh."""

    year: int
    load: Matrix
    pv: Matrix

    def day(self, index: int) -> date:
        """The calendar day of row ``index``."""
        return date.fromordinal(date(self.year, 1, 1).toordinal() + index)

    def history_before(self, index: int) -> DailyHistory:
        """The ``HISTORY_DAYS`` days before row ``index``, as the agent reads them."""
        return DailyHistory(
            start=self.day(index) - timedelta(days=HISTORY_DAYS),
            load=self.load[index - HISTORY_DAYS : index],
            pv=self.pv[index - HISTORY_DAYS : index],
        )


def h25_load(year: int, annual_kwh: float) -> Matrix:
    """The H25 profile as hourly kWh for a household using ``annual_kwh`` a year."""
    import pandas as pd
    from demandlib import bdew

    index = pd.date_range(f"{year}-01-01", periods=365 * 24, freq="h")
    profile = bdew.H25(index)  # kW, integral over the year = 1 GWh
    hourly = np.asarray(profile.to_numpy(), dtype=np.float64)[: 365 * 24]
    hourly = hourly / hourly.sum() * annual_kwh
    return hourly.reshape(365, 24)


def clear_sky_pv(year: int, kwp: float) -> Matrix:
    """Clear-sky PV of a ``kwp`` system in Berlin, hourly kWh (before clouds and scaling)."""
    import pandas as pd
    from pvlib.location import Location

    index = pd.date_range(f"{year}-01-01", periods=365 * 24, freq="h", tz="Europe/Berlin")
    # Mid-hour irradiance stands for the hour.
    clear = Location(52.52, 13.40, tz="Europe/Berlin", altitude=34).get_clearsky(
        index + pd.Timedelta(minutes=30), model="ineichen"
    )
    ghi = np.asarray(clear["ghi"].to_numpy(), dtype=np.float64)
    return (ghi / 1000.0 * kwp * 0.85).reshape(365, 24)


def household(
    *,
    year: int = 2026,
    annual_kwh: float = 3500.0,
    kwp: float = 6.0,
    kwh_per_kwp: float = 880.0,
    seed: int = 1,
) -> Household:
    """A seeded household-year of load and PV."""
    rng = np.random.default_rng(seed)
    load = h25_load(year, annual_kwh)
    daily = rng.lognormal(0.0, 0.12, (365, 1))
    hourly = rng.lognormal(0.0, 0.30, (365, 24))
    load = load * daily * hourly
    load = load / load.sum() * annual_kwh

    # The clear-sky curve gives each day's shape; German monthly yields give its energy
    # (clear-sky alone makes June ten times December; real yields are about six times).
    shape = clear_sky_pv(year, kwp)
    shape = shape / np.maximum(shape.sum(axis=1, keepdims=True), 1e-9)
    months = np.array(
        [date.fromordinal(date(year, 1, 1).toordinal() + i).month for i in range(365)]
    )
    target = np.asarray(MONTHLY_KWH_PER_KWP_DAY, dtype=np.float64)[months - 1]
    clearness = rng.beta(2.2, 1.6, 365)
    daily_pv = kwp * target * clearness / clearness.mean()
    pv = shape * daily_pv[:, None]
    pv = pv / pv.sum() * kwh_per_kwp * kwp
    return Household(year=year, load=load, pv=pv)
