"""Planner numbers on plain data: volumes per day, limit prices, overrides, and the battery cap."""

from __future__ import annotations

from dataclasses import replace
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
    community_fill,
    energy_values,
    plan_request,
    poor_day,
    price_floor,
    record_supported_kwh,
    round_down_estimate,
    sell_cost,
    validate_request,
    window_hours,
)
from custom_components.community_storage.agent.plans import OrderState, TradeRequest
from custom_components.community_storage.agent.tariff import (
    dynamic_day_ahead,
    evening_peak_time_of_use,
    fixed,
)
from custom_components.community_storage.language.speak.explain import (
    error_text,
    fill_sentence,
    plan_speech,
)

from .helpers import load_history, pv_day

TODAY = date(2026, 11, 25)  # a Wednesday
NEXT_MONDAY = date(2026, 11, 30)
# Most tests are about volumes and the battery: sellers delivered all they sold, so every kWh
# of need is expected to fill. The energy tests below use the unmeasured defaults.
PREFS = Preferences(max_buy_price=0.15, min_sell_price=0.06, filled_per_kwh_sold=1.0)
UNMEASURED = Preferences(max_buy_price=0.15, min_sell_price=0.06)


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
    poor = poor_day(forecast, battery, PREFS, base=base, away=True)
    assert poor is not None and 0.9 < poor.surplus_share <= 1.0
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
        # All the rest is offered, as far as a poor day like the recent ones fills it.
        assert np.floor((13.5 - reserve) * poor.surplus_share * 10) / 10 - 0.1 <= day.kwh
        assert day.kwh <= np.floor((13.5 - reserve) * 10) / 10
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
    # The overlapping days already offer all a poor day is expected to fill.
    assert [by_day[d].note for d in sorted(by_day)][:3] == ["fill_offered"] * 3
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
        # Every kWh fills (measured): the evening's demand plus the renovation, own export
        # first, down to the half kWh.
        need = demand + EXTRA_LOAD_KWH["renovation"]
        # Own export loses a little on the way: its capacity is a bit more than the energy.
        assert round_down_estimate(need) <= day.kwh <= need / 0.95
        assert day.kwh % 0.5 == pytest.approx(0.0, abs=1e-9) or day.kwh % 0.5 == pytest.approx(0.5)
        assert day.extra_kwh == EXTRA_LOAD_KWH["renovation"]
        assert day.note == "estimate"
        assert day.own_fill_kwh + day.shared_kwh == pytest.approx(day.kwh, abs=0.11)
    # Shared energy saves 0.37 - 0.12, above the user's cap: the cap applies.
    assert plan.energy.shared_value == pytest.approx(0.25)
    assert plan.limit_price == 0.15 and plan.price.source == "user"


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
    cheap = Preferences(max_buy_price=0.5, min_sell_price=0.06, tariff=fixed(0.2))
    plan = plan_request(_buy(1, kwh_per_day=8.0), forecast, None, [], cheap)
    # The evening's 3.4 kWh are all filled by the day's own export, which saves the 0.20
    # import price minus the feed-in grossed up for losses: the bid's limit. The 8 kWh asked
    # for are honoured, and the plan knows they cost more than they save.
    assert plan.days[0].shared_kwh == 0.0 and plan.days[0].own_fill_kwh > 3.0
    assert plan.limit_price == pytest.approx(np.floor((0.2 - 0.078 / 0.9025) * 1000) / 1000)
    assert plan.price.source == "computed"
    assert plan.days[0].kwh == 8.0 and plan.energy.loses_money
    assert plan.energy.expected_saving_eur < 0


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


# ----------------------------------------------------------------------------- energy and tariffs


@pytest.fixture
def no_pv_forecast():
    """A flat without solar: it exports nothing."""
    history = load_history(TODAY - timedelta(days=28), 28, 8.0)
    dark = DailyHistory(history.start, history.load, np.zeros((28, 24)))
    return build_forecast(dark, TODAY, num_days=15)


def test_without_export_a_buyer_buys_only_the_shared_energy_it_expects(no_pv_forecast) -> None:
    plan = plan_request(_buy(7, reason="renovation"), no_pv_forecast, None, [], UNMEASURED)
    share, measured = community_fill(UNMEASURED, NEXT_MONDAY)
    # No measured deliveries yet: the month's assumption (NEXT_MONDAY is in November).
    assert (share, measured) == (0.19, False)
    assert plan.energy.fill_share == 0.19 and not plan.energy.fill_measured
    hours = window_hours("evening")
    for day in plan.days:
        need = float(no_pv_forecast.load_for(day.day)[hours].sum()) + EXTRA_LOAD_KWH["renovation"]
        assert day.own_fill_kwh == 0.0
        day_share, _ = community_fill(UNMEASURED, day.day)  # 0.13 from 1 December
        assert day.kwh == round_down_estimate(day_share * need)
        assert day.shared_kwh == pytest.approx(day.kwh, abs=0.05)
        assert day.wanted_kwh == pytest.approx(need, abs=0.1)
        assert day.note == "fill_limited"
        # Each kWh saves the fixed 0.37 minus the energy price 0.12, less the capacity's 0.08.
        assert day.saving_eur == pytest.approx(day.kwh * (0.37 - 0.12 - 0.08), abs=0.01)
    # Measured: sellers delivered 90 % of what they sold.
    measured_prefs = replace(UNMEASURED, filled_per_kwh_sold=0.9)
    more = plan_request(_buy(7, reason="renovation"), no_pv_forecast, None, [], measured_prefs)
    assert more.energy.fill_measured and more.total_kwh > 3 * plan.total_kwh


@pytest.mark.parametrize(
    ("tariff", "import_price"),
    [
        (fixed(0.25), 0.25),
        # 17-21 h at 0.45, 21-22 h at the default 0.36.
        (evening_peak_time_of_use(), (4 * 0.45 + 0.36) / 5),
        (dynamic_day_ahead(12), None),
    ],
)
def test_the_bid_is_what_shared_energy_saves_at_the_households_tariff(
    no_pv_forecast, tariff, import_price
) -> None:
    prefs = Preferences(
        max_buy_price=0.5, min_sell_price=0.06, tariff=tariff, filled_per_kwh_sold=1.0
    )
    plan = plan_request(_buy(2, time_of_day="evening"), no_pv_forecast, None, [], prefs)
    expected = import_price if import_price is not None else tariff.mean_import(range(17, 22))
    assert plan.energy.import_price == pytest.approx(expected, abs=5e-4)
    assert plan.energy.tariff == tariff.kind
    imported, _, shared = energy_values(prefs, window_hours("evening"))
    assert shared == pytest.approx(imported - 0.12)
    assert plan.limit_price == pytest.approx(np.floor((expected - 0.12) * 1000) / 1000, abs=1e-9)


def test_nothing_is_bought_when_shared_energy_does_not_pay_for_the_capacity(
    no_pv_forecast,
) -> None:
    # A cheap flat tariff and no export: shared energy at 0.12 saves 0.06 of a 0.18 import
    # price, less than the 0.08 the capacity costs.
    prefs = Preferences(max_buy_price=0.15, min_sell_price=0.06, tariff=fixed(0.18))
    with pytest.raises(NothingToTradeError) as err:
        plan_request(_buy(3, reason="renovation"), no_pv_forecast, None, [], prefs)
    assert err.value.translation_key == "nothing_worth_buying"
    assert err.value.placeholders["shared_value"] == "0.060"
    assert err.value.placeholders["capacity_price"] == "0.080"
    assert err.value.placeholders["export_kwh"] == "0.0"
    text = error_text(err.value, language="en")
    assert "EUR 0.060" in text and "EUR 0.180/kWh" in text
    # German says its figures with a decimal comma.
    assert "0,060 EUR" in error_text(err.value, language="de")
    # A figure the user states is honoured, and the plan says it loses money.
    plan = plan_request(_buy(3, kwh_per_day=4.0), no_pv_forecast, None, [], prefs)
    assert plan.total_kwh == 12.0 and plan.energy.loses_money
    # Of the 4 kWh a day, the community is expected to fill 19 % (13 % in December) of the
    # need, each kWh saving 0.06, against 4 x 0.08 paid.
    expected = sum(
        min(4.0, community_fill(prefs, d.day)[0] * d.need_kwh) * 0.06 - 4 * 0.08 for d in plan.days
    )
    assert plan.energy.expected_saving_eur == pytest.approx(expected, abs=0.02)


def test_a_seller_offers_only_what_it_expects_to_fill(no_pv_forecast) -> None:
    battery = BatterySpec(capacity_kwh=10.0, min_soc=0.1)
    # No solar of its own: only the community's surplus fills it, 19 % in November, 13 % in
    # December.
    plan = plan_request(_sell(2, reason="holiday"), no_pv_forecast, battery, [], UNMEASURED)
    for day in plan.days:
        assert day.own_fill_kwh == 0.0
        day_share, _ = community_fill(UNMEASURED, day.day)
        assert day.kwh == pytest.approx(np.floor(day_share * day.wanted_kwh * 10) / 10, abs=0.11)
        assert day.note == "fill_limited" and day.grid_kwh == 0.0
    # Grid charging on, but the fixed 0.37 is far above the energy price minus wear: no grid.
    on = replace(UNMEASURED, grid_charging=True)
    assert plan_request(_sell(2, reason="holiday"), no_pv_forecast, battery, [], on).total_kwh == (
        plan.total_kwh
    )
    # A tariff whose cheapest hours cost no more than 0.12 - 0.05: the grid fills the rest.
    cheap_nights = replace(on, tariff=time_of_use_cheap_nights())
    full = plan_request(_sell(2, reason="holiday"), no_pv_forecast, battery, [], cheap_nights)
    for day in full.days:
        assert day.kwh == pytest.approx(np.floor(day.wanted_kwh * 10) / 10)
        assert day.grid_kwh == pytest.approx(day.kwh - day.shared_kwh, abs=0.11)


@pytest.mark.parametrize(
    ("language", "grid_off", "grid_loses"),
    [
        (
            "en",
            "charging the rest from the grid is off in the community",
            "charging the rest from the grid would cost more than the EUR 0.12/kWh it earns",
        ),
        (
            "de",
            "Laden aus dem Netz ist in der Gemeinschaft ausgeschaltet",
            "Laden aus dem Netz würde mehr kosten als die 0,12 EUR/kWh, die es einbringt",
        ),
    ],
)
def test_a_seller_offering_less_says_why_the_grid_does_not_fill_the_rest(
    no_pv_forecast, language: str, grid_off: str, grid_loses: str
) -> None:
    """The reply's reason for the unfilled rest is the community's setting and the seller's
    own tariff against the energy price, as the plan decided it."""
    battery = BatterySpec(capacity_kwh=10.0, min_soc=0.1)
    request = _sell(2, reason="holiday")
    off = plan_request(request, no_pv_forecast, battery, [], UNMEASURED)
    on = plan_request(request, no_pv_forecast, battery, [], replace(UNMEASURED, grid_charging=True))
    for plan in (off, on):
        assert all(d.note == "fill_limited" and d.grid_kwh == 0.0 for d in plan.days)
    assert grid_off in fill_sentence(off, language)
    assert grid_loses not in fill_sentence(off, language)
    # On, but the fixed 0.37 EUR/kWh is above the 0.12 the delivered kWh earns.
    assert grid_loses in fill_sentence(on, language)
    assert grid_off not in fill_sentence(on, language)


def test_a_seller_offers_only_what_its_battery_delivered_before(forecast) -> None:
    """Its own record (GET /me) scales the estimate: half delivered, half offered; nothing
    delivered, nothing offered and the reason with the figures; a stated amount is honoured."""
    battery = BatterySpec(capacity_kwh=15.0, min_soc=0.1)
    request = _sell(3, reason="holiday")
    full = plan_request(request, forecast, battery, [], PREFS)
    assert all(d.kwh > 1.0 for d in full.days)
    for record in (None, 1.0):
        same = replace(PREFS, own_delivered_per_kwh_sold=record, own_delivery_days=5)
        assert plan_request(request, forecast, battery, [], same).days == full.days
    half = replace(PREFS, own_delivered_per_kwh_sold=0.5, own_delivery_days=6)
    plan = plan_request(request, forecast, battery, [], half)
    for day, before in zip(plan.days, full.days, strict=True):
        assert day.kwh == pytest.approx(np.floor(before.kwh * 0.5 * 10) / 10, abs=0.11)
        assert day.note == "record_limited"
    assert plan.energy.delivered_share == 0.5 and plan.energy.delivery_days == 6
    assert "on your last 6 selling days your battery delivered 50% of the capacity you sold" in (
        fill_sentence(plan, "en")
    )
    assert "An deinen letzten 6 Verkaufstagen hat dein Akku 50 % der verkauften Kapazität" in (
        fill_sentence(plan, "de")
    )
    nothing = replace(PREFS, own_delivered_per_kwh_sold=0.0, own_delivery_days=4)
    with pytest.raises(NothingToTradeError) as err:
        plan_request(request, forecast, battery, [], nothing)
    assert err.value.translation_key == "nothing_delivered"
    assert "on your last 4 selling days your battery delivered 0% of the capacity you sold" in (
        error_text(err.value, language="en")
    )
    assert "An deinen letzten 4 Verkaufstagen hat dein Akku 0 %" in (
        error_text(err.value, language="de")
    )
    stated = plan_request(_sell(3, kwh_per_day=2.0), forecast, battery, [], nothing)
    assert [d.kwh for d in stated.days] == [2.0] * 3


def _offer(order_id: str, day: date, volume: float, filled: float = 0.0) -> OrderState:
    status = "open" if filled == 0 else "partially_filled" if filled < volume else "filled"
    return OrderState(order_id, day, volume, 0.07, status, filled, 0.07 if filled else None)


def test_an_open_offer_keeps_the_share_of_a_fallen_record() -> None:
    """Sized with no record, then the battery delivered 30 %: each open day keeps 30 % of its
    volume (down to the 0.1 kWh step), what filled stays; closed days and sold-out days are
    left alone; a record of nothing withdraws the remainder."""
    days = [NEXT_MONDAY + timedelta(days=i) for i in range(5)]
    offer = [
        _offer("a", days[0], 6.0),
        _offer("b", days[1], 5.0, filled=1.0),
        _offer("c", days[2], 5.0, filled=4.0),
        _offer("d", days[3], 6.0, filled=6.0),
        _offer("e", days[4], 6.0),
    ]
    open_days = set(days[:4])
    kept = record_supported_kwh(offer, sized_with=None, record=0.3, open_days=open_days)
    # 6 x 0.3 = 1.8; 5 x 0.3 = 1.5 of which 1 is sold; 4 of 5 already sold stays sold.
    assert kept == {"a": 1.8, "b": 1.5, "c": 4.0}
    # The same offer sized with a record of 0.6: half of it goes.
    assert record_supported_kwh(offer, sized_with=0.6, record=0.3, open_days=open_days) == {
        "a": 3.0,
        "b": 2.5,
        "c": 4.0,
    }
    assert record_supported_kwh(offer, sized_with=None, record=0.0, open_days=open_days) == {
        "a": 0.0,
        "b": 1.0,
        "c": 4.0,
    }
    # No record, a full one, one that rose, or one that fell by less than a tenth: unchanged.
    for sized_with, record in ((None, None), (None, 1.0), (0.3, 0.5), (0.5, 0.46)):
        assert not record_supported_kwh(
            offer, sized_with=sized_with, record=record, open_days=open_days
        )
    # A fall of just over a tenth of what the offer was sized with cuts it.
    assert record_supported_kwh(offer, sized_with=0.5, record=0.44, open_days=open_days) == {
        "a": 5.2,
        "b": 4.4,
        "c": 4.4,
    }


def time_of_use_cheap_nights():
    from custom_components.community_storage.agent.tariff import time_of_use

    return time_of_use([(0, 6, 0.06)], default=0.35)


def test_the_ask_floor_counts_the_feed_in_price_the_sale_earns_at_least() -> None:
    """A delivered kWh earns the community's feed-in price (own credit) or its energy price
    (shared energy); the floor counts the lower, so a sale never depends on being shared."""
    battery = BatterySpec(capacity_kwh=10.0, wear_eur_per_kwh=0.05)
    # Wear plus the feed-in the stored kWh gives up (0.078 / 0.9025), less the 0.078 earned.
    assert UNMEASURED.community_feed_in_price == 0.078
    assert sell_cost(battery, UNMEASURED) == pytest.approx(0.05 + 0.078 / 0.9025 - 0.078)
    dear_feed_in = replace(UNMEASURED, tariff=fixed(0.37, feed_in=0.2))
    assert sell_cost(battery, dear_feed_in) == pytest.approx(0.05 + 0.2 / 0.9025 - 0.078)
    # The community's feed-in price moves the floor; the energy price only where it is lower.
    dearer = replace(UNMEASURED, community_feed_in_price=0.1)
    assert sell_cost(battery, dearer) == pytest.approx(0.05 + 0.078 / 0.9025 - 0.1)
    assert sell_cost(battery, replace(UNMEASURED, energy_price=0.5)) == pytest.approx(
        sell_cost(battery, UNMEASURED)
    )
    cheap_sharing = replace(UNMEASURED, energy_price=0.05)
    assert sell_cost(battery, cheap_sharing) == pytest.approx(0.05 + 0.078 / 0.9025 - 0.05)
    # A server that pays nothing for own credit (before it was settled): nothing counted.
    unpaid = replace(UNMEASURED, community_feed_in_price=0.0)
    assert sell_cost(battery, unpaid) == pytest.approx(0.05 + 0.078 / 0.9025)
    # Prices above every cost never make the floor negative.
    generous = replace(UNMEASURED, community_feed_in_price=0.5, energy_price=0.5)
    assert sell_cost(battery, generous) == 0.0


def test_an_amount_that_loses_money_is_honoured_with_the_figures_of_the_loss(forecast) -> None:
    """The reply's warning repeats the plan's own figures: kWh kept, kWh used, EUR lost a day."""
    cheap = Preferences(max_buy_price=0.5, min_sell_price=0.06, tariff=fixed(0.2))
    plan = plan_request(_buy(1, kwh_per_day=8.0), forecast, None, [], cheap)
    day = plan.days[0]
    used = round(day.own_fill_kwh + day.shared_kwh, 1)
    loss = -day.saving_eur
    assert plan.energy.loses_money and loss > 0
    english = plan_speech(plan, today=TODAY, language="en")
    assert (
        f"As you asked, I've kept 8 kWh a day, but I expect only {used:g} kWh of it to be "
        f"filled and used, so it costs about EUR {loss:.2f} a day more than it saves."
    ) in english
    german = plan_speech(plan, today=TODAY, language="de")
    assert f"{loss:.2f}".replace(".", ",") in german
    assert f"{used:g}".replace(".", ",") + " kWh" in german


def test_a_seller_sizes_its_offer_on_a_poor_day_like_its_recent_ones() -> None:
    """Three grey days in four and one bright one give the same average solar as steady days;
    a sale sized on the average would fall short three days in four."""
    history = load_history(TODAY - timedelta(days=28), 28, 10.0)
    grey_and_bright = np.vstack([pv_day(20.0 if i % 4 == 0 else 4.0) for i in range(28)])
    varying = build_forecast(
        DailyHistory(history.start, history.load, grey_and_bright), TODAY, num_days=15
    )
    steady = build_forecast(history, TODAY, num_days=15)
    battery = BatterySpec(capacity_kwh=15.0, min_soc=0.1)
    request = _sell(3, reason="holiday")
    base = base_load_kwh_per_hour(varying)
    poor = poor_day(varying, battery, PREFS, base=base, away=True)
    assert poor is not None
    # A grey day's surplus is a tenth of the average day's.
    assert poor.own_surplus_kwh < 1.5 and poor.surplus_share < 0.2
    on_steady = plan_request(request, steady, battery, [], PREFS)
    on_varying = plan_request(request, varying, battery, [], PREFS)
    for day in on_varying.days:
        assert day.own_fill_kwh <= poor.own_surplus_kwh + 0.05
    assert 0 < on_varying.total_kwh < 0.3 * on_steady.total_kwh
    # The reply says the sale was sized on a grey day, with the grey day's share.
    assert on_varying.energy.poor_day_share == round(poor.surplus_share, 2)
    pct = round(poor.surplus_share * 100)
    assert f"with {pct}% of an average day's solar surplus" in fill_sentence(on_varying, "en")
    assert f"mit {pct} % des Solarüberschusses" in fill_sentence(on_varying, "de")
    # Steady solar: only the load's noise makes a poorer day, nearly the average one.
    assert on_steady.energy.poor_day_share is not None
    assert on_steady.energy.poor_day_share > 0.9


def test_a_top_up_adds_only_what_the_days_expectation_has_left(no_pv_forecast) -> None:
    """The community is expected to fill 19 % of a November reserve: asking again the next
    morning must not offer 19 % of the rest again (the rest of the rest, day after day)."""
    battery = BatterySpec(capacity_kwh=10.0, min_soc=0.1)
    first = plan_request(_sell(1, reason="holiday"), no_pv_forecast, battery, [], UNMEASURED)
    offered = [Commitment(NEXT_MONDAY, "sell", first.days[0].kwh)]
    assert first.days[0].kwh > 0
    # No solar of its own, no sky to judge a poor day by: nothing lowered, nothing said.
    assert first.energy.poor_day_share is None
    assert "grey day" not in fill_sentence(first, "en")
    with pytest.raises(NothingToTradeError) as err:
        plan_request(_sell(1, reason="holiday"), no_pv_forecast, battery, offered, UNMEASURED)
    # The reply says what is offered already, not that the battery is needed or taken.
    assert err.value.translation_key == "nothing_more_to_fill"
    offered_kwh = f"{first.days[0].kwh:.1f}"
    assert error_text(err.value, language="en") == (
        f"You already offer {offered_kwh} kWh a day on those days: that is all the surplus is "
        "expected to fill, so I haven't offered more."
    )
    assert f"schon {offered_kwh.replace('.', ',')} kWh pro Tag an" in error_text(
        err.value, language="de"
    )
    # Half of it offered: the top-up brings the day back to the same expectation.
    half = [Commitment(NEXT_MONDAY, "sell", round(first.days[0].kwh / 2, 1))]
    again = plan_request(_sell(1, reason="holiday"), no_pv_forecast, battery, half, UNMEASURED)
    assert again.days[0].kwh + half[0].kwh == pytest.approx(first.days[0].kwh, abs=0.11)
