"""The seed conversations end to end through Home Assistant's built-in agent.

Sentence -> default agent (our sentences installed by the integration) -> intent handler ->
the household's trading agent -> a real market server on 127.0.0.1 with counter-orders from
another household -> orders on the server -> the spoken reply with the server's figures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from homeassistant.components import conversation, persistent_notification
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.const import (
    CONF_BATTERY_SOC_ENTITY,
    CONF_LOAD_ENTITY,
    CONF_MIN_SELL_PRICE,
    CONF_PV_ENTITY,
    CONF_TOKEN,
)
from custom_components.community_storage.household.notifications import notification_id
from custom_components.community_storage.intent import INTENTS
from tests.market_harness import MutableClock, RunningMarket

from .conftest import COMMUNITY_TIME_ZONE, join_entry
from .seed_history import async_seed_history
from .test_sensor import _trade as trade_with_neighbour

TODAY = date(2026, 11, 25)  # a Wednesday; the market's clock says 10:00 in Berlin
TOMORROW = TODAY + timedelta(days=1)
NEXT_MONDAY = date(2026, 11, 30)

RENOVATION = (
    "I'll be renovating next week during the evenings and need storage capacity since my "
    "solar panels won't generate power at night."
)
HOLIDAY = "We're going on holiday for a week and won't need our battery storage."


type HouseholdFactory = Callable[..., Awaitable[MockConfigEntry]]


@pytest.fixture
async def add_household(
    hass: HomeAssistant,
    market: RunningMarket,
    demo_sensors: dict[str, str],
) -> AsyncIterator[HouseholdFactory]:
    """Join a household to the market and load its entry, with a fortnight of history.

    "Tomorrow" and "next week" count from the market's date (the harness fixes its clock at
    10:00 on 2026-11-25 in Berlin), so the test does not depend on the day it runs.
    """
    await hass.config.async_set_time_zone(COMMUNITY_TIME_ZONE)
    await async_seed_history(
        hass,
        load_entity=demo_sensors[CONF_LOAD_ENTITY],
        pv_entity=demo_sensors[CONF_PV_ENTITY],
        today=TODAY,
    )
    entries: list[MockConfigEntry] = []

    async def _add(
        name: str,
        *,
        battery_kwh: float | None,
        options: dict[str, Any] | None = None,
        pv: bool = True,
    ) -> MockConfigEntry:
        sensors = dict(demo_sensors)
        if battery_kwh is None:
            sensors.pop(CONF_BATTERY_SOC_ENTITY)
        if not pv:
            sensors.pop(CONF_PV_ENTITY)
        entry = await join_entry(
            hass, market, name, 15.0, sensors, battery_kwh=battery_kwh, options=options
        )
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        entries.append(entry)
        return entry

    yield _add
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def renovator(add_household: HouseholdFactory) -> MockConfigEntry:
    """A household with solar but no battery: it needs the community's storage."""
    return await add_household("Weber", battery_kwh=None)


@pytest.fixture
async def traveller(add_household: HouseholdFactory) -> MockConfigEntry:
    """A household with a 15.3 kWh battery that sells from EUR 0.09/kWh.

    Without SoC history the agent keeps the 10 % reserve and what the empty house draws at
    night, which leaves the seed's 12 kWh a day to sell.
    """
    return await add_household("Bauer", battery_kwh=15.3, options={CONF_MIN_SELL_PRICE: 0.09})


async def _say(hass: HomeAssistant, text: str, language: str = "en") -> intent.IntentResponse:
    result = await conversation.async_converse(hass, text, None, Context(), language=language)
    return result.response


async def _orders(market: RunningMarket, entry: MockConfigEntry) -> list[dict[str, Any]]:
    body = await market.get("/api/v1/requests", entry.data[CONF_TOKEN])
    (request,) = body["requests"]
    return list(request["orders"])


def _days(first: date, count: int) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range(count)]


async def test_intents_come_from_the_intent_platform(
    hass: HomeAssistant, renovator: MockConfigEntry
) -> None:
    """Loading the custom integration registers its intents through the intent platform."""
    registered = {handler.intent_type for handler in intent.async_get(hass)}
    assert set(INTENTS) <= registered


async def test_seed_renovation(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """The renovation sentence verbatim: evening capacity for next week at the neighbour's price.

    The need is the agent's own estimate from the household's history (about 8 kWh a day:
    evening demand plus the renovation's extra load); it buys only what is expected to fill
    (its own export, and the share of the rest neighbours' stored solar is expected to cover:
    nothing measured yet, so the month's assumption), and the reply says so with the figures.
    The prices in the reply are the server's.
    """
    await market.place(neighbour[1], "sell", NEXT_MONDAY, 7, 10.0, 0.07)
    response = await _say(hass, RENOVATION)
    speech = response.speech["plain"]["speech"]
    assert response.response_type == intent.IntentResponseType.ACTION_DONE, speech

    orders = await _orders(market, renovator)
    assert [o["day"] for o in orders] == _days(NEXT_MONDAY, 7)
    assert all(o["side"] == "buy" and o["status"] == "filled" for o in orders)
    assert {o["avg_price"] for o in orders} == {0.07}
    days = response.speech_slots["plan"]["days"]
    planned = [day["kwh"] for day in days]
    assert [o["volume_kwh"] for o in orders] == planned
    assert all(7.5 <= day["wanted_kwh"] <= 9.0 for day in days)
    assert all(0 < day["kwh"] < day["wanted_kwh"] and day["note"] == "fill_limited" for day in days)
    assert all(
        day["kwh"] == pytest.approx(day["own_fill_kwh"] + day["shared_kwh"], abs=0.5)
        for day in days
    )
    low, high = min(planned), max(planned)
    total = sum(o["filled_kwh"] * o["avg_price"] for o in orders)
    volume = f"{low:g} kWh" if low == high else f"{low:g} kWh to {high:g} kWh"
    assert speech.startswith(
        f"I've reserved {volume} of storage capacity per day for next week "
        "in the evenings at EUR 0.07/kWh to support your renovation plans."
    )
    assert f"EUR {total:.2f} in total" in speech
    # What fills it, what that energy costs, and why it is less than the need.
    assert "of neighbours' stored solar as shared energy at EUR 0.12/kWh" in speech
    assert "That's less than the" in speech
    assert "each kWh of shared energy saves EUR 0.25/kWh" in speech


async def test_seed_renovation_with_the_seed_figures(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """With the seed's 8 kWh a day said out loud: 8 kWh x 7 days at EUR 0.07 = EUR 3.92."""
    await market.place(neighbour[1], "sell", NEXT_MONDAY, 7, 10.0, 0.07)
    response = await _say(
        hass,
        "I'll be renovating next week during the evenings and need 8 kWh per day of storage "
        "capacity since my solar panels won't generate power at night.",
    )
    speech = response.speech["plain"]["speech"]
    orders = await _orders(market, renovator)
    assert [(o["day"], o["volume_kwh"], o["filled_kwh"], o["avg_price"]) for o in orders] == [
        (day, 8.0, 8.0, 0.07) for day in _days(NEXT_MONDAY, 7)
    ]
    assert speech.startswith(
        "I've reserved 8 kWh of storage capacity per day for next week in the evenings at "
        "EUR 0.07/kWh to support your renovation plans. That's EUR 3.92 in total."
    ), speech


@pytest.mark.parametrize(
    ("language", "text", "figures"),
    [
        (
            "en",
            HOLIDAY,
            (
                "1.4 kWh to 1.9 kWh",
                "EUR 0.09/kWh",
                "EUR 1.11",
                "a day rather than the",
                "as on a grey day like the poorer fifth of the last three weeks, with 69% of",
            ),
        ),
        (
            "de",
            "Wir fahren eine Woche in den Urlaub und brauchen unseren Batteriespeicher nicht.",
            (
                "1,4 kWh bis 1,9 kWh",
                "0,09 EUR/kWh",
                "1,11 EUR",
                "pro Tag statt der freien",
                "aus dem schwächeren Fünftel der letzten drei Wochen zähle, mit 69 % des",
            ),
        ),
    ],
)
async def test_seed_holiday(
    hass: HomeAssistant,
    traveller: MockConfigEntry,
    market: RunningMarket,
    neighbour: Any,
    language: str,
    text: str,
    figures: tuple[str, ...],
) -> None:
    """The holiday sentence: a week from tomorrow at EUR 0.09, only what is expected to fill.

    Of the 15.3 kWh battery less its reserve and what the empty house still draws at night
    (12 kWh free), late November's own solar surplus and the community's expected share fill
    1.9 kWh a day (1.4 kWh from December, a darker month), counted as on a grey day like the
    poorer fifth of the last three weeks (69 % of an average day's surplus), and the reply says
    so: that is what is sold. EUR 0.09 is the household's minimum sell price, which clears.
    """
    await market.place(neighbour[1], "buy", TOMORROW, 7, 12.0, 0.10)
    response = await _say(hass, text, language)
    speech = response.speech["plain"]["speech"]
    assert response.response_type == intent.IntentResponseType.ACTION_DONE, speech

    orders = await _orders(market, traveller)
    days = response.speech_slots["plan"]["days"]
    assert [
        (o["day"], o["side"], o["volume_kwh"], o["filled_kwh"], o["avg_price"]) for o in orders
    ] == [(day["day"], "sell", day["kwh"], day["kwh"], 0.09) for day in days]
    assert [day["kwh"] for day in days] == [1.9] * 5 + [1.4] * 2
    assert all(11.5 <= day["wanted_kwh"] <= 12.5 for day in days), days
    for figure in figures:
        assert figure in speech, speech


async def test_a_flat_tariff_without_export_is_not_sold_capacity_it_cannot_use(
    hass: HomeAssistant,
    add_household: HouseholdFactory,
    market: RunningMarket,
    neighbour: Any,
) -> None:
    """No solar to export, a flat tariff of EUR 0.37 and shared energy at the community's EUR
    0.30: a kWh of capacity would save EUR 0.07, less than the EUR 0.08 it costs. Nothing is
    bought, and the reply says why with the figures."""
    await market.change_settings(energy_price=0.30)
    flat = await add_household("Krause", battery_kwh=None, pv=False)
    await market.place(neighbour[1], "sell", NEXT_MONDAY, 7, 10.0, 0.08)
    response = await _say(hass, RENOVATION)
    speech = response.speech["plain"]["speech"]
    assert (await market.get("/api/v1/requests", flat.data[CONF_TOKEN]))["requests"] == []
    assert speech.startswith("I haven't reserved anything"), speech
    assert "export 0.0 kWh of your own solar" in speech
    assert "Shared energy costs EUR 0.300/kWh against your EUR 0.370/kWh" in speech
    assert "each kWh saves EUR 0.070, not more than the capacity price of EUR 0.080/kWh" in speech
    german = await _say(hass, "Ich renoviere nächste Woche abends und brauche Speicher", "de")
    text = german.speech["plain"]["speech"]
    assert text.startswith("Ich habe nichts reserviert"), text
    assert "0,300 EUR/kWh gegenüber deinen 0,370 EUR/kWh" in text


async def test_partial_days(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """Sellers for only 5 of the 7 days: the reply says so and keeps watching."""
    await market.place(neighbour[1], "sell", NEXT_MONDAY, 5, 10.0, 0.07)
    speech = (await _say(hass, RENOVATION)).speech["plain"]["speech"]
    orders = await _orders(market, renovator)
    assert [o["status"] for o in orders] == ["filled"] * 5 + ["open"] * 2
    assert "I was able to reserve storage for 5 of the 7 days" in speech
    assert "I'll continue monitoring the market for the remaining days." in speech


async def test_partial_volume(
    hass: HomeAssistant, traveller: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """Buyers for part of the offer: the reply says how much and keeps offering the rest."""
    await market.place(neighbour[1], "buy", TOMORROW, 7, 1.3, 0.10)
    speech = (await _say(hass, HOLIDAY)).speech["plain"]["speech"]
    orders = await _orders(market, traveller)
    assert {(o["filled_kwh"], o["status"]) for o in orders} == {(1.3, "partially_filled")}
    share = round(100 * 7 * 1.3 / sum(o["volume_kwh"] for o in orders))
    assert f"We were able to sell {share}% of your available storage capacity" in speech
    assert "I'll keep offering the remainder." in speech


async def test_high_price(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """Only expensive sellers: bought at EUR 0.12 and the reply explains why."""
    await market.place(neighbour[1], "sell", NEXT_MONDAY, 7, 10.0, 0.12)
    speech = (await _say(hass, "I need 8 kWh per day of storage next week in the evenings")).speech[
        "plain"
    ]["speech"]
    orders = await _orders(market, renovator)
    assert {(o["volume_kwh"], o["avg_price"]) for o in orders} == {(8.0, 0.12)}
    assert "EUR 6.72 in total" in speech
    assert "due to limited availability" in speech


async def test_no_buyers_then_a_later_fill_notifies(
    hass: HomeAssistant, traveller: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """Nobody buys yet: the reply says it keeps watching; a later fill arrives as a notification."""
    response = await _say(hass, "Wir sind bis Sonntag weg", "de")
    speech = response.speech["plain"]["speech"]
    assert speech.startswith("Gerade gibt es keine Käufer."), speech
    orders = await _orders(market, traveller)
    assert [o["day"] for o in orders] == _days(TOMORROW, 4)
    assert all(o["status"] == "open" for o in orders)
    request_id = response.speech_slots["request_id"]

    # Later a neighbour buys; the market clears; the household's next refresh sees the fill.
    await market.place(neighbour[1], "buy", TOMORROW, 4, 5.0, 0.10)
    await market.clear()
    await traveller.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    notifications = persistent_notification._async_get_or_create_notifications(hass)
    note = notifications[notification_id(request_id)]
    # Each day sold what it offered: what is expected to fill (1.9 kWh in late November,
    # counted as on a grey day).
    assert "weitere 1,9 kWh zu 0,09 EUR/kWh verkauft (1,9 kWh von 1,9 kWh)" in note["message"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The market server can't be reached right now. Nothing was sent"),
        ("de", "Der Marktserver ist gerade nicht erreichbar. Es wurde nichts gesendet"),
    ],
)
async def test_market_down_is_spoken_and_nothing_is_sent(
    hass: HomeAssistant,
    proxied_entry: MockConfigEntry,
    outage: Any,
    market: RunningMarket,
    language: str,
    expected: str,
) -> None:
    """With the server unreachable the agent says so in the user's language; nothing is placed.

    "Tomorrow" still resolves (from the household's own calendar, the market's being unknown).
    """
    await outage.stop()
    await proxied_entry.runtime_data.coordinator.async_refresh()
    assert not proxied_entry.runtime_data.coordinator.last_update_success

    response = await intent.async_handle(
        hass,
        "test",
        INTENTS[0],
        {"start": {"value": "tomorrow"}, "kwh_per_day": {"value": 3}},
        language=language,
    )
    assert response.response_type == intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"].startswith(expected)

    await outage.start()
    body = await market.get("/api/v1/requests", proxied_entry.data[CONF_TOKEN])
    assert body["requests"] == []


async def test_cancel_one_day_of_a_reservation(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket
) -> None:
    """ "Cancel Friday's reservation": only Friday's open buy leaves the market."""
    friday = date(2026, 11, 27)
    reply = await _say(hass, "Reserve 4 kWh of storage per day from tomorrow until Sunday")
    assert reply.response_type == intent.IntentResponseType.ACTION_DONE, reply.speech
    assert [o["status"] for o in await _orders(market, renovator)] == ["open"] * 4

    reply = await _say(hass, "Cancel Friday's reservation")
    speech = reply.speech["plain"]["speech"]
    assert speech == "I've cancelled 1 request and taken 4 kWh off the market.", speech
    orders = {o["day"]: o["status"] for o in await _orders(market, renovator)}
    assert orders == {
        TOMORROW.isoformat(): "open",
        friday.isoformat(): "cancelled",
        "2026-11-28": "open",
        "2026-11-29": "open",
    }


async def test_did_my_battery_sell(
    hass: HomeAssistant, traveller: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """The focused status answer carries the server's figures: sold, offered, average price."""
    reply = await _say(hass, "Did my battery sell?")
    assert reply.speech["plain"]["speech"] == "You have no battery capacity on offer."
    await market.place(neighbour[1], "buy", TOMORROW, 2, 5.0, 0.10)
    await _say(hass, "Offer 6 kWh of my battery per day for the next 2 days")
    reply = await _say(hass, "Did my battery sell?")
    assert reply.response_type == intent.IntentResponseType.QUERY_ANSWER
    assert reply.speech["plain"]["speech"] == (
        "You have sold 10 kWh of the 12 kWh you offered, at EUR 0.09/kWh on average."
    )
    reply = await _say(hass, "Wurde mein Akku verkauft?", "de")
    assert reply.speech["plain"]["speech"] == (
        "Du hast 10 kWh von 12 kWh verkauft, im Schnitt für 0,09 EUR/kWh."
    )


async def test_ask_back_then_trade(
    hass: HomeAssistant, traveller: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """ "We're going on holiday" asks how long; "five days" places the week's offer."""
    await market.place(neighbour[1], "buy", TOMORROW, 5, 12.0, 0.10)
    question = await _say(hass, "We're going on holiday")
    assert question.speech["plain"]["speech"] == (
        "You want to offer your battery capacity. For how many days?"
    )
    assert (await market.get("/api/v1/requests", traveller.data[CONF_TOKEN]))["requests"] == []
    answer = await _say(hass, "five days")
    assert answer.response_type == intent.IntentResponseType.ACTION_DONE, answer.speech
    orders = await _orders(market, traveller)
    assert [o["day"] for o in orders] == _days(TOMORROW, 5)
    assert all(o["side"] == "sell" and o["status"] == "filled" for o in orders)


# Issue 17: answers that tell the truth, and a closed day as a question (real market).


async def test_a_closed_day_becomes_a_question_then_trades(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, market_clock: Any
) -> None:
    """After 18:00 tomorrow is closed: the reply offers the first open day; "yes" books it."""
    market_clock.advance(hours=9)  # 19:00 in Berlin: trading for the 26th closed at 18:00
    question = await _say(hass, "Reserve 4 kWh of storage for tomorrow")
    assert question.speech["plain"]["speech"] == (
        "Trading for tomorrow closed at 18:00. Shall I reserve from Friday 27 November?"
    )
    assert (await market.get("/api/v1/requests", renovator.data[CONF_TOKEN]))["requests"] == []
    answer = await _say(hass, "yes")
    assert answer.response_type == intent.IntentResponseType.ACTION_DONE, answer.speech
    orders = await _orders(market, renovator)
    assert [(o["day"], o["side"], o["volume_kwh"]) for o in orders] == [("2026-11-27", "buy", 4.0)]


async def test_a_closed_day_declined_in_german(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, market_clock: Any
) -> None:
    market_clock.advance(hours=9)
    question = await _say(hass, "Reserviere 4 kWh Speicher für morgen", "de")
    assert question.speech["plain"]["speech"] == (
        "Der Handel für morgen wurde um 18:00 Uhr geschlossen. "
        "Soll ich ab Freitag, 27. November reservieren?"
    )
    answer = await _say(hass, "nein danke", "de")
    assert answer.speech["plain"]["speech"] == "In Ordnung, dann handle ich nicht."
    assert (await market.get("/api/v1/requests", renovator.data[CONF_TOKEN]))["requests"] == []


async def test_cancelled_offers_are_not_on_offer(
    hass: HomeAssistant, traveller: MockConfigEntry, market: RunningMarket
) -> None:
    """An offer nobody bought and that was cancelled is no longer "on offer"."""
    await _say(hass, "Offer 6 kWh of my battery per day for the next 2 days")
    reply = await _say(hass, "Did my battery sell?")
    assert reply.speech["plain"]["speech"].startswith("Nothing has sold yet of the 12 kWh")
    await _say(hass, "Cancel my offers")
    reply = await _say(hass, "Did my battery sell?")
    assert reply.speech["plain"]["speech"] == "You have no battery capacity on offer."


async def test_reservations_are_listed_and_filled_ones_are_binding(
    hass: HomeAssistant, renovator: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """Reserved days ahead with kWh and price; "don't need it anymore" says what binds."""
    await market.place(neighbour[1], "sell", TOMORROW, 2, 4.0, 0.08)
    reply = await _say(hass, "Reserve 4 kWh of storage per day for the next 2 days")
    assert reply.response_type == intent.IntentResponseType.ACTION_DONE, reply.speech
    assert all(o["status"] == "filled" for o in await _orders(market, renovator))
    price = (await _orders(market, renovator))[0]["avg_price"]
    spoken_price = f"EUR {float(price):.2f}/kWh"

    reply = await _say(hass, "Show me my reservations")
    assert reply.speech["plain"]["speech"] == (
        f"Your reservations ahead: Thursday 26 November, 4 kWh at {spoken_price} and "
        f"Friday 27 November, 4 kWh at {spoken_price}."
    )
    reply = await _say(hass, "I don't need the reserved storage anymore")
    assert reply.speech["plain"]["speech"] == (
        "There was nothing left to cancel. Your reservations for Thursday 26 November and "
        "Friday 27 November are already filled, and filled days are binding: "
        f"8 kWh for EUR {8 * float(price):.2f}."
    )
    assert all(o["status"] == "filled" for o in await _orders(market, renovator))
    reply = await _say(hass, "Zeig mir meine Reservierungen", "de")
    assert reply.speech["plain"]["speech"].startswith(
        "Deine nächsten Reservierungen: Donnerstag, 26. November, 4 kWh für "
    )


async def test_last_months_earnings_are_the_ledgers(
    hass: HomeAssistant,
    traveller: MockConfigEntry,
    market: RunningMarket,
    market_clock: MutableClock,
    neighbour: Any,
) -> None:
    """ "What did I earn last month?" in December answers November's settlements, not December's.

    Bauer buys 8 kWh for tomorrow from the neighbour at EUR 0.07 and sells 3 kWh the day after
    at EUR 0.05 (the sensor test's trades; each clears at once, pay as clear); a week later, in
    December, the server has settled both days: November paid 8 x 0.07 = EUR 0.56 and earned
    3 x 0.05 = EUR 0.15.
    """
    await trade_with_neighbour(traveller, market, neighbour)
    market_clock.advance(days=7)  # Wednesday 2 December, after both days' report deadlines
    await market.settle()
    await traveller.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert traveller.runtime_data.coordinator.data.today == date(2026, 12, 2)

    reply = await _say(hass, "What did I earn last month?")
    assert reply.speech["plain"]["speech"] == (
        "Last month, in November, you earned EUR 0.15 and paid EUR 0.56."
    )
    reply = await _say(hass, "Was habe ich letzten Monat verdient?", "de")
    assert reply.speech["plain"]["speech"] == (
        "Letzten Monat, im November, hast du 0,15 EUR verdient und 0,56 EUR bezahlt."
    )
    # This month (December) nothing has been settled yet: the answers differ by period.
    reply = await _say(hass, "How much have I earned this month?")
    assert reply.speech["plain"]["speech"] == "This month you earned EUR 0.00 and paid EUR 0.00."


# Issue 17, fourth round: a trip said by where to, and someone coming to stay (real market).


@pytest.mark.parametrize(
    ("language", "text", "opening", "extra"),
    [
        (
            "en",
            "My son is coming for the weekend",
            "I've reserved 1 kWh of storage capacity per day for the 2 days from Saturday "
            "28 November at EUR 0.07/kWh for your guests.",
            "including about 2 kWh extra",
        ),
        (
            "de",
            "Mein Sohn kommt übers Wochenende",
            "Ich habe 1 kWh pro Tag Speicherkapazität für die 2 Tage ab Samstag, 28. November "
            "zu 0,07 EUR/kWh für deinen Besuch reserviert.",
            "davon etwa 2 kWh zusätzlich",
        ),
    ],
)
async def test_guests_coming_to_stay_buy_storage(
    hass: HomeAssistant,
    renovator: MockConfigEntry,
    market: RunningMarket,
    neighbour: Any,
    language: str,
    text: str,
    opening: str,
    extra: str,
) -> None:
    """No storage word: guests are extra load, so the weekend's storage is bought, and the
    reply names the guests and the extra evening demand they bring."""
    saturday = date(2026, 11, 28)
    await market.place(neighbour[1], "sell", saturday, 2, 10.0, 0.07)
    response = await _say(hass, text, language)
    speech = response.speech["plain"]["speech"]
    assert response.response_type == intent.IntentResponseType.ACTION_DONE, speech
    orders = await _orders(market, renovator)
    assert [(o["day"], o["side"]) for o in orders] == [(d, "buy") for d in _days(saturday, 2)]
    assert speech.startswith(opening), speech
    assert extra in speech, speech


@pytest.mark.parametrize(
    ("language", "text", "opening"),
    [
        (
            "en",
            "We're heading to the coast this weekend",
            "I've sold 1.9 kWh of your storage capacity per day for the 2 days from Saturday "
            "28 November while you're away.",
        ),
        (
            "de",
            "Wir fahren übers Wochenende an die Ostsee",
            "Ich habe 1,9 kWh pro Tag deiner Speicherkapazität für die 2 Tage ab Samstag, "
            "28. November verkauft, während du verreist bist.",
        ),
    ],
)
async def test_a_trip_said_by_where_to_sells_the_battery(
    hass: HomeAssistant,
    traveller: MockConfigEntry,
    market: RunningMarket,
    neighbour: Any,
    language: str,
    text: str,
    opening: str,
) -> None:
    """No travel or storage word: going to the coast is being away, so the battery is offered."""
    saturday = date(2026, 11, 28)
    await market.place(neighbour[1], "buy", saturday, 2, 12.0, 0.10)
    response = await _say(hass, text, language)
    speech = response.speech["plain"]["speech"]
    assert response.response_type == intent.IntentResponseType.ACTION_DONE, speech
    orders = await _orders(market, traveller)
    assert [(o["day"], o["side"]) for o in orders] == [(d, "sell") for d in _days(saturday, 2)]
    assert speech.startswith(opening), speech
