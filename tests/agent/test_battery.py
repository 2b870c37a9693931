"""The battery model: usable capacity, what can still be offered, the minimum price."""

from __future__ import annotations

from datetime import date

import pytest

from custom_components.community_storage.agent.battery import (
    BatteryReadings,
    BatterySpec,
    battery_from_readings,
    commitments_from_wire,
    committed_kwh,
    min_sell_price,
    offerable_kwh,
)

DAY = date(2026, 11, 30)


def test_usable_capacity_respects_soc_limits() -> None:
    spec = BatterySpec(capacity_kwh=10.0, min_soc=0.1, max_soc=0.9)
    assert spec.usable_kwh == pytest.approx(8.0)
    assert spec.round_trip_efficiency == pytest.approx(0.9025)


def test_offerable_counts_own_need_and_earlier_sales() -> None:
    spec = BatterySpec(capacity_kwh=10.0)
    free, note = offerable_kwh(spec, own_need_kwh=1.5, already_sold_kwh=3.0, buying_kwh=0.0)
    assert free == pytest.approx(5.5)
    assert note == "estimate"
    free, note = offerable_kwh(spec, own_need_kwh=1.5, already_sold_kwh=8.5, buying_kwh=0.0)
    assert free == 0.0 and note == "fully_committed"


def test_nothing_is_offered_on_a_day_the_household_buys_for() -> None:
    spec = BatterySpec(capacity_kwh=10.0)
    assert offerable_kwh(spec, own_need_kwh=0.0, already_sold_kwh=0.0, buying_kwh=2.0) == (
        0.0,
        "household_needs_it",
    )


def test_power_limit_caps_what_cycles_in_a_day() -> None:
    spec = BatterySpec(capacity_kwh=20.0, max_power_kw=0.5)
    free, _ = offerable_kwh(spec, own_need_kwh=0.0, already_sold_kwh=0.0, buying_kwh=0.0)
    assert free == pytest.approx(12.0)


def test_min_price_is_wear_plus_losses() -> None:
    spec = BatterySpec(capacity_kwh=10.0, wear_eur_per_kwh=0.05)
    expected = 0.05 + (1 - 0.95 * 0.95) * 0.078
    assert min_sell_price(spec) == pytest.approx(expected)
    assert min_sell_price(BatterySpec(10.0, wear_eur_per_kwh=0.09)) > min_sell_price(spec)


def test_commitments_from_wire_orders() -> None:
    orders = [
        {
            "day": "2026-11-30",
            "side": "sell",
            "status": "open",
            "volume_kwh": 4.0,
            "filled_kwh": 0.0,
        },
        {
            "day": "2026-11-30",
            "side": "sell",
            "status": "partially_filled",
            "volume_kwh": 3.0,
            "filled_kwh": 1.0,
        },
        {
            "day": "2026-11-30",
            "side": "sell",
            "status": "cancelled",
            "volume_kwh": 5.0,
            "filled_kwh": 2.0,
        },
        {
            "day": "2026-11-30",
            "side": "sell",
            "status": "expired",
            "volume_kwh": 5.0,
            "filled_kwh": 0.0,
        },
        {
            "day": "2026-11-30",
            "side": "buy",
            "status": "filled",
            "volume_kwh": 2.0,
            "filled_kwh": 2.0,
        },
    ]
    commitments = commitments_from_wire(orders)
    # Open and partially filled hold their full volume; a cancelled order only what filled.
    assert committed_kwh(commitments, DAY, "sell") == pytest.approx(9.0)
    assert committed_kwh(commitments, DAY, "buy") == pytest.approx(2.0)


def test_limits_come_from_the_sensors_history() -> None:
    spec = battery_from_readings(
        10.0, BatteryReadings(soc_min_pct=8.0, soc_max_pct=95.0, power_max_kw=4.6)
    )
    assert (spec.min_soc, spec.max_soc, spec.max_power_kw) == (0.08, 0.95, 4.6)
    assert spec.usable_kwh == pytest.approx(8.7)


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        # No history at all: 10 % reserve, full top, 0.5 C.
        (BatteryReadings(), (0.1, 1.0, 5.0)),
        # Never below 45 % (a sunny month): the floor is unknown, not 45 %.
        (BatteryReadings(soc_min_pct=45.0, soc_max_pct=60.0, power_max_kw=0.8), (0.1, 1.0, 5.0)),
        # Nonsense from a misconfigured sensor (a 0-1 fraction read as %) changes nothing.
        (BatteryReadings(soc_min_pct=-3.0, soc_max_pct=1.0), (0.1, 1.0, 5.0)),
    ],
)
def test_limits_fall_back_when_history_says_nothing(
    readings: BatteryReadings, expected: tuple[float, float, float]
) -> None:
    spec = battery_from_readings(10.0, readings)
    assert (spec.min_soc, spec.max_soc, spec.max_power_kw) == expected
