"""Which of our intents a sentence asks for: reserve, offer, status or cancel (or none).

Decided by cue words, in this order: a cancel word decides at once ("cancel Friday's
reservation"); a question about sales, earnings, prices, reservations or the market is a status
question ("Did my battery sell?"); otherwise offer and reserve cues are weighed, where a negated
need ("won't need our battery", "brauchen den Akku nicht") and being away count for offering and
an extra load (renovation, guests) counts for reserving.
"""

from __future__ import annotations

from typing import Final, Literal

from ...market_client.models import Side
from .lexicon import (
    BUY_NOUNS,
    CANCEL,
    EARNINGS,
    HOME_SURFACE_ENDINGS,
    HOME_SURFACES,
    KEEP_VERBS,
    NEGATIONS,
    NO_LONGER,
    NOT_OURS,
    OFFER,
    ORDER_NOUNS,
    OTHERS,
    OVERVIEW,
    PAINT_OR_CANCEL,
    PARTICLE_REACH,
    PARTICLE_VERBS,
    POSSESSIVES,
    PRICE,
    QUESTION_FILLERS,
    QUESTION_START,
    REQUEST_START,
    RESERVE,
    RESERVED,
    SELL_NOUNS,
    SOLAR_STEMS,
    SOLD,
    TOPIC,
    WORK_AREAS,
)
from .matcher import WordMatcher

type IntentName = Literal["reserve", "offer", "status", "cancel"]
type StatusTopic = Literal["overview", "price", "earnings", "sold", "reserved"]

_CANCEL: Final = WordMatcher.of(CANCEL)
_TOPIC: Final = WordMatcher.of(TOPIC)
_EARNINGS: Final = WordMatcher.of(EARNINGS)
_SOLD: Final = WordMatcher.of(SOLD)
_RESERVED: Final = WordMatcher.of(RESERVED)
_PRICE: Final = WordMatcher.of(PRICE)
_OVERVIEW: Final = WordMatcher.of(OVERVIEW)
_OFFER: Final = WordMatcher.of(OFFER)
_RESERVE: Final = WordMatcher.of(RESERVE)
_BUY_NOUNS: Final = WordMatcher.of(BUY_NOUNS)
_SELL_NOUNS: Final = WordMatcher.of(SELL_NOUNS)
_NOT_OURS: Final = WordMatcher.of(NOT_OURS)
_NEED: Final = WordMatcher.of(
    ("need*", "brauch*", "braeucht*", "benoetig*", "use", "using", "nutz*", "require*")
)
_NO_LONGER: Final = WordMatcher.of(NO_LONGER)
_WANTING: Final = frozenset({"want", "wants", "moechte", "moechten", "get"})
_OTHERS: Final = WordMatcher.of(OTHERS)
_PAINT_OR_CANCEL: Final = WordMatcher.of(PAINT_OR_CANCEL)
_ORDER_NOUNS: Final = WordMatcher.of(ORDER_NOUNS)
_STRONG_STATUS: Final = frozenset({"earnings", "sold", "reserved", "price"})
# How far before a need word a negation still counts ("won't be needing", "do not need").
_NEGATION_REACH: Final = 3
# How far after a German need verb its negation may stand: the days come in between ("Wir
# brauchen unseren Speicher die kommenden vier Nächte nicht").
_GERMAN_NEGATION_REACH: Final = 10


def _negated_need(tokens: tuple[str, ...]) -> bool:
    """ "won't need", "don't need", "brauchen ... nicht", "no need for"."""
    for i in range(len(tokens)):
        if not _NEED.span_at(tokens, i):
            continue
        window = tokens[max(0, i - _NEGATION_REACH) : i]
        if any(t in NEGATIONS for t in window) and "longer" not in window:
            return True
        # German puts the negation after the verb: "brauchen unseren Akku nicht".
        after = tokens[i + 1 : i + 1 + _GERMAN_NEGATION_REACH]
        if any(t in ("nicht", "kein", "keinen", "keine") for t in after) and "mehr" not in after:
            return True
        if i >= 1 and tokens[i - 1] == "no" and tokens[i][:4] == "need":
            return True
    return False


def paints_the_home(tokens: tuple[str, ...]) -> bool:
    """ "Wir streichen nächste Woche die Wohnung": "streichen" with a surface of the home and no
    order, reservation or offer to strike ("Streich meine Reservierung" cancels)."""
    return (
        _PAINT_OR_CANCEL.any_in(tokens)
        and any(t in HOME_SURFACES or t.endswith(HOME_SURFACE_ENDINGS) for t in tokens)
        and not _ORDER_NOUNS.any_in(tokens)
    )


def _cancels(tokens: tuple[str, ...]) -> bool:
    """A cancel word, where "streichen" said of the home is painting, not cancelling."""
    if paints_the_home(tokens):
        tokens = tuple(t for t in tokens if not _PAINT_OR_CANCEL.span_at((t,), 0))
    return _CANCEL.any_in(tokens) or (
        "zurueck" in tokens and any(t in ("zieh", "ziehe", "nimm", "nehme") for t in tokens)
    )


def join_particles(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """ "rent my storage out" -> "rent_out my storage": the verb and its particle as one word.

    Only within ``PARTICLE_REACH`` words, so "rent" and a far "out" stay apart. Joined, the
    particle is no longer read on its own ("out" = away), nor the verb ("rent" = reserve). No
    typed token contains "_", so the joined word cannot be said by accident.
    """
    for i, token in enumerate(tokens):
        if token not in PARTICLE_VERBS:
            continue
        window = tokens[i + 1 : i + 1 + PARTICLE_REACH]
        if "out" in window:
            j = i + 1 + window.index("out")
            return (*tokens[:i], f"{token}_out", *tokens[i + 1 : j], *tokens[j + 1 :])
    return tokens


def _no_longer_needed(tokens: tuple[str, ...]) -> bool:
    """ "don't need ... anymore", "brauche ... nicht mehr" (but not "nicht mehr als 10 Cent")."""
    if not _NEED.any_in(tokens):
        return False
    for i in range(len(tokens)):
        span = _NO_LONGER.span_at(tokens, i)
        if span and tokens[i + span : i + span + 1] not in (("als",), ("than",)):
            return True
    return False


def _asks_the_market(tokens: tuple[str, ...]) -> bool:
    """A question about other households ("Who is selling storage today?"), not about ours."""
    return _OTHERS.any_in(tokens) and not any(t in POSSESSIVES for t in tokens)


def _is_question(tokens: tuple[str, ...]) -> bool:
    """Starts like a question ("Did ...", "Wie ...") rather than a request ("Can you ...")."""
    first = next((t for t in tokens if t not in QUESTION_FILLERS), "")
    return first in QUESTION_START and first not in REQUEST_START


def status_topic(tokens: tuple[str, ...]) -> StatusTopic | None:
    """What a status question asks about, if it asks about one of ours."""
    if _EARNINGS.any_in(tokens):
        return "earnings"
    if _SOLD.any_in(tokens):
        return "sold"
    if _RESERVED.any_in(tokens):
        return "reserved"
    if _PRICE.any_in(tokens):
        return "price"
    if _OVERVIEW.any_in(tokens) or _TOPIC.any_in(tokens):
        return "overview"
    return None


def _score(vocabulary: WordMatcher, tokens: tuple[str, ...]) -> int:
    return len(vocabulary.hits(tokens))


def classify(
    tokens: tuple[str, ...],
    *,
    away: bool,
    extra_load: bool,
    specific: bool,
    has_kwh: bool,
    renovating: bool = False,
) -> tuple[IntentName, StatusTopic | None] | None:
    """The intent (and for status, the topic), or None when the sentence is not ours.

    ``specific``: the sentence names days, a duration or a volume (a request, not a question).
    ``renovating``: rooms named are where the work is ("painting the living room"), not areas
    of a Home Assistant command.
    """
    vetoing = tuple(t for t in tokens if t not in WORK_AREAS) if renovating else tokens
    if _NOT_OURS.any_in(vetoing):
        return None
    keep_solar = (
        any(t.startswith(SOLAR_STEMS) for t in tokens)
        and any(t in KEEP_VERBS for t in tokens)
        and not _is_question(tokens)
    )
    # "Solarstrom aufheben" keeps power for later; it cancels nothing.
    if not keep_solar and _cancels(tokens):
        return "cancel", None
    topic = status_topic(tokens)
    if _no_longer_needed(tokens) and _RESERVED.any_in(tokens):
        return "cancel", None  # "I don't need the reserved storage anymore"
    negated = _negated_need(tokens)
    offer = 2 * _score(_OFFER, tokens) + (3 if negated else 0) + (2 if away else 0)
    # A reserve word inside an offer phrase is not a second cue: "rent out" is no "rent".
    inside_offer = _OFFER.covered(tokens)
    # Wanting is weaker than a trade verb: "I want to rent out storage" is an offer.
    reserve = sum(
        1 if tokens[i] in _WANTING else 2 for i in _RESERVE.hits(tokens) if i not in inside_offer
    )
    reserve += (1 if extra_load else 0) + (2 if keep_solar else 0)
    if negated:
        reserve -= 2
    if _is_question(tokens):
        if topic in ("earnings", "reserved", "price"):
            return "status", topic
        if _asks_the_market(tokens) and (topic is not None or offer > 0 or reserve > 0):
            return "status", "overview"  # what others trade is a question about the market
        if topic in _STRONG_STATUS or (topic == "overview" and not specific):
            return "status", topic
    if offer <= 0 and reserve <= 0:
        if topic in _STRONG_STATUS:
            return "status", topic
        if away:
            return "offer", None
        if (specific and (topic or has_kwh)) or extra_load:
            return "reserve", None
        if topic is not None and not specific:
            return "status", topic
        return None
    if offer > reserve:
        return "offer", None
    return "reserve", None


# German compounds carry the side inside: "Speicherangebot", "Speicherreservierung".
_SELL_PARTS: Final = ("verkauf", "angebot", "anbiet")
_BUY_PARTS: Final = ("reservier", "buchung", "gebucht", "kauf")


def side_named(tokens: tuple[str, ...]) -> Side | None:
    """The side a cancel means: "my reservation" is a buy, "my offer" a sale."""
    sell = any(part in t for t in tokens for part in _SELL_PARTS)
    buy = not sell and any(part in t for t in tokens for part in _BUY_PARTS)
    buy = buy or _BUY_NOUNS.any_in(tokens)
    sell = sell or _SELL_NOUNS.any_in(tokens) or _OFFER.any_in(tokens)
    if buy and not sell:
        return Side.BUY
    if sell and not buy:
        return Side.SELL
    return None
