"""The scheduler of `serve`: a round at start and every interval, expiry at gate closure,
settlement once the delivery day is over; stopping leaves nothing running."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from market_server.http.contract import parse_request
from market_server.market import community, households, orders
from market_server.market.gate import gate_closure, open_days
from market_server.process.runtime import MarketRuntime
from market_server.process.scheduler import Scheduler
from market_server.storage import store as db
from market_server.storage.auth import household_for_token
from market_server.storage.store import Store
from tests.market_harness import MutableClock
from tests.waiting import async_wait_until


def _count(conn: Any, table: sa.Table, *where: Any) -> int:
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    )


async def _until(runtime: MarketRuntime, probe: Callable[[Any], bool], what: str) -> None:
    await async_wait_until(lambda: runtime.read(probe), f"the scheduler did {what}", 20)


async def test_scheduler_rounds_expiry_and_settlement(tmp_path: Path, clock: MutableClock) -> None:
    store = Store(tmp_path / "m.db")
    settings, _ = community.initialise(
        store, clock(), {"clear_on_submit": False, "round_interval_s": 3600}, issue_token=False
    )
    day = open_days(clock(), settings)[0]
    with store.write() as conn:
        hh = []
        for name in ("Seller", "Buyer"):
            code = households.add(conn, settings, clock(), name)
            hh.append(
                household_for_token(conn, households.redeem(conn, clock(), code.join_code, None)[1])
            )
        for side, who, kwh in (("sell", hh[0], 10.0), ("buy", hh[1], 7.0)):
            spec = parse_request(
                {"side": side, "volumes": {day.isoformat(): kwh}, "limit_price": 0.05}, settings
            )
            orders.submit(conn, settings, who, spec, clock())

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
