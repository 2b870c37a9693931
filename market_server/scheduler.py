"""Periodic work of `serve`: clearing rounds every interval, expiry at gate closure, settlement
after each delivery day. One asyncio task; stopping it cancels the wait, never a running round."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from .gate import local_today, next_gate_closure
from .runtime import MarketRuntime

_LOGGER = logging.getLogger(__name__)
MAX_SLEEP_S = 60.0


class Scheduler:
    def __init__(self, runtime: MarketRuntime) -> None:
        self.runtime = runtime
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

    async def _loop(self) -> None:
        next_round: datetime | None = None
        gate_due: datetime | None = None
        settled_through = None
        while not self._stop.is_set():
            try:
                settings = await self.runtime.settings()
                now = self.runtime.now()
                if (
                    next_round is None
                    or now >= next_round
                    or (gate_due is not None and now >= gate_due)
                ):
                    await self.runtime.clear(trigger="schedule")
                    next_round = self.runtime.now() + timedelta(seconds=settings.round_interval_s)
                today = local_today(self.runtime.now(), settings)
                if settled_through != today:
                    summary = await self.runtime.settle()
                    if summary.entries:
                        _LOGGER.info("settled %d fills", summary.entries)
                    settled_through = today
                now = self.runtime.now()
                gate_due = next_gate_closure(now, settings)
                wake = min(next_round, gate_due + timedelta(seconds=1))
                delay = min(max((wake - now).total_seconds(), 0.5), MAX_SLEEP_S)
            except Exception:
                _LOGGER.exception("scheduled market work failed; retrying in %.0f s", MAX_SLEEP_S)
                delay = MAX_SLEEP_S
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
