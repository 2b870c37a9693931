"""The physics behind the neighbourhood's delivery reports (neighbourhood/dispatch.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from neighbourhood.dispatch import (
    Commitments,
    DayResult,
    HouseBattery,
    bill_eur,
    bill_with_virtual_eur,
    run_day,
    simulate_day,
)
from neighbourhood.profiles import household_profiles

WINDOW = (17, 22)
BATTERY = HouseBattery(capacity_kwh=10.0, power_kw=4.0)
# A dark December day: no sun at all, the house draws 0.6 kW around the clock.
DARK_LOAD = [0.6] * 24
DARK_PV = [0.0] * 24
# A bright day: 3 kW of surplus from 10:00 to 15:00, load 0.5 kW otherwise.
BRIGHT_PV = [3.5 if 10 <= h < 15 else 0.0 for h in range(24)]
BRIGHT_LOAD = [0.5] * 24


def _seller(sold: float, *, reliable: bool, start_kwh: float, pv: list[float]) -> DayResult:
    load = DARK_LOAD if pv is DARK_PV else BRIGHT_LOAD
    return run_day(
        load,
        pv,
        BATTERY,
        start_kwh=start_kwh,
        commitments=Commitments(sold_kwh=sold, reliable=reliable),
        window=WINDOW,
    )


def test_a_reliable_seller_with_a_full_battery_delivers_what_it_sold() -> None:
    full = _seller(5.0, reliable=True, start_kwh=10.0, pv=DARK_PV)
    assert full.delivered_kwh == 5.0
    # It held R = 5.0 / 0.95 = 5.26 kWh above the 10 % floor when the window opened ...
    assert full.dispatch_soc_pct >= 10 + 52.6 - 0.01
    # ... and released what its house did not draw to the grid in the window.
    assert sum(full.export_kwh[17:22]) > 0
    assert sum(full.export_kwh[:17]) == pytest.approx(0.0)


def test_a_reliable_seller_tops_up_from_the_grid_on_a_dark_day() -> None:
    empty = _seller(5.0, reliable=True, start_kwh=1.0, pv=DARK_PV)
    assert empty.delivered_kwh == 5.0
    # The reserve came from the grid in the hours before the window.
    assert sum(empty.import_kwh[10:17]) > 0.6 * 7 + 5.0


def test_a_reliable_seller_fills_the_reserve_from_its_own_pv_first() -> None:
    """On a bright day the PV the house does not use fills the community's part: no grid."""
    sold = _seller(5.0, reliable=True, start_kwh=1.0, pv=BRIGHT_PV)
    assert sold.delivered_kwh == 5.0
    # The empty battery could not serve the night (plain import), but from 10:00 on nothing
    # came from the grid: 5 h x 3 kW of surplus filled the 5.26 kWh reserve and the house's part.
    assert sum(sold.import_kwh[:10]) == pytest.approx(0.5 * 10)
    assert sum(sold.import_kwh[10:17]) == pytest.approx(0.0)
    # The reserve went to the grid in the window, beyond what the house drew.
    assert sum(sold.export_kwh[17:22]) > 0


def test_an_unreliable_seller_on_a_dark_evening_delivers_less() -> None:
    reliable = _seller(5.0, reliable=True, start_kwh=6.0, pv=DARK_PV)
    unreliable = _seller(5.0, reliable=False, start_kwh=6.0, pv=DARK_PV)
    assert reliable.delivered_kwh == 5.0
    # Its battery served the house all day: 6.0 - 17 h x 0.6 kW leaves only the floor.
    assert unreliable.dispatch_soc_pct == pytest.approx(10.0)
    assert unreliable.delivered_kwh == 0.0
    # A quieter house leaves part of it for the evening.
    quiet = run_day(
        [0.3] * 24,
        DARK_PV,
        BATTERY,
        start_kwh=10.0,
        commitments=Commitments(sold_kwh=5.0, reliable=False),
        window=WINDOW,
    )
    # 10.0 - 17 x 0.3 = 4.9 kWh stored, 3.9 above the floor, 0.95 x 3.9 = 3.705 delivered.
    assert quiet.delivered_kwh == pytest.approx(3.705)


def test_an_unreliable_seller_with_a_full_evening_battery_delivers_in_full() -> None:
    """Delivery is what physics leaves, not a penalty: a sunny day fills it anyway."""
    sunny = _seller(3.0, reliable=False, start_kwh=5.0, pv=BRIGHT_PV)
    assert sunny.dispatch_soc_pct > 10 + 3.0 / 0.95 / 10 * 100
    assert sunny.delivered_kwh == 3.0


def test_a_buyer_without_export_uses_nothing() -> None:
    result = run_day(
        DARK_LOAD,
        DARK_PV,
        None,
        start_kwh=0.0,
        commitments=Commitments(bought_kwh=4.0),
        window=WINDOW,
    )
    assert result.used_kwh == 0.0
    assert bill_with_virtual_eur(result) == pytest.approx(bill_eur(result.import_kwh, []))


def test_a_buyer_draws_its_midday_export_in_the_evening() -> None:
    pv = [2.5 if 11 <= h < 14 else 0.0 for h in range(24)]
    result = run_day(
        BRIGHT_LOAD,
        pv,
        None,
        start_kwh=0.0,
        commitments=Commitments(bought_kwh=4.0),
        window=WINDOW,
    )
    # 3 h x 2.0 kW exported, 4.0 credited, 3.8 come back by the evening import.
    assert result.virtual.credited_kwh == pytest.approx(4.0)
    assert result.virtual.drawn_kwh == pytest.approx(3.8)
    assert result.used_kwh == pytest.approx(4.0)
    assert bill_with_virtual_eur(result) < bill_eur(result.import_kwh, result.export_kwh)


def test_the_street_never_reports_more_than_it_traded_and_always_the_same() -> None:
    profiles = household_profiles(20, seed=7)
    first = date(2026, 12, 1)
    for offset in (0, 9):
        day = first + timedelta(days=offset)
        for profile in profiles:
            for reliable in (True, False):
                commitments = Commitments(sold_kwh=4.3, bought_kwh=3.1, reliable=reliable)
                result = simulate_day(profile, day, commitments)
                assert 0.0 <= result.delivered_kwh <= 4.3
                assert 0.0 <= result.used_kwh <= 3.1
                assert simulate_day(profile, day, commitments) == result
                if reliable and profile.battery_kwh > 0:
                    assert result.delivered_kwh == 4.3
