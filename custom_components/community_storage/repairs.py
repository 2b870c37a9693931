"""Repair issues raised by the integration.

Both issues need the operator (re-enable the household) or an update (a server speaking another
API version), so neither has a fix flow; the coordinator deletes them as soon as a refresh shows
the problem is gone.
"""

from __future__ import annotations

from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

SUPPORTED_API_VERSION: Final = 1
ISSUE_HOUSEHOLD_DISABLED: Final = "household_disabled"
ISSUE_UNSUPPORTED_API_VERSION: Final = "unsupported_api_version"


def issue_id(issue: str, entry: ConfigEntry) -> str:
    """One issue per problem and household entry."""
    return f"{issue}_{entry.entry_id}"


@callback
def async_set_household_disabled(hass: HomeAssistant, entry: ConfigEntry, disabled: bool) -> None:
    """Raise or clear the "household disabled by the operator" issue."""
    if not disabled:
        ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_HOUSEHOLD_DISABLED, entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_HOUSEHOLD_DISABLED, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_HOUSEHOLD_DISABLED,
        translation_placeholders={"title": entry.title},
    )


@callback
def async_check_api_version(hass: HomeAssistant, entry: ConfigEntry, api_version: int) -> None:
    """Raise the "unsupported server" issue for another API version, clear it otherwise."""
    if api_version == SUPPORTED_API_VERSION:
        ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_UNSUPPORTED_API_VERSION, entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_UNSUPPORTED_API_VERSION, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_UNSUPPORTED_API_VERSION,
        translation_placeholders={
            "title": entry.title,
            "api_version": str(api_version),
            "supported": str(SUPPORTED_API_VERSION),
        },
    )


@callback
def async_clear_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the entry's issues (on removal of the entry)."""
    for issue in (ISSUE_HOUSEHOLD_DISABLED, ISSUE_UNSUPPORTED_API_VERSION):
        ir.async_delete_issue(hass, DOMAIN, issue_id(issue, entry))
