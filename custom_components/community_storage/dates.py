"""Where a spoken start, duration or end becomes delivery days.

Assist slots and LLM tool arguments say "next week", "tomorrow", "Friday", "for a week", "until
Sunday" or give ISO dates. This module turns them into the first delivery day and the number of
days, relative to *today* in the household's time zone (the caller passes that date in, so the
rules here are plain date arithmetic and tested without Home Assistant).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

# The market's horizon is 14 days; a request may not reach beyond it.
MAX_DAYS: Final = 14

WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Start keywords understood besides weekday names and ISO dates.
START_KEYWORDS: Final = (
    "today",
    "tomorrow",
    "day_after_tomorrow",
    "this_week",
    "next_week",
    "this_weekend",
    "next_weekend",
)


class DateResolutionError(ValueError):
    """A start, duration or end that cannot become delivery days.

    ``key`` names the problem for the translated speech: ``unknown_start``, ``unknown_end``,
    ``end_before_start``, ``invalid_duration``, ``too_many_days``, ``in_the_past``.
    """

    def __init__(self, key: str, value: str = "") -> None:
        """Keep the key and the offending value for the message."""
        super().__init__(f"{key}: {value}")
        self.key = key
        self.value = value


@dataclass(frozen=True, slots=True)
class DeliveryWindow:
    """Consecutive delivery days: the first one and how many."""

    start_day: date
    num_days: int

    @property
    def last_day(self) -> date:
        """The last delivery day of the window."""
        return self.start_day + timedelta(days=self.num_days - 1)


def _next_weekday(today: date, weekday: int) -> date:
    """The next day with that weekday strictly after today ("on Monday" said on a Monday)."""
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _parse_iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _normalise(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def _resolve_start(today: date, start: str) -> tuple[date, int]:
    """First day and the span the start implies when no duration is given."""
    key = _normalise(start)
    if key == "today":
        return today, 1
    if key == "tomorrow":
        return today + timedelta(days=1), 1
    if key == "day_after_tomorrow":
        return today + timedelta(days=2), 1
    if key == "this_week":
        # The rest of this week, from tomorrow on (today's gate has closed).
        first = today + timedelta(days=1)
        return first, max(1, 6 - today.weekday())
    if key == "next_week":
        monday = today + timedelta(days=7 - today.weekday())
        return monday, 7
    if key in ("this_weekend", "weekend"):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:  # Sunday: what is left of the weekend is today
            return today, 1
        return saturday, 2
    if key == "next_weekend":
        # The weekend of next week, like "next week" is the week after this one.
        return today + timedelta(days=7 - today.weekday() + 5), 2
    if key.removeprefix("next_") in WEEKDAYS:
        return _next_weekday(today, WEEKDAYS.index(key.removeprefix("next_"))), 1
    if (day := _parse_iso(start.strip())) is not None:
        return day, 1
    raise DateResolutionError("unknown_start", start)


def _resolve_end(first: date, until: str) -> date:
    key = _normalise(until)
    if key in WEEKDAYS:
        ahead = (WEEKDAYS.index(key) - first.weekday()) % 7
        return first + timedelta(days=ahead)
    if key == "end_of_week":
        return first + timedelta(days=6 - first.weekday())
    if (day := _parse_iso(until.strip())) is not None:
        return day
    raise DateResolutionError("unknown_end", until)


def resolve_window(
    today: date,
    *,
    start: str | None = None,
    duration_days: int | None = None,
    until: str | None = None,
) -> DeliveryWindow:
    """Turn spoken or typed start/duration/end into delivery days.

    Without a start the window begins tomorrow: today's delivery day closed the evening before.
    A duration wins over the span a start implies ("next week for three days" is 3 days from
    Monday); an end ("until Sunday") wins over both.
    """
    if start:
        first, implied_days = _resolve_start(today, start)
    else:
        first, implied_days = today + timedelta(days=1), 1
    if first < today:
        raise DateResolutionError("in_the_past", first.isoformat())

    num_days = implied_days
    if duration_days is not None:
        num_days = int(duration_days)
    if until:
        last = _resolve_end(first, until)
        if last < first:
            raise DateResolutionError("end_before_start", until)
        num_days = (last - first).days + 1
    if num_days < 1:
        raise DateResolutionError("invalid_duration", str(num_days))
    if num_days > MAX_DAYS:
        raise DateResolutionError("too_many_days", str(num_days))
    return DeliveryWindow(first, num_days)
