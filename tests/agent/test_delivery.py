"""Delivery: the seller's reserve schedule and the buyer's virtual battery (docs/delivery.md)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.community_storage.agent.battery import BatterySpec
from custom_components.community_storage.agent.delivery import (
    MeterReading,
    VirtualBattery,
    active_schedule,
    buyer_figures,
    committed_now_kwh,
    delivered_by_export,
    delivered_sell_kwh,
    exported_in_window,
    headroom_limit_pct,
    hour_index,
    hours_in_day,
    meter_delta,
    next_dispatch,
    power_setpoint,
    release_power_kw,
    reserve_kwh,
    reserve_target_pct,
    seller_schedule,
    seller_schedules,
    virtual_battery_from_readings,
    window_hours,
)
from custom_components.community_storage.agent.tariff import evening_peak_time_of_use, fixed

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 26)
SPEC = BatterySpec(capacity_kwh=10.0, min_soc=0.1, max_soc=1.0)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


# ----------------------------------------------------------------------------- seller


def test_reserve_is_sold_over_efficiency_and_targets_round_outwards() -> None:
    reserve = reserve_kwh(5.0, SPEC, 0.95)
    assert reserve == pytest.approx(5.263, abs=1e-3)
    # 10 % floor + 52.6 % held -> 63 % (rounded up, never holds less than sold).
    assert reserve_target_pct(SPEC, reserve) == 63
    # 100 % top - 52.6 % -> 47 % (rounded down, never leaves less free).
    assert headroom_limit_pct(SPEC, reserve) == 47


def test_exact_percentages_are_not_rounded_past_themselves() -> None:
    # 4.75 kWh sold at 0.95 is exactly 5 kWh: 10 % + 50 % = 60 %, not 61 %.
    reserve = reserve_kwh(4.75, SPEC, 0.95)
    assert reserve_target_pct(SPEC, reserve) == 60
    assert headroom_limit_pct(SPEC, reserve) == 50


def test_reserve_never_exceeds_the_usable_battery() -> None:
    spec = BatterySpec(capacity_kwh=10.0, min_soc=0.1, max_soc=0.9)
    reserve = reserve_kwh(9.0, spec, 0.95)
    assert reserve == pytest.approx(8.0)
    assert reserve_target_pct(spec, reserve) == 90
    assert headroom_limit_pct(spec, reserve) == 10


def test_schedule_of_a_day_holds_until_the_evening_window() -> None:
    schedule = seller_schedule(DAY, 5.0, SPEC, zone=BERLIN, efficiency=0.95)
    assert (schedule.start, schedule.end) == (at(0), at(0, day=DAY + timedelta(days=1)))
    assert (schedule.dispatch_start, schedule.dispatch_end) == (at(17), at(22))
    assert schedule.reserve_kwh == pytest.approx(5.26)
    assert schedule.target_soc_pct == 63
    assert schedule.headroom_soc_pct == 47


def test_committed_now_follows_the_day_and_the_dispatch_window() -> None:
    schedules = seller_schedules(
        {DAY: 5.0, DAY + timedelta(days=2): 3.0, DAY + timedelta(days=1): 0.0},
        SPEC,
        zone=BERLIN,
        efficiency=0.95,
    )
    assert [s.day for s in schedules] == [DAY, DAY + timedelta(days=2)]
    assert committed_now_kwh(schedules, at(23, day=DAY - timedelta(days=1))) == 0.0
    assert committed_now_kwh(schedules, at(9)) == pytest.approx(5.26)
    assert committed_now_kwh(schedules, at(21, 59)) == pytest.approx(5.26)
    # Released after the window; the day's commitment itself lasts until midnight.
    assert committed_now_kwh(schedules, at(22)) == 0.0
    assert active_schedule(schedules, at(23)) is schedules[0]
    assert next_dispatch(schedules, at(9)) is schedules[0]
    assert next_dispatch(schedules, at(22)) is schedules[1]
    assert next_dispatch(schedules, at(23, day=DAY + timedelta(days=2))) is None


def test_a_seller_delivers_what_it_held_when_dispatch_began() -> None:
    # Held R (63 %): delivered all 5 kWh; held half of R: about half; at the floor: nothing.
    assert delivered_sell_kwh(5.0, 63, SPEC, 0.95) == pytest.approx(5.0)
    assert delivered_sell_kwh(5.0, 10 + 52.63 / 2, SPEC, 0.95) == pytest.approx(2.5, abs=0.01)
    assert delivered_sell_kwh(5.0, 8, SPEC, 0.95) == 0.0


def test_the_reserve_is_released_evenly_over_the_window() -> None:
    schedule = seller_schedule(DAY, 5.0, SPEC, zone=BERLIN, efficiency=0.95)
    assert window_hours(schedule) == 5.0
    # R = 5.26 kWh over 17:00-22:00.
    assert release_power_kw(schedule) == pytest.approx(1.052)
    # In the control's own unit, within its own range.
    assert power_setpoint(1.052, "W", 0, 5000) == pytest.approx(1052.0)
    assert power_setpoint(1.052, "kW", 0, 10) == pytest.approx(1.052)
    assert power_setpoint(1.052, "W", 0, 800) == 800
    assert power_setpoint(0.05, "W", 100, 5000) == 100
    # A percentage or no unit is not a power: nothing is set.
    assert power_setpoint(1.052, "%", 0, 100) is None
    assert power_setpoint(1.052, None, 0, 100) is None


def test_a_window_of_a_day_that_changes_the_clock_is_still_five_hours() -> None:
    # 2026-10-25: Berlin leaves summer time at 03:00; the evening window is unaffected.
    schedule = seller_schedule(date(2026, 10, 25), 4.75, SPEC, zone=BERLIN, efficiency=0.95)
    assert window_hours(schedule) == 5.0
    assert release_power_kw(schedule) == pytest.approx(1.0)


def test_only_export_from_the_window_start_to_the_end_of_the_day_is_delivered() -> None:
    schedule = seller_schedule(DAY, 5.0, SPEC, zone=BERLIN, efficiency=0.95)
    changes = [
        (at(16, 59), 100.0, 101.0),  # afternoon PV surplus: not the evening's delivery
        (at(17), 101.0, 102.5),
        (at(21, 30), 102.5, 104.0),
        (at(23, 59), 104.0, 104.5),  # after the window, before midnight: still the day's
        (at(0, day=DAY + timedelta(days=1)), 104.5, 106.0),  # the next day
    ]
    exported = sum(exported_in_window(schedule, when, old, new) for when, old, new in changes)
    assert exported == pytest.approx(3.5)
    assert delivered_by_export(5.0, exported) == 3.5
    # A meter that restarts from zero counts its new value.
    assert exported_in_window(schedule, at(18), 104.0, 0.75) == 0.75


def test_delivery_by_export_is_capped_at_what_was_sold_and_rounded() -> None:
    assert delivered_by_export(5.0, 6.2) == 5.0
    assert delivered_by_export(5.0, 1.23456) == 1.235
    assert delivered_by_export(5.0, 0.0) == 0.0
    assert delivered_by_export(5.0, -0.2) == 0.0


# ----------------------------------------------------------------------------- buyer


def test_export_is_credited_up_to_the_capacity_and_import_draws_after_losses() -> None:
    battery = VirtualBattery(capacity_kwh=8.0, efficiency=0.95)
    battery = battery.imported(1.0, hour=6)  # nothing stored yet: plain import
    assert battery.drawn_kwh == 0.0
    battery = battery.exported(9.0)  # 8 credited, 1 plain feed-in
    assert battery.credited_kwh == pytest.approx(8.0)
    assert battery.state_kwh == pytest.approx(7.6)
    battery = battery.imported(6.0, hour=19)
    assert battery.state_kwh == pytest.approx(1.6)
    assert battery.drawn_kwh == pytest.approx(6.0)
    assert battery.used_kwh == pytest.approx(6.0 / 0.95)
    # What the 6 kWh would have cost at the household's tariff: a fixed 0.37, or the
    # time-of-use evening peak (0.45 at 19:00).
    assert battery.saved_eur(fixed(0.37)) == pytest.approx(2.22)
    assert battery.saved_eur(evening_peak_time_of_use()) == pytest.approx(6.0 * 0.45)


def test_shared_energy_fills_what_own_export_did_not_at_the_window_start() -> None:
    battery = VirtualBattery(capacity_kwh=8.0, efficiency=0.95).exported(3.0)
    # Before 17:00 only the own credit can be drawn.
    battery = battery.imported(1.0, hour=16)
    assert battery.shared_kwh == 0.0 and battery.drawn_kwh == pytest.approx(1.0)
    # At 17:00 the 5 kWh the own export did not fill come from the sellers' reserves; import
    # draws the own credit (2.85 - 1.0 left) first, then shared energy.
    battery = battery.imported(4.0, hour=17)
    assert battery.shared_filled and battery.shared_kwh == pytest.approx(5.0)
    assert battery.shared_drawn_kwh == pytest.approx(4.0 - 1.85)
    assert battery.state_kwh == pytest.approx(5.0 - 2.15)
    # Export after the fill finds the capacity full: plain feed-in.
    assert battery.exported(2.0).credited_kwh == pytest.approx(3.0)
    battery = battery.imported(10.0, hour=21)
    assert battery.shared_drawn_kwh == pytest.approx(5.0)
    # Capacity used: the whole own credit (3 kWh) and the 5 kWh of shared energy.
    assert battery.used_kwh == pytest.approx(8.0)
    figures = buyer_figures(DAY, battery)
    assert figures.kwh == pytest.approx(8.0) and figures.shared_kwh == pytest.approx(5.0)
    hourly = figures.hourly_kwh or ()
    assert hourly[16] == pytest.approx(1.0 / 0.95, abs=1e-3)
    assert hourly[17] == pytest.approx(1.85 / 0.95 + 2.15, abs=1e-3)
    assert hourly[21] == pytest.approx(2.85, abs=1e-3)
    assert battery.shared_cost_eur(0.12) == pytest.approx(0.6)


def test_a_buyer_without_export_uses_shared_energy_only_from_the_evening() -> None:
    battery = VirtualBattery(capacity_kwh=2.0, efficiency=0.95).imported(1.0, hour=12)
    assert battery.drawn_kwh == 0.0
    battery = battery.imported(3.0, hour=19)
    assert battery.shared_drawn_kwh == pytest.approx(2.0) and battery.state_kwh == 0.0
    figures = buyer_figures(DAY, battery)
    assert figures.kwh == pytest.approx(2.0) and figures.shared_kwh == pytest.approx(2.0)


def test_credit_is_capacity_not_a_refilling_balance() -> None:
    battery = VirtualBattery(capacity_kwh=4.0, efficiency=0.95).exported(4.0)
    battery = battery.imported(3.8, hour=18).exported(3.0)
    assert battery.credited_kwh == pytest.approx(4.0)
    assert battery.state_kwh == pytest.approx(0.0)
    # Draw as much as you like: nothing is left.
    assert battery.imported(2.0, hour=20).drawn_kwh == pytest.approx(3.8)
    assert battery.used_kwh == pytest.approx(4.0)


def test_partial_use_reports_only_what_was_drawn_back() -> None:
    battery = VirtualBattery(capacity_kwh=10.0, efficiency=0.95).exported(3.0)
    battery = battery.imported(1.9, hour=18)
    figures = buyer_figures(DAY, battery)
    assert figures.side == "buy"
    assert figures.kwh == pytest.approx(2.0)
    assert len(figures.hourly_kwh or ()) == 24
    assert (figures.hourly_kwh or ())[18] == pytest.approx(2.0)
    assert sum(figures.hourly_kwh or ()) == pytest.approx(figures.kwh, abs=0.05)


def test_readings_replay_in_time_order_with_a_meter_reset() -> None:
    readings = [
        MeterReading(at(20), imported_kwh=1005.0, exported_kwh=2009.0),
        MeterReading(at(0), imported_kwh=1000.0, exported_kwh=2000.0),
        MeterReading(at(7), imported_kwh=1001.0, exported_kwh=2000.0),
        MeterReading(at(15), imported_kwh=1001.0, exported_kwh=2009.0),
        # The import meter restarted from zero at 21:00: its new value is the energy since.
        MeterReading(at(21, 30), imported_kwh=1.0, exported_kwh=2009.0),
    ]
    battery = virtual_battery_from_readings(8.0, readings, day=DAY, zone=BERLIN, efficiency=0.95)
    assert battery.credited_kwh == pytest.approx(8.0)
    assert battery.drawn_kwh == pytest.approx(5.0)
    assert battery.drawn_by_hour[20] == pytest.approx(4.0)
    assert battery.drawn_by_hour[21] == pytest.approx(1.0)
    assert battery.state_kwh == pytest.approx(2.6)
    assert meter_delta(5.0, 2.0) == 2.0


def test_hours_follow_daylight_saving_time() -> None:
    assert hours_in_day(date(2026, 3, 29), BERLIN) == 23
    assert hours_in_day(date(2026, 10, 25), BERLIN) == 25
    # 04:00 on the short day is the third hour after midnight (02:00 does not exist).
    assert hour_index(datetime(2026, 3, 29, 4, tzinfo=BERLIN), date(2026, 3, 29), BERLIN) == 3
    battery = virtual_battery_from_readings(
        5.0,
        [
            MeterReading(datetime(2026, 10, 25, 0, tzinfo=BERLIN), 0.0, 0.0),
            MeterReading(datetime(2026, 10, 25, 12, tzinfo=BERLIN), 0.0, 5.0),
            MeterReading(datetime(2026, 10, 25, 23, 30, tzinfo=BERLIN), 2.0, 5.0),
        ],
        day=date(2026, 10, 25),
        zone=BERLIN,
    )
    figures = buyer_figures(date(2026, 10, 25), battery)
    assert len(figures.hourly_kwh or ()) == 25
    assert (figures.hourly_kwh or ())[24] == pytest.approx(2.0 / 0.95, abs=1e-3)


def test_a_fully_used_battery_never_reports_more_than_was_bought() -> None:
    battery = VirtualBattery(capacity_kwh=4.0, efficiency=0.95).exported(4.0)
    # Six equal draws whose hourly shares round up (0.66667 -> 0.667 each, 4.002 in all).
    for hour in range(17, 23):
        battery = battery.imported(3.8 / 6, hour=hour)
    figures = buyer_figures(DAY, battery)
    assert sum(figures.hourly_kwh or ()) > 4.0
    assert figures.kwh == 4.0
