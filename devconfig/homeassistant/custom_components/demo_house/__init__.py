"""A simulated house for the development stack: battery, PV and house-load sensors.

The values follow the realistic profiles of ``neighbourhood.profiles`` (BDEW H25 load, pvlib
clear-sky PV under a daily cloudiness) so the community storage agent has a live house to look
at, and on start the recorder's long-term statistics are back-filled with the same simulation so
the agent has weeks of hourly history to forecast from. Development only: never ship this.
"""

from __future__ import annotations

import voluptuous as vol
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.typing import ConfigType

from neighbourhood.profiles import HouseProfile

from .history import async_backfill_statistics
from .model import DemoHouse

DOMAIN = "demo_house"

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Optional("name", default="Demo house"): cv.string,
                vol.Optional("annual_kwh", default=3600.0): vol.Coerce(float),
                vol.Optional("pv_kwp", default=8.0): vol.Coerce(float),
                vol.Optional("battery_kwh", default=10.0): vol.Coerce(float),
                vol.Optional("battery_power_kw", default=4.0): vol.Coerce(float),
                vol.Optional("history_days", default=28): vol.All(int, vol.Range(0, 90)),
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Build the house, add its sensors, back-fill history once Home Assistant has started."""
    conf = config[DOMAIN]
    profile = HouseProfile(
        name=conf["name"],
        annual_kwh=conf["annual_kwh"],
        pv_kwp=conf["pv_kwp"],
        battery_kwh=conf["battery_kwh"],
        battery_power_kw=conf["battery_power_kw"],
        routine_shift_h=0,
        seed=20261125,
    )
    # The yearly profile tables take a moment to compute: never on the event loop.
    house = await hass.async_add_executor_job(DemoHouse.start, profile)
    hass.data[DOMAIN] = house
    hass.async_create_task(
        async_load_platform(hass, Platform.SENSOR, DOMAIN, {}, config), eager_start=True
    )

    async def _backfill(_event: Event) -> None:
        await async_backfill_statistics(hass, house, conf["history_days"])

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _backfill)
    return True
