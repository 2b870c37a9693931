"""Our pay-as-clear (market/pay_as_clear_fast.py) == ASSUME's pay_as_clear, on randomised books.

ASSUME's PayAsClearRole runs with its tie shuffle neutralised (time_priority_ties), so both
mechanisms see ties in orderbook (= time priority) order. Compared: every output of ``clear``
-- accepted and rejected orders in order, with accepted volume and price; the meta; flows --
and, through clear_day, the fills and the clearing price.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from market_server.market.assume_loader import load
from market_server.market.day_clearing import (
    PAY_AS_CLEAR,
    PAY_AS_CLEAR_FAST,
    BookOrder,
    clear_day,
    time_priority_ties,
)
from market_server.market.pay_as_clear_fast import PayAsClearFastRole

from .books import DAY, assume_book, clone

SETTINGS = settings(
    max_examples=400,
    derandomize=True,  # seeded: the same examples on every run and machine
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

order_specs = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell"]),
        st.integers(min_value=1, max_value=60),  # volume ticks
        st.integers(min_value=1, max_value=12),  # few distinct prices: many ties
        st.integers(min_value=0, max_value=10_000),  # priority
    ),
    max_size=40,
)


def _book(specs: list[tuple[str, int, int, int]], price_scale: int = 1) -> list[BookOrder]:
    return [
        BookOrder(f"o{i}", side, volume, price * price_scale, priority)  # type: ignore[arg-type]
        for i, (side, volume, price, priority) in enumerate(specs)
    ]


def _summary(orders: list[dict[str, Any]]) -> list[tuple[str, Any, Any, Any]]:
    return [(o["bid_id"], o["volume"], o["accepted_volume"], o["accepted_price"]) for o in orders]


def _clear_both(orders: list[BookOrder]) -> tuple[Any, Any]:
    assume = load()
    config, products, orderbook = assume_book(orders)
    reference_book, our_book = clone(orderbook), clone(orderbook)
    with time_priority_ties():
        reference = assume.clearing_mechanisms["pay_as_clear"](config).clear(
            reference_book, products
        )
    ours = assume.clearing_mechanisms[PAY_AS_CLEAR_FAST](config).clear(our_book, products)
    return reference, ours


def _assert_identical(reference: Any, ours: Any) -> None:
    ref_accepted, ref_rejected, ref_meta, ref_flows = reference
    accepted, rejected, meta, flows = ours
    assert _summary(accepted) == _summary(ref_accepted)
    assert _summary(rejected) == _summary(ref_rejected)
    assert meta == ref_meta
    assert flows == ref_flows


@SETTINGS
@given(order_specs)
@example([])  # empty book
@example([("buy", 10, 5, 1), ("buy", 20, 7, 2)])  # no supply
@example([("sell", 10, 5, 1), ("sell", 20, 7, 2)])  # no demand
@example([("buy", 10, 4, 1), ("sell", 10, 5, 2)])  # no cross
@example([("sell", 10, 5, 1), ("buy", 7, 5, 2)])  # partial sell at equal price (70 %)
@example([("buy", 10, 5, 1), ("sell", 7, 5, 2)])  # partial buy
@example([("sell", 10, 5, 1), ("sell", 10, 5, 2), ("buy", 15, 5, 3)])  # tie, marginal split
@example([("buy", 10, 9, 1), ("buy", 10, 9, 2), ("sell", 15, 3, 3)])  # tied buyers
@example(
    [("sell", 10, 2, 1), ("sell", 10, 6, 2), ("buy", 15, 8, 3), ("buy", 10, 4, 4)]
)  # partially filled sell order reached again by a buyer it does not cross
def test_fast_role_gives_assumes_exact_outputs(specs: list[tuple[str, int, int, int]]) -> None:
    reference, ours = _clear_both(_book(specs))
    _assert_identical(reference, ours)


@SETTINGS
@given(order_specs, st.sampled_from([1, 7, 1000]))
def test_clear_day_fills_and_price_agree(
    specs: list[tuple[str, int, int, int]], price_scale: int
) -> None:
    orders = _book(specs, price_scale)
    theirs = clear_day(DAY, orders, mechanism=PAY_AS_CLEAR)
    ours = clear_day(DAY, orders, mechanism=PAY_AS_CLEAR_FAST)
    assert ours.fills == theirs.fills
    assert ours.price_ticks == theirs.price_ticks
    assert ours.cleared_ticks == theirs.cleared_ticks
    filled = {f.order_id: f.volume_ticks for f in ours.fills}
    for order in orders:
        assert 0 <= filled.get(order.order_id, 0) <= order.volume_ticks


def test_multiple_products_and_foreign_products_like_assume() -> None:
    """Several products in one orderbook, and orders for a product not being cleared."""
    day2 = date(2026, 6, 16)
    day3 = date(2026, 6, 17)
    config, products, book1 = assume_book(
        _book([("sell", 10, 5, 1), ("buy", 6, 6, 2), ("buy", 6, 5, 3)])
    )
    _c2, products2, book2 = assume_book(_book([("sell", 4, 3, 1), ("buy", 9, 9, 2)]), day=day2)
    _c3, _p3, book3 = assume_book(_book([("sell", 4, 3, 1), ("buy", 9, 9, 2)]), day=day3)
    orderbook = book3 + book2 + book1
    assume = load()
    reference_book, our_book = clone(orderbook), clone(orderbook)
    with time_priority_ties():
        reference = assume.clearing_mechanisms["pay_as_clear"](config).clear(
            reference_book, products + products2
        )
    ours = PayAsClearFastRole(config).clear(our_book, products + products2)
    _assert_identical(reference, ours)
    assert len(ours[2]) == 2
    assert reference_book == our_book  # the same mutations of the caller's orderbook
