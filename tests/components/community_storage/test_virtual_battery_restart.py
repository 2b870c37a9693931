"""Issue 21, item 6: the buyer's virtual battery of the day survives a restart or reload in the
middle of the day (Home Assistant's Store), so the day's report counts the morning's credit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    DOMAIN,
)
from custom_components.community_storage.delivery.virtual_battery_store import SAVE_DELAY
from tests.market_harness import RunningMarket

from .delivery_day import (
    DAY,
    EXPORT,
    IMPORT,
    Clocks,
    local,
    map_grid_meters,
    set_up,
    trade_the_day,
    unload,
)

VIRTUAL = "sensor.miller_virtual_battery"
SAVED = "sensor.miller_saved_today"


async def test_a_restart_at_noon_keeps_the_mornings_credit(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    map_grid_meters(hass, joined_entry)
    token = await trade_the_day(market, joined_entry, neighbour[1], "buy", 4.0, neighbour_kwh=6.0)
    await set_up(hass, joined_entry)

    await clocks.read_meter(EXPORT, 2003.0, local(DAY, 11))
    assert float(hass.states.get(VIRTUAL).state) == pytest.approx(2.85)
    # Written soon after the change, not only at unload (a crash loses at most SAVE_DELAY s).
    await clocks.move_to(local(DAY, 11, 0, 30 + SAVE_DELAY + 1))
    key = f"{DOMAIN}.virtual_battery.{joined_entry.entry_id}"
    stored = hass_storage[key]["data"]["batteries"]["2026-11-26"]
    assert stored["credited_kwh"] == pytest.approx(3.0)

    # Home Assistant goes away at noon (the entry's parts stop) and comes back.
    await unload(hass, joined_entry)
    await clocks.move_to(local(DAY, 12))
    await set_up(hass, joined_entry)
    assert float(hass.states.get(VIRTUAL).state) == pytest.approx(2.85)

    # The afternoon adds to the morning: 1 kWh more credited, 3 drawn in the evening.
    await clocks.read_meter(EXPORT, 2004.0, local(DAY, 14))
    await clocks.read_meter(IMPORT, 1003.0, local(DAY, 19))
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
    await unload(hass, joined_entry)


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
    await set_up(hass, joined_entry)
    batteries = joined_entry.runtime_data.meter.batteries
    assert list(batteries) == [date(2026, 11, 24)]
    assert batteries[date(2026, 11, 24)].drawn_by_hour == (0.5,)
    await unload(hass, joined_entry)
