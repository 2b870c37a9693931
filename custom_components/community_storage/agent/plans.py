"""What a household asks the agent for, and what the agent answers.

Plain frozen dataclasses shared by the planner, the Home Assistant glue (``household/agent.py``,
services), the conversation layer (intents, LLM tools) and the neighbourhood simulator, and (at
the end) which flow a submitted request ended in. Every result has
``speech`` (the explanation in the caller's language, numbers included) and ``as_dict()``
(JSON-serialisable structured data for LLM tools and service responses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ..market_client.models import Side

type TimeOfDay = Literal["morning", "afternoon", "evening", "night", "all_day"]
type OutcomeKind = Literal[
    "proposed", "filled", "partial_days", "partial_volume", "no_counterparty"
]

SIDES: tuple[Side, ...] = tuple(Side)
TIMES_OF_DAY: tuple[TimeOfDay, ...] = ("morning", "afternoon", "evening", "night", "all_day")
# Reasons the agent knows an extra load for; any other text is kept and quoted as given.
KNOWN_REASONS: tuple[str, ...] = ("renovation", "holiday", "guests", "home_office", "ev")

# The most days one request may cover; the market's horizon is 14 days.
MAX_DAYS = 14


@dataclass(frozen=True, slots=True)
class TradeRequest:
    """A household's wish: buy or sell storage capacity for some days."""

    side: Side
    start_day: date
    num_days: int
    time_of_day: TimeOfDay | None = None
    # An explicit figure from the user overrides the agent's estimate.
    kwh_per_day: float | None = None
    # EUR/kWh: cap for buys, floor for sells; overrides the options.
    price_limit: float | None = None
    # "renovation", "holiday", "guests", "home_office", "ev", or free text.
    reason: str | None = None

    @property
    def days(self) -> tuple[date, ...]:
        """The delivery days the request covers."""
        return tuple(date.fromordinal(self.start_day.toordinal() + i) for i in range(self.num_days))

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (also what the Store keeps for proposals)."""
        return {
            "side": self.side,
            "start_day": self.start_day.isoformat(),
            "num_days": self.num_days,
            "time_of_day": self.time_of_day,
            "kwh_per_day": self.kwh_per_day,
            "price_limit": self.price_limit,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TradeRequest:
        """Inverse of ``as_dict``."""
        return cls(
            side=data["side"],
            start_day=date.fromisoformat(data["start_day"]),
            num_days=int(data["num_days"]),
            time_of_day=data.get("time_of_day"),
            kwh_per_day=data.get("kwh_per_day"),
            price_limit=data.get("price_limit"),
            reason=data.get("reason"),
        )


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The planned volume for one delivery day and the figures behind it."""

    day: date
    kwh: float
    # Buy: forecast demand in the time window; sell: what the house still needs that day.
    need_kwh: float
    # Buy: daytime PV surplus that could charge the battery; sell: 0.
    pv_surplus_kwh: float
    # Extra load from the stated reason (renovation tools, guests, ...).
    extra_kwh: float
    # Battery room left that day after every open or filled order.
    free_capacity_kwh: float
    # Why the volume is what it is: "estimate", "user_figure", "capped_by_battery",
    # "household_needs_it", "fully_committed", "no_battery", "covered" (own battery covers
    # the need), "fill_limited" (less than wanted: only what is expected to fill).
    note: str = "estimate"
    # What is expected to fill the traded capacity, kWh. Buy: own export credited, shared
    # energy from the sellers' reserves. Sell: the seller's own surplus, the community's
    # surplus, grid energy (only where grid charging is on and pays).
    own_fill_kwh: float = 0.0
    shared_kwh: float = 0.0
    grid_kwh: float = 0.0
    # What would be traded if every kWh filled (buy: the need; sell: the free capacity).
    wanted_kwh: float = 0.0
    # Buy: expected EUR saved that day after paying capacity and energy.
    saving_eur: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "day": self.day.isoformat(),
            "kwh": self.kwh,
            "need_kwh": self.need_kwh,
            "pv_surplus_kwh": self.pv_surplus_kwh,
            "extra_kwh": self.extra_kwh,
            "free_capacity_kwh": self.free_capacity_kwh,
            "note": self.note,
            "own_fill_kwh": self.own_fill_kwh,
            "shared_kwh": self.shared_kwh,
            "grid_kwh": self.grid_kwh,
            "wanted_kwh": self.wanted_kwh,
            "saving_eur": self.saving_eur,
        }


@dataclass(frozen=True, slots=True)
class PriceBasis:
    """How the limit price came about."""

    # The agent's own figure: value of shifting (buy) or wear plus losses (sell), EUR/kWh.
    computed: float
    # The user's cap (buy) or floor (sell) that applied, EUR/kWh.
    user_limit: float | None
    # Which one set the limit: "computed" or "user".
    source: Literal["computed", "user"]
    # Buy: evening retail price and daytime value used; sell: wear cost and efficiency.
    inputs: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "computed": self.computed,
            "user_limit": self.user_limit,
            "source": self.source,
            "inputs": dict(self.inputs),
        }


@dataclass(frozen=True, slots=True)
class EnergyBasis:
    """The energy side of a plan: the prices its value stands on and what fills the capacity."""

    # The community's price of shared energy, EUR/kWh.
    energy_price: float = 0.0
    # The household's import price over the hours the capacity serves (buy) or the evening
    # (sell), its feed-in price and its tariff's kind ("fixed", "time_of_use", "dynamic").
    import_price: float = 0.0
    feed_in: float = 0.0
    tariff: str = "fixed"
    # Share of capacity the community's surplus is expected to fill, and whether the market
    # measured it (else the month's assumption).
    fill_share: float = 0.0
    fill_measured: bool = False
    grid_charging: bool = False
    # EUR saved per kWh of capacity filled with own export / with shared energy (buy).
    own_value: float = 0.0
    shared_value: float = 0.0
    # The capacity price the plan expects to pay (buy) or asks (sell), EUR/kWh.
    capacity_price: float = 0.0
    # Buy: expected saving over all days after every payment; sell: expected gain.
    expected_saving_eur: float = 0.0
    # A figure the user stated is expected to cost more than it saves.
    loses_money: bool = False
    # Sell: the share of sold capacity the battery delivered on its last settled selling days
    # (None: not measured or all of it), and how many such days.
    delivered_share: float | None = None
    delivery_days: int = 0
    # Sell: the surplus was counted as on a poor day like the recent ones, whose solar surplus
    # over the load is this share of an average day's (None: the average day was used).
    poor_day_share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "energy_price": self.energy_price,
            "import_price": self.import_price,
            "feed_in": self.feed_in,
            "tariff": self.tariff,
            "fill_share": self.fill_share,
            "fill_measured": self.fill_measured,
            "grid_charging": self.grid_charging,
            "own_value": self.own_value,
            "shared_value": self.shared_value,
            "capacity_price": self.capacity_price,
            "expected_saving_eur": self.expected_saving_eur,
            "loses_money": self.loses_money,
            "delivered_share": self.delivered_share,
            "delivery_days": self.delivery_days,
            "poor_day_share": self.poor_day_share,
        }


@dataclass(frozen=True, slots=True)
class ForecastBasis:
    """Which history the forecast stood on."""

    history_days: int
    # True when the history was too short and a standard profile was scaled to it.
    fallback: bool
    excluded_days: int = 0
    daily_load_kwh: float = 0.0
    daily_pv_kwh: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "history_days": self.history_days,
            "fallback": self.fallback,
            "excluded_days": self.excluded_days,
            "daily_load_kwh": self.daily_load_kwh,
            "daily_pv_kwh": self.daily_pv_kwh,
        }


@dataclass(frozen=True, slots=True)
class TradePlan:
    """A dry-run plan: per-day volumes and one limit price. Nothing was sent."""

    request: TradeRequest
    days: tuple[DayPlan, ...]
    limit_price: float
    price: PriceBasis
    forecast: ForecastBasis
    usable_capacity_kwh: float
    speech: str = ""
    energy: EnergyBasis = EnergyBasis()

    @property
    def side(self) -> Side:
        """Buy or sell."""
        return self.request.side

    @property
    def trade_days(self) -> tuple[DayPlan, ...]:
        """The days with something to trade."""
        return tuple(d for d in self.days if d.kwh > 0)

    @property
    def total_kwh(self) -> float:
        """Planned volume over all days."""
        return round(sum(d.kwh for d in self.days), 1)

    @property
    def volumes(self) -> dict[str, float]:
        """Per-day volumes in the wire contract's ``volumes`` form."""
        return {d.day.isoformat(): d.kwh for d in self.trade_days}

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "request": self.request.as_dict(),
            "side": self.side,
            "days": [d.as_dict() for d in self.days],
            "limit_price": self.limit_price,
            "total_kwh": self.total_kwh,
            "price": self.price.as_dict(),
            "forecast": self.forecast.as_dict(),
            "usable_capacity_kwh": self.usable_capacity_kwh,
            "energy": self.energy.as_dict(),
            "speech": self.speech,
        }


@dataclass(frozen=True, slots=True)
class OrderState:
    """One delivery day's order as the server last reported it."""

    order_id: str
    day: date
    volume_kwh: float
    limit_price: float
    status: str
    filled_kwh: float
    avg_price: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "order_id": self.order_id,
            "day": self.day.isoformat(),
            "volume_kwh": self.volume_kwh,
            "limit_price": self.limit_price,
            "status": self.status,
            "filled_kwh": self.filled_kwh,
            "avg_price": self.avg_price,
        }


@dataclass(frozen=True, slots=True)
class TradeOutcome:
    """What happened to a request: proposed, or submitted and (partly) filled."""

    kind: OutcomeKind
    plan: TradePlan
    request_id: str | None = None
    client_request_id: str | None = None
    proposal_id: str | None = None
    orders: tuple[OrderState, ...] = ()
    # Fill price above the household's "high price" threshold.
    high_price: bool = False
    speech: str = ""

    @property
    def requested_kwh(self) -> float:
        """Volume asked for over all days."""
        if not self.orders:
            return self.plan.total_kwh
        return round(sum(o.volume_kwh for o in self.orders), 1)

    @property
    def filled_kwh(self) -> float:
        """Volume filled over all days."""
        return round(sum(o.filled_kwh for o in self.orders), 1)

    @property
    def days_filled(self) -> int:
        """Days with any fill."""
        return sum(1 for o in self.orders if o.filled_kwh > 0)

    @property
    def avg_price(self) -> float | None:
        """Volume-weighted fill price, EUR/kWh."""
        filled = [(o.filled_kwh, o.avg_price) for o in self.orders if o.filled_kwh > 0]
        volume = sum(v for v, _ in filled)
        if not volume:
            return None
        return round(sum(v * (p or 0.0) for v, p in filled) / volume, 3)

    @property
    def total_eur(self) -> float:
        """Money paid (buy) or earned (sell) for what filled, EUR, to the cent."""
        return round(sum(o.filled_kwh * (o.avg_price or 0.0) for o in self.orders), 2)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "kind": self.kind,
            "side": self.plan.side,
            "request_id": self.request_id,
            "client_request_id": self.client_request_id,
            "proposal_id": self.proposal_id,
            "num_days": len(self.orders) if self.orders else len(self.plan.trade_days),
            "days_filled": self.days_filled,
            "requested_kwh": self.requested_kwh,
            "filled_kwh": self.filled_kwh,
            "avg_price": self.avg_price,
            "total_eur": self.total_eur,
            "high_price": self.high_price,
            "orders": [o.as_dict() for o in self.orders],
            "plan": self.plan.as_dict(),
            "speech": self.speech,
        }


@dataclass(frozen=True, slots=True)
class CancelledRequest:
    """One request the cancel touched."""

    request_id: str
    side: Side
    cancelled_kwh: float
    kept_filled_kwh: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "request_id": self.request_id,
            "side": self.side,
            "cancelled_kwh": self.cancelled_kwh,
            "kept_filled_kwh": self.kept_filled_kwh,
        }


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    """What a cancel did (also covers withdrawn proposals)."""

    cancelled: tuple[CancelledRequest, ...]
    withdrawn_proposals: int = 0
    speech: str = ""

    @property
    def cancelled_kwh(self) -> float:
        """Unfilled volume taken off the market."""
        return round(sum(c.cancelled_kwh for c in self.cancelled), 1)

    @property
    def kept_filled_kwh(self) -> float:
        """Volume that had already filled and stays."""
        return round(sum(c.kept_filled_kwh for c in self.cancelled), 1)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "cancelled": [c.as_dict() for c in self.cancelled],
            "cancelled_kwh": self.cancelled_kwh,
            "kept_filled_kwh": self.kept_filled_kwh,
            "withdrawn_proposals": self.withdrawn_proposals,
            "speech": self.speech,
        }


@dataclass(frozen=True, slots=True)
class MarketDayStatus:
    """Aggregate market figures for one delivery day."""

    day: date
    last_price: float | None
    open_buy_kwh: float
    open_sell_kwh: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "day": self.day.isoformat(),
            "last_price": self.last_price,
            "open_buy_kwh": self.open_buy_kwh,
            "open_sell_kwh": self.open_sell_kwh,
        }


@dataclass(frozen=True, slots=True)
class DayFill:
    """One delivery day of a request: what was asked and what filled, at what average price."""

    day: date
    requested_kwh: float
    filled_kwh: float
    avg_price: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "day": self.day.isoformat(),
            "requested_kwh": self.requested_kwh,
            "filled_kwh": self.filled_kwh,
            "avg_price": self.avg_price,
        }


@dataclass(frozen=True, slots=True)
class RequestStatus:
    """One of the household's requests, summarised."""

    request_id: str
    side: Side
    reason: str | None
    first_day: date
    num_days: int
    requested_kwh: float
    filled_kwh: float
    avg_price: float | None
    open: bool
    # Day by day ("show me my reservations" lists them); empty where not known.
    days: tuple[DayFill, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "days": [d.as_dict() for d in self.days],
            "request_id": self.request_id,
            "side": self.side,
            "reason": self.reason,
            "first_day": self.first_day.isoformat(),
            "num_days": self.num_days,
            "requested_kwh": self.requested_kwh,
            "filled_kwh": self.filled_kwh,
            "avg_price": self.avg_price,
            "open": self.open,
        }


@dataclass(frozen=True, slots=True)
class PendingProposal:
    """A plan waiting for the household's confirmation ("propose only" autonomy)."""

    proposal_id: str
    side: Side
    first_day: date
    num_days: int
    total_kwh: float
    limit_price: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "proposal_id": self.proposal_id,
            "side": self.side,
            "first_day": self.first_day.isoformat(),
            "num_days": self.num_days,
            "total_kwh": self.total_kwh,
            "limit_price": self.limit_price,
        }


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The market and the household's own trades at a glance."""

    market: tuple[MarketDayStatus, ...]
    requests: tuple[RequestStatus, ...]
    proposals: tuple[PendingProposal, ...] = ()
    earned_eur_month: float = 0.0
    paid_eur_month: float = 0.0
    speech: str = ""

    @property
    def next_price(self) -> float | None:
        """The most recent clearing price of the first open day that has one."""
        return next((d.last_price for d in self.market if d.last_price is not None), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "next_price": self.next_price,
            "market": [d.as_dict() for d in self.market],
            "requests": [r.as_dict() for r in self.requests],
            "proposals": [p.as_dict() for p in self.proposals],
            "earned_eur_month": self.earned_eur_month,
            "paid_eur_month": self.paid_eur_month,
            "speech": self.speech,
        }


# Which flow a submitted request ended in: full fill, partial days, partial volume, nothing.


def classify(orders: Sequence[OrderState]) -> OutcomeKind:
    """Full success, some days without any fill, every day short, or no counterparty at all."""
    requested = sum(o.volume_kwh for o in orders)
    filled = sum(o.filled_kwh for o in orders)
    if filled <= 0:
        return "no_counterparty"
    if filled >= requested - 1e-6:
        return "filled"
    if any(o.filled_kwh <= 0 for o in orders):
        return "partial_days"
    return "partial_volume"


def build_outcome(
    plan: TradePlan,
    orders: Sequence[OrderState],
    *,
    request_id: str,
    client_request_id: str,
    high_price_threshold: float | None,
) -> TradeOutcome:
    """The outcome of a submitted plan from the orders as the server returned them."""
    outcome = TradeOutcome(
        kind=classify(orders),
        plan=plan,
        request_id=request_id,
        client_request_id=client_request_id,
        orders=tuple(orders),
    )
    price = outcome.avg_price
    high = (
        plan.side == "buy"
        and high_price_threshold is not None
        and price is not None
        and price > high_price_threshold
    )
    if not high:
        return outcome
    return TradeOutcome(
        kind=outcome.kind,
        plan=plan,
        request_id=request_id,
        client_request_id=client_request_id,
        orders=tuple(orders),
        high_price=True,
    )
