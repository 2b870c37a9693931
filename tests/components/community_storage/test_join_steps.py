"""Issue 21, items 1 and 2: a join code is checked when the user enters it and redeemed only
when the entry is created; reauth checks the household before it redeems anything."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import CONF_JOIN_CODE, CONF_TOKEN, CONF_URL, DOMAIN
from tests.market_harness import RunningMarket


async def _joined(market: RunningMarket, name: str) -> bool:
    """The operator's view: does the household hold a live token?"""
    return bool((await market.household(name=name))["joined"])


async def _token_works(market: RunningMarket, token: str) -> bool:
    status, _ = await market.request("GET", "/api/v1/me", token=token)
    return status == 200


async def test_an_abandoned_flow_leaves_the_code_usable(
    hass: HomeAssistant, market: RunningMarket
) -> None:
    """Enter the code, close the sensors step: nobody is joined and the code works again."""
    code = await market.add_household("Miller", 10.0)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    assert result["step_id"] == "sensors"
    hass.config_entries.flow.async_abort(result["flow_id"])
    assert not await _joined(market, "Miller")

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    assert result["step_id"] == "sensors"
    assert result["description_placeholders"] == {"household": "Miller"}
    # Still only checked: the household becomes joined when the entry is created.
    assert not await _joined(market, "Miller")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Miller (Sonnenweg)"
    assert await _joined(market, "Miller")
    assert await _token_works(market, result["data"][CONF_TOKEN])


async def test_a_code_spent_elsewhere_meanwhile_is_reported_at_the_sensors_step(
    hass: HomeAssistant, market: RunningMarket
) -> None:
    """The code is redeemed at the last step; if another setup used it first, the user hears
    so there, and no entry is created."""
    code = await market.add_household("Miller", 10.0)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    assert (await market.request("POST", "/api/v1/join", json={"code": code}))[0] == 201
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "code_used"}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_reauth_with_a_neighbours_code_revokes_nothing(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
) -> None:
    """The House enters neighbour B's rejoin code: wrong household, and B keeps trading."""
    entry = setup_integration
    neighbour_id, neighbour_token = neighbour
    neighbours_code = await market.rejoin_code(neighbour_id)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_JOIN_CODE: neighbours_code}
    )
    assert result["errors"] == {"base": "wrong_household"}
    assert await _token_works(market, neighbour_token)
    assert await _token_works(market, entry.data[CONF_TOKEN])
    # B's code is still B's to use.
    status, body = await market.request("POST", "/api/v1/join", json={"code": neighbours_code})
    assert (status, body["household_id"]) == (201, neighbour_id)

    own = await market.rejoin_code(entry.unique_id)
    old_token = entry.data[CONF_TOKEN]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_JOIN_CODE: f" {own} "}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert not await _token_works(market, old_token)
    assert await _token_works(market, entry.data[CONF_TOKEN])
