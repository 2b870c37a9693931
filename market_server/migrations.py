"""Versioned schema migrations: a `schema_version` table, applied in order, idempotent on start.

Each migration runs in the same write transaction as its `schema_version` row, under the database
write lock (SQLite BEGIN IMMEDIATE, PostgreSQL a transaction-level advisory lock), so two processes
starting at once apply it exactly once. A new migration appends to MIGRATIONS and changes the
schema with DDL against the previous version; never edit an applied one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import store as db
from .store import Store, utcnow

_LOGGER = logging.getLogger(__name__)
_PG_MIGRATION_LOCK = 0x6D61726B6574  # "market"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    tables = [t for t in db.metadata.sorted_tables if t.name != "schema_version"]
    db.metadata.create_all(conn, tables=tables)
    conn.execute(sa.insert(db.locks), [{"name": "rounds"}])


def _v2_join_code_expiry(conn: Connection) -> None:
    # Version 1 builds its tables from today's metadata, so a database created by this
    # server version already has the column; one created by 0.1.0 gets it here.
    columns = {c["name"] for c in sa.inspect(conn).get_columns("join_codes")}
    if "expires_at" not in columns:
        conn.execute(sa.text("ALTER TABLE join_codes ADD COLUMN expires_at TIMESTAMP"))


def _v3_rounds_by_trigger(conn: Connection) -> None:
    # As in version 2: present already where version 1 built the tables from this metadata.
    indexes = {i["name"] for i in sa.inspect(conn).get_indexes("rounds")}
    if "ix_rounds_trigger_seq" not in indexes:
        conn.execute(sa.text("CREATE INDEX ix_rounds_trigger_seq ON rounds (trigger, seq)"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _v1_initial),
    Migration(2, "join codes expire", _v2_join_code_expiry),
    Migration(3, "index rounds by trigger", _v3_rounds_by_trigger),
)
LATEST_VERSION = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    value = conn.execute(sa.select(sa.func.max(db.schema_version.c.version))).scalar()
    return int(value or 0)


def upgrade(store: Store) -> list[int]:
    """Bring the schema to LATEST_VERSION; returns the versions applied now (empty if none)."""
    applied: list[int] = []
    with store.write() as conn:
        if not store.is_sqlite:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
        db.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        if version > LATEST_VERSION:
            raise RuntimeError(
                f"database schema version {version} is newer than this server ({LATEST_VERSION})"
            )
        for migration in MIGRATIONS:
            if migration.version <= version:
                continue
            _LOGGER.info("applying migration %d: %s", migration.version, migration.description)
            migration.apply(conn)
            conn.execute(
                sa.insert(db.schema_version).values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=utcnow(),
                )
            )
            applied.append(migration.version)
    return applied
