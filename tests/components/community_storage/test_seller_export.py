"""The seller releases its reserve by exporting it, and delivery is measured on its export meter.

Energy sharing is computed on metered intervals (EU 2024/1711 Art. 15a, § 42c EnWG): a seller's
delivery is what its grid export meter counts from the dispatch window's start (17:00) to the end
of the day, at most what it sold, not what its battery held at 17:00 (docs/delivery.md). Real
Home Assistant and the real market server; the clocks move with ``Clocks`` from test_delivery.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_BATTERY_CONTROL_OPTION,
    CONF_BATTERY_SOC_ENTITY,
    CONF_DISCHARGE_CONTROL_ENTITY,
    CONF_DISCHARGE_CONTROL_OPTION,
    CONF_GRID_EXPORT_ENTITY,
    CONF_TOKEN,
    DOMAIN,
    EVENT_COMMITMENT_ENDED,
    EVENT_COMMITMENT_STARTED,
)
from custom_components.community_storage.delivery.virtual_battery_store import SAVE_DELAY
from custom_components.community_storage.diagnostics import async_get_config_entry_diagnostics
from tests.market_harness import RunningMarket

from .delivery_day import CONTROL, DAY, EXPORT, METER, Clocks, local, set_up, unload
from .test_delivery import _collect

DISCHARGE = "number.battery_discharge_power"
MODE = "input_select.battery_mode"
NEXT_DAY = DAY + timedelta(days=1)
# 5 kWh sold at the community's efficiency 0.95: R = 5.26 kWh, released over 17:00-22:00.
RELEASE_W = 5.26 / 5 * 1000


def _template_number(name: str, helper: str, unit: str, high: float) -> dict[str, Any]:
    """A template number backed by ``input_number.<helper>``, as an inverter's control."""
    return {
        "name": name,
        "state": f"{{{{ states('input_number.{helper}') | float }}}}",
        "min": 0,
        "max": high,
        "step": 1,
        "unit_of_measurement": unit,
        "set_value": [
            {
                "action": "input_number.set_value",
                "target": {"entity_id": f"input_number.{helper}"},
                "data": {"value": "{{ value }}"},
            }
        ],
    }


async def _controls(hass: HomeAssistant, *, minimum_soc: bool = False) -> None:
    """The battery's forced discharge power (W) and, if asked, its minimum SoC (%): each
    component is set up once, so both numbers come in one go."""
    helpers = {"discharge_power": {"min": 0, "max": 5000, "step": 1, "initial": 0}}
    numbers = [_template_number("Battery discharge power", "discharge_power", "W", 5000)]
    if minimum_soc:
        helpers["min_soc"] = {"min": 0, "max": 100, "step": 1, "initial": 10}
        numbers.append(_template_number("Battery minimum SoC", "min_soc", "%", 100))
    assert await async_setup_component(hass, "input_number", {"input_number": helpers})
    assert await async_setup_component(hass, "template", {"template": [{"number": numbers}]})
    await hass.async_block_till_done()
    assert hass.states.get(DISCHARGE).attributes["unit_of_measurement"] == "W"
    assert (hass.states.get(CONTROL) is not None) is minimum_soc


async def _seller(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    options: dict[str, Any],
    sold_kwh: float = 5.0,
) -> None:
    """The entry sells ``sold_kwh`` for DAY with its export meter mapped and ``options``."""
    hass.states.async_set(EXPORT, "500.0", METER)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_GRID_EXPORT_ENTITY: EXPORT}, options=options
    )
    await market.place(neighbour[1], "buy", DAY, 1, sold_kwh, 0.10)
    await market.place(entry.data[CONF_TOKEN], "sell", DAY, 1, sold_kwh, 0.05)


def _export(hass: HomeAssistant, total_kwh: float) -> None:
    hass.states.async_set(EXPORT, str(total_kwh), METER)


async def _meter_at(hass: HomeAssistant, clocks: Clocks, when: datetime, total_kwh: float) -> None:
    await clocks.move_to(when)
    _export(hass, total_kwh)
    await hass.async_block_till_done()


async def _reports(market: RunningMarket, entry: MockConfigEntry) -> list[tuple[Any, ...]]:
    body = await market.get("/api/v1/deliveries", entry.data[CONF_TOKEN])
    return [(d["day"], d["side"], d["kwh"], d["status"]) for d in body["deliveries"]]


async def test_the_reserve_is_exported_in_the_window_and_delivery_is_the_metered_export(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """17:00: the minimum SoC is restored and the discharge power set to R / 5 h; 22:00: the
    power is restored; the report is the export metered from 17:00 to 24:00, at most X."""
    await _controls(hass, minimum_soc=True)
    await _seller(
        hass,
        joined_entry,
        market,
        neighbour,
        {CONF_BATTERY_CONTROL_ENTITY: CONTROL, CONF_DISCHARGE_CONTROL_ENTITY: DISCHARGE},
    )
    started = _collect(hass, EVENT_COMMITMENT_STARTED)
    ended = _collect(hass, EVENT_COMMITMENT_ENDED)
    await set_up(hass, joined_entry)

    await clocks.move_to(local(DAY, 0))
    assert float(hass.states.get(CONTROL).state) == 63.0
    assert float(hass.states.get(DISCHARGE).state) == 0.0
    assert started[0]["discharge_kw"] == pytest.approx(1.052)
    assert started[0]["kwh"] == 5.26

    # Afternoon export (PV surplus) is not the evening's delivery.
    await _meter_at(hass, clocks, local(DAY, 16, 30), 501.0)
    await clocks.move_to(local(DAY, 17))
    assert float(hass.states.get(CONTROL).state) == 10.0
    assert float(hass.states.get(DISCHARGE).state) == pytest.approx(RELEASE_W)

    await _meter_at(hass, clocks, local(DAY, 18), 502.5)
    await _meter_at(hass, clocks, local(DAY, 20), 504.0)
    assert joined_entry.runtime_data.reserve.export.exported_kwh(DAY) == pytest.approx(3.0)
    await clocks.move_to(local(DAY, 22))
    assert float(hass.states.get(DISCHARGE).state) == 0.0
    # Export after the window still counts until the end of the day (PV, the house idle).
    await _meter_at(hass, clocks, local(DAY, 23), 507.0)

    await clocks.move_to(local(NEXT_DAY, 0))
    assert ended[0]["delivered_kwh"] == 5.0  # 6.0 kWh exported, 5 sold
    assert ended[0]["discharge_kw"] == pytest.approx(1.052)
    # The next day's export belongs to no commitment.
    await _meter_at(hass, clocks, local(NEXT_DAY, 0, 2), 508.0)

    await clocks.move_to(local(NEXT_DAY, 0, 5))
    assert await _reports(market, joined_entry) == [("2026-11-26", "sell", 5.0, "recorded")]
    diagnostics = await async_get_config_entry_diagnostics(hass, joined_entry)
    assert diagnostics["delivery"]["seller_measure"] == "grid_export"
    assert diagnostics["delivery"]["measured_by"] == {"2026-11-26": "grid_export"}
    assert diagnostics["delivery"]["window_export_kwh"] == {"2026-11-26": 6.0}
    assert float(hass.states.get(DISCHARGE).state) == 0.0
    await unload(hass, joined_entry)


async def test_a_battery_that_holds_the_reserve_but_exports_nothing_delivers_nothing(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Full at 17:00 (the SoC measure would say 5 kWh), then it serves its own house: the
    export meter does not move in the window and the report is 0, not X."""
    await _seller(hass, joined_entry, market, neighbour, {})
    await set_up(hass, joined_entry)
    soc_entity = joined_entry.data[CONF_BATTERY_SOC_ENTITY]
    await clocks.move_to(local(DAY, 0))
    await _meter_at(hass, clocks, local(DAY, 14), 503.0)
    # 10 % floor + 5.26 kWh of 10 kWh: the battery holds the whole reserve at 17:00.
    hass.states.async_set(soc_entity, "70", hass.states.get(soc_entity).attributes)
    await clocks.move_to(local(DAY, 17))
    hass.states.async_set(soc_entity, "20", hass.states.get(soc_entity).attributes)
    await clocks.move_to(local(NEXT_DAY, 0, 5))

    assert joined_entry.runtime_data.reserve.delivered_kwh(DAY) == 0.0
    assert await _reports(market, joined_entry) == [("2026-11-26", "sell", 0.0, "recorded")]
    diagnostics = await async_get_config_entry_diagnostics(hass, joined_entry)
    assert diagnostics["delivery"]["measured_by"] == {"2026-11-26": "grid_export"}
    assert diagnostics["delivery"]["window_export_kwh"] == {"2026-11-26": 0.0}
    await unload(hass, joined_entry)


async def test_a_mode_select_holds_then_forces_discharge_then_gets_its_mode_back(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """One mode select for both: Backup from midnight, Force discharge 17:00-22:00, then the
    household's own mode; the report is the window's export."""
    assert await async_setup_component(
        hass,
        "input_select",
        {
            "input_select": {
                "battery_mode": {
                    "options": ["Auto", "Backup", "Force discharge"],
                    "initial": "Auto",
                }
            }
        },
    )
    await _seller(
        hass,
        joined_entry,
        market,
        neighbour,
        {
            CONF_BATTERY_CONTROL_ENTITY: MODE,
            CONF_BATTERY_CONTROL_OPTION: "Backup",
            CONF_DISCHARGE_CONTROL_ENTITY: MODE,
            CONF_DISCHARGE_CONTROL_OPTION: "Force discharge",
        },
        sold_kwh=3.0,
    )
    started = _collect(hass, EVENT_COMMITMENT_STARTED)
    await set_up(hass, joined_entry)
    await clocks.move_to(local(DAY, 0))
    assert hass.states.get(MODE).state == "Backup"
    # A mode has no power: the events carry none.
    assert "discharge_kw" not in started[0]
    await clocks.move_to(local(DAY, 17))
    assert hass.states.get(MODE).state == "Force discharge"
    await _meter_at(hass, clocks, local(DAY, 19), 502.25)
    await clocks.move_to(local(DAY, 22))
    assert hass.states.get(MODE).state == "Auto"
    await clocks.move_to(local(NEXT_DAY, 0, 5))
    assert hass.states.get(MODE).state == "Auto"
    assert await _reports(market, joined_entry) == [("2026-11-26", "sell", 2.25, "recorded")]
    await unload(hass, joined_entry)


async def test_a_restart_in_the_window_keeps_the_measured_export_and_the_remembered_power(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Home Assistant goes away at 19:00 and comes back: the export before it is kept, the
    discharge power is still restored at 22:00, the report adds both parts of the evening."""
    await _controls(hass)
    await _seller(hass, joined_entry, market, neighbour, {CONF_DISCHARGE_CONTROL_ENTITY: DISCHARGE})
    await set_up(hass, joined_entry)
    await clocks.move_to(local(DAY, 0))
    await clocks.move_to(local(DAY, 17))
    assert float(hass.states.get(DISCHARGE).state) == pytest.approx(RELEASE_W)
    await _meter_at(hass, clocks, local(DAY, 18), 502.0)
    # Written soon after the change, not only at unload.
    await clocks.move_to(local(DAY, 18, 0, 30 + SAVE_DELAY + 1))
    stored = hass_storage[f"{DOMAIN}.seller_export.{joined_entry.entry_id}"]["data"]
    assert stored["exported"] == {"2026-11-26": pytest.approx(2.0)}

    await unload(hass, joined_entry)
    await clocks.move_to(local(DAY, 19))
    await set_up(hass, joined_entry)
    assert joined_entry.runtime_data.reserve.export.exported_kwh(DAY) == pytest.approx(2.0)
    # The window was released before the restart: the power is not set a second time.
    assert float(hass.states.get(DISCHARGE).state) == pytest.approx(RELEASE_W)
    await _meter_at(hass, clocks, local(DAY, 21), 503.4)
    await clocks.move_to(local(DAY, 22))
    assert float(hass.states.get(DISCHARGE).state) == 0.0

    await clocks.move_to(local(NEXT_DAY, 0, 5))
    assert await _reports(market, joined_entry) == [("2026-11-26", "sell", 3.4, "recorded")]
    await unload(hass, joined_entry)


async def test_options_take_a_discharge_control(
    hass: HomeAssistant, joined_entry: MockConfigEntry, market: RunningMarket
) -> None:
    """A discharge number must exist and be a power (W or kW); a select needs one of its
    options; the controls are refused when Home Assistant does not know them."""
    hass.states.async_set(DISCHARGE, "0", {"min": 0, "max": 5000, "unit_of_measurement": "W"})
    hass.states.async_set("number.battery_discharge_limit", "90", {"unit_of_measurement": "%"})
    hass.states.async_set(
        "select.battery_mode", "Auto", {"options": ["Auto", "Backup", "Force discharge"]}
    )
    await set_up(hass, joined_entry)
    defaults = {
        "max_buy_price": 0.15,
        "min_sell_price": 0.06,
        "high_price_threshold": 0.11,
        "autonomy": "act",
        "install_sentences": False,
    }

    async def submit(flow_id: str, answers: dict[str, Any]) -> dict[str, Any]:
        return dict(
            await hass.config_entries.options.async_configure(flow_id, {**defaults, **answers})
        )

    result = await hass.config_entries.options.async_init(joined_entry.entry_id)
    flow_id = result["flow_id"]
    result = await submit(
        flow_id,
        {
            CONF_BATTERY_CONTROL_ENTITY: "number.no_such_control",
            CONF_DISCHARGE_CONTROL_ENTITY: "number.no_such_power",
        },
    )
    assert result["errors"] == {
        CONF_BATTERY_CONTROL_ENTITY: "entity_not_found",
        CONF_DISCHARGE_CONTROL_ENTITY: "entity_not_found",
    }
    result = await submit(
        flow_id, {CONF_DISCHARGE_CONTROL_ENTITY: "number.battery_discharge_limit"}
    )
    assert result["errors"] == {CONF_DISCHARGE_CONTROL_ENTITY: "discharge_unit"}
    result = await submit(flow_id, {CONF_DISCHARGE_CONTROL_ENTITY: "select.battery_mode"})
    assert result["errors"] == {CONF_DISCHARGE_CONTROL_OPTION: "discharge_option_required"}
    result = await submit(
        flow_id,
        {
            CONF_DISCHARGE_CONTROL_ENTITY: "select.battery_mode",
            CONF_DISCHARGE_CONTROL_OPTION: "Export",
        },
    )
    assert result["errors"] == {CONF_DISCHARGE_CONTROL_OPTION: "unknown_discharge_option"}
    result = await submit(
        flow_id,
        {CONF_DISCHARGE_CONTROL_ENTITY: DISCHARGE, CONF_DISCHARGE_CONTROL_OPTION: "left over"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert joined_entry.options[CONF_DISCHARGE_CONTROL_ENTITY] == DISCHARGE
    # A number needs no option: none is kept.
    assert CONF_DISCHARGE_CONTROL_OPTION not in joined_entry.options
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(joined_entry.entry_id)
    result = await submit(
        result["flow_id"],
        {
            CONF_DISCHARGE_CONTROL_ENTITY: "select.battery_mode",
            CONF_DISCHARGE_CONTROL_OPTION: " Force discharge ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert joined_entry.options[CONF_DISCHARGE_CONTROL_ENTITY] == "select.battery_mode"
    assert joined_entry.options[CONF_DISCHARGE_CONTROL_OPTION] == "Force discharge"
    await hass.async_block_till_done()
    await unload(hass, joined_entry)


async def test_a_window_opened_while_home_assistant_was_down_is_caught_up_only_while_open(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Back at 18:00: the power is set then, and restored at 22:00. Back only at 23:00 (the
    window is over): the power is not set at all."""
    await _controls(hass)
    await _seller(hass, joined_entry, market, neighbour, {CONF_DISCHARGE_CONTROL_ENTITY: DISCHARGE})
    # The next day's commitment too (its gate closes at 18:00 of DAY).
    await market.place(neighbour[1], "buy", NEXT_DAY, 1, 5.0, 0.10)
    await market.place(joined_entry.data[CONF_TOKEN], "sell", NEXT_DAY, 1, 5.0, 0.05)
    await set_up(hass, joined_entry)
    await clocks.move_to(local(DAY, 0))
    await unload(hass, joined_entry)
    await clocks.move_to(local(DAY, 18))
    await set_up(hass, joined_entry)
    assert float(hass.states.get(DISCHARGE).state) == pytest.approx(RELEASE_W)
    await clocks.move_to(local(DAY, 22))
    assert float(hass.states.get(DISCHARGE).state) == 0.0
    await unload(hass, joined_entry)

    # The next day's window is missed from before it opened to after it closed: the power is
    # not set and put back in one go, it is not touched.
    await clocks.move_to(local(NEXT_DAY, 23))
    powers = _collect(hass, "call_service")
    await set_up(hass, joined_entry)
    assert joined_entry.runtime_data.reserve.current().day == NEXT_DAY
    assert [call for call in powers if call["domain"] in ("number", "input_number")] == []
    assert float(hass.states.get(DISCHARGE).state) == 0.0
    await unload(hass, joined_entry)
