"""Listeners of the parts that change outside the coordinator's refreshes, and what they follow."""

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


class Subscription:
    """One listener or timer a part holds: replaced, cancelled, or forgotten once it fired."""

    def __init__(self) -> None:
        """Nothing held yet."""
        self._cancel: CALLBACK_TYPE | None = None

    def hold(self, cancel: CALLBACK_TYPE) -> None:
        """Hold a new one (``cancel`` is what subscribing returned); the old one is cancelled."""
        self.cancel()
        self._cancel = cancel

    def cancel(self) -> None:
        """Stop it, if one is held."""
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def forget(self) -> None:
        """A timer that fired is over: nothing to cancel any more."""
        self._cancel = None
