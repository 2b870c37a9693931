"""Issue 21, item 5: delivery runs on Home Assistant's own state and clock, so a market server
that is down across the evening changes nothing: the seller's battery control is restored at
17:00, Next dispatch, Reserve target and Committed storage keep their values and stay available,
and the buyer's virtual battery keeps counting."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_TOKEN,
    CONF_URL,
)
from tests.market_harness import RunningMarket

from .conftest import LoopbackProxy
from .delivery_day import (
    CONTROL,
    DAY,
    EXPORT,
    IMPORT,
    Clocks,
    battery_control,
    local,
    map_grid_meters,
    set_up,
    trade_the_day,
    unload,
)

SELLER_SENSORS = (
    "sensor.miller_next_dispatch",
    "sensor.miller_reserve_target",
    "sensor.miller_committed_storage",
)
BUYER_SENSORS = ("sensor.miller_virtual_battery", "sensor.miller_saved_today")


def _states(hass: HomeAssistant, entity_ids: tuple[str, ...]) -> dict[str, str]:
    return {entity_id: hass.states.get(entity_id).state for entity_id in entity_ids}


async def test_the_seller_is_released_at_17_with_the_server_down(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    outage: LoopbackProxy,
    clocks: Clocks,
) -> None:
    await battery_control(hass)
    hass.config_entries.async_update_entry(
        joined_entry,
        data={**joined_entry.data, CONF_URL: outage.url},
        options={CONF_BATTERY_CONTROL_ENTITY: CONTROL},
    )
    await trade_the_day(market, joined_entry, neighbour[1], "sell", 5.0)
    await set_up(hass, joined_entry)
    await clocks.move_to(local(DAY, 0))
    assert float(hass.states.get(CONTROL).state) == 63.0
    held = _states(hass, SELLER_SENSORS)
    assert datetime.fromisoformat(held["sensor.miller_next_dispatch"]) == local(DAY, 17, 0, 0)
    assert held["sensor.miller_reserve_target"] == "63"

    # The server goes down in the morning and stays down past the evening.
    await outage.stop()
    await clocks.move_to(local(DAY, 10))
    assert not joined_entry.runtime_data.coordinator.last_update_success
    assert hass.states.get("sensor.miller_open_orders").state == "unavailable"
    assert _states(hass, SELLER_SENSORS) == held
    assert hass.states.get("binary_sensor.miller_server_connection").state == "off"

    await clocks.move_to(local(DAY, 17))
    assert float(hass.states.get(CONTROL).state) == 10.0
    assert joined_entry.runtime_data.reserve.delivered_kwh(DAY) == pytest.approx(4.275)
    # In the window the reserve is still committed and the dispatch is the one under way.
    during = _states(hass, SELLER_SENSORS)
    assert "unavailable" not in during.values()
    assert datetime.fromisoformat(during["sensor.miller_next_dispatch"]) == local(DAY, 17, 0, 0)
    await clocks.move_to(local(DAY, 22))
    assert hass.states.get("sensor.miller_committed_storage").state == "0.0"
    assert hass.states.get("sensor.miller_next_dispatch").state == "unknown"
    await outage.start()
    await unload(hass, joined_entry)


async def test_the_buyers_virtual_battery_counts_with_the_server_down(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    outage: LoopbackProxy,
    clocks: Clocks,
) -> None:
    map_grid_meters(hass, joined_entry, {CONF_URL: outage.url})
    await trade_the_day(market, joined_entry, neighbour[1], "buy", 4.0, neighbour_kwh=6.0)
    await set_up(hass, joined_entry)

    await clocks.read_meter(EXPORT, 2002.0, local(DAY, 11))
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(1.9)
    await outage.stop()
    await clocks.read_meter(EXPORT, 2004.0, local(DAY, 13))  # the rest of the 4 kWh bought, x 0.95
    assert not joined_entry.runtime_data.coordinator.last_update_success
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(3.8)
    await clocks.read_meter(IMPORT, 1002.0, local(DAY, 18))
    await clocks.read_meter(IMPORT, 1003.0, local(DAY, 20))
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(0.8)
    assert float(hass.states.get("sensor.miller_saved_today").state) == pytest.approx(3.0)
    assert hass.states.get("sensor.miller_open_orders").state == "unavailable"
    await outage.start()
    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    body = await market.get("/api/v1/deliveries", joined_entry.data[CONF_TOKEN])
    assert [(d["day"], d["side"]) for d in body["deliveries"]] == [("2026-11-26", "buy")]
    assert body["deliveries"][0]["kwh"] == pytest.approx(3.0 / 0.95, abs=0.001)
    await unload(hass, joined_entry)
