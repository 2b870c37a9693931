"""Tariffs: the three kinds a household sets, and what the planner reads from them."""

from __future__ import annotations

import math

import pytest

from custom_components.community_storage.agent import tariff


def test_a_fixed_tariff_costs_the_same_every_hour() -> None:
    fixed = tariff.fixed(0.37, feed_in=0.078)
    assert {fixed.import_price(h) for h in range(24)} == {0.37}
    assert fixed.mean_import(range(17, 22)) == pytest.approx(0.37)
    assert fixed.feed_in == 0.078


def test_a_time_of_use_schedule_wraps_past_midnight_and_fills_the_rest_with_the_default() -> None:
    tou = tariff.time_of_use([(22, 6, 0.29), (17, 21, 0.45)], default=0.36)
    assert [tou.import_price(h) for h in (23, 0, 5)] == [0.29, 0.29, 0.29]
    assert [tou.import_price(h) for h in (17, 20)] == [0.45, 0.45]
    assert [tou.import_price(h) for h in (6, 12, 21)] == [0.36, 0.36, 0.36]
    assert tou.cheapest_hours(3, before=17) == (0, 1, 2)


@pytest.mark.parametrize(
    "periods",
    [[(17, 21, 0.4), (20, 22, 0.5)], [(25, 3, 0.3)], [(5, 5, 0.3)]],
    ids=["overlap", "hour out of range", "empty period"],
)
def test_an_impossible_schedule_is_refused(periods: list[tuple[int, int, float]]) -> None:
    with pytest.raises(tariff.TariffError):
        tariff.time_of_use(periods, default=0.36)


@pytest.mark.parametrize("price", [-0.1, math.nan, 5.0])
def test_an_absurd_price_is_refused(price: float) -> None:
    with pytest.raises(tariff.TariffError):
        tariff.fixed(price)
    with pytest.raises(tariff.TariffError):
        tariff.hourly([0.3] * 23)


def test_the_dynamic_day_has_a_midday_dip_and_an_evening_peak_deeper_in_summer() -> None:
    november = tariff.dynamic_day_ahead(11)
    june = tariff.dynamic_day_ahead(6)
    assert november.kind == "dynamic"
    evening = november.mean_import(range(17, 22))
    midday = november.mean_import(range(11, 15))
    assert evening > midday + 0.08
    assert june.mean_import(range(11, 15)) < midday
    # About what a fixed tariff costs on average: the demo's households compare fairly.
    assert november.mean_import(()) == pytest.approx(0.37, abs=0.02)
    assert set(november.cheapest_hours(4, before=17)) <= set(range(10, 16))
