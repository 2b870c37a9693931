"""One simulated household: its routine, and the integration's agent turning it into orders.

What a family wants is its routine: a flat without a battery buys capacity for its coming
evenings, an electric-car owner for charging the car in the evenings, a battery house offers
what it can spare on the coming days and its battery for the week it is away (planned as soon
as the days can be traded); the agent sizes every one of these from the house's forecast and
tariff, so nobody sells a reserve the day's surplus cannot fill. Whether the family looks at
the market on a tick is drawn from a seeded random generator. How much capacity that means and
at what price is never random: it comes from the integration's own planner
(``custom_components.community_storage.agent``) fed with the house's hourly history, its battery
and its owner's price preferences, exactly as a real household's agent would compute it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from custom_components.community_storage.agent.battery import (
    BatterySpec,
    Commitment,
    commitments_from_wire,
)
from custom_components.community_storage.agent.errors import TradingError
from custom_components.community_storage.agent.forecast import (
    DailyHistory,
    Forecast,
    build_forecast,
)
from custom_components.community_storage.agent.planner import (
    DEFAULT_ENERGY_PRICE_EUR_PER_KWH,
    Preferences,
    plan_request,
)
from custom_components.community_storage.agent.plans import MAX_DAYS, TradePlan, TradeRequest
from custom_components.community_storage.market_client.models import Side

from .battery import RESERVE_SHARE
from .profiles import TIMEZONE, HouseProfile, load_kw, on_trip, pv_kw, tariff_of

HISTORY_DAYS = 28


# Days a household plans its own needs for: the coming week (open days from the first).
NEAR_DAYS = 7
# Saturday's weekday(): a commuter's car stays at home from then on.
WEEKEND = 5


@dataclass(frozen=True, slots=True)
class Temperament:
    """How a household values capacity and how often it looks at the market."""

    max_buy_price: float
    min_sell_price: float
    # The floor a battery house asks while away (its battery is idle anyway).
    holiday_price: float
    wear_eur_per_kwh: float
    # Chance per tick that the household's agent tops up its orders.
    activity: float


@dataclass(frozen=True, slots=True)
class LifeEvent:
    """Something that makes a household buy or sell capacity, with the days it covers."""

    side: str
    reason: str | None
    start_day: date
    num_days: int
    time_of_day: str | None
    # The family's own figures, when it has any (None: the agent estimates).
    kwh_per_day: float | None = None
    price_limit: float | None = None
    # The days it is for (between start_day and its end, gaps allowed); empty: all of them.
    days: tuple[date, ...] = ()


def temperament_of(profile: HouseProfile) -> Temperament:
    """Price preferences within the design's reference figures, fixed per house.

    Flats and electric-car owners pay up to about 9-10 cents for the coming evenings. Half the
    battery houses give up capacity on the coming days for about 9 cents, the other half only
    at a premium (10-12 cents); both let their idle battery go for 6-7 cents while away, which
    they plan weeks ahead. That is what makes the street's prices: about 0.09 EUR/kWh for the
    coming week, about 0.07 further ahead.
    """
    rng = random.Random(profile.seed ^ 0x5EED)
    keen = rng.random() < 0.5
    return Temperament(
        max_buy_price=round(
            rng.uniform(0.092, 0.099) if profile.kind == "ev" else rng.uniform(0.09, 0.096), 3
        ),
        min_sell_price=round(rng.uniform(0.085, 0.09) if keen else rng.uniform(0.10, 0.12), 3),
        holiday_price=round(rng.uniform(0.06, 0.07), 3),
        wear_eur_per_kwh=round(rng.uniform(0.025, 0.05), 3),
        activity=round(rng.uniform(0.3, 0.6), 2),
    )


def local_day_start(day: date) -> datetime:
    """Local midnight of ``day`` in the community's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=TIMEZONE)


def history_of(profile: HouseProfile, today: date, days: int = HISTORY_DAYS) -> DailyHistory:
    """Hourly kWh of load and PV of the ``days`` days before ``today`` (what a recorder holds)."""
    first = today - timedelta(days=days)
    load = np.zeros((days, 24))
    pv = np.zeros((days, 24))
    for row in range(days):
        midnight = local_day_start(first + timedelta(days=row))
        for hour in range(24):
            # An hour's average kW is its kWh.
            moment = midnight + timedelta(hours=hour)
            load[row, hour] = load_kw(profile, moment)
            pv[row, hour] = pv_kw(profile, moment)
    return DailyHistory(start=first, load=load, pv=pv)


class SimulatedHousehold:
    """A house, its owner's temperament, and its agent's view of the market."""

    def __init__(self, profile: HouseProfile, household_id: str, token: str) -> None:
        """A household that has joined the market with ``token``."""
        self.profile = profile
        self.household_id = household_id
        self.token = token
        self.temperament = temperament_of(profile)
        self.battery = (
            BatterySpec(
                capacity_kwh=profile.battery_kwh,
                min_soc=RESERVE_SHARE,
                max_power_kw=profile.battery_power_kw,
                wear_eur_per_kwh=self.temperament.wear_eur_per_kwh,
            )
            if profile.battery_kwh > 0
            else None
        )
        self._forecast: Forecast | None = None

    def forecast(self, today: date) -> Forecast:
        """The agent's forecast from today on, rebuilt when the day changes."""
        if self._forecast is None or self._forecast.start != today:
            self._forecast = build_forecast(history_of(self.profile, today), today)
        return self._forecast

    def preferences(
        self,
        efficiency: float,
        max_sell_kwh: float | None,
        *,
        today: date | None = None,
        community: Mapping[str, Any] | None = None,
        delivery: Mapping[str, Any] | None = None,
        own_delivery: Mapping[str, Any] | None = None,
    ) -> Preferences:
        """The owner's options as the agent's planner takes them: its prices, its tariff, and
        what the community says (``GET /me``'s energy price, grid charging and the house's own
        delivery record, ``GET /market``'s measured delivery)."""
        community = community or {}
        delivery = delivery or {}
        own_delivery = own_delivery or {}
        return Preferences(
            max_buy_price=self.temperament.max_buy_price,
            min_sell_price=self.temperament.min_sell_price,
            tariff=tariff_of(self.profile, today or date.today()),
            energy_price=float(community.get("energy_price", DEFAULT_ENERGY_PRICE_EUR_PER_KWH)),
            community_feed_in_price=float(community.get("feed_in_price", 0.0)),
            grid_charging=bool(community.get("grid_charging", False)),
            community_efficiency=efficiency,
            max_sell_kwh_per_day=max_sell_kwh,
            filled_per_kwh_sold=delivery.get("filled_per_kwh_sold"),
            shared_kwh_per_kwh_bought=delivery.get("shared_kwh_per_kwh_bought"),
            own_delivered_per_kwh_sold=own_delivery.get("delivered_per_kwh_sold"),
            own_delivery_days=int(own_delivery.get("days") or 0),
        )

    def wishes(self, today: date, open_days: Sequence[date]) -> list[LifeEvent]:
        """What the family wants its agent to hold on the market right now.

        The agent tops these up: days already covered by an order come out of the planner
        with nothing left to trade, so asking again each tick places only what is missing.
        """
        if not open_days:
            return []
        # The coming week: the first seven days that can still be traded.
        near = sorted(open_days)[:NEAR_DAYS]
        kind = self.profile.kind
        if kind == "flat":
            return [_event("buy", None, near, "evening")]
        if kind == "ev":
            # The car is charged after work: the working days for the car, the weekend's
            # evenings as the family's own.
            workdays = [d for d in near if d.weekday() < WEEKEND]
            weekend = [d for d in near if d.weekday() >= WEEKEND]
            events = [
                _event("buy", "ev", workdays, "evening"),
                _event("buy", None, weekend, "evening"),
            ]
            return [e for e in events if e.num_days > 0]
        trip = [d for d in open_days if on_trip(self.profile, d)]
        home = [d for d in near if d not in trip]
        events = []
        if trip:
            events.append(
                _event("sell", "holiday", trip, None, price=self.temperament.holiday_price)
            )
        if home and self.battery is not None:
            # "Sell what we can spare": the agent sizes it, what the day's surplus fills beyond
            # the house's own needs (a stated amount would be honoured even where it cannot be
            # filled, and a December reserve would then be delivered short).
            events.append(_event("sell", None, home, None, price=self.temperament.min_sell_price))
        return [e for e in events if e.num_days > 0]

    def plan(
        self,
        event: LifeEvent,
        today: date,
        orders: Iterable[Mapping[str, Any]],
        closed_days: Iterable[date],
        prefs: Preferences,
    ) -> TradePlan | None:
        """Run the integration's planner on the event; None when there is nothing to trade."""
        request = TradeRequest(
            side=Side.BUY if event.side == "buy" else Side.SELL,
            start_day=event.start_day,
            num_days=event.num_days,
            time_of_day=event.time_of_day,  # type: ignore[arg-type]
            kwh_per_day=event.kwh_per_day,
            price_limit=event.price_limit,
            reason=event.reason,
        )
        commitments: list[Commitment] = commitments_from_wire(orders)
        # Days between the event's first and last that it does not cover count as closed, so
        # a top-up of scattered days is one request.
        wanted = set(event.days or request.days)
        skipped = [d for d in request.days if d not in wanted]
        try:
            return plan_request(
                request,
                self.forecast(today),
                self.battery,
                commitments,
                prefs,
                closed_days=[*closed_days, *skipped],
            )
        except TradingError:
            return None


def _event(
    side: str,
    reason: str | None,
    days: Sequence[date],
    time_of_day: str | None,
    *,
    kwh: float | None = None,
    price: float | None = None,
) -> LifeEvent:
    """An event over ``days`` (possibly with gaps), capped to the longest request allowed."""
    ordered = sorted(days)[:MAX_DAYS]
    if not ordered:
        return LifeEvent(side, reason, date.min, 0, time_of_day)
    span = (ordered[-1] - ordered[0]).days + 1
    while span > MAX_DAYS:
        ordered.pop()
        span = (ordered[-1] - ordered[0]).days + 1
    return LifeEvent(
        side=side,
        reason=reason,
        start_day=ordered[0],
        num_days=span,
        time_of_day=time_of_day,
        kwh_per_day=kwh,
        price_limit=price,
        days=tuple(ordered),
    )


def request_body(plan: TradePlan, note: str) -> dict[str, Any]:
    """The ``POST /api/v1/requests`` body for a plan (days with nothing to trade left out)."""
    volumes = {day.day.isoformat(): day.kwh for day in plan.days if day.kwh > 0}
    return {
        "side": plan.request.side,
        "volumes": volumes,
        "limit_price": plan.limit_price,
        "client_request_id": str(uuid.uuid4()),
        "note": note,
    }
