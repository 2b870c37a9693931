"""A request (buy or sell, days, reason, limits) becomes per-day volumes and one limit price.

Every figure comes from the household's tariff (``tariff.py``: the import price of the hours
the capacity serves, the feed-in price of its own surplus) and the community's energy price;
the delivery model is ``docs/delivery.md``.

Buy: bought capacity is filled by the household's own export first, then at the start of the
evening window by shared energy - neighbours' stored solar, paid at the community's energy
price. The agent buys only what it expects to fill and use with a positive saving: the need
of the time window (evening by default, plus the stated reason's extra load, minus what the
household's own battery covers from its own surplus), filled by the forecast export, and of the
rest the share the community is expected to fill (measured by the market over the last
settled days, else a conservative assumption for the month, ``ASSUMED_FILL_BY_MONTH``). A kWh
filled with own export saves the import price minus its feed-in grossed up for the losses,
one filled with shared energy the import price minus the energy price; a part is bought only
where that is above the expected capacity price, and the bid is capped at it. A figure the
user states is honoured; the plan then says when it is expected to lose money.

Sell: usable capacity minus what the house still needs from the battery (its deficit, as far as
the day's solar surplus can fill the battery) and minus everything already offered that day; no
sale on a day the household is buying for. Of that, only what the seller expects to fill: its
own surplus beyond its need, then the community's surplus (the same expected share), and from
the grid only where the community allows grid charging and the cheapest hours of the seller's
tariff cost no more than the energy price minus wear; and of that, only the share of sold
capacity the battery delivered on its last settled selling days (its own record, measured on the
export meter by the server), when that is less than all. Away (holiday) means away: the house
draws only its base load (fridge, standby, from history), solar covers it by day, and the
battery keeps only what that day's solar surplus can carry into the night (at least a small
safety margin). The ask floor is what a sold kWh costs (wear, and the feed-in the stored
surplus gives up) minus the energy price it earns, and at least the user's minimum.

Explicit user figures override the estimates but never the battery. Estimated buy volumes are
rounded down to 0.5 kWh (the forecast is not finer than that), volumes otherwise down to 0.1
kWh; a bid cap is rounded down and an ask floor up to 0.001 EUR/kWh.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
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
    EnergyBasis,
    ForecastBasis,
    OrderState,
    PriceBasis,
    TimeOfDay,
    TradePlan,
    TradeRequest,
)
from .tariff import Tariff, fixed

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
# The community's price of shared energy when the server does not say (docs/delivery.md).
DEFAULT_ENERGY_PRICE_EUR_PER_KWH = 0.12
# The community's price of own-credit energy (a buyer's own export drawn back from a seller's
# reserve) as the server sets it by default: the 2026 German feed-in for small PV.
DEFAULT_COMMUNITY_FEED_IN_EUR_PER_KWH = 0.078
# Without measured deliveries: the share of capacity the community's solar surplus is assumed
# to fill, by month. Germany's PV yield per kWp relative to June's (PVGIS), times 0.9; it is
# conservative because the surplus left after self-consumption falls faster than the yield.
ASSUMED_FILL_BY_MONTH: dict[int, float] = {
    1: 0.16, 2: 0.29, 3: 0.51, 4: 0.74, 5: 0.86, 6: 0.9,
    7: 0.9, 8: 0.8, 9: 0.58, 10: 0.39, 11: 0.19, 12: 0.13,
}  # fmt: skip
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
# A seller's own surplus is counted as on the poorer of its recent days: this quantile.
SELL_FILL_QUANTILE = 0.2
# An open offer is cut to a fallen record only when that takes at least this share off it: the
# record moves a little with every settled selling day, and each cut is a new request on the
# market and a notification to the household.
RECORD_CUT_MIN_SHARE = 0.1
# Order statuses whose unfilled remainder can still fill (the wire contract's).
OPEN_ORDER_STATUSES = frozenset({"open", "partially_filled"})
# A household that configured no tariff: the 2026 average fixed price and feed-in.
DEFAULT_TARIFF: Tariff = fixed()


@dataclass(frozen=True, slots=True)
class Preferences:
    """The household's options and the prices the agent values energy at."""

    max_buy_price: float
    min_sell_price: float
    # The household's own tariff: import price per hour and feed-in price.
    tariff: Tariff = DEFAULT_TARIFF
    # The community's price of shared energy and whether sellers may charge from the grid.
    energy_price: float = DEFAULT_ENERGY_PRICE_EUR_PER_KWH
    grid_charging: bool = False
    # The community's price of own-credit energy (``feed_in_price`` in GET /api/v1/me): what a
    # delivered kWh earns when it held a buyer's own export rather than shared energy.
    community_feed_in_price: float = DEFAULT_COMMUNITY_FEED_IN_EUR_PER_KWH
    # The community's round-trip efficiency (losses are the buyer's).
    community_efficiency: float = 0.95
    # The server's per-household cap on sold kWh per day, if known.
    max_sell_kwh_per_day: float | None = None
    # The capacity price a buyer expects when the market has none for its days yet.
    expected_price: float = EXPECTED_CAPACITY_PRICE_EUR_PER_KWH
    # Measured by the market over its last settled days (None: nothing settled yet): the share
    # of sold capacity sellers delivered, and the shared energy billed per kWh bought.
    filled_per_kwh_sold: float | None = None
    shared_kwh_per_kwh_bought: float | None = None
    # The household's own record as a seller (GET /me): kWh its battery delivered per kWh it
    # sold over its last settled selling days (None: nothing settled yet).
    own_delivered_per_kwh_sold: float | None = None
    own_delivery_days: int = 0


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


def community_fill(prefs: Preferences, day: date) -> tuple[float, bool]:
    """The share of capacity the community's surplus is expected to fill, and whether measured.

    The market's measured share of sold capacity that sellers delivered when it has one;
    otherwise the season's assumption (``ASSUMED_FILL_BY_MONTH``).
    """
    if prefs.filled_per_kwh_sold is not None:
        return min(max(prefs.filled_per_kwh_sold, 0.0), 1.0), True
    return ASSUMED_FILL_BY_MONTH[day.month], False


def energy_values(prefs: Preferences, hours: Sequence[int]) -> tuple[float, float, float]:
    """EUR per kWh of capacity: (import price avoided, value filled with own export, value
    filled with shared energy).

    Own export gives up its feed-in and loses a little on the way in and out (grossed up by
    the efficiency twice); shared energy is paid at the community's energy price.
    """
    imported = prefs.tariff.mean_import(hours)
    efficiency = max(prefs.community_efficiency, 0.01)
    own = imported - prefs.tariff.feed_in / (efficiency * efficiency)
    shared = imported - prefs.energy_price
    return imported, own, shared


@dataclass(frozen=True, slots=True)
class BuyFill:
    """What is expected to fill a day's bought capacity and what it saves."""

    # Capacity filled by the household's own export, and the shared energy expected on top.
    own_kwh: float
    shared_kwh: float
    # The capacity that would be used if every kWh filled (own fill plus the rest of the need).
    wanted_kwh: float
    # Expected EUR saved over the day after paying capacity and shared energy.
    saving_eur: float


def expected_buy_fill(
    volume: float | None,
    *,
    need_kwh: float,
    own_export_kwh: float,
    fill_share: float,
    price: float,
    prefs: Preferences,
    values: tuple[float, float, float],
) -> BuyFill:
    """How ``volume`` kWh (or, for None, the volume worth buying) fill and pay on one day.

    Own export fills the capacity first. Of the rest of the need, the community's surplus is
    expected to cover ``fill_share``: capacity beyond that is expected to stay empty. Without a
    volume, each part is bought only when its kWh saves more than the capacity price, and only
    as much as is expected to fill: the own fill, and the expected shared energy.
    """
    _, own_value, shared_value = values
    efficiency = max(prefs.community_efficiency, 0.01)
    own_fill = min(own_export_kwh, need_kwh / efficiency)
    rest = max(0.0, need_kwh - own_fill * efficiency)
    wanted = own_fill + rest
    if volume is None:
        own = own_fill if own_value > price else 0.0
        shared = fill_share * rest if shared_value > price else 0.0
        saving = own * (own_value - price) + shared * (shared_value - price)
        return BuyFill(own, shared, wanted, saving)
    own = min(volume, own_fill)
    shared = min(max(0.0, volume - own), fill_share * rest)
    saving = own * own_value + shared * shared_value - volume * price
    return BuyFill(own, shared, wanted, saving)


def round_down_estimate(value: float) -> float:
    """An estimated volume down to 0.5 kWh, or to 0.1 kWh below 0.5: only what is expected."""
    if value < ESTIMATE_STEP_KWH:
        return floor_kwh(value)
    return math.floor(value / ESTIMATE_STEP_KWH + 1e-6) * ESTIMATE_STEP_KWH


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
    values = energy_values(prefs, hours)
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
        # The household's own battery takes its own surplus first and serves the window with it;
        # what it cannot take is exported and fills the bought capacity.
        own_battery = min(own_free, surplus)
        efficiency = battery.round_trip_efficiency if battery is not None else 1.0
        need = max(0.0, window_demand + extra - own_battery * efficiency)
        export = max(0.0, surplus - own_battery)
        share, _ = community_fill(prefs, day)
        power_cap = battery.power_cap_kwh(len(hours)) if battery is not None else float("inf")
        figure = request.kwh_per_day
        fill = expected_buy_fill(
            figure,
            need_kwh=need,
            own_export_kwh=export,
            fill_share=share,
            price=price,
            prefs=prefs,
            values=values,
        )
        if figure is not None:
            wanted, note = figure, "user_figure"
        else:
            # Only what is expected to fill: the own export, the expected shared energy.
            wanted = round_down_estimate(fill.own_kwh + fill.shared_kwh)
            note = "estimate" if wanted >= round_down_estimate(fill.wanted_kwh) else "fill_limited"
            if need <= 0:
                note = "covered"
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
        kwh = floor_kwh(volume)
        if kwh > 0 and figure is None:
            # The figures of what is actually bought (the step may round a little off).
            fill = expected_buy_fill(
                kwh + already,
                need_kwh=need,
                own_export_kwh=export,
                fill_share=share,
                price=price,
                prefs=prefs,
                values=values,
            )
        days.append(
            DayPlan(
                day=day,
                kwh=kwh,
                need_kwh=round(window_demand + extra, 1),
                pv_surplus_kwh=round(surplus, 1),
                extra_kwh=round(extra, 1),
                free_capacity_kwh=round(own_free, 1),
                note=note,
                own_fill_kwh=round(fill.own_kwh, 1) if kwh > 0 else 0.0,
                shared_kwh=round(fill.shared_kwh, 1) if kwh > 0 else 0.0,
                wanted_kwh=round(fill.wanted_kwh, 1),
                saving_eur=round(fill.saving_eur, 2) if kwh > 0 else 0.0,
            )
        )
    _raise_if_all_closed(request, days)
    if days and all(d.note in ("selling_that_day", "gate_closed") for d in days):
        raise NothingToTradeError(
            "Nothing to buy: the household offers its own battery on every requested day",
            {"side": "buy"},
            translation_key="buying_while_selling",
        )
    share, measured = community_fill(prefs, request.start_day)
    imported, own_value, shared_value = values
    basis = EnergyBasis(
        energy_price=prefs.energy_price,
        import_price=round(imported, 3),
        feed_in=prefs.tariff.feed_in,
        tariff=prefs.tariff.kind,
        fill_share=round(share, 2),
        fill_measured=measured,
        grid_charging=prefs.grid_charging,
        own_value=round(own_value, 3),
        shared_value=round(shared_value, 3),
        capacity_price=round(price, 3),
    )
    if not any(d.kwh > 0 for d in days):
        offering = any(d.note == "selling_that_day" for d in days)
        if offering or all(d.note in ("covered", "fully_committed") for d in days):
            raise NothingToTradeError(
                "Nothing to buy: the household's own battery covers the need on every day"
                + (" it does not offer" if offering else ""),
                {"side": "buy"},
                translation_key="nothing_to_buy_offering" if offering else "nothing_to_buy",
            )
        raise NothingToTradeError(
            "Nothing to buy: no capacity is expected to fill and save more than it costs",
            nothing_worth_buying_placeholders(days, basis),
            translation_key="nothing_worth_buying",
        )
    computed = buy_value(days, own_value=own_value, shared_value=shared_value)
    cap = request.price_limit if request.price_limit is not None else prefs.max_buy_price
    limit = floor_price(min(computed, cap))
    saving = round(sum(d.saving_eur for d in days if d.kwh > 0), 2)
    basis = replace(basis, expected_saving_eur=saving, loses_money=saving < 0)
    return TradePlan(
        request=request,
        days=tuple(days),
        limit_price=limit,
        price=PriceBasis(
            computed=round(computed, 3),
            user_limit=cap,
            source="user" if cap < computed else "computed",
            inputs={
                "import_price": round(imported, 3),
                "feed_in": prefs.tariff.feed_in,
                "energy_price": prefs.energy_price,
                "efficiency": prefs.community_efficiency,
            },
        ),
        forecast=_forecast_basis(forecast),
        usable_capacity_kwh=round(battery.usable_kwh, 1) if battery is not None else 0.0,
        energy=basis,
    )


def buy_value(days: Sequence[DayPlan], *, own_value: float, shared_value: float) -> float:
    """The most a kWh of the bought capacity may cost: what its fill saves.

    Shared energy saves the import price minus the energy price, own export the import price
    minus its feed-in grossed up for losses; with both in the plan the lower one bounds the bid,
    so no part is bought at a loss.
    """
    traded = [d for d in days if d.kwh > 0]
    if any(d.shared_kwh > 0 for d in traded) or not any(d.own_fill_kwh > 0 for d in traded):
        return max(0.0, min(shared_value, own_value))
    return max(0.0, own_value)


def nothing_worth_buying_placeholders(
    days: Sequence[DayPlan], basis: EnergyBasis
) -> dict[str, str]:
    """The figures of "nothing worth buying": need, own export, fill share and the prices."""
    open_days = [d for d in days if d.note not in ("gate_closed", "selling_that_day")] or list(days)
    count = len(open_days)
    return {
        "side": "buy",
        "need_kwh": f"{sum(d.need_kwh for d in open_days) / count:.1f}",
        "export_kwh": f"{sum(d.pv_surplus_kwh for d in open_days) / count:.1f}",
        "fill_pct": f"{round(basis.fill_share * 100)}",
        "import_price": f"{basis.import_price:.3f}",
        "energy_price": f"{basis.energy_price:.3f}",
        "capacity_price": f"{basis.capacity_price:.3f}",
        "shared_value": f"{basis.shared_value:.3f}",
    }


def own_record(prefs: Preferences) -> float | None:
    """The share of sold capacity the household's battery delivered on its last settled
    selling days, when that is below all of it (None: not measured, or delivered in full)."""
    record = prefs.own_delivered_per_kwh_sold
    if record is None or record >= 1.0:
        return None
    return max(record, 0.0)


def record_supported_kwh(
    orders: Iterable[OrderState],
    *,
    sized_with: float | None,
    record: float | None,
    open_days: Container[date],
) -> dict[str, float]:
    """The days of an open offer its seller's fallen record no longer supports -> order id to
    the kWh that day's offer keeps (its filled part included; 0: withdraw the remainder).

    ``sized_with`` is the record the offer's volumes were sized with (``own_record`` when it was
    placed; None: not limited by one), ``record`` the household's record now (GET /me). Sizing a
    new offer multiplies its expected fill by the record (``plan_sell``); an offer placed before
    the record fell keeps the same share of it: ``record / sized_with`` of each day's volume,
    rounded down to the volume step. Only remainders that can still fill on a day whose gate is
    open change, and only when the record fell by at least ``RECORD_CUT_MIN_SHARE`` of what the
    offer was sized with; what already filled is sold and stays.
    """
    now = 1.0 if record is None else min(max(record, 0.0), 1.0)
    then = 1.0 if sized_with is None else min(max(sized_with, 0.0), 1.0)
    if then <= 0.0 or now > then * (1.0 - RECORD_CUT_MIN_SHARE):
        return {}
    kept: dict[str, float] = {}
    for order in orders:
        if (
            order.status not in OPEN_ORDER_STATUSES
            or order.day not in open_days
            or order.volume_kwh - order.filled_kwh < 0.05
        ):
            continue
        supported = max(floor_kwh(order.volume_kwh * now / then), order.filled_kwh)
        if supported < order.volume_kwh - 0.05:
            kept[order.order_id] = round(supported, 1)
    return kept


def sell_cost(battery: BatterySpec, prefs: Preferences) -> float:
    """EUR per kWh of capacity a sale must earn beyond the energy the delivered kWh is paid:
    wear, plus the feed-in the stored surplus gives up, grossed up for the losses, minus that
    energy money; never below the wear and losses of ``min_sell_price``'s cycle less it, nor 0.

    A delivered kWh earns at least the community's feed-in price (when it held a buyer's own
    credit) and at most its energy price (when it was shared energy); which one is known only
    at settlement, so the floor counts the lower, the feed-in price."""
    efficiency = max(battery.round_trip_efficiency, 0.01)
    earned = min(prefs.community_feed_in_price, prefs.energy_price)
    stored = battery.wear_eur_per_kwh + prefs.tariff.feed_in / efficiency - earned
    return max(stored, min_sell_price(battery, prefs.tariff.feed_in) - earned, 0.0)


def seller_day(
    load: npt.NDArray[np.float64],
    pv: npt.NDArray[np.float64],
    battery: BatterySpec,
    *,
    base: float,
    away: bool,
) -> tuple[float, float]:
    """A selling day's (own need, fillable kWh) for its hourly load and PV.

    Away, nobody is home: only the base load remains, which solar covers by day; the battery
    keeps what that day's surplus can carry through the dark hours. At home the battery serves
    the house only with what solar can put into it: the day's deficit, as far as the day's
    surplus fills the battery.
    """
    efficiency = battery.round_trip_efficiency
    if away:
        need = away_reserve_kwh(base, pv, efficiency)
        fillable = float(np.maximum(pv - base, 0.0).sum()) * efficiency
    else:
        deficit = float(np.maximum(load - pv, 0.0).sum())
        fillable = float(np.maximum(pv - load, 0.0).sum()) * efficiency
        need = min(deficit, fillable)
    return min(need, battery.usable_kwh), fillable


@dataclass(frozen=True, slots=True)
class PoorDay:
    """A selling day as the poorer of the recent days (``SELL_FILL_QUANTILE``) would run it."""

    # The own surplus the reserve takes beyond the house's need, in sold kWh.
    own_surplus_kwh: float
    # The solar surplus over the load on that day against the average day's: what a neighbour
    # without a battery exports shrinks as this does (the same sky, the same evenings), much
    # faster than the solar yield. 1 for a house without solar, which has no sky to judge by.
    surplus_share: float


def poor_day(
    forecast: Forecast, battery: BatterySpec, prefs: Preferences, *, base: float, away: bool
) -> PoorDay | None:
    """A poor selling day from the recent days the forecast keeps as scenarios (None without).

    A sale sized on the average day falls short on every day below it (a November week has
    bright days and grey ones), and a shortfall is refunded and leaves a buyer's evening on the
    grid; sized on a poor day it is delivered on four days of five.
    """
    if forecast.scenario_load is None or forecast.scenario_pv is None:
        return None
    if not len(forecast.scenario_pv):
        return None
    scenarios = list(zip(forecast.scenario_load, forecast.scenario_pv, strict=True))
    beyond_need = [
        max(0.0, fillable - need) * prefs.community_efficiency
        for need, fillable in (
            seller_day(load, pv, battery, base=base, away=away) for load, pv in scenarios
        )
    ]
    over_load = [float(np.maximum(pv - load, 0.0).sum()) for load, pv in scenarios]
    average = float(np.mean(over_load))
    share = float(np.quantile(over_load, SELL_FILL_QUANTILE)) / average if average > 0 else 1.0
    return PoorDay(float(np.quantile(beyond_need, SELL_FILL_QUANTILE)), min(share, 1.0))


def sell_grid_charging_pays(battery: BatterySpec, prefs: Preferences) -> bool:
    """Grid energy may fill the reserve: the community allows it and the seller's cheapest
    hours before the evening cost no more than the energy price minus wear."""
    if not prefs.grid_charging:
        return False
    hours = prefs.tariff.cheapest_hours(4, before=WINDOWS["evening"][0])
    return prefs.tariff.mean_import(hours) <= prefs.energy_price - battery.wear_eur_per_kwh


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
    grid_ok = sell_grid_charging_pays(battery, prefs)
    poor = poor_day(forecast, battery, prefs, base=base, away=away)
    poor_lowered = False
    for day in request.days:
        need, fillable = seller_day(
            forecast.load_for(day), forecast.pv_for(day), battery, base=base, away=away
        )
        sold = committed_kwh(commitments, day, "sell")
        free, note = offerable_kwh(
            battery,
            own_need_kwh=need,
            already_sold_kwh=sold,
            buying_kwh=committed_kwh(commitments, day, "buy"),
        )
        # What is expected to fill the day's reserve (in sold kWh: the reserve after losses),
        # counted over all of it, what is already offered that day included, so that a top-up
        # adds only what the expectation has left: the own surplus beyond the house's need
        # first, then the community's surplus, then the grid where that pays.
        sellable = free + sold if free > 0 else 0.0
        share, _ = community_fill(prefs, day)
        own = min(sellable, max(0.0, fillable - need) * prefs.community_efficiency)
        if poor is not None:
            average_day = own + share * max(0.0, sellable - own)
            own = min(own, poor.own_surplus_kwh)
            share *= poor.surplus_share
            poor_lowered |= own + share * max(0.0, sellable - own) < average_day - 0.05
        community = share * max(0.0, sellable - own)
        grid = max(0.0, sellable - own - community) if grid_ok else 0.0
        expected = own + community + grid
        if note == "estimate" and expected < sellable - 0.05:
            note = "fill_limited"
        # The battery's own record: capacity it did not deliver before is not expected now.
        record = own_record(prefs)
        if record is not None and expected * record < expected - 0.05:
            expected *= record
            if note in ("estimate", "fill_limited"):
                note = "record_limited"
        volume = min(free, max(0.0, expected - sold))
        if sold > 0 and floor_kwh(volume) <= 0 and note in ("fill_limited", "record_limited"):
            # What is already offered is all this day is expected to fill.
            note = "fill_offered"
        if request.kwh_per_day is not None:
            # The user's figure is the day's total on offer, as for a buy: what is already
            # offered that day counts towards it.
            wanted = max(0.0, request.kwh_per_day - sold)
            if wanted <= free:
                volume, note = wanted, "user_figure"
            elif free > 0:
                volume, note = free, "capped_by_battery"
        if prefs.max_sell_kwh_per_day is not None:
            volume = min(volume, max(0.0, prefs.max_sell_kwh_per_day - sold))
        if day in closed:
            volume, note = 0.0, "gate_closed"
        elif floor_kwh(volume) <= 0 and note not in (
            "no_battery",
            "household_needs_it",
            "fill_limited",
            "record_limited",
            "fill_offered",
        ):
            # Less than one 0.1 kWh step left: the day is as full as it gets.
            note = "fully_committed" if sold > 0 else "household_needs_it"
        kwh = floor_kwh(volume)
        # What is already offered takes the own surplus first, then the community's.
        own_part = min(kwh, max(0.0, own - sold))
        community_part = min(kwh - own_part, max(0.0, community - max(0.0, sold - own)))
        days.append(
            DayPlan(
                day=day,
                kwh=kwh,
                need_kwh=round(need, 1),
                pv_surplus_kwh=0.0,
                extra_kwh=0.0,
                free_capacity_kwh=round(max(0.0, battery.usable_kwh - sold), 1),
                note=note,
                own_fill_kwh=round(own_part, 1),
                shared_kwh=round(community_part, 1),
                grid_kwh=round(max(0.0, kwh - own_part - community_part), 1) if grid_ok else 0.0,
                wanted_kwh=round(free, 1),
            )
        )
    _raise_if_all_closed(request, days)
    if not any(d.kwh > 0 for d in days):
        record = own_record(prefs)
        if record is not None and any(d.note == "record_limited" for d in days):
            raise NothingToTradeError(
                "Nothing to offer: the battery delivered too little of what it sold before",
                {
                    "side": "sell",
                    "delivered_pct": f"{round(record * 100)}",
                    "days": f"{prefs.own_delivery_days}",
                },
                translation_key="nothing_delivered",
            )
        offered = [
            committed_kwh(commitments, d.day, "sell") for d in days if d.note == "fill_offered"
        ]
        if offered and not any(d.note == "fill_limited" for d in days):
            raise NothingToTradeError(
                "Nothing more to offer: what is offered is all that is expected to fill",
                {"side": "sell", "offered_kwh": f"{sum(offered) / len(offered):.1f}"},
                translation_key="nothing_more_to_fill",
            )
        if any(d.note == "fill_limited" for d in days):
            share, _ = community_fill(prefs, request.start_day)
            if poor is not None:
                share *= poor.surplus_share
            raise NothingToTradeError(
                "Nothing to offer: no surplus is expected to fill the free capacity",
                {
                    "side": "sell",
                    "free_kwh": f"{max(d.wanted_kwh for d in days):.1f}",
                    "fill_pct": f"{round(share * 100)}",
                },
                translation_key="nothing_to_fill",
            )
        raise NothingToTradeError(
            "Nothing to offer: the battery is already committed or needed on every day",
            {"side": "sell", "usable_kwh": f"{battery.usable_kwh:.1f}"},
            translation_key="nothing_to_offer",
        )
    computed = sell_cost(battery, prefs)
    floor = request.price_limit if request.price_limit is not None else prefs.min_sell_price
    known = [
        price for day, price in (market_prices or {}).items() if day in request.days and price > 0
    ]
    market = float(np.median(known)) if known else 0.0
    limit = ceil_price(max(computed, floor, market))
    share, measured = community_fill(prefs, request.start_day)
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
                "feed_in": prefs.tariff.feed_in,
                "energy_price": prefs.energy_price,
                "community_feed_in_price": prefs.community_feed_in_price,
            },
        ),
        forecast=_forecast_basis(forecast),
        usable_capacity_kwh=round(battery.usable_kwh, 1),
        energy=EnergyBasis(
            energy_price=prefs.energy_price,
            import_price=round(prefs.tariff.mean_import(window_hours("evening")), 3),
            feed_in=prefs.tariff.feed_in,
            tariff=prefs.tariff.kind,
            fill_share=round(share, 2),
            fill_measured=measured,
            grid_charging=prefs.grid_charging,
            delivered_share=own_record(prefs),
            delivery_days=prefs.own_delivery_days,
            poor_day_share=round(poor.surplus_share, 2) if poor and poor_lowered else None,
            capacity_price=round(limit, 3),
            # Capacity price plus the energy money earned (counted at the feed-in price), minus
            # wear and the feed-in given up.
            expected_saving_eur=round(sum(d.kwh for d in days) * (limit - computed), 2),
        ),
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
