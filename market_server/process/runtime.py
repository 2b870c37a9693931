"""The running market inside one process: the store, the clock, worker threads and the round lock.

Blocking work (the database, the clearing) runs in two executors this object owns: `db` for
request handling and `clearing` (one worker) for rounds. `close()` shuts both down and disposes
the engine, leaving no thread behind.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from market_server.ledger.settlement import SettlementSummary, settle
from market_server.market import assume_loader, community, rounds
from market_server.market.clock import Clock, MarketClock, speed_of
from market_server.market.rounds import RoundSummary
from market_server.market.settings import CommunitySettings
from market_server.storage import migrations
from market_server.storage.store import Store

_LOGGER = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


class MarketRuntime:
    def __init__(self, store: Store, clock: Clock | None = None, db_workers: int = 4) -> None:
        self.store = store
        self.clock: Clock = clock or MarketClock()
        self._db = ThreadPoolExecutor(max_workers=db_workers, thread_name_prefix="market-db")
        self._clearing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="market-clearing")
        self._round_lock = asyncio.Lock()
        self._closed = False

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the market clock must return aware datetimes")
        return now

    @property
    def speed(self) -> int:
        """How many times faster than real time the market's clock runs (1: real time)."""
        return speed_of(self.clock)

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking function in the database executor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(func, *args, **kwargs))

    async def read(self, func: Callable[..., T], *args: Any) -> T:
        """func(conn, *args) in a read transaction, off the event loop."""

        def job() -> T:
            with self.store.read() as conn:
                return func(conn, *args)

        return await self.run(job)

    async def write(self, func: Callable[..., T], *args: Any) -> T:
        """func(conn, *args) in a write transaction, off the event loop; run again when the
        database aborted it to resolve a deadlock (Store.transact)."""
        return await self.run(self.store.transact, lambda conn: func(conn, *args))

    async def settings(self) -> CommunitySettings:
        return await self.read(community.load)

    async def migrate(self) -> list[str]:
        return await self.run(migrations.upgrade, self.store)

    async def clear(
        self, trigger: str = "manual", days: Collection[date] | None = None
    ) -> RoundSummary:
        """One clearing round (of `days` only, if given), serialised with every other round of
        this process (and, via the database, of other processes)."""
        async with self._round_lock:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._clearing,
                functools.partial(
                    rounds.run_round, self.store, self.now, trigger=trigger, days=days
                ),
            )

    def warm_up(self) -> None:
        """Import ASSUME in the clearing thread now, in the background: the import takes about
        2 s, and the first household to place a request should not wait for it. The first round
        queues behind it in the same one-worker executor."""
        self._clearing.submit(assume_loader.load)

    async def settle(self) -> SettlementSummary:
        return await self.run(settle, self.store, self.now())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Queued jobs are dropped; a running one (short: one transaction) is waited for.
        async with self._round_lock:
            self._clearing.shutdown(wait=True, cancel_futures=True)
        self._db.shutdown(wait=True, cancel_futures=True)
        self.store.dispose()
