"""One sentence in, what the household asks for out: intent, days, kWh, price, time, reason.

``understand`` is deterministic, needs no Home Assistant and costs O(words) for any input (the
text is capped in ``text.tokens``). Recognition in Home Assistant only decides that a sentence
is probably ours (``sentences/<lang>/``); everything else is decided here, where it can be tested
on plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from ...agent.plans import TimeOfDay
from ...market_client.models import Side
from .amounts import read_amounts
from .cues import IntentName, StatusTopic, classify, join_particles, paints_the_home, side_named
from .dates import read_when
from .lexicon import (
    ALL_DAY_PHRASES,
    ARRIVING,
    BEING,
    EARLIER,
    EMPTY,
    FIRST_PERSON,
    GOING,
    HOLIDAY_SUFFIXES,
    MORNING_ARTICLES,
    NEGATIONS,
    PEOPLE,
    PERSON_DETERMINERS,
    PLACES,
    REASONS,
    REASONS_BEFORE_PLACES,
    TIME_OF_DAY_WORDS,
    TOWARDS,
    VAGUE_COUNTS,
    WEEKDAYS,
)
from .lexicon import WEEKDAY_GLUED_TIMES as _GLUED
from .matcher import WordMatcher
from .numbers import number_at
from .spoken_text import tokens as tokenise

_REASONS: Final = tuple((reason, WordMatcher.of(words)) for reason, words in REASONS)
_ALL_DAY: Final = WordMatcher.of(" ".join(p) for p in ALL_DAY_PHRASES)
_PLACES: Final = WordMatcher.of(PLACES)
_PEOPLE: Final = WordMatcher.of(PEOPLE)
_AND: Final = frozenset({"and", "und", "&"})
_PERIOD_WEEK: Final = frozenset({"week", "woche", "wochen"})
_PERIOD_MONTH: Final = frozenset({"month", "monat", "monats"})
_EXTRA_LOAD: Final = frozenset({"renovation", "guests", "home_office", "ev"})
_AWAY: Final = frozenset({"holiday", "business_trip"})


@dataclass(frozen=True, slots=True)
class Understanding:
    """What one sentence asks for; fields the sentence does not state stay None."""

    intent: IntentName | None
    start_day: date | None = None
    num_days: int | None = None
    kwh_per_day: float | None = None
    price_limit: float | None = None
    time_of_day: TimeOfDay | None = None
    reason: str | None = None
    # Status questions: what about, for which day, over which period.
    topic: StatusTopic | None = None
    day: date | None = None
    period: str | None = None
    # Cancel: which side, if the sentence says.
    side: Side | None = None
    # What must be asked back before acting ("duration").
    missing: tuple[str, ...] = field(default=())
    # Earnings: the period before the current one ("last week"), not this one so far.
    earlier: bool = False

    def slots(self) -> dict[str, object]:
        """The stated fields by name (what the corpus and the benchmark compare)."""
        names = ("start_day", "num_days", "kwh_per_day", "price_limit", "time_of_day", "reason")
        by_intent: dict[str, tuple[str, ...]] = {
            "reserve": names,
            "offer": names,
            "status": ("topic", "day", "period"),
            "cancel": ("day", "side"),
        }
        wanted = by_intent.get(self.intent or "", ())
        return {n: v for n in wanted if (v := getattr(self, n)) is not None}


def _arriving(tokens: tuple[str, ...], i: int) -> bool:
    """ "kommt", "is coming", "bleibt": not negated, and not said of ourselves ("wir besuchen")."""
    if tokens[i] not in ARRIVING:
        return False
    before, after = tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else ""
    return before not in NEGATIONS and before not in FIRST_PERSON and after not in FIRST_PERSON


def _people(tokens: tuple[str, ...]) -> str | None:
    """ "Mein Sohn kommt übers Wochenende" is guests; "Wir fahren zu Oma" is being away.

    A person after a word of going towards ("zu", "to my", "bei den", "visiting") is where the
    household goes; any other person with a word of arriving ("kommt", "is coming", "bleibt")
    comes to stay. German puts the verb first as often as last ("Übermorgen kommt mein Bruder"),
    so only the words, not their order, decide. "zu Oma und Opa": both are destinations.
    """
    towards = others = False
    previous_towards = False
    i = 0
    while i < len(tokens):
        span = _PEOPLE.span_at(tokens, i)
        if not span:
            i += 1
            continue
        before = tokens[max(0, i - 2) : i]
        if before and before[-1] in PERSON_DETERMINERS:
            before = before[:-1]
        is_towards = bool(before) and (
            before[-1] in TOWARDS or (before[-1] in _AND and previous_towards)
        )
        towards, others = towards or is_towards, others or not is_towards
        previous_towards = is_towards
        i += span
    if others and any(_arriving(tokens, i) for i in range(len(tokens))):
        return "guests"
    return "holiday" if towards else None


def _before_the_word_lists(tokens: tuple[str, ...]) -> str | None:
    """Reasons read from how words stand together, before the plain word lists."""
    if paints_the_home(tokens):
        return "renovation"  # "Wir streichen die Wohnung"
    if _PLACES.any_in(tokens) and any(t in GOING for t in tokens):
        return "holiday"  # "Wir fahren an die Ostsee", "heading to the coast"
    return _people(tokens)


def _reason(tokens: tuple[str, ...]) -> str | None:
    for index, (reason, vocabulary) in enumerate(_REASONS):
        if index == REASONS_BEFORE_PLACES and (found := _before_the_word_lists(tokens)):
            return found
        if vocabulary.any_in(tokens):
            return reason
    if any(len(t) > 6 and t.endswith(HOLIDAY_SUFFIXES) for t in tokens):
        return "holiday"  # "Wanderurlaub", "Städtereise"
    if any(t in EMPTY for t in tokens) and any(t in BEING for t in tokens):
        return "holiday"  # an empty home: nobody there to use the battery
    return None


def _time_of_day(tokens: tuple[str, ...], *, stay: bool) -> TimeOfDay | None:
    """The part of the day the sentence names.

    ``stay``: the sentence is about being away or having visitors, where "for 3 nights" is how
    long the stay lasts, not the hours the storage is for ("need storage for the next two nights"
    is the nights).
    """
    if _ALL_DAY.any_in(tokens):
        return "all_day"
    for i, token in enumerate(tokens):
        if token == "morgen":
            # "am Morgen" is the morning; plain "morgen" is tomorrow.
            if i and tokens[i - 1] in MORNING_ARTICLES:
                return "morning"
            continue
        if (
            stay
            and token in ("nights", "night", "naechte", "naechten")
            and i
            and (number_at(tokens, i - 1) is not None or tokens[i - 1] in VAGUE_COUNTS)
        ):
            continue  # "away for 3 nights", "ein paar Nächte Besuch" are stays
        if (found := TIME_OF_DAY_WORDS.get(token)) is not None:
            return found  # type: ignore[return-value]
        for name in WEEKDAYS:
            if len(name) > 3 and token.startswith(name) and token[len(name) :] in _GLUED:
                return _GLUED[token[len(name) :]]  # type: ignore[return-value]
    return None


def _period(tokens: tuple[str, ...]) -> str | None:
    if any(t in _PERIOD_MONTH for t in tokens):
        return "month"
    if any(t in _PERIOD_WEEK for t in tokens):
        return "week"
    return None


def understand(text: str, today: date) -> Understanding:
    """Read one sentence said on ``today`` (the household's or the market's date)."""
    tokens = join_particles(tokenise(text))
    reason = _reason(tokens)
    when = read_when(tokens, today)
    amounts = read_amounts(tokens)
    decided = classify(
        tokens,
        away=reason in _AWAY,
        extra_load=reason in _EXTRA_LOAD,
        specific=when.num_days is not None or when.start_day is not None or bool(amounts.kwh),
        has_kwh=amounts.kwh is not None,
        renovating=reason == "renovation",
    )
    if decided is None:
        return Understanding(intent=None)
    intent, topic = decided
    if intent == "cancel":
        return Understanding(intent="cancel", day=when.mentioned_day, side=side_named(tokens))
    if intent == "status":
        day = when.mentioned_day if topic == "reserved" else None
        period = _period(tokens) if topic == "earnings" else None
        earlier = period is not None and any(t in EARLIER for t in tokens)
        return Understanding(intent="status", topic=topic, day=day, period=period, earlier=earlier)

    kwh = amounts.kwh
    if kwh is not None and amounts.kwh_is_total and when.num_days:
        kwh = kwh / when.num_days
    missing = ("duration",) if when.duration_missing else ()
    return Understanding(
        intent=intent,
        start_day=when.start_day,
        num_days=when.num_days,
        kwh_per_day=round(kwh, 1) if kwh is not None else None,
        price_limit=amounts.price_eur,
        time_of_day=_time_of_day(tokens, stay=reason in _AWAY or reason == "guests"),
        reason=reason,
        missing=missing,
    )


def understand_days(text: str, today: date) -> tuple[date | None, int | None]:
    """The first day and the number of days a short answer names ("five days", "bis Sonntag")."""
    when = read_when(tokenise(text), today)
    return when.start_day, when.num_days


__all__ = ["Understanding", "understand", "understand_days"]
