"""Simulated households for the development stack: battery, PV, load and grid sensors, and a
battery control (minimum state of charge), per household.

Two households, one for each thing to try in the README: a house with PV and a battery (it goes
on holiday) and a flat without a battery (it is renovated). Their values follow the realistic
profiles of ``neighbourhood.profiles`` (BDEW H25 load, pvlib clear-sky PV under a daily
cloudiness) so the community storage agent has live households to look at, and on start the
recorder's long-term statistics are back-filled with the same simulation so each agent has
weeks of hourly history to forecast from. Development only: never ship this.
"""

from __future__ import annotations

import voluptuous as vol
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.typing import ConfigType

from neighbourhood.profiles import DEMO_HOUSEHOLDS

from .history import async_backfill_statistics
from .model import DemoHouse

DOMAIN = "demo_house"

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                # Keys of neighbourhood.profiles.DEMO_HOUSEHOLDS; each prefixes its entity ids.
                vol.Optional("households", default=list(DEMO_HOUSEHOLDS)): vol.All(
                    cv.ensure_list, [vol.In(sorted(DEMO_HOUSEHOLDS))]
                ),
                vol.Optional("history_days", default=28): vol.All(int, vol.Range(0, 90)),
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Build the households, add their sensors, back-fill history once Home Assistant started."""
    conf = config[DOMAIN]
    houses: dict[str, DemoHouse] = {}
    for key in conf["households"]:
        # The yearly profile tables take a moment to compute: never on the event loop.
        houses[key] = await hass.async_add_executor_job(DemoHouse.start, key, DEMO_HOUSEHOLDS[key])
    hass.data[DOMAIN] = houses
    for platform in (Platform.SENSOR, Platform.NUMBER):
        hass.async_create_task(
            async_load_platform(hass, platform, DOMAIN, {}, config), eager_start=True
        )

    async def _backfill(_event: Event) -> None:
        for house in houses.values():
            await async_backfill_statistics(hass, house, conf["history_days"])

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _backfill)
    return True
