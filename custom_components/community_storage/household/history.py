"""Hourly history of the household's load and PV from the recorder's long-term statistics.

Long-term statistics keep hourly mean (power sensors) and sum (energy sensors) after the
recorder purges states, so weeks of history are there for the forecast. Power means are read in
kW (an hour's mean kW is that hour's kWh), energy as the hour's change in kWh. The query runs in
the recorder's executor, as the recorder requires.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Final

import numpy as np
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..agent.battery import BatteryReadings
from ..agent.forecast import DailyHistory

_LOGGER = logging.getLogger(__name__)

HISTORY_DAYS: Final = 28
_UNITS: Final = {"power": "kW", "energy": "kWh"}


def rows_to_matrix(
    rows: list[dict[str, Any]], *, first_day: date, num_days: int, timezone: tzinfo
) -> np.ndarray:
    """Hourly statistics rows -> a (days, 24) kWh matrix in local time, NaN where missing.

    A row's value is its ``mean`` (kW over the hour) or else its ``change`` (kWh). On the
    autumn DST change the repeated local hour adds up; the skipped spring hour stays NaN and the
    forecast fills it.
    """
    matrix = np.full((num_days, 24), np.nan)
    for row in rows:
        value = row.get("mean")
        if value is None:
            value = row.get("change")
        if value is None:
            continue
        start = row["start"]
        moment = (
            datetime.fromtimestamp(start, tz=timezone)
            if isinstance(start, int | float)
            else start.astimezone(timezone)
        )
        index = (moment.date() - first_day).days
        if not 0 <= index < num_days:
            continue
        current = matrix[index, moment.hour]
        matrix[index, moment.hour] = float(value) + (0.0 if np.isnan(current) else current)
    return matrix


async def async_read_history(
    hass: HomeAssistant,
    *,
    load_entity: str | None,
    pv_entity: str | None,
    today: date,
    timezone: tzinfo,
    days: int = HISTORY_DAYS,
) -> DailyHistory:
    """The last ``days`` full local days before ``today`` (an empty history without recorder)."""
    first_day = today - timedelta(days=days)
    empty = np.full((days, 24), np.nan)
    ids = {entity for entity in (load_entity, pv_entity) if entity}
    if not ids or "recorder" not in hass.config.components:
        return DailyHistory(start=first_day, load=empty, pv=None if not pv_entity else empty)

    from homeassistant.components.recorder.statistics import statistics_during_period
    from homeassistant.helpers.recorder import get_instance

    start = datetime.combine(first_day, datetime.min.time(), timezone)
    end = datetime.combine(today, datetime.min.time(), timezone)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.as_utc(start),
        dt_util.as_utc(end),
        ids,
        "hour",
        _UNITS,
        {"mean", "change"},
    )

    def matrix(entity: str | None) -> np.ndarray | None:
        if not entity:
            return None
        rows = [dict(row) for row in stats.get(entity, [])]
        return rows_to_matrix(rows, first_day=first_day, num_days=days, timezone=timezone)

    load = matrix(load_entity)
    _LOGGER.debug("Read %s statistics rows for %s", {k: len(v) for k, v in stats.items()}, ids)
    return DailyHistory(
        start=first_day, load=load if load is not None else empty, pv=matrix(pv_entity)
    )


def readings_from_stats(
    soc_rows: list[dict[str, Any]], power_rows: list[dict[str, Any]]
) -> BatteryReadings:
    """Lowest and highest state of charge and the largest power (either sign) in the rows."""

    def values(rows: list[dict[str, Any]], key: str) -> list[float]:
        return [float(row[key]) for row in rows if row.get(key) is not None]

    soc_min = values(soc_rows, "min") or values(soc_rows, "mean")
    soc_max = values(soc_rows, "max") or values(soc_rows, "mean")
    power = [abs(v) for key in ("min", "max", "mean") for v in values(power_rows, key)]
    return BatteryReadings(
        soc_min_pct=min(soc_min) if soc_min else None,
        soc_max_pct=max(soc_max) if soc_max else None,
        power_max_kw=max(power) if power else None,
    )


async def async_read_battery_readings(
    hass: HomeAssistant,
    *,
    soc_entity: str | None,
    power_entity: str | None,
    today: date,
    timezone: tzinfo,
    days: int = HISTORY_DAYS,
) -> BatteryReadings:
    """What the battery's SoC and power sensors showed over the last ``days`` days."""
    ids = {entity for entity in (soc_entity, power_entity) if entity}
    if not ids or "recorder" not in hass.config.components:
        return BatteryReadings()

    from homeassistant.components.recorder.statistics import statistics_during_period
    from homeassistant.helpers.recorder import get_instance

    start = datetime.combine(today - timedelta(days=days), datetime.min.time(), timezone)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.as_utc(start),
        None,
        ids,
        "hour",
        {"power": "kW"},
        {"mean", "min", "max"},
    )

    def rows(entity: str | None) -> list[dict[str, Any]]:
        return [dict(row) for row in stats.get(entity, [])] if entity else []

    return readings_from_stats(rows(soc_entity), rows(power_entity))
