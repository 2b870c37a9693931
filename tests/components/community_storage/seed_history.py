"""Seeds the recorder with a realistic fortnight of hourly load and PV statistics.

Load: a 10 kWh/day household in the standard workday/Saturday/Sunday shape, with a fixed,
seeded +-10 % wobble; PV: a late-November 5 kWp system (about 3 kWh/day, 9:00-15:00).
Written as long-term statistics of the power sensors (hourly means in W), exactly what the
recorder keeps for them, then waited for.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.community_storage.agent.forecast import STANDARD_SHAPES, day_class
from custom_components.community_storage.compat import statistic_metadata

DAILY_LOAD_KWH = 10.0
DAILY_PV_KWH = 3.0


def pv_shape() -> np.ndarray:
    """Share of the day's PV per hour: a bell from 9:00 to 15:00."""
    hours = np.arange(24)
    bell = np.clip(np.sin((hours - 8.5) / 7.0 * np.pi), 0.0, None)
    bell[(hours < 9) | (hours > 15)] = 0.0
    return bell / bell.sum()


async def async_seed_history(
    hass: HomeAssistant,
    *,
    load_entity: str,
    pv_entity: str | None,
    today: date,
    days: int = 14,
    load_scale: dict[date, float] | None = None,
    load_as_energy: bool = False,
) -> None:
    """Import ``days`` days of hourly statistics before ``today`` (local time), then wait.

    Power sensors get hourly means in W; with ``load_as_energy`` the load sensor is an energy
    meter instead (a running sum in kWh), as many households have.
    """
    rng = np.random.default_rng(7)
    timezone = dt_util.get_default_time_zone()
    load_rows: list[StatisticData] = []
    pv_rows: list[StatisticData] = []
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        scale = (load_scale or {}).get(day, 1.0)
        load = STANDARD_SHAPES[day_class(day)] * DAILY_LOAD_KWH * scale
        load = load * rng.uniform(0.9, 1.1, 24)
        pv = pv_shape() * DAILY_PV_KWH
        for hour in range(24):
            start = dt_util.as_utc(datetime(day.year, day.month, day.day, hour, tzinfo=timezone))
            watts = float(load[hour] * 1000)
            load_rows.append(StatisticData(start=start, mean=watts, min=watts, max=watts))
            pv_w = float(pv[hour] * 1000)
            pv_rows.append(StatisticData(start=start, mean=pv_w, min=pv_w, max=pv_w))
    if load_as_energy:
        total = 0.0
        energy_rows: list[StatisticData] = []
        for row in load_rows:
            total += row.get("mean", 0.0) / 1000
            energy_rows.append(StatisticData(start=row["start"], sum=total, state=total))
        async_import_statistics(
            hass, statistic_metadata(load_entity, "kWh", mean=False, total=True), energy_rows
        )
    for entity, rows in ((load_entity, load_rows), (pv_entity, pv_rows)):
        if entity is None or (load_as_energy and entity == load_entity):
            continue
        async_import_statistics(hass, statistic_metadata(entity, "W", mean=True, total=False), rows)
    await async_wait_recording_done(hass)
