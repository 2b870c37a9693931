"""Energy sharing through a real Home Assistant and the real market server (docs/delivery.md).

The Flat (no battery, no solar of its own) bought evening capacity from a neighbour. At 17:00
its virtual battery is filled with the neighbour's stored solar; its evening import draws that
shared energy instead of grid energy; after midnight it reports the shared energy; settlement
charges the capacity and the shared energy at the community's energy price, and the Flat's
sensors show both. Where the Flat's own export (a balcony panel) filled part of the capacity,
the energy behind that own credit is settled too, at the community's feed-in price, and shown
beside it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_TARIFF_PRICE,
    CONF_TARIFF_SCHEDULE,
    CONF_TARIFF_SOURCE,
)
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


async def test_a_neighbours_stored_solar_fills_the_flats_evening(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Bought 4 kWh for the 26th, no export: 4 kWh of shared energy at 17:00, 3 drawn by
    the evening; reported as shared; settled as 4 kWh of capacity plus 3 kWh of energy."""
    token = await _flat_buys_from_neighbour(hass, joined_entry, market, neighbour)
    meter = _meter(hass, clocks)

    # The day: the flat exports nothing; its morning import is plain grid import.
    await meter(IMPORT, 1001.0, 8)
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == 0.0
    # The evening: 3 kWh imported by 19:00 come from the neighbour's stored solar.
    await meter(IMPORT, 1004.0, 19)
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(1.0)
    assert float(hass.states.get("sensor.miller_shared_energy_today").state) == pytest.approx(3.0)
    # The evening's grid import fell by those 3 kWh: at the tariff's 0.45 that is EUR 1.35,
    # and the shared energy costs the community's EUR 0.12 a kWh.
    assert float(hass.states.get("sensor.miller_saved_today").state) == pytest.approx(3.0)
    assert float(hass.states.get("sensor.miller_cost_avoided_today").state) == pytest.approx(1.35)
    assert float(hass.states.get("sensor.miller_shared_energy_cost_today").state) == (
        pytest.approx(0.36)
    )

    # After midnight the flat reports: 3 kWh of capacity used, all of it shared energy; the
    # neighbour held what it sold (its own solar) and reports it.
    await _after_midnight_the_neighbour_reports_in_full(market, neighbour, clocks)
    (report,) = (await market.get("/api/v1/deliveries", token))["deliveries"]
    assert (report["day"], report["side"], report["kwh"]) == (DAY.isoformat(), "buy", 3.0)
    assert report["shared_kwh"] == 3.0

    # Everyone reported: the day settles. Capacity as traded (all 4 kWh delivered), and the
    # 3 kWh of shared energy at EUR 0.12 from the flat to the neighbour.
    await market.settle()
    paid, earned = await _settled_entries(market, token, neighbour)
    assert paid["volume_kwh"] == 4.0 and paid["refund_eur"] == 0.0
    assert paid["amount_eur"] == pytest.approx(-4.0 * paid["price"], abs=0.005)
    assert (paid["energy_kwh"], paid["energy_eur"]) == (3.0, -0.36)
    assert (earned["energy_kwh"], earned["energy_eur"]) == (3.0, 0.36)
    assert earned["amount_eur"] == -paid["amount_eur"]
    # The flat's monthly sensors: capacity and shared energy side by side.
    await joined_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert float(hass.states.get("sensor.miller_shared_energy_cost_this_month").state) == 0.36
    assert float(hass.states.get("sensor.miller_cost_this_month").state) == pytest.approx(
        -paid["amount_eur"]
    )
    await unload(hass, joined_entry)


async def test_the_flats_own_credit_is_paid_at_the_feed_in_price(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Bought 4 kWh; the Flat's balcony panel exports 2 kWh at noon (credited 2, drawable 1.9);
    at 17:00 the other 2 kWh are shared energy; 3 kWh imported by 19:00 draw 1.9 own, then 1.1
    shared. Reported: used 1.9 / 0.95 + 1.1 = 3.1 kWh, 1.1 of it shared. The neighbour's 4 kWh
    first held the Flat's own credit: 2 kWh at the feed-in price EUR 0.078 (EUR 0.156); of the
    2 kWh shared energy left, the 1.1 drawn at EUR 0.12 (EUR 0.132). The neighbour earns both."""
    token = await _flat_buys_from_neighbour(hass, joined_entry, market, neighbour)
    meter = _meter(hass, clocks)
    await meter(EXPORT, 2002.0, 12)
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(1.9)
    await meter(IMPORT, 1003.0, 19)
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(0.9)
    assert float(hass.states.get("sensor.miller_shared_energy_today").state) == pytest.approx(1.1)
    assert float(hass.states.get("sensor.miller_saved_today").state) == pytest.approx(3.0)

    await _after_midnight_the_neighbour_reports_in_full(market, neighbour, clocks)
    (report,) = (await market.get("/api/v1/deliveries", token))["deliveries"]
    assert (report["kwh"], report["shared_kwh"]) == (3.1, 1.1)

    summary = await market.settle()
    assert (summary["own_credit_eur"], summary["energy_eur"]) == (0.16, 0.13)
    paid, earned = await _settled_entries(market, token, neighbour)
    assert (paid["own_credit_kwh"], paid["own_credit_eur"]) == (2.0, -0.16)
    assert (paid["energy_kwh"], paid["energy_eur"]) == (1.1, -0.13)
    assert (earned["own_credit_kwh"], earned["own_credit_eur"]) == (2.0, 0.16)
    assert (earned["energy_kwh"], earned["energy_eur"]) == (1.1, 0.13)
    # Paid = earned: capacity, shared and own-credit energy.
    money = ("amount_eur", "energy_eur", "own_credit_eur")
    assert sum(paid[k] + earned[k] for k in money) == pytest.approx(0.0, abs=1e-9)
    # The Flat's monthly sensors: the own credit beside the shared energy, as settled.
    await joined_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert float(hass.states.get("sensor.miller_own_credit_energy_cost_this_month").state) == 0.16
    assert float(hass.states.get("sensor.miller_shared_energy_cost_this_month").state) == 0.13
    assert float(hass.states.get("sensor.miller_own_credit_energy_earnings_this_month").state) == 0
    await unload(hass, joined_entry)


async def _flat_buys_from_neighbour(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
) -> str:
    """The Flat maps its meters, has an evening-peak tariff and buys 4 kWh for DAY from the
    neighbour at one price; the entry is set up. Returns the Flat's token."""
    map_grid_meters(
        hass,
        joined_entry,
        # A time-of-use tariff: the evening peak is what the shared energy replaces.
        options={
            CONF_TARIFF_SOURCE: "time_of_use",
            CONF_TARIFF_SCHEDULE: "17-21: 0.45",
            CONF_TARIFF_PRICE: 0.30,
        },
    )
    token = await trade_the_day(market, joined_entry, neighbour[1], "buy", 4.0)
    await set_up(hass, joined_entry)
    return token


def _meter(hass: HomeAssistant, clocks: Clocks) -> Callable[[str, float, int], Awaitable[None]]:
    """Sets a meter to a reading at an hour of DAY, both clocks moved there first."""

    async def meter(entity_id: str, value: float, hour: int) -> None:
        await clocks.read_meter(entity_id, value, local(DAY, hour))

    return meter


async def _after_midnight_the_neighbour_reports_in_full(
    market: RunningMarket, neighbour: tuple[str, str], clocks: Clocks
) -> None:
    """Just after midnight (the Flat reports then): the neighbour held what it sold."""
    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    await market.report_delivery(neighbour[1], DAY, "sell", 4.0, client_report_id="nb-sell")


async def _settled_entries(
    market: RunningMarket, token: str, neighbour: tuple[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """DAY's one ledger entry of the Flat (paid) and of the neighbour (earned)."""
    month = DAY.strftime("%Y-%m")
    (paid,) = (await market.get(f"/api/v1/settlements?month={month}", token))["settlements"]
    (earned,) = (await market.get(f"/api/v1/settlements?month={month}", neighbour[1]))[
        "settlements"
    ]
    return paid, earned
