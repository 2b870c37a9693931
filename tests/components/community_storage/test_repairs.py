"""Repair issues: a household disabled by the operator, a server with another API version."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.community_storage.const import DOMAIN, ENTRY_STORES, entry_store_key
from custom_components.community_storage.repairs import (
    ISSUE_HOUSEHOLD_DISABLED,
    ISSUE_UNSUPPORTED_API_VERSION,
    issue_id,
)
from tests.market_harness import RunningMarket

CONNECTION = "binary_sensor.miller_server_connection"


async def test_disabled_household_raises_and_clears_issue(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket
) -> None:
    """The operator disables the household: a repair issue; enabled again: it is gone."""
    household_id = setup_integration.unique_id
    coordinator = setup_integration.runtime_data.coordinator
    issues = ir.async_get(hass)
    key = (DOMAIN, issue_id(ISSUE_HOUSEHOLD_DISABLED, setup_integration))

    await market.request(
        "POST",
        f"/api/v1/operator/households/{household_id}/disable",
        token=market.operator_token,
    )
    await coordinator.async_refresh()
    issue = issues.async_get_issue(*key)
    assert issue is not None
    assert issue.translation_key == ISSUE_HOUSEHOLD_DISABLED
    assert issue.severity is ir.IssueSeverity.ERROR
    # Reading still works for a disabled household: the entities stay available.
    assert coordinator.data.me.disabled
    assert hass.states.get(CONNECTION).state == "on"

    await market.request(
        "POST",
        f"/api/v1/operator/households/{household_id}/enable",
        token=market.operator_token,
    )
    await coordinator.async_refresh()
    assert issues.async_get_issue(*key) is None


async def test_unsupported_api_version_issue(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server announcing API version 2 raises an issue; back on version 1 it clears."""
    coordinator = setup_integration.runtime_data.coordinator
    issues = ir.async_get(hass)
    key = (DOMAIN, issue_id(ISSUE_UNSUPPORTED_API_VERSION, setup_integration))
    assert issues.async_get_issue(*key) is None

    monkeypatch.setattr("market_server.http.member_api.API_VERSION", 2)
    await coordinator.async_refresh()
    issue = issues.async_get_issue(*key)
    assert issue is not None
    assert issue.translation_placeholders["api_version"] == "2"

    monkeypatch.setattr("market_server.http.member_api.API_VERSION", 1)
    await coordinator.async_refresh()
    assert issues.async_get_issue(*key) is None


async def test_removing_the_entry_removes_its_issues(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deleting the household's entry leaves no repair issue behind."""
    monkeypatch.setattr("market_server.http.member_api.API_VERSION", 7)
    await setup_integration.runtime_data.coordinator.async_refresh()
    issues = ir.async_get(hass)
    key = (DOMAIN, issue_id(ISSUE_UNSUPPORTED_API_VERSION, setup_integration))
    assert issues.async_get_issue(*key) is not None
    assert await hass.config_entries.async_remove(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert issues.async_get_issue(*key) is None


async def test_removing_the_entry_removes_its_stores(
    hass: HomeAssistant, setup_integration: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A household deleted and added again starts without the old book, virtual batteries or
    remembered battery control value."""
    entry_id = setup_integration.entry_id
    keys = [entry_store_key(kind, entry_id) for kind in ENTRY_STORES]
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    # What a household leaves behind after a day's trading (written at unload or before).
    for key in keys:
        hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": {}}
    assert await hass.config_entries.async_remove(entry_id)
    await hass.async_block_till_done()
    assert [key for key in keys if key in hass_storage] == []


async def test_server_refusing_a_disabled_household(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that answers 403 household_disabled even to reads: entities unavailable and
    the issue raised; re-enabled: both recover."""
    from market_server.storage import auth

    strict = auth.household_for_token

    def refuse_disabled(conn: Any, token: str, *, allow_disabled: bool = False) -> Any:
        return strict(conn, token, allow_disabled=False)

    monkeypatch.setattr(auth, "household_for_token", refuse_disabled)
    household_id = setup_integration.unique_id
    coordinator = setup_integration.runtime_data.coordinator
    key = (DOMAIN, issue_id(ISSUE_HOUSEHOLD_DISABLED, setup_integration))
    path = f"/api/v1/operator/households/{household_id}"

    await market.request("POST", f"{path}/disable", token=market.operator_token)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert not coordinator.last_update_success
    assert "disabled" in str(coordinator.last_exception)
    assert ir.async_get(hass).async_get_issue(*key) is not None
    assert hass.states.get("sensor.miller_open_orders").state == "unavailable"

    await market.request("POST", f"{path}/enable", token=market.operator_token)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert ir.async_get(hass).async_get_issue(*key) is None
    assert hass.states.get("sensor.miller_open_orders").state == "0"


async def test_fix_flow_checks_again(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
) -> None:
    """The issue's fix flow refreshes at once: still disabled -> error; enabled -> fixed."""
    assert await async_setup_component(hass, "repairs", {})
    household_id = setup_integration.unique_id
    coordinator = setup_integration.runtime_data.coordinator
    path = f"/api/v1/operator/households/{household_id}"
    issue = issue_id(ISSUE_HOUSEHOLD_DISABLED, setup_integration)
    await market.request("POST", f"{path}/disable", token=market.operator_token)
    await coordinator.async_refresh()

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue}
    )
    assert response.status == 200
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == {"title": setup_integration.title}

    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    flow = await response.json()
    assert flow["type"] == "form"
    assert flow["errors"] == {"base": "still_present"}

    await market.request("POST", f"{path}/enable", token=market.operator_token)
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    flow = await response.json()
    assert flow["type"] == "create_entry"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue) is None
    assert not coordinator.data.me.disabled
