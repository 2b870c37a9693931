"""The scheduler of `serve`: a round at start and every interval, expiry at gate closure,
settlement once the delivery day is over; stopping leaves nothing running."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from market_server.market.gate import gate_closure
from market_server.process.runtime import MarketRuntime
from market_server.process.scheduler import Scheduler
from market_server.storage import store as db
from tests.market_harness import MutableClock
from tests.market_server.books import stored_book
from tests.waiting import async_wait_until


def _count(conn: Any, table: sa.Table, *where: Any) -> int:
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    )


async def _until(runtime: MarketRuntime, probe: Callable[[Any], bool], what: str) -> None:
    await async_wait_until(lambda: runtime.read(probe), f"the scheduler did {what}", 20)


async def test_scheduler_rounds_expiry_and_settlement(tmp_path: Path, clock: MutableClock) -> None:
    store, settings, day, _ = stored_book(
        tmp_path / "m.db", clock, [("Seller", "sell", 10.0), ("Buyer", "buy", 7.0)]
    )

    runtime = MarketRuntime(store, clock)
    scheduler = Scheduler(runtime)
    scheduler.start()
    try:
        await _until(runtime, lambda c: _count(c, db.fills) == 2, "clear at start")
        # Nothing more until the interval passes or the gate closes.
        clock.set(gate_closure(day, settings) + timedelta(seconds=5))
        scheduler.wake()
        await _until(
            runtime,
            lambda c: _count(c, db.orders, db.orders.c.status == "expired") == 1,
            "expire at gate closure",
        )
        clock.set(clock.now + timedelta(days=2))
        scheduler.wake()
        await _until(runtime, lambda c: _count(c, db.ledger) == 2, "settle after the day")
        rounds = await runtime.read(lambda c: [r.trigger for r in c.execute(sa.select(db.rounds))])
        assert set(rounds) == {"schedule"}
    finally:
        await scheduler.stop()
        await runtime.close()
