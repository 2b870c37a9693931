"""One delivery day's order book -> ASSUME MarketConfig/MarketProduct/orders -> clearing -> fills.

Units: volumes are integer ticks of 0.1 kWh and prices integer ticks of 0.001 EUR/kWh. ASSUME
is handed exactly these integers (``volume``: supply > 0, demand < 0; ``price``), so every sum
and comparison inside the clearing is exact integer arithmetic and the fills come back as
integers without rounding.

Ties at equal price are decided by time priority (smaller ``priority`` first), never by
chance: the orderbook is presented in priority order, our own mechanism sorts stably, and
for ASSUME's ``pay_as_clear``/``pay_as_bid`` -- which shuffle ties with ``random.random()``
-- :func:`time_priority_ties` makes that shuffle a no-op for the duration of the call
without touching the global ``random`` state.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from market_server.market import assume_loader
from market_server.market.side import Side, is_side

PAY_AS_CLEAR = "pay_as_clear"
PAY_AS_BID = "pay_as_bid"
PAY_AS_CLEAR_FAST = assume_loader.FAST_PAY_AS_CLEAR

#: Mechanisms ``clear_day`` supports, in the order we present them.
_SUPPORTED = (PAY_AS_CLEAR, PAY_AS_BID, PAY_AS_CLEAR_FAST)
#: ASSUME's own roles that break ties with ``random.random()`` in ``clearing_algorithms.simple``.
_SHUFFLING = frozenset({PAY_AS_CLEAR, PAY_AS_BID})

#: Our pay-as-clear (``market_server.market.pay_as_clear_fast``): the same fills and price as
#: ASSUME's ``pay_as_clear`` with time-priority ties
#: (tests/market_server/test_clearing_equivalence.py, hypothesis on randomised books) and
#: 30-50x faster at 10,000 orders (benchmarks/clearing.py).
DEFAULT_MECHANISM: str = PAY_AS_CLEAR_FAST


def _fast_role() -> Any:
    """Our pay-as-clear's role class; imported only once ASSUME is (it derives from ASSUME's)."""
    from market_server.market import pay_as_clear_fast

    return pay_as_clear_fast.PayAsClearFastRole


# Registered here, where the mechanisms are chosen, rather than in assume_loader: the loader
# then imports no mechanism of ours and pay_as_clear_fast -> assume_loader is one-way.
assume_loader.register_mechanism(PAY_AS_CLEAR_FAST, _fast_role)

MAX_PRICE_TICKS = 10**9
MAX_VOLUME_TICKS = 10**12


@dataclass(frozen=True, slots=True)
class BookOrder:
    """An open order's remaining volume, as the clearing sees it."""

    order_id: str
    side: Side
    volume_ticks: int  # remaining volume, 0.1 kWh ticks, > 0
    price_ticks: int  # limit price, 0.001 EUR/kWh ticks
    priority: int  # smaller = earlier (time priority)


@dataclass(frozen=True, slots=True)
class Fill:
    """Volume of one order filled in this clearing, at ``price_ticks``.

    The price is ASSUME's ``accepted_price`` for the order: the uniform price for
    pay-as-clear; for ``pay_as_bid`` a seller's own limit, and for a buyer the limit of the
    last sell order ASSUME matched it with (that is what ASSUME's PayAsBidRole assigns).
    """

    order_id: str
    volume_ticks: int
    price_ticks: int


@dataclass(frozen=True, slots=True)
class DayClearing:
    """Result of clearing one delivery day.

    ``price_ticks`` is the highest accepted sell price -- for pay-as-clear the uniform
    clearing price -- or ``None`` when nothing cleared. ``cleared_ticks`` is the total
    accepted supply volume, which equals the total accepted demand volume.
    """

    day: date
    mechanism: str
    price_ticks: int | None
    cleared_ticks: int
    fills: tuple[Fill, ...]


class ClearingError(RuntimeError):
    """The mechanism returned something that is not a consistent clearing."""


def available_mechanisms() -> list[str]:
    """Names ``clear_day`` accepts (all are ASSUME ``clearing_mechanisms`` entries)."""
    return list(_SUPPORTED)


_tie_lock = threading.Lock()


class _NoShuffle:
    """Stands in for the ``random`` module inside ASSUME's ``simple`` clearing module."""

    @staticmethod
    def random() -> float:
        return 0.0


@contextmanager
def time_priority_ties() -> Iterator[None]:
    """Within the block, ASSUME's pay_as_clear/pay_as_bid keep equal prices in input order.

    They sort by ``(price, random.random())``; with a constant second key Python's stable sort
    (also with ``reverse=True``) keeps ties in orderbook order. Only the name ``random`` in
    ``assume.markets.clearing_algorithms.simple`` is swapped, under a lock, and restored
    afterwards; the global ``random`` module and its state are never touched.
    """
    simple = assume_loader.simple_module()
    with _tie_lock:
        saved = simple.random
        simple.random = _NoShuffle()
        try:
            yield
        finally:
            simple.random = saved


def delivery_product(day: date, timezone: str) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of ``day`` in ``timezone``, aware datetimes (23-25 h)."""
    tz = ZoneInfo(timezone)
    return datetime.combine(day, time(0), tzinfo=tz), datetime.combine(
        day + timedelta(days=1), time(0), tzinfo=tz
    )


def _validate(orders: Sequence[BookOrder]) -> None:
    seen: set[str] = set()
    for order in orders:
        if not is_side(order.side):
            raise ValueError(f"order {order.order_id!r}: side must be 'buy' or 'sell'")
        for name in ("volume_ticks", "price_ticks", "priority"):
            value = getattr(order, name)
            if type(value) is not int:
                raise ValueError(f"order {order.order_id!r}: {name} must be an int")
        if not 0 < order.volume_ticks <= MAX_VOLUME_TICKS:
            raise ValueError(f"order {order.order_id!r}: volume_ticks must be > 0")
        if not 0 <= order.price_ticks <= MAX_PRICE_TICKS:
            raise ValueError(f"order {order.order_id!r}: price_ticks out of range")
        if order.order_id in seen:
            raise ValueError(f"duplicate order_id {order.order_id!r}")
        seen.add(order.order_id)


def build_market(
    day: date, mechanism: str, timezone: str
) -> tuple[Any, list[tuple[datetime, datetime, None]]]:
    """ASSUME ``MarketConfig`` for one delivery day and the products to clear.

    The market opens once, at the start of the delivery day (``opening_hours`` is a daily
    rrule with ``until``, as ASSUME requires), and offers one product: the whole day.
    """
    config, products = _cached_market(day, mechanism, timezone)
    return config, list(products)


@functools.lru_cache(maxsize=128)
def _cached_market(
    day: date, mechanism: str, timezone: str
) -> tuple[Any, tuple[tuple[datetime, datetime, None], ...]]:
    # Rounds after submissions clear the same few days many times a second; building the
    # config and its rrule was a third of clearing a small day. ASSUME only writes to a
    # MarketConfig in MarketRole.setup(), which a clearing never calls.
    assume = assume_loader.load()
    start, _end = delivery_product(day, timezone)
    product = assume.MarketProduct(duration=assume.relativedelta(days=1), count=1)
    config = assume.MarketConfig(
        market_id=f"community-storage-{day.isoformat()}",
        opening_hours=assume.rrule.rrule(assume.rrule.DAILY, dtstart=start, until=start),
        opening_duration=timedelta(hours=1),
        market_mechanism=mechanism,
        market_products=[product],
        product_type="capacity",
        maximum_bid_volume=MAX_VOLUME_TICKS,
        maximum_bid_price=MAX_PRICE_TICKS,
        minimum_bid_price=0,
        volume_unit="0.1 kWh",
        volume_tick=1,
        price_unit="0.001 EUR/kWh",
        price_tick=1,
    )
    products = assume.get_available_products(config.market_products, start)
    return config, tuple(products)


def build_orderbook(
    orders: Sequence[BookOrder], product: tuple[datetime, datetime, None]
) -> list[dict[str, Any]]:
    """ASSUME order dicts in time priority (ties in priority by order id, for determinism)."""
    start, end, only_hours = product
    return [
        {
            "bid_id": o.order_id,
            "unit_id": o.order_id,
            "agent_addr": "community",
            "node": "community",
            "start_time": start,
            "end_time": end,
            "only_hours": only_hours,
            "price": o.price_ticks,
            "volume": o.volume_ticks if o.side == "sell" else -o.volume_ticks,
        }
        for o in sorted(orders, key=lambda o: (o.priority, o.order_id))
    ]


def _as_ticks(value: Any, what: str) -> int:
    ticks = int(value)
    if ticks != value:
        raise ClearingError(f"{what} {value!r} is not a whole number of ticks")
    return ticks


def clear_day(
    day: date,
    orders: Sequence[BookOrder],
    *,
    mechanism: str = DEFAULT_MECHANISM,
    timezone: str = "UTC",
) -> DayClearing:
    """Clear one delivery day's book with the ASSUME mechanism registered as ``mechanism``.

    Synchronous, pure and deterministic: run it in an executor.
    """
    if mechanism not in _SUPPORTED:
        raise ValueError(
            f"unknown clearing mechanism {mechanism!r}; choose one of {', '.join(_SUPPORTED)}"
        )
    _validate(orders)
    if not orders:
        return DayClearing(day, mechanism, None, 0, ())

    assume = assume_loader.load()
    config, products = build_market(day, mechanism, timezone)
    orderbook = build_orderbook(orders, products[0])
    role = assume.clearing_mechanisms[mechanism](config)
    if mechanism in _SHUFFLING:
        with time_priority_ties():
            accepted, _rejected, _meta, _flows = role.clear(orderbook, products)
    else:
        accepted, _rejected, _meta, _flows = role.clear(orderbook, products)
    return _to_day_clearing(day, mechanism, orders, accepted)


def _to_day_clearing(
    day: date, mechanism: str, orders: Sequence[BookOrder], accepted: list[dict[str, Any]]
) -> DayClearing:
    by_id = {o.order_id: o for o in orders}
    # pay_as_bid splits a marginal sell order into copies with the same bid_id: add them up.
    volumes: dict[tuple[str, int], int] = {}
    for entry in accepted:
        order = by_id.get(entry["bid_id"])
        if order is None:
            raise ClearingError(f"unknown bid_id {entry['bid_id']!r} in accepted orders")
        volume = abs(_as_ticks(entry["accepted_volume"], "accepted volume"))
        if volume == 0:
            continue
        price = _as_ticks(entry["accepted_price"], "accepted price")
        key = (order.order_id, price)
        volumes[key] = volumes.get(key, 0) + volume

    filled: dict[str, int] = {}
    for (order_id, _price), volume in volumes.items():
        filled[order_id] = filled.get(order_id, 0) + volume
    supply = demand = 0
    for order_id, volume in filled.items():
        order = by_id[order_id]
        if volume > order.volume_ticks:
            raise ClearingError(f"order {order_id!r} filled beyond its volume")
        if order.side == "sell":
            supply += volume
        else:
            demand += volume
    if supply != demand:
        raise ClearingError(f"accepted supply {supply} != accepted demand {demand}")

    rank = {o.order_id: (o.priority, o.order_id) for o in orders}
    fills = tuple(
        Fill(order_id, volume, price)
        for (order_id, price), volume in sorted(
            volumes.items(), key=lambda item: (rank[item[0][0]], item[0][1])
        )
    )
    sell_prices = [f.price_ticks for f in fills if by_id[f.order_id].side == "sell"]
    marginal = max(sell_prices) if sell_prices else None
    return DayClearing(day, mechanism, marginal, supply, fills)
