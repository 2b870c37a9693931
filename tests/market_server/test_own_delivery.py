"""A household's own record as a seller in ``GET /api/v1/me``: what its battery delivered per
kWh it sold over its last settled selling days (its agent offers only what that record says
the battery delivers); buyers and households that sold nothing have no record."""

from __future__ import annotations

import pytest

from tests.market_harness import MutableClock, RunningMarket

from .test_settlement_delivery import _book, _report


@pytest.mark.market(clear_on_submit=False)
async def test_me_carries_the_households_own_delivery_record(
    market: RunningMarket, clock: MutableClock
) -> None:
    book = await _book(market, clock)
    # Reported but not settled: nothing on record yet.
    await _report(market, book.sellers["A"], book.day, "sell", 2.5)
    await _report(market, book.sellers["B"], book.day, "sell", 10.0)
    for token in book.buyers.values():
        await _report(market, token, book.day, "buy", 0.0)
    me = await market.get("/api/v1/me", book.sellers["A"])
    assert me["delivery"] == {"days": 0, "delivered_per_kwh_sold": None}
    assert (await market.settle())["pending_days"] == 0
    # A delivered 2.5 of its 10 kWh, B all of it; a buyer sold nothing.
    a = await market.get("/api/v1/me", book.sellers["A"])
    b = await market.get("/api/v1/me", book.sellers["B"])
    x = await market.get("/api/v1/me", book.buyers["X"])
    assert a["delivery"] == {"days": 1, "delivered_per_kwh_sold": 0.25}
    assert b["delivery"] == {"days": 1, "delivered_per_kwh_sold": 1.0}
    assert x["delivery"] == {"days": 0, "delivered_per_kwh_sold": None}
