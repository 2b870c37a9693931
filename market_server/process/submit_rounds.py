"""The round after submissions (`clear_on_submit`): many submissions, one round.

A household's reply says what its request filled, so the request must have been through a
round before the reply. Running one whole round per submission made every submission wait for
all the rounds queued before it (37 requests/s at 50 households). Here a submission asks for
its days to be cleared and waits for the next round that starts after it asked; every
submission that arrives while a round runs joins the next one, which clears the union of their
days and then reads the orders of all of them back in one query. Under load a round serves
many submissions; alone, a submission gets its round at once.

The request was committed before it asks, so the round it waits for reads it from the book.
A round that fails is logged and the requests stay in the book for the next round: their
replies then show them open, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from market_server.market import orders
from market_server.process.runtime import MarketRuntime

_LOGGER = logging.getLogger(__name__)
OrderRows = dict[str, list[Any]]


class SubmitRounds:
    """Coalesces submit rounds of one process; use from its event loop only."""

    def __init__(self, runtime: MarketRuntime) -> None:
        self.runtime = runtime
        self._days: set[date] = set()
        self._requests: set[str] = set()
        self._next: asyncio.Future[OrderRows] | None = None
        self._task: asyncio.Task[None] | None = None

    async def clear(self, days: Iterable[date], request_id: str) -> list[Any]:
        """Once a round that started after this call has cleared `days`: the orders of
        `request_id` as they are then (rows in day order)."""
        self._days.update(days)
        self._requests.add(request_id)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            # A client that went away leaves nobody to read a failure: read it here.
            self._next.add_done_callback(_consume)
        waiting = self._next
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="market-submit-rounds")
        return (await asyncio.shield(waiting))[request_id]

    async def _run(self) -> None:
        waiting: asyncio.Future[OrderRows] | None = None
        try:
            while self._next is not None:
                waiting, days, requests = self._next, self._days, self._requests
                self._next, self._days, self._requests = None, set(), set()
                try:
                    await self.runtime.clear(trigger="submit", days=days)
                except Exception:
                    _LOGGER.exception("clearing after submit failed; the requests stay open")
                try:
                    rows = await self.runtime.read(orders.orders_of_requests, sorted(requests))
                except Exception as err:
                    waiting.set_exception(err)
                else:
                    waiting.set_result(rows)
        finally:
            self._task = None
            # Cancelled (the server stops): nobody may wait forever.
            for pending in (waiting, self._next):
                if pending is not None and not pending.done():
                    pending.cancel()


def _consume(future: asyncio.Future[OrderRows]) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        future.exception()
