"""Clearing benchmark: ASSUME's pay_as_clear vs ours, bare and as a full round, side by side.

Run: ``.venv/bin/python benchmarks/clearing.py`` (options: ``--help``).

For each book size (default 1,000 and 10,000 orders for one delivery day; prices 0.03-0.26
EUR/kWh, volumes 0.5-13 kWh, seeded) it measures in the same process, on the same book:

* ``assume_ms``: ASSUME's ``PayAsClearRole.clear`` (the bare clearing, ties in time priority);
* ``ours_ms``: our ``PayAsClearFastRole.clear`` (``market_server.market.pay_as_clear_fast``),
  same input;
* ``round_ms``: one complete clearing round of the market server with our mechanism
  (``market_server.market.rounds.run_round``): load the open orders from a real SQLite store,
  clear,
  write fills, order updates and the round in one transaction;

each the median of ``--repeat`` runs (fresh copies of the book / database every run, copying
untimed). ``identical`` says that both mechanisms returned the same accepted and rejected
orders (volumes and prices, in the same order) and metadata, and that the round wrote exactly
those fills. The last line of output is one JSON object for the largest size.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from market_server.market.assume_loader import load
from market_server.market.day_clearing import (
    PAY_AS_CLEAR,
    PAY_AS_CLEAR_FAST,
    BookOrder,
    build_market,
    build_orderbook,
    time_priority_ties,
)

DAY = date(2026, 6, 15)
TIMEZONE = "Europe/Berlin"
#: The round runs three days before delivery, at noon: the day is open, nothing expires.
NOW = datetime.combine(date(2026, 6, 12), clock_time(12), tzinfo=ZoneInfo(TIMEZONE))
HOUSEHOLDS = 200


def _now() -> datetime:
    return NOW


def make_book(n: int, seed: int) -> list[BookOrder]:
    """``n`` orders for one day, half buy, half sell, in time priority 0..n-1.

    Prices 0.030-0.260 EUR/kWh (triangular, sellers around 0.08, buyers around 0.11: a book
    that crosses in the middle, with many ties at 0.001 resolution), volumes 0.5-13.0 kWh.
    """
    import random

    rng = random.Random(seed)
    orders = []
    for i in range(n):
        side = "sell" if rng.random() < 0.5 else "buy"
        mode = 80 if side == "sell" else 110
        price = round(rng.triangular(30, 260, mode))
        volume = rng.randint(5, 130)
        orders.append(BookOrder(f"or_bench_{i:06d}", side, volume, price, i))  # type: ignore[arg-type]
    return orders


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def _summary(orders: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(o["bid_id"], o["volume"], o["accepted_volume"], o["accepted_price"]) for o in orders]


def _fills(accepted: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {
        o["bid_id"]: (abs(int(o["accepted_volume"])), int(o["accepted_price"]))
        for o in accepted
        if o["accepted_volume"]
    }


def bare_clearing(orders: list[BookOrder], repeat: int) -> dict[str, Any]:
    """Median ms of ASSUME's and our ``clear`` on the same orderbook, and whether they agree."""
    mechanisms = load().clearing_mechanisms
    config, products = build_market(DAY, PAY_AS_CLEAR, TIMEZONE)
    template = build_orderbook(orders, products[0])
    timings: dict[str, list[float]] = {PAY_AS_CLEAR: [], PAY_AS_CLEAR_FAST: []}
    outputs: dict[str, Any] = {}
    for _ in range(repeat):
        for name in (PAY_AS_CLEAR, PAY_AS_CLEAR_FAST):
            book = copy.deepcopy(template)
            role = mechanisms[name](config)
            with time_priority_ties():
                ms, outputs[name] = _timed(partial(role.clear, book, products))
            timings[name].append(ms)
    theirs, ours = outputs[PAY_AS_CLEAR], outputs[PAY_AS_CLEAR_FAST]
    identical = (
        _summary(theirs[0]) == _summary(ours[0])
        and _summary(theirs[1]) == _summary(ours[1])
        and theirs[2] == ours[2]
    )
    meta = ours[2][0] if ours[2] else {}
    return {
        "assume_ms": statistics.median(timings[PAY_AS_CLEAR]),
        "ours_ms": statistics.median(timings[PAY_AS_CLEAR_FAST]),
        "identical": identical,
        "fills": _fills(ours[0]),
        "cleared_ticks": int(meta.get("supply_volume", 0)),
        "price_ticks": int(meta.get("max_price", 0)) if meta.get("supply_volume") else None,
    }


def _seed_database(path: Path, orders: list[BookOrder]) -> None:
    """A market database with the community set up and ``orders`` open for ``DAY``."""
    import sqlalchemy as sa

    from market_server.market import community
    from market_server.storage import migrations
    from market_server.storage import store as db
    from market_server.storage.store import Store

    store = Store(path)
    try:
        migrations.upgrade(store)
        with store.write() as conn:
            settings = community.default_settings().updated(
                timezone=TIMEZONE, mechanism=PAY_AS_CLEAR_FAST
            )
            community.save(conn, settings)
            conn.execute(
                sa.insert(db.households),
                [
                    {
                        "id": f"hh_bench_{h:04d}",
                        "name": f"Household {h}",
                        "max_sell_ticks": 10**6,
                        "max_open_ticks": 10**7,
                        "disabled": False,
                        "created_at": NOW,
                    }
                    for h in range(HOUSEHOLDS)
                ],
            )
            conn.execute(
                sa.insert(db.requests),
                [
                    {
                        "id": f"rq_bench_{i:06d}",
                        "household_id": f"hh_bench_{i % HOUSEHOLDS:04d}",
                        "client_request_id": f"bench-{i}",
                        "body_hash": "0" * 64,
                        "side": o.side,
                        "created_at": NOW,
                    }
                    for i, o in enumerate(orders)
                ],
            )
            conn.execute(
                sa.insert(db.orders),
                [
                    {
                        "id": o.order_id,
                        "request_id": f"rq_bench_{i:06d}",
                        "household_id": f"hh_bench_{i % HOUSEHOLDS:04d}",
                        "day": DAY,
                        "side": o.side,
                        "volume_ticks": o.volume_ticks,
                        "price_ticks": o.price_ticks,
                        "filled_ticks": 0,
                        "filled_money_ticks": 0,
                        "status": "open",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i, o in enumerate(sorted(orders, key=lambda o: o.priority))
                ],
            )
    finally:
        store.dispose()
    with sqlite3.connect(path) as raw:  # fold the WAL into the file so a copy is complete
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def full_round(orders: list[BookOrder], repeat: int, workdir: Path) -> dict[str, Any]:
    """Median ms of ``run_round`` on a fresh copy of a seeded SQLite store, and its fills."""
    import sqlalchemy as sa

    from market_server.market.rounds import run_round
    from market_server.storage import store as db
    from market_server.storage.store import Store

    template = workdir / f"template-{len(orders)}.db"
    _seed_database(template, orders)
    timings = []
    written: dict[str, tuple[int, int]] = {}
    for rep in range(repeat):
        path = workdir / f"round-{len(orders)}-{rep}.db"
        shutil.copyfile(template, path)
        store = Store(path)
        try:
            with store.read() as conn:  # open the pool's connection outside the timing
                conn.execute(sa.select(1))
            ms, summary = _timed(partial(run_round, store, _now, trigger="benchmark"))
            if summary.status != "completed":
                raise RuntimeError(f"round failed: {summary.error}")
            timings.append(ms)
            if rep == 0:
                with store.read() as conn:
                    rows = conn.execute(
                        sa.select(
                            db.fills.c.order_id, db.fills.c.volume_ticks, db.fills.c.price_ticks
                        )
                    )
                    for order_id, volume, price in rows:
                        prior = written.get(order_id, (0, price))
                        written[order_id] = (prior[0] + volume, price)
        finally:
            store.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {"round_ms": statistics.median(timings), "round_fills": written}


def run(
    sizes: list[int], repeat: int, seed: int, with_round: bool, workdir: Path | None
) -> list[dict[str, Any]]:
    """Measure every size; returns one result dict per size."""
    results = []
    with tempfile.TemporaryDirectory(prefix="clearing-bench-") as tmp:
        work = workdir or Path(tmp)
        for n in sizes:
            orders = make_book(n, seed)
            bare = bare_clearing(orders, repeat)
            result: dict[str, Any] = {
                "orders": n,
                "assume_ms": round(bare["assume_ms"], 3),
                "ours_ms": round(bare["ours_ms"], 3),
                "speedup": round(bare["assume_ms"] / bare["ours_ms"], 1),
                "identical": bare["identical"],
                "cleared_kwh": bare["cleared_ticks"] / 10,
                "price_eur_per_kwh": None
                if bare["price_ticks"] is None
                else bare["price_ticks"] / 1000,
                "repeat": repeat,
            }
            if with_round:
                rnd = full_round(orders, repeat, work)
                result["round_ms"] = round(rnd["round_ms"], 3)
                result["identical"] = result["identical"] and rnd["round_fills"] == bare["fills"]
            results.append(result)
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    header = f"{'orders':>7} {'assume_ms':>10} {'ours_ms':>8} {'speedup':>8} {'round_ms':>9}"
    print(header + f" {'identical':>9} {'cleared_kWh':>11} {'price':>6}")
    for r in results:
        round_ms = f"{r['round_ms']:9.1f}" if "round_ms" in r else f"{'-':>9}"
        price = "-" if r["price_eur_per_kwh"] is None else f"{r['price_eur_per_kwh']:.3f}"
        print(
            f"{r['orders']:>7} {r['assume_ms']:>10.1f} {r['ours_ms']:>8.2f} "
            f"{r['speedup']:>7.1f}x {round_ms} {r['identical']!s:>9} "
            f"{r['cleared_kwh']:>11.1f} {price:>6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000", help="comma-separated order counts (default 1000,10000)"
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=20260615, help="book generator seed")
    parser.add_argument("--no-round", action="store_true", help="skip the full-round figure")
    parser.add_argument("--workdir", type=Path, help="where the SQLite files go (default: tmp)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be positive")
    results = run(sizes, args.repeat, args.seed, not args.no_round, args.workdir)
    print_table(results)
    print(json.dumps(results[-1]))
    return 0 if all(r["identical"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
