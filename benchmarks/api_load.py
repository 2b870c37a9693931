"""API load: concurrent households submitting requests to a real `market-server serve`.

Run: ``.venv/bin/python benchmarks/api_load.py`` (options: ``--help``; loopback only).

For each database (SQLite file, and PostgreSQL when ``--postgres-url`` answers) it starts two
fresh servers one after the other, each a real ``market-server serve`` subprocess on
127.0.0.1, and drives them with ``--households`` concurrent households (50), each sending
``--requests`` submissions (30) one after another over its own keep-alive connection:

* ``no_clearing``: ``clear_on_submit`` off -- the submission path alone, the baseline;
* ``clear_on_submit``: the default -- the reply comes after a round that cleared the
  request's days, so it says what was filled.

Sellers and buyers alternate; each request is 1-3 days at prices that cross, so rounds fill.
Measured per server: submissions per second (all of them over the wall time from the first
send to the last reply) and the median and p99 latency of one submission. The two
configurations run alternately ``--runs`` times (3) and each figure is the median over the
runs; the ratios compare clear_on_submit with no_clearing measured in the same run on the same
machine.

Then ``big_round``: one full clearing round over 1,000 households x 7 days (7,000 open
orders, half buy, half sell) through ``rounds.run_round`` on the same databases, the median of
``--repeat`` rounds, each on a freshly seeded book (seeding untimed).

The last line of output is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

from market_server.http.contract import parse_request
from market_server.market import community, households, orders, rounds
from market_server.market.gate import open_days
from market_server.storage import store as db
from market_server.storage.auth import Household, household_for_token
from market_server.storage.store import Store
from tests.market_server.conftest import fresh_postgres_schema
from tests.market_server.serve_process import ServeProcess

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
_LIMITS = {"default_max_open_kwh": 100_000.0, "default_max_sell_kwh": 10_000.0}


# -- databases --------------------------------------------------------------------------------


@contextmanager
def sqlite_url(workdir: Path, name: str) -> Iterator[str]:
    yield f"sqlite:///{workdir / f'{name}.db'}"


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


# -- the server -------------------------------------------------------------------------------


def _seed_community(url: str, n: int, clear_on_submit: bool) -> tuple[str, list[str]]:
    """A community with `n` joined households -> (operator token, household tokens)."""
    store = Store(url)
    try:
        now = datetime.now(UTC)
        settings, op = community.initialise(
            store, now, {**_LIMITS, "clear_on_submit": clear_on_submit}, issue_token=False
        )
        assert op is not None
        tokens = []
        with store.write() as conn:
            for i in range(n):
                code = households.add(conn, settings, now, f"Household {i}")
                tokens.append(households.redeem(conn, now, code.join_code, None)[1])
        return op, tokens
    finally:
        store.dispose()


# -- load -------------------------------------------------------------------------------------


def _body(rng: random.Random, seller: bool, days: list[date]) -> dict[str, Any]:
    num_days = rng.randint(1, 3)
    start = rng.choice(days[: len(days) - num_days + 1])
    return {
        "side": "sell" if seller else "buy",
        "start_day": start.isoformat(),
        "num_days": num_days,
        "kwh_per_day": rng.randint(5, 30) / 10,
        "limit_price": (rng.randint(50, 100) if seller else rng.randint(60, 120)) / 1000,
        "client_request_id": uuid.uuid4().hex,
    }


async def _household(base: str, token: str, days: list[date], n: int, *, seed: int) -> list[float]:
    """`n` submissions one after another; even seeds sell, odd ones buy -> latencies (s)."""
    seller = seed % 2 == 0
    rng = random.Random(seed)
    latencies = []
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        for _ in range(n):
            body = _body(rng, seller, days)
            started = time.perf_counter()
            async with session.post(base + "/api/v1/requests", json=body) as resp:
                await resp.read()
                if resp.status != 201:
                    raise RuntimeError(f"HTTP {resp.status}: {await resp.text()}")
            latencies.append(time.perf_counter() - started)
    return latencies


async def _load(base: str, op: str, tokens: list[str], n: int) -> dict[str, float]:
    # Warm up: the first round imports ASSUME; not part of the figures.
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            base + "/api/v1/operator/rounds", headers={"Authorization": f"Bearer {op}"}
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
    days = open_days(datetime.now(UTC), community.default_settings())
    started = time.perf_counter()
    results = await asyncio.gather(
        *(_household(base, token, days, n, seed=i) for i, token in enumerate(tokens))
    )
    wall = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def run_load(url: str, workdir: Path, households_n: int, n: int, clear: bool) -> dict[str, float]:
    op, tokens = _seed_community(url, households_n, clear)
    # Without the periodic scheduler: only the submissions' own rounds.
    with ServeProcess(url, workdir, "--no-scheduler") as server:
        return asyncio.run(_load(server.url, op, tokens, n))


# -- one big round ----------------------------------------------------------------------------


def _seed_book(store: Store, n_households: int, now: datetime) -> None:
    """`n_households` households, each with one 7-day request (half buy, half sell)."""
    community.initialise(store, now, dict(_LIMITS), issue_token=False)  # creates the schema
    with store.write() as conn:
        for table in (db.fills, db.day_clearings, db.rounds, db.orders, db.requests):
            conn.execute(sa.delete(table))
        conn.execute(sa.delete(db.household_tokens))
        conn.execute(sa.delete(db.join_codes))
        conn.execute(sa.delete(db.households))
        settings = community.load(conn)
    rng = random.Random(7)
    days = open_days(now, settings)[:7]
    with store.write() as conn:
        hhs: list[Household] = []
        for i in range(n_households):
            code = households.add(conn, settings, now, f"H{i}")
            token = households.redeem(conn, now, code.join_code, None)[1]
            hhs.append(household_for_token(conn, token))
        for i, hh in enumerate(hhs):
            seller = i % 2 == 0
            spec = parse_request(
                {
                    "side": "sell" if seller else "buy",
                    "volumes": {d.isoformat(): rng.randint(5, 130) / 10 for d in days},
                    "limit_price": (rng.randint(30, 140) if seller else rng.randint(50, 260))
                    / 1000,
                },
                settings,
            )
            orders.submit(conn, settings, hh, spec, now)


def run_round_benchmark(url: str, n_households: int, repeat: int) -> dict[str, Any]:
    store = Store(url)
    try:
        now = datetime.now(UTC)
        times = []
        result: dict[str, Any] = {}
        for i in range(repeat + 1):
            _seed_book(store, n_households, now)
            started = time.perf_counter()
            summary = rounds.run_round(store, lambda: now, trigger="benchmark")
            elapsed = time.perf_counter() - started
            if i > 0:  # the first imports ASSUME
                times.append(elapsed)
            result = {"orders": sum(d.orders for d in summary.days), "fills": summary.fills}
        return {**result, "round_ms": statistics.median(times) * 1000}
    finally:
        store.dispose()


# -- main -------------------------------------------------------------------------------------


def _database(
    kind: str, workdir: Path, name: str, postgres: str
) -> contextlib.AbstractContextManager[str]:
    """A fresh database of `kind` for one measurement."""
    return (
        sqlite_url(workdir, name) if kind == "sqlite" else fresh_postgres_schema(postgres, "bench")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--households", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30, help="per household")
    parser.add_argument("--round-households", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the big book")
    parser.add_argument(
        "--runs", type=int, default=3, help="load runs per configuration (medians reported)"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)

    figures: dict[str, Any] = {"households": args.households, "per_household": args.requests}
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in dbs and not postgres_reachable(args.postgres_url):
        print(f"PostgreSQL at {args.postgres_url} unreachable: measuring SQLite only")
        dbs.remove("postgresql")
    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        workdir = Path(tmp)
        for kind in dbs:
            per_db: dict[str, Any] = {}
            runs: dict[str, list[dict[str, float]]] = {"no_clearing": [], "clear_on_submit": []}
            for run in range(args.runs):
                # Alternating, so that a change in the machine's load hits both alike.
                for label, done in runs.items():
                    with _database(kind, workdir, f"{label}-{run}", args.postgres_url) as url:
                        figures_run = run_load(
                            url, workdir, args.households, args.requests, label != "no_clearing"
                        )
                    done.append(figures_run)
                    print(
                        f"{kind:10} {label:16} run {run + 1}: {figures_run['rps']:7.1f} req/s  "
                        f"median {figures_run['median_ms']:6.1f} ms  "
                        f"p99 {figures_run['p99_ms']:7.1f} ms",
                        flush=True,
                    )
            for label, results in runs.items():
                per_db[label] = {
                    **{
                        key: statistics.median(r[key] for r in results)
                        for key in ("rps", "median_ms", "p99_ms")
                    },
                    "runs_rps": [round(r["rps"], 1) for r in results],
                    "runs_p99_ms": [round(r["p99_ms"], 1) for r in results],
                }
                print(
                    f"{kind:10} {label:16} median of {args.runs}: "
                    f"{per_db[label]['rps']:7.1f} req/s  "
                    f"median {per_db[label]['median_ms']:6.1f} ms  "
                    f"p99 {per_db[label]['p99_ms']:7.1f} ms",
                    flush=True,
                )
            base, clear = per_db["no_clearing"], per_db["clear_on_submit"]
            per_db["rps_ratio"] = clear["rps"] / base["rps"]
            per_db["p99_ratio"] = clear["p99_ms"] / base["p99_ms"]
            print(
                f"{kind:10} clear_on_submit / no_clearing: {per_db['rps_ratio']:.2f}x req/s, "
                f"{per_db['p99_ratio']:.2f}x p99",
                flush=True,
            )
            with _database(kind, workdir, "round", args.postgres_url) as url:
                per_db["big_round"] = run_round_benchmark(url, args.round_households, args.repeat)
            big = per_db["big_round"]
            print(
                f"{kind:10} round of {args.round_households} households x 7 days "
                f"({big['orders']} orders, {big['fills']} fills): "
                f"median {big['round_ms']:.0f} ms of {args.repeat}",
                flush=True,
            )
            figures[kind] = per_db
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
