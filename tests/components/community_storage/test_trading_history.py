"""Recorder statistics rows -> hourly kWh per local day (energy and power, DST, gaps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from custom_components.community_storage.agent.battery import BatteryReadings
from custom_components.community_storage.household.history import (
    readings_from_stats,
    rows_to_matrix,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_power_means_and_energy_changes_fill_local_hours() -> None:
    first = date(2026, 11, 20)
    start = datetime(2026, 11, 20, 0, tzinfo=BERLIN).astimezone(UTC)
    rows = [
        {"start": (start + timedelta(hours=h)).timestamp(), "mean": 0.5, "change": None}
        for h in range(24)
    ] + [
        # The second day comes from an energy sensor: the hour's change in kWh.
        {"start": start + timedelta(hours=24 + h), "mean": None, "change": 0.25}
        for h in range(24)
    ]
    rows.append({"start": (start + timedelta(days=5)).timestamp(), "mean": 9.0})  # out of range
    rows.append({"start": start.timestamp(), "mean": None, "change": None})  # no value: ignored
    matrix = rows_to_matrix(rows, first_day=first, num_days=3, timezone=BERLIN)
    np.testing.assert_allclose(matrix[0], 0.5)
    np.testing.assert_allclose(matrix[1], 0.25)
    assert np.isnan(matrix[2]).all()


def test_autumn_dst_hour_adds_up_and_spring_hour_stays_missing() -> None:
    autumn = date(2026, 10, 25)  # 02:00-03:00 happens twice
    start = datetime(2026, 10, 25, 0, tzinfo=BERLIN).astimezone(UTC)
    rows = [{"start": (start + timedelta(hours=h)).timestamp(), "mean": 1.0} for h in range(25)]
    matrix = rows_to_matrix(rows, first_day=autumn, num_days=1, timezone=BERLIN)
    assert matrix[0, 2] == 2.0 and matrix[0].sum() == 25.0

    spring = date(2026, 3, 29)  # 02:00-03:00 does not exist
    start = datetime(2026, 3, 29, 0, tzinfo=BERLIN).astimezone(UTC)
    rows = [{"start": (start + timedelta(hours=h)).timestamp(), "mean": 1.0} for h in range(23)]
    matrix = rows_to_matrix(rows, first_day=spring, num_days=1, timezone=BERLIN)
    assert np.isnan(matrix[0, 2]) and np.nansum(matrix[0]) == 23.0


def test_battery_readings_take_the_extremes_of_either_sign() -> None:
    soc = [{"mean": 50.0, "min": 12.0, "max": 88.0}, {"mean": 40.0, "min": 9.5, "max": 97.0}]
    # Discharging shows as negative power on many inverters: the size counts, not the sign.
    power = [{"mean": 1.0, "min": -4.2, "max": 3.1}, {"mean": None, "min": None, "max": None}]
    readings = readings_from_stats(soc, power)
    assert readings == BatteryReadings(soc_min_pct=9.5, soc_max_pct=97.0, power_max_kw=4.2)
    # Hourly means only (no min/max kept): the means stand in.
    assert readings_from_stats([{"mean": 30.0}], []) == BatteryReadings(30.0, 30.0, None)
