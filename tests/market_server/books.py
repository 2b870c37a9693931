"""Small order-book builders for the clearing tests (volumes in 0.1 kWh, prices in 0.001 EUR)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from market_server.http.contract import parse_request
from market_server.market import community, households, orders
from market_server.market.day_clearing import BookOrder, build_market, build_orderbook
from market_server.market.gate import open_days
from market_server.market.settings import CommunitySettings
from market_server.storage.auth import Household, household_for_token
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket

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


def stored_book(
    path: Path, clock: MutableClock, orders_of: Iterable[tuple[str, str, float]]
) -> tuple[Store, CommunitySettings, date, list[Household]]:
    """A community stored at ``path`` that clears only in hourly rounds (the scheduler's
    tests), and one joined household per ``(name, side, kwh)`` with an order of ``kwh`` at
    0.05 EUR/kWh for the first open day -> (store, settings, that day, the households)."""
    store = Store(path)
    settings, _ = community.initialise(
        store, clock(), {"clear_on_submit": False, "round_interval_s": 3600}, issue_token=False
    )
    day = open_days(clock(), settings)[0]
    members = []
    with store.write() as conn:
        for name, side, kwh in orders_of:
            code = households.add(conn, settings, clock(), name)
            token = households.redeem(conn, clock(), code.join_code, None)[1]
            members.append(household_for_token(conn, token))
            spec = parse_request(
                {"side": side, "volumes": {day.isoformat(): kwh}, "limit_price": 0.05}, settings
            )
            orders.submit(conn, settings, members[-1], spec, clock())
    return store, settings, day, members


async def traded_day(market: RunningMarket, clock: MutableClock) -> tuple[str, str, date]:
    """A seller sold and a buyer bought 8 kWh for one day, which has then ended (by 10 hours)
    -> (seller token, buyer token, day)."""
    _, seller = await market.join_household("Seller")
    _, buyer = await market.join_household("Buyer")
    day = market.first_open_day()
    await market.place(seller, "sell", day, 1, 10.0, 0.05)
    await market.place(buyer, "buy", day, 1, 8.0, 0.07)
    clock.set(market.runtime.now() + timedelta(days=2))
    return seller, buyer, day
