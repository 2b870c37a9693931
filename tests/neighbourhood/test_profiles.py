"""The simulated houses stay within the design's reference figures for German households."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from neighbourhood.household import history_of
from neighbourhood.profiles import (
    TIMEZONE,
    HouseProfile,
    household_profiles,
    on_trip,
    pv_kw,
    simulate,
)


def _day_pv_kwh(house: HouseProfile, day: date) -> float:
    midnight = datetime(day.year, day.month, day.day, tzinfo=TIMEZONE)
    return sum(pv_kw(house, midnight + timedelta(hours=h)) for h in range(24))


def test_loads_are_household_sized_with_an_evening_peak() -> None:
    """7-12 kWh a day in winter, about 30 % of it between 17:00 and 22:00; flats more."""
    for house in household_profiles(8):
        history = history_of(house, date(2026, 12, 1), days=28)
        daily = history.load.sum(axis=1)
        assert 5.5 < daily.mean() < 13.5, (house.name, daily.mean())
        evening = history.load[:, 17:22].sum() / history.load.sum()
        if house.kind == "flat":
            # Out by day, home in the evening: well above the average household's share.
            assert 0.33 < evening < 0.42, (house.name, evening)
        else:
            assert 0.24 < evening < 0.38, (house.name, evening)


def test_the_street_mixes_batteries_flats_and_cars_and_few_are_away() -> None:
    houses = household_profiles(20)
    kinds = [h.kind for h in houses]
    assert (kinds.count("battery"), kinds.count("flat"), kinds.count("ev")) == (9, 7, 4)
    assert all(h.battery_kwh == 0 for h in houses if h.kind != "battery")
    # About two of the nine battery houses are away on any day, never none or most.
    for offset in range(28):
        day = date(2026, 12, 1) + timedelta(days=offset)
        away = sum(on_trip(h, day) for h in houses)
        assert 1 <= away <= 4, (day, away)


def test_pv_yield_follows_the_seasons() -> None:
    """About 0.6 kWh/kWp/day in December, 3.9 in June, 800-950 kWh/kWp a year."""
    one_kwp = HouseProfile("ref", 3000, 1.0, 10.0, 4.0, 0, 1)
    december = sum(_day_pv_kwh(one_kwp, date(2026, 12, d)) for d in range(1, 32)) / 31
    june = sum(_day_pv_kwh(one_kwp, date(2026, 6, d)) for d in range(1, 31)) / 30
    start = datetime(2026, 1, 1, tzinfo=TIMEZONE)
    year = sum(pv_kw(one_kwp, start + timedelta(hours=h)) for h in range(8760))
    assert 0.4 < december < 0.9
    assert 3.2 < june < 4.6
    assert 750 < year < 950


def test_houses_differ_and_are_reproducible() -> None:
    first, second = household_profiles(20), household_profiles(20)
    assert first == second
    assert len({(h.annual_kwh, h.pv_kwp, h.battery_kwh) for h in first}) == 20
    assert all(5.0 <= h.battery_kwh <= 13.0 for h in first if h.kind == "battery")


def test_battery_stays_within_its_limits() -> None:
    house = household_profiles(1)[0]
    hours = simulate(house, datetime(2026, 6, 1, tzinfo=TIMEZONE), 24 * 14)
    assert all(10.0 - 1e-6 <= h.soc_pct <= 100.0 + 1e-6 for h in hours)
    assert all(abs(h.battery_kw) <= house.battery_power_kw + 1e-6 for h in hours)
    # A sunny June fills the battery at least once in two weeks.
    assert max(h.soc_pct for h in hours) > 95.0
