"""Waiting in tests for something that happens in another thread or process.

Where no event can be awaited (a scheduler's pass, a subprocess, a clock that runs by itself),
the condition is asked again at a short interval until a deadline; the deadline fails the test
with what was awaited. These two functions are the only places tests poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

POLL_S = 0.05


def wait_until(condition: Callable[[], object], what: str, timeout_s: float = 30.0) -> None:
    """Block until ``condition()`` is true; AssertionError naming ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(POLL_S)  # the polling interval, bounded by the deadline


async def async_wait_until(
    condition: Callable[[], object | Awaitable[object]], what: str, timeout_s: float = 30.0
) -> None:
    """``wait_until`` for the event loop: ``condition`` may be a coroutine function."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(POLL_S)  # the polling interval, bounded by the deadline
