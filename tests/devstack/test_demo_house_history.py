"""The demo house back-fills the real recorder once, then only the hours it has not seen."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from devconfig.homeassistant.custom_components.demo_house.history import (
    async_backfill_statistics,
)
from devconfig.homeassistant.custom_components.demo_house.model import DemoHouse
from neighbourhood.profiles import DEMO_FLAT, DEMO_HOUSE, TIMEZONE

IDS = {
    "sensor.house_load",
    "sensor.house_pv_power",
    "sensor.house_battery_power",
    "sensor.house_battery_state_of_charge",
}
FLAT_IDS = {"sensor.flat_load", "sensor.flat_pv_power"}


async def _hours(hass: HomeAssistant, ids: set[str] = IDS) -> dict[str, list[dict]]:
    start = dt_util.utcnow() - timedelta(days=10)
    return await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, None, ids, "hour", None, {"mean"}
    )


async def test_backfill_once_then_only_the_gap(recorder_mock: object, hass: HomeAssistant) -> None:
    house = await hass.async_add_executor_job(DemoHouse.start, "house", DEMO_HOUSE)
    await async_backfill_statistics(hass, house, 3)
    await async_wait_recording_done(hass)
    first = await _hours(hass)
    assert set(first) == IDS
    assert all(len(rows) == 72 for rows in first.values())
    # Power in W, as the sensors report it: a household's hourly load is 100 W to 5 kW.
    loads = [row["mean"] for row in first["sensor.house_load"]]
    assert all(100 < load < 5000 for load in loads)
    assert 4.0 < sum(loads) / 1000 / 3 < 14.0  # kWh per day
    socs = [row["mean"] for row in first["sensor.house_battery_state_of_charge"]]
    assert all(9.9 <= soc <= 100 for soc in socs)

    # A second start finds the history and adds nothing (no hour is written twice).
    await async_backfill_statistics(hass, house, 3)
    await async_wait_recording_done(hass)
    assert await _hours(hass) == first


async def test_the_flat_has_history_but_no_battery(
    recorder_mock: object, hass: HomeAssistant
) -> None:
    flat = await hass.async_add_executor_job(DemoHouse.start, "flat", DEMO_FLAT)
    await async_backfill_statistics(hass, flat, 3)
    await async_wait_recording_done(hass)
    hours = await _hours(hass, FLAT_IDS | {"sensor.flat_battery_power"})
    # Load and PV for the agent's forecast; no battery series for a flat without one.
    assert set(hours) == FLAT_IDS
    loads = [row["mean"] for row in hours["sensor.flat_load"]]
    evening = sum(r["mean"] for r in hours["sensor.flat_load"] if _local_hour(r) in range(17, 22))
    assert 0.3 < evening / sum(loads) < 0.45  # an evening-heavy flat
    assert flat.reading.soc_pct == 0.0 and flat.advance(dt_util.utcnow()).battery_w == 0.0


def _local_hour(row: dict) -> int:
    """The hour of the day in the households' own time zone."""
    return dt_util.utc_from_timestamp(row["start"]).astimezone(TIMEZONE).hour
