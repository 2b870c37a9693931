"""Follow-ups that reach the household after a conversation: notifications and events.

Every follow-up goes three ways: a persistent notification (one per request, updated in place),
the notify action the household chose in the options (if any), and the event
``community_storage_order_update`` for automations.
"""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..const import CONF_NOTIFY_ACTION, DOMAIN, EVENT_ORDER_UPDATE
from ..language.speak.phrases import phrasebook

_LOGGER = logging.getLogger(__name__)


def notification_id(request_id: str) -> str:
    """The persistent notification of one request."""
    return f"{DOMAIN}_{request_id}"


async def async_follow_up(
    hass: HomeAssistant,
    entry: ConfigEntry,
    *,
    request_id: str,
    message: str,
    language: str,
    event_data: dict[str, Any],
) -> None:
    """Tell the household: persistent notification, notify action, event."""
    title = phrasebook(language).follow_up["title"]
    persistent_notification.async_create(
        hass, message, title=title, notification_id=notification_id(request_id)
    )
    hass.bus.async_fire(
        EVENT_ORDER_UPDATE,
        {"config_entry_id": entry.entry_id, "request_id": request_id, "message": message}
        | event_data,
    )
    action = str(entry.options.get(CONF_NOTIFY_ACTION) or "")
    if not action:
        return
    domain, _, service = action.partition(".")
    if not hass.services.has_service(domain, service):
        _LOGGER.warning("The notify action %s configured for follow-ups does not exist", action)
        return
    try:
        await hass.services.async_call(
            domain, service, {"title": title, "message": message}, blocking=True
        )
    except HomeAssistantError as err:
        # A broken notify target must not stop the watcher; the notification and event went out.
        _LOGGER.warning("The notify action %s failed: %s", action, err)
