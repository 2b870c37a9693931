"""Issue 21, item 7: the config flow names what is wrong instead of "Unexpected error"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from unittest.mock import patch

import pytest
from aiohttp.resolver import AsyncResolver
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.community_storage.const import CONF_JOIN_CODE, CONF_URL, DOMAIN
from tests.market_harness import RunningMarket


async def _submit(hass: HomeAssistant, flow_id: str, url: str, code: str) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url, CONF_JOIN_CODE: code}
    )


async def test_each_mistake_has_its_own_message(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    market: RunningMarket,
) -> None:
    """Home Assistant's own URL, an empty code and a URL that is no URL; nothing is redeemed."""
    code = await market.add_household("Miller", 10.0)
    # The integration (and so its dependencies' routes) before Home Assistant serves HTTP.
    assert await async_setup_component(hass, DOMAIN, {})
    own = str((await hass_client()).make_url("/")).rstrip("/")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow_id = result["flow_id"]

    result = await _submit(hass, flow_id, own, code)
    assert result["errors"] == {CONF_URL: "not_market_server"}
    result = await _submit(hass, flow_id, market.url, "   ")
    assert result["errors"] == {CONF_JOIN_CODE: "code_required"}
    for not_a_url in ("market.example.org", "ftp://market.example.org", "http://"):
        result = await _submit(hass, flow_id, not_a_url, code)
        assert result["errors"] == {CONF_URL: "invalid_url"}, not_a_url
    # A code the server cannot even read is an invalid code, not an unexpected error.
    result = await _submit(hass, flow_id, market.url, "X" * 101)
    assert result["errors"] == {CONF_JOIN_CODE: "invalid_code"}

    # The API's prefix, pasted from the docs, is the server's root.
    result = await _submit(hass, flow_id, f"{market.url}/api/v1/", code)
    assert result["step_id"] == "sensors"
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == market.url
    await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.fixture
async def fresh_resolver() -> AsyncIterator[None]:
    """A resolver of this test's own for Home Assistant's client session.

    pytest-homeassistant-custom-component replaces Home Assistant's resolver by one aiohttp
    ``AsyncResolver`` (aiodns) for the whole session; with Home Assistant 2026.x that one has
    been closed by the time this test runs. A fresh one of the same class keeps the path under
    test, aiohttp -> aiodns -> pycares, on both versions.
    """
    resolver = AsyncResolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    with patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=resolver):
        yield
    await resolver.close()


async def test_a_host_name_works(
    fresh_resolver: None, hass: HomeAssistant, market: RunningMarket
) -> None:
    """``localhost`` goes through Home Assistant's DNS resolver (aiodns), as any host name."""
    code = await market.add_household("Miller", 10.0)
    by_name = market.url.replace("127.0.0.1", "localhost")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await _submit(hass, result["flow_id"], by_name, code)
    assert result.get("errors") in (None, {}), result.get("errors")
    assert result["step_id"] == "sensors"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry: MockConfigEntry = result["result"]
    await hass.config_entries.async_unload(entry.entry_id)
