"""Issue 11, item 12: rounds after submissions are shared by concurrent submissions, clear only
the days they touch, and every reply still says what its request filled."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from market_server.http.contract import parse_request
from market_server.market import community, households, orders, rounds
from market_server.market.day_clearing import BookOrder, DayClearing, clear_day
from market_server.market.gate import open_days
from market_server.storage import store as db
from market_server.storage.auth import household_for_token
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.conftest import T0
from tests.market_server.invariants import check_invariants

pytestmark = pytest.mark.usefixtures("socket_enabled")
BUYERS = 30


def _submit_rounds(url: str) -> list[Any]:
    store = Store(url)
    try:
        with store.read() as conn:
            return list(conn.execute(sa.select(db.rounds).where(db.rounds.c.trigger == "submit")))
    finally:
        store.dispose()


async def test_concurrent_submissions_share_rounds_and_each_reply_shows_its_fills(
    tmp_path: Path, db_url: str, clock: MutableClock
) -> None:
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        _, seller = await market.join_household("Seller", max_sell_kwh=1000.0)
        buyers = [(await market.join_household(f"Buyer {i}"))[1] for i in range(BUYERS)]
        day = market.first_open_day()
        # Enough for the first 20 buyers at 2 kWh each; the last 10 find nothing left.
        await market.place(seller, "sell", day, 1, 40.0, 0.05)
        replies = await asyncio.gather(
            *(market.place(token, "buy", day, 1, 2.0, 0.08) for token in buyers)
        )
        statuses = sorted(r["orders"][0]["status"] for r in replies)
        assert statuses == ["filled"] * 20 + ["open"] * 10
        # Each reply is what the household reads afterwards: the round ran before the reply.
        for token, reply in zip(buyers, replies, strict=True):
            again = await market.get(f"/api/v1/requests/{reply['request_id']}", token)
            assert again["orders"][0]["status"] == reply["orders"][0]["status"]
            assert again["filled_kwh"] == reply["filled_kwh"]
        submit_rounds = _submit_rounds(market.db_url)
        # One round for the seller, and far fewer than one per buyer.
        assert 2 <= len(submit_rounds) < BUYERS, len(submit_rounds)
        assert sum(r["filled_kwh"] for r in replies) == 40.0
    check_invariants(db_url)


async def test_a_submit_round_clears_only_the_days_of_the_request(
    market: RunningMarket, db_url: str, clock: MutableClock
) -> None:
    _, seller = await market.join_household("Seller")
    _, buyer = await market.join_household("Buyer")
    first, second = market.open_days()[:2]
    # A crossing pair on the first day that no round has seen (placed with the store,
    # as a request placed while clear_on_submit was off would be).
    store = Store(market.db_url)
    try:
        with store.write() as conn:
            settings = community.load(conn)
            for token, side, price in ((seller, "sell", 0.05), (buyer, "buy", 0.09)):
                spec = parse_request(
                    {"side": side, "volumes": {first.isoformat(): 3.0}, "limit_price": price},
                    settings,
                )
                orders.submit(conn, settings, household_for_token(conn, token), spec, clock())
    finally:
        store.dispose()
    reply = await market.place(seller, "sell", second, 1, 1.0, 0.05)
    assert reply["orders"][0]["status"] == "open"  # nobody buys on the second day
    (submit_round,) = _submit_rounds(market.db_url)
    assert submit_round.fills_count == 0
    first_day = await market.get(f"/api/v1/orders?day={first.isoformat()}", buyer)
    assert [o["status"] for o in first_day["orders"]] == ["open"]
    # The next full round clears the first day.
    summary = await market.clear()
    assert (summary["fills"], summary["cleared_kwh"]) == (2, 3.0)


def test_a_day_that_cannot_cross_is_not_handed_to_the_mechanism(db_url: str) -> None:
    store = Store(db_url)
    try:
        settings, _ = community.initialise(store, T0, {}, issue_token=False)
        day, other = open_days(T0, settings)[:2]
        with store.write() as conn:
            hhs = []
            for name in ("Seller", "Buyer"):
                code = households.add(conn, settings, T0, name)
                token = households.redeem(conn, T0, code.join_code, None)[1]
                hhs.append(household_for_token(conn, token))
            # `day`: best bid 0.06 < best ask 0.07; `other`: they cross.
            for hh, side, on, price in (
                (hhs[0], "sell", day, 0.07),
                (hhs[1], "buy", day, 0.06),
                (hhs[0], "sell", other, 0.05),
                (hhs[1], "buy", other, 0.06),
            ):
                spec = parse_request(
                    {"side": side, "volumes": {on.isoformat(): 2.5}, "limit_price": price},
                    settings,
                )
                orders.submit(conn, settings, hh, spec, T0)
        cleared: list[date] = []

        def recording(day: date, book: Sequence[BookOrder], **kw: Any) -> DayClearing:
            cleared.append(day)
            return clear_day(day, book, **kw)

        summary = rounds.run_round(store, lambda: T0, trigger="test", clear=recording)
    finally:
        store.dispose()
    assert cleared == [other]
    by_day = {d.day: d for d in summary.days}
    assert (by_day[day].buy_ticks, by_day[day].sell_ticks, by_day[day].orders) == (25, 25, 2)
    assert (by_day[day].fills, by_day[day].price_ticks) == (0, None)
    assert (by_day[other].fills, by_day[other].cleared_ticks) == (2, 25)
