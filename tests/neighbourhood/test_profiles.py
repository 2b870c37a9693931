"""The simulated houses stay within the design's reference figures for German households."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from custom_components.community_storage.agent import tariff
from neighbourhood.household import history_of
from neighbourhood.profiles import (
    TIMEZONE,
    HouseProfile,
    ev_charge_kw,
    family_kw,
    household_profiles,
    load_kw,
    on_trip,
    pv_kw,
    simulate,
    tariff_of,
)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TIMEZONE)


def _day_load_kwh(house: HouseProfile, day: date) -> float:
    return sum(load_kw(house, _midnight(day) + timedelta(hours=h)) for h in range(24))


def _day_pv_kwh(house: HouseProfile, day: date) -> float:
    midnight = datetime(day.year, day.month, day.day, tzinfo=TIMEZONE)
    return sum(pv_kw(house, midnight + timedelta(hours=h)) for h in range(24))


def test_loads_are_household_sized_with_an_evening_peak() -> None:
    """7-12 kWh a day in winter, about 30 % of it between 17:00 and 22:00; flats more."""
    for house in household_profiles(8):
        history = history_of(house, date(2026, 12, 1), days=28)
        # The family at home: without the car's charge and the days the house stands empty.
        lived = [
            row for row in range(28) if not on_trip(house, date(2026, 11, 3) + timedelta(days=row))
        ]
        car = np.array(
            [
                [
                    ev_charge_kw(
                        house,
                        _midnight(date(2026, 11, 3) + timedelta(days=row)) + timedelta(hours=h),
                    )
                    for h in range(24)
                ]
                for row in lived
            ]
        )
        load = history.load[lived] - car
        history = dataclasses.replace(history, load=load)
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


def test_a_house_on_a_trip_draws_only_its_base_load() -> None:
    """Fridge and standby: a few kWh a day, flat over the day, a fraction of the lived-in days."""
    house = next(h for h in household_profiles(20) if h.kind == "battery")
    days = [date(2026, 11, 2) + timedelta(days=n) for n in range(28)]
    away = [d for d in days if on_trip(house, d)]
    home = [d for d in days if not on_trip(house, d)]
    assert len(away) == 7
    away_kwh = [_day_load_kwh(house, d) for d in away]
    home_kwh = [_day_load_kwh(house, d) for d in home]
    assert all(1.5 < kwh < 4.5 for kwh in away_kwh), away_kwh
    assert max(away_kwh) < 0.5 * min(home_kwh)
    # No evening peak while nobody is home: every hour within 10 % of the day's average.
    hours = [load_kw(house, _midnight(away[0]) + timedelta(hours=h)) for h in range(24)]
    assert max(hours) < 1.25 * min(hours)
    # The family's own load is still what it was: the trip changed the house, not the family.
    assert family_kw(house, _midnight(away[0]) + timedelta(hours=19)) > 2 * max(hours)


def test_an_ev_house_charges_its_car_on_working_days() -> None:
    houses = household_profiles(20)
    cars = [h for h in houses if h.kind == "ev"]
    assert len(cars) == 4
    assert all(7.0 <= h.ev_kwh_per_workday <= 10.0 for h in cars)
    assert all(h.ev_kwh_per_workday == 0 for h in houses if h.kind != "ev")
    monday, saturday = date(2026, 11, 9), date(2026, 11, 14)
    for car in cars:
        # The whole charge lands between plugging in and the early morning, never by day.
        evening = sum(
            ev_charge_kw(car, _midnight(monday) + timedelta(hours=h)) for h in range(18, 30)
        )
        assert evening == pytest.approx(car.ev_kwh_per_workday)
        assert (
            sum(ev_charge_kw(car, _midnight(monday) + timedelta(hours=h)) for h in range(7, 17))
            == 0
        )
        # Friday's charge ends the weekday charges; Saturday evening the car stays put.
        assert (
            sum(ev_charge_kw(car, _midnight(saturday) + timedelta(hours=h)) for h in range(18, 24))
            == 0
        )
        # The house's load carries it.
        assert _day_load_kwh(car, monday) > car.ev_kwh_per_workday
    # A time-of-use household plugs in for the cheap night, the others when they get home.
    night = next(c for c in cars if c.tariff_kind == "time_of_use")
    assert ev_charge_kw(night, _midnight(monday) + timedelta(hours=19)) == 0
    assert ev_charge_kw(night, _midnight(monday) + timedelta(hours=22)) > 0
    evening = next(c for c in cars if c.tariff_kind != "time_of_use")
    assert ev_charge_kw(evening, _midnight(monday) + timedelta(hours=18)) > 0


def test_the_street_has_a_third_of_each_tariff() -> None:
    houses = household_profiles(20)
    kinds = [h.tariff_kind for h in houses]
    assert {kinds.count(k) for k in ("fixed", "time_of_use", "dynamic")} <= {6, 7}
    # Each kind of house has more than one kind of tariff.
    for kind in ("battery", "flat", "ev"):
        assert len({h.tariff_kind for h in houses if h.kind == kind}) > 1
    day = date(2026, 6, 10)
    by_kind = {h.tariff_kind: tariff_of(h, day) for h in houses}
    assert by_kind["fixed"] == tariff.fixed()
    assert by_kind["time_of_use"] == tariff.evening_peak_time_of_use()
    assert by_kind["dynamic"] == tariff.dynamic_day_ahead(6)
