"""Sensors and the connection binary sensor, filled by real trades on a real server."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads_object
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.community_storage.market_client.models import Side
from tests.market_harness import MutableClock, RunningMarket

SENSORS = (
    "sensor.miller_next_day_clearing_price",
    "sensor.miller_reserved_capacity_today",
    "sensor.miller_reserved_capacity_tomorrow",
    "sensor.miller_sold_capacity_today",
    "sensor.miller_sold_capacity_tomorrow",
    "sensor.miller_open_orders",
    "sensor.miller_cost_this_month",
    "sensor.miller_earnings_this_month",
    "binary_sensor.miller_server_connection",
)
TOMORROW = date(2026, 11, 26)


def _states(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, object]]]:
    """States with their attributes as the API and the frontend see them (JSON), so the
    snapshot holds on every release: 2026.x keys attributes by EntityStateAttribute members."""
    return {
        entity_id: (state.state, json_loads_object(json_dumps(state.attributes)))
        for entity_id in SENSORS
        if (state := hass.states.get(entity_id)) is not None
    }


async def _trade(entry: MockConfigEntry, market: RunningMarket, neighbour: tuple[str, str]) -> None:
    """Miller reserves 8 kWh for tomorrow and offers 5 kWh for the day after; the neighbour
    is the counterparty of both; each submit clears at once (pay as clear)."""
    client = entry.runtime_data.client
    _, neighbour_token = neighbour
    await market.place(neighbour_token, "sell", TOMORROW, 1, 10.0, 0.07)
    await client.create_request(
        Side.BUY, start_day=TOMORROW, num_days=1, kwh_per_day=8.0, limit_price=0.09
    )
    await client.create_request(
        Side.SELL,
        start_day=TOMORROW + timedelta(days=1),
        num_days=1,
        kwh_per_day=5.0,
        limit_price=0.05,
    )
    await market.place(neighbour_token, "buy", TOMORROW + timedelta(days=1), 1, 3.0, 0.1)
    await entry.runtime_data.coordinator.async_refresh()


async def test_sensors_before_any_trade(
    hass: HomeAssistant, setup_integration: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    """A new household: zero volumes, no price yet, connection on."""
    assert _states(hass) == snapshot


async def test_sensors_follow_trades_and_days(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    market_clock: MutableClock,
    neighbour: tuple[str, str],
    snapshot: SnapshotAssertion,
) -> None:
    """Fills show as reserved/sold capacity on their day; the clearing price of tomorrow
    is the market's; settlement after delivery feeds the monthly totals."""
    await _trade(setup_integration, market, neighbour)
    await hass.async_block_till_done()
    states = _states(hass)
    assert states["sensor.miller_next_day_clearing_price"][0] == "0.07"
    assert states["sensor.miller_reserved_capacity_tomorrow"][0] == "8.0"
    assert states["sensor.miller_reserved_capacity_today"][0] == "0.0"
    # The day after tomorrow is neither today nor tomorrow yet; its offer is filled.
    assert states["sensor.miller_sold_capacity_tomorrow"][0] == "0.0"
    assert states["sensor.miller_open_orders"][0] == "1"
    assert states == snapshot(name="after_trading")

    # One day later: tomorrow became today.
    market_clock.advance(days=1)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    states = _states(hass)
    assert states["sensor.miller_reserved_capacity_today"][0] == "8.0"
    assert states["sensor.miller_sold_capacity_tomorrow"][0] == "3.0"
    assert states["sensor.miller_reserved_capacity_tomorrow"][0] == "0.0"

    # After both delivery days and their 12-hour delivery report deadline (nobody reports
    # here) the server settles: cost 8 x 0.07, earnings 3 x 0.05.
    market_clock.advance(days=2, hours=3)
    await market.settle()
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    states = _states(hass)
    assert Decimal(states["sensor.miller_cost_this_month"][0]) == Decimal("0.56")
    assert Decimal(states["sensor.miller_earnings_this_month"][0]) == Decimal("0.15")
    assert states["sensor.miller_cost_this_month"][1]["last_reset"] == ("2026-11-01T00:00:00+01:00")
    assert states == snapshot(name="after_settlement")


async def test_entity_registry_entries(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Translation keys, device classes and the diagnostic category are registered."""
    registry = er.async_get(hass)
    connection = registry.async_get("binary_sensor.miller_server_connection")
    assert connection is not None
    assert connection.entity_category is not None
    assert connection.translation_key == "server_connection"
    price = registry.async_get("sensor.miller_next_day_clearing_price")
    assert price is not None
    assert price.original_device_class is None
    assert price.unique_id == f"{setup_integration.unique_id}_next_day_price"
