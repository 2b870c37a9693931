"""The store: engines, cross-process round serialisation, gate arithmetic (migrations: see
test_migrations.py)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from market_server.errors import SettingsError
from market_server.http.contract import parse_request
from market_server.market import community, households, orders, rounds
from market_server.market.gate import gate_closure, open_days
from market_server.market.settings import CommunitySettings
from market_server.market.units import money_eur, to_ticks
from market_server.storage.auth import household_for_token
from market_server.storage.store import Store, normalise_url
from tests.market_server.conftest import T0
from tests.market_server.invariants import check_invariants


def test_init_twice_keeps_data_and_updates_settings(db_url: str) -> None:
    store = Store(db_url)
    try:
        settings, token = community.initialise(store, T0, {"name": "Sonnenweg"}, issue_token=False)
        assert token is not None
        assert settings.timezone == "Europe/Berlin"
        with store.write() as conn:
            households.add(conn, settings, T0, "Miller")
        again, token2 = community.initialise(
            store, T0, {"gate_closure": "17:30"}, issue_token=False
        )
        assert token2 is None  # the operator token is shown once only
        assert (again.name, again.gate_closure) == ("Sonnenweg", "17:30")
        with store.read() as conn:
            assert len(households.list_all(conn)) == 1
            assert community.load(conn) == again
        with pytest.raises(SettingsError):
            community.initialise(store, T0, {"timezone": "Mars/Olympus"}, issue_token=False)
        with pytest.raises(SettingsError):
            community.initialise(store, T0, {"mechanism": "nope"}, issue_token=False)
    finally:
        store.dispose()


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.db")
    try:
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 10_000
    finally:
        store.dispose()


def test_urls() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_url("/tmp/m.db") == "sqlite:////tmp/m.db"
    assert normalise_url(None).endswith("market-data/market.db")


def test_ticks_and_money() -> None:
    assert to_ticks(0.07, 1000) == 70
    assert to_ticks(0.1 * 3, 10) == 3
    assert to_ticks(8.05, 10) is None
    assert to_ticks(float("nan"), 10) is None
    assert money_eur(840 * 90) == 7.56
    assert money_eur(-5) == 0.0
    assert money_eur(-50) == -0.01
    assert money_eur(50) == 0.01  # half up


def test_gate_closure_in_the_community_time_zone() -> None:
    berlin = CommunitySettings()
    # Winter: 18:00 CET = 17:00 UTC the day before.
    assert gate_closure(date(2026, 11, 30), berlin).astimezone(UTC) == datetime(
        2026, 11, 29, 17, 0, tzinfo=UTC
    )
    # Summer: 18:00 CEST = 16:00 UTC.
    assert gate_closure(date(2026, 7, 1), berlin).astimezone(UTC) == datetime(
        2026, 6, 30, 16, 0, tzinfo=UTC
    )
    # Across the DST change (Sunday 2026-03-29): still 18:00 local the day before.
    assert gate_closure(date(2026, 3, 30), berlin).hour == 18
    days = open_days(T0, berlin)
    assert days[0] == date(2026, 11, 26)
    assert days[-1] == date(2026, 11, 25) + timedelta(days=14)
    same_day = CommunitySettings(gate_closure_days_before=0, gate_closure="12:00")
    assert open_days(T0, same_day)[0] == date(2026, 11, 25)  # 11:00 local, gate at 12:00
    assert open_days(T0 + timedelta(hours=2), same_day)[0] == date(2026, 11, 26)


def _seed(url: str, n_pairs: int) -> None:
    store = Store(url)
    try:
        settings, _ = community.initialise(store, T0, {"clear_on_submit": False}, issue_token=False)
        with store.write() as conn:
            tokens = []
            for i in range(4):
                code = households.add(conn, settings, T0, f"H{i}", max_sell_kwh=100.0)
                tokens.append(households.redeem(conn, T0, code.join_code, None)[1])
            hhs = [household_for_token(conn, t) for t in tokens]
            day = open_days(T0, settings)[0]
            for i in range(n_pairs):
                for side, hh, price in (
                    ("sell", hhs[i % 2], 50 + i % 7),
                    ("buy", hhs[2 + i % 2], 60 - i % 5),
                ):
                    spec = parse_request(
                        {
                            "side": side,
                            "start_day": (day + timedelta(days=i % 3)).isoformat(),
                            "num_days": 1,
                            "kwh_per_day": 0.5 + (i % 4) * 0.5,
                            "limit_price": price / 1000,
                        },
                        settings,
                    )
                    orders.submit(conn, settings, hh, spec, T0)
    finally:
        store.dispose()


def test_concurrent_rounds_from_two_processes_never_double_fill(db_url: str) -> None:
    """Two engines (as two processes would have) run rounds at the same time."""
    _seed(db_url, 40)
    stores = [Store(db_url), Store(db_url)]
    results: list[rounds.RoundSummary] = []
    start = threading.Barrier(2)

    def worker(store: Store) -> None:
        start.wait()
        for _ in range(3):
            results.append(rounds.run_round(store, lambda: T0, trigger="test"))

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.dispose()
    assert len(results) == 6
    counts = check_invariants(db_url)
    assert counts["fills"] > 0
    # Only one of the six rounds found anything to clear.
    assert sorted(r.fills for r in results)[:-1] == [0] * 5


def test_a_connection_that_died_while_idle_is_replaced(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ping per checkout (it cost a round trip per transaction); a pooled connection idle
    longer than PING_AFTER_IDLE_S is pinged and replaced when PostgreSQL dropped it."""
    import psycopg

    from market_server.storage import store as store_module
    from tests.market_server.conftest import POSTGRES_URL

    store = Store(postgres_schema_url)
    try:
        with store.read() as conn:
            pid = conn.execute(sa.select(sa.func.pg_backend_pid())).scalar_one()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        monkeypatch.setattr(store_module, "PING_AFTER_IDLE_S", 0.0)
        with store.read() as conn:
            assert conn.execute(sa.select(sa.func.pg_backend_pid())).scalar_one() != pid
    finally:
        store.dispose()
