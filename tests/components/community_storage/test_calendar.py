"""The trades calendar: one event per delivery day of each reservation or sale."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.market_client.models import Side
from tests.market_harness import RunningMarket

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = "calendar.miller_trades"
TOMORROW = date(2026, 11, 26)


async def _events(hass: HomeAssistant, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """``calendar.get_events`` over a range, as an automation would call it."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"start_date_time": start.isoformat(), "end_date_time": end.isoformat()},
        target={"entity_id": CALENDAR},
        blocking=True,
        return_response=True,
    )
    return list(response[CALENDAR]["events"])


async def _place(entry: MockConfigEntry, market: RunningMarket, neighbour: tuple[str, str]) -> None:
    """A 3-day reservation of 8 kWh (2 days filled by the neighbour), a 1-day sale of
    5 kWh (3 kWh bought by the neighbour) and an offer that is cancelled unfilled."""
    client = entry.runtime_data.client
    _, neighbour_token = neighbour
    await market.place(neighbour_token, "sell", TOMORROW, 2, 10.0, 0.07)
    await client.create_request(
        Side.BUY,
        start_day=TOMORROW,
        num_days=3,
        kwh_per_day=8.0,
        limit_price=0.09,
        note="renovation",
    )
    await client.create_request(
        Side.SELL, start_day=date(2026, 12, 1), num_days=1, kwh_per_day=5.0, limit_price=0.05
    )
    await market.place(neighbour_token, "buy", date(2026, 12, 1), 1, 3.0, 0.1)
    cancelled = await client.create_request(
        Side.SELL, start_day=date(2026, 12, 3), num_days=1, kwh_per_day=4.0, limit_price=0.2
    )
    await client.cancel_request(cancelled.request_id)
    await entry.runtime_data.coordinator.async_refresh()


async def test_events_per_delivery_day(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
) -> None:
    """Filled days say what was reserved or sold at what price; the open day says so;
    a cancelled offer that never filled is not an event; the range is respected."""
    await _place(setup_integration, market, neighbour)
    start = datetime(2026, 11, 25, tzinfo=BERLIN)
    events = await _events(hass, start, start + timedelta(days=14))
    assert [(e["start"], e["end"], e["summary"]) for e in events] == [
        ("2026-11-26", "2026-11-27", "Reserved 8.0 kWh @ EUR 0.070/kWh"),
        ("2026-11-27", "2026-11-28", "Reserved 8.0 kWh @ EUR 0.070/kWh"),
        ("2026-11-28", "2026-11-29", "Reservation open: 8.0 kWh @ up to EUR 0.090/kWh"),
        ("2026-12-01", "2026-12-02", "Sold 3.0 kWh @ EUR 0.050/kWh"),
    ]
    sale = events[3]["description"]
    assert sale.startswith("Status: partially filled. Filled 3.0 of 5.0 kWh, limit EUR 0.050/kWh.")
    assert "Gate closure: 2026-11-30 18:00." in sale
    assert "Average price EUR 0.050/kWh." in sale
    assert events[0]["description"].endswith("Note: renovation")
    assert events[2]["description"].startswith("Status: open. Filled 0.0 of 8.0 kWh")

    # Only the days that overlap the range.
    window = await _events(
        hass,
        datetime(2026, 11, 27, 12, tzinfo=BERLIN),
        datetime(2026, 11, 28, 1, tzinfo=BERLIN),
    )
    assert [e["start"] for e in window] == ["2026-11-27", "2026-11-28"]


async def test_events_in_german(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
) -> None:
    """With Home Assistant in German the events are German, with decimal commas."""
    hass.config.language = "de"
    await _place(setup_integration, market, neighbour)
    start = datetime(2026, 11, 25, tzinfo=BERLIN)
    events = await _events(hass, start, start + timedelta(days=14))
    assert [e["summary"] for e in events] == [
        "Reserviert 8,0 kWh zu 0,070 EUR/kWh",
        "Reserviert 8,0 kWh zu 0,070 EUR/kWh",
        "Reservierung offen: 8,0 kWh zu höchstens 0,090 EUR/kWh",
        "Verkauft 3,0 kWh zu 0,050 EUR/kWh",
    ]
    assert events[3]["description"].startswith(
        "Status: teilweise ausgeführt. Ausgeführt 3,0 von 5,0 kWh"
    )
    assert events[0]["description"].endswith("Notiz: renovation")


async def test_calendar_state_is_the_current_trade_day(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The entity is on during a trade day and shows the next one otherwise."""
    await _place(setup_integration, market, neighbour)
    freezer.move_to(datetime(2026, 11, 25, 12, tzinfo=BERLIN))
    setup_integration.runtime_data.coordinator.async_update_listeners()
    state = hass.states.get(CALENDAR)
    assert state.state == "off"
    assert state.attributes["message"] == "Reserved 8.0 kWh @ EUR 0.070/kWh"
    assert state.attributes["start_time"] == "2026-11-26 00:00:00"

    freezer.move_to(datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    setup_integration.runtime_data.coordinator.async_update_listeners()
    state = hass.states.get(CALENDAR)
    assert state.state == "on"
    assert state.attributes["message"] == "Sold 3.0 kWh @ EUR 0.050/kWh"

    freezer.move_to(datetime(2026, 12, 5, 9, tzinfo=BERLIN))
    setup_integration.runtime_data.coordinator.async_update_listeners()
    assert hass.states.get(CALENDAR).state == "off"
    assert "message" not in hass.states.get(CALENDAR).attributes
