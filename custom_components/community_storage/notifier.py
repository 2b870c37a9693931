"""Listeners of a part that changes outside the coordinator's refreshes (the delivery parts)."""

from __future__ import annotations

from homeassistant.core import CALLBACK_TYPE, callback


class ChangeNotifier:
    """Calls its listeners (entities' ``async_write_ha_state``) after each change."""

    def __init__(self) -> None:
        """No listeners yet."""
        self._listeners: list[CALLBACK_TYPE] = []

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``update`` after every change; returns the remover."""
        self._listeners.append(update)

        def remove() -> None:
            self._listeners.remove(update)

        return remove

    @callback
    def async_notify(self) -> None:
        """Tell every listener that something changed."""
        for update in list(self._listeners):
            update()
