"""What the conversation says besides the agent's trade explanations, as per-language phrases.

Answers to a focused status question ("Did my battery sell?", "What's reserved tomorrow?"), the
follow-up question when a request lacks its duration (it repeats what was understood, so the
household can correct it), and the reply to a sentence that names storage but asks for nothing we
can do. Phrases are data: one table per language with the same keys, and a test keeps them equal.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from .explain import fmt_day, fmt_eur, fmt_kwh, fmt_price, lang
from .request import RequestStatus, StatusReport
from .understanding import Understanding

PHRASES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "sold_none_offered": "You have no battery capacity on offer.",
        "sold_nothing_yet": (
            "Nothing has sold yet of the {offered} you offer; I'll keep watching the market."
        ),
        "sold_some": "You have sold {sold} of the {offered} you offered{avg}.",
        "avg_price": ", at {price} on average",
        "earnings": "This month you earned {earned} and paid {paid}.",
        "earnings_week_note": " I keep totals per month, not per week.",
        "price": "The last clearing price for {day} was {price}.",
        "price_none": "There is no clearing price yet.",
        "depth": " Open now: {buy} wanted, {sell} offered.",
        "reserved_none": "You have no storage reserved for {day}.",
        "reserved_some": "For {day} you have about {kwh} reserved{avg}.",
        "ask_duration": "{what}. For how many days?",
        "what_buy": "You want to reserve storage",
        "what_sell": "You want to offer your battery capacity",
        "from_day": " from {day}",
        "kwh_per_day": ", {kwh} per day",
        "time_of_day": ", {time}",
        "price_cap": ", for at most {price}",
        "price_floor": ", for at least {price}",
        "not_a_trade": (
            "Sorry, I couldn't understand that. For the storage market you can say, for example, "
            '"Reserve 8 kWh of storage for next week", "We\'re away for a week", '
            '"Did my battery sell?" or "Cancel Friday\'s reservation".'
        ),
    },
    "de": {
        "sold_none_offered": "Du bietest gerade keine Batteriekapazität an.",
        "sold_nothing_yet": (
            "Von den angebotenen {offered} ist noch nichts verkauft; "
            "ich beobachte den Markt weiter."
        ),
        "sold_some": "Du hast {sold} von {offered} verkauft{avg}.",
        "avg_price": ", im Schnitt für {price}",
        "earnings": "Diesen Monat hast du {earned} verdient und {paid} bezahlt.",
        "earnings_week_note": " Ich führe Summen pro Monat, nicht pro Woche.",
        "price": "Der letzte Clearingpreis für {day} war {price}.",
        "price_none": "Es gibt noch keinen Clearingpreis.",
        "depth": " Offen sind gerade {buy} Nachfrage und {sell} Angebot.",
        "reserved_none": "Für {day} hast du keinen Speicher reserviert.",
        "reserved_some": "Für {day} hast du etwa {kwh} reserviert{avg}.",
        "ask_duration": "{what}. Für wie viele Tage?",
        "what_buy": "Du möchtest Speicher reservieren",
        "what_sell": "Du möchtest deine Batteriekapazität anbieten",
        "from_day": " ab {day}",
        "kwh_per_day": ", {kwh} pro Tag",
        "time_of_day": ", {time}",
        "price_cap": ", für höchstens {price}",
        "price_floor": ", für mindestens {price}",
        "not_a_trade": (
            "Das habe ich leider nicht verstanden. Für den Speichermarkt kannst du zum Beispiel "
            "sagen: „Reserviere 8 kWh Speicher für nächste Woche“, „Wir sind eine Woche weg“, "
            "„Wurde mein Akku verkauft?“ oder „Storniere die Reservierung für Freitag“."
        ),
    },
}

TIMES_OF_DAY: Final[dict[str, dict[str, str]]] = {
    "en": {
        "morning": "in the mornings",
        "afternoon": "in the afternoons",
        "evening": "in the evenings",
        "night": "at night",
        "all_day": "all day",
    },
    "de": {
        "morning": "morgens",
        "afternoon": "nachmittags",
        "evening": "abends",
        "night": "nachts",
        "all_day": "den ganzen Tag",
    },
}


def _phrase(language: str, key: str, **values: str) -> str:
    return PHRASES[lang(language)][key].format(**values)


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
    """ "Did my battery sell?": what was offered and what of it filled."""
    sells = [r for r in report.requests if r.side == "sell"]
    if not sells:
        return _phrase(language, "sold_none_offered")
    offered = fmt_kwh(sum(r.requested_kwh for r in sells), language)
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
            language, "time_of_day", time=TIMES_OF_DAY[lang(language)][understood.time_of_day]
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
