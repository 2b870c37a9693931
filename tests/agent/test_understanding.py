"""The sentence reader on plain strings: dates, durations, volumes, prices, intents, cost.

"Today" is Wednesday 2026-11-25 throughout, as in the corpus.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.community_storage.language.understand.answers import yes_or_no
from custom_components.community_storage.language.understand.spoken_text import (
    MAX_CHARS,
    MAX_TOKENS,
    tokens,
)
from custom_components.community_storage.language.understand.understanding import (
    Understanding,
    understand,
    understand_days,
)

TODAY = date(2026, 11, 25)
TOMORROW = date(2026, 11, 26)
MONDAY = date(2026, 11, 30)


def _u(text: str) -> Understanding:
    return understand(text, TODAY)


@pytest.mark.parametrize(
    ("text", "start", "days"),
    [
        ("Reserve storage for a week", TOMORROW, 7),
        ("I need storage for ten days", TOMORROW, 10),
        ("Book storage for a fortnight", TOMORROW, 14),
        ("Ich brauche zehn Tage Speicher", TOMORROW, 10),
        ("Ich brauche zwei Wochen lang Speicher", TOMORROW, 14),
        ("Reserve storage tomorrow", TOMORROW, 1),
        ("Reserve storage next week", MONDAY, 7),
        ("Reserve storage from Monday for 3 days", MONDAY, 3),
        ("Reserviere Speicher ab Montag für drei Tage", MONDAY, 3),
        ("Book storage the day after tomorrow", date(2026, 11, 27), 1),
        ("Buche Speicher für übermorgen", date(2026, 11, 27), 1),
        ("Buche Speicher für uebermorgen", date(2026, 11, 27), 1),
        ("Reserve storage on the 14th", date(2026, 12, 14), 1),
        ("Reserve storage from 14 December for 3 days", date(2026, 12, 14), 3),
        ("Reserviere Speicher ab dem 14. Dezember für drei Tage", date(2026, 12, 14), 3),
        ("Reserve storage from Friday to Sunday", date(2026, 11, 27), 3),
        ("Speicher von Freitag bis Sonntag reservieren", date(2026, 11, 27), 3),
        ("Book storage for the weekend", date(2026, 11, 28), 2),
        ("Book storage for next weekend", date(2026, 12, 5), 2),
        ("Reserve storage until Sunday", TOMORROW, 4),
        ("Reserve storage for the next 4 days", TOMORROW, 4),
        ("Reserve storage from Saturday to Tuesday", date(2026, 11, 28), 4),
        ("Book storage for a couple of days", TOMORROW, 2),
        ("Buch Speicher für ein paar Tage", TOMORROW, 3),
    ],
)
def test_dates_and_durations(text: str, start: date, days: int) -> None:
    understood = _u(text)
    assert understood.intent == "reserve", text
    assert (understood.start_day, understood.num_days, understood.missing) == (start, days, ())


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Reserve storage from Monday", MONDAY),
        ("Biete meinen Akku ab Montag an", MONDAY),
        ("We're going on holiday", None),
        ("Book some community storage", None),
    ],
)
def test_a_missing_duration_is_asked_for(text: str, start: date | None) -> None:
    understood = _u(text)
    assert understood.missing == ("duration",)
    assert understood.start_day == start


@pytest.mark.parametrize(
    ("text", "kwh", "price"),
    [
        ("Reserve 8 kWh per day of storage tomorrow", 8.0, None),
        ("Reserve 7,5 kWh Speicher morgen", 7.5, None),
        ("Reserve sechs kWh Speicher morgen", 6.0, None),
        ("I need 9kWh of storage per day for 6 days", 9.0, None),
        ("I need 50 kWh of storage over the week", 7.1, None),
        ("Ich brauche insgesamt 20 kWh Speicher für 4 Tage", 5.0, None),
        ("Reserve storage tomorrow for at most 12 cents", None, 0.12),
        ("Reserve storage tomorrow for 0.10 EUR", None, 0.1),
        ("Reserve storage tomorrow for €0.12", None, 0.12),
        ("Reserviere Speicher morgen für 0,12 €", None, 0.12),
        ("Reserviere Speicher morgen für höchstens zehn Cent", None, 0.1),
        ("Reserve storage tomorrow, max 12 ct", None, 0.12),
        ("Reserve storage tomorrow at most 9 cents per kWh", None, 0.09),
    ],
)
def test_volumes_and_prices(text: str, kwh: float | None, price: float | None) -> None:
    understood = _u(text)
    assert (understood.kwh_per_day, understood.price_limit) == (kwh, price), text


@pytest.mark.parametrize(
    ("text", "time_of_day", "reason"),
    [
        ("I'll be renovating next week in the evenings and need storage", "evening", "renovation"),
        ("Ich renoviere nächste Woche abends und brauche Speicher", "evening", "renovation"),
        ("We have guests this weekend and need storage at night", "night", "guests"),
        ("Working from home next week, reserve storage all day", "all_day", "home_office"),
        ("I need storage to charge the EV tomorrow morning", "morning", "ev"),
        ("Ich brauche morgen früh Speicher fürs E-Auto", "morning", "ev"),
        ("We're on a business trip for 5 days, offer the battery", None, "business_trip"),
        ("Wir sind zehn Tage weg", None, "holiday"),
    ],
)
def test_time_of_day_and_reason(text: str, time_of_day: str | None, reason: str) -> None:
    understood = _u(text)
    assert (understood.time_of_day, understood.reason) == (time_of_day, reason), text


@pytest.mark.parametrize(
    ("text", "intent", "topic"),
    [
        ("Did my battery sell?", "status", "sold"),
        ("Sell my battery tomorrow", "offer", None),
        ("How is my storage trading going?", "status", "overview"),
        ("How much have I earned from my battery this week?", "status", "earnings"),
        ("What's the storage price today?", "status", "price"),
        ("What's reserved for tomorrow?", "status", "reserved"),
        ("Wie läuft der Speicherhandel?", "status", "overview"),
        ("Wurde mein Akku verkauft?", "status", "sold"),
        ("Put my home battery on the market for a week", "offer", None),
        ("We won't need our battery next week", "offer", None),
        ("Wir brauchen unseren Akku nächste Woche nicht", "offer", None),
        ("I need 6 kWh of storage per day for the next 4 days", "reserve", None),
        ("Cancel my storage orders", "cancel", None),
        ("Don't sell my battery on Saturday after all", "cancel", None),
        ("Storniere meine Speicherreservierung", "cancel", None),
    ],
)
def test_intents(text: str, intent: str, topic: str | None) -> None:
    understood = _u(text)
    assert (understood.intent, understood.topic) == (intent, topic), text


def test_cancel_names_its_day_and_side() -> None:
    understood = _u("Cancel Friday's reservation")
    assert (understood.intent, understood.day, understood.side) == (
        "cancel",
        date(2026, 11, 27),
        "buy",
    )
    assert _u("Zieh mein Speicherangebot für morgen zurück").side == "sell"


@pytest.mark.parametrize(
    "text",
    [
        "turn on the kitchen light",
        "What's the battery level of my phone",
        "Wie ist der Akkustand von meinem Handy?",
        "set a timer for 5 minutes",
        "what's the weather next week",
        "add batteries to the shopping list",
    ],
)
def test_other_domains_are_not_ours(text: str) -> None:
    assert _u(text).intent is None


def test_short_answers_name_days() -> None:
    assert understand_days("five days", TODAY) == (TOMORROW, 5)
    assert understand_days("bis Sonntag", TODAY) == (TOMORROW, 4)
    assert understand_days("for a week from Monday", TODAY) == (MONDAY, 7)


def test_the_input_is_capped() -> None:
    """Nothing beyond the cap is looked at, whatever the input's length (the cost is bounded;
    ``benchmarks/recognition.py`` measures it)."""
    flood = "storage 9 kwh " * 10_000
    assert tokens(flood) == tokens(flood[:MAX_CHARS])
    assert len(tokens("1 " * 10_000)) == MAX_TOKENS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_without_error(text: str) -> None:
    understood = understand(text, TODAY)
    assert understood.intent in (None, "reserve", "offer", "status", "cancel")
    if understood.num_days is not None:
        assert understood.num_days >= 1


@pytest.mark.parametrize(
    ("text", "start", "days", "time_of_day"),
    [
        ("I need extra storage for the next four evenings", TOMORROW, 4, "evening"),
        ("Ich brauche die nächsten vier Abende Speicher", TOMORROW, 4, "evening"),
        ("Book storage for three mornings from Monday", MONDAY, 3, "morning"),
        ("Biete meinen Akku ab Montag drei Vormittage an", MONDAY, 3, "morning"),
        ("Offer my battery for the next two nights", TOMORROW, 2, "night"),
        ("Wir brauchen die nächsten zwei Nächte Speicher", TOMORROW, 2, "night"),
        ("I need storage this evening", TODAY, 1, "evening"),
    ],
)
def test_evenings_nights_and_mornings_are_a_duration(
    text: str, start: date, days: int, time_of_day: str
) -> None:
    """Issue 17, class 1: "four evenings" is four days of evenings, not a missing duration."""
    understood = _u(text)
    assert (understood.start_day, understood.num_days, understood.time_of_day) == (
        start,
        days,
        time_of_day,
    ), text
    assert understood.missing == ()


def test_nights_of_a_stay_are_its_length() -> None:
    """Away or visitors "for 3 nights" is how long; the storage is not only for the nights."""
    understood = _u("We're away for 3 nights")
    assert (understood.intent, understood.num_days, understood.time_of_day) == ("offer", 3, None)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Who is selling storage today?", "overview"),
        ("Is anyone selling storage tomorrow?", "overview"),
        ("Is there storage to buy this weekend?", "overview"),
        ("Wer verkauft heute Speicher?", "overview"),
        ("Gibt es morgen Speicher zu kaufen?", "overview"),
        ("Did anyone buy my offer for Friday?", "sold"),
        ("What does storage cost tomorrow?", "price"),
    ],
)
def test_questions_about_the_market_are_status(text: str, topic: str) -> None:
    """Issue 17, class 3: asking what others trade is a status question, not a request."""
    understood = _u(text)
    assert (understood.intent, understood.topic) == ("status", topic), text


@pytest.mark.parametrize(
    ("text", "intent", "side"),
    [
        ("Rent out my storage for three days", "offer", None),
        ("I want to rent out storage next week", "offer", None),
        ("Rent my storage out for the weekend", "offer", None),
        ("Ich vermiete meinen Speicher am Wochenende", "offer", None),
        ("I want to rent storage for the weekend", "reserve", None),
        ("I don't need the reserved storage anymore", "cancel", "buy"),
        ("We don't need the storage we reserved any more", "cancel", "buy"),
        ("Den reservierten Speicher brauche ich nicht mehr", "cancel", "buy"),
        ("Wir brauchen die gebuchte Kapazität nicht mehr", "cancel", "buy"),
        ("We won't need our battery next week", "offer", None),
        ("Buy storage tomorrow, no more than 10 cents", "reserve", None),
    ],
)
def test_renting_out_and_not_needing(text: str, intent: str, side: str | None) -> None:
    """Issue 17, class 4: "rent out" offers; reserved storage no longer needed is cancelled."""
    understood = _u(text)
    assert (understood.intent, understood.side) == (intent, side), text
    assert understood.reason is None, text  # "out" of "rent out" is not being away


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", True),
        ("Yes please", True),
        ("ok, do it", True),
        ("Ja, bitte", True),
        ("ja gerne", True),
        ("no", False),
        ("No thanks", False),
        ("nein danke", False),
        ("lieber nicht", False),
        ("yes and sell my battery tomorrow", None),
        ("Sell the battery for four days", None),
        ("nein, reserviere lieber ab Montag", None),
    ],
)
def test_yes_and_no_are_whole_answers(text: str, answer: bool | None) -> None:
    """Only a sentence that is nothing but yes or no answers "Shall I reserve from ...?"."""
    assert yes_or_no(text) is answer, text


@pytest.mark.parametrize(
    ("text", "intent", "reason"),
    [
        # Who goes where: a person after a word of going towards is the destination.
        ("Wir besuchen von Freitag bis Sonntag meine Schwester", "offer", "holiday"),
        ("We're visiting my in-laws next week", "offer", "holiday"),
        ("Wir fahren zu Oma und Opa und bleiben drei Tage", "offer", "holiday"),
        ("We're staying with my parents next week", "offer", "holiday"),
        # Any other person with a word of arriving comes to stay, whatever the word order.
        ("Meine Schwiegereltern besuchen uns am Wochenende", "reserve", "guests"),
        ("My in-laws are visiting next week", "reserve", "guests"),
        ("Übermorgen kommt mein Bruder für drei Tage", "reserve", "guests"),
        ("My sister with her kids is coming on Friday for a week", "reserve", "guests"),
        ("Wir kriegen übers Wochenende Besuch von meinen Eltern", "reserve", "guests"),
        # A place with a word of going or being there.
        ("Nächste Woche geht's in die Berge", "offer", "holiday"),
        ("We'll be at the lake from Thursday to Sunday", "offer", "holiday"),
        # "streichen" with a surface of the home paints it; with an order it cancels.
        ("Wir streichen nächste Woche die Wohnung", "reserve", "renovation"),
        ("Ab Montag streichen wir drei Tage das Wohnzimmer", "reserve", "renovation"),
        ("Die Reservierung fürs Haus kannst du streichen", "cancel", None),
        ("Streich meine Reservierung", "cancel", None),
        ("We're painting the living room next week", "reserve", "renovation"),
    ],
)
def test_destinations_guests_and_painting(text: str, intent: str, reason: str | None) -> None:
    understood = _u(text)
    assert (understood.intent, understood.reason) == (intent, reason), text


def test_rooms_without_renovation_are_still_home_assistants() -> None:
    """Only the work makes a room ours: switching something in it stays Home Assistant's."""
    assert _u("Turn on the heater in the living room next week").intent is None
    assert _u("Mach nächste Woche das Licht im Wohnzimmer an").intent is None
