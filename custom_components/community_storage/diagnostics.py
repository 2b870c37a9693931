"""Diagnostics: the entry and the latest market data, with secrets and names redacted."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .agent.delivery import MEASURE_EXPORT, MEASURE_SOC
from .const import CONF_HOUSEHOLD_NAME, CONF_TOKEN, CONF_URL
from .market_client.client import MarketClient, MarketError
from .runtime import CommunityStorageConfigEntry

TO_REDACT = {CONF_TOKEN, CONF_URL, CONF_HOUSEHOLD_NAME, "name", "note", "title"}


def _plain(value: Any) -> Any:
    """Dataclasses, Decimals, dates and enums -> JSON-friendly values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CommunityStorageConfigEntry
) -> dict[str, Any]:
    """Entry data and options, the server's version and the coordinator's latest data."""
    if entry.state is not ConfigEntryState.LOADED:
        # No runtime data: the setup failed (or is retrying), which is when diagnostics help.
        return await _async_not_loaded(hass, entry)
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    return {
        "entry": async_redact_data(
            {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
            TO_REDACT,
        ),
        "server": {
            "version": coordinator.server_version,
            "last_update_success": coordinator.last_update_success,
        },
        "data": async_redact_data(_plain(coordinator.data), TO_REDACT),
        "delivery": {
            "schedules": _plain(runtime.reserve.schedules),
            # What each sell day delivered (None is "unmeasured") and how it was measured:
            # "grid_export" (the export meter from the window's start to the end of the day) or
            # "state_of_charge" (what the battery held at the window's start; no export meter).
            "delivered_kwh": runtime.reserve.measured_days(),
            "measured_by": runtime.reserve.measures(),
            "seller_measure": MEASURE_EXPORT if runtime.reserve.export.configured else MEASURE_SOC,
            "window_export_kwh": runtime.reserve.export.days(),
            "virtual_batteries": {
                day.isoformat(): {
                    "capacity_kwh": battery.capacity_kwh,
                    "credited_kwh": round(battery.credited_kwh, 3),
                    "drawn_kwh": round(battery.drawn_kwh, 3),
                }
                for day, battery in sorted(runtime.meter.batteries.items())
            },
            "last_reports": list(runtime.reporter.last_reports),
        },
    }


def _redacted_text(entry: CommunityStorageConfigEntry, text: str) -> str:
    """A message with the entry's secrets (the URL names the server) taken out."""
    for secret in (entry.data.get(CONF_URL), entry.data.get(CONF_TOKEN)):
        if secret:
            text = text.replace(str(secret), "**REDACTED**")
    return text


async def _async_not_loaded(
    hass: HomeAssistant, entry: CommunityStorageConfigEntry
) -> dict[str, Any]:
    """Why the entry is not loaded, and what the server answers right now."""
    client = MarketClient(
        async_get_clientsession(hass), entry.data[CONF_URL], entry.data.get(CONF_TOKEN)
    )
    server: dict[str, Any] = {"reachable": False, "version": None, "api_version": None}
    try:
        health = await client.health()
    except MarketError as err:
        server["error"] = f"{type(err).__name__}: {_redacted_text(entry, str(err))}"
    else:
        server.update(reachable=True, version=health.version, api_version=health.api_version)
        try:
            await client.me()
        except MarketError as err:
            server["token_accepted"] = False
            server["error"] = f"{type(err).__name__}: {_redacted_text(entry, str(err))}"
        else:
            server["token_accepted"] = True
    return {
        "entry": async_redact_data(
            {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
            TO_REDACT,
        ),
        "state": entry.state.value,
        "setup_error": _redacted_text(entry, entry.reason) if entry.reason else None,
        "server": server,
    }
