"""Periodic work of `serve`: clearing rounds every interval, expiry at gate closure, settlement
after each delivery day (once its sellers and buyers reported or its report deadline passed).
One asyncio task; stopping it cancels the wait, never a running round.

Only the clearing leader (leader.py) does this work; other `serve` processes on the same
database wait as standbys and try to take the lead every STANDBY_POLL_S (at most a quarter of
the round interval). The interval is kept from the database -- the next round is due one
interval after the last scheduled round started, whoever ran it -- so a standby that takes over
continues the leader's rhythm: each interval clears once, also across a change of leader.

Intervals are market time and the waits real time: under a time-lapse clock (`serve --speed N`)
a wait is the market interval / N, bounded so that the loop cannot spin (at least MIN_POLL_S
between passes, MIN_ROUND_GAP_S between scheduled rounds) and looks again at least every market
hour (and every MAX_SLEEP_S), so gate closures and ended days are seen within a market hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from market_server.market.gate import local_today, next_gate_closure
from market_server.market.rounds import last_scheduled_start
from market_server.process.leader import LeaderLock, leader_lock
from market_server.process.runtime import MarketRuntime

_LOGGER = logging.getLogger(__name__)
MAX_SLEEP_S = 60.0
STANDBY_POLL_S = 5.0
MIN_POLL_S = 0.25
# A pass at least every market hour: a time-lapse still sees each gate closure and day end.
MAX_PASS_MARKET_S = 3600.0
# Scheduled rounds at most once a real second; a full book clears in well under that
# (benchmarks/README.md), and requests still clear at once (clear_on_submit).
MIN_ROUND_GAP_S = 1.0


def round_interval(round_interval_s: float, speed: int) -> timedelta:
    """Market time between scheduled rounds: the setting, stretched to MIN_ROUND_GAP_S of
    real time under a fast clock."""
    return timedelta(seconds=max(round_interval_s, MIN_ROUND_GAP_S * speed))


def real_delay(market_s: float, speed: int) -> float:
    """Real seconds to wait for `market_s` of market time, within the loop's bounds."""
    longest = max(min(MAX_SLEEP_S, MAX_PASS_MARKET_S / speed), MIN_POLL_S)
    return min(max(market_s / speed, MIN_POLL_S), longest)


class Scheduler:
    def __init__(self, runtime: MarketRuntime, lock: LeaderLock | None = None) -> None:
        self.runtime = runtime
        self.lock = lock if lock is not None else leader_lock(runtime.store)
        self.leading: bool | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="market-scheduler")

    def wake(self) -> None:
        """Re-check now (after a settings change, or a test moving the clock)."""
        self._wake.set()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.runtime.run(self.lock.release)

    def _note_role(self, leading: bool, interval_s: float, poll_s: float) -> None:
        """One log line per change of role (operators grep for "clearing leader")."""
        if leading == self.leading:
            return
        if leading:
            _LOGGER.info(
                "clearing leader: this process runs the scheduled rounds (every %g s)", interval_s
            )
        else:
            _LOGGER.info(
                "clearing standby: another process runs the scheduled rounds; "
                "checking every %g s to take over",
                poll_s,
            )
        self.leading = leading

    async def _loop(self) -> None:
        gate_due: datetime | None = None
        settle_due: datetime | None = None
        settled_through = None
        waiting = 0  # ended days waiting for delivery reports, as last logged
        while not self._stop.is_set():
            try:
                settings = await self.runtime.settings()
                speed = self.runtime.speed
                interval = round_interval(settings.round_interval_s, speed)
                interval_real_s = interval.total_seconds() / speed
                poll_s = min(max(interval_real_s / 4, MIN_POLL_S), STANDBY_POLL_S)
                leading = await self.runtime.run(self.lock.hold)
                self._note_role(leading, interval_real_s, poll_s)
                last = await self.runtime.read(last_scheduled_start)
                now = self.runtime.now()
                next_round = now if last is None else last + interval
                if not leading:
                    # Wake when the leader's next round is due (to take over if it is gone),
                    # or sooner.
                    delay = min(real_delay((next_round - now).total_seconds(), speed), poll_s)
                    gate_due = None
                    await self._sleep(delay)
                    continue
                if now >= next_round or (gate_due is not None and now >= gate_due):
                    await self.runtime.clear(trigger="schedule")
                    next_round = now + interval
                today = local_today(self.runtime.now(), settings)
                if settled_through != today:
                    summary = await self.runtime.settle()
                    if summary.entries:
                        _LOGGER.info("settled %d fills", summary.entries)
                    # Days waiting for delivery reports: try again each pass (a last report
                    # settles its day within a pass) and at the first deadline.
                    settled_through = None if summary.pending_days else today
                    settle_due = summary.next_deadline
                    if summary.pending_days != waiting and summary.next_deadline is not None:
                        _LOGGER.info(
                            "%d delivery day(s) wait for delivery reports of sellers and buyers; "
                            "the first settles at %s at the latest",
                            summary.pending_days,
                            summary.next_deadline.isoformat(timespec="minutes"),
                        )
                    waiting = summary.pending_days
                now = self.runtime.now()
                gate_due = next_gate_closure(now, settings)
                wake = min(next_round, gate_due + timedelta(seconds=1))
                if settle_due is not None:
                    wake = min(wake, settle_due + timedelta(seconds=1))
                delay = real_delay((wake - now).total_seconds(), speed)
            except Exception:
                delay = real_delay(MAX_SLEEP_S * self.runtime.speed, self.runtime.speed)
                _LOGGER.exception("scheduled market work failed; retrying in %.1f s", delay)
            await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        """Sleep `delay` seconds unless stopped or woken earlier."""
        stop = asyncio.ensure_future(self._stop.wait())
        wake = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({stop, wake}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (stop, wake):
                waiter.cancel()
            await asyncio.gather(stop, wake, return_exceptions=True)
        self._wake.clear()
