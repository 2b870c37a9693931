"""A request (buy or sell, days, reason, limits) becomes per-day volumes and one limit price.

Buy: capacity is worth what it shifts. For each scenario of a day (recent days of the
household's own history, or the forecast itself) a simple battery dispatch - charge from
solar surplus, discharge into the house's deficit until the next morning - gives the value of
every candidate capacity; the volume is the one that maximises the expected value minus the
expected capacity price (a newsvendor: buy while the chance that the last kWh is used, times
what it saves, is above its price). The stated reason's extra load lands in the named time
window (evening by default), and that window's demand plus the extra is always covered (the
design's "evening demand that PV surplus or cheap energy could cover"); the household's own
free battery is counted first. The bid is the value of shifting (evening retail price minus
the daytime value grossed up for the round-trip losses), capped by the user's maximum.

Sell: usable capacity minus what the house still needs from the battery (its deficit, as far as
the day's solar surplus can fill the battery) and minus everything already offered that day; no
sale on a day the household is buying for. Away (holiday) means away: the house draws only its
base load (fridge, standby, from history), solar covers it by day, and the battery keeps only
what that day's solar surplus can carry into the night (at least a small safety margin). The
ask is wear plus losses, floored by the user's minimum.

Explicit user figures override the estimates but never the battery. Estimated buy volumes are
rounded to 0.5 kWh (the forecast is not finer than that), volumes otherwise down to 0.1 kWh;
a bid cap is rounded down and an ask floor up to 0.001 EUR/kWh.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from .battery import BatterySpec, Commitment, committed_kwh, min_sell_price, offerable_kwh
from .errors import InvalidRequestError, NoBatteryError, NothingToTradeError
from .forecast import Forecast
from .plans import (
    MAX_DAYS,
    SIDES,
    TIMES_OF_DAY,
    DayPlan,
    ForecastBasis,
    PriceBasis,
    TimeOfDay,
    TradePlan,
    TradeRequest,
)

# Local hours [start, end) of each time of day; night wraps past midnight.
WINDOWS: dict[TimeOfDay, tuple[int, int]] = {
    "morning": (6, 12),
    "afternoon": (12, 17),
    "evening": (17, 22),
    "night": (22, 6),
    "all_day": (0, 24),
}
# Extra kWh per day in the window for a stated reason: power tools for an evening of
# renovation, cooking and showers for guests, a PC and heating for home office, one EV session.
EXTRA_LOAD_KWH: dict[str, float] = {
    # About 1 kW of tools, lights and a dust extractor for the five evening hours.
    "renovation": 5.0,
    "guests": 2.0,
    "home_office": 1.5,
    "ev": 7.0,
}
# Reasons that mean nobody is home while selling: only the base load remains.
AWAY_REASONS = frozenset({"holiday", "away", "vacation"})
EVENING_RETAIL_EUR_PER_KWH = 0.37
DAYTIME_VALUE_EUR_PER_KWH = 0.078
MAX_PRICE_EUR_PER_KWH = 1.0
MAX_KWH_PER_DAY = 100.0
# The capacity price a buyer expects when the market has no price for its days yet: the
# community's typical price (DESIGN: 0.07-0.12 EUR/kWh).
EXPECTED_CAPACITY_PRICE_EUR_PER_KWH = 0.08
# Estimated buy volumes are rounded to this step: the forecast is not finer.
ESTIMATE_STEP_KWH = 0.5
# Candidate capacities of the buy dispatch, in kWh.
CAPACITY_GRID_STEP_KWH = 0.1
# What an empty house keeps in its battery at least (a power cut, a freezer running more).
AWAY_SAFETY_KWH = 0.5
# Hour a "solar day" starts: the battery fills by day and empties until the next morning.
SOLAR_DAY_START = 6


@dataclass(frozen=True, slots=True)
class Preferences:
    """The household's options and the prices the agent values energy at."""

    max_buy_price: float
    min_sell_price: float
    evening_price: float = EVENING_RETAIL_EUR_PER_KWH
    daytime_value: float = DAYTIME_VALUE_EUR_PER_KWH
    # The community's round-trip efficiency (losses are the buyer's).
    community_efficiency: float = 0.95
    # The server's per-household cap on sold kWh per day, if known.
    max_sell_kwh_per_day: float | None = None
    # The capacity price a buyer expects when the market has none for its days yet.
    expected_price: float = EXPECTED_CAPACITY_PRICE_EUR_PER_KWH


def floor_kwh(value: float) -> float:
    """Round a volume down to the market's 0.1 kWh step."""
    return max(0.0, math.floor(value * 10 + 1e-6) / 10)


def floor_price(value: float) -> float:
    """Round a price down to 0.001 EUR/kWh (for a bid cap)."""
    return math.floor(value * 1000 + 1e-6) / 1000


def ceil_price(value: float) -> float:
    """Round a price up to 0.001 EUR/kWh (for an ask floor)."""
    return math.ceil(value * 1000 - 1e-6) / 1000


def window_hours(time_of_day: TimeOfDay) -> list[int]:
    """The local hours of a time of day."""
    start, end = WINDOWS[time_of_day]
    if start < end:
        return list(range(start, end))
    return list(range(start, 24)) + list(range(end))


def validate_request(
    request: TradeRequest,
    *,
    today: date,
    horizon_days: int = MAX_DAYS,
    first_open_day: date | None = None,
) -> None:
    """Raise InvalidRequestError (with a translation key) for a request the market cannot take.

    ``first_open_day`` is the first day whose gate is still open (after the gate closure that
    is not tomorrow); the default, tomorrow, holds only before it."""
    if request.side not in SIDES:
        raise InvalidRequestError(
            f"Unknown side {request.side!r}",
            {"side": str(request.side)},
            translation_key="invalid_side",
        )
    if not 1 <= request.num_days <= MAX_DAYS:
        raise InvalidRequestError(
            f"A request covers 1 to {MAX_DAYS} days, not {request.num_days}",
            {"num_days": str(request.num_days), "max_days": str(MAX_DAYS)},
            translation_key="invalid_num_days",
        )
    if request.start_day <= today:
        first_day = first_open_day or today + timedelta(days=1)
        raise InvalidRequestError(
            f"Trading for {request.start_day} has closed; the first day that can be traded is "
            f"{first_day}",
            {"start_day": request.start_day.isoformat(), "first_day": first_day.isoformat()},
            translation_key="start_day_closed",
        )
    last_day = request.start_day + timedelta(days=request.num_days - 1)
    if last_day > today + timedelta(days=horizon_days):
        raise InvalidRequestError(
            f"The market trades up to {horizon_days} days ahead; {last_day} is beyond that",
            {"last_day": last_day.isoformat(), "horizon_days": str(horizon_days)},
            translation_key="beyond_horizon",
        )
    if request.kwh_per_day is not None and not 0 < request.kwh_per_day <= MAX_KWH_PER_DAY:
        raise InvalidRequestError(
            f"kWh per day must be above 0 and at most {MAX_KWH_PER_DAY:g}",
            {"kwh_per_day": f"{request.kwh_per_day:g}", "max_kwh": f"{MAX_KWH_PER_DAY:g}"},
            translation_key="invalid_kwh_per_day",
        )
    if request.price_limit is not None and not 0 < request.price_limit <= MAX_PRICE_EUR_PER_KWH:
        raise InvalidRequestError(
            f"The price limit must be above 0 and at most {MAX_PRICE_EUR_PER_KWH:g} EUR/kWh",
            {"price_limit": f"{request.price_limit:g}", "max_price": f"{MAX_PRICE_EUR_PER_KWH:g}"},
            translation_key="invalid_price_limit",
        )
    if request.time_of_day is not None and request.time_of_day not in TIMES_OF_DAY:
        raise InvalidRequestError(
            f"Unknown time of day {request.time_of_day!r}",
            {"time_of_day": str(request.time_of_day)},
            translation_key="invalid_time_of_day",
        )


def extra_load_kwh(reason: str | None) -> float:
    """Extra kWh per day the stated reason brings (0 for an unknown or no reason)."""
    if reason is None:
        return 0.0
    return EXTRA_LOAD_KWH.get(reason.strip().lower().replace(" ", "_"), 0.0)


def base_load_kwh_per_hour(forecast: Forecast) -> float:
    """What an empty house draws per hour (fridge, standby).

    From history when there is some (a low percentile of the lived-in hours); otherwise a
    share of the quietest hours of the forecast profile, which a sleeping family still fills
    with more than an empty house uses.
    """
    if forecast.base_load_kwh is not None:
        return forecast.base_load_kwh
    profile = forecast.load.mean(axis=0)
    return float(np.sort(profile)[:3].mean()) * 0.5


def away_reserve_kwh(base: float, pv: npt.NDArray[np.float64], efficiency: float) -> float:
    """What an empty house keeps in its battery on a day: its base load through the dark hours,
    as far as that day's solar surplus can fill the battery, and at least the safety margin.

    Keeping more would only hold energy the grid sells at the same price; the rest of the
    capacity earns money on the market.
    """
    dark = float(np.maximum(base - pv, 0.0).sum())
    fillable = float(np.maximum(pv - base, 0.0).sum()) * efficiency
    return max(AWAY_SAFETY_KWH, min(dark, fillable))


def _solar_days(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rows from 06:00 to 06:00: the battery fills by day and empties into the night.

    The early hours of the same day stand in for the next morning's.
    """
    return np.roll(np.atleast_2d(rows), -SOLAR_DAY_START, axis=1)


def shift_values(
    load: npt.NDArray[np.float64],
    pv: npt.NDArray[np.float64],
    capacities: npt.NDArray[np.float64],
    *,
    evening_price: float,
    daytime_value: float,
    efficiency: float,
    power_kw: float | None = None,
) -> npt.NDArray[np.float64]:
    """EUR a day's storage saves, per scenario (rows) and candidate capacity (columns).

    A greedy dispatch over the solar day: solar surplus charges (worth ``daytime_value`` a kWh
    as feed-in), the house's deficit discharges (worth ``evening_price`` a kWh not bought).
    With flat prices within the day that is the best use of a given capacity.
    """
    net = _solar_days(pv) - _solar_days(load)  # (scenarios, 24)
    caps = np.asarray(capacities, dtype=np.float64)[None, :]
    power = np.inf if power_kw is None else power_kw
    soc = np.zeros((net.shape[0], caps.shape[1]))
    value = np.zeros_like(soc)
    eta = max(efficiency, 0.01)
    for hour in range(net.shape[1]):
        step = net[:, hour : hour + 1]
        charge = np.minimum(np.minimum(np.maximum(step, 0.0), power), (caps - soc) / eta)
        deliver = np.minimum(np.minimum(np.maximum(-step, 0.0), power), soc * eta)
        soc = soc + charge * eta - deliver / eta
        value += deliver * evening_price - charge * daytime_value
    return value


def shift_capacity_kwh(
    load: npt.NDArray[np.float64],
    pv: npt.NDArray[np.float64],
    *,
    price: float,
    prefs: Preferences,
    own_kwh: float = 0.0,
    power_kw: float | None = None,
) -> float:
    """Capacity to buy on top of ``own_kwh`` that maximises expected savings minus its price.

    ``load`` and ``pv`` are scenarios of the day (one row each, or many); each is equally
    likely. Zero when no kWh of capacity saves more than it costs.
    """
    load = np.atleast_2d(load)
    pv = np.atleast_2d(pv)
    # Nothing can shift more than the largest deficit of a scenario's solar day.
    most = float(np.maximum(load - pv, 0.0).sum(axis=1).max()) + own_kwh
    if most <= own_kwh:
        return 0.0
    grid = np.arange(
        own_kwh, most + CAPACITY_GRID_STEP_KWH, CAPACITY_GRID_STEP_KWH, dtype=np.float64
    )
    values = shift_values(
        load,
        pv,
        grid,
        evening_price=prefs.evening_price,
        daytime_value=prefs.daytime_value,
        efficiency=prefs.community_efficiency,
        power_kw=power_kw,
    ).mean(axis=0)
    bought = grid - own_kwh
    net = values - values[0] - price * bought
    return float(bought[int(np.argmax(net))])


def _scenarios_for(
    forecast: Forecast, day: date, hours: list[int], extra: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Load and PV scenarios of a day, with the stated reason's extra load in its window."""
    if forecast.scenario_load is not None and forecast.scenario_pv is not None:
        # The history days, scaled to the forecast's level of this day's class.
        own = forecast.load_for(day)
        history = forecast.scenario_load
        scale = float(own.sum()) / np.maximum(history.sum(axis=1, keepdims=True), 1e-9)
        load = history * scale
        pv = forecast.scenario_pv
    else:
        load = np.atleast_2d(forecast.load_for(day))
        pv = np.atleast_2d(forecast.pv_for(day))
    load = load.copy()
    if extra:
        load[:, hours] += extra / len(hours)
    return load, pv


def round_estimate(value: float) -> float:
    """An estimated volume to the nearest 0.5 kWh (never rounded up from nothing)."""
    if value <= 0:
        return 0.0
    return max(CAPACITY_GRID_STEP_KWH, round(value / ESTIMATE_STEP_KWH) * ESTIMATE_STEP_KWH)


def expected_buy_price(
    request: TradeRequest, prefs: Preferences, market_prices: Mapping[date, float] | None
) -> float:
    """The capacity price a buy expects to pay: the market's for its days, else the typical one."""
    known = [p for d, p in (market_prices or {}).items() if d in request.days and p > 0]
    return float(np.median(known)) if known else prefs.expected_price


def shifting_value(prefs: Preferences) -> float:
    """EUR per kWh of capacity a buyer gains: evening price minus the grossed-up daytime value."""
    efficiency = max(prefs.community_efficiency, 0.01)
    return prefs.evening_price - prefs.daytime_value / (efficiency * efficiency)


def _forecast_basis(forecast: Forecast) -> ForecastBasis:
    return ForecastBasis(
        history_days=forecast.history_days,
        fallback=forecast.fallback,
        excluded_days=forecast.excluded_days,
        daily_load_kwh=round(forecast.daily_load_kwh, 1),
        daily_pv_kwh=round(forecast.daily_pv_kwh, 1),
    )


def _raise_if_all_closed(request: TradeRequest, days: Sequence[DayPlan]) -> None:
    """Every requested day is past its gate closure: say when trading opens again."""
    if days and all(d.note == "gate_closed" for d in days):
        first_open = days[-1].day + timedelta(days=1)
        raise InvalidRequestError(
            f"Trading for {request.start_day} has closed",
            {"start_day": request.start_day.isoformat(), "first_day": first_open.isoformat()},
            translation_key="start_day_closed",
        )


def plan_buy(
    request: TradeRequest,
    forecast: Forecast,
    battery: BatterySpec | None,
    commitments: Sequence[Commitment],
    prefs: Preferences,
    *,
    closed_days: Iterable[date] = (),
    market_prices: Mapping[date, float] | None = None,
) -> TradePlan:
    """Per-day buy volumes and the bid limit."""
    closed = set(closed_days)
    time_of_day: TimeOfDay = request.time_of_day or "evening"
    hours = window_hours(time_of_day)
    extra = extra_load_kwh(request.reason)
    price = expected_buy_price(request, prefs, market_prices)
    days: list[DayPlan] = []
    for day in request.days:
        load = forecast.load_for(day)
        pv = forecast.pv_for(day)
        window_demand = float(load[hours].sum())
        surplus = float(np.maximum(pv - load, 0.0).sum())
        already = committed_kwh(commitments, day, "buy")
        own_free = 0.0
        if battery is not None:
            own_free = max(0.0, battery.usable_kwh - committed_kwh(commitments, day, "sell"))
        power_cap = battery.power_cap_kwh(len(hours)) if battery is not None else float("inf")
        if request.kwh_per_day is not None:
            wanted, note = request.kwh_per_day, "user_figure"
        else:
            scenario_load, scenario_pv = _scenarios_for(forecast, day, hours, extra)
            shift = shift_capacity_kwh(
                scenario_load,
                scenario_pv,
                price=price,
                prefs=prefs,
                own_kwh=own_free,
                power_kw=battery.max_power_kw if battery is not None else None,
            )
            window = max(0.0, window_demand + extra - own_free)
            wanted, note = round_estimate(max(shift, window)), "estimate"
        volume = wanted - already
        if volume > power_cap:
            volume, note = power_cap, "capped_by_battery"
        if day in closed:
            volume, note = 0.0, "gate_closed"
        elif committed_kwh(commitments, day, "sell") > 0:
            # The household offers (or sold) its own battery that day: buying capacity back
            # would pay the community for its own battery, and the market refuses it anyway.
            volume, note = 0.0, "selling_that_day"
        elif already > 0 and volume <= 0:
            note = "fully_committed"
        days.append(
            DayPlan(
                day=day,
                kwh=floor_kwh(volume),
                need_kwh=round(window_demand + extra, 1),
                pv_surplus_kwh=round(surplus, 1),
                extra_kwh=round(extra, 1),
                free_capacity_kwh=round(own_free, 1),
                note=note,
            )
        )
    _raise_if_all_closed(request, days)
    if days and all(d.note in ("selling_that_day", "gate_closed") for d in days):
        raise NothingToTradeError(
            "Nothing to buy: the household offers its own battery on every requested day",
            {"side": "buy"},
            translation_key="buying_while_selling",
        )
    if not any(d.kwh > 0 for d in days):
        offering = any(d.note == "selling_that_day" for d in days)
        raise NothingToTradeError(
            "Nothing to buy: the household's own battery covers the need on every day"
            + (" it does not offer" if offering else ""),
            {"side": "buy"},
            translation_key="nothing_to_buy_offering" if offering else "nothing_to_buy",
        )
    computed = shifting_value(prefs)
    cap = request.price_limit if request.price_limit is not None else prefs.max_buy_price
    limit = floor_price(min(computed, cap))
    return TradePlan(
        request=request,
        days=tuple(days),
        limit_price=limit,
        price=PriceBasis(
            computed=round(computed, 3),
            user_limit=cap,
            source="user" if cap < computed else "computed",
            inputs={
                "evening_price": prefs.evening_price,
                "daytime_value": prefs.daytime_value,
                "efficiency": prefs.community_efficiency,
            },
        ),
        forecast=_forecast_basis(forecast),
        usable_capacity_kwh=round(battery.usable_kwh, 1) if battery is not None else 0.0,
    )


def plan_sell(
    request: TradeRequest,
    forecast: Forecast,
    battery: BatterySpec | None,
    commitments: Sequence[Commitment],
    prefs: Preferences,
    *,
    closed_days: Iterable[date] = (),
    market_prices: Mapping[date, float] | None = None,
) -> TradePlan:
    """Per-day sell volumes and the ask limit.

    The ask starts at the going market price of the request's days when that is above the
    floor (wear plus losses, or the user's minimum), so capacity is not given away below what
    others get; the watcher lowers it towards the floor if it does not sell.
    """
    if battery is None or battery.usable_kwh <= 0:
        raise NoBatteryError("Selling storage capacity needs a battery; none is configured")
    closed = set(closed_days)
    away = (request.reason or "").strip().lower() in AWAY_REASONS
    base = base_load_kwh_per_hour(forecast)
    days: list[DayPlan] = []
    for day in request.days:
        load = forecast.load_for(day)
        pv = forecast.pv_for(day)
        # What the battery still has to carry: an empty house's base load through the night;
        # an occupied one's load wherever PV does not cover it.
        if away:
            # Nobody home: only the base load, which solar covers by day; the battery keeps
            # what that day's surplus can carry through the dark hours, the rest is offered.
            need = away_reserve_kwh(base, pv, battery.round_trip_efficiency)
        else:
            # At home the battery serves the house only with what solar can put into it:
            # the day's deficit, as far as the day's surplus fills the battery.
            deficit = float(np.maximum(load - pv, 0.0).sum())
            fillable = float(np.maximum(pv - load, 0.0).sum()) * battery.round_trip_efficiency
            need = min(deficit, fillable)
        need = min(need, battery.usable_kwh)
        sold = committed_kwh(commitments, day, "sell")
        free, note = offerable_kwh(
            battery,
            own_need_kwh=need,
            already_sold_kwh=sold,
            buying_kwh=committed_kwh(commitments, day, "buy"),
        )
        volume = free
        if request.kwh_per_day is not None:
            # The user's figure is the day's total on offer, as for a buy: what is already
            # offered that day counts towards it.
            wanted = max(0.0, request.kwh_per_day - sold)
            if wanted <= free:
                volume, note = wanted, "user_figure"
            elif free > 0:
                note = "capped_by_battery"
        if prefs.max_sell_kwh_per_day is not None:
            volume = min(volume, max(0.0, prefs.max_sell_kwh_per_day - sold))
        if day in closed:
            volume, note = 0.0, "gate_closed"
        elif floor_kwh(volume) <= 0 and note not in ("no_battery", "household_needs_it"):
            # Less than one 0.1 kWh step left: the day is as full as it gets.
            note = "fully_committed" if sold > 0 else "household_needs_it"
        days.append(
            DayPlan(
                day=day,
                kwh=floor_kwh(volume),
                need_kwh=round(need, 1),
                pv_surplus_kwh=0.0,
                extra_kwh=0.0,
                free_capacity_kwh=round(max(0.0, battery.usable_kwh - sold), 1),
                note=note,
            )
        )
    _raise_if_all_closed(request, days)
    if not any(d.kwh > 0 for d in days):
        raise NothingToTradeError(
            "Nothing to offer: the battery is already committed or needed on every day",
            {"side": "sell", "usable_kwh": f"{battery.usable_kwh:.1f}"},
            translation_key="nothing_to_offer",
        )
    computed = min_sell_price(battery, prefs.daytime_value)
    floor = request.price_limit if request.price_limit is not None else prefs.min_sell_price
    known = [
        price for day, price in (market_prices or {}).items() if day in request.days and price > 0
    ]
    market = float(np.median(known)) if known else 0.0
    limit = ceil_price(max(computed, floor, market))
    return TradePlan(
        request=request,
        days=tuple(days),
        limit_price=limit,
        price=PriceBasis(
            computed=round(computed, 3),
            user_limit=floor,
            source="user" if floor > computed else "computed",
            inputs={
                "market_price": round(market, 3),
                "wear_cost": battery.wear_eur_per_kwh,
                "efficiency": battery.round_trip_efficiency,
                "energy_value": prefs.daytime_value,
            },
        ),
        forecast=_forecast_basis(forecast),
        usable_capacity_kwh=round(battery.usable_kwh, 1),
    )


def plan_request(
    request: TradeRequest,
    forecast: Forecast,
    battery: BatterySpec | None,
    commitments: Sequence[Commitment],
    prefs: Preferences,
    *,
    closed_days: Iterable[date] = (),
    market_prices: Mapping[date, float] | None = None,
) -> TradePlan:
    """Plan a buy or a sell."""
    if request.side == "buy":
        return plan_buy(
            request,
            forecast,
            battery,
            commitments,
            prefs,
            closed_days=closed_days,
            market_prices=market_prices,
        )
    return plan_sell(
        request,
        forecast,
        battery,
        commitments,
        prefs,
        closed_days=closed_days,
        market_prices=market_prices,
    )


def price_floor(plan: TradePlan) -> float:
    """The lowest ask a sell may be re-priced to (wear plus losses, or the user's minimum)."""
    return ceil_price(max(plan.price.computed, plan.price.user_limit or 0.0))


def price_cap(plan: TradePlan) -> float:
    """The highest bid a buy may be re-priced to."""
    cap = plan.price.user_limit if plan.price.user_limit is not None else plan.price.computed
    return floor_price(min(plan.price.computed, cap))
