"""The server's schema, versioned with Alembic and brought to the newest revision on every start.

The revisions live in storage/schema/versions: 0001 spells out the schema of 0.1.0 table
by table, each later one changes it with DDL against the one before; never edit an applied one.
A change to store.py's tables needs a new revision (tests/market_server/test_migrations.py
compares the two and names what is missing).

An upgrade runs in one write transaction under the database's write lock (SQLite BEGIN
IMMEDIATE, PostgreSQL a transaction-level advisory lock), so two processes starting at once
apply each revision exactly once, and a revision that fails leaves the database as it was.

Databases from before Alembic kept their version in a `schema_version` table. Its version N
has the schema of revision 000N, so such a database is stamped at that revision, the old table
dropped, and upgraded from there, all in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from market_server.storage.store import Store

_LOGGER = logging.getLogger(__name__)
PG_MIGRATION_LOCK = 0x6D61726B6574  # "market"; the key the schema_version migrations took
SCHEMA_DIR = Path(__file__).with_name("schema")
# The revision whose schema a `schema_version` of a database from before Alembic stands for.
LEGACY_REVISIONS = {1: "0001", 2: "0002", 3: "0003"}
_legacy_versions = sa.table("schema_version", sa.column("version", sa.Integer))


class SchemaNewerThanServer(RuntimeError):
    """The database was upgraded by a newer market-server than this one."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    revision: str | None  # None: nothing created yet
    head: str  # the newest revision this server knows

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def head_revision() -> str:
    head = ScriptDirectory(str(SCHEMA_DIR)).get_current_head()
    assert head is not None  # one line of revisions, never empty
    return head


def state(store: Store) -> SchemaState:
    """Where the schema stands, without changing it (`market-server db current`)."""
    with store.read() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        if revision is None:
            version = _legacy_version(conn)
            if version is not None:
                revision = LEGACY_REVISIONS.get(version, f"schema_version {version}")
    return SchemaState(revision, head_revision())


def upgrade(store: Store, target: str = "head") -> list[str]:
    """Bring the schema to the newest revision (or to `target`, for tests that start from an
    earlier one); returns the revisions applied now (none: [])."""
    applied: list[str] = []
    revisions = ScriptDirectory(str(SCHEMA_DIR))

    def record(*, step: MigrationInfo, **_: Any) -> None:
        if step.is_upgrade and not step.is_stamp:
            for revision_id in step.up_revision_ids:
                applied.append(revision_id)
                script = revisions.get_revision(revision_id)
                _LOGGER.info("schema revision %s applied: %s", revision_id, script and script.doc)

    with store.write() as conn:
        if not store.is_sqlite:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_MIGRATION_LOCK)))
        config = Config()
        config.set_main_option("script_location", str(SCHEMA_DIR))
        config.attributes["connection"] = conn  # schema/env.py runs the revisions on it
        config.attributes["on_version_apply"] = record
        _adopt_schema_version(conn, config)
        _refuse_unknown_revision(conn, revisions)
        command.upgrade(config, target)
    return applied


def _legacy_version(conn: Connection) -> int | None:
    """The `schema_version` of a database from before Alembic (None: none there)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return None
    return conn.execute(sa.select(sa.func.max(_legacy_versions.c.version))).scalar()


def _adopt_schema_version(conn: Connection, config: Config) -> None:
    """Stamp a database from before Alembic at the revision its `schema_version` stands for."""
    inspector = sa.inspect(conn)
    if inspector.has_table("alembic_version") or not inspector.has_table("schema_version"):
        return
    version = _legacy_version(conn)
    # Empty: a first start that failed before its first version; there is nothing to stamp.
    if version is not None:
        revision = LEGACY_REVISIONS.get(version)
        if revision is None:
            raise SchemaNewerThanServer(
                f"the database schema is at version {version}, which this market-server does "
                f"not know (its newest is revision {head_revision()}): a newer market-server "
                "upgraded it; run that one"
            )
        _LOGGER.info("schema_version %d is revision %s: moving to Alembic", version, revision)
        command.stamp(config, revision)
    conn.execute(sa.text("DROP TABLE schema_version"))


def _refuse_unknown_revision(conn: Connection, revisions: ScriptDirectory) -> None:
    known = {script.revision for script in revisions.walk_revisions()}
    for revision in MigrationContext.configure(conn).get_current_heads():
        if revision not in known:
            raise SchemaNewerThanServer(
                f"the database schema is at revision {revision}, which this market-server does "
                f"not know (its newest is {revisions.get_current_head()}): a newer "
                "market-server upgraded it; run that one"
            )
