"""One simulated household: its life events, and the integration's agent turning them into orders.

What happens in a family's life (a trip away, a renovation, guests, charging an electric car) is
drawn from a seeded random generator: that is the simulation. How much capacity that means and
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
from custom_components.community_storage.agent.planner import Preferences, plan_request
from custom_components.community_storage.agent.request import TradePlan, TradeRequest

from .battery import RESERVE_SHARE
from .profiles import TIMEZONE, HouseProfile, load_kw, pv_kw

HISTORY_DAYS = 28


@dataclass(frozen=True, slots=True)
class Temperament:
    """How a household values capacity and how often something happens in its life."""

    max_buy_price: float
    min_sell_price: float
    wear_eur_per_kwh: float
    # Chance per tick that the household asks its agent for something new.
    activity: float


@dataclass(frozen=True, slots=True)
class LifeEvent:
    """Something that makes a household buy or sell capacity, with the days it covers."""

    side: str
    reason: str
    start_day: date
    num_days: int
    time_of_day: str | None


def temperament_of(profile: HouseProfile) -> Temperament:
    """Price preferences within the design's reference figures, fixed per house."""
    rng = random.Random(profile.seed ^ 0x5EED)
    return Temperament(
        max_buy_price=round(rng.uniform(0.08, 0.17), 3),
        min_sell_price=round(rng.uniform(0.03, 0.10), 3),
        wear_eur_per_kwh=round(rng.uniform(0.025, 0.09), 3),
        activity=round(rng.uniform(0.15, 0.4), 2),
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
        self.battery = BatterySpec(
            capacity_kwh=profile.battery_kwh,
            min_soc=RESERVE_SHARE,
            max_power_kw=profile.battery_power_kw,
            wear_eur_per_kwh=self.temperament.wear_eur_per_kwh,
        )
        self._forecast: Forecast | None = None

    def forecast(self, today: date) -> Forecast:
        """The agent's forecast from today on, rebuilt when the day changes."""
        if self._forecast is None or self._forecast.start != today:
            self._forecast = build_forecast(history_of(self.profile, today), today)
        return self._forecast

    def preferences(self, efficiency: float, max_sell_kwh: float | None) -> Preferences:
        """The owner's options as the agent's planner takes them."""
        return Preferences(
            max_buy_price=self.temperament.max_buy_price,
            min_sell_price=self.temperament.min_sell_price,
            community_efficiency=efficiency,
            max_sell_kwh_per_day=max_sell_kwh,
        )

    def life_event(self, rng: random.Random, open_days: Sequence[date]) -> LifeEvent | None:
        """What, if anything, the family asks its agent for on this tick."""
        if not open_days or rng.random() >= self.temperament.activity:
            return None
        # Households with a small battery for their PV buy more often; big batteries sell.
        small = self.profile.battery_kwh < 8.5
        # Weighted so that, across the street, about as much is bought as offered: an offer
        # covers more kWh (a week of a whole battery) than a typical evening's purchase.
        events: list[tuple[str, str, str | None, float]] = [
            ("sell", "holiday", None, 1.5 if small else 3.0),
            ("buy", "renovation", "evening", 2.5 if small else 1.0),
            ("buy", "guests", "evening", 2.0 if small else 0.8),
            ("buy", "ev", "evening", 3.0 if small else 1.5),
            ("buy", "home_office", "afternoon", 1.0 if small else 0.5),
        ]
        side, reason, time_of_day, _ = rng.choices(events, weights=[e[3] for e in events])[0]
        first = rng.randrange(len(open_days))
        length = rng.randint(1, 7 if side == "sell" else 5)
        days = open_days[first : first + length]
        return LifeEvent(
            side=side,
            reason=reason,
            start_day=days[0],
            num_days=len(days),
            time_of_day=time_of_day,
        )

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
            side="buy" if event.side == "buy" else "sell",
            start_day=event.start_day,
            num_days=event.num_days,
            time_of_day=event.time_of_day,  # type: ignore[arg-type]
            reason=event.reason,
        )
        commitments: list[Commitment] = commitments_from_wire(orders)
        try:
            return plan_request(
                request,
                self.forecast(today),
                self.battery,
                commitments,
                prefs,
                closed_days=closed_days,
            )
        except TradingError:
            return None


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
