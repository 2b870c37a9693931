"""Issue 21, item 4: diagnostics of an entry that failed to set up answer with why, not 500."""

from __future__ import annotations

import json

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.community_storage.const import CONF_TOKEN, CONF_URL

from .conftest import LoopbackProxy


async def test_diagnostics_of_an_entry_waiting_for_the_server(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    joined_entry: MockConfigEntry,
    outage: LoopbackProxy,
) -> None:
    """Server down at setup: the entry retries, and its diagnostics say so and say why."""
    hass.config_entries.async_update_entry(
        joined_entry, data={**joined_entry.data, CONF_URL: outage.url}
    )
    await outage.stop()
    await hass.config_entries.async_setup(joined_entry.entry_id)
    await hass.async_block_till_done()
    assert joined_entry.state is ConfigEntryState.SETUP_RETRY

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, joined_entry)
    text = json.dumps(diagnostics)
    assert outage.url not in text and joined_entry.data[CONF_TOKEN] not in text
    assert diagnostics["state"] == "setup_retry"
    assert "cannot be reached" in diagnostics["setup_error"]
    assert diagnostics["server"]["reachable"] is False
    assert diagnostics["server"]["error"].startswith("MarketConnectionError")
    assert diagnostics["entry"]["data"][CONF_TOKEN] == "**REDACTED**"

    # The server is back: diagnostics read it at once, before the next setup attempt.
    await outage.start()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, joined_entry)
    assert diagnostics["server"]["reachable"] is True
    assert diagnostics["server"]["api_version"] == 1
    assert diagnostics["server"]["token_accepted"] is True
    await hass.config_entries.async_unload(joined_entry.entry_id)
    await hass.async_block_till_done()


async def test_diagnostics_of_an_entry_with_a_revoked_token(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    joined_entry: MockConfigEntry,
) -> None:
    """A token the server rejects fails setup; diagnostics show that the token is the cause."""
    hass.config_entries.async_update_entry(
        joined_entry, data={**joined_entry.data, CONF_TOKEN: "not-a-token"}
    )
    await hass.config_entries.async_setup(joined_entry.entry_id)
    await hass.async_block_till_done()
    assert joined_entry.state is ConfigEntryState.SETUP_ERROR

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, joined_entry)
    assert diagnostics["state"] == "setup_error"
    assert diagnostics["server"]["reachable"] is True
    assert diagnostics["server"]["token_accepted"] is False
    assert diagnostics["server"]["error"].startswith("MarketAuthError")
    assert "not-a-token" not in json.dumps(diagnostics)
