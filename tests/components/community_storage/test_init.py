"""Setup, refresh and unload of a household entry against a real market server."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import DOMAIN


async def test_setup_and_unload(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """The entry loads with live data and unloads cleanly."""
    entry = setup_integration
    runtime = entry.runtime_data
    data = runtime.coordinator.data
    assert data.me.household_id == entry.unique_id
    assert data.me.community.name == "Sonnenweg"
    assert data.requests == ()
    assert hass.states.get("binary_sensor.miller_server_connection").state == "on"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("binary_sensor.miller_server_connection").state == "unavailable"
    assert DOMAIN in hass.config.components
