"""`serve --speed`: the real scheduler on a time-lapse clock trades, waits for delivery reports
and settles a day with refunds, within seconds of real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from market_server.ledger.settlement import report_deadline
from market_server.market.clock import MarketClock
from market_server.market.gate import day_end, gate_closure
from market_server.process.scheduler import Scheduler
from market_server.storage import store as db
from tests.market_harness import RunningMarket, running_market
from tests.waiting import async_wait_until

SPEED = 10_000  # a market day in 8.6 real seconds
# Wednesday 08:00 in Berlin: Thursday's gate closes in 10 market hours (3.6 real seconds).
START = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
REAL_DEADLINE_S = 30.0


async def _until_market(market: RunningMarket, when: datetime) -> None:
    """Until the market's clock has passed `when`."""
    await async_wait_until(
        lambda: market.now() > when, f"the market's clock passed {when}", REAL_DEADLINE_S
    )


def _ledger(market: RunningMarket) -> list[Any]:
    with market.runtime.store.read() as conn:
        return list(conn.execute(sa.select(db.ledger)))


async def test_a_fast_day_settles_with_refunds_after_the_report_deadline(
    tmp_path: Path, socket_enabled: None
) -> None:
    clock = MarketClock(SPEED, START)
    async with running_market(tmp_path, clock=clock, delivery_report_hours=3) as market:
        scheduler = Scheduler(market.runtime)
        scheduler.start()
        try:
            # The first day whose gate is still a few market hours away (setup took some).
            day = next(
                d
                for d in market.open_days()
                if gate_closure(d, market.settings) - market.now() > timedelta(hours=3)
            )
            _, short = await market.join_household("Short seller")
            _, silent = await market.join_household("Silent seller")
            _, buyer = await market.join_household("Buyer")
            await market.place(short, "sell", day, 1, 4.0, 0.05)
            await market.place(silent, "sell", day, 1, 4.0, 0.05)
            placed = await market.place(buyer, "buy", day, 1, 8.0, 0.08)
            assert placed["filled_kwh"] == 8.0, placed

            # The day passes; the short seller reports half, the silent one never reports.
            await _until_market(market, day_end(day, market.settings))
            await market.report_delivery(short, day, "sell", 2.0)
            deadline = report_deadline(day, market.settings)
            await async_wait_until(
                lambda: _ledger(market), "the scheduler settled the day", REAL_DEADLINE_S
            )
            entries = _ledger(market)
        finally:
            await scheduler.stop()

        # Settled by the scheduler once the deadline passed (a seller had not reported), not
        # before, and within a few market hours (a pass each market hour, 0.36 real seconds;
        # the margin is for a loaded machine).
        assert len(entries) == 3
        settled_at = {e.settled_at.astimezone(UTC) for e in entries}
        assert len(settled_at) == 1
        (when,) = settled_at
        assert deadline <= when < deadline + timedelta(hours=6)
        refunds = sum(e.refund_ticks or 0 for e in entries if e.side == "buy")
        short_fill = next(e for e in entries if e.side == "sell" and e.delivered_wh == 2000)
        assert refunds > 0
        # The short seller earns half its fill; the buyer gets the other half back.
        assert short_fill.amount_ticks * 2 == short_fill.volume_ticks * short_fill.price_ticks
