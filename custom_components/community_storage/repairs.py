"""Repair issues raised by the integration, and their "check again" fix flow.

Both problems need someone else (the operator re-enables the household; an update brings the
integration and the server to the same API version). The coordinator deletes an issue as soon
as a refresh shows the problem gone; the fix flow lets the user ask for that refresh now
instead of waiting for the next poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

if TYPE_CHECKING:
    # Only for annotations: 2026.x types repairs flows with RepairsFlowResult; 2025.4 has no
    # such name (its RepairsFlow returns a plain FlowResult, the same dict at runtime).
    from homeassistant.components.repairs import RepairsFlowResult

SUPPORTED_API_VERSION: Final = 1
ISSUE_HOUSEHOLD_DISABLED: Final = "household_disabled"
ISSUE_UNSUPPORTED_API_VERSION: Final = "unsupported_api_version"
DATA_ENTRY_ID: Final = "entry_id"


def issue_id(issue: str, entry: ConfigEntry) -> str:
    """One issue per problem and household entry."""
    return f"{issue}_{entry.entry_id}"


@callback
def _async_create(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, placeholders: dict[str, str]
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(issue, entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=issue,
        translation_placeholders={"title": entry.title, **placeholders},
        data={DATA_ENTRY_ID: entry.entry_id},
    )


@callback
def async_set_household_disabled(hass: HomeAssistant, entry: ConfigEntry, disabled: bool) -> None:
    """Raise or clear the "household disabled by the operator" issue."""
    if disabled:
        _async_create(hass, entry, ISSUE_HOUSEHOLD_DISABLED, {})
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_HOUSEHOLD_DISABLED, entry))


@callback
def async_check_api_version(hass: HomeAssistant, entry: ConfigEntry, api_version: int) -> None:
    """Raise the "unsupported server" issue for another API version, clear it otherwise."""
    if api_version == SUPPORTED_API_VERSION:
        ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_UNSUPPORTED_API_VERSION, entry))
        return
    _async_create(
        hass,
        entry,
        ISSUE_UNSUPPORTED_API_VERSION,
        {"api_version": str(api_version), "supported": str(SUPPORTED_API_VERSION)},
    )


@callback
def async_clear_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the entry's issues (on removal of the entry)."""
    for issue in (ISSUE_HOUSEHOLD_DISABLED, ISSUE_UNSUPPORTED_API_VERSION):
        ir.async_delete_issue(hass, DOMAIN, issue_id(issue, entry))


class RecheckRepairFlow(RepairsFlow):
    """Refresh the household's data now; done when the refresh cleared the issue."""

    def __init__(self, entry_id: str) -> None:
        """Remember whose issue this is."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """The only step: explain, then check again on submit."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Check again; an issue that is still there keeps the form open with an error."""
        registry = ir.async_get(self.hass)
        errors: dict[str, str] = {}
        if user_input is not None:
            entry = self.hass.config_entries.async_get_entry(self._entry_id)
            if entry is not None and entry.state is ConfigEntryState.LOADED:
                await entry.runtime_data.coordinator.async_refresh()
            if registry.async_get_issue(DOMAIN, self.issue_id) is None:
                return self.async_create_entry(data={})
            errors["base"] = "still_present"
        issue = registry.async_get_issue(DOMAIN, self.issue_id)
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=dict(issue.translation_placeholders or {})
            if issue is not None
            else None,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The repairs platform's entry point: every issue of ours re-checks on demand."""
    return RecheckRepairFlow(str((data or {}).get(DATA_ENTRY_ID, "")))
