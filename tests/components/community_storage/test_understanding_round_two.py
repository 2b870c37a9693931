"""Issue 17 through Home Assistant's built-in agent: the classes of sentences it found misread.

Each test speaks to ``conversation.async_converse`` with our sentence files installed and Home
Assistant's own intents loaded, in English and German. What reaches the household's trading
agent is recorded by stand-ins (``tests.corpus.scoring.RecordingAgent`` and the scripted
subclass below, which answers status, cancel and the closed-day refusal like the real agent).
The market-side truth of those answers (live offers, binding fills, weekly settlements, gate
closure) is checked against a real market in ``test_conversation_e2e``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from types import SimpleNamespace
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.community_storage.agent.errors import TradingError
from custom_components.community_storage.agent.plans import (
    CancelOutcome,
    DayFill,
    RequestStatus,
    StatusReport,
    TradeRequest,
)
from custom_components.community_storage.assist import household_choice
from custom_components.community_storage.const import DOMAIN
from tests.corpus.scoring import RecordingAgent

TOMORROW = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)


def _request(side: str, days: tuple[DayFill, ...], *, open_: bool) -> RequestStatus:
    requested = sum(d.requested_kwh for d in days)
    filled = sum(d.filled_kwh for d in days)
    return RequestStatus(
        request_id=f"{side}-{days[0].day}",
        side=side,  # type: ignore[arg-type]
        reason=None,
        first_day=days[0].day,
        num_days=len(days),
        requested_kwh=requested,
        filled_kwh=filled,
        avg_price=0.08 if filled else None,
        open=open_,
        days=days,
    )


@dataclass
class ScriptedAgent(RecordingAgent):
    """A household whose market state is given: requests, weekly settlements, a closed day."""

    requests: tuple[RequestStatus, ...] = ()
    closed_until: date | None = None
    capacity_kwh: float | None = None
    earnings: tuple[float, float] = (0.0, 0.0)
    earnings_asked: list[tuple[date, date]] = field(default_factory=list)

    def battery_spec(self) -> Any:  # type: ignore[override]
        return (
            None if self.capacity_kwh is None else SimpleNamespace(capacity_kwh=self.capacity_kwh)
        )

    def gate_closure_time(self) -> time:  # type: ignore[override]
        return time(18, 0)

    async def async_execute(self, request: TradeRequest, *, language: str) -> Any:
        if self.closed_until is not None and request.start_day <= self.closed_until:
            raise TradingError(
                "closed",
                {
                    "start_day": request.start_day.isoformat(),
                    "first_day": date.fromordinal(self.closed_until.toordinal() + 1).isoformat(),
                },
                translation_key="start_day_closed",
            )
        return await super().async_execute(request, language=language)

    async def async_status(self, *, language: str) -> StatusReport:
        self.calls.append(("status", None, language))
        return StatusReport(market=(), requests=self.requests, speech="status")

    async def async_cancel_where(  # type: ignore[override]
        self, *, day: date | None, side: str | None, language: str
    ) -> CancelOutcome:
        self.calls.append(("cancel", {"day": day, "side": side}, language))
        return CancelOutcome(cancelled=(), speech="There was nothing to cancel.")

    async def async_earnings_between(self, first: date, last: date) -> tuple[float, float]:
        self.earnings_asked.append((first, last))
        return self.earnings


@pytest.fixture
def scripted(
    recording_agent: RecordingAgent, hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> ScriptedAgent:
    """The one household, scripted (clock frozen at Wednesday 2026-11-25 10:00 in Berlin)."""
    agent = ScriptedAgent(fixed_today=date(2026, 11, 25))
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    household = household_choice.Household(entry, agent)  # type: ignore[arg-type]
    monkeypatch.setattr(household_choice, "loaded_households", lambda _hass: [household])
    return agent


async def _say(hass: HomeAssistant, text: str, language: str) -> Any:
    result = await conversation.async_converse(hass, text, None, Context(), language=language)
    return result.response


def _speech(response: Any) -> str:
    return str(response.speech["plain"]["speech"])


# ----------------------------------------------------------------- 1: evenings as a duration


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I need extra storage for the next four evenings"),
        ("de", "Ich brauche die nächsten vier Abende Speicher"),
    ],
)
async def test_evenings_are_a_duration(
    hass: HomeAssistant, recording_agent: RecordingAgent, language: str, text: str
) -> None:
    """Four evenings: four days from tomorrow, evenings, no question back."""
    response = await _say(hass, text, language)
    assert not _speech(response).endswith("?"), _speech(response)
    (kind, request, _) = recording_agent.calls[0]
    assert (kind, request.side, request.start_day, request.num_days, request.time_of_day) == (
        "execute",
        "buy",
        TOMORROW,
        4,
        "evening",
    )


# ----------------------------------------------- 2: sentences Home Assistant used to answer


def _a_light_in_each_area(
    hass: HomeAssistant, lights: tuple[tuple[str, set[str], str, str], ...]
) -> None:
    """For each (area, its aliases, light entity id, light name): the area with the light in it."""
    areas = ar.async_get(hass)
    entities = er.async_get(hass)
    for area_name, aliases, entity_id, name in lights:
        area = areas.async_create(area_name, aliases=aliases)
        domain, object_id = entity_id.split(".")
        registered = entities.async_get_or_create(
            domain, "test", object_id, suggested_object_id=object_id
        )
        entities.async_update_entity(registered.entity_id, area_id=area.id)
        hass.states.async_set(entity_id, "off", {"friendly_name": name})


@pytest.fixture
def flat_and_house(hass: HomeAssistant) -> dict[str, list[Any]]:
    """Areas called "Flat" and "House" (German aliases "Wohnung", "Haus") with a light each."""
    _a_light_in_each_area(
        hass,
        (
            ("Flat", {"Wohnung"}, "light.flat", "Flat light"),
            ("House", {"Haus"}, "light.house", "House light"),
        ),
    )
    return {
        "on": async_mock_service(hass, "light", "turn_on"),
        "off": async_mock_service(hass, "light", "turn_off"),
    }


@pytest.mark.parametrize(
    ("language", "text", "side", "start", "days", "time_of_day", "reason"),
    [
        ("en", "The flat is empty until Sunday", "sell", TOMORROW, 4, None, "holiday"),
        ("en", "The house is empty next week", "sell", date(2026, 11, 30), 7, None, "holiday"),
        (
            "en",
            "Keep my solar for the evenings this weekend",
            "buy",
            date(2026, 11, 28),
            2,
            "evening",
            None,
        ),
        ("de", "Die Wohnung steht bis Sonntag leer", "sell", TOMORROW, 4, None, "holiday"),
        ("de", "Wir gehen ab Freitag drei Tage wandern", "sell", FRIDAY, 3, None, "holiday"),
        ("de", "Ich bin ab Montag zwei Wochen zur Kur", "sell", date(2026, 11, 30), 14, None,
         "holiday"),
        ("de", "Wir machen am Wochenende eine Städtereise", "sell", date(2026, 11, 28), 2, None,
         "holiday"),
        ("de", "Bei uns ist bis Sonntag keiner zu Hause", "sell", TOMORROW, 4, None, "holiday"),
        ("en", "Nobody's home this weekend", "sell", date(2026, 11, 28), 2, None, "holiday"),
        # Absence without a travel word, and staying with family or friends.
        ("de", "Wir sind am Wochenende nicht da", "sell", date(2026, 11, 28), 2, None, "holiday"),
        ("de", "Wir sind halt bis Montag bei Freunden", "sell", TOMORROW, 5, None, "holiday"),
        ("en", "We're at my in-laws from tomorrow till Sunday", "sell", TOMORROW, 4, None,
         "holiday"),
        ("de", "Heb mir doch den Solarstrom fürs Wochenende auf", "buy", date(2026, 11, 28), 2,
         None, None),
    ],
)  # fmt: skip
async def test_our_sentences_without_storage_words_are_ours(
    hass: HomeAssistant,
    recording_agent: RecordingAgent,
    flat_and_house: dict[str, list[Any]],
    language: str,
    text: str,
    side: str,
    start: date,
    days: int,
    time_of_day: str | None,
    reason: str | None,
) -> None:
    """With areas called Flat and House present, these still reach the trading agent."""
    response = await _say(hass, text, language)
    assert recording_agent.calls, _speech(response)
    (_, request, _) = recording_agent.calls[0]
    assert (
        request.side,
        request.start_day,
        request.num_days,
        request.time_of_day,
        request.reason,
    ) == (side, start, days, time_of_day, reason), text
    assert flat_and_house["on"] == [] and flat_and_house["off"] == []


async def test_commands_naming_flat_and_house_stay_home_assistants(
    hass: HomeAssistant, recording_agent: RecordingAgent, flat_and_house: dict[str, list[Any]]
) -> None:
    """Home Assistant's own commands about areas called Flat / House are not taken by us."""
    cases = (
        ("en", "turn on the lights in the flat", "HassTurnOn"),
        ("en", "turn off the lights in the house", "HassTurnOff"),
        ("de", "Schalte das Licht in der Wohnung ein", "HassTurnOn"),
        ("de", "Schalte das Licht im Haus aus", "HassTurnOff"),
    )
    for language, text, expected in cases:
        response = await _say(hass, text, language)
        assert response.intent is not None, (text, _speech(response))
        assert response.intent.intent_type == expected, text
    turned_on = {e for c in flat_and_house["on"] for e in c.data["entity_id"]}
    turned_off = {e for c in flat_and_house["off"] for e in c.data["entity_id"]}
    assert "light.flat" in turned_on and "light.house" in turned_off
    assert recording_agent.calls == []


# --------------------------------------------------------- 3: market questions are status


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Who is selling storage today?"), ("de", "Wer verkauft heute Speicher?")],
)
async def test_questions_about_the_market_are_status(
    hass: HomeAssistant, recording_agent: RecordingAgent, language: str, text: str
) -> None:
    """Nothing is traded; the market's status is read."""
    await _say(hass, text, language)
    assert [kind for kind, _, _ in recording_agent.calls] == ["status"]


# ------------------------------------------------------------ 4: renting out, not needing


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I want to rent out storage next week"),
        ("de", "Ich vermiete meinen Speicher nächste Woche"),
    ],
)
async def test_renting_out_offers(
    hass: HomeAssistant, recording_agent: RecordingAgent, language: str, text: str
) -> None:
    await _say(hass, text, language)
    (_, request, _) = recording_agent.calls[0]
    assert (request.side, request.start_day, request.num_days, request.reason) == (
        "sell",
        date(2026, 11, 30),
        7,
        None,
    )


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "I don't need the reserved storage anymore",
            "There was nothing left to cancel. Your reservations for Thursday 26 November and "
            "Friday 27 November are already filled, and filled days are binding: "
            "10 kWh for EUR 0.80.",
        ),
        (
            "de",
            "Den reservierten Speicher brauche ich nicht mehr",
            "Es gab nichts mehr zu stornieren. Deine Reservierungen für Donnerstag, 26. November "
            "und Freitag, 27. November sind schon zugeschlagen, und zugeschlagene Tage sind "
            "verbindlich: 10 kWh für 0,80 EUR.",
        ),
    ],
)
async def test_reserved_storage_not_needed_is_cancelled_and_fills_are_binding(
    hass: HomeAssistant, scripted: ScriptedAgent, language: str, text: str, expected: str
) -> None:
    """A buy-side cancel; when everything has filled, the reply says what binds and costs."""
    scripted.requests = (
        _request(
            "buy",
            (DayFill(TOMORROW, 6.0, 6.0, 0.08), DayFill(FRIDAY, 4.0, 4.0, 0.08)),
            open_=False,
        ),
    )
    response = await _say(hass, text, language)
    assert scripted.calls[0] == ("cancel", {"day": None, "side": "buy"}, language)
    assert _speech(response) == expected


# ------------------------------------------------ 5: a pending question and a new request


@pytest.mark.parametrize(
    ("language", "question", "new_request", "days", "reason"),
    [
        ("en", "I need battery storage for the evenings", "Sell the battery for four days", 4,
         None),
        ("de", "Ich brauche abends Batteriespeicher", "Wir fahren zum Wandern sechs Tage weg", 6,
         "holiday"),
    ],
)  # fmt: skip
async def test_a_new_request_is_not_taken_as_the_answer(
    hass: HomeAssistant,
    recording_agent: RecordingAgent,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    question: str,
    new_request: str,
    days: int,
    reason: str | None,
) -> None:
    """The Flat (no battery) asks back; a sale that follows goes to the House with a battery."""
    house = ScriptedAgent(fixed_today=date(2026, 11, 25), capacity_kwh=10.0)
    flat = ScriptedAgent(fixed_today=date(2026, 11, 25))
    entries = []
    for title in ("House", "Flat"):
        entry = MockConfigEntry(domain=DOMAIN, title=title, options={"install_sentences": False})
        entry.add_to_hass(hass)
        entries.append(entry)
    households = [
        household_choice.Household(entries[0], house),  # type: ignore[arg-type]
        household_choice.Household(entries[1], flat),  # type: ignore[arg-type]
    ]
    monkeypatch.setattr(household_choice, "loaded_households", lambda _hass: households)

    asked = await _say(hass, question, language)
    assert _speech(asked).startswith("Flat: ") and _speech(asked).endswith("?"), _speech(asked)
    await _say(hass, new_request, language)
    assert flat.calls == []
    (kind, request, _) = house.calls[0]
    assert (kind, request.side, request.num_days, request.reason) == (
        "execute",
        "sell",
        days,
        reason,
    )


async def test_no_closes_the_question(hass: HomeAssistant, recording_agent: RecordingAgent) -> None:
    """ "For how many days?" answered with "no": nothing is traded, and nothing stays open."""
    asked = await _say(hass, "Wir fahren in den Urlaub", "de")
    assert _speech(asked).endswith("?")
    declined = await _say(hass, "nein danke", "de")
    assert _speech(declined) == "In Ordnung, dann handle ich nicht."
    await _say(hass, "five days", "en")
    assert recording_agent.calls == []


# --------------------------------------------------------- 6: status answers that are true


async def test_only_live_offers_count(hass: HomeAssistant, scripted: ScriptedAgent) -> None:
    """Offers cancelled or expired unsold are not "on offer"; what did sell still counts."""
    scripted.requests = (_request("sell", (DayFill(TOMORROW, 797.0, 0.0, None),), open_=False),)
    assert _speech(await _say(hass, "Did my battery sell?", "en")) == (
        "You have no battery capacity on offer."
    )
    scripted.requests = (
        _request("sell", (DayFill(TOMORROW, 797.0, 0.0, None),), open_=False),
        _request("sell", (DayFill(FRIDAY, 8.0, 3.0, 0.08),), open_=False),
        _request("sell", (DayFill(date(2026, 11, 28), 5.0, 0.0, None),), open_=True),
    )
    assert _speech(await _say(hass, "Wurde mein Akku verkauft?", "de")) == (
        "Du hast 3 kWh von 8 kWh verkauft, im Schnitt für 0,08 EUR/kWh."
    )


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Show me my reservations",
            "Your reservations ahead: Thursday 26 November, 6 kWh at EUR 0.08/kWh and "
            "Friday 27 November, 4 kWh at EUR 0.08/kWh. Still waiting for a seller: 2 kWh.",
        ),
        (
            "de",
            "Zeig mir meine Reservierungen",
            "Deine nächsten Reservierungen: Donnerstag, 26. November, 6 kWh für 0,08 EUR/kWh und "
            "Freitag, 27. November, 4 kWh für 0,08 EUR/kWh. Noch ohne Verkäufer: 2 kWh.",
        ),
    ],
)
async def test_reservations_are_listed_day_by_day(
    hass: HomeAssistant, scripted: ScriptedAgent, language: str, text: str, expected: str
) -> None:
    """Every reserved day ahead with its kWh and price, and what still waits for a seller."""
    scripted.requests = (
        _request("buy", (DayFill(date(2026, 11, 24), 5.0, 5.0, 0.07),), open_=False),
        _request(
            "buy",
            (DayFill(TOMORROW, 6.0, 6.0, 0.08), DayFill(FRIDAY, 6.0, 4.0, 0.08)),
            open_=True,
        ),
    )
    assert _speech(await _say(hass, text, language)) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected", "asked"),
    [
        (
            "en",
            "What did I earn last week?",
            "Last week, Monday 16 November to Sunday 22 November, you earned EUR 3.50 and "
            "paid EUR 1.25.",
            (date(2026, 11, 16), date(2026, 11, 22)),
        ),
        (
            "de",
            "Was habe ich diese Woche verdient?",
            "Diese Woche, seit Montag, 23. November, hast du bisher 3,50 EUR verdient und "
            "1,25 EUR bezahlt.",
            (date(2026, 11, 23), date(2026, 11, 25)),
        ),
        (
            "de",
            "Was hab ich letzten Monat verdient?",
            "Letzten Monat, im Oktober, hast du 3,50 EUR verdient und 1,25 EUR bezahlt.",
            (date(2026, 10, 1), date(2026, 10, 31)),
        ),
        (
            "en",
            "Did I make any money from the battery last month?",
            "Last month, in October, you earned EUR 3.50 and paid EUR 1.25.",
            (date(2026, 10, 1), date(2026, 10, 31)),
        ),
    ],
)
async def test_earnings_are_answered_for_the_period(
    hass: HomeAssistant,
    scripted: ScriptedAgent,
    language: str,
    text: str,
    expected: str,
    asked: tuple[date, date],
) -> None:
    scripted.earnings = (3.5, 1.25)
    assert _speech(await _say(hass, text, language)) == expected
    assert scripted.earnings_asked == [asked]


# ------------------------------------------------------------ 7: a closed day is a question


@pytest.mark.parametrize(
    ("language", "text", "question", "answer", "executed"),
    [
        (
            "en",
            "Reserve storage for tomorrow",
            "Trading for tomorrow closed at 18:00. Shall I reserve from Friday 27 November?",
            "yes please",
            True,
        ),
        (
            "de",
            "Reserviere Speicher für morgen",
            "Der Handel für morgen wurde um 18:00 Uhr geschlossen. "
            "Soll ich ab Freitag, 27. November reservieren?",
            "ja",
            True,
        ),
        (
            "en",
            "Offer my battery tomorrow",
            "Trading for tomorrow closed at 18:00. Shall I offer your storage from "
            "Friday 27 November?",
            "no",
            False,
        ),
        (
            "de",
            "Biete morgen meinen Akku an",
            "Der Handel für morgen wurde um 18:00 Uhr geschlossen. "
            "Soll ich ab Freitag, 27. November deinen Speicher anbieten?",
            "nein danke",
            False,
        ),
    ],
)
async def test_a_closed_day_becomes_a_question(
    hass: HomeAssistant,
    scripted: ScriptedAgent,
    language: str,
    text: str,
    question: str,
    answer: str,
    executed: bool,
) -> None:
    """The first open day is offered with dates in words; yes trades from it, no does not."""
    scripted.closed_until = TOMORROW
    asked = await _say(hass, text, language)
    assert _speech(asked) == question
    assert scripted.calls == []
    replied = await _say(hass, answer, language)
    if executed:
        (kind, request, _) = scripted.calls[0]
        assert (kind, request.start_day, request.num_days) == ("execute", FRIDAY, 1)
    else:
        assert scripted.calls == []
        assert _speech(replied) in (
            "All right, I won't trade.",
            "In Ordnung, dann handle ich nicht.",
        )


async def test_yes_without_a_question_trades_nothing(
    hass: HomeAssistant, recording_agent: RecordingAgent
) -> None:
    response = await _say(hass, "yes", "en")
    assert recording_agent.calls == []
    assert response.response_type.value == "error"


async def test_refusals_speak_dates_as_words(hass: HomeAssistant, scripted: ScriptedAgent) -> None:
    """An error the agent raises with ISO dates in its placeholders is spoken with day names."""

    async def beyond(request: TradeRequest, *, language: str) -> Any:
        raise TradingError(
            "too far",
            {"last_day": "2026-12-14", "horizon_days": "14"},
            translation_key="beyond_horizon",
        )

    scripted.async_execute = beyond  # type: ignore[method-assign]
    for language, sentence, day in (
        ("en", "Reserve storage on Monday", "Monday 14 December"),
        ("de", "Reserviere Speicher für Montag", "Montag, 14. Dezember"),
    ):
        text = _speech(await _say(hass, sentence, language))
        assert day in text and "2026-12-14" not in text, text


# ------------------- 8: a trip said by where to, someone coming to stay, "streichen" = painting

SATURDAY = date(2026, 11, 28)
NEXT_MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("language", "text", "side", "start", "days", "reason"),
    [
        # Away, said by the destination: the battery is sold.
        ("en", "We're heading to the coast this weekend", "sell", SATURDAY, 2, "holiday"),
        ("en", "I'm going to my sister's until Sunday", "sell", TOMORROW, 4, "holiday"),
        ("de", "Wir fahren übermorgen für drei Tage an die Ostsee", "sell", FRIDAY, 3, "holiday"),
        ("de", "Wir fahren übers Wochenende zu Oma", "sell", SATURDAY, 2, "holiday"),
        # Someone coming to stay: extra load, storage is bought.
        ("en", "My son is coming for the weekend", "buy", SATURDAY, 2, "guests"),
        ("en", "My in-laws are visiting next week", "buy", NEXT_MONDAY, 7, "guests"),
        ("de", "Mein Sohn kommt übers Wochenende", "buy", SATURDAY, 2, "guests"),
        ("de", "Meine Eltern kommen nächste Woche", "buy", NEXT_MONDAY, 7, "guests"),
        # Painting the home, with areas called "Flat" / "Wohnung" present.
        ("en", "We're painting the flat next week", "buy", NEXT_MONDAY, 7, "renovation"),
        ("de", "Wir streichen nächste Woche die Wohnung", "buy", NEXT_MONDAY, 7, "renovation"),
        ("de", "Ab Montag streichen wir drei Tage das Wohnzimmer", "buy", NEXT_MONDAY, 3,
         "renovation"),
    ],
)  # fmt: skip
async def test_destinations_guests_and_painting_are_trades(
    hass: HomeAssistant,
    recording_agent: RecordingAgent,
    flat_and_house: dict[str, list[Any]],
    language: str,
    text: str,
    side: str,
    start: date,
    days: int,
    reason: str,
) -> None:
    """Without a storage word these reach the trading agent, and its reply is spoken."""
    response = await _say(hass, text, language)
    assert _speech(response) == f"{side} {days}"
    (kind, request, _) = recording_agent.calls[0]
    assert (kind, request.side, request.start_day, request.num_days, request.reason) == (
        "execute",
        side,
        start,
        days,
        reason,
    ), text
    assert flat_and_house["on"] == [] and flat_and_house["off"] == []


@pytest.mark.parametrize(
    ("language", "text", "question", "answer", "side", "start", "reason"),
    [
        ("en", "We're off to the seaside from Saturday",
         "You want to offer your battery capacity from Saturday 28 November. For how many days?",
         "five days", "sell", SATURDAY, "holiday"),
        ("de", "Wir fahren ans Meer",
         "Du möchtest deine Batteriekapazität anbieten. Für wie viele Tage?", "bis Sonntag",
         "sell", TOMORROW, "holiday"),
        ("en", "My dad is coming to stay from Saturday",
         "You want to reserve storage from Saturday 28 November. For how many days?",
         "three days", "buy", SATURDAY, "guests"),
        ("de", "Meine Mutter kommt ab Freitag zu Besuch",
         "Du möchtest Speicher reservieren ab Freitag, 27. November. Für wie viele Tage?",
         "drei Tage", "buy", FRIDAY, "guests"),
        ("de", "Wir tapezieren ab Freitag das Schlafzimmer",
         "Du möchtest Speicher reservieren ab Freitag, 27. November. Für wie viele Tage?",
         "drei Tage", "buy", FRIDAY, "renovation"),
    ],
)  # fmt: skip
async def test_destinations_guests_and_painting_ask_how_long(
    hass: HomeAssistant,
    recording_agent: RecordingAgent,
    language: str,
    text: str,
    question: str,
    answer: str,
    side: str,
    start: date,
    reason: str,
) -> None:
    """No duration: the reply asks how long; the answer trades with the side and reason."""
    assert _speech(await _say(hass, text, language)) == question
    assert recording_agent.calls == []
    await _say(hass, answer, language)
    (kind, request, _) = recording_agent.calls[0]
    assert (kind, request.side, request.start_day, request.reason) == (
        "execute",
        side,
        start,
        reason,
    )


async def test_commands_naming_places_and_people_stay_home_assistants(
    hass: HomeAssistant, recording_agent: RecordingAgent
) -> None:
    """Areas and lights named with the new gate words ("kids", "island", "Strand") stay Home
    Assistant's: places and people need a date word (in German also a travel verb)."""
    _a_light_in_each_area(
        hass,
        (
            ("Kids room", {"Kinderzimmer"}, "light.kids_room", "Kids room light"),
            ("Beach hut", {"Strand"}, "light.beach_hut", "Beach hut light"),
            ("Kitchen island", set(), "light.kitchen_island", "Kitchen island light"),
        ),
    )
    turned_on = async_mock_service(hass, "light", "turn_on")
    turned_off = async_mock_service(hass, "light", "turn_off")
    cases = (
        ("en", "turn off the lights in the kids room", "HassTurnOff"),
        ("en", "turn on the lights in the beach hut", "HassTurnOn"),
        ("en", "turn off the lights in the kitchen island", "HassTurnOff"),
        ("de", "Schalte das Licht im Kinderzimmer aus", "HassTurnOff"),
        ("de", "Schalte das Licht am Strand ein", "HassTurnOn"),
    )
    for language, text, expected in cases:
        response = await _say(hass, text, language)
        assert response.intent is not None, (text, _speech(response))
        assert response.intent.intent_type == expected, text
    assert {e for c in turned_off for e in c.data["entity_id"]} == {
        "light.kids_room",
        "light.kitchen_island",
    }
    assert {e for c in turned_on for e in c.data["entity_id"]} == {"light.beach_hut"}
    assert recording_agent.calls == []


@pytest.mark.parametrize(
    ("text", "day", "side"),
    [
        ("Streich bitte meine Reservierung für Samstag", SATURDAY, "buy"),
        ("Streich das Angebot für morgen", TOMORROW, "sell"),
        ("Kannst du meinen Auftrag für Freitag streichen?", FRIDAY, None),
    ],
)
async def test_streichen_an_order_cancels(
    hass: HomeAssistant, scripted: ScriptedAgent, text: str, day: date, side: str | None
) -> None:
    """ "streichen" said of a reservation, offer or order is cancelling, not painting."""
    response = await _say(hass, text, "de")
    assert scripted.calls[0] == ("cancel", {"day": day, "side": side}, "de")
    assert _speech(response) == "There was nothing to cancel."
