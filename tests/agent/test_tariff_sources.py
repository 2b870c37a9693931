"""Tariffs from what a household types (a schedule) and from price entities' attributes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.community_storage.agent.price_forecast import (
    forecast_points,
    tariff_from_entity,
    unit_factor,
)
from custom_components.community_storage.agent.tariff_schedule import (
    ScheduleError,
    parse_schedule,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 12, 8)


def test_a_schedule_reads_periods_past_midnight_and_decimal_commas() -> None:
    tariff = parse_schedule("22-6: 0,29; 17-21: 0.45", default=0.36, feed_in=0.08)
    assert tariff.kind == "time_of_use" and tariff.feed_in == 0.08
    assert [tariff.import_price(h) for h in (23, 0, 5, 6, 16, 17, 20, 21)] == [
        0.29, 0.29, 0.29, 0.36, 0.36, 0.45, 0.45, 0.36,
    ]  # fmt: skip
    assert parse_schedule("0-24: 0.3", default=0.5).hourly_import == (0.3,) * 24
    assert parse_schedule("20-24: 0.4", default=0.3).import_price(23) == 0.4


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "schedule_format"),
        ("evenings: 0.45", "schedule_format"),
        ("17-21 0.45", "schedule_format"),
        ("17-25: 0.45", "schedule_hours"),
        ("6-6: 0.45", "schedule_hours"),
        ("17-21: 2.5", "schedule_price"),
        ("16-21: 0.45, 20-22: 0.5", "schedule_overlap"),
    ],
)
def test_a_wrong_schedule_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_schedule(text, default=0.36)
    assert err.value.reason == reason


def _hours(day: date, prices: list[float]) -> list[datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    return [start + timedelta(hours=h) for h in range(len(prices))]


def test_nord_pool_in_eur_per_mwh_with_tomorrow_published() -> None:
    today = [100.0 + h for h in range(24)]
    tomorrow = [200.0 + h for h in range(24)]
    attributes = {
        "unit_of_measurement": "EUR/MWh",
        "raw_today": [
            {"start": s.isoformat(), "end": (s + timedelta(hours=1)).isoformat(), "value": p}
            for s, p in zip(_hours(DAY - timedelta(days=1), today), today, strict=True)
        ],
        "raw_tomorrow": [
            {"start": s, "end": s + timedelta(hours=1), "value": p}
            for s, p in zip(_hours(DAY, tomorrow), tomorrow, strict=True)
        ],
    }
    tariff = tariff_from_entity(
        state="0.15", attributes=attributes, day=DAY, zone=BERLIN, feed_in=0.078
    )
    assert tariff is not None and tariff.kind == "dynamic"
    assert tariff.import_price(0) == pytest.approx(0.2)
    assert tariff.import_price(18) == pytest.approx(0.218)
    # Before tomorrow's prices are out, the plan for tomorrow takes today's shape.
    del attributes["raw_tomorrow"]
    earlier = tariff_from_entity(
        state="0.15", attributes=attributes, day=DAY, zone=BERLIN, feed_in=0.078
    )
    assert earlier is not None and earlier.import_price(18) == pytest.approx(0.118)


def test_tibber_totals_and_quarter_hours_averaged() -> None:
    start = datetime(2026, 12, 7, 23, tzinfo=ZoneInfo("UTC"))  # local midnight of DAY
    quarters = [
        {
            "total": 0.30 + 0.01 * (i % 4),
            "startsAt": (start + timedelta(minutes=15 * i)).isoformat(),
        }
        for i in range(96)
    ]
    tariff = tariff_from_entity(
        state="0.3", attributes={"tomorrow": quarters}, day=DAY, zone=BERLIN, feed_in=0.078
    )
    assert tariff is not None
    assert all(p == pytest.approx(0.315) for p in tariff.hourly_import)


def test_epex_spot_in_cents_and_the_state_for_missing_hours() -> None:
    data = [
        {"start_time": s.isoformat(), "price_per_kwh": 30.0}
        for s in _hours(DAY, [0.0] * 20)  # only hours 0-19
    ]
    attributes = {"unit_of_measurement": "ct/kWh", "data": data}
    tariff = tariff_from_entity(
        state="42", attributes=attributes, day=DAY, zone=BERLIN, feed_in=0.078
    )
    assert tariff is not None
    assert tariff.import_price(10) == pytest.approx(0.30)
    # No forecast for the evening: the current price (42 ct) stands in.
    assert tariff.import_price(21) == pytest.approx(0.42)
    assert len(forecast_points(attributes)) == 20
    assert unit_factor("EUR/kWh") == 1.0 and unit_factor("c/kWh") == 0.01


def test_an_entity_without_any_price_gives_no_tariff() -> None:
    assert (
        tariff_from_entity(state="unknown", attributes={}, day=DAY, zone=BERLIN, feed_in=0.078)
        is None
    )
    # Only the state: the current price all day.
    flat = tariff_from_entity(state="0.31", attributes={}, day=DAY, zone=BERLIN, feed_in=0.078)
    assert flat is not None and set(flat.hourly_import) == {0.31}
