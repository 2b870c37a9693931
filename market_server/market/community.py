"""The community's settings row in the database: read, write, first-time defaults."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.errors import SettingsError, ValidationFailed
from market_server.market.settings import CommunitySettings
from market_server.storage import auth
from market_server.storage import store as db
from market_server.storage.store import Store

_KEY = "community"


def default_settings() -> CommunitySettings:
    """Defaults, with the clearing mechanism the market module recommends."""
    from market_server.market.day_clearing import DEFAULT_MECHANISM

    return CommunitySettings(mechanism=DEFAULT_MECHANISM)


def is_initialised(conn: Connection) -> bool:
    row = conn.execute(sa.select(db.settings_table.c.key).where(db.settings_table.c.key == _KEY))
    return row.first() is not None


_LOAD = sa.select(db.settings_table.c.value).where(db.settings_table.c.key == _KEY)


def load(conn: Connection) -> CommunitySettings:
    value = conn.execute(_LOAD).scalar()
    if value is None:
        return default_settings()
    return CommunitySettings.from_json(json.loads(value))


def save(conn: Connection, settings: CommunitySettings) -> None:
    value = json.dumps(settings.to_json(), sort_keys=True)
    updated = conn.execute(
        sa.update(db.settings_table).where(db.settings_table.c.key == _KEY).values(value=value)
    )
    if updated.rowcount == 0:
        conn.execute(sa.insert(db.settings_table).values(key=_KEY, value=value))


def change(conn: Connection, changes: dict[str, Any]) -> CommunitySettings:
    """Apply checked setting `changes` to the stored settings (nothing on a bad value)."""
    try:
        settings = load(conn).updated(**changes)
    except SettingsError as err:
        raise ValidationFailed(f"{err}.", field=next(iter(changes), None)) from None
    save(conn, settings)
    return settings


def initialise(
    store: Store, now: datetime, changes: dict[str, Any], *, issue_token: bool
) -> tuple[CommunitySettings, str | None]:
    """`market-server init`: migrate, apply setting changes (keeping data), maybe issue a token.

    A first run stores defaults plus `changes` and always issues an operator token; a re-run keeps
    every existing setting not named in `changes`.
    """
    from market_server.market.day_clearing import available_mechanisms
    from market_server.storage.migrations import upgrade

    upgrade(store)
    with store.write() as conn:
        first = not is_initialised(conn)
        current = default_settings() if first else load(conn)
        settings = current.updated(**changes)
        settings.check(available_mechanisms())
        save(conn, settings)
        token = None
        if first or issue_token:
            token = auth.issue_operator_token(conn, now)
    return settings, token
