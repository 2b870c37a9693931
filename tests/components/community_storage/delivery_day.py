"""A delivery day in the component tests: the 26th in Berlin, its clocks, meters and controls.

Home Assistant's clock (``freezer``) and the market's (``market_clock``) move together through
the day with ``Clocks`` (the ``clocks`` fixture of conftest); the buyer's grid meters are
template-free sensors set by hand (``map_grid_meters``, ``Clocks.read_meter``), the seller's
battery control a template number (``battery_control``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.community_storage.const import (
    CONF_GRID_EXPORT_ENTITY,
    CONF_GRID_IMPORT_ENTITY,
    CONF_TOKEN,
)
from tests.market_harness import MutableClock, RunningMarket

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 26)
CONTROL = "number.battery_minimum_soc"
IMPORT = "sensor.grid_import"
EXPORT = "sensor.grid_export"
METER = {"device_class": "energy", "unit_of_measurement": "kWh", "state_class": "total_increasing"}


def local(day: date, hour: int, minute: int = 0, second: int = 30) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BERLIN)


class Clocks:
    """Home Assistant's clock and the market's, moved together; timers due by then fire."""

    def __init__(
        self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, market_clock: MutableClock
    ) -> None:
        self.hass = hass
        self.freezer = freezer
        self.market_clock = market_clock

    async def move_to(self, when: datetime) -> None:
        # The coordinator's timed refresh runs as a background task: an HTTP call in flight
        # while the clock jumps would time out at once.
        await self.hass.async_block_till_done(wait_background_tasks=True)
        self.market_clock.set(when.astimezone(UTC))
        self.freezer.move_to(when)
        async_fire_time_changed(self.hass, when)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def read_meter(self, entity_id: str, value: float, when: datetime) -> None:
        """At ``when`` the grid meter ``entity_id`` reads ``value`` kWh."""
        await self.move_to(when)
        self.hass.states.async_set(entity_id, str(value), METER)
        await self.hass.async_block_till_done()


def map_grid_meters(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    data: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> None:
    """Grid meters at 1000 kWh imported and 2000 kWh exported, mapped in the entry's data
    (with ``data``'s other changes, and ``options`` when given)."""
    hass.states.async_set(IMPORT, "1000.0", METER)
    hass.states.async_set(EXPORT, "2000.0", METER)
    mapped = {CONF_GRID_IMPORT_ENTITY: IMPORT, CONF_GRID_EXPORT_ENTITY: EXPORT}
    changes: dict[str, Any] = {"data": {**entry.data, **(data or {}), **mapped}}
    if options is not None:
        changes["options"] = options
    hass.config_entries.async_update_entry(entry, **changes)


# The neighbour's counter-order and the household's own: they cross, so the day fills at once.
_PRICES = {"sell": (0.10, 0.05), "buy": (0.07, 0.09)}
_OTHER_SIDE = {"sell": "buy", "buy": "sell"}


async def trade_the_day(
    market: RunningMarket,
    entry: MockConfigEntry,
    neighbour_token: str,
    side: str,
    kwh: float,
    neighbour_kwh: float | None = None,
) -> str:
    """The household sells (at 0.05, to a bid of 0.10) or buys (at 0.09, from an offer of 0.07)
    ``kwh`` for DAY from the neighbour's ``neighbour_kwh`` (default as much) -> its token."""
    token = str(entry.data[CONF_TOKEN])
    neighbour_price, own_price = _PRICES[side]
    counter = kwh if neighbour_kwh is None else neighbour_kwh
    await market.place(neighbour_token, _OTHER_SIDE[side], DAY, 1, counter, neighbour_price)
    await market.place(token, side, DAY, 1, kwh, own_price)
    return token


async def battery_control(hass: HomeAssistant) -> None:
    """A template number (the battery's minimum SoC) backed by an input_number."""
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"min_soc": {"min": 0, "max": 100, "step": 1, "initial": 10}}},
    )
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "number": [
                        {
                            "name": "Battery minimum SoC",
                            "state": "{{ states('input_number.min_soc') | float }}",
                            "min": 5,
                            "max": 100,
                            "step": 1,
                            "set_value": [
                                {
                                    "action": "input_number.set_value",
                                    "target": {"entity_id": "input_number.min_soc"},
                                    "data": {"value": "{{ value }}"},
                                }
                            ],
                        }
                    ]
                }
            ]
        },
    )
    await hass.async_block_till_done()
    control = hass.states.get(CONTROL)
    assert control is not None and float(control.state) == 10.0


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
