"""Wire shapes (docs/wire-contract.md) of orders, requests, fills and ledger entries."""

from __future__ import annotations

from typing import Any

from market_server.market.gate import gate_closure
from market_server.market.order_status import LIVE
from market_server.market.settings import CommunitySettings
from market_server.market.units import eur_per_kwh, kwh, kwh_from_wh, money_eur


def order(row: Any, settings: CommunitySettings) -> dict[str, Any]:
    live = row.status in LIVE
    filled = int(row.filled_ticks)
    avg = None
    if filled:
        avg = round(int(row.filled_money_ticks) / filled / 1000, 6)
    return {
        "order_id": row.id,
        "request_id": row.request_id,
        "day": row.day.isoformat(),
        "side": row.side,
        "volume_kwh": kwh(row.volume_ticks),
        "limit_price": eur_per_kwh(row.price_ticks),
        "status": row.status,
        "filled_kwh": kwh(filled),
        "remaining_kwh": kwh(row.volume_ticks - filled) if live else 0.0,
        "avg_price": avg,
        "gate_closure": gate_closure(row.day, settings).isoformat(),
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def request(row: Any, order_rows: list[Any], settings: CommunitySettings) -> dict[str, Any]:
    orders = [order(o, settings) for o in order_rows]
    live = any(o["status"] in LIVE for o in orders)
    filled = sum(int(o.filled_ticks) for o in order_rows)
    volume = sum(int(o.volume_ticks) for o in order_rows)
    return {
        "request_id": row.id,
        "client_request_id": row.client_request_id,
        "side": row.side,
        "created_at": row.created_at.isoformat(),
        "status": "open" if live else "done",
        "note": row.note,
        "max_power_kw": row.max_power_kw,
        "limit_price": eur_per_kwh(order_rows[0].price_ticks) if order_rows else None,
        "volume_kwh": kwh(volume),
        "filled_kwh": kwh(filled),
        "orders": orders,
    }


def fill(row: Any) -> dict[str, Any]:
    amount = int(row.volume_ticks) * int(row.price_ticks)
    return {
        "fill_id": row.id,
        "order_id": row.order_id,
        "request_id": row.request_id,
        "day": row.day.isoformat(),
        "side": row.side,
        "volume_kwh": kwh(row.volume_ticks),
        "price": eur_per_kwh(row.price_ticks),
        "amount_eur": money_eur(amount if row.side == "sell" else -amount),
        "round_id": row.round_id,
        "created_at": row.created_at.isoformat(),
    }


def delivered_kwh(row: Any) -> float | None:
    """What a sell ledger entry's fill delivered; None for a buy entry."""
    if row.side != "sell":
        return None
    if row.delivered_wh is None:  # settled before deliveries were metered: in full
        return kwh(int(row.volume_ticks))
    return kwh_from_wh(int(row.delivered_wh))


def ledger_entry(row: Any) -> dict[str, Any]:
    """`amount_eur` is the capacity, net: a buy entry's `refund_eur` is already taken off what it
    paid. The energy is beside it, signed as amount_eur: shared energy (`energy_kwh`,
    `energy_eur`) and own-credit energy (`own_credit_kwh`, `own_credit_eur`)."""
    return {
        "entry_id": row.id,
        "day": row.day.isoformat(),
        "side": row.side,
        "volume_kwh": kwh(row.volume_ticks),
        "price": eur_per_kwh(row.price_ticks),
        "amount_eur": money_eur(int(row.amount_ticks)),
        "fill_id": row.fill_id,
        "settled_at": row.settled_at.isoformat(),
        "delivered_kwh": delivered_kwh(row),
        "refund_eur": money_eur(int(row.refund_ticks or 0)),
        "energy_kwh": kwh_from_wh(int(row.energy_wh or 0)),
        "energy_eur": money_eur(int(row.energy_ticks or 0)),
        "own_credit_kwh": kwh_from_wh(int(row.own_credit_wh or 0)),
        "own_credit_eur": money_eur(int(row.own_credit_ticks or 0)),
    }
