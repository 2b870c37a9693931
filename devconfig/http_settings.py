"""Where Home Assistant listens: YAML for older releases, its stored HTTP settings for newer ones.

Since 2026.10 Home Assistant keeps its HTTP settings in ``.storage/http`` as a *stable* and a
*pending* configuration. An ``http:`` block in YAML is migrated once, as a pending configuration
on trial: unless someone confirms it in the UI within five minutes, Home Assistant reverts it and
restarts (repair ``http/deprecated_yaml``); on later starts the YAML is ignored (repair
``yaml_still_present_after_migration``), so ``--ports`` would no longer move Home Assistant.

Releases with the stored settings therefore get no ``http:`` block; before every start the stack
writes the settings it owns (host 127.0.0.1 and the port) as the *stable*, confirmed
configuration, validated by the running release's own schema, with nothing pending and the YAML
migration marked done. Home Assistant starts straight on them: nothing to confirm, no revert,
no restart. Whatever else is stored there (set in Home Assistant's UI) is kept.
"""

from __future__ import annotations

import importlib
import json
import os
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .layout import Layout, Ports

HOST = "127.0.0.1"
# The bookkeeping Home Assistant adds to a stored configuration (not settings).
_META = ("created_at", "error", "error_message")


def _stored_settings() -> ModuleType | None:
    """The running Home Assistant's stored-HTTP-settings module, or None where it has none."""
    try:
        module = importlib.import_module("homeassistant.components.http.config")
    except ImportError:
        return None
    needed = ("HTTP_STORAGE_SCHEMA", "STORAGE_VERSION", "STORAGE_MINOR_VERSION", "STORAGE_KEY")
    if not all(hasattr(module, name) for name in (*needed, "KEY_YAML_MIGRATION_DONE")):
        return None
    return module


def stores_http_settings() -> bool:
    """Whether this Home Assistant keeps its HTTP settings in storage (2026.10 and later)."""
    return _stored_settings() is not None


def http_yaml(ports: Ports) -> str:
    """The ``http:`` block of configuration.yaml: the settings themselves, or why there is none."""
    if stores_http_settings():
        return (
            "# http: this Home Assistant keeps its HTTP settings in .storage/http; script/develop\n"
            f"# writes them there before every start (host {HOST}, port {ports.homeassistant}).\n"
        )
    return f"http:\n  server_host: {HOST}\n  server_port: {ports.homeassistant}\n"


def write_http_settings(layout: Layout, ports: Ports) -> bool:
    """Store host and port as the confirmed HTTP configuration; False where YAML does it.

    A pending configuration left in the store (a trial nobody will confirm here) is dropped.
    """
    module = _stored_settings()
    if module is None:
        return False
    path = layout.ha_config / ".storage" / str(module.STORAGE_KEY)
    kept: dict[str, Any] = {}
    created_at = None
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("version") == module.STORAGE_VERSION:
            stable = dict(stored.get("data", {}).get("stable") or {})
            created_at = stable.get("created_at")
            kept = {key: value for key, value in stable.items() if key not in _META}
    wanted = {**kept, "server_host": [HOST], "server_port": ports.homeassistant}
    settings = dict(module.HTTP_STORAGE_SCHEMA(wanted))
    if settings != kept or created_at is None:
        created_at = datetime.now(UTC).isoformat()
    document = {
        "version": module.STORAGE_VERSION,
        "minor_version": module.STORAGE_MINOR_VERSION,
        "key": module.STORAGE_KEY,
        "data": {
            "stable": {**settings, "created_at": created_at, "error": None, "error_message": None},
            "pending": None,
            "yaml_migration_done": True,
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # Home Assistant keeps this store private (owner only), like its other secrets.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
    tmp.replace(path)
    return True
