"""The market's clock: real time, shifted by --now, sped up by --speed; never backwards; bad
speeds refused with a sentence; the scheduler's waits follow it within bounds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from market_server.market.clock import MAX_SPEED, MarketClock, speed_of, speed_value
from market_server.process.runtime import MarketRuntime
from market_server.process.scheduler import MIN_POLL_S, real_delay, round_interval
from market_server.storage.store import Store
from tests.market_harness import MutableClock
from tests.market_server.serve_process import ServeProcess, http, run_cli_json
from tests.waiting import wait_until

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


class FakeTime:
    """The wall clock and the monotonic ticker, moved by hand."""

    def __init__(self) -> None:
        self.wall_now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
        self.ticks = 1000.0

    def wall(self) -> datetime:
        return self.wall_now

    def ticker(self) -> float:
        return self.ticks

    def advance(self, seconds: float) -> None:
        self.wall_now += timedelta(seconds=seconds)
        self.ticks += seconds


def test_speed_multiplies_real_time_from_the_start() -> None:
    fake = FakeTime()
    clock = MarketClock(1440, START, wall=fake.wall, ticker=fake.ticker)
    assert clock() == START
    fake.advance(60)  # a real minute is a market day
    assert clock() == START + timedelta(days=1)
    assert clock.real_seconds(86_400) == 60
    assert speed_of(clock) == 1440 and speed_of(MutableClock(START)) == 1


def test_real_time_follows_the_wall_clock_shifted_by_now() -> None:
    fake = FakeTime()
    real = MarketClock(wall=fake.wall, ticker=fake.ticker)
    shifted = MarketClock(1, START, wall=fake.wall, ticker=fake.ticker)
    assert real() == fake.wall_now and shifted() == START
    fake.wall_now += timedelta(minutes=5)  # NTP: the wall clock moves, the ticker does not
    assert real() == fake.wall_now
    assert shifted() == START + timedelta(minutes=5)


def test_never_backwards() -> None:
    fake = FakeTime()
    clock = MarketClock(wall=fake.wall, ticker=fake.ticker)
    fake.advance(30)
    before = clock()
    fake.wall_now -= timedelta(minutes=10)  # the wall clock is stepped back
    assert clock() == before
    fake.advance(700)
    assert clock() == before + timedelta(seconds=100)
    # A time-lapse counts the monotonic ticker: a wall step is not multiplied by its speed.
    lapse = MarketClock(1000, START, wall=fake.wall, ticker=fake.ticker)
    fake.wall_now += timedelta(hours=1)
    assert lapse() == START


def test_a_real_time_lapse_is_monotonic_and_fast() -> None:
    clock = MarketClock(3600, START)
    began = time.monotonic()
    seen = [clock()]

    def an_hour_passed() -> bool:
        seen.append(clock())
        return seen[-1] >= START + timedelta(hours=1)

    # An hour of market time passes in about a real second.
    wait_until(an_hour_passed, "an hour of market time has passed", timeout_s=10)
    assert seen == sorted(seen)
    assert seen[-1] >= START + timedelta(hours=1)
    assert time.monotonic() - began < 5  # not an hour: the speed applies


@pytest.mark.parametrize("bad", ["0", "-5", "10001", "fast", "1.5", ""])
def test_bad_speeds_are_refused_with_a_sentence(bad: str) -> None:
    with pytest.raises(ValueError, match=r"is not a speed from 1 \(real time\) to 10000"):
        speed_value(bad)
    assert speed_value("1") == 1 and speed_value(str(MAX_SPEED)) == MAX_SPEED
    with pytest.raises(ValueError, match="time zone offset"):
        MarketClock(2, datetime(2026, 11, 25, 8, 0))


@pytest.mark.parametrize("bad", ["0", "10001", "fast"])
def test_serve_refuses_a_bad_speed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    from market_server.cli import main

    db = str(tmp_path / "m.db")
    assert main(["--db", db, "init", "--json"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["--db", db, "serve", "--speed", bad])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert f"argument --speed: '{bad}' is not a speed from 1 (real time) to 10000" in err


def test_the_scheduler_waits_follow_the_speed_within_bounds() -> None:
    # Real time: as before (a round every 15 min, a pass at least every minute).
    assert round_interval(900, 1) == timedelta(minutes=15)
    assert real_delay(900, 1) == 60 and real_delay(10, 1) == 10 and real_delay(0, 1) == MIN_POLL_S
    # A day a minute: a pass at least every market hour (2.5 s), rounds at most once a second.
    assert real_delay(900, 1440) == 900 / 1440
    assert real_delay(86_400, 1440) == 2.5
    assert round_interval(60, 1440) == timedelta(seconds=1440)
    # The fastest clock: never a spin.
    assert real_delay(0, MAX_SPEED) == MIN_POLL_S and real_delay(10**6, MAX_SPEED) == 0.36


async def test_the_runtime_runs_on_a_market_clock(tmp_path: Path) -> None:
    runtime = MarketRuntime(Store(tmp_path / "m.db"))
    try:
        assert isinstance(runtime.clock, MarketClock) and runtime.speed == 1
        assert abs(runtime.now() - datetime.now(UTC)) < timedelta(seconds=5)
    finally:
        await runtime.close()


@pytest.mark.slow
@pytest.mark.usefixtures("socket_enabled")
def test_serve_speed_runs_the_market_clock_fast(tmp_path: Path) -> None:
    """`serve --now ... --speed 3600`: the API's time starts there and runs an hour a second."""
    db = str(tmp_path / "m.db")
    token = run_cli_json(db, "init", cwd=tmp_path)["operator_token"]
    start = "2026-11-25T09:00:00+01:00"
    with ServeProcess(db, tmp_path, "--now", start, "--speed", "3600") as serve:

        def market_now() -> datetime:
            status, body = http("GET", serve.url + "/api/v1/operator/overview", token)
            assert status == 200, body
            return datetime.fromisoformat(body["generated_at"])

        began = time.monotonic()
        first = market_now()
        # From --now (plus the hours that passed while the server started), not the real date.
        assert (
            datetime.fromisoformat(start)
            <= first
            < datetime.fromisoformat(start) + timedelta(days=1)
        )
        wait_until(
            lambda: market_now() >= first + timedelta(hours=3),
            "three market hours have passed",
            timeout_s=20,
        )
        assert time.monotonic() - began < 10  # three market hours in about three seconds
        assert "time-lapse: the market's clock runs 3600 times faster" in serve.log.read_text()
