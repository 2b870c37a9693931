"""Energy sharing through a real Home Assistant and the real market server (docs/delivery.md).

The Flat (no battery, no solar of its own) bought evening capacity from a neighbour. At 17:00
its virtual battery is filled with the neighbour's stored solar; its evening import draws that
shared energy instead of grid energy; after midnight it reports the shared energy; settlement
charges the capacity and the shared energy at the community's energy price, and the Flat's
sensors show both.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_TARIFF_PRICE,
    CONF_TARIFF_SCHEDULE,
    CONF_TARIFF_SOURCE,
)
from tests.market_harness import RunningMarket

from .delivery_day import DAY, IMPORT, Clocks, local, map_grid_meters, set_up, trade_the_day, unload


async def test_a_neighbours_stored_solar_fills_the_flats_evening(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Bought 4 kWh for the 26th, no export: 4 kWh of shared energy at 17:00, 3 drawn by
    the evening; reported as shared; settled as 4 kWh of capacity plus 3 kWh of energy."""
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

    async def meter(entity_id: str, value: float, hour: int) -> None:
        await clocks.read_meter(entity_id, value, local(DAY, hour))

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
    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    await market.report_delivery(neighbour[1], DAY, "sell", 4.0, client_report_id="nb-sell")
    (report,) = (await market.get("/api/v1/deliveries", token))["deliveries"]
    assert (report["day"], report["side"], report["kwh"]) == (DAY.isoformat(), "buy", 3.0)
    assert report["shared_kwh"] == 3.0

    # Everyone reported: the day settles. Capacity as traded (all 4 kWh delivered), and the
    # 3 kWh of shared energy at EUR 0.12 from the flat to the neighbour.
    await market.settle()
    month = DAY.strftime("%Y-%m")
    (paid,) = (await market.get(f"/api/v1/settlements?month={month}", token))["settlements"]
    (earned,) = (await market.get(f"/api/v1/settlements?month={month}", neighbour[1]))[
        "settlements"
    ]
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
