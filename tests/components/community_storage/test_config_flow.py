"""Config, reauth, reconfigure and options flows against a real market server."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    AUTONOMY_ACT,
    AUTONOMY_PROPOSE,
    CONF_AUTONOMY,
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_SOC_ENTITY,
    CONF_FEED_IN_PRICE,
    CONF_HIGH_PRICE_THRESHOLD,
    CONF_HOUSEHOLD_ID,
    CONF_HOUSEHOLD_NAME,
    CONF_INSTALL_SENTENCES,
    CONF_JOIN_CODE,
    CONF_LOAD_ENTITY,
    CONF_MAX_BUY_PRICE,
    CONF_MIN_SELL_PRICE,
    CONF_NOTIFY_ACTION,
    CONF_PRICE_ENTITY,
    CONF_PV_ENTITY,
    CONF_TARIFF_PRICE,
    CONF_TARIFF_SCHEDULE,
    CONF_TARIFF_SOURCE,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_MAX_BUY_PRICE,
    DOMAIN,
)
from tests.market_harness import MutableClock, RunningMarket

from .conftest import LoopbackProxy


def _suggested(result: Any, key: str) -> Any:
    """The value a form shows pre-filled for ``key``."""
    for marker in result["data_schema"].schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(key)


async def _token_works(market: RunningMarket, token: str) -> bool:
    status, _ = await market.request("GET", "/api/v1/me", token=token)
    return status == 200


async def test_user_flow_joins_and_maps_sensors(
    hass: HomeAssistant, market: RunningMarket, demo_sensors: dict[str, str]
) -> None:
    """URL + join code -> sensors -> one entry per household, with a working token."""
    code = await market.add_household("Miller", 10.0)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f" {market.url}/ ", CONF_JOIN_CODE: code}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sensors"
    assert result["description_placeholders"] == {"household": "Miller"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_BATTERY_SOC_ENTITY: demo_sensors[CONF_BATTERY_SOC_ENTITY],
            CONF_BATTERY_CAPACITY_KWH: 10.0,
            CONF_PV_ENTITY: demo_sensors[CONF_PV_ENTITY],
            CONF_LOAD_ENTITY: demo_sensors[CONF_LOAD_ENTITY],
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Miller (Sonnenweg)"
    entry = result["result"]
    assert entry.unique_id == entry.data[CONF_HOUSEHOLD_ID]
    assert entry.unique_id.startswith("hh_")
    assert entry.data[CONF_URL] == market.url
    assert entry.data[CONF_HOUSEHOLD_NAME] == "Miller"
    assert entry.data[CONF_BATTERY_CAPACITY_KWH] == 10.0
    assert entry.data[CONF_PV_ENTITY] == "sensor.pv_power"
    assert "battery_power_entity" not in entry.data
    assert await _token_works(market, entry.data[CONF_TOKEN])
    # The join code is spent, not stored.
    assert CONF_JOIN_CODE not in entry.data
    status, body = await market.request("POST", "/api/v1/join", json={"code": code})
    assert (status, body["error"]) == (409, "join_code_used")


async def test_household_without_battery(hass: HomeAssistant, market: RunningMarket) -> None:
    """Every sensor is optional: a household without a battery can still join."""
    code = await market.add_household("Flat 3", 0.1)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert set(result["data"]) == {CONF_URL, CONF_TOKEN, CONF_HOUSEHOLD_ID, CONF_HOUSEHOLD_NAME}


async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    market: RunningMarket,
    outage: LoopbackProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unreachable server, unknown code, used code, wrong version and a rejected body each
    give a form error; the same flow then succeeds."""
    code = await market.add_household("Miller", 10.0)
    used = await market.add_household("Used", 10.0)
    await market.request("POST", "/api/v1/join", json={"code": used})
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow_id = result["flow_id"]

    await outage.stop()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: outage.url, CONF_JOIN_CODE: code}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    # The form keeps what the user typed.
    assert _suggested(result, CONF_URL) == outage.url

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: "NOPE-NOPE"}
    )
    assert result["errors"] == {CONF_JOIN_CODE: "invalid_code"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: used}
    )
    assert result["errors"] == {CONF_JOIN_CODE: "code_used"}

    # The server refuses to read a 101-character code: for the user, an invalid code.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: "X" * 101}
    )
    assert result["errors"] == {CONF_JOIN_CODE: "invalid_code"}

    monkeypatch.setattr("market_server.http.member_api.API_VERSION", 2)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    assert result["errors"] == {"base": "unsupported_version"}
    monkeypatch.setattr("market_server.http.member_api.API_VERSION", 1)

    # None of the failures spent the code.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    assert result["step_id"] == "sensors"
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await outage.start()


async def test_sensors_step_needs_capacity_with_soc(
    hass: HomeAssistant, market: RunningMarket, demo_sensors: dict[str, str]
) -> None:
    """A state of charge without a capacity is refused until a capacity is given."""
    code = await market.add_household("Miller", 10.0)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    soc = {CONF_BATTERY_SOC_ENTITY: demo_sensors[CONF_BATTERY_SOC_ENTITY]}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], soc)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "capacity_required"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**soc, CONF_BATTERY_CAPACITY_KWH: 9.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_BATTERY_CAPACITY_KWH] == 9.5


async def test_joining_a_configured_household_again_updates_its_token(
    hass: HomeAssistant, joined_entry: MockConfigEntry, market: RunningMarket
) -> None:
    """A rejoin code for a household that is already set up aborts and keeps the new token."""
    old_token = joined_entry.data[CONF_TOKEN]
    code = await market.rejoin_code(joined_entry.unique_id)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert joined_entry.data[CONF_TOKEN] != old_token
    assert await _token_works(market, joined_entry.data[CONF_TOKEN])
    assert not await _token_works(market, old_token)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reauth_with_a_rejoin_code(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket
) -> None:
    """Reauth: a wrong household's code and an unknown code are refused, the rejoin code
    of this household gives it a new token and reloads the entry."""
    entry = setup_integration
    old_token = entry.data[CONF_TOKEN]
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["household_id"] == entry.unique_id
    assert result["description_placeholders"]["url"] == market.url

    other = await market.add_household("Schmidt", 10.0)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_JOIN_CODE: other}
    )
    assert result["errors"] == {"base": "wrong_household"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_JOIN_CODE: "NOT-A-CODE"}
    )
    assert result["errors"] == {CONF_JOIN_CODE: "invalid_code"}

    code = await market.rejoin_code(entry.unique_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_JOIN_CODE: code}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] != old_token
    assert await _token_works(market, entry.data[CONF_TOKEN])
    assert entry.runtime_data.client is not None
    assert entry.runtime_data.coordinator.last_update_success


async def test_reconfigure_url_and_sensors(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    outage: LoopbackProxy,
    demo_sensors: dict[str, str],
) -> None:
    """Reconfigure: errors for an unreachable URL, a missing capacity and a revoked token;
    a new URL (same server behind a relay) and fewer sensors are saved and reloaded."""
    entry = setup_integration
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # The form starts with the current settings.
    assert _suggested(result, CONF_URL) == market.url

    await outage.stop()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: outage.url}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    await outage.start()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_URL: outage.url, CONF_BATTERY_SOC_ENTITY: demo_sensors[CONF_BATTERY_SOC_ENTITY]},
    )
    assert result["errors"] == {"base": "capacity_required"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_URL: outage.url + "/", CONF_LOAD_ENTITY: demo_sensors[CONF_LOAD_ENTITY]},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_URL] == outage.url
    assert entry.data[CONF_LOAD_ENTITY] == demo_sensors[CONF_LOAD_ENTITY]
    assert CONF_BATTERY_SOC_ENTITY not in entry.data
    assert entry.runtime_data.client.url == outage.url
    assert entry.runtime_data.coordinator.last_update_success

    # A revoked token cannot be carried to a new URL: rejoin first.
    code = await market.rejoin_code(entry.unique_id)
    await market.request("POST", "/api/v1/join", json={"code": code})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url}
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_options_flow(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """Defaults are offered; an unknown notify action is refused; a real one is stored."""

    async def _notify(call: ServiceCall) -> None:
        """A notify action to choose."""

    hass.services.async_register("notify", "mobile_app_phone", _notify)
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert _suggested(result, CONF_MAX_BUY_PRICE) == DEFAULT_MAX_BUY_PRICE
    assert _suggested(result, CONF_AUTONOMY) == AUTONOMY_ACT

    chosen = {
        CONF_MAX_BUY_PRICE: 0.12,
        CONF_MIN_SELL_PRICE: 0.07,
        CONF_HIGH_PRICE_THRESHOLD: 0.1,
        CONF_AUTONOMY: AUTONOMY_PROPOSE,
        CONF_INSTALL_SENTENCES: False,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**chosen, CONF_NOTIFY_ACTION: "notify.nobody"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NOTIFY_ACTION: "unknown_notify_action"}
    # What was typed stays in the form.
    assert _suggested(result, CONF_AUTONOMY) == AUTONOMY_PROPOSE

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**chosen, CONF_NOTIFY_ACTION: "notify.mobile_app_phone"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The tariff nobody set: the 2026 average fixed price and feed-in.
    assert entry.options == {
        **chosen,
        CONF_NOTIFY_ACTION: "notify.mobile_app_phone",
        CONF_TARIFF_SOURCE: "fixed",
        CONF_TARIFF_PRICE: 0.37,
        CONF_FEED_IN_PRICE: 0.078,
    }

    # Clearing the notify action removes it.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**chosen, CONF_NOTIFY_ACTION: " "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_NOTIFY_ACTION not in entry.options


async def test_options_flow_sets_the_tariff(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A schedule is read or refused with what is wrong; a price entity must give prices."""
    entry = setup_integration
    base = {
        CONF_MAX_BUY_PRICE: 0.15,
        CONF_MIN_SELL_PRICE: 0.06,
        CONF_HIGH_PRICE_THRESHOLD: 0.11,
        CONF_AUTONOMY: AUTONOMY_ACT,
        CONF_INSTALL_SENTENCES: False,
        CONF_TARIFF_PRICE: 0.36,
        CONF_FEED_IN_PRICE: 0.08,
    }
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert _suggested(result, CONF_TARIFF_SOURCE) == "fixed"
    assert _suggested(result, CONF_TARIFF_PRICE) == 0.37
    assert _suggested(result, CONF_FEED_IN_PRICE) == 0.078
    schedule = {**base, CONF_TARIFF_SOURCE: "time_of_use"}
    for text, error, part in (
        ("", "schedule_required", ""),
        ("22-6 0.29", "schedule_format", "22-6 0.29"),
        ("22-6: 0.29, 17-25: 0.45", "schedule_hours", "17-25: 0.45"),
        ("17-21: 4", "schedule_price", "17-21: 4"),
        ("16-21: 0.45; 20-22: 0.5", "schedule_overlap", "Periods overlap at 20:00"),
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {**schedule, CONF_TARIFF_SCHEDULE: text}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_TARIFF_SCHEDULE: error}, text
        assert result["description_placeholders"] == {"schedule_part": part}
        # Nothing was stored.
        assert CONF_TARIFF_SOURCE not in entry.options
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**schedule, CONF_TARIFF_SCHEDULE: " 22-6: 0,29, 17-21: 0.45 "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_TARIFF_SOURCE] == "time_of_use"
    assert entry.options[CONF_TARIFF_SCHEDULE] == "22-6: 0,29, 17-21: 0.45"

    # A price entity: required, and it must say a price.
    hass.states.async_set("sensor.no_price", "unknown")
    hass.states.async_set("sensor.spot", "0.31", {"unit_of_measurement": "EUR/kWh"})
    entity = {**base, CONF_TARIFF_SOURCE: "price_entity"}
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], entity)
    assert result["errors"] == {CONF_PRICE_ENTITY: "price_entity_required"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entity, CONF_PRICE_ENTITY: "sensor.no_price"}
    )
    assert result["errors"] == {CONF_PRICE_ENTITY: "price_entity_unreadable"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**entity, CONF_PRICE_ENTITY: "sensor.spot", CONF_TARIFF_SCHEDULE: "ignored"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Only the chosen source's own setting is kept.
    assert entry.options[CONF_PRICE_ENTITY] == "sensor.spot"
    assert CONF_TARIFF_SCHEDULE not in entry.options


async def test_expired_code_and_throttled_guesses(
    hass: HomeAssistant, market: RunningMarket, market_clock: MutableClock
) -> None:
    """An expired code and a run of wrong guesses each get their own form error."""
    code = await market.add_household("Late", 10.0)
    market_clock.advance(hours=8 * 24)  # codes are valid for a week unless the operator says
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    assert result["errors"] == {CONF_JOIN_CODE: "code_expired"}

    errors = []
    for guess in range(12):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_URL: market.url, CONF_JOIN_CODE: f"GUESS-{guess:04d}"}
        )
        errors.append(result["errors"])
    assert errors[0] == {CONF_JOIN_CODE: "invalid_code"}
    assert errors[-1] == {"base": "too_many_attempts"}
