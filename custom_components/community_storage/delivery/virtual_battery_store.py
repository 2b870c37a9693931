"""The buyer's virtual batteries in Home Assistant's Store.

What the grid meters credited and drew lives in memory while Home Assistant runs; kept here too,
a restart or reload in the middle of a day (an update, say) does not lose the morning's credit,
and the day's report counts all of it. Each battery is stored field by field; a field a stored
battery lacks takes its default, and one the battery no longer has is ignored, so a battery
gaining a field reads older files.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from datetime import date
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from ..agent.delivery import VirtualBattery
from ..const import entry_store_key

_LOGGER = logging.getLogger(__name__)

STORE_VERSION: Final = 1
# Seconds between a meter change and its write; a reload or stop writes at once.
SAVE_DELAY: Final = 10


def battery_to_json(battery: VirtualBattery) -> dict[str, Any]:
    """A battery as JSON-friendly fields (tuples become lists)."""
    fields = {field.name: getattr(battery, field.name) for field in dataclasses.fields(battery)}
    return {
        name: list(value) if isinstance(value, tuple) else value for name, value in fields.items()
    }


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fits(value: Any, default: Any) -> bool:
    """Whether a stored value has the kind of the field (by its default; none: a number)."""
    if default is dataclasses.MISSING or isinstance(default, float):
        return _number(value)
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(_number(item) for item in value)
    return type(value) is type(default)


def battery_from_json(data: Any) -> VirtualBattery | None:
    """A stored battery; None if the stored data does not make one."""
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for field in dataclasses.fields(VirtualBattery):
        if field.name not in data:
            continue
        value = data[field.name]
        value = tuple(value) if isinstance(value, list) else value
        if not _fits(value, field.default):
            return None
        values[field.name] = value
    try:
        return VirtualBattery(**values)
    except (TypeError, ValueError):
        return None


class VirtualBatteryStore:
    """One entry's virtual batteries by day (ISO date keys)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Nothing is read until ``async_load``."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, entry_store_key("virtual_battery", entry_id)
        )

    async def async_load(self) -> dict[date, VirtualBattery]:
        """The batteries kept before; unreadable days are left out (and logged)."""
        stored = await self._store.async_load() or {}
        batteries: dict[date, VirtualBattery] = {}
        for key, data in dict(stored.get("batteries") or {}).items():
            try:
                day = date.fromisoformat(key)
            except (TypeError, ValueError):
                day = None
            battery = battery_from_json(data)
            if day is None or battery is None:
                _LOGGER.warning("Ignoring a stored virtual battery that cannot be read: %s", key)
                continue
            batteries[day] = battery
        return batteries

    @callback
    def async_delay_save(self, batteries: dict[date, VirtualBattery]) -> None:
        """Write soon (meter changes come in bursts)."""
        snapshot = dict(batteries)
        self._store.async_delay_save(lambda: _to_json(snapshot), SAVE_DELAY)

    async def async_save(self, batteries: dict[date, VirtualBattery]) -> None:
        """Write now (on unload)."""
        await self._store.async_save(_to_json(dict(batteries)))


def _to_json(batteries: dict[date, VirtualBattery]) -> dict[str, Any]:
    return {
        "batteries": {
            day.isoformat(): battery_to_json(battery) for day, battery in sorted(batteries.items())
        }
    }
