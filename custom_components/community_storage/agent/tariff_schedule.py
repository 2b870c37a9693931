"""A time-of-use schedule as a household types it: ``22-6: 0.29, 17-21: 0.45``.

Periods are separated by commas or semicolons (or new lines); each is ``start-end: price`` with
whole local hours (end exclusive, 24 for midnight, wrapping past midnight allowed) and a price
in EUR/kWh with a decimal point or comma. Hours no period names cost the default price. Every
mistake raises ``ScheduleError`` with a ``reason`` the options flow shows as its error.

Pure text handling: no Home Assistant here.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from .tariff import (
    DEFAULT_FEED_IN_EUR_PER_KWH,
    HOURS,
    MAX_PRICE_EUR_PER_KWH,
    Tariff,
    TariffError,
    time_of_use,
)

type ScheduleProblem = Literal[
    "schedule_format", "schedule_hours", "schedule_price", "schedule_overlap"
]

_PERIOD: Final = re.compile(
    r"^\s*(\d{1,2})(?::00)?\s*(?:-|–|to|bis)\s*(\d{1,2})(?::00)?\s*[:=]\s*(\d+(?:[.,]\d+)?)\s*$",
    re.IGNORECASE,
)


class ScheduleError(ValueError):
    """A schedule that cannot be read; ``reason`` names the problem."""

    def __init__(self, reason: ScheduleProblem, detail: str) -> None:
        """Keep the problem's key and the part of the text it is about."""
        super().__init__(f"{reason}: {detail}")
        self.reason: ScheduleProblem = reason
        self.detail = detail


def parse_periods(text: str) -> list[tuple[int, int, float]]:
    """``(start, end, price)`` of every period in ``text``."""
    # A comma is also a decimal comma: split only where the next period's hours begin.
    parts = re.split(r"[,;\n]+(?=\s*\d{1,2}\s*(?::00)?\s*(?:-|–|to|bis))", text)
    periods = []
    for part in parts:
        if not part.strip():
            continue
        match = _PERIOD.match(part)
        if match is None:
            raise ScheduleError("schedule_format", part.strip())
        start, end = int(match[1]), int(match[2])
        if not (0 <= start < HOURS and 0 <= end <= HOURS) or start == end:
            raise ScheduleError("schedule_hours", part.strip())
        price = float(match[3].replace(",", "."))
        if not 0 <= price <= MAX_PRICE_EUR_PER_KWH:
            raise ScheduleError("schedule_price", part.strip())
        periods.append((start, end % HOURS if end == HOURS and start > 0 else end, price))
    if not periods:
        raise ScheduleError("schedule_format", text.strip())
    return periods


def parse_schedule(
    text: str, *, default: float, feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH
) -> Tariff:
    """The time-of-use tariff the text describes; ``default`` for the other hours."""
    periods = parse_periods(text)
    try:
        return time_of_use(periods, default=default, feed_in=feed_in)
    except TariffError as err:
        raise ScheduleError("schedule_overlap", str(err)) from err
