"""Issue 19, item 6: disabling a household takes its open orders out of the book (they are
cancelled; what already filled stays filled and is settled), so its open bid cannot fill
against a new offer. Enabling it again brings nothing back."""

from __future__ import annotations

import pytest

from tests.market_harness import RunningMarket

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_a_disabled_households_open_bid_does_not_fill(market: RunningMarket) -> None:
    buyer_id, buyer = await market.join_household("Buyer")
    _, seller = await market.join_household("Seller")
    _, other_seller = await market.join_household("Other seller")
    day = market.first_open_day()
    # Half of the bid fills before the household is disabled.
    bid = await market.place(buyer, "buy", day, 2, 4.0, 0.10)
    await market.place(seller, "sell", day, 1, 2.0, 0.05)
    status, hh = await market.request(
        "POST",
        f"/api/v1/operator/households/{buyer_id}/disable",
        token=market.operator_token,
    )
    assert (status, hh["disabled"], hh["open_kwh"]) == (200, True, 0.0), hh
    # A new offer that would have met the bid finds nothing to buy.
    offer = await market.place(other_seller, "sell", day, 2, 4.0, 0.05)
    assert [o["filled_kwh"] for o in offer["orders"]] == [0.0, 0.0]
    await market.clear()
    mine = (await market.get(f"/api/v1/requests/{bid['request_id']}", buyer))["orders"]
    assert [(o["status"], o["filled_kwh"]) for o in mine] == [
        ("cancelled", 2.0),
        ("cancelled", 0.0),
    ]
    # The market data shows no open demand; the operator's book shows it cancelled.
    book = await market.get(
        "/api/v1/operator/orders?status=open,partially_filled", market.operator_token
    )
    assert {o["household_id"] for o in book["orders"]} != {buyer_id}
    assert all(o["household_id"] != buyer_id for o in book["orders"])
    # Enabled again: the cancelled orders stay cancelled; the household places anew.
    await market.request(
        "POST",
        f"/api/v1/operator/households/{buyer_id}/enable",
        token=market.operator_token,
    )
    mine = (await market.get(f"/api/v1/requests/{bid['request_id']}", buyer))["orders"]
    assert [o["status"] for o in mine] == ["cancelled", "cancelled"]
    again = await market.place(buyer, "buy", day, 1, 1.0, 0.10)
    assert again["orders"][0]["filled_kwh"] == 1.0
