"""Services: trading through the agent, responses, and bad input that sends nothing."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import translation
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_BATTERY_CAPACITY_KWH,
    CONF_LOAD_ENTITY,
    CONF_PV_ENTITY,
    CONF_TOKEN,
    DOMAIN,
)

from .seed_history import async_seed_history


async def _requests(market: Any, entry: MockConfigEntry) -> list[dict[str, Any]]:
    return list((await market.get("/api/v1/requests", entry.data[CONF_TOKEN]))["requests"])


async def _seed(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await async_seed_history(
        hass,
        load_entity=entry.data[CONF_LOAD_ENTITY],
        pv_entity=entry.data[CONF_PV_ENTITY],
        today=entry.runtime_data.trading.today(),
    )


async def test_offer_capacity_returns_the_outcome(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    await _seed(hass, setup_integration)
    start = market.open_days()[1]
    await market.place(neighbour[1], "buy", start, 2, 5.0, 0.09)
    response = await hass.services.async_call(
        DOMAIN,
        "offer_capacity",
        {"start_date": start.isoformat(), "days": 2, "kwh_per_day": 5, "reason": "holiday"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    (server,) = await _requests(market, setup_integration)
    assert response["request_id"] == server["request_id"]
    assert [o["volume_kwh"] for o in server["orders"]] == [5.0, 5.0]
    assert response["kind"] == "filled" and response["filled_kwh"] == 10.0
    assert response["total_eur"] == round(
        sum(o["filled_kwh"] * o["avg_price"] for o in server["orders"]), 2
    )
    assert "You'll earn EUR" in response["speech"]


async def test_reserve_in_german_and_cancel_and_status(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    await _seed(hass, setup_integration)
    hass.config.language = "de"
    start = market.open_days()[1]
    response = await hass.services.async_call(
        DOMAIN,
        "reserve_capacity",
        {
            "config_entry_id": setup_integration.entry_id,
            "start_date": start.isoformat(),
            "days": 3,
            "kwh_per_day": 4,
            "price_limit": 0.1,
            "time_of_day": "evening",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None and response["kind"] == "no_counterparty"
    assert response["speech"].startswith("Gerade bietet niemand Speicher an.")
    (server,) = await _requests(market, setup_integration)
    assert [o["limit_price"] for o in server["orders"]] == [0.1] * 3

    status = await hass.services.async_call(
        DOMAIN, "get_status", {}, blocking=True, return_response=True
    )
    assert status is not None
    assert [r["request_id"] for r in status["requests"]] == [server["request_id"]]
    assert status["requests"][0]["requested_kwh"] == 12.0
    assert "Du hast 1 offenen Auftrag" in status["speech"]

    cancelled = await hass.services.async_call(
        DOMAIN, "cancel", {"all": True}, blocking=True, return_response=True
    )
    assert cancelled is not None and cancelled["cancelled_kwh"] == 12.0
    (server,) = await _requests(market, setup_integration)
    assert {o["status"] for o in server["orders"]} == {"cancelled"}


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("reserve_capacity", {"days": 20, "kwh_per_day": 3}, "invalid_num_days"),
        ("reserve_capacity", {"days": 2, "kwh_per_day": -3}, "invalid_kwh_per_day"),
        ("offer_capacity", {"days": 2, "price_limit": 5}, "invalid_price_limit"),
        ("offer_capacity", {"days": 2, "start_date": "2020-01-01"}, "start_day_closed"),
        ("cancel", {}, "cancel_target"),
        ("cancel", {"request_id": "rq_x", "all": True}, "cancel_target"),
        ("cancel", {"request_id": "rq_unknown"}, "request_not_found"),
        ("confirm_proposal", {"proposal_id": "nope"}, "proposal_not_found"),
        ("get_status", {"config_entry_id": "missing"}, "entry_not_found"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_sent(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=service == "get_status"
        )
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert str(err.value)  # the translated message exists
    assert await _requests(market, setup_integration) == []


async def test_offer_without_battery_is_refused(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    data = {k: v for k, v in setup_integration.data.items() if k != CONF_BATTERY_CAPACITY_KWH}
    hass.config_entries.async_update_entry(setup_integration, data=data)
    await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "offer_capacity", {"days": 2}, blocking=True)
    assert err.value.translation_key == "no_battery"
    assert "needs a battery" in str(err.value)
    assert await _requests(market, setup_integration) == []


async def test_market_refusal_is_a_home_assistant_error(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    # The operator disables the household: the server refuses, the service says so.
    await _seed(hass, setup_integration)
    status, _ = await market.request(
        "POST",
        f"/api/v1/operator/households/{setup_integration.unique_id}/disable",
        token=market.operator_token,
    )
    assert status == 200
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "reserve_capacity",
            {"days": 1, "kwh_per_day": 2, "start_date": market.open_days()[1].isoformat()},
            blocking=True,
        )
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "market_rejected"
    assert str(err.value).startswith("The market refused the request: ")
    assert "disabled" in str(err.value)


async def test_status_while_the_market_is_down_is_a_home_assistant_error(
    hass: HomeAssistant, proxied_entry: MockConfigEntry, outage: Any
) -> None:
    """No fresh market data: the status service fails as the market's fault, not the caller's."""
    await outage.stop()
    await proxied_entry.runtime_data.coordinator.async_refresh()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "get_status", {}, blocking=True, return_response=True
        )
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "market_unavailable"
    await outage.start()
    await proxied_entry.runtime_data.coordinator.async_refresh()
    status = await hass.services.async_call(
        DOMAIN, "get_status", {}, blocking=True, return_response=True
    )
    assert status is not None and status["requests"] == []


async def test_entry_is_required_when_two_households_exist(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    MockConfigEntry(domain=DOMAIN, title="Other", unique_id="hh_other").add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "get_status", {}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "entry_required"


async def test_service_descriptions_load_with_translations(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    from homeassistant.helpers.service import async_get_all_descriptions

    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    assert set(descriptions) == {
        "reserve_capacity",
        "offer_capacity",
        "confirm_proposal",
        "cancel",
        "get_status",
    }
    fields = descriptions["offer_capacity"]["fields"]
    assert set(fields) == {
        "config_entry_id",
        "start_date",
        "days",
        "kwh_per_day",
        "price_limit",
        "time_of_day",
        "reason",
    }
    assert fields["days"]["selector"]["number"]["max"] == 14
    # Names come from the translations (2026.x no longer merges them into the descriptions;
    # the frontend reads them from the translations on every release).
    texts = await translation.async_get_translations(hass, "en", "services", [DOMAIN])
    prefix = f"component.{DOMAIN}.services"
    assert texts[f"{prefix}.reserve_capacity.name"] == "Reserve capacity"
    assert texts[f"{prefix}.offer_capacity.fields.price_limit.name"] == "Minimum price"
