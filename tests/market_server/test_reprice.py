"""Re-pricing a request's remainder in one step (POST /api/v1/requests/{id}/reprice).

Real server over loopback, real clearing after each submission. The old remainder and its
replacement change together or not at all: a refused re-price leaves the old orders on the
market at their old price.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.market_harness import RunningMarket, running_market


async def _orders_of(market: RunningMarket, token: str, request_id: str) -> list[dict[str, Any]]:
    return list((await market.get(f"/api/v1/requests/{request_id}", token))["orders"])


async def _all_requests(market: RunningMarket, token: str) -> list[dict[str, Any]]:
    return list((await market.get("/api/v1/requests", token))["requests"])


async def test_the_remainder_moves_to_the_new_price_and_fills(
    tmp_path: Path, socket_enabled: None
) -> None:
    async with running_market(tmp_path) as market:
        seller = (await market.join_household("Seller"))[1]
        buyer = (await market.join_household("Buyer"))[1]
        first = market.open_days()[1]
        old = await market.place(seller, "sell", first, 3, 5.0, 0.10)
        # Two kWh of the first day sell at the old price; the rest finds no buyer at 0.10.
        await market.place(buyer, "buy", first, 1, 2.0, 0.10)
        await market.place(buyer, "buy", first + timedelta(days=1), 1, 4.0, 0.08)

        status, new = await market.request(
            "POST",
            f"/api/v1/requests/{old['request_id']}/reprice",
            token=seller,
            json={"limit_price": 0.08, "client_request_id": "reprice-1"},
        )
        assert status == 201, new
        assert new["request_id"] != old["request_id"]
        assert new["side"] == "sell"
        assert [(o["day"], o["volume_kwh"], o["limit_price"]) for o in new["orders"]] == [
            (first.isoformat(), 3.0, 0.08),
            ((first + timedelta(days=1)).isoformat(), 5.0, 0.08),
            ((first + timedelta(days=2)).isoformat(), 5.0, 0.08),
        ]
        # The replacement met the standing bid at 0.08 in the round after it.
        assert new["orders"][1]["filled_kwh"] == 4.0
        # The old request keeps what it sold; its remainder is off the market.
        old_orders = await _orders_of(market, seller, old["request_id"])
        assert [o["status"] for o in old_orders] == ["cancelled"] * 3
        assert old_orders[0]["filled_kwh"] == 2.0
        live = await market.get("/api/v1/orders?status=open,partially_filled", seller)
        assert {o["request_id"] for o in live["orders"]} == {new["request_id"]}

        # A retry returns the same replacement and changes nothing.
        status, again = await market.request(
            "POST",
            f"/api/v1/requests/{old['request_id']}/reprice",
            token=seller,
            json={"limit_price": 0.08, "client_request_id": "reprice-1"},
        )
        assert status == 200 and again["request_id"] == new["request_id"]
        assert len(await _all_requests(market, seller)) == 2
        # The same id for another price is a conflict, not a second replacement.
        status, body = await market.request(
            "POST",
            f"/api/v1/requests/{old['request_id']}/reprice",
            token=seller,
            json={"limit_price": 0.07, "client_request_id": "reprice-1"},
        )
        assert status == 409 and body["error"] == "idempotency_conflict", body
        # The old request has nothing left to move.
        status, body = await market.request(
            "POST",
            f"/api/v1/requests/{old['request_id']}/reprice",
            token=seller,
            json={"limit_price": 0.07},
        )
        assert status == 409 and body["error"] == "nothing_to_reprice", body
        assert "nothing to re-price" in body["message"]

        # Only the days asked for move; the others stay where they are.
        status, moved = await market.request(
            "POST",
            f"/api/v1/requests/{new['request_id']}/reprice",
            token=seller,
            json={"limit_price": 0.075, "days": [(first + timedelta(days=2)).isoformat()]},
        )
        assert status == 201, moved
        assert [(o["day"], o["volume_kwh"]) for o in moved["orders"]] == [
            ((first + timedelta(days=2)).isoformat(), 5.0)
        ]
        kept = await _orders_of(market, seller, new["request_id"])
        assert [o["status"] for o in kept] == ["open", "partially_filled", "cancelled"]


async def test_a_refused_reprice_leaves_the_old_orders_on_the_market(
    tmp_path: Path, socket_enabled: None
) -> None:
    async with running_market(tmp_path) as market:
        household_id, seller = await market.join_household("Seller", max_sell_kwh=10.0)
        stranger = (await market.join_household("Stranger"))[1]
        first = market.open_days()[1]
        old = await market.place(seller, "sell", first, 2, 5.0, 0.10)
        path = f"/api/v1/requests/{old['request_id']}/reprice"
        before = await _orders_of(market, seller, old["request_id"])

        # Bodies as a careless client sends them (NaN is not JSON, but Python writes it).
        refusals = [
            (None, '{"limit_price": 0.08}', 401),
            (stranger, '{"limit_price": 0.08}', 404),
            (seller, '{"limit_price": -0.05}', 400),
            (seller, '{"limit_price": NaN}', 400),
            (seller, '{"limit_price": 1e308}', 400),
            (seller, '{"limit_price": 0.0805}', 400),
            (seller, '{"limit_price": 0.08, "kwh_per_day": 1}', 400),
            (seller, "{}", 400),
            (seller, "[]", 400),
            (seller, "{", 400),
            (seller, '{"limit_price": 0.08, "days": []}', 400),
            (seller, '{"limit_price": 0.08, "days": ["2026-W50-3"]}', 400),
            (seller, '{"limit_price": 0.08, "days": "2026-12-10"}', 400),
        ]
        for token, text, expected in refusals:
            status, reply = await market.request(
                "POST", path, token=token, data=text, headers={"Content-Type": "application/json"}
            )
            assert status == expected, (text, reply)
            assert reply["message"], reply
        assert await _orders_of(market, seller, old["request_id"]) == before

        # The operator lowers the household's open-volume limit below its remainder: placing
        # the replacement fails inside the transaction, after the old orders were cancelled in
        # it. Both changes roll back together.
        await market.set_limits(household_id, max_open_kwh=6.0)
        status, reply = await market.request(
            "POST", path, token=seller, json={"limit_price": 0.08, "client_request_id": "r-1"}
        )
        assert status == 400 and reply["error"] == "limit_exceeded", reply

        after = await _orders_of(market, seller, old["request_id"])
        assert after == before
        assert [o["status"] for o in after] == ["open", "open"]
        assert [o["limit_price"] for o in after] == [0.10, 0.10]
        assert len(await _all_requests(market, seller)) == 1
        # Nothing was kept under the client id either: once allowed, the same call succeeds.
        await market.set_limits(household_id, max_open_kwh=50.0)
        status, reply = await market.request(
            "POST", path, token=seller, json={"limit_price": 0.08, "client_request_id": "r-1"}
        )
        assert status == 201, reply
        assert [o["limit_price"] for o in reply["orders"]] == [0.08, 0.08]


async def test_a_replay_answers_only_for_the_same_request_and_reprice(
    tmp_path: Path, db_url: str, socket_enabled: None
) -> None:
    """Issue 19, item 3: ownership is checked before the replay lookup, and a client_request_id
    replays only the re-price it made (same request, same price, same days)."""
    async with running_market(tmp_path, db_url=db_url) as market:
        seller = (await market.join_household("Seller"))[1]
        stranger = (await market.join_household("Stranger"))[1]
        first = market.open_days()[1]
        older = await market.place(seller, "sell", first, 2, 2.0, 0.10)
        other = await market.place(seller, "sell", first, 2, 2.0, 0.11)
        theirs = await market.place(stranger, "buy", first + timedelta(days=3), 1, 1.0, 0.01)

        def reprice(request_id: str, **body: Any) -> Any:
            return market.request(
                "POST", f"/api/v1/requests/{request_id}/reprice", token=seller, json=body
            )

        # An older request's client id (any request's) is no replay of a re-price.
        status, body = await reprice(
            other["request_id"], limit_price=0.10, client_request_id=older["client_request_id"]
        )
        assert status == 409 and body["error"] == "idempotency_conflict", body
        # Another household's request is not found, whatever the client id says.
        status, body = await reprice(
            theirs["request_id"], limit_price=0.08, client_request_id=older["client_request_id"]
        )
        assert status == 404, body
        status, made = await reprice(other["request_id"], limit_price=0.08, client_request_id="rp")
        assert status == 201, made
        status, body = await reprice(theirs["request_id"], limit_price=0.08, client_request_id="rp")
        assert status == 404, body
        # The same id with the same price for another of its requests is not that re-price.
        status, body = await reprice(older["request_id"], limit_price=0.08, client_request_id="rp")
        assert status == 409 and body["error"] == "idempotency_conflict", body
        status, body = await reprice(
            other["request_id"], limit_price=0.08, client_request_id="rp", days=[first.isoformat()]
        )
        assert status == 409 and body["error"] == "idempotency_conflict", body
        # The same call again is the replay.
        status, again = await reprice(other["request_id"], limit_price=0.08, client_request_id="rp")
        assert (status, again["request_id"]) == (200, made["request_id"])
        # Nothing else moved.
        prices = {
            o["request_id"]: o["limit_price"]
            for o in (await market.get("/api/v1/orders?status=open", seller))["orders"]
        }
        assert prices == {older["request_id"]: 0.10, made["request_id"]: 0.08}
