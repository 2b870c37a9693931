"""Which flow a submitted request ended in: full fill, partial days, partial volume, nothing."""

from __future__ import annotations

from collections.abc import Sequence

from .request import OrderState, OutcomeKind, TradeOutcome, TradePlan


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
