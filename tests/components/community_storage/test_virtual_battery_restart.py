"""Issue 21, item 6: the buyer's virtual battery of the day survives a restart or reload in the
middle of the day (Home Assistant's Store), so the day's report counts the morning's credit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_GRID_EXPORT_ENTITY,
    CONF_GRID_IMPORT_ENTITY,
    CONF_TOKEN,
    DOMAIN,
)
from custom_components.community_storage.delivery.virtual_battery_store import SAVE_DELAY
from tests.market_harness import MutableClock, RunningMarket

from .test_delivery import DAY, EXPORT, IMPORT, METER, Clocks, _set_up, local

VIRTUAL = "sensor.miller_virtual_battery"
SAVED = "sensor.miller_saved_today"


@pytest.fixture
def clocks(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, market_clock: MutableClock
) -> Clocks:
    return Clocks(hass, freezer, market_clock)


async def test_a_restart_at_noon_keeps_the_mornings_credit(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    hass.states.async_set(IMPORT, "1000.0", METER)
    hass.states.async_set(EXPORT, "2000.0", METER)
    hass.config_entries.async_update_entry(
        joined_entry,
        data={
            **joined_entry.data,
            CONF_GRID_IMPORT_ENTITY: IMPORT,
            CONF_GRID_EXPORT_ENTITY: EXPORT,
        },
    )
    token = joined_entry.data[CONF_TOKEN]
    await market.place(neighbour[1], "sell", DAY, 1, 6.0, 0.07)
    await market.place(token, "buy", DAY, 1, 4.0, 0.09)
    await _set_up(hass, joined_entry)

    async def meter(entity_id: str, value: float, when: datetime) -> None:
        await clocks.move_to(when)
        hass.states.async_set(entity_id, str(value), METER)
        await hass.async_block_till_done()

    await meter(EXPORT, 2003.0, local(DAY, 11))
    assert float(hass.states.get(VIRTUAL).state) == pytest.approx(2.85)
    # Written soon after the change, not only at unload (a crash loses at most SAVE_DELAY s).
    await clocks.move_to(local(DAY, 11, 0, 30 + SAVE_DELAY + 1))
    key = f"{DOMAIN}.virtual_battery.{joined_entry.entry_id}"
    stored = hass_storage[key]["data"]["batteries"]["2026-11-26"]
    assert stored["credited_kwh"] == pytest.approx(3.0)

    # Home Assistant goes away at noon (the entry's parts stop) and comes back.
    assert await hass.config_entries.async_unload(joined_entry.entry_id)
    await hass.async_block_till_done()
    await clocks.move_to(local(DAY, 12))
    await _set_up(hass, joined_entry)
    assert float(hass.states.get(VIRTUAL).state) == pytest.approx(2.85)

    # The afternoon adds to the morning: 1 kWh more credited, 3 drawn in the evening.
    await meter(EXPORT, 2004.0, local(DAY, 14))
    await meter(IMPORT, 1003.0, local(DAY, 19))
    assert float(hass.states.get(VIRTUAL).state) == pytest.approx(0.8)
    assert float(hass.states.get(SAVED).state) == pytest.approx(3.0)

    # A reload (options changed, say) keeps it too.
    assert await hass.config_entries.async_reload(joined_entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(SAVED).state) == pytest.approx(3.0)

    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    body = await market.get("/api/v1/deliveries", token)
    (report,) = body["deliveries"]
    assert (report["day"], report["side"]) == ("2026-11-26", "buy")
    assert report["kwh"] == pytest.approx(3.0 / 0.95, abs=0.001)
    assert await hass.config_entries.async_unload(joined_entry.entry_id)
    await hass.async_block_till_done()


async def test_an_unreadable_store_starts_empty(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    joined_entry: MockConfigEntry,
) -> None:
    """A damaged day in the file is skipped, the readable ones are taken back."""
    hass_storage[f"{DOMAIN}.virtual_battery.{joined_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.virtual_battery.{joined_entry.entry_id}",
        "data": {
            "batteries": {
                "not-a-day": {"capacity_kwh": 4.0},
                "2026-11-25": {"capacity_kwh": "four", "unknown_field": 1},
                "2026-11-24": {"capacity_kwh": 2.0, "credited_kwh": 1.0, "drawn_by_hour": [0.5]},
            }
        },
    }
    await _set_up(hass, joined_entry)
    batteries = joined_entry.runtime_data.meter.batteries
    assert list(batteries) == [date(2026, 11, 24)]
    assert batteries[date(2026, 11, 24)].drawn_by_hour == (0.5,)
    assert await hass.config_entries.async_unload(joined_entry.entry_id)
    await hass.async_block_till_done()
