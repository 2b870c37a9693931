"""The neighbourhood lives on the market's clock (GET /api/v1/market's `generated_at`), not on
this machine's: a market weeks ahead still gets its orders and delivery reports; `--speed` sets
how often it ticks and a market at another pace is reported."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from market_server.market.clock import MarketClock
from market_server.market.gate import day_end
from market_server.process.scheduler import Scheduler
from market_server.storage import store as db
from neighbourhood.__main__ import main
from neighbourhood.simulation import MIN_TICK_S, MarketPace, SimulationConfig, run
from tests.market_harness import MutableClock, running_market
from tests.neighbourhood.street import street_config
from tests.waiting import async_wait_until


async def test_the_households_follow_the_markets_clock(
    tmp_path: Path, socket_enabled: None
) -> None:
    # Two months ahead of this machine: beyond the market's 14-day horizon, so a household on
    # its own clock would plan days the market does not trade.
    clock = MutableClock(datetime.now(UTC) + timedelta(days=60))
    async with running_market(tmp_path, clock=clock) as market:
        config = street_config(market, tmp_path, 8, tick_s=0, ticks=1, seed=3, unreliable_share=1.0)
        first = await run(config)
        assert first[0].requests > 0 and first[0].errors == 0
        assert first[0].market_time == clock.now  # the tick's time is the server's
        orders = (await market.get("/api/v1/operator/orders", market.operator_token))["orders"]
        days = {date.fromisoformat(o["day"]) for o in orders}
        assert days and days <= set(market.open_days())
        traded = min(date.fromisoformat(o["day"]) for o in orders if o["filled_kwh"] > 0)

        # The market's day ends (the machine's is weeks away): the sellers report it.
        clock.set(day_end(traded, market.settings) + timedelta(hours=1))
        reported = await run(config)
        assert reported[0].deliveries > 0 and reported[0].market_time == clock.now
        status, mine = await market.request(
            "GET", "/api/v1/operator/overview", token=market.operator_token
        )
        assert status == 200
        day = next(d for d in mine["days"] if d["day"] == traded.isoformat())
        assert day["delivery"]["unreported_sellers"] == 0


async def test_a_time_lapse_day_is_traded_reported_and_settled(
    tmp_path: Path, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """`serve --speed 10000` and `python -m neighbourhood --speed 10000`: within seconds the
    street trades, the day passes on the market's clock, its sellers report and the scheduler
    settles it with refunds."""
    speed = 10_000
    # Wednesday 20:00 in Berlin: Thursday's gate has closed, Friday ends 28 market hours later.
    clock = MarketClock(speed, datetime(2026, 11, 25, 19, 0, tzinfo=UTC))
    async with running_market(tmp_path, clock=clock) as market:
        scheduler = Scheduler(market.runtime)
        scheduler.start()
        config = street_config(
            market,
            tmp_path,
            6,
            tick_s=3600,  # an hour of market time: 0.5 real seconds at this speed
            seed=3,
            unreliable_share=1.0,
            speed=speed,
        )
        street = asyncio.create_task(run(config))

        def refunds() -> int:
            with market.runtime.store.read() as conn:
                total = conn.execute(sa.select(sa.func.sum(db.ledger.c.refund_ticks))).scalar()
            return int(total or 0)

        def refunded() -> bool:
            assert not street.done(), street
            return refunds() > 0

        try:
            with caplog.at_level(logging.INFO, logger="neighbourhood"):
                # Typically 15-20 s.
                await async_wait_until(refunded, "a day was settled with refunds", timeout_s=40)
        finally:
            street.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await street
            await scheduler.stop()
        # The houses reported (the server settled before the deadline or at it) and found the
        # market at the pace they were told.
        assert "reports delivering" in caplog.text
        assert "(market time 2026-11-2" in caplog.text  # the log shows the market's time
        assert "times real time, not" not in caplog.text
        overview = await market.get("/api/v1/operator/overview", market.operator_token)
        settled = [d for d in overview["days"] if (d.get("delivery") or {}).get("settled")]
        # Every seller is unreliable (its battery ignores what it sold): a November evening
        # leaves it short, and the day's shortfall went back to its buyers.
        assert settled and all(0 <= d["delivery"]["ratio"] < 1 for d in settled)
        assert all(d["delivery"]["refunds_eur"] > 0 for d in settled)


def test_ticks_come_tick_seconds_of_market_time_apart() -> None:
    config = SimulationConfig("http://x", "t", 1, Path("r.json"), tick_s=20.0, speed=1)
    assert config.tick_real_s() == 20.0
    assert (
        SimulationConfig("http://x", "t", 1, Path("r.json"), tick_s=600, speed=60).tick_real_s()
        == 10
    )
    fast = SimulationConfig("http://x", "t", 1, Path("r.json"), tick_s=20.0, speed=1440)
    assert fast.tick_real_s() == MIN_TICK_S  # 14 ms would spin


def test_a_market_at_another_pace_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    right = MarketPace(1440)
    assert right.observe(start, real_now=100.0) is None
    assert right.observe(start + timedelta(hours=1), real_now=102.5) is None  # too early to judge
    with caplog.at_level(logging.WARNING):
        assert right.observe(start + timedelta(days=1), real_now=160.0) == 1440
    assert not caplog.records
    wrong = MarketPace(1440)  # the server runs in real time
    wrong.observe(start, real_now=0.0)
    with caplog.at_level(logging.WARNING):
        assert wrong.observe(start + timedelta(seconds=20), real_now=20.0) == 1
    assert "runs about 1 times real time, not 1440 (--speed)" in caplog.text
    assert wrong.observe(start + timedelta(seconds=40), real_now=40.0) is None  # said once


@pytest.mark.parametrize("bad", ["0", "10001", "fast"])
def test_a_bad_speed_is_refused(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--operator-token", "t", "--speed", bad])
    assert exit_.value.code == 2
    assert f"'{bad}' is not a speed from 1 (real time) to 10000" in capsys.readouterr().err
