"""Issue 21, item 3: a revoked token is reported as needing re-authentication, not as an
outage: Assist asks to reauthenticate, the Server connection sensor stays on, and the entry
starts a reauth flow."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import DOMAIN
from custom_components.community_storage.intent import INTENTS
from tests.market_harness import RunningMarket

from .conftest import LoopbackProxy

CONNECTION = "binary_sensor.miller_server_connection"


async def _revoke(market: RunningMarket, household_id: str) -> None:
    """The household is re-joined elsewhere: this Home Assistant's token is revoked."""
    await market.redeem(await market.rejoin_code(household_id))


async def _reserve_tomorrow(hass: HomeAssistant, language: str) -> intent.IntentResponse:
    return await intent.async_handle(
        hass,
        "test",
        INTENTS[0],
        {"start": {"value": "tomorrow"}, "kwh_per_day": {"value": 3}},
        language=language,
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The market server no longer accepts this household's access."),
        ("de", "Der Marktserver akzeptiert den Zugang dieses Haushalts nicht mehr."),
    ],
)
async def test_revoked_token_asks_for_reauthentication(
    hass: HomeAssistant,
    proxied_entry: MockConfigEntry,
    outage: LoopbackProxy,
    market: RunningMarket,
    language: str,
    expected: str,
) -> None:
    entry = proxied_entry
    assert hass.states.get(CONNECTION).state == "on"
    await _revoke(market, entry.unique_id)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    response = await _reserve_tomorrow(hass, language)
    assert response.response_type == intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"].startswith(expected)
    # The server answered (it refused the token): the connection is fine.
    assert hass.states.get(CONNECTION).state == "on"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    # A real outage still reads as one.
    await outage.stop()
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(CONNECTION).state == "off"
    response = await _reserve_tomorrow(hass, "en")
    assert response.speech["plain"]["speech"].startswith("The market server can't be reached")
    await outage.start()
