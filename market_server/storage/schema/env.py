"""Alembic's environment: revisions run on the connection that storage/migrations.py hands over.

That connection is inside a write transaction holding the database's write lock, so the
revisions join it (Alembic begins no transaction of its own on a connection already in one)
and there is no engine, URL or alembic.ini here.
"""

from __future__ import annotations

from alembic import context

from market_server.storage.store import metadata


def _run() -> None:
    attributes = context.config.attributes
    connection = attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "the market server's schema is upgraded by `market-server db upgrade` (or init, "
            "serve), not by the alembic command"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite runs DDL inside the caller's BEGIN IMMEDIATE transaction as PostgreSQL does.
        transactional_ddl=True,
        on_version_apply=attributes.get("on_version_apply"),
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
