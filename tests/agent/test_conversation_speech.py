"""The conversation's own sentences: both languages complete, with the numbers in them."""

from __future__ import annotations

import string
from datetime import date

from custom_components.community_storage.agent.plans import (
    MarketDayStatus,
    RequestStatus,
    StatusReport,
)
from custom_components.community_storage.language.speak import conversation_speech as speech
from custom_components.community_storage.language.understand.understanding import understand

TODAY = date(2026, 11, 25)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_phrase_exists_in_both_languages_with_the_same_numbers() -> None:
    english, german = speech.PHRASES["en"], speech.PHRASES["de"]
    assert english.keys() == german.keys()
    for key in english:
        assert _placeholders(english[key]) == _placeholders(german[key]), key
    assert speech.TIMES_OF_DAY["en"].keys() == speech.TIMES_OF_DAY["de"].keys()


def _request(side: str, requested: float, filled: float, price: float | None) -> RequestStatus:
    return RequestStatus(
        request_id=f"rq_{side}",
        side=side,  # type: ignore[arg-type]
        reason=None,
        first_day=date(2026, 11, 26),
        num_days=2,
        requested_kwh=requested,
        filled_kwh=filled,
        avg_price=price,
        open=True,
    )


REPORT = StatusReport(
    market=(MarketDayStatus(date(2026, 11, 26), 0.085, 12.5, 3.0),),
    requests=(_request("sell", 12.0, 10.0, 0.09), _request("buy", 8.0, 8.0, 0.07)),
    earned_eur_month=7.56,
    paid_eur_month=3.92,
)


def test_focused_answers_carry_their_figures() -> None:
    assert speech.sold_answer(REPORT, "en") == (
        "You have sold 10 kWh of the 12 kWh you offered, at EUR 0.09/kWh on average."
    )
    assert speech.earnings_answer(REPORT, "de", period="week") == (
        "Diesen Monat hast du 7,56 EUR verdient und 3,92 EUR bezahlt. "
        "Ich führe Summen pro Monat, nicht pro Woche."
    )
    assert speech.price_answer(REPORT, "en") == (
        "The last clearing price for Thursday 26 November was EUR 0.085/kWh. "
        "Open now: 12.5 kWh wanted, 3 kWh offered."
    )
    assert speech.reserved_answer(REPORT, date(2026, 11, 27), "en") == (
        "For Friday 27 November you have about 4 kWh reserved, at EUR 0.07/kWh on average."
    )
    assert speech.reserved_answer(REPORT, date(2026, 11, 30), "de") == (
        "Für Montag, 30. November hast du keinen Speicher reserviert."
    )


def test_the_question_back_repeats_what_was_understood() -> None:
    asked = understand("Reserve 6 kWh of storage from Monday in the evenings, max 12 cents", TODAY)
    assert asked.missing == ("duration",)
    assert speech.ask_duration(asked, "en") == (
        "You want to reserve storage from Monday 30 November, 6 kWh per day, in the evenings, "
        "for at most EUR 0.12/kWh. For how many days?"
    )
    assert speech.ask_duration(asked, "de") == (
        "Du möchtest Speicher reservieren ab Montag, 30. November, 6 kWh pro Tag, abends, "
        "für höchstens 0,12 EUR/kWh. Für wie viele Tage?"
    )
