"""What the conversation says besides the agent's trade explanations, as per-language phrases.

Answers to a focused status question ("Did my battery sell?", "What's reserved tomorrow?"), the
follow-up question when a request lacks its duration (it repeats what was understood, so the
household can correct it), and the reply to a sentence that names storage but asks for nothing we
can do. The words are the phrasebooks' ``conversation`` tables (``phrases/en.py``,
``phrases/de.py``); this module picks the sentence and fills in the figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time, timedelta
from typing import Final

from ...agent.plans import RequestStatus, StatusReport
from ..understand.understanding import Understanding
from .phrases import PHRASEBOOKS, phrasebook
from .phrases.formatting import fmt_day, fmt_eur, fmt_kwh, fmt_month, fmt_price

# The conversation's tables of every language, by language code (what the tests compare).
PHRASES: Final[Mapping[str, Mapping[str, str]]] = {
    code: book.conversation for code, book in PHRASEBOOKS.items()
}
TIMES_OF_DAY: Final[Mapping[str, Mapping[str, str]]] = {
    code: book.times_of_day for code, book in PHRASEBOOKS.items()
}


def _phrase(language: str, key: str, **values: str) -> str:
    return phrasebook(language).conversation[key].format(**values)


def _avg(request_like: float | None, language: str) -> str:
    if request_like is None:
        return ""
    return _phrase(language, "avg_price", price=fmt_price(request_like, language))


def _weighted_avg(requests: list[RequestStatus]) -> float | None:
    filled = sum(r.filled_kwh for r in requests)
    if not filled:
        return None
    return sum(r.filled_kwh * (r.avg_price or 0.0) for r in requests) / filled


def sold_answer(report: StatusReport, language: str) -> str:
    """ "Did my battery sell?": what is on offer now and what of it filled.

    Only live offers count: a cancelled or expired request contributes what it sold, never
    what it once offered.
    """
    sells = [r for r in report.requests if r.side == "sell" and (r.open or r.filled_kwh > 0)]
    if not sells:
        return _phrase(language, "sold_none_offered")
    offered = fmt_kwh(sum(r.requested_kwh if r.open else r.filled_kwh for r in sells), language)
    sold = sum(r.filled_kwh for r in sells)
    if not sold:
        return _phrase(language, "sold_nothing_yet", offered=offered)
    return _phrase(
        language,
        "sold_some",
        sold=fmt_kwh(sold, language),
        offered=offered,
        avg=_avg(_weighted_avg(sells), language),
    )


def earnings_answer(report: StatusReport, language: str, *, period: str | None) -> str:
    """ "How much have I earned?": this month's settlements."""
    text = _phrase(
        language,
        "earnings",
        earned=fmt_eur(report.earned_eur_month, language),
        paid=fmt_eur(report.paid_eur_month, language),
    )
    return text + (_phrase(language, "earnings_week_note") if period == "week" else "")


def week_earnings_answer(
    earned: float, paid: float, first: date, last: date, *, this_week: bool, language: str
) -> str:
    """ "What did I earn last week?": the week's settlements (``first`` to ``last``)."""
    return _phrase(
        language,
        "earnings_this_week" if this_week else "earnings_last_week",
        first=fmt_day(first, language),
        last=fmt_day(last, language),
        earned=fmt_eur(earned, language),
        paid=fmt_eur(paid, language),
    )


def last_month_earnings_answer(earned: float, paid: float, month: date, language: str) -> str:
    """ "What did I earn last month?": the settlements of the month ``month`` falls in."""
    return _phrase(
        language,
        "earnings_last_month",
        month=fmt_month(month, language),
        earned=fmt_eur(earned, language),
        paid=fmt_eur(paid, language),
    )


def _spoken_list(items: list[str], language: str) -> str:
    """ "a, b and c" in the language's words."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _phrase(language, "list_and") + items[-1]


def _filled_buy_days(report: StatusReport, first: date) -> dict[date, tuple[float, float]]:
    """Per delivery day from ``first`` on: (kWh filled for us, EUR it costs)."""
    days: dict[date, tuple[float, float]] = {}
    for request in report.requests:
        if request.side != "buy":
            continue
        for fill in request.days:
            if fill.day >= first and fill.filled_kwh > 0:
                kwh, cost = days.get(fill.day, (0.0, 0.0))
                days[fill.day] = (
                    kwh + fill.filled_kwh,
                    cost + fill.filled_kwh * (fill.avg_price or 0),
                )
    return dict(sorted(days.items()))


def reserved_ahead_answer(report: StatusReport, first: date, language: str) -> str:
    """ "Show me my reservations": every reserved day from ``first`` on, with kWh and price."""
    filled = _filled_buy_days(report, first)
    waiting = sum(
        max(fill.requested_kwh - fill.filled_kwh, 0.0)
        for r in report.requests
        if r.side == "buy" and r.open
        for fill in r.days
        if fill.day >= first
    )
    if not filled and not waiting:
        return _phrase(language, "reserved_none_ahead")
    items = [
        _phrase(
            language,
            "reserved_item",
            day=fmt_day(day, language),
            kwh=fmt_kwh(kwh, language),
            avg=_phrase(language, "reserved_item_price", price=fmt_price(cost / kwh, language))
            if cost
            else "",
        )
        for day, (kwh, cost) in filled.items()
    ]
    text = _phrase(language, "reserved_ahead", days=_spoken_list(items, language)) if items else ""
    if waiting:
        text = (text + _phrase(language, "reserved_open", kwh=fmt_kwh(waiting, language))).strip()
    return text


def binding_answer(report: StatusReport, first: date, day: date | None, language: str) -> str:
    """ "Nothing to cancel" for filled reservations: which days are binding and what they cost.

    Returns "" when nothing of ours is filled from ``first`` on (or on ``day``).
    """
    filled = {
        d: figures
        for d, figures in _filled_buy_days(report, first).items()
        if day is None or d == day
    }
    if not filled:
        return ""
    return _phrase(
        language,
        "cancel_binding",
        days=_spoken_list([fmt_day(d, language) for d in filled], language),
        kwh=fmt_kwh(sum(k for k, _ in filled.values()), language),
        cost=fmt_eur(sum(c for _, c in filled.values()), language),
    )


def closed_day_question(
    intent: str, closed: date, first_open: date, *, today: date, closing: time | None, language: str
) -> str:
    """ "Trading for tomorrow closed at 18:00. Shall I reserve from Wednesday 9 December?" """
    if closed == today:
        day = _phrase(language, "day_today")
    elif closed == today + timedelta(days=1):
        day = _phrase(language, "day_tomorrow")
    else:
        day = fmt_day(closed, language)
    action = _phrase(language, "closed_reserve" if intent == "reserve" else "closed_offer")
    first = fmt_day(first_open, language)
    if closing is None:
        return _phrase(language, "closed_ask_no_time", day=day, action=action, first=first)
    return _phrase(
        language,
        "closed_ask",
        day=day,
        time=closing.strftime("%H:%M"),
        action=action,
        first=first,
    )


def declined(language: str) -> str:
    """The reply to "no" after we asked whether to trade from another day."""
    return _phrase(language, "declined")


def price_answer(report: StatusReport, language: str) -> str:
    """ "What's the price?": the last clearing price and the open depth of that day."""
    priced = next((d for d in report.market if d.last_price is not None), None)
    if priced is None:
        text = _phrase(language, "price_none")
        day = report.market[0] if report.market else None
    else:
        text = _phrase(
            language,
            "price",
            day=fmt_day(priced.day, language),
            price=fmt_price(priced.last_price or 0.0, language),
        )
        day = priced
    if day is not None:
        text += _phrase(
            language,
            "depth",
            buy=fmt_kwh(day.open_buy_kwh, language),
            sell=fmt_kwh(day.open_sell_kwh, language),
        )
    return text


def _covers(request: RequestStatus, day: date) -> bool:
    return request.first_day <= day < request.first_day + timedelta(days=request.num_days)


def reserved_answer(report: StatusReport, day: date, language: str) -> str:
    """ "What's reserved tomorrow?": the household's buys covering that day (per-day average)."""
    buys = [r for r in report.requests if r.side == "buy" and _covers(r, day)]
    per_day = sum(r.filled_kwh / r.num_days for r in buys)
    if not per_day:
        return _phrase(language, "reserved_none", day=fmt_day(day, language))
    return _phrase(
        language,
        "reserved_some",
        day=fmt_day(day, language),
        kwh=fmt_kwh(per_day, language),
        avg=_avg(_weighted_avg(buys), language),
    )


def ask_duration(understood: Understanding, language: str) -> str:
    """The follow-up question, repeating what was understood so it can be corrected."""
    what = _phrase(language, "what_buy" if understood.intent == "reserve" else "what_sell")
    if understood.start_day is not None:
        what += _phrase(language, "from_day", day=fmt_day(understood.start_day, language))
    if understood.kwh_per_day is not None:
        what += _phrase(language, "kwh_per_day", kwh=fmt_kwh(understood.kwh_per_day, language))
    if understood.time_of_day is not None:
        what += _phrase(
            language, "time_of_day", time=phrasebook(language).times_of_day[understood.time_of_day]
        )
    if understood.price_limit is not None:
        key = "price_cap" if understood.intent == "reserve" else "price_floor"
        what += _phrase(language, key, price=fmt_price(understood.price_limit, language))
    return _phrase(language, "ask_duration", what=what)


def not_a_trade(language: str) -> str:
    """The reply to a sentence about storage that asks for nothing we can do."""
    return _phrase(language, "not_a_trade")


def for_household(speech: str, household: str) -> str:
    """Name the household an answer is for, when Home Assistant has more than one."""
    return f"{household}: {speech}"
