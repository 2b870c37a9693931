"""Fixtures of the market server tests: the same tests against SQLite and PostgreSQL.

`db_url` is parametrised: a SQLite file under tmp_path, and a fresh schema on the PostgreSQL
server named by MARKET_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test),
dropped afterwards. When no PostgreSQL answers, those runs are skipped with the reason, and the
terminal summary says so loudly.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from _pytest.terminal import TerminalReporter

from tests.market_harness import MutableClock, RunningMarket, running_market

POSTGRES_URL = os.environ.get(
    "MARKET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
_pg_state: dict[str, str | None] = {}
_pg_skips: list[str] = []

# Wednesday 2026-11-25 10:00 UTC = 11:00 in Berlin: the first open delivery day is the 26th.
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def postgres_unreachable() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per session)."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _pg_state["reason"] = None
        except Exception as err:
            _pg_state["reason"] = f"PostgreSQL at {POSTGRES_URL} unreachable: {err}".strip()
    return _pg_state["reason"]


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def fresh_postgres_schema(server_url: str, prefix: str) -> Iterator[str]:
    """A URL of the PostgreSQL server ``server_url`` whose connections use a fresh, empty
    schema named ``prefix_...`` (dropped afterwards). The benchmarks use it too."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema (dropped afterwards)."""
    reason = postgres_unreachable()
    if reason is not None:
        _pg_skips.append(reason)
        pytest.skip(f"SKIPPING POSTGRESQL RUN: {reason}")
    with fresh_postgres_schema(POSTGRES_URL, "mt") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test run: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'market.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture(autouse=True)
def quiet_sql_log() -> Iterator[None]:
    """pytest-homeassistant-custom-component logs every SQL statement (INFO); not here."""
    sql_logger = logging.getLogger("sqlalchemy.engine")
    level = sql_logger.level
    sql_logger.setLevel(logging.WARNING)
    yield
    sql_logger.setLevel(level)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(T0)


@pytest.fixture
async def market(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    db_url: str,
    clock: MutableClock,
    socket_enabled: None,
) -> AsyncIterator[RunningMarket]:
    """A market server on the test's database and clock.

    ``@pytest.mark.market(clear_on_submit=False, ...)`` on a test sets its community settings.
    """
    marker = request.node.get_closest_marker("market")
    settings = {} if marker is None else marker.kwargs
    async with running_market(tmp_path, db_url=db_url, clock=clock, **settings) as running:
        yield running


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if _pg_skips:
        terminalreporter.write_sep("!", "POSTGRESQL NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_pg_skips)} PostgreSQL test run(s) were SKIPPED: {_pg_skips[0]}", red=True
        )
        terminalreporter.write_line(
            "Start PostgreSQL or set MARKET_TEST_POSTGRES_URL to test the PostgreSQL store.",
            red=True,
        )
