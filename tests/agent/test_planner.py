"""Planner numbers on plain data: volumes per day, limit prices, overrides, and the battery cap."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from custom_components.community_storage.agent.battery import (
    BatterySpec,
    Commitment,
    min_sell_price,
)
from custom_components.community_storage.agent.errors import (
    InvalidRequestError,
    NoBatteryError,
    NothingToTradeError,
)
from custom_components.community_storage.agent.forecast import DailyHistory, build_forecast
from custom_components.community_storage.agent.planner import (
    AWAY_SAFETY_KWH,
    EXTRA_LOAD_KWH,
    Preferences,
    away_reserve_kwh,
    base_load_kwh_per_hour,
    plan_request,
    price_floor,
    round_estimate,
    shift_capacity_kwh,
    shift_values,
    shifting_value,
    validate_request,
    window_hours,
)
from custom_components.community_storage.agent.plans import TradeRequest
from custom_components.community_storage.language.speak.explain import error_text, plan_speech

from .helpers import load_history, pv_day

TODAY = date(2026, 11, 25)  # a Wednesday
NEXT_MONDAY = date(2026, 11, 30)
PREFS = Preferences(max_buy_price=0.15, min_sell_price=0.06)


@pytest.fixture
def forecast():
    return build_forecast(load_history(TODAY - timedelta(days=28), 28, 10.0), TODAY, num_days=15)


def _sell(num_days: int = 7, **kwargs) -> TradeRequest:
    return TradeRequest("sell", NEXT_MONDAY, num_days, **kwargs)


def _buy(num_days: int = 7, **kwargs) -> TradeRequest:
    return TradeRequest("buy", NEXT_MONDAY, num_days, **kwargs)


def test_sell_while_away_offers_the_whole_battery_minus_a_safety_margin(forecast) -> None:
    battery = BatterySpec(capacity_kwh=15.0, min_soc=0.1)
    plan = plan_request(_sell(reason="holiday"), forecast, battery, [], PREFS)
    base = base_load_kwh_per_hour(forecast)
    # The empty house draws its fridge-and-standby level, well below the sleeping house's.
    assert base == forecast.base_load_kwh
    assert base < 0.5 * float(forecast.load.mean(axis=0).min())
    for day in plan.days:
        reserve = away_reserve_kwh(base, forecast.pv_for(day.day), battery.round_trip_efficiency)
        # Solar covers the base load by day: only the dark hours are kept for the house.
        dark = float(np.maximum(base - forecast.pv_for(day.day), 0.0).sum())
        assert reserve == pytest.approx(max(AWAY_SAFETY_KWH, dark))
        assert day.need_kwh == pytest.approx(reserve, abs=0.05)
        assert day.need_kwh < 2.0
        assert day.kwh == pytest.approx(np.floor((13.5 - reserve) * 10) / 10)
    assert plan.total_kwh == pytest.approx(sum(d.kwh for d in plan.days))
    # The user's minimum (0.06) is above wear plus losses (0.058): it sets the ask.
    assert min_sell_price(battery) < 0.06
    assert plan.limit_price == 0.06
    assert plan.price.source == "user"


def test_away_reserve_counts_the_days_solar_surplus() -> None:
    dark_day = np.zeros(24)
    sunny = pv_day(8.0)
    # No sun: nothing can refill the battery, so only the safety margin stays.
    assert away_reserve_kwh(0.1, dark_day, 0.9) == AWAY_SAFETY_KWH
    # Sun: the base load of the hours without enough PV is kept for the house.
    dark = float(np.maximum(0.1 - sunny, 0.0).sum())
    assert dark > AWAY_SAFETY_KWH
    assert away_reserve_kwh(0.1, sunny, 0.9) == pytest.approx(dark)
    # A tiny surplus limits the reserve to what it can put into the battery.
    weak = pv_day(0.3) + 0.0
    assert away_reserve_kwh(0.05, weak, 0.9) <= max(AWAY_SAFETY_KWH, 0.3 * 0.9)


def test_sell_at_home_keeps_the_evening_and_night_for_the_house(forecast) -> None:
    battery = BatterySpec(capacity_kwh=15.0)
    away = plan_request(_sell(reason="holiday"), forecast, battery, [], PREFS)
    home = plan_request(_sell(), forecast, battery, [], PREFS)
    assert home.total_kwh < away.total_kwh


def test_ask_follows_the_market_above_the_floor(forecast) -> None:
    battery = BatterySpec(capacity_kwh=10.0, wear_eur_per_kwh=0.03)
    prices = {NEXT_MONDAY: 0.09, NEXT_MONDAY + timedelta(days=1): 0.11}
    plan = plan_request(
        _sell(2, price_limit=0.05), forecast, battery, [], PREFS, market_prices=prices
    )
    assert plan.limit_price == 0.1  # median of the days' prices, above the 0.05 floor
    assert price_floor(plan) == 0.05


def test_explicit_volume_overrides_but_never_the_battery(forecast) -> None:
    battery = BatterySpec(capacity_kwh=10.0)
    small = plan_request(_sell(3, kwh_per_day=4.0, reason="holiday"), forecast, battery, [], PREFS)
    assert [d.kwh for d in small.days] == [4.0, 4.0, 4.0]
    assert {d.note for d in small.days} == {"user_figure"}
    big = plan_request(_sell(3, kwh_per_day=40.0, reason="holiday"), forecast, battery, [], PREFS)
    assert all(d.kwh < 10.0 for d in big.days)
    assert {d.note for d in big.days} == {"capped_by_battery"}


def test_overlapping_sells_never_exceed_the_battery(forecast) -> None:
    battery = BatterySpec(capacity_kwh=10.0)
    first = plan_request(_sell(7, reason="holiday"), forecast, battery, [], PREFS)
    commitments = [Commitment(d.day, "sell", d.kwh) for d in first.days]
    # A second request overlapping the last 3 days and 3 more.
    second_request = TradeRequest("sell", NEXT_MONDAY + timedelta(days=4), 6, reason="holiday")
    second = plan_request(second_request, forecast, battery, commitments, PREFS)
    by_day = {d.day: d for d in second.days}
    for day in first.days:
        extra = by_day[day.day].kwh if day.day in by_day else 0.0
        assert day.kwh + extra + day.need_kwh <= battery.usable_kwh + 1e-9
    assert [by_day[d].note for d in sorted(by_day)][:3] == ["fully_committed"] * 3
    assert all(by_day[d].kwh > 0 for d in sorted(by_day)[3:])


def test_no_sale_on_days_the_household_buys_for(forecast) -> None:
    battery = BatterySpec(capacity_kwh=10.0)
    commitments = [Commitment(NEXT_MONDAY, "buy", 3.0)]
    plan = plan_request(_sell(2), forecast, battery, commitments, PREFS)
    assert plan.days[0].kwh == 0.0 and plan.days[0].note == "household_needs_it"
    assert plan.days[1].kwh > 0


def test_no_buy_on_days_the_household_offers_its_battery(forecast) -> None:
    """Selling the battery for a week and then renovating must not buy the battery back."""
    battery = BatterySpec(capacity_kwh=3.0)
    offered = [Commitment(NEXT_MONDAY + timedelta(days=i), "sell", 2.0) for i in range(3)]
    plan = plan_request(_buy(7, reason="renovation"), forecast, battery, offered, PREFS)
    assert [d.note for d in plan.days[:3]] == ["selling_that_day"] * 3
    assert all(d.kwh == 0.0 for d in plan.days[:3])
    assert all(d.kwh > 0 and d.note != "selling_that_day" for d in plan.days[3:])
    speech = plan_speech(plan, today=TODAY, language="en")
    assert "because you're offering your own battery on those days" in speech
    assert "selbst anbietest" in plan_speech(plan, today=TODAY, language="de")
    # Every requested day offered: a clear refusal instead of an empty order.
    with pytest.raises(NothingToTradeError) as err:
        plan_request(_buy(3, kwh_per_day=4.0), forecast, battery, offered, PREFS)
    assert err.value.translation_key == "buying_while_selling"
    # Offered on some days, covered by its own battery on the others: says both.
    roomy = BatterySpec(capacity_kwh=30.0)
    with pytest.raises(NothingToTradeError) as err:
        plan_request(_buy(7), forecast, roomy, offered, PREFS)
    assert err.value.translation_key == "nothing_to_buy_offering"
    assert "offering your own battery" in error_text(err.value, language="en")


def test_sell_without_battery_or_room_raises(forecast) -> None:
    with pytest.raises(NoBatteryError):
        plan_request(_sell(), forecast, None, [], PREFS)
    battery = BatterySpec(capacity_kwh=10.0)
    full = [Commitment(NEXT_MONDAY + timedelta(days=i), "sell", 10.0) for i in range(2)]
    with pytest.raises(NothingToTradeError) as err:
        plan_request(_sell(2), forecast, battery, full, PREFS)
    assert err.value.translation_key == "nothing_to_offer"


def test_buy_for_renovation_evenings(forecast) -> None:
    plan = plan_request(_buy(reason="renovation", time_of_day="evening"), forecast, None, [], PREFS)
    hours = window_hours("evening")
    for day in plan.days:
        demand = float(forecast.load_for(day.day)[hours].sum())
        # The evening's demand plus the renovation is always covered, to the half kWh.
        assert day.kwh >= round_estimate(demand + EXTRA_LOAD_KWH["renovation"])
        assert day.kwh % 0.5 == pytest.approx(0.0, abs=1e-9) or day.kwh % 0.5 == pytest.approx(0.5)
        assert day.extra_kwh == EXTRA_LOAD_KWH["renovation"]
        assert day.note == "estimate"
    # Value of shifting (0.37 - 0.078 / 0.95²) is above the user's cap: the cap applies.
    assert shifting_value(PREFS) == pytest.approx(0.37 - 0.078 / 0.9025)
    assert plan.limit_price == 0.15 and plan.price.source == "user"


def test_buy_stores_solar_surplus_beyond_the_evening_when_it_pays() -> None:
    history = load_history(TODAY - timedelta(days=28), 28, 8.0)
    sunny = DailyHistory(history.start, history.load, np.tile(pv_day(30.0), (28, 1)))
    forecast = build_forecast(sunny, TODAY, num_days=15)
    plan = plan_request(_buy(3), forecast, None, [], PREFS)
    evening = float(forecast.load_for(NEXT_MONDAY)[window_hours("evening")].sum())
    # A big surplus and a deficit all night: the capacity covers evening, night and morning.
    assert all(d.kwh > evening + 1.0 for d in plan.days)
    # At a capacity price above what a stored kWh saves, only the evening itself is bought.
    dear = plan_request(_buy(3), forecast, None, [], PREFS, market_prices={NEXT_MONDAY: 0.3})
    assert all(d.kwh == round_estimate(evening) for d in dear.days[:1])


def test_shift_value_of_a_simple_day() -> None:
    load = np.zeros(24)
    pv = np.zeros(24)
    pv[12] = 4.0  # four kWh of surplus at noon
    load[20] = 2.0  # two kWh needed at eight in the evening
    values = shift_values(
        load,
        pv,
        np.array([0.0, 1.0, 3.0]),
        evening_price=0.37,
        daytime_value=0.078,
        efficiency=0.9,
        power_kw=None,
    )[0]
    assert values[0] == 0.0
    # 1 kWh of capacity: charge 1/0.9 kWh of surplus, deliver 0.9 kWh.
    assert values[1] == pytest.approx(0.9 * 0.37 - 0.078 / 0.9)
    # 3 kWh: the evening's 2 kWh are delivered, charging 2/0.81 kWh of surplus.
    assert values[2] == pytest.approx(2 * 0.37 - 0.078 * (3 / 0.9))
    # The newsvendor stops where the next kWh no longer pays for itself.
    assert shift_capacity_kwh(load, pv, price=0.08, prefs=PREFS) == pytest.approx(2.1, abs=0.15)
    assert shift_capacity_kwh(load, pv, price=0.5, prefs=PREFS) == 0.0


def test_buy_is_reduced_by_own_battery_and_earlier_buys(forecast) -> None:
    battery = BatterySpec(capacity_kwh=2.0)
    plain = plan_request(_buy(1, reason="renovation"), forecast, None, [], PREFS)
    own = plan_request(_buy(1, reason="renovation"), forecast, battery, [], PREFS)
    assert own.days[0].kwh == pytest.approx(plain.days[0].kwh - 2.0, abs=0.11)
    bought = [Commitment(NEXT_MONDAY, "buy", 1.0)]
    again = plan_request(_buy(1, reason="renovation"), forecast, battery, bought, PREFS)
    assert again.days[0].kwh == pytest.approx(own.days[0].kwh - 1.0, abs=0.11)
    with pytest.raises(NothingToTradeError):
        plan_request(_buy(1), forecast, BatterySpec(capacity_kwh=30.0), [], PREFS)


def test_buy_explicit_figures_and_price_rounding(forecast) -> None:
    plan = plan_request(_buy(7, kwh_per_day=8.0, price_limit=0.1234), forecast, None, [], PREFS)
    assert [d.kwh for d in plan.days] == [8.0] * 7
    assert plan.limit_price == 0.123
    cheap = Preferences(max_buy_price=0.5, min_sell_price=0.06, evening_price=0.2)
    plan = plan_request(_buy(1, kwh_per_day=8.0), forecast, None, [], cheap)
    assert plan.limit_price == pytest.approx(np.floor(shifting_value(cheap) * 1000) / 1000)
    assert plan.price.source == "computed"


def test_only_closed_days_is_a_closed_start(forecast) -> None:
    with pytest.raises(InvalidRequestError) as err:
        plan_request(_buy(1, kwh_per_day=5.0), forecast, None, [], PREFS, closed_days=[NEXT_MONDAY])
    assert err.value.translation_key == "start_day_closed"
    assert err.value.placeholders["first_day"] == "2026-12-01"


def test_closed_days_are_skipped(forecast) -> None:
    plan = plan_request(
        _buy(2, kwh_per_day=5.0), forecast, None, [], PREFS, closed_days=[NEXT_MONDAY]
    )
    assert plan.days[0].kwh == 0.0 and plan.days[0].note == "gate_closed"
    assert plan.volumes == {(NEXT_MONDAY + timedelta(days=1)).isoformat(): 5.0}


@pytest.mark.parametrize(
    ("request_", "key"),
    [
        (TradeRequest("buy", NEXT_MONDAY, 0), "invalid_num_days"),
        (TradeRequest("buy", NEXT_MONDAY, 15), "invalid_num_days"),
        (TradeRequest("buy", TODAY, 1), "start_day_closed"),
        (TradeRequest("buy", TODAY + timedelta(days=14), 2), "beyond_horizon"),
        (TradeRequest("buy", NEXT_MONDAY, 1, kwh_per_day=-1.0), "invalid_kwh_per_day"),
        (TradeRequest("sell", NEXT_MONDAY, 1, price_limit=0.0), "invalid_price_limit"),
        (TradeRequest("sell", NEXT_MONDAY, 1, price_limit=2.0), "invalid_price_limit"),
        (TradeRequest("hold", NEXT_MONDAY, 1), "invalid_side"),  # type: ignore[arg-type]
        (TradeRequest("buy", NEXT_MONDAY, 1, time_of_day="noon"), "invalid_time_of_day"),  # type: ignore[arg-type]
    ],
)
def test_validation(request_: TradeRequest, key: str) -> None:
    with pytest.raises(InvalidRequestError) as err:
        validate_request(request_, today=TODAY)
    assert err.value.translation_key == key


def test_request_round_trips_through_dict() -> None:
    request = _buy(3, time_of_day="night", kwh_per_day=2.5, price_limit=0.1, reason="ev")
    assert TradeRequest.from_dict(request.as_dict()) == request
    assert request.days[-1] == NEXT_MONDAY + timedelta(days=2)


def test_at_home_the_battery_is_kept_only_for_what_solar_can_fill() -> None:
    history = load_history(TODAY - timedelta(days=28), 28, 10.0)
    dark = DailyHistory(history.start, history.load, np.zeros((28, 24)))
    forecast = build_forecast(dark, TODAY, num_days=15)
    battery = BatterySpec(capacity_kwh=10.0, min_soc=0.1)
    plan = plan_request(_sell(1), forecast, battery, [], PREFS)
    # No sun to fill it: the house has no use for its battery that day, all 9 kWh are offered.
    assert plan.days[0].need_kwh == 0.0 and plan.days[0].kwh == 9.0


def test_an_explicit_sale_figure_is_the_days_total(forecast) -> None:
    battery = BatterySpec(capacity_kwh=10.0, min_soc=0.1)
    offered = [Commitment(NEXT_MONDAY, "sell", 3.0)]
    plan = plan_request(_sell(2, kwh_per_day=4.0), forecast, battery, offered, PREFS)
    # Asking again for "4 kWh a day" tops Monday up to 4 and offers 4 on Tuesday.
    assert [d.kwh for d in plan.days] == [1.0, 4.0]
    again = [*offered, Commitment(NEXT_MONDAY, "sell", 1.0)]
    plan = plan_request(_sell(2, kwh_per_day=4.0), forecast, battery, again, PREFS)
    assert plan.days[0].kwh == 0.0 and plan.days[0].note == "fully_committed"
