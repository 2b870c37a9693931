"""clear_day: one delivery day's book cleared by ASSUME mechanisms, fills in integer ticks."""

from __future__ import annotations

import random
from datetime import date

import pytest

from market_server.market import assume_loader
from market_server.market.day_clearing import (
    DEFAULT_MECHANISM,
    PAY_AS_BID,
    PAY_AS_CLEAR,
    PAY_AS_CLEAR_FAST,
    BookOrder,
    DayClearing,
    Fill,
    available_mechanisms,
    clear_day,
    time_priority_ties,
)

from .books import DAY, assume_book, buy, by_bid, clone, fills_by_order, sell, ticks

PAY_AS_CLEAR_FAMILY = [PAY_AS_CLEAR, PAY_AS_CLEAR_FAST]
ALL = available_mechanisms()


def test_available_mechanisms_are_registered_in_assume() -> None:
    assert {PAY_AS_CLEAR, PAY_AS_BID, PAY_AS_CLEAR_FAST} <= set(ALL)
    assert DEFAULT_MECHANISM in ALL
    mechanisms = assume_loader.load().clearing_mechanisms
    from assume.markets.base_market import MarketRole
    from assume.markets.clearing_algorithms import clearing_mechanisms

    assert mechanisms is clearing_mechanisms
    for name in ALL:
        assert issubclass(clearing_mechanisms[name], MarketRole)


@pytest.mark.parametrize("mechanism", ALL)
def test_seed_buyer_8_kwh_at_007_fills_at_007(mechanism: str) -> None:
    """The seed's numbers: 8 kWh/day at 0.07 against enough supply at 0.07."""
    result = clear_day(
        DAY,
        [buy("b", 8, 0.07, 1), sell("s1", 12, 0.07, 2), sell("s2", 10, 0.07, 3)],
        mechanism=mechanism,
    )
    assert result == DayClearing(DAY, mechanism, 70, 80, (Fill("b", 80, 70), Fill("s1", 80, 70)))


@pytest.mark.parametrize("mechanism", ALL)
def test_seller_12_kwh_at_009_against_enough_demand(mechanism: str) -> None:
    result = clear_day(
        DAY,
        [sell("s", 12, 0.09, 1), buy("b1", 10, 0.10, 2), buy("b2", 10, 0.09, 3)],
        mechanism=mechanism,
    )
    fills = fills_by_order(result)
    assert fills["s"] == (120, 90)
    assert result.cleared_ticks == 120
    assert result.price_ticks == 90
    assert fills["b1"][0] == 100 and fills["b2"][0] == 20


@pytest.mark.parametrize("mechanism", ALL)
def test_demand_for_70_percent_of_an_offer_fills_70_percent(mechanism: str) -> None:
    result = clear_day(DAY, [sell("s", 10, 0.09, 1), buy("b", 7, 0.10, 2)], mechanism=mechanism)
    assert fills_by_order(result) == {"s": (70, 90), "b": (70, 90)}
    assert result.cleared_ticks == 70
    # the 30 % remainder is the caller's: volume_ticks - filled = 30 ticks stay offered
    assert 100 - fills_by_order(result)["s"][0] == 30


@pytest.mark.parametrize("mechanism", ALL)
def test_no_cross_no_fills(mechanism: str) -> None:
    result = clear_day(DAY, [buy("b", 5, 0.06, 1), sell("s", 5, 0.07, 2)], mechanism=mechanism)
    assert result == DayClearing(DAY, mechanism, None, 0, ())


@pytest.mark.parametrize("mechanism", ALL)
@pytest.mark.parametrize("side", ["buy", "sell"])
def test_one_sided_and_empty_books(mechanism: str, side: str) -> None:
    orders = ticks(side, [(10, 50), (20, 60)])
    assert clear_day(DAY, orders, mechanism=mechanism) == DayClearing(DAY, mechanism, None, 0, ())
    assert clear_day(DAY, [], mechanism=mechanism) == DayClearing(DAY, mechanism, None, 0, ())


@pytest.mark.parametrize("mechanism", PAY_AS_CLEAR_FAMILY)
def test_uniform_price_is_highest_accepted_supply_price(mechanism: str) -> None:
    orders = [
        sell("cheap", 5, 0.05, 1),
        sell("dear", 5, 0.08, 2),
        sell("too_dear", 5, 0.20, 3),
        buy("b", 8, 0.12, 4),
    ]
    result = clear_day(DAY, orders, mechanism=mechanism)
    assert result.price_ticks == 80
    assert fills_by_order(result) == {"cheap": (50, 80), "dear": (30, 80), "b": (80, 80)}


def test_pay_as_bid_sellers_get_their_own_price() -> None:
    orders = [sell("cheap", 5, 0.05, 1), sell("dear", 5, 0.08, 2), buy("b", 8, 0.12, 3)]
    result = clear_day(DAY, orders, mechanism=PAY_AS_BID)
    fills = fills_by_order(result)
    assert fills["cheap"] == (50, 50)
    assert fills["dear"] == (30, 80)
    # ASSUME's pay_as_bid gives the buyer the price of the last sell order it was matched with
    assert fills["b"] == (80, 80)
    assert result.price_ticks == 80 and result.cleared_ticks == 80


@pytest.mark.parametrize("mechanism", ALL)
def test_equal_prices_fill_in_time_priority(mechanism: str) -> None:
    """Ties at equal price: the earlier order (smaller priority) fills first, on both sides."""
    early_sell, late_sell = sell("early_s", 5, 0.08, 10), sell("late_s", 5, 0.08, 20)
    early_buy, late_buy = buy("early_b", 3, 0.09, 11), buy("late_b", 3, 0.09, 21)
    small_sell = sell("small_s", 1, 0.08, 30)
    books = [
        [late_sell, early_sell, late_buy, early_buy],
        [early_buy, late_buy, early_sell, late_sell],
        [late_buy, late_sell, early_sell, early_buy],
    ]
    for book in books:
        fills = fills_by_order(clear_day(DAY, book, mechanism=mechanism))
        assert fills["early_s"][0] == 50 and "late_s" in fills and fills["late_s"][0] == 10
    # one sell order of 0.1 kWh less than both buys: the earlier buyer is served first
    for book in ([late_buy, early_buy, small_sell], [early_buy, small_sell, late_buy]):
        fills = fills_by_order(clear_day(DAY, book, mechanism=mechanism))
        assert set(fills) == {"early_b", "small_s"}
    # many equal orders, many times: always the same, always by priority
    sells = [sell(f"s{i}", 1, 0.08, 100 - i) for i in range(30)]
    buyer = buy("b", 10, 0.08, 1000)
    for _ in range(5):
        fills = fills_by_order(clear_day(DAY, [*sells, buyer], mechanism=mechanism))
        assert sorted(fills) == sorted(["b"] + [f"s{i}" for i in range(20, 30)])


def test_clear_day_leaves_the_global_random_state_alone() -> None:
    random.seed(1234)
    state = random.getstate()
    orders = [sell(f"s{i}", 1, 0.08, i) for i in range(20)] + [buy("b", 5, 0.09, 99)]
    for mechanism in ALL:
        clear_day(DAY, orders, mechanism=mechanism)
    assert random.getstate() == state
    simple = assume_loader.simple_module()
    assert simple.random is random


def test_clear_day_is_deterministic_and_pure() -> None:
    orders = [sell(f"s{i}", 1 + i % 3, 0.05 + (i % 4) / 100, i) for i in range(40)]
    orders += [buy(f"b{i}", 2 + i % 2, 0.06 + (i % 5) / 100, 100 + i) for i in range(40)]
    snapshot = list(orders)
    for mechanism in ALL:
        first = clear_day(DAY, orders, mechanism=mechanism)
        assert clear_day(DAY, list(reversed(orders)), mechanism=mechanism) == first
        assert orders == snapshot


def test_dst_days_in_the_community_time_zone() -> None:
    orders = [sell("s", 5, 0.08, 1), buy("b", 5, 0.09, 2)]
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        result = clear_day(day, orders, timezone="Europe/Berlin")
        assert result.day == day and result.cleared_ticks == 50


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ([BookOrder("x", "buy", 0, 70, 1)], "volume_ticks"),
        ([BookOrder("x", "buy", -5, 70, 1)], "volume_ticks"),
        ([BookOrder("x", "buy", 5, -1, 1)], "price_ticks"),
        ([BookOrder("x", "buy", 2.5, 70, 1)], "volume_ticks"),  # type: ignore[arg-type]
        ([BookOrder("x", "hold", 5, 70, 1)], "side"),  # type: ignore[arg-type]
        ([BookOrder("x", "buy", 5, 70, 1), BookOrder("x", "sell", 5, 70, 2)], "duplicate"),
    ],
)
def test_invalid_books_are_refused(orders: list[BookOrder], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clear_day(DAY, orders)


def test_unknown_mechanism_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown clearing mechanism"):
        clear_day(DAY, [], mechanism="lottery")


# --- agreement with ASSUME's own pay_as_clear, called directly -----------------------------


def _realistic_book(seed: int, n: int, *, unique_prices: bool) -> list[BookOrder]:
    rng = random.Random(seed)
    prices = rng.sample(range(30, 261), n) if unique_prices else None
    orders = []
    for i in range(n):
        price = prices[i] if prices else rng.randint(60, 130)
        side = "sell" if rng.random() < 0.5 else "buy"
        orders.append(BookOrder(f"o{i}", side, rng.randint(5, 130), price, i))  # type: ignore[arg-type]
    return orders


@pytest.mark.parametrize("seed", range(5))
def test_default_mechanism_agrees_with_assume_pay_as_clear_called_directly(seed: int) -> None:
    """Distinct prices: ASSUME's shuffle has nothing to decide; no neutralising needed."""
    PayAsClearRole = assume_loader.load().clearing_mechanisms["pay_as_clear"]
    orders = _realistic_book(seed, 200, unique_prices=True)
    config, products, orderbook = assume_book(orders)
    random.seed(seed)
    accepted, _rejected, meta, _flows = PayAsClearRole(config).clear(orderbook, products)
    result = clear_day(DAY, orders)
    assert fills_by_order(result) == by_bid(accepted)
    assert result.cleared_ticks == meta[0]["supply_volume"] == meta[0]["demand_volume"]
    assert result.cleared_ticks > 0
    assert result.price_ticks == meta[0]["max_price"]


@pytest.mark.parametrize("seed", range(5))
def test_default_mechanism_agrees_with_assume_on_tied_books(seed: int) -> None:
    """Many equal prices: ASSUME with its shuffle neutralised, book in priority order."""
    PayAsClearRole = assume_loader.load().clearing_mechanisms["pay_as_clear"]
    orders = _realistic_book(seed, 300, unique_prices=False)
    config, products, orderbook = assume_book(orders)
    with time_priority_ties():
        accepted, *_ = PayAsClearRole(config).clear(clone(orderbook), products)
    assert fills_by_order(clear_day(DAY, orders)) == by_bid(accepted)
    assert fills_by_order(clear_day(DAY, orders, mechanism=PAY_AS_CLEAR)) == by_bid(accepted)
