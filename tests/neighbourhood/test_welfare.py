"""The welfare benchmark's machinery (benchmarks/welfare.py): a small, fast run of the street
against a real market server, and the accounts and pooled optimum it is built on."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from benchmarks import welfare
from neighbourhood.accounts import street_bills
from neighbourhood.dispatch import (
    Commitments,
    HouseBattery,
    HouseDay,
    day_window,
    house_day,
    local_hours_of,
    run_street,
)
from neighbourhood.pooled import pooled_cost_eur
from neighbourhood.profiles import household_profiles

pytestmark = [
    pytest.mark.filterwarnings("ignore::Warning:demandlib.*"),
    pytest.mark.filterwarnings("ignore::Warning:pvlib.*"),
]
HOURS = list(range(24))
WINDOW = (17, 22)


def test_a_small_month_balances_and_prints_every_figure(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = welfare.main(
        [
            *("--households", "6", "--days", "2", "--start", "2026-11-02"),
            *("--both", "--quiet", "--warm-up", "2"),
        ]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert code == 0
    variants = figures["variants"]
    assert set(variants) == {"grid_charging_off", "grid_charging_on"}
    # The top level is the default variant: grid charging off.
    assert figures["grid_charging"] is False
    # Two warm-up days were traded and settled before the start, and not counted.
    assert figures["warm_up_days"] == 2
    for result in (figures, *variants.values()):
        assert set(welfare.KEYS) <= set(result)
        assert result["imbalance_eur"] == "0.00"
        assert result["settled_days"] == 2
        assert 0 < result["used_kwh"] <= result["bought_kwh"]
        assert result["pooled_optimum_gain_eur"] > 0
        # The single evening window can reach at most the physical pool's gain.
        assert 0 < result["pooled_window_gain_eur"] <= result["pooled_optimum_gain_eur"] + 0.01
        assert result["welfare_vs_pooled_optimum"] == pytest.approx(
            result["welfare_gain_eur"] / result["pooled_optimum_gain_eur"], abs=0.01
        )
    assert variants["grid_charging_off"]["grid_kwh"] == 0.0


def test_a_seller_pays_its_neighbour_the_feed_in_for_the_export_its_reserve_took() -> None:
    seller = HouseDay(
        [0.6] * 24,
        [0.0] * 24,
        HouseBattery(10.0, 4.0),
        start_kwh=1.0,
        commitments=Commitments(sold_kwh=4.0),
    )
    neighbour = HouseDay([0.5] * 24, [2.5 if 10 <= h < 15 else 0.0 for h in HOURS])
    houses = [seller, neighbour]
    results = run_street(houses, window=WINDOW)
    taken = sum(results[0].community_in_kwh)
    assert taken > 0
    bills = street_bills(houses, results, wear_eur_per_kwh=[0.04, 0.0], local_hours=HOURS)
    # The seller paid the feed-in for what its reserve took, not its retail price ...
    assert bills[0].sharing_eur == pytest.approx(
        taken * 0.078 - sum(results[0].released_kwh) * 0.078
    )
    # ... and the neighbour earned the feed-in for all it exported, as without the seller.
    alone = run_street([neighbour], window=WINDOW)
    [neighbour_alone] = street_bills([neighbour], alone, wear_eur_per_kwh=[0.0], local_hours=HOURS)
    assert bills[1].total_eur == pytest.approx(neighbour_alone.total_eur)


def test_the_pooled_optimum_costs_no_more_than_each_battery_for_its_own_house() -> None:
    profiles = household_profiles(10, seed=7)
    wear = [0.04] * len(profiles)
    for first in (date(2026, 11, 9), date(2026, 6, 8)):
        for offset in range(3):
            day = first + timedelta(days=offset)
            houses = [house_day(p, day, Commitments()) for p in profiles]
            hours = local_hours_of(day)
            results = run_street(houses, window=day_window(day), local_hours=hours)
            alone = sum(
                b.total_eur
                for b in street_bills(houses, results, wear_eur_per_kwh=wear, local_hours=hours)
            )
            pooled = pooled_cost_eur(houses, local_hours=hours, wear_eur_per_kwh=wear)
            with_grid = pooled_cost_eur(
                houses, local_hours=hours, wear_eur_per_kwh=wear, grid_charging=True
            )
            assert pooled < alone, day
            # Charging from the grid is one more option, never a cost.
            assert with_grid <= pooled + 1e-6, day


def test_the_pool_under_the_evening_window_serves_battery_less_houses_only_in_it() -> None:
    """A flat whose deficit is all in the afternoon (after the midday charge, before 17:00)
    gains nothing from the narrowed pool, while the physical pool serves it; an evening
    deficit is served by both alike."""
    battery_house = HouseDay(
        [0.2] * 24, [3.0 if 10 <= h < 15 else 0.0 for h in HOURS], HouseBattery(10.0, 4.0)
    )
    afternoon = HouseDay([1.0 if 14 <= h < 17 else 0.0 for h in HOURS], [0.0] * 24)
    evening = HouseDay([1.0 if 18 <= h < 21 else 0.0 for h in HOURS], [0.0] * 24)
    wear = [0.04, 0.0]
    window = range(17, 24)
    for flat, served_in_window in ((afternoon, False), (evening, True)):
        houses = [battery_house, flat]
        physical = pooled_cost_eur(houses, local_hours=HOURS, wear_eur_per_kwh=wear)
        narrowed = pooled_cost_eur(
            houses, local_hours=HOURS, wear_eur_per_kwh=wear, shared_hours=window
        )
        alone = pooled_cost_eur([battery_house], local_hours=HOURS, wear_eur_per_kwh=[0.04])
        flat_bill = 3.0 * 0.37
        # The physical pool always covers the flat's 3 kWh from stored solar.
        assert physical < alone + flat_bill - 0.5
        if served_in_window:
            assert narrowed == pytest.approx(physical)
        else:
            assert narrowed == pytest.approx(alone + flat_bill, abs=1e-6)
