"""The demo house's battery keeps the minimum state of charge its control is set to.

The community storage integration sets that control to the reserve target of what the house
sold (docs/delivery.md); the simulated battery must then hold the reserve as the neighbours'
dispatch does: no discharge below it, a missing reserve topped up from the grid before the
evening window, and grid meters that balance the house's energy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from devconfig.homeassistant.custom_components.demo_house.model import DemoHouse
from neighbourhood.battery import EFFICIENCY
from neighbourhood.profiles import DEMO_FLAT, DEMO_HOUSE, TIMEZONE

# A dark December day: the battery carries the house on its own.
MIDNIGHT = datetime(2026, 12, 3, tzinfo=TIMEZONE)


def _run(house: DemoHouse, start: datetime, hours: int, step_min: int = 5) -> list[float]:
    """Advance ``hours`` in ``step_min`` steps; the state of charge after each step."""
    socs = []
    for step in range(1, hours * 60 // step_min + 1):
        socs.append(house.advance(start + timedelta(minutes=step * step_min)).soc_pct)
    return socs


def test_without_a_reserve_the_battery_serves_the_house_down_to_its_own_floor() -> None:
    house = DemoHouse("house", DEMO_HOUSE, 80.0, MIDNIGHT)
    socs = _run(house, MIDNIGHT, 24)
    assert min(socs) == 10.0


def test_the_battery_never_discharges_below_its_minimum_state_of_charge() -> None:
    house = DemoHouse("house", DEMO_HOUSE, 80.0, MIDNIGHT)
    house.min_soc_pct = 60.0
    before = house.reading.grid_import_kwh_total
    socs = _run(house, MIDNIGHT, 17)
    assert min(socs) >= 60.0
    # What the battery would have given came from the grid instead.
    assert house.reading.grid_import_kwh_total - before > 2.0
    # The control back at the battery's own floor (the window opened): it serves the house.
    house.min_soc_pct = 10.0
    evening = _run(house, MIDNIGHT + timedelta(hours=17), 5)
    assert evening[-1] < 60.0


def test_a_missing_reserve_is_topped_up_from_the_grid_before_the_evening_window() -> None:
    start = MIDNIGHT + timedelta(hours=9)
    house = DemoHouse("house", DEMO_HOUSE, 15.0, start)
    house.min_soc_pct = 70.0
    socs = _run(house, start, 8)
    # By 17:00 the reserve is held (within one step's rounding).
    assert socs[-1] >= 69.5
    # Not before the top-up hours (from 10:00): the first hour only charges from PV, if any.
    assert socs[11] < 40.0


def test_a_forced_discharge_exports_what_the_house_does_not_use() -> None:
    """17:00-22:00 of a dark December day from 63 %: with 1052 W forced (5.26 kWh over 5 h) the
    battery serves the house first and exports the rest; without it nothing is exported."""
    start = MIDNIGHT + timedelta(hours=17)
    idle = DemoHouse("house", DEMO_HOUSE, 63.0, start)
    forced = DemoHouse("house", DEMO_HOUSE, 63.0, start)
    forced.discharge_w = 1052.0
    _run(idle, start, 5)
    _run(forced, start, 5)
    assert idle.reading.grid_export_kwh_total == 0.0
    assert idle.reading.soc_pct > 20.0
    reading = forced.reading
    # Down to the battery's own floor, never below it.
    assert reading.soc_pct == 10.0
    discharged = (63.0 - 10.0) / 100 * DEMO_HOUSE.battery_kwh
    # No PV in the dark: what left the battery and came from the grid went to the house or out.
    assert reading.grid_export_kwh_total == pytest.approx(
        discharged + reading.grid_import_kwh_total - reading.load_kwh_total, abs=0.01
    )
    assert reading.grid_export_kwh_total > 1.0


def test_grid_meters_balance_the_house() -> None:
    house = DemoHouse("house", DEMO_HOUSE, 50.0, MIDNIGHT)
    house.min_soc_pct = 40.0
    energy_before = house.reading.soc_pct / 100 * DEMO_HOUSE.battery_kwh
    steps = 48 * 12
    battery_in = 0.0
    for step in range(1, steps + 1):
        reading = house.advance(MIDNIGHT + timedelta(minutes=5 * step))
        battery_in += reading.battery_w / 1000 / 12
    reading = house.reading
    net_import = reading.grid_import_kwh_total - reading.grid_export_kwh_total
    # The grid brings what the house used beyond its PV, plus what went into the battery.
    assert abs(net_import - (reading.load_kwh_total - reading.pv_kwh_total + battery_in)) < 0.05
    # And the battery holds what went in, less charging losses, less what came out.
    energy_after = reading.soc_pct / 100 * DEMO_HOUSE.battery_kwh
    assert energy_after - energy_before <= battery_in + 0.05
    assert EFFICIENCY < 1.0


def test_a_flat_has_meters_and_no_battery() -> None:
    flat = DemoHouse("flat", DEMO_FLAT, 0.0, MIDNIGHT)
    _run(flat, MIDNIGHT, 24, step_min=15)
    reading = flat.reading
    assert reading.battery_w == 0.0
    assert (
        abs(
            reading.grid_import_kwh_total
            - reading.grid_export_kwh_total
            - (reading.load_kwh_total - reading.pv_kwh_total)
        )
        < 0.01
    )


async def test_the_control_in_home_assistant_moves_the_battery(
    recorder_mock: object,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``number.house_battery_minimum_state_of_charge`` is what the integration sets."""
    # The development stack's Home Assistant finds demo_house in its config directory; here
    # the same directory joins the ``custom_components`` namespace package.
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "devconfig" / "homeassistant"))
    assert await async_setup_component(
        hass, "demo_house", {"demo_house": {"households": ["house", "flat"], "history_days": 0}}
    )
    await hass.async_block_till_done()
    houses: dict[str, DemoHouse] = hass.data["demo_house"]
    state = hass.states.get("number.house_battery_minimum_state_of_charge")
    assert state is not None and float(state.state) == 10.0
    assert hass.states.get("number.flat_battery_minimum_state_of_charge") is None
    for meter in ("grid_import_energy", "grid_export_energy"):
        assert hass.states.get(f"sensor.flat_{meter}") is not None
        assert hass.states.get(f"sensor.house_{meter}") is not None

    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.house_battery_minimum_state_of_charge", "value": 63},
        blocking=True,
    )
    assert houses["house"].min_soc_pct == 63.0
    state = hass.states.get("number.house_battery_minimum_state_of_charge")
    assert state is not None and float(state.state) == 63.0

    # The forced discharge power (W, up to the battery's power) is the discharge control.
    discharge = "number.house_battery_discharge_power"
    state = hass.states.get(discharge)
    assert state is not None and float(state.state) == 0.0
    assert state.attributes["unit_of_measurement"] == "W"
    assert state.attributes["max"] == DEMO_HOUSE.battery_power_kw * 1000
    assert hass.states.get("number.flat_battery_discharge_power") is None
    await hass.services.async_call(
        "number", "set_value", {"entity_id": discharge, "value": 1052}, blocking=True
    )
    assert houses["house"].discharge_w == 1052.0
