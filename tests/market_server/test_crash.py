"""Crash safety: `serve` killed with SIGKILL during or right after rounds restarts with no lost
and no duplicated fills (every order's filled volume = the sum of its fills, fills balance per
day, every fill belongs to a completed round)."""

from __future__ import annotations

import contextlib
import http.client
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from market_server.http.contract import parse_request
from market_server.market import community, households, orders
from market_server.market.gate import open_days
from market_server.market.settings import CommunitySettings
from market_server.storage import store as db
from market_server.storage.auth import Household, household_for_token
from market_server.storage.store import Store
from tests.market_server.invariants import check_invariants
from tests.market_server.serve_process import ServeProcess, run_cli_json
from tests.market_server.serve_process import http as call
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("socket_enabled")]
ROUNDS = 6
ORDERS = 120


def _setup(url: str) -> tuple[str, list[Household]]:
    store = Store(url)
    try:
        now = datetime.now(UTC)
        settings, token = community.initialise(
            store,
            now,
            {"clear_on_submit": False, "default_max_open_kwh": 100_000.0},
            issue_token=False,
        )
        assert token is not None
        with store.write() as conn:
            hhs = []
            for i in range(6):
                code = households.add(conn, settings, now, f"H{i}", max_sell_kwh=10_000.0)
                secret = households.redeem(conn, now, code.join_code, None)[1]
                hhs.append(household_for_token(conn, secret))
        return token, hhs
    finally:
        store.dispose()


def _add_orders(url: str, hhs: list[Household], rng: random.Random, n: int) -> None:
    store = Store(url)
    try:
        now = datetime.now(UTC)
        with store.write() as conn:
            settings = community.load(conn)
            days = open_days(now, settings)[:4]
            for _ in range(n):
                side = rng.choice(("buy", "sell"))
                hh = rng.choice(hhs[:3] if side == "sell" else hhs[3:])
                spec = parse_request(
                    {
                        "side": side,
                        "volumes": {rng.choice(days).isoformat(): rng.randint(1, 80) / 10},
                        "limit_price": rng.randint(40, 120) / 1000,
                    },
                    settings,
                )
                orders.submit(conn, settings, hh, spec, now)
    finally:
        store.dispose()


def _send_round(url: str, token: str) -> http.client.HTTPConnection:
    """Send POST /api/v1/operator/rounds without reading the answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    conn.request("POST", "/api/v1/operator/rounds", headers={"Authorization": f"Bearer {token}"})
    return conn


def _round_in_progress(store: Store) -> bool:
    """Whether some process holds the round lock right now (a round transaction is open)."""
    if store.is_sqlite:
        path = sa.engine.make_url(store.url).database
        raw = sqlite3.connect(str(path), timeout=0, isolation_level=None)
        try:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
        finally:
            raw.close()
        return False
    try:
        with store.engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SELECT name FROM locks WHERE name = 'rounds' FOR UPDATE NOWAIT")
    except sa.exc.OperationalError:
        return True
    return False


def _kill_during_round(server: ServeProcess, store: Store, rng: random.Random, token: str) -> bool:
    """Start a round and SIGKILL the server once its transaction is open (plus a random moment).
    Returns whether the transaction was seen open."""
    conn = _send_round(server.url, token)
    seen = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _round_in_progress(store):
            seen = True
            break
        assert server.proc is not None
        if server.proc.poll() is not None:
            break
        time.sleep(0.001)  # polling interval, bounded by the deadline
    time.sleep(rng.uniform(0.0, 0.04))  # where in the round to kill, not a synchronisation
    server.kill(signal.SIGKILL)
    conn.close()
    return seen


def test_sigkill_during_and_after_rounds_loses_and_duplicates_nothing(
    tmp_path: Path, db_url: str
) -> None:
    rng = random.Random(20261125)
    token, hhs = _setup(db_url)
    server = ServeProcess(db_url, tmp_path, "--no-scheduler")
    probe = Store(db_url)
    seen_open = 0
    deadline = time.monotonic() + 120
    try:
        for i in range(ROUNDS):
            assert time.monotonic() < deadline, "crash test ran out of time"
            _add_orders(db_url, hhs, rng, ORDERS)
            server.start()
            mode = i % 3
            if mode == 0:  # kill inside a round's transaction
                # A first round loads ASSUME and clears the book; then new orders arrive.
                status, _ = call("POST", server.url + "/api/v1/operator/rounds", token)
                assert status == 200
                _add_orders(db_url, hhs, rng, ORDERS)
                seen_open += _kill_during_round(server, probe, rng, token)
            elif mode == 1:  # kill right after a round answered
                status, summary = call("POST", server.url + "/api/v1/operator/rounds", token)
                assert (status, summary["status"]) == (200, "completed")
                server.kill(signal.SIGKILL)
            else:  # several rounds queued, kill at a random moment
                conns = [_send_round(server.url, token) for _ in range(3)]
                time.sleep(rng.uniform(0.0, 1.5))  # the kill point, not a synchronisation
                server.kill(signal.SIGKILL)
                for c in conns:
                    c.close()
            check_invariants(db_url)
        # After the last crash the server restarts and the book still clears consistently.
        server.start()
        status, summary = call("POST", server.url + "/api/v1/operator/rounds", token)
        assert (status, summary["status"]) == (200, "completed")
        status, recent = call("GET", server.url + "/api/v1/operator/rounds?limit=500", token)
        assert all(r["status"] == "completed" for r in recent["rounds"])
        server.kill(signal.SIGTERM)
    finally:
        probe.dispose()
        if server.proc is not None:
            server.kill(signal.SIGKILL)
    assert seen_open >= 1, "no kill landed inside a round's transaction"
    counts = check_invariants(db_url)
    assert counts["fills"] > 0
    assert counts["orders"] == ORDERS * (ROUNDS + (ROUNDS + 2) // 3)
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log, log[-2000:]


@pytest.mark.postgres
def test_a_replay_after_a_kill_between_commit_and_round_clears(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    """Issue 19, item 7: the server commits a request, is killed before its round, and the
    client's retry (same client_request_id) clears the request like the original would have,
    without another submission or the scheduled round (no scheduler runs here)."""
    url = postgres_schema_url
    run_cli_json(url, "init", "--name", "Crash", cwd=tmp_path)
    token = run_cli_json(url, "operator-token", cwd=tmp_path)["operator_token"]
    server = ServeProcess(url, tmp_path, "--no-scheduler")
    probe = Store(url)
    try:
        server.start()
        tokens = []
        for name in ("Seller", "Buyer"):
            status, added = call(
                "POST",
                server.url + "/api/v1/operator/households",
                token,
                {"name": name, "max_sell_kwh": 10.0},
            )
            assert status == 201, added
            status, joined = call(
                "POST", server.url + "/api/v1/join", None, {"code": added["join_code"]}
            )
            assert status == 201, joined
            tokens.append(joined["token"])
        seller, buyer = tokens
        day = open_days(datetime.now(UTC), _settings(probe))[0].isoformat()
        offer = {
            "side": "sell",
            "start_day": day,
            "num_days": 1,
            "kwh_per_day": 3.0,
            "limit_price": 0.05,
        }
        status, placed = call("POST", server.url + "/api/v1/requests", seller, offer)
        assert status == 201 and placed["orders"][0]["filled_kwh"] == 0.0, placed
        bid = {
            "side": "buy",
            "start_day": day,
            "num_days": 1,
            "kwh_per_day": 2.0,
            "limit_price": 0.08,
            "client_request_id": "bid-after-crash",
        }
        # Hold the round lock: the server commits the bid, then its round waits here.
        with probe.engine.connect() as holder:
            holder.begin()
            probe.lock_rounds(holder)
            sent = threading.Thread(
                target=lambda: _ignore_errors(
                    call, "POST", server.url + "/api/v1/requests", buyer, bid, 30
                ),
                daemon=True,
            )
            sent.start()
            wait_until(lambda: _request_stored(probe, "bid-after-crash"), "the bid is committed")
            server.kill(signal.SIGKILL)
            holder.rollback()
        sent.join(timeout=30)
        with probe.read() as conn:
            fills = conn.execute(sa.select(sa.func.count()).select_from(db.fills)).scalar_one()
        assert fills == 0, "a round ran before the kill"

        server.start()
        status, replay = call("POST", server.url + "/api/v1/requests", buyer, bid)
        assert status == 200, replay
        assert [(o["status"], o["filled_kwh"]) for o in replay["orders"]] == [("filled", 2.0)]
        status, again = call("POST", server.url + "/api/v1/requests", buyer, bid)
        assert (status, again["request_id"]) == (200, replay["request_id"])
        server.kill(signal.SIGTERM)
    finally:
        probe.dispose()
        if server.proc is not None:
            server.kill(signal.SIGKILL)
    counts = check_invariants(url)
    assert counts["fills"] == 2


def _ignore_errors(func: Callable[..., object], *args: object) -> None:
    """A call whose server is killed under it: its answer (or error) does not matter."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        func(*args)


def _request_stored(store: Store, client_request_id: str) -> bool:
    with store.read() as conn:
        return (
            conn.execute(
                sa.select(db.requests.c.id).where(
                    db.requests.c.client_request_id == client_request_id
                )
            ).first()
            is not None
        )


def _settings(store: Store) -> CommunitySettings:
    with store.read() as conn:
        return community.load(conn)
