"""Persistence: the SQLAlchemy Core schema and the engine (SQLite file by default, or PostgreSQL).

Write transactions serialise across processes: on SQLite every write transaction starts with
BEGIN IMMEDIATE (WAL, busy timeout), on PostgreSQL a clearing round takes a row lock on `locks`.

PostgreSQL's lock order: a transaction that takes the round lock takes it before any other
(households, then orders in seq order); see `lock_rounds`. A transaction PostgreSQL still
aborts as a deadlock victim or for a serialisation failure is run again by `Store.transact`.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

DEFAULT_DB_PATH = Path("market-data") / "market.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# deadlock_detected, serialization_failure: the transaction did nothing and may run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
TRANSACTION_ATTEMPTS = 5
_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, stored naive UTC (the same on SQLite and PostgreSQL)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# The newest schema: a change here needs a revision in schema/versions (see migrations.py).
metadata = sa.MetaData()

settings_table = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
)

households = sa.Table(
    "households",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("max_sell_ticks", sa.Integer, nullable=False),
    sa.Column("max_open_ticks", sa.Integer, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

household_tokens = sa.Table(
    "household_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

operator_tokens = sa.Table(
    "operator_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

join_codes = sa.Table(
    "join_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # join | rejoin
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=True),  # migration 2; None: never
)

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
    sa.Column("client_request_id", sa.String(200), nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("max_power_kw", sa.Float, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("household_id", "client_request_id", name="uq_requests_client_id"),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("request_id", sa.String(40), sa.ForeignKey("requests.id"), nullable=False),
    sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("volume_ticks", sa.Integer, nullable=False),
    sa.Column("price_ticks", sa.Integer, nullable=False),
    sa.Column("filled_ticks", sa.Integer, nullable=False, default=0),
    sa.Column("filled_money_ticks", sa.BigInteger, nullable=False, default=0),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_orders_day_status", "day", "status"),
    sa.Index("ix_orders_household", "household_id", "day"),
    sa.Index("ix_orders_request", "request_id"),
)

rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("mechanism", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # completed | failed
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("fills_count", sa.Integer, nullable=False, default=0),
    sa.Column("cleared_ticks", sa.Integer, nullable=False, default=0),
    sa.Column("expired_count", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text, nullable=True),
    # migration 3: the scheduler's "last scheduled round" among many submit rounds
    sa.Index("ix_rounds_trigger_seq", "trigger", "seq"),
)

day_clearings = sa.Table(
    "day_clearings",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("round_id", sa.String(40), sa.ForeignKey("rounds.id"), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("mechanism", sa.String(64), nullable=False),
    sa.Column("price_ticks", sa.Integer, nullable=True),
    sa.Column("cleared_ticks", sa.Integer, nullable=False),
    sa.Column("buy_ticks", sa.Integer, nullable=False),
    sa.Column("sell_ticks", sa.Integer, nullable=False),
    sa.Column("orders_count", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_day_clearings_day", "day"),
)

fills = sa.Table(
    "fills",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("round_id", sa.String(40), sa.ForeignKey("rounds.id"), nullable=False),
    sa.Column("order_id", sa.String(40), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("request_id", sa.String(40), nullable=False),
    sa.Column("household_id", sa.String(40), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("volume_ticks", sa.Integer, nullable=False),
    sa.Column("price_ticks", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_fills_household", "household_id", "seq"),
    sa.Index("ix_fills_day", "day"),
)

ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("fill_id", sa.String(40), sa.ForeignKey("fills.id"), nullable=False, unique=True),
    sa.Column("household_id", sa.String(40), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("volume_ticks", sa.Integer, nullable=False),
    sa.Column("price_ticks", sa.Integer, nullable=False),
    sa.Column("amount_ticks", sa.BigInteger, nullable=False),
    sa.Column("settled_at", UTCDateTime, nullable=False),
    # revision 0004: what a sell entry's fill delivered (Wh; NULL = settled before deliveries
    # were metered: in full) and the money a buy entry got back for its sellers' shortfall
    # (amount_ticks is already net of it; NULL = none).
    sa.Column("delivered_wh", sa.BigInteger, nullable=True),
    sa.Column("refund_ticks", sa.BigInteger, nullable=True),
    # revision 0005: shared energy (ledger/payouts.py): a buy entry's billed Wh and what it paid
    # for them (< 0), a sell entry's share of the energy sold and what it earned (> 0). NULL in
    # entries settled before energy was shared: none. Not part of amount_ticks.
    sa.Column("energy_wh", sa.BigInteger, nullable=True),
    sa.Column("energy_ticks", sa.BigInteger, nullable=True),
    # revision 0006: own-credit energy (the buyers' own export drawn back from the sellers'
    # reserves), the same way at the community's feed-in price. NULL in entries settled before
    # it was paid: none. Not part of amount_ticks.
    sa.Column("own_credit_wh", sa.BigInteger, nullable=True),
    sa.Column("own_credit_ticks", sa.BigInteger, nullable=True),
    sa.Index("ix_ledger_household", "household_id", "day"),
    sa.Index("ix_ledger_day", "day"),
)

# revision 0004: what a household metered for a delivery day on one side (docs/delivery.md):
# a seller the capacity its battery held and released, a buyer the virtual battery it used.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    # Metered energy is finer than the trading step (0.1 kWh): kept in Wh.
    sa.Column("delivered_wh", sa.BigInteger, nullable=False),
    sa.Column("hourly_wh", sa.Text, nullable=True),  # JSON list, one Wh figure per local hour
    sa.Column("client_report_id", sa.String(64), nullable=True),
    # revision 0005: buy reports: the part of delivered_wh that was shared energy drawn from the
    # sellers' reserves; sell reports: the part charged from the grid (NULL: not given).
    sa.Column("shared_wh", sa.BigInteger, nullable=True),
    sa.Column("grid_wh", sa.BigInteger, nullable=True),
    # revision 0005: first reported after its day was settled: kept for the record only.
    sa.Column("late", sa.Boolean, nullable=False, default=False),
    sa.Column("corrections", sa.Integer, nullable=False, default=0),
    sa.Column("reported_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("household_id", "day", "side", name="uq_deliveries_household_day_side"),
    sa.Index("ix_deliveries_day", "day", "side"),
)


def normalise_url(db: str | Path | None) -> str:
    """A SQLAlchemy URL from what an operator types: a file path, sqlite:///..., postgresql://..."""
    if db is None or str(db) == "":
        db = DEFAULT_DB_PATH
    text = str(db)
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


class Store:
    """The engine plus the two kinds of transaction the market uses."""

    def __init__(self, url: str | Path | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = _create_engine(self.url)
        # SQLite lets one writer in at a time and makes the others poll with growing sleeps
        # (1, 2, 5, 10 ... ms): threads of this process queue here instead and enter the
        # moment the lock is free. Other processes still meet the busy timeout.
        self._sqlite_writer = threading.RLock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both databases)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it holds the write lock from its first statement."""
        if not self.is_sqlite:
            with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        with self._sqlite_writer, self.engine.connect() as raw:
            conn = raw.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def transact(self, func: Callable[[Connection], T]) -> T:
        """func(conn) in a write transaction, run again in a new one (up to
        TRANSACTION_ATTEMPTS times) when PostgreSQL aborted it as a deadlock victim or for a
        serialisation failure: nothing of it was written, and the caller should not see a
        conflict between two correct transactions as an error."""
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                with self.write() as conn:
                    return func(conn)
            except sa.exc.DBAPIError as err:
                if attempt == TRANSACTION_ATTEMPTS or not is_retryable(err):
                    raise
                _LOGGER.warning(
                    "transaction aborted by the database (%s), running it again (attempt %d)",
                    type(err.orig).__name__,
                    attempt + 1,
                )
                # A short random pause, so that the two sides of a deadlock do not meet again.
                time.sleep(random.uniform(0.0, 0.02 * attempt))
        raise AssertionError("unreachable")

    def lock_rounds(self, conn: Connection) -> None:
        """Serialise clearing rounds across processes (SQLite: BEGIN IMMEDIATE already does)."""
        lock_rounds(conn)

    def dispose(self) -> None:
        self.engine.dispose()


def lock_rounds(conn: Connection) -> None:
    """Take the round lock: clearing rounds, settlement, delivery reports and every change to
    orders a round might hold (cancels, re-prices, disabling a household) serialise on it.
    Taken first in its transaction, it keeps those from deadlocking with a round on the
    orders' row locks (SQLite: BEGIN IMMEDIATE already serialises every write)."""
    if conn.dialect.name != "sqlite":
        conn.execute(_LOCK_ROUNDS)


def is_retryable(err: sa.exc.DBAPIError) -> bool:
    """Whether the database aborted the transaction only to resolve a conflict."""
    return getattr(err.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


_LOCK_ROUNDS = sa.select(locks.c.name).where(locks.c.name == "rounds").with_for_update()


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=8,
            max_overflow=8,
            poolclass=sa.pool.QueuePool,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    engine = sa.create_engine(url, pool_size=8, max_overflow=8)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only if it sat idle for a while.

    `pool_pre_ping` pings on every checkout: a round trip per transaction, a quarter of the
    throughput of submissions on PostgreSQL (benchmarks/api_load.py). A connection in steady
    use cannot have silently died since its last transaction; one that sat idle can (a restart
    of PostgreSQL, a dropped TCP session), so only that one is pinged, and replaced if dead.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()
        except Exception as err:
            # The pool discards this connection and checks out another one.
            raise sa.exc.DisconnectionError(f"stale connection: {err}") from err


def utcnow() -> datetime:
    return datetime.now(UTC)
