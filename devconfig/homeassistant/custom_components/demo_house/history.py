"""Back-fills the recorder's hourly statistics with the simulated past of a demo household.

Only hours after the newest statistic are written, so Home Assistant's own statistics of the
hours it was running are never overwritten, and a second start fills just the gap since the
last one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    get_last_statistics,
)
from homeassistant.const import PERCENTAGE, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from custom_components.community_storage.compat import statistic_metadata
from neighbourhood.profiles import HourSample, simulate

from .model import DemoHouse

_LOGGER = logging.getLogger(__name__)

# sensor key -> (unit, how to read the hour's mean from a simulated hour)
_SERIES: dict[str, tuple[str, str]] = {
    "battery_state_of_charge": (PERCENTAGE, "soc_pct"),
    "battery_power": (UnitOfPower.WATT, "battery_kw"),
    "pv_power": (UnitOfPower.WATT, "pv_kw"),
    "load": (UnitOfPower.WATT, "load_kw"),
}


def series(house: DemoHouse) -> dict[str, tuple[str, str]]:
    """Statistic id -> (unit, field) of one household; a flat has no battery series."""
    return {
        f"sensor.{house.key}_{key}": spec
        for key, spec in _SERIES.items()
        if house.profile.battery_kwh > 0 or not key.startswith("battery")
    }


def _newest_start(hass: HomeAssistant, statistic_id: str) -> datetime | None:
    rows = get_last_statistics(hass, 1, statistic_id, False, {"mean"})
    if not rows.get(statistic_id):
        return None
    return dt_util.utc_from_timestamp(rows[statistic_id][0]["start"])


def _value(sample: HourSample, field: str, unit: str) -> float:
    value = float(getattr(sample, field))
    return value * 1000.0 if unit == UnitOfPower.WATT else value


async def async_backfill_statistics(hass: HomeAssistant, house: DemoHouse, days: int) -> None:
    """Import hourly mean/min/max of the simulated past that the recorder has not seen."""
    if days <= 0:
        return
    this_hour = dt_util.utcnow().replace(minute=0, second=0, microsecond=0)
    earliest = this_hour - timedelta(days=days)
    recorder = get_instance(hass)
    newest = await recorder.async_add_executor_job(_newest_start, hass, f"sensor.{house.key}_load")
    start = earliest if newest is None else max(earliest, newest + timedelta(hours=1))
    hours = int((this_hour - start).total_seconds() // 3600)
    if hours <= 0:
        return
    samples = await hass.async_add_executor_job(simulate, house.profile, start, hours)
    for statistic_id, (unit, field) in series(house).items():
        # The integration's compat module: statistics metadata in this release's shape.
        metadata = statistic_metadata(statistic_id, unit, mean=True, total=False)
        rows = []
        for sample in samples:
            value = _value(sample, field, unit)
            # The simulation is hourly: the hour's min and max are its mean.
            rows.append(StatisticData(start=sample.start, mean=value, min=value, max=value))
        async_import_statistics(hass, metadata, rows)
    _LOGGER.info(
        "Imported %d simulated hours of %s from %s", hours, house.profile.name, start.isoformat()
    )
