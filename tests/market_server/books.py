"""Small order-book builders for the clearing tests (volumes in 0.1 kWh, prices in 0.001 EUR)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date
from typing import Any

from market_server.market.day_clearing import BookOrder, build_market, build_orderbook

DAY = date(2026, 6, 15)


def buy(order_id: str, kwh: float, eur: float, priority: int) -> BookOrder:
    """A buy order of ``kwh`` at limit ``eur`` per kWh."""
    return BookOrder(order_id, "buy", round(kwh * 10), round(eur * 1000), priority)


def sell(order_id: str, kwh: float, eur: float, priority: int) -> BookOrder:
    """A sell order of ``kwh`` at limit ``eur`` per kWh."""
    return BookOrder(order_id, "sell", round(kwh * 10), round(eur * 1000), priority)


def ticks(
    side: str, specs: Iterable[tuple[int, int]], *, prefix: str | None = None, start: int = 0
) -> list[BookOrder]:
    """Orders of one side from ``(volume_ticks, price_ticks)`` pairs, priorities ``start``..."""
    prefix = prefix or side[0]
    return [
        BookOrder(f"{prefix}{i}", side, volume, price, start + i)  # type: ignore[arg-type]
        for i, (volume, price) in enumerate(specs)
    ]


def assume_book(
    orders: Iterable[BookOrder], mechanism: str = "pay_as_clear", day: date = DAY
) -> tuple[Any, list[Any], list[dict[str, Any]]]:
    """ASSUME's MarketConfig, products and order dicts for ``orders``, as clear_day builds them."""
    config, products = build_market(day, mechanism, "UTC")
    return config, products, build_orderbook(list(orders), products[0])


def by_bid(accepted: Iterable[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """``bid_id -> (abs accepted volume, accepted price)`` of ASSUME's accepted orders."""
    result: dict[str, tuple[int, int]] = {}
    for order in accepted:
        volume = abs(int(order["accepted_volume"]))
        if volume:
            result[order["bid_id"]] = (volume, int(order["accepted_price"]))
    return result


def fills_by_order(clearing: Any) -> dict[str, tuple[int, int]]:
    """``order_id -> (volume_ticks, price_ticks)`` of a DayClearing (one fill per order)."""
    return {f.order_id: (f.volume_ticks, f.price_ticks) for f in clearing.fills}


def clone(orderbook: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A deep copy, so two mechanisms can clear the same book (ASSUME mutates it)."""
    return copy.deepcopy(orderbook)
