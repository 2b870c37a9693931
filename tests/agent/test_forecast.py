"""Forecasts from synthetic hourly history: profiles, recency, excluded periods, short history."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from custom_components.community_storage.agent.forecast import (
    DEFAULT_DAILY_LOAD_KWH,
    DailyHistory,
    Period,
    build_forecast,
    day_class,
    same_hour_yesterday,
)

from .helpers import load_history

TODAY = date(2026, 11, 25)


def test_steady_history_gives_its_daily_load_and_weekday_shapes() -> None:
    history = load_history(TODAY - timedelta(days=28), 28, daily_kwh=10.0)
    forecast = build_forecast(history, TODAY, num_days=14)
    assert not forecast.fallback
    assert forecast.history_days == 28
    assert forecast.daily_load_kwh == pytest.approx(10.0, rel=0.05)
    assert forecast.daily_pv_kwh == pytest.approx(8.0, rel=1e-6)
    sunday = next(
        TODAY + timedelta(days=i) for i in range(7) if day_class(TODAY + timedelta(days=i)) == 2
    )
    monday = next(
        TODAY + timedelta(days=i) for i in range(7) if (TODAY + timedelta(days=i)).weekday() == 0
    )
    # Late morning at home on Sundays, not on workdays.
    assert forecast.load_for(sunday)[11] > forecast.load_for(monday)[11]
    # Evenings 17-22 carry about 30 % of the day, as in real households.
    evening_share = forecast.load_for(monday)[17:22].sum() / forecast.load_for(monday).sum()
    assert 0.25 < evening_share < 0.36


def test_recent_days_weigh_more() -> None:
    start = TODAY - timedelta(days=28)
    old = load_history(start, 14, daily_kwh=6.0)
    new = load_history(start + timedelta(days=14), 14, daily_kwh=12.0, seed=2)
    history = DailyHistory(start=start, load=np.vstack([old.load, new.load]))
    forecast = build_forecast(history, TODAY)
    # The plain mean would be 9; recent weeks pull it towards 12.
    assert forecast.daily_load_kwh > 10.0


def test_away_period_is_left_out_of_the_normal_profile() -> None:
    start = TODAY - timedelta(days=28)
    history = load_history(start, 28, daily_kwh=10.0)
    away_first = TODAY - timedelta(days=7)
    history.load[21:] *= 0.15  # the last week the house stood empty
    with_away = build_forecast(
        history, TODAY, excluded=[Period(away_first, TODAY - timedelta(days=1), "away")]
    )
    without = build_forecast(history, TODAY)
    assert with_away.excluded_days == 7
    assert with_away.history_days == 21
    assert with_away.daily_load_kwh == pytest.approx(10.0, rel=0.06)
    assert without.daily_load_kwh < 8.0


def test_short_history_falls_back_to_a_scaled_standard_profile() -> None:
    history = load_history(TODAY - timedelta(days=3), 3, daily_kwh=12.0)
    forecast = build_forecast(history, TODAY)
    assert forecast.fallback
    assert forecast.history_days == 3
    assert forecast.daily_load_kwh == pytest.approx(12.0, rel=0.08)


def test_no_history_uses_the_default_household() -> None:
    history = DailyHistory(start=TODAY - timedelta(days=28), load=np.full((28, 24), np.nan))
    forecast = build_forecast(history, TODAY)
    assert forecast.fallback and forecast.history_days == 0
    assert forecast.daily_load_kwh == pytest.approx(DEFAULT_DAILY_LOAD_KWH)
    assert forecast.daily_pv_kwh == 0.0


def test_a_few_missing_hours_are_filled_and_days_after_start_ignored() -> None:
    history = load_history(TODAY - timedelta(days=14), 21, daily_kwh=10.0)
    history.load[3, 5] = np.nan
    history.load[14:] = 100.0  # rows from "today" on are not history yet
    forecast = build_forecast(history, TODAY)
    assert np.isfinite(forecast.load).all()
    assert forecast.history_days == 14
    assert forecast.daily_load_kwh == pytest.approx(10.0, rel=0.06)


def test_same_hour_yesterday_repeats_the_last_day() -> None:
    history = load_history(TODAY - timedelta(days=5), 5)
    baseline = same_hour_yesterday(history, TODAY, 3)
    assert baseline.shape == (3, 24)
    np.testing.assert_allclose(baseline[2], history.load[-1])
