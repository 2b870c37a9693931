"""Delivery through a real Home Assistant and the real market server (docs/delivery.md).

Home Assistant's clock (``freezer``) and the market's (``market_clock``) move together through a
delivery day: the seller's reserve is set and released on the mapped battery control, the events
fire, the buyer's virtual battery fills from simulated grid meters, and after midnight the
integration's reports reach the server (``GET /api/v1/deliveries``).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_BATTERY_CONTROL_OPTION,
    CONF_BATTERY_SOC_ENTITY,
    CONF_GRID_EXPORT_ENTITY,
    CONF_GRID_IMPORT_ENTITY,
    CONF_URL,
    EVENT_COMMITMENT_ENDED,
    EVENT_COMMITMENT_STARTED,
)
from custom_components.community_storage.diagnostics import async_get_config_entry_diagnostics
from tests.market_harness import RunningMarket

from .conftest import LoopbackProxy
from .delivery_day import (
    CONTROL,
    DAY,
    EXPORT,
    IMPORT,
    METER,
    Clocks,
    battery_control,
    local,
    map_grid_meters,
    set_up,
    trade_the_day,
    unload,
)

BLUEPRINT = Path(__file__).parents[3] / "blueprints/automation/community_storage/hold_reserve.yaml"


def _collect(hass: HomeAssistant, event_type: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def record(event: Event) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(event_type, record)
    return seen


def _meter_callbacks(hass: HomeAssistant) -> dict[str, int]:
    """State change callbacks per grid meter (Home Assistant's keyed tracker's own table)."""
    tracked = hass.data.get("track_state_change_data")
    callbacks = tracked.callbacks if tracked is not None else {}
    return {
        entity_id: len(callbacks[entity_id])
        for entity_id in (IMPORT, EXPORT)
        if callbacks.get(entity_id)
    }


async def test_a_sale_holds_the_reserve_and_reports_what_the_battery_held(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Sell 5 kWh for the 26th: target 63 % set at midnight, restored at 17:00, reported."""
    await battery_control(hass)
    hass.config_entries.async_update_entry(
        joined_entry, options={CONF_BATTERY_CONTROL_ENTITY: CONTROL}
    )
    token = await trade_the_day(market, joined_entry, neighbour[1], "sell", 5.0)
    started = _collect(hass, EVENT_COMMITMENT_STARTED)
    ended = _collect(hass, EVENT_COMMITMENT_ENDED)
    await set_up(hass, joined_entry)

    # The day before: nothing committed yet, the evening window of the 26th is next.
    assert hass.states.get("sensor.miller_committed_storage").state == "0.0"
    assert hass.states.get("sensor.miller_reserve_target").state == "unknown"
    dispatch = hass.states.get("sensor.miller_next_dispatch")
    assert datetime.fromisoformat(dispatch.state) == local(DAY, 17, 0, 0)
    assert dispatch.attributes["end"] == local(DAY, 22, 0, 0).isoformat()

    # Midnight: the commitment starts, the battery control holds 10 % + 5 / 0.95 kWh = 63 %.
    await clocks.move_to(local(DAY, 0))
    assert float(hass.states.get("sensor.miller_committed_storage").state) == pytest.approx(5.26)
    assert hass.states.get("sensor.miller_reserve_target").state == "63"
    assert float(hass.states.get(CONTROL).state) == 63.0
    assert started == [
        {
            "household": "Miller",
            "household_id": joined_entry.unique_id,
            "day": "2026-11-26",
            "kwh": 5.26,
            "sold_kwh": 5.0,
            "target_soc": 63,
            "headroom_soc": 47,
            "dispatch_start": local(DAY, 17, 0, 0).isoformat(),
            "dispatch_end": local(DAY, 22, 0, 0).isoformat(),
        }
    ]

    # The battery charged to 60 % only; at 17:00 it is released and what it held is measured.
    soc_entity = joined_entry.data[CONF_BATTERY_SOC_ENTITY]
    hass.states.async_set(soc_entity, "60", hass.states.get(soc_entity).attributes)
    await clocks.move_to(local(DAY, 17))
    assert float(hass.states.get(CONTROL).state) == 10.0
    assert joined_entry.runtime_data.reserve.delivered_kwh(DAY) == pytest.approx(4.75)
    await clocks.move_to(local(DAY, 22))
    assert hass.states.get("sensor.miller_committed_storage").state == "0.0"
    assert hass.states.get("sensor.miller_next_dispatch").state == "unknown"
    assert ended == []

    await clocks.move_to(local(DAY + timedelta(days=1), 0))
    assert len(ended) == 1
    assert ended[0]["delivered_kwh"] == pytest.approx(4.75)
    assert float(hass.states.get(CONTROL).state) == 10.0

    # After local midnight + 5 minutes the report reaches the server.
    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    body = await market.get("/api/v1/deliveries", token)
    assert [(d["day"], d["side"], d["kwh"], d["status"]) for d in body["deliveries"]] == [
        ("2026-11-26", "sell", 4.75, "recorded")
    ]
    reports = list(joined_entry.runtime_data.reporter.last_reports)
    assert [(r["day"], r["side"], r["result"]) for r in reports] == [
        ("2026-11-26", "sell", "recorded")
    ]
    # Reported once: later refreshes do not post again.
    await joined_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert len(joined_entry.runtime_data.reporter.last_reports) == 1

    # The buyer reports too (it used none of it): every household of the day has reported, so
    # it settles now, by what was delivered. The seller earns for 4.75 of its 5 kWh; the buyer
    # gets the shortfall back.
    await market.report_delivery(neighbour[1], DAY, "buy", 0.0, client_report_id="nb-buy")
    await market.settle()
    month = DAY.strftime("%Y-%m")
    (sold,) = (await market.get(f"/api/v1/settlements?month={month}", token))["settlements"]
    (bought,) = (await market.get(f"/api/v1/settlements?month={month}", neighbour[1]))[
        "settlements"
    ]
    price = sold["price"]
    # Ledger amounts are shown to the cent.
    assert sold["delivered_kwh"] == pytest.approx(4.75)
    assert sold["amount_eur"] == pytest.approx(4.75 * price, abs=0.005)
    assert sold["amount_eur"] < 5.0 * price - 0.005
    assert bought["refund_eur"] == pytest.approx(0.25 * price, abs=0.005)
    assert bought["refund_eur"] > 0
    assert bought["amount_eur"] == pytest.approx(-sold["amount_eur"], abs=0.005)

    await unload(hass, joined_entry)


async def test_a_purchase_is_a_virtual_battery_metered_from_the_grid(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """Buy 4 kWh for the 26th: export credits 4, evening import draws 3, used 3 / 0.95."""
    map_grid_meters(hass, joined_entry)
    token = await trade_the_day(market, joined_entry, neighbour[1], "buy", 4.0, neighbour_kwh=6.0)
    await set_up(hass, joined_entry)
    # The export meter is followed twice: for this virtual battery and for what the household
    # delivers on days it sells (the seller's window export).
    assert _meter_callbacks(hass) == {IMPORT: 1, EXPORT: 2}

    # Today (the 25th) nothing was bought: the virtual battery is empty and stays so.
    await clocks.read_meter(EXPORT, 2001.0, local(DAY - timedelta(days=1), 12))
    assert hass.states.get("sensor.miller_virtual_battery").state == "0.0"

    await clocks.read_meter(IMPORT, 1001.0, local(DAY, 7))  # nothing stored yet: plain import
    assert hass.states.get("sensor.miller_saved_today").state == "0.0"
    await clocks.read_meter(EXPORT, 2004.0, local(DAY, 11))
    await clocks.read_meter(EXPORT, 2007.0, local(DAY, 13))  # 4 of 6 credited, 2 plain feed-in
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(3.8)
    await clocks.read_meter(IMPORT, 1004.0, local(DAY, 19))
    assert float(hass.states.get("sensor.miller_virtual_battery").state) == pytest.approx(0.8)
    assert float(hass.states.get("sensor.miller_saved_today").state) == pytest.approx(3.0)
    assert float(hass.states.get("sensor.miller_cost_avoided_today").state) == pytest.approx(1.11)

    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    body = await market.get("/api/v1/deliveries", token)
    assert len(body["deliveries"]) == 1
    report = body["deliveries"][0]
    assert (report["day"], report["side"], report["status"]) == ("2026-11-26", "buy", "recorded")
    assert report["kwh"] == pytest.approx(3.0 / 0.95, abs=0.001)
    assert float(report["traded_kwh"]) == 4.0
    # The new day bought nothing: the sensors start from zero.
    assert hass.states.get("sensor.miller_saved_today").state == "0.0"

    # The seller never reports: at the deadline the day settles as delivered in full, and the
    # buyer pays for all the capacity it bought, used or not.
    await market.settle()
    month = DAY.strftime("%Y-%m")
    assert (await market.get(f"/api/v1/settlements?month={month}", token))["settlements"] == []
    await clocks.move_to(local(DAY + timedelta(days=1), 12, 1))
    await market.settle()
    (paid,) = (await market.get(f"/api/v1/settlements?month={month}", token))["settlements"]
    assert paid["volume_kwh"] == 4.0
    assert paid["refund_eur"] == 0.0
    assert paid["amount_eur"] == pytest.approx(-4.0 * paid["price"], abs=0.005)

    await unload(hass, joined_entry)
    # Unloaded: nothing follows the meters any more.
    assert _meter_callbacks(hass) == {}


async def test_options_take_a_battery_control(
    hass: HomeAssistant, joined_entry: MockConfigEntry, market: RunningMarket
) -> None:
    """A select control needs one of its options; a number needs nothing more."""
    hass.states.async_set("select.battery_mode", "Auto", {"options": ["Auto", "Backup"]})
    await set_up(hass, joined_entry)
    result = await hass.config_entries.options.async_init(joined_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    defaults = {
        "max_buy_price": 0.15,
        "min_sell_price": 0.06,
        "high_price_threshold": 0.11,
        "autonomy": "act",
        "install_sentences": False,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**defaults, CONF_BATTERY_CONTROL_ENTITY: "select.battery_mode"}
    )
    assert result["errors"] == {CONF_BATTERY_CONTROL_OPTION: "control_option_required"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **defaults,
            CONF_BATTERY_CONTROL_ENTITY: "select.battery_mode",
            CONF_BATTERY_CONTROL_OPTION: "Eco",
        },
    )
    assert result["errors"] == {CONF_BATTERY_CONTROL_OPTION: "unknown_control_option"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **defaults,
            CONF_BATTERY_CONTROL_ENTITY: "select.battery_mode",
            CONF_BATTERY_CONTROL_OPTION: "Backup",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert joined_entry.options[CONF_BATTERY_CONTROL_ENTITY] == "select.battery_mode"
    assert joined_entry.options[CONF_BATTERY_CONTROL_OPTION] == "Backup"
    await unload(hass, joined_entry)


def _install_blueprint(target: Path) -> None:
    """Copy the shipped blueprint where Home Assistant's import would put it."""
    target.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target / BLUEPRINT.name)


async def test_blueprint_holds_at_the_start_and_releases_at_the_end(hass: HomeAssistant) -> None:
    """The shipped blueprint runs the household's own hold and release actions on the events."""
    target = Path(hass.config.path("blueprints/automation/community_storage"))
    await hass.async_add_executor_job(_install_blueprint, target)
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"hold_battery": {"initial": False}}}
    )

    def switch(on: bool) -> list[dict[str, Any]]:
        return [
            {
                "action": f"input_boolean.turn_{'on' if on else 'off'}",
                "target": {"entity_id": "input_boolean.hold_battery"},
            }
        ]

    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "community_storage/hold_reserve.yaml",
                    "input": {
                        "next_dispatch": "sensor.miller_next_dispatch",
                        "household": "Miller",
                        "hold_actions": switch(True),
                        "release_actions": switch(False),
                    },
                }
            }
        },
    )
    await hass.async_block_till_done()
    event = {"household": "Miller", "day": "2026-11-26", "kwh": 5.26, "target_soc": 63}

    hass.bus.async_fire(EVENT_COMMITMENT_STARTED, {**event, "household": "Schmidt"})
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.hold_battery").state == "off"
    hass.bus.async_fire(EVENT_COMMITMENT_STARTED, event)
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.hold_battery").state == "on"
    hass.bus.async_fire(EVENT_COMMITMENT_ENDED, {**event, "delivered_kwh": 5.0})
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.hold_battery").state == "off"


async def test_a_failed_report_is_retried_with_the_same_id(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    outage: LoopbackProxy,
    clocks: Clocks,
) -> None:
    """Server down after the day: the report fails, the next refresh posts it under the same
    client_report_id; posting the same figures again changes nothing; diagnostics show it."""
    hass.config_entries.async_update_entry(
        joined_entry, data={**joined_entry.data, CONF_URL: outage.url}
    )
    token = await trade_the_day(market, joined_entry, neighbour[1], "sell", 5.0)
    await set_up(hass, joined_entry)
    runtime = joined_entry.runtime_data
    await clocks.move_to(local(DAY, 0))
    await clocks.move_to(local(DAY, 17))  # the demo battery holds 55 %: 0.95 x 4.5 kWh
    assert runtime.reserve.delivered_kwh(DAY) == pytest.approx(4.275)
    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    assert [r["result"] for r in runtime.reporter.last_reports] == ["recorded"]
    runtime.reporter.last_reports.clear()
    body = await market.get("/api/v1/deliveries", token)
    assert [d["kwh"] for d in body["deliveries"]] == [4.275]

    # Pretend the answer was lost: the report is due again, and the server is down.
    runtime.reporter._done.clear()
    await outage.stop()
    await runtime.reporter.async_report_due()
    assert [r["result"] for r in runtime.reporter.last_reports] == ["failed"]
    await outage.start()
    await runtime.coordinator.async_refresh()
    await hass.async_block_till_done()
    results = [(r["result"], r["client_report_id"]) for r in runtime.reporter.last_reports]
    assert results == [
        ("failed", runtime.reporter.client_report_id(DAY, "sell")),
        ("unchanged", runtime.reporter.client_report_id(DAY, "sell")),
    ]
    body = await market.get("/api/v1/deliveries", token)
    assert len(body["deliveries"]) == 1

    diagnostics = await async_get_config_entry_diagnostics(hass, joined_entry)
    assert diagnostics["delivery"]["delivered_kwh"] == {"2026-11-26": 4.275}
    # No export meter mapped: what the battery held at 17:00 is the measure, and says so.
    assert diagnostics["delivery"]["seller_measure"] == "state_of_charge"
    assert diagnostics["delivery"]["measured_by"] == {"2026-11-26": "state_of_charge"}
    assert [r["result"] for r in diagnostics["delivery"]["last_reports"]] == [
        "failed",
        "unchanged",
    ]
    await unload(hass, joined_entry)


async def test_grid_meters_are_added_by_reconfigure(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket
) -> None:
    """An entry without meters has no buyer sensors; mapped in Reconfigure, they appear."""
    entry = setup_integration
    assert hass.states.get("sensor.miller_virtual_battery") is None
    hass.states.async_set(IMPORT, "1000.0", METER)
    hass.states.async_set(EXPORT, "2000.0", METER)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: market.url,
            CONF_GRID_IMPORT_ENTITY: IMPORT,
            CONF_GRID_EXPORT_ENTITY: EXPORT,
        },
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert (entry.data[CONF_GRID_IMPORT_ENTITY], entry.data[CONF_GRID_EXPORT_ENTITY]) == (
        IMPORT,
        EXPORT,
    )
    assert entry.runtime_data.meter.configured
    assert hass.states.get("sensor.miller_virtual_battery").state == "0.0"
    assert hass.states.get("sensor.miller_saved_today").state == "0.0"


async def test_a_mode_select_holds_with_its_option_and_gets_its_mode_back(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    """A select control: the holding option at midnight, the household's mode at 17:00, even
    with a restart in between."""
    assert await async_setup_component(
        hass,
        "input_select",
        {
            "input_select": {
                "battery_mode": {"options": ["Auto", "Eco", "Backup"], "initial": "Eco"}
            }
        },
    )
    hass.config_entries.async_update_entry(
        joined_entry,
        options={
            CONF_BATTERY_CONTROL_ENTITY: "input_select.battery_mode",
            CONF_BATTERY_CONTROL_OPTION: "Backup",
        },
    )
    await trade_the_day(market, joined_entry, neighbour[1], "sell", 2.0)
    await set_up(hass, joined_entry)
    assert hass.states.get("input_select.battery_mode").state == "Eco"
    await clocks.move_to(local(DAY, 0))
    assert hass.states.get("input_select.battery_mode").state == "Backup"
    # A restart during the hold: the household's mode is remembered in the Store.
    assert await hass.config_entries.async_reload(joined_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("input_select.battery_mode").state == "Backup"
    await clocks.move_to(local(DAY, 17))
    assert hass.states.get("input_select.battery_mode").state == "Eco"
    await unload(hass, joined_entry)
