"""Where spoken dates become delivery days: starts, ends, ranges and durations.

The one date reader, for both ways a request arrives:

- Free text. One left-to-right pass over the tokens finds date expressions ("tomorrow", "Friday",
  "next week", "the weekend", "the 14th", "14. Dezember"), durations ("for ten days", "a
  fortnight", "zwei Wochen") and the words that give a date its role ("from", "until", "bis",
  "to"). ``read_when`` then combines them by the rules a person expects: an end wins over a
  duration, a duration wins over the span a start implies ("next week for three days" is three
  days from Monday), no start means tomorrow (today's delivery day closes the evening before), and
  a start that is open ("from Monday") with nothing to end it leaves the duration missing, so the
  caller asks back.
- Slots. Assist slots and LLM tool arguments say "next_week", "tomorrow", "friday", "until
  sunday" or give ISO dates; ``resolve_window`` turns them into a ``DeliveryWindow`` by the same
  rules.

Both work relative to *today* in the household's time zone (the caller passes that date in), so
the rules here are plain date arithmetic, tested without Home Assistant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from ...agent.plans import MAX_DAYS
from .lexicon import (
    CENT_UNITS,
    DAY_AFTER_TOMORROW,
    DAY_UNITS,
    EURO_UNITS,
    FORTNIGHT,
    FROM_WORDS,
    KWH_UNITS,
    MONTHS,
    MORNING_ARTICLES,
    NEXT,
    ORDINAL_SUFFIXES,
    THIS,
    TIME_OF_DAY_UNITS,
    TODAY,
    TOMORROW,
    UNTIL_FILLERS,
    UNTIL_WORDS,
    VAGUE_COUNTS,
    WEEK,
    WEEK_UNITS,
    WEEKDAY_GLUED_TIMES,
    WEEKDAYS,
    WEEKEND,
)
from .numbers import count_before_unit, number_at

_ARTICLES = frozenset({"the", "die", "den", "der", "das", "whole", "ganze", "ganzen", "entire",
                       "full", "gesamte", "over", "ueber", "for", "fuer"})  # fmt: skip
_DATE_PREFIXES = frozenset({"the", "on", "am", "den", "vom", "zum", "of", "dem"})
# A number before these is an amount, not a day of the month.
_AMOUNT_UNITS = (
    DAY_UNITS | TIME_OF_DAY_UNITS | WEEK_UNITS | KWH_UNITS | CENT_UNITS | EURO_UNITS
) | {"kw", "kilowatt"}


@dataclass(frozen=True, slots=True)
class DateMention:
    """One date expression: its first day, the days it spans, where it is and its role."""

    first: date
    span_days: int
    position: int
    role: str  # "from", "until" or "plain"


@dataclass(frozen=True, slots=True)
class When:
    """What the sentence says about delivery days."""

    start_day: date | None
    num_days: int | None
    # The first date named, for "cancel Friday's reservation" and "what's reserved tomorrow".
    mentioned_day: date | None
    # A start was named (or implied) but nothing says how long.
    duration_missing: bool


def _next_weekday(today: date, weekday: int) -> date:
    """The next such day strictly after today ("Monday" said on a Monday is next week's)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _weekday(token: str) -> int | None:
    if (day := WEEKDAYS.get(token)) is not None:
        return day
    for name, number in WEEKDAYS.items():
        if len(name) > 3 and token.startswith(name) and token[len(name) :] in WEEKDAY_GLUED_TIMES:
            return number
    return None


def _day_of_month(today: date, day: int, month: int | None) -> date | None:
    """The next date with that day (and month) on or after today; None if there is none."""
    if not 1 <= day <= 31:
        return None
    candidates = []
    for offset in range(0, 13):
        year = today.year + (today.month - 1 + offset) // 12
        m = (today.month - 1 + offset) % 12 + 1
        if month is not None and m != month:
            continue
        try:
            candidates.append(date(year, m, day))
        except ValueError:
            continue
        if candidates[-1] >= today:
            return candidates[-1]
    return None


def _numeric_date(tokens: tuple[str, ...], i: int, today: date) -> tuple[date, int] | None:
    """ "14th", "14 December", "December 14th", "14. Dezember", "am 14." -> (date, tokens used)."""
    token = tokens[i]
    n = len(tokens)
    if token in MONTHS and i + 1 < n and tokens[i + 1].isdigit():
        used = 3 if i + 2 < n and tokens[i + 2] in ORDINAL_SUFFIXES else 2
        day = _day_of_month(today, int(tokens[i + 1]), MONTHS[token])
        return (day, used) if day else None
    if not token.isdigit() or len(token) > 2:
        return None
    j = i + 1
    ordinal = j < n and tokens[j] in ORDINAL_SUFFIXES
    if ordinal:
        j += 1
    if j < n and tokens[j] == "of":
        j += 1
    if j < n and tokens[j] in MONTHS:
        day = _day_of_month(today, int(token), MONTHS[tokens[j]])
        return (day, j + 1 - i) if day else None
    before = tokens[i - 1] if i else ""
    after = tokens[i + 1] if i + 1 < n else ""
    if ordinal or (before in _DATE_PREFIXES and after not in _AMOUNT_UNITS and after != "."):
        day = _day_of_month(today, int(token), None)
        return (day, (2 if ordinal else 1)) if day else None
    return None


def _date_at(tokens: tuple[str, ...], i: int, today: date) -> tuple[date, int, int] | None:
    """A date expression starting at token ``i``: (first day, days spanned, tokens used)."""
    token = tokens[i]
    n = len(tokens)
    following = tokens[i + 1] if i + 1 < n else ""
    previous = tokens[i - 1] if i else ""
    if token in TODAY:
        return today, 1, 1
    if token in THIS and following in TIME_OF_DAY_UNITS:
        return today, 1, 2  # "this evening"
    if token in TOMORROW and not (token == "morgen" and previous in MORNING_ARTICLES):
        return today + timedelta(days=1), 1, 1
    if token in DAY_AFTER_TOMORROW:
        return today + timedelta(days=2), 1, 1
    if token == "day" and tokens[i + 1 : i + 3] == ("after", "tomorrow"):
        return today + timedelta(days=2), 1, 3
    if (weekday := _weekday(token)) is not None:
        return _next_weekday(today, weekday), 1, 1
    if token in NEXT and (weekday := _weekday(following)) is not None:
        return _next_weekday(today, weekday), 1, 2
    if token in NEXT and following in WEEK:
        return today + timedelta(days=7 - today.weekday()), 7, 2
    if (token in THIS and following in WEEK) or (
        token == "rest" and any(t in WEEK for t in tokens[i + 1 : i + 4])
    ):
        return today + timedelta(days=1), max(1, 6 - today.weekday()), 2
    if token in WEEKEND:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if previous in NEXT:
            return saturday + timedelta(days=7), 2, 1
        if today.weekday() == 6:
            return today, 1, 1
        return saturday, 2, 1
    if (numeric := _numeric_date(tokens, i, today)) is not None:
        return numeric[0], 1, numeric[1]
    return None


def _duration_at(tokens: tuple[str, ...], i: int) -> tuple[int, int] | None:
    """A duration starting at token ``i``: (days, tokens used)."""
    token = tokens[i]
    n = len(tokens)
    if token in FORTNIGHT:
        return 14, 1
    if token in VAGUE_COUNTS:
        j = i + 1
        if j < n and tokens[j] == "of":
            j += 1
        if j < n and (tokens[j] in DAY_UNITS or tokens[j] in TIME_OF_DAY_UNITS):
            return VAGUE_COUNTS[token], j + 1 - i
        return None
    if i + 1 >= n:
        return None
    unit = tokens[i + 1]
    # "the whole week", "die ganze Woche", "over the week" (not "next week", "this week").
    if token in _ARTICLES and unit in WEEK and (i == 0 or tokens[i - 1] not in NEXT | THIS):
        return 7, 2
    if (
        unit not in DAY_UNITS
        and unit not in TIME_OF_DAY_UNITS
        and unit not in WEEK_UNITS
        and unit not in FORTNIGHT
    ):
        return None
    if token in ("a", "an") and i and (tokens[i - 1] in KWH_UNITS or tokens[i - 1] == "per"):
        return None  # "8 kWh a day" is a rate, not a duration
    count = count_before_unit(tokens, i)
    if count is None or count != int(count) or count <= 0:
        return None
    if unit in FORTNIGHT:
        return int(count) * 14, 2
    return int(count) * (7 if unit in WEEK_UNITS else 1), 2


def _role(tokens: tuple[str, ...], i: int) -> str:
    """ "from" or "until" when such a word stands before position ``i`` (fillers skipped)."""
    j = i - 1
    while j >= 0 and tokens[j] in UNTIL_FILLERS and tokens[j] not in ("and", "und", "zum"):
        j -= 1
    if j < 0:
        return "plain"
    if tokens[j] in UNTIL_WORDS or tokens[j] == "-":
        return "until"
    if tokens[j] in FROM_WORDS:
        return "from"
    return "plain"


def read_when(tokens: tuple[str, ...], today: date) -> When:
    """Combine the sentence's dates and durations into a first delivery day and a count."""
    mentions: list[DateMention] = []
    duration: int | None = None
    i = 0
    while i < len(tokens):
        if (found := _duration_at(tokens, i)) is not None:
            if duration is None:
                duration = found[0]
            i += found[1]
            continue
        if (hit := _date_at(tokens, i, today)) is not None:
            day, span, used = hit
            mentions.append(DateMention(day, span, i, _role(tokens, i)))
            i += used
            continue
        i += 1

    starts = [m for m in mentions if m.role != "until"]
    ends = [m for m in mentions if m.role == "until"]
    # "and" only joins two days ("Friday and Saturday"); alone it is no end.
    if ends and not starts and tokens[ends[0].position - 1] in ("and", "und"):
        starts, ends = [ends[0]], []
    start = starts[0] if starts else None
    mentioned = mentions[0].first if mentions else None
    first: date | None = None
    if start is not None:
        first = start.first
    elif ends or duration:
        first = today + timedelta(days=1)

    if ends and first is not None:
        end = ends[0]
        last = end.first + timedelta(days=end.span_days - 1)
        if last < first and end.span_days == 1 and number_at(tokens, end.position) is None:
            last += timedelta(days=7)  # "from Saturday to Tuesday"
        return When(first, (last - first).days + 1, mentioned, duration_missing=False)
    if duration is not None:
        return When(first, duration, mentioned, duration_missing=False)
    if start is None:
        return When(None, None, mentioned, duration_missing=True)
    if start.role == "from":
        return When(start.first, None, mentioned, duration_missing=True)
    return When(start.first, start.span_days, mentioned, duration_missing=False)


# Slot values (Assist sentences, LLM tool arguments) to delivery days.

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
        return _next_weekday(today, WEEKDAYS[key.removeprefix("next_")]), 1
    if (day := _parse_iso(start.strip())) is not None:
        return day, 1
    raise DateResolutionError("unknown_start", start)


def _resolve_end(first: date, until: str) -> date:
    key = _normalise(until)
    if key in WEEKDAYS:
        ahead = (WEEKDAYS[key] - first.weekday()) % 7
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
