"""Issue 21, item 8: after gate closure a past date names the first day really open, and the
integration's validation errors reach a REST caller as Home Assistant maps them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.community_storage.const import DOMAIN
from tests.market_harness import MutableClock


async def test_a_past_date_after_gate_closure_names_the_first_open_day(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market_clock: MutableClock
) -> None:
    """At 18:30 on the 25th the 26th is closed too: the first day to trade is the 27th."""
    market_clock.set(datetime(2026, 11, 25, 17, 30, tzinfo=UTC))
    await setup_integration.runtime_data.coordinator.async_refresh()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "offer_capacity",
            {"days": 2, "start_date": "2026-11-20"},
            blocking=True,
        )
    assert err.value.translation_key == "start_day_closed"
    assert err.value.translation_placeholders == {
        "start_day": "2026-11-20",
        "first_day": "2026-11-27",
    }
    assert "the first day I can trade is 2026-11-27" in str(err.value)

    # Before the gate closure tomorrow is open, and named.
    market_clock.set(datetime(2026, 11, 25, 16, 30, tzinfo=UTC))
    await setup_integration.runtime_data.coordinator.async_refresh()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "offer_capacity", {"days": 2, "start_date": "2026-11-20"}, blocking=True
        )
    assert err.value.translation_placeholders["first_day"] == "2026-11-26"


async def test_validation_errors_over_rest(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
) -> None:
    """The integration raises ServiceValidationError with a translation key (see
    test_services); what a REST caller gets is Home Assistant's mapping of it: 2025.4 has
    none (500), later versions answer 400 with the translated message."""
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()
    response = await client.post(
        f"/api/services/{DOMAIN}/offer_capacity", json={"days": 2, "start_date": "2020-01-01"}
    )
    if (MAJOR_VERSION, MINOR_VERSION) <= (2025, 4):
        assert response.status == 500
    else:
        assert response.status == 400
        body = await response.json()
        assert "Trading for 2020-01-01 has closed" in body["message"]
