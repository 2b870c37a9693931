"""Which `serve` process runs the scheduled rounds when several share one database.

Exactly one process holds the clearing lead; the others are standbys that try to take it over
every few seconds. The lock is one the operating system or the database frees by itself when
the holder dies, so a SIGKILLed leader never leaves the community without rounds:

- PostgreSQL: a session-level advisory lock on a connection the leader keeps open; the server
  drops it the moment that connection closes. Its key is derived from the schema, so separate
  communities in one database (tests use a schema each) do not compete.
- SQLite: `flock` on a file beside the database (`market.db-leader`); the kernel releases it
  when the holder's file descriptor closes, also on SIGKILL.
- Anything else (an in-memory database): this process is the only one, so it leads.

All methods block: call them from a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.storage.store import Store

_LOGGER = logging.getLogger(__name__)


class LeaderLock(Protocol):
    def hold(self) -> bool:
        """Take the lead if it is free; True while this process holds it (checked each call)."""

    def release(self) -> None:
        """Give the lead up (on shutdown), so that a standby need not wait for a timeout."""


class SoleLeader:
    def hold(self) -> bool:
        return True

    def release(self) -> None:
        return None


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def hold(self) -> bool:
        import fcntl

        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class PostgresLeaderLock:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._conn: Connection | None = None

    def _key(self, conn: Connection) -> int:
        schema = conn.execute(sa.select(sa.func.current_schema())).scalar() or ""
        digest = hashlib.sha256(f"community-storage-leader:{schema}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def hold(self) -> bool:
        if self._conn is not None:
            try:
                # The advisory lock lives as long as this session: if the session answers,
                # the lock is still ours.
                self._conn.execute(sa.select(sa.literal(1)))
                return True
            except sa.exc.DBAPIError:
                _LOGGER.warning("lost the connection holding the clearing lead")
                self._drop()
        conn = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(self._key(conn)))).scalar()
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        if self._conn is None:
            return
        # Closing would return the connection, lock and all, to the pool: invalidate it so
        # that the session ends and PostgreSQL frees the lock.
        self._drop()


def leader_lock(store: Store) -> LeaderLock:
    """The lock that fits the store's database."""
    if not store.is_sqlite:
        return PostgresLeaderLock(store)
    database = sa.engine.make_url(store.url).database
    if not database or database == ":memory:":
        return SoleLeader()
    return FileLeaderLock(Path(f"{database}-leader"))
