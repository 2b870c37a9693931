"""Throttling of join-code guesses: failed joins per client address and per code, in memory.

A join code is 12 characters from a 32-letter alphabet, so guessing is hopeless only while
guesses are slow. Each failed join (unknown, used or expired code) is counted against the
client's address and against the code; after `limit` failures within `window` that key is
refused with 429 and a Retry-After until its oldest failure leaves the window.

A join is charged when it is let in, before its code is looked up, and given back only if it
succeeds: check and charge happen in one step on the event loop, with no await between them,
so guesses in flight together count like guesses sent one by one (a burst of 200 concurrent
guesses gets `limit` lookups, not 200). The first
refusal of a block is logged once as a WARNING starting with "join throttled" for an
operator's alerting; later refusals of the same block are not logged, so an attack cannot
flood the log.

The counts live in this process only (several `serve` processes each count their own): a
database row per guess would let the guesser load the database instead.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from market_server.errors import JoinThrottled
from market_server.market.clock import Clock

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """At most `limit` failures per key within `window`; `what` names the key in messages."""

    what: str
    preposition: str
    limit: int
    window: timedelta


#: An address may mistype a code a few times a minute; a guesser gets 10 tries a minute.
PER_ADDRESS = ThrottleRule("client address", "from", 10, timedelta(minutes=1))
#: One code is tried by its one household; 5 failures a minute on it are someone else.
PER_CODE = ThrottleRule("join code", "with", 5, timedelta(minutes=1))
#: Keys remembered per rule; the oldest are forgotten first (bounds memory under a flood).
MAX_KEYS = 10_000


class _Failures:
    """Failure times per key for one rule, oldest keys evicted beyond MAX_KEYS."""

    def __init__(self, rule: ThrottleRule) -> None:
        self.rule = rule
        self._times: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._blocked: set[str] = set()

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        times = self._times.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.rule.window:
            times.popleft()
        if not times:
            del self._times[key]
            self._blocked.discard(key)
            return None
        return times

    def retry_after(self, key: str, now: datetime) -> float | None:
        """Seconds until `key` may try again, or None if it may now."""
        times = self._recent(key, now)
        if times is None or len(times) < self.rule.limit:
            self._blocked.discard(key)
            return None
        oldest_relevant = times[len(times) - self.rule.limit]
        return (oldest_relevant + self.rule.window - now).total_seconds()

    def first_refusal(self, key: str) -> bool:
        """True once per block: whether this refusal should be logged."""
        if key in self._blocked:
            return False
        self._blocked.add(key)
        return True

    def give_back(self, key: str, at: datetime) -> None:
        """Forget one charge made at `at` (a join that succeeded)."""
        times = self._times.get(key)
        if times is not None and at in times:
            times.remove(at)  # equal times are interchangeable: the order stays sorted

    def add(self, key: str, now: datetime) -> None:
        times = self._recent(key, now) or deque()
        times.append(now)
        self._times[key] = times
        self._times.move_to_end(key)
        while len(self._times) > MAX_KEYS:
            old, _ = self._times.popitem(last=False)
            self._blocked.discard(old)


@dataclass(frozen=True, slots=True)
class JoinAttempt:
    """A join let in and charged; `JoinThrottle.give_back` returns the charge."""

    address: str
    code_key: str
    at: datetime


class JoinThrottle:
    """Charge a join before its lookup, give the charge back when it succeeds. Used from one
    event loop: `attempt` checks and charges without awaiting, so it needs no lock."""

    def __init__(
        self,
        clock: Clock,
        per_address: ThrottleRule = PER_ADDRESS,
        per_code: ThrottleRule = PER_CODE,
    ) -> None:
        self._clock = clock
        self._address = _Failures(per_address)
        self._code = _Failures(per_code)

    def attempt(self, address: str, code_key: str) -> JoinAttempt:
        """Raise JoinThrottled (429) while the address or the code is blocked; else charge a
        failure to both now (before the lookup) and return the attempt."""
        now = self._clock()
        for failures, key, shown in (
            (self._address, address, address),
            (self._code, code_key, f"sha256:{code_key[:12]}"),
        ):
            wait = failures.retry_after(key, now)
            if wait is None:
                continue
            seconds = max(1, math.ceil(wait))
            rule = failures.rule
            if failures.first_refusal(key):
                _LOGGER.warning(
                    "join throttled: %s %s after %d failed joins within %d s "
                    "(blocked for %d s; client %s)",
                    rule.what,
                    shown,
                    rule.limit,
                    int(rule.window.total_seconds()),
                    seconds,
                    address,
                )
            raise JoinThrottled(
                f"Too many failed join attempts {rule.preposition} this {rule.what}; "
                f"try again in {seconds} s.",
                retry_after=seconds,
            )
        self._address.add(address, now)
        self._code.add(code_key, now)
        return JoinAttempt(address, code_key, now)

    def give_back(self, attempt: JoinAttempt) -> None:
        """The join worked (or failed for a reason other than its code): not a guess."""
        self._address.give_back(attempt.address, attempt.at)
        self._code.give_back(attempt.code_key, attempt.at)
