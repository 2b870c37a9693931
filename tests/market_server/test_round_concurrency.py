"""Issue 19, item 2: rounds, cancels and re-prices hammering the same orders on PostgreSQL end
with no failed round and no 500. A round locks the orders it clears (`FOR UPDATE ... ORDER BY
seq`); a cancel or a re-price that took the same rows in another order deadlocked with it, and
PostgreSQL then failed the round or answered the household with 500."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from market_server.storage import store as db
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.invariants import check_invariants
from tests.waiting import async_wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("socket_enabled")]
HOUSEHOLDS = 16
STEPS = 60  # per household; the loops are bounded by count, not by time
ROUNDS = 150


# Resting prices never cross (bids 0.075-0.08, asks 0.09-0.095); small crossing orders
# (bids at 0.10, asks at 0.07) make every day cross, so rounds lock whole days' books while
# the households re-price and cancel the resting orders, partly filled (updated rows move in
# the table, so a scan meets them out of seq order).
RESTING = {"buy": (0.075, 0.08), "sell": (0.09, 0.095)}
CROSSING = {"buy": 0.10, "sell": 0.07}


async def _household_load(
    market: RunningMarket, token: str, side: str, rng: random.Random, statuses: Counter[int]
) -> None:
    days = market.open_days()[:8]
    resting: list[str] = []

    async def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, answer = await market.request(method, path, token=token, json=body)
        statuses[status] += 1
        return status, answer

    async def place(price: float, kwh: float) -> str | None:
        status, placed = await call(
            "POST",
            "/api/v1/requests",
            {
                "side": side,
                "volumes": {d.isoformat(): kwh for d in days},
                "limit_price": price,
                "client_request_id": str(uuid.uuid4()),
            },
        )
        return str(placed["request_id"]) if status == 201 else None

    for _ in range(3):
        placed = await place(RESTING[side][0], 5.0)
        if placed:
            resting.append(placed)
    for _ in range(STEPS):
        action = rng.random()
        if resting and action < 0.4:
            status, moved = await call(
                "POST",
                f"/api/v1/requests/{resting.pop(rng.randrange(len(resting)))}/reprice",
                {"limit_price": rng.choice(RESTING[side]), "client_request_id": str(uuid.uuid4())},
            )
            if status == 201:
                resting.append(moved["request_id"])
        elif resting and action < 0.6:
            await call("DELETE", f"/api/v1/requests/{resting.pop(rng.randrange(len(resting)))}")
            placed = await place(rng.choice(RESTING[side]), 5.0)
            if placed:
                resting.append(placed)
        else:
            await place(CROSSING[side], 0.5)


async def _rounds(market: RunningMarket, statuses: Counter[int]) -> None:
    for _ in range(ROUNDS):
        status, _ = await market.request(
            "POST", "/api/v1/operator/rounds", token=market.operator_token
        )
        statuses[status] += 1


async def test_rounds_cancels_and_reprices_on_the_same_orders_never_fail(
    tmp_path: Path, postgres_schema_url: str, clock: MutableClock
) -> None:
    rng = random.Random(19)
    async with running_market(
        tmp_path,
        db_url=postgres_schema_url,
        clock=clock,
        default_max_open_kwh=10_000.0,
    ) as market:
        tokens = [
            (await market.join_household(f"H{i}", max_sell_kwh=1000.0))[1]
            for i in range(HOUSEHOLDS)
        ]
        statuses: Counter[int] = Counter()
        await asyncio.gather(
            _rounds(market, statuses),
            *(
                _household_load(
                    market, token, "sell" if i % 2 else "buy", random.Random(rng.random()), statuses
                )
                for i, token in enumerate(tokens)
            ),
        )
        with market.runtime.store.read() as conn:
            rounds = Counter(conn.execute(sa.select(db.rounds.c.status)).scalars())
            errors = list(
                conn.execute(
                    sa.select(db.rounds.c.error).where(db.rounds.c.status != "completed")
                ).scalars()
            )
        assert not [s for s in statuses if s >= 500], (statuses, errors[:3])
        assert rounds["failed"] == 0, (rounds, errors[:3])
        assert rounds["completed"] >= ROUNDS
        assert statuses[201] > HOUSEHOLDS and statuses[200] > ROUNDS, statuses
        check_invariants(postgres_schema_url)


class _Blocker:
    """A PostgreSQL session outside the server that locks orders in an order of its own choosing
    (as an older server or a hand-written SQL session might), to make the server's transaction
    a deadlock victim on purpose. Its own deadlock timeout is long, so that PostgreSQL always
    picks the server's transaction, which waited first."""

    def __init__(self, url: str) -> None:
        self.store = Store(url)
        self.conn = self.store.engine.connect()
        self.conn.begin()
        self.conn.exec_driver_sql("SET deadlock_timeout = '20s'")
        self.pid = int(self.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

    def lock(self, order_id: str) -> None:
        self.conn.execute(
            sa.select(db.orders.c.id).where(db.orders.c.id == order_id).with_for_update()
        )

    def blocks_someone(self) -> bool:
        with self.store.engine.connect() as probe:
            return bool(
                probe.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity "
                    f"WHERE {self.pid} = ANY(pg_blocking_pids(pid))"
                ).scalar_one()
            )

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.store.dispose()


async def test_a_cancel_chosen_as_deadlock_victim_is_run_again(
    tmp_path: Path, postgres_schema_url: str, clock: MutableClock
) -> None:
    async with running_market(tmp_path, db_url=postgres_schema_url, clock=clock) as market:
        _, token = await market.join_household("Buyer")
        placed = await market.place(token, "buy", market.first_open_day(), 2, 1.0, 0.05)
        first, second = (o["order_id"] for o in placed["orders"])
        blocker = _Blocker(postgres_schema_url)
        try:
            blocker.lock(second)
            cancel = asyncio.create_task(
                market.request("DELETE", f"/api/v1/requests/{placed['request_id']}", token=token)
            )
            # The cancel holds the first order and waits for the second: lock the first too.
            await async_wait_until(blocker.blocks_someone, "the cancel waits for the blocker")
            await asyncio.to_thread(blocker.lock, first)
        finally:
            blocker.close()
        status, body = await cancel
        assert status == 200, body
        assert [o["status"] for o in body["orders"]] == ["cancelled", "cancelled"]


async def test_a_round_chosen_as_deadlock_victim_is_run_again(
    tmp_path: Path, postgres_schema_url: str, clock: MutableClock
) -> None:
    async with running_market(
        tmp_path, db_url=postgres_schema_url, clock=clock, clear_on_submit=False
    ) as market:
        _, buyer = await market.join_household("Buyer")
        _, seller = await market.join_household("Seller")
        day = market.first_open_day()
        bid = await market.place(buyer, "buy", day, 2, 1.0, 0.08)
        ask = await market.place(seller, "sell", day, 2, 1.0, 0.07)
        blocker = _Blocker(postgres_schema_url)
        try:
            blocker.lock(ask["orders"][1]["order_id"])  # the last order the round locks
            clearing = asyncio.create_task(
                market.request("POST", "/api/v1/operator/rounds", token=market.operator_token)
            )
            await async_wait_until(blocker.blocks_someone, "the round waits for the blocker")
            await asyncio.to_thread(blocker.lock, bid["orders"][0]["order_id"])
        finally:
            blocker.close()
        status, summary = await clearing
        assert status == 200, summary
        assert (summary["status"], summary["fills"]) == ("completed", 4), summary
        with market.runtime.store.read() as conn:
            statuses = list(conn.execute(sa.select(db.rounds.c.status)).scalars())
        assert statuses == ["completed"]
