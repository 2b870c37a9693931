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
from neighbourhood.profiles import HouseProfile

HOUSE = HouseProfile("Demo house", 3600, 8.0, 10.0, 4.0, 0, 20261125)
IDS = {
    "sensor.demo_house_house_load",
    "sensor.demo_house_pv_power",
    "sensor.demo_house_battery_power",
    "sensor.demo_house_battery_state_of_charge",
}


async def _hours(hass: HomeAssistant) -> dict[str, list[dict]]:
    start = dt_util.utcnow() - timedelta(days=10)
    return await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, None, IDS, "hour", None, {"mean"}
    )


async def test_backfill_once_then_only_the_gap(recorder_mock: object, hass: HomeAssistant) -> None:
    house = await hass.async_add_executor_job(DemoHouse.start, HOUSE)
    await async_backfill_statistics(hass, house, 3)
    await async_wait_recording_done(hass)
    first = await _hours(hass)
    assert set(first) == IDS
    assert all(len(rows) == 72 for rows in first.values())
    # Power in W, as the sensors report it: a household's hourly load is 100 W to 5 kW.
    loads = [row["mean"] for row in first["sensor.demo_house_house_load"]]
    assert all(100 < load < 5000 for load in loads)
    assert 4.0 < sum(loads) / 1000 / 3 < 14.0  # kWh per day
    socs = [row["mean"] for row in first["sensor.demo_house_battery_state_of_charge"]]
    assert all(9.9 <= soc <= 100 for soc in socs)

    # A second start finds the history and adds nothing (no hour is written twice).
    await async_backfill_statistics(hass, house, 3)
    await async_wait_recording_done(hass)
    assert await _hours(hass) == first
