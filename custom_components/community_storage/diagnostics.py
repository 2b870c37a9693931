"""Diagnostics: the entry and the latest market data, with secrets and names redacted."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_HOUSEHOLD_NAME, CONF_TOKEN, CONF_URL
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
            # Days the seller's battery was measured at dispatch; None is "unmeasured".
            "delivered_kwh": runtime.reserve.measured_days(),
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
