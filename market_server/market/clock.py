"""The market's clock: real time, shifted (`--now`) and sped up (`--speed`, a time-lapse).

At speed 1 the market follows this machine's wall clock (shifted by `--now`), as households'
clocks do: they agree on what time it is. A time-lapse instead counts the monotonic clock from
the moment the clock is made, times the speed, so a step of the wall clock (NTP, a suspended
laptop) is not multiplied by 1440. Either way the clock never goes backwards.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

# Anything that tells the time: passed in everywhere, so that tests can move it by hand; the
# server itself runs on a MarketClock.
Clock = Callable[[], datetime]

MIN_SPEED = 1
MAX_SPEED = 10_000


def speed_value(value: object) -> int:
    """A whole speed factor from 1 to 10000, or ValueError with a sentence for a person."""
    try:
        speed = int(str(value).strip())
    except ValueError:
        speed = 0
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(
            f"{value!r} is not a speed from {MIN_SPEED} (real time) to {MAX_SPEED}; "
            "e.g. 1440 runs a day in a minute"
        )
    return speed


def speed_argument(text: str) -> int:
    """argparse type of `--speed` (serve, script/develop): the same bounds and message."""
    try:
        return speed_value(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


class MarketClock:
    """What time it is on the market; call it for an aware UTC datetime. Thread-safe."""

    def __init__(
        self,
        speed: int = 1,
        start: datetime | None = None,
        *,
        wall: Callable[[], datetime] | None = None,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        self.speed = speed_value(speed)
        if start is not None and start.tzinfo is None:
            raise ValueError("the market clock needs a start time with a time zone offset")
        self._wall = wall or (lambda: datetime.now(UTC))
        self._ticker = ticker
        self._wall_zero = self._wall()
        self._tick_zero = ticker()
        self.start = (start or self._wall_zero).astimezone(UTC)
        self._last = self.start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        if self.speed == 1:
            now = self.start + (self._wall() - self._wall_zero)
        else:
            elapsed = (self._ticker() - self._tick_zero) * self.speed
            now = self.start + timedelta(seconds=elapsed)
        with self._lock:
            # A wall clock stepped back must not move the market back (gate closures, rounds).
            now = max(now, self._last)
            self._last = now
        return now

    def real_seconds(self, market_seconds: float) -> float:
        """How long `market_seconds` of market time take in real time."""
        return market_seconds / self.speed


def speed_of(clock: Callable[[], datetime]) -> int:
    """The speed of any clock the server runs on (a test's hand-moved clock: real time)."""
    return clock.speed if isinstance(clock, MarketClock) else 1
