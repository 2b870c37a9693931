"""The physics behind the neighbourhood's delivery reports (neighbourhood/dispatch.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custom_components.community_storage.agent import tariff
from neighbourhood.dispatch import (
    Commitments,
    DayResult,
    HouseBattery,
    HouseDay,
    run_day,
    run_street,
    simulate_day,
    simulate_street,
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
# A neighbour without a battery exporting 2 kW from 10:00 to 15:00 (PV 2.5 kW, load 0.5 kW).
NEIGHBOUR = HouseDay(BRIGHT_LOAD, [2.5 if 10 <= h < 15 else 0.0 for h in range(24)])


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


def _dark_seller(sold: float, start_kwh: float = 1.0, **kwargs: object) -> HouseDay:
    return HouseDay(
        DARK_LOAD,
        DARK_PV,
        BATTERY,
        start_kwh=start_kwh,
        commitments=Commitments(sold_kwh=sold),
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_reliable_seller_with_a_full_battery_delivers_what_it_sold() -> None:
    full = _seller(5.0, reliable=True, start_kwh=10.0, pv=DARK_PV)
    assert full.delivered_kwh == 5.0
    # It held R = 5.0 / 0.95 = 5.26 kWh above the 10 % floor when the window opened ...
    assert full.dispatch_soc_pct >= 10 + 52.6 - 0.01
    # ... and released it to the grid in the window; the house used only its own part.
    assert sum(full.released_kwh) == pytest.approx(5.0 / 0.95)
    assert sum(full.export_kwh[17:22]) == pytest.approx(5.0 / 0.95)
    assert sum(full.export_kwh[:17]) == pytest.approx(0.0)


def test_without_grid_charging_a_dark_seller_alone_delivers_short_and_buys_no_grid_energy() -> None:
    """No more top-up from the grid at retail: a reserve the surplus did not fill is short."""
    empty = _seller(5.0, reliable=True, start_kwh=1.0, pv=DARK_PV)
    assert empty.delivered_kwh == 0.0
    assert sum(empty.grid_charge_kwh) == 0.0 and empty.grid_kwh == 0.0
    # The house's import is its own load: nothing went into the reserve.
    assert sum(empty.import_kwh) == pytest.approx(0.6 * 24)


def test_a_sellers_reserve_fills_from_a_neighbours_export() -> None:
    seller, neighbour = run_street([_dark_seller(5.0), NEIGHBOUR], window=WINDOW)
    # 5 h x 2 kW exported next door; the reserve took 5.26 / 0.95 = 5.54 kWh of it.
    assert sum(seller.community_in_kwh) == pytest.approx(5.0 / 0.95 / 0.95)
    assert sum(seller.community_in_kwh[:10]) == 0.0  # only while the neighbour exports
    assert seller.delivered_kwh == 5.0
    assert seller.grid_kwh == 0.0
    # The neighbour's meter is unchanged: it exported as before, the seller imported it.
    assert sum(neighbour.export_kwh) == pytest.approx(10.0)


def test_grid_charging_fills_the_rest_in_the_cheapest_hours_before_the_window() -> None:
    seller = _dark_seller(5.0, tariff=tariff.evening_peak_time_of_use())
    off = run_street([seller], window=WINDOW)[0]
    on = run_street([seller], window=WINDOW, grid_charging=True)[0]
    assert off.delivered_kwh == 0.0 and off.grid_kwh == 0.0
    assert on.delivered_kwh == 5.0
    assert on.grid_kwh == pytest.approx(5.0)
    # The time-of-use night (22-06 at 0.29 EUR/kWh) is the cheapest: charged there only.
    charged = [h for h, kwh in enumerate(on.grid_charge_kwh) if kwh > 0]
    assert charged and all(h < 6 for h in charged)
    # The neighbours' export comes first: with one next door, less is taken from the grid.
    with_neighbour = run_street([seller, NEIGHBOUR], window=WINDOW, grid_charging=True)[0]
    assert with_neighbour.grid_kwh == 0.0 and with_neighbour.delivered_kwh == 5.0


def test_a_reliable_seller_fills_the_reserve_from_its_own_pv_first() -> None:
    """On a bright day the PV the house does not use fills the community's part: no grid."""
    sold = _seller(5.0, reliable=True, start_kwh=1.0, pv=BRIGHT_PV)
    assert sold.delivered_kwh == 5.0
    # The empty battery could not serve the night (plain import), but from 10:00 on nothing
    # came from the grid: 5 h x 3 kW of surplus filled the 5.26 kWh reserve and the house's part.
    assert sum(sold.import_kwh[:10]) == pytest.approx(0.5 * 10)
    assert sum(sold.import_kwh[10:17]) == pytest.approx(0.0)
    assert sum(sold.community_in_kwh) == 0.0
    assert sum(sold.export_kwh[17:22]) > 0


def test_an_unreliable_seller_on_a_dark_evening_delivers_less() -> None:
    reliable = _seller(5.0, reliable=True, start_kwh=10.0, pv=DARK_PV)
    unreliable = _seller(5.0, reliable=False, start_kwh=6.0, pv=DARK_PV)
    assert reliable.delivered_kwh == 5.0
    # Its battery served the house all day: 6.0 - 17 h x 0.6 kW leaves only the floor.
    assert unreliable.dispatch_soc_pct == pytest.approx(10.0)
    assert unreliable.delivered_kwh == 0.0
    # A quieter house still holds energy at 17:00, but its battery serves only the house:
    # nothing crosses the export meter in the window, so nothing is delivered (metered sharing
    # counts exports; what the seller's own house uses is not the neighbours').
    quiet = run_day(
        [0.3] * 24,
        DARK_PV,
        BATTERY,
        start_kwh=10.0,
        commitments=Commitments(sold_kwh=5.0, reliable=False),
        window=WINDOW,
    )
    # 10.0 - 17 x 0.3 = 4.9 kWh stored at 17:00 (49 %), none of it exported.
    assert quiet.dispatch_soc_pct == pytest.approx(49.0)
    assert sum(quiet.export_kwh[17:]) == 0.0
    assert quiet.delivered_kwh == 0.0
    # The reliable seller's delivery is its metered export from 17:00: the released reserve.
    assert reliable.delivered_kwh == pytest.approx(min(5.0, sum(reliable.export_kwh[17:])))


def test_an_unreliable_seller_delivers_what_its_evening_solar_exports() -> None:
    """A June evening: the battery is full and the sun still shines after 17:00; the surplus
    crosses the export meter in the window and is shared energy, up to what was sold."""
    evening_sun = [2.0 if 10 <= h < 20 else 0.0 for h in range(24)]
    result = run_day(
        BRIGHT_LOAD,
        evening_sun,
        BATTERY,
        start_kwh=10.0,
        commitments=Commitments(sold_kwh=5.0, reliable=False),
        window=WINDOW,
    )
    # 17:00-20:00: 3 h x (2.0 - 0.5) kW = 4.5 kWh exported, less than the 5 kWh sold.
    assert sum(result.export_kwh[17:]) == pytest.approx(4.5)
    assert result.delivered_kwh == pytest.approx(4.5)


def test_a_buyer_without_export_and_without_sellers_uses_nothing() -> None:
    result = run_day(
        DARK_LOAD,
        DARK_PV,
        None,
        start_kwh=0.0,
        commitments=Commitments(bought_kwh=4.0),
        window=WINDOW,
    )
    assert result.used_kwh == 0.0 and result.shared_kwh == 0.0


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
    assert result.buyer.credited_kwh == pytest.approx(4.0)
    assert result.buyer.own_drawn_kwh == pytest.approx(3.8)
    assert result.used_kwh == pytest.approx(4.0)
    assert result.shared_kwh == 0.0


def test_a_buyer_without_export_is_filled_with_a_sellers_shared_energy_at_17() -> None:
    buyer = HouseDay(DARK_LOAD, DARK_PV, commitments=Commitments(bought_kwh=4.0))
    seller, flat, _neighbour = run_street([_dark_seller(4.0), buyer, NEIGHBOUR], window=WINDOW)
    assert seller.delivered_kwh == 4.0
    assert flat.buyer.credited_kwh == 0.0
    assert flat.buyer.shared_fill_kwh == pytest.approx(4.0)
    # The evening import (0.6 kW from 17:00) draws it: 4 kWh by 23:40, none before 17:00.
    assert flat.shared_kwh == pytest.approx(4.0)
    assert flat.used_kwh == pytest.approx(4.0)
    assert sum(flat.buyer.drawn_by_hour[:17]) == 0.0
    assert flat.buyer.drawn_by_hour[17] == pytest.approx(0.6)


def test_shared_energy_is_what_sellers_hold_beyond_the_buyers_own_credit() -> None:
    """Two buyers share what one seller held, pro rata to the capacity their export left."""
    exporter = HouseDay(
        BRIGHT_LOAD,
        [1.5 if 11 <= h < 13 else 0.0 for h in range(24)],
        commitments=Commitments(bought_kwh=4.0),
    )
    dark = HouseDay(DARK_LOAD, DARK_PV, commitments=Commitments(bought_kwh=4.0))
    seller = _dark_seller(4.0, start_kwh=10.0)
    held, sunny, plain = run_street([seller, exporter, dark], window=WINDOW)
    assert held.delivered_kwh == 4.0
    assert sunny.buyer.credited_kwh == pytest.approx(2.0)
    # 4.0 held - 0.95 x 2.0 own credit = 2.1 shared, over gaps of 2.0 and 4.0.
    assert sunny.buyer.shared_fill_kwh == pytest.approx(2.1 * 2 / 6)
    assert plain.buyer.shared_fill_kwh == pytest.approx(2.1 * 4 / 6)


def test_the_street_never_reports_more_than_it_traded_and_always_the_same() -> None:
    profiles = household_profiles(20, seed=7)
    first = date(2026, 12, 1)
    for offset in (0, 9):
        day = first + timedelta(days=offset)
        commitments = [
            Commitments(sold_kwh=4.3, reliable=index % 2 == 0)
            if p.battery_kwh > 0
            else Commitments(bought_kwh=3.1)
            for index, p in enumerate(profiles)
        ]
        for grid_charging in (False, True):
            results = simulate_street(profiles, day, commitments, grid_charging=grid_charging)
            assert results == simulate_street(
                profiles, day, commitments, grid_charging=grid_charging
            )
            for result in results:
                assert 0.0 <= result.delivered_kwh <= 4.3
                assert 0.0 <= result.shared_kwh <= result.used_kwh <= 3.1 + 1e-9
                assert 0.0 <= result.grid_kwh <= result.delivered_kwh
                if not grid_charging:
                    assert result.grid_kwh == 0.0
            if grid_charging:
                # Reliable sellers fill what the surplus left from the grid: all delivered.
                for c, result in zip(commitments, results, strict=True):
                    if c.sold_kwh and c.reliable:
                        assert result.delivered_kwh == 4.3
    alone = simulate_day(profiles[0], first, Commitments(sold_kwh=4.3))
    assert alone.community_in_kwh == (0.0,) * 24
