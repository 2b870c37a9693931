"""The market's flows over real HTTP, on SQLite and PostgreSQL: the seed's numbers, partial days,
partial volume, later rounds, gate closure, settlement, privacy, idempotency, re-join."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.market_harness import MarketHTTPError, MutableClock, RunningMarket, running_market

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _filled(request: dict[str, Any]) -> float:
    return round(sum(o["filled_kwh"] for o in request["orders"]), 1)


async def test_buyer_seed_fills_56_kwh_at_0_07(market: RunningMarket) -> None:
    _, seller = await market.join_household("Seller")
    _, buyer = await market.join_household("Buyer")
    day = market.first_open_day()
    await market.place(seller, "sell", day, 7, 10.0, 0.07)
    request = await market.place(buyer, "buy", day, 7, 8.0, 0.07)

    assert _filled(request) == 56.0
    assert [o["status"] for o in request["orders"]] == ["filled"] * 7
    assert {o["avg_price"] for o in request["orders"]} == {0.07}
    assert request["status"] == "done"
    fills = (await market.get("/api/v1/fills", buyer))["fills"]
    assert len(fills) == 7
    assert sum(f["volume_kwh"] for f in fills) == 56.0
    assert {f["price"] for f in fills} == {0.07}
    assert all(f["amount_eur"] == -0.56 for f in fills)
    # The seller's remainder (2 kWh per day) stays in the book.
    seller_orders = (await market.get("/api/v1/orders", seller))["orders"]
    assert {(o["status"], o["remaining_kwh"]) for o in seller_orders} == {("partially_filled", 2.0)}
    view = await market.get("/api/v1/market", buyer)
    first = next(d for d in view["days"] if d["day"] == day.isoformat())
    assert first["last_price"] == 0.07
    assert first["cleared_kwh"] == 8.0
    assert first["open_sell_kwh"] == 2.0
    assert first["open_buy_kwh"] == 0.0
    assert "household" not in str(view)


async def test_seller_seed_earns_7_56_in_settlement(
    market: RunningMarket, clock: MutableClock
) -> None:
    _, seller = await market.join_household("Holiday", max_sell_kwh=13.0)
    _, buyer = await market.join_household("Renovation")
    day = market.first_open_day()
    await market.place(buyer, "buy", day, 7, 15.0, 0.10)
    request = await market.place(seller, "sell", day, 7, 12.0, 0.09)
    assert _filled(request) == 84.0
    assert {o["avg_price"] for o in request["orders"]} == {0.09}

    # Nothing is settled before the delivery days have passed.
    assert (await market.settle())["entries"] == 0
    clock.set(clock.now + timedelta(days=10))
    settled = await market.settle()
    assert settled["entries"] == 14
    assert settled["earned_eur"] == 7.56
    assert settled["paid_eur"] == 7.56
    assert (await market.settle())["entries"] == 0  # never twice

    ledger = await market.get("/api/v1/settlements", seller)
    assert len(ledger["settlements"]) == 7
    assert ledger["totals"] == {
        "earned_eur": 7.56,
        "paid_eur": 0.0,
        "net_eur": 7.56,
        "refunds_eur": 0.0,
        "energy_earned_eur": 0.0,
        "energy_paid_eur": 0.0,
        "own_credit_earned_eur": 0.0,
        "own_credit_paid_eur": 0.0,
    }
    buyer_ledger = await market.get("/api/v1/settlements", buyer)
    assert buyer_ledger["totals"]["paid_eur"] == 7.56
    assert buyer_ledger["totals"]["net_eur"] == -7.56
    month = day.strftime("%Y-%m")
    by_month = await market.get(f"/api/v1/settlements?month={month}", seller)
    assert len(by_month["settlements"]) == sum(
        1 for i in range(7) if (day + timedelta(days=i)).strftime("%Y-%m") == month
    )

    status, csv_text = await market.request(
        "GET", "/api/v1/operator/export?format=csv", token=market.operator_token
    )
    assert status == 200
    lines = csv_text.strip().splitlines()
    assert len(lines) == 15
    assert lines[0].startswith("entry_id,day,household_id")
    status, exported = await market.request(
        "GET", "/api/v1/operator/export?format=json", token=market.operator_token
    )
    assert exported["count"] == 14
    assert sum(float(e["amount_eur"]) for e in exported["entries"]) == 0.0


async def test_supply_on_five_of_seven_days_then_the_rest_later(market: RunningMarket) -> None:
    _, seller = await market.join_household("Seller")
    _, late_seller = await market.join_household("Late seller")
    _, buyer = await market.join_household("Buyer")
    day = market.first_open_day()
    await market.place(seller, "sell", day, 5, 10.0, 0.07)
    request = await market.place(buyer, "buy", day, 7, 8.0, 0.08)
    statuses = [o["status"] for o in request["orders"]]
    assert statuses == ["filled"] * 5 + ["open"] * 2
    assert _filled(request) == 40.0
    assert request["status"] == "open"
    open_orders = (await market.get("/api/v1/orders?status=open", buyer))["orders"]
    assert [o["day"] for o in open_orders] == [
        (day + timedelta(days=i)).isoformat() for i in (5, 6)
    ]

    # A later round fills the rest when a counterparty arrives.
    await market.place(late_seller, "sell", day + timedelta(days=5), 2, 8.0, 0.06)
    status, after = await market.request(
        "GET", f"/api/v1/requests/{request['request_id']}", token=buyer
    )
    assert status == 200
    assert [o["status"] for o in after["orders"]] == ["filled"] * 7
    assert after["status"] == "done"
    assert _filled(after) == 56.0


@pytest.mark.market(clear_on_submit=False)
async def test_partial_volume_then_gate_closure_expires_the_rest(
    market: RunningMarket, clock: MutableClock
) -> None:
    _, seller = await market.join_household("Seller")
    _, buyer = await market.join_household("Buyer")
    day = market.first_open_day()
    offer = await market.place(seller, "sell", day, 1, 10.0, 0.05)
    assert offer["orders"][0]["status"] == "open"
    await market.place(buyer, "buy", day, 1, 7.0, 0.06)
    summary = await market.clear()
    assert summary["fills"] == 2
    assert summary["days"][0]["price"] == 0.05
    order = (await market.get("/api/v1/orders", seller))["orders"][0]
    assert order["status"] == "partially_filled"
    assert (order["filled_kwh"], order["remaining_kwh"]) == (7.0, 3.0)  # 70 % sold

    # Nothing new: a round fills nothing and the 30 % stay offered.
    assert (await market.clear())["fills"] == 0
    # Gate closure (the day before, 18:00 Berlin) expires the remainder at the next round.
    gate = order["gate_closure"]
    clock.set(clock.now.fromisoformat(gate) + timedelta(seconds=1))
    summary = await market.clear()
    assert summary["expired"] == 1
    order = (await market.get("/api/v1/orders", seller))["orders"][0]
    assert order["status"] == "expired"
    assert (order["filled_kwh"], order["remaining_kwh"]) == (7.0, 0.0)
    # ... and the day no longer takes orders.
    with pytest.raises(MarketHTTPError) as refused:
        await market.place(buyer, "buy", day, 1, 1.0, 0.1)
    assert (refused.value.status, refused.value.body["error"]) == (400, "gate_closed")


async def test_households_see_and_cancel_only_their_own(market: RunningMarket) -> None:
    _, alice = await market.join_household("Alice")
    _, bob = await market.join_household("Bob")
    day = market.first_open_day()
    request = await market.place(alice, "buy", day, 2, 3.0, 0.05)
    rid = request["request_id"]
    oid = request["orders"][0]["order_id"]
    for method, path in (
        ("GET", f"/api/v1/requests/{rid}"),
        ("DELETE", f"/api/v1/requests/{rid}"),
        ("GET", f"/api/v1/orders/{oid}"),
        ("DELETE", f"/api/v1/orders/{oid}"),
        ("GET", "/api/v1/requests/rq_unknown"),
        ("DELETE", "/api/v1/orders/or_unknown"),
    ):
        status, body = await market.request(method, path, token=bob)
        assert (status, body["error"]) == (404, "not_found"), (method, path)
    assert (await market.get("/api/v1/orders", bob))["orders"] == []
    assert (await market.get("/api/v1/requests", bob))["requests"] == []
    # Still intact for Alice; she cancels one order, then the whole request.
    status, order = await market.request("DELETE", f"/api/v1/orders/{oid}", token=alice)
    assert (status, order["status"]) == (200, "cancelled")
    status, cancelled = await market.request("DELETE", f"/api/v1/requests/{rid}", token=alice)
    assert status == 200
    assert [o["status"] for o in cancelled["orders"]] == ["cancelled", "cancelled"]
    assert cancelled["status"] == "done"
    # No token, a bad token, an operator route with a household token.
    assert (await market.request("GET", "/api/v1/orders"))[0] == 401
    assert (await market.request("GET", "/api/v1/orders", token="nope"))[0] == 401
    status, body = await market.request("GET", "/api/v1/operator/overview", token=alice)
    assert (status, body["error"]) == (403, "forbidden")


async def test_idempotent_retry_and_conflict(market: RunningMarket) -> None:
    _, buyer = await market.join_household("Buyer")
    _, other = await market.join_household("Other")
    body = {
        "side": "buy",
        "start_day": market.first_open_day().isoformat(),
        "num_days": 3,
        "kwh_per_day": 4.5,
        "limit_price": 0.08,
        "client_request_id": "retry-me",
        "note": "renovation",
    }
    s1, first = await market.request("POST", "/api/v1/requests", token=buyer, json=body)
    s2, again = await market.request("POST", "/api/v1/requests", token=buyer, json=body)
    assert (s1, s2) == (201, 200)
    assert again == first
    assert len((await market.get("/api/v1/orders", buyer))["orders"]) == 3
    s3, conflict = await market.request(
        "POST", "/api/v1/requests", token=buyer, json={**body, "kwh_per_day": 5.0}
    )
    assert (s3, conflict["error"], conflict["field"]) == (
        409,
        "idempotency_conflict",
        "client_request_id",
    )
    # The same client id from another household is another request.
    s4, theirs = await market.request("POST", "/api/v1/requests", token=other, json=body)
    assert s4 == 201
    assert theirs["request_id"] != first["request_id"]
    assert len((await market.get("/api/v1/orders", buyer))["orders"]) == 3


async def test_a_household_never_trades_with_itself(market: RunningMarket) -> None:
    _, home = await market.join_household("Home")
    _, neighbour = await market.join_household("Neighbour")
    day = market.first_open_day()
    offer = await market.place(home, "sell", day, 3, 8.0, 0.06)
    assert _filled(offer) == 0
    # A bid of its own that would cross its open offer on the 3rd day is refused.
    with pytest.raises(MarketHTTPError) as refused:
        await market.place(home, "buy", day + timedelta(days=2), 3, 4.0, 0.15)
    assert (refused.value.status, refused.value.body["error"]) == (409, "opposite_order_open")
    assert (day + timedelta(days=2)).isoformat() in refused.value.body["message"]
    orders = (await market.get("/api/v1/orders", home))["orders"]
    assert sorted({o["side"] for o in orders}) == ["sell"]
    assert all(o["filled_kwh"] == 0 for o in orders)
    # After a day the offer no longer covers, the same bid is fine; a neighbour's bid
    # still fills the offer.
    later = await market.place(home, "buy", day + timedelta(days=3), 2, 4.0, 0.15)
    assert len(later["orders"]) == 2
    bought = await market.place(neighbour, "buy", day, 1, 5.0, 0.07)
    assert _filled(bought) == 5.0


async def test_rejoin_keeps_the_household_and_revokes_the_old_token(market: RunningMarket) -> None:
    household_id, old_token = await market.join_household("Miller")
    await market.place(old_token, "buy", market.first_open_day(), 1, 2.0, 0.05)
    status, code = await market.request(
        "POST",
        f"/api/v1/operator/households/{household_id}/rejoin",
        token=market.operator_token,
    )
    assert status == 201
    assert code["household_id"] == household_id
    # The old token still works until the code is redeemed.
    assert (await market.request("GET", "/api/v1/me", token=old_token))[0] == 200
    status, joined = await market.request(
        "POST", "/api/v1/join", json={"code": code["join_code"], "name": "Miller family"}
    )
    assert status == 201
    assert joined["household_id"] == household_id
    new_token = joined["token"]
    assert (await market.request("GET", "/api/v1/me", token=old_token))[0] == 401
    me = await market.get("/api/v1/me", new_token)
    assert (me["household_id"], me["name"]) == (household_id, "Miller family")
    assert len((await market.get("/api/v1/orders", new_token))["orders"]) == 1
    # A code works once; an unknown code is invalid.
    status, body = await market.request("POST", "/api/v1/join", json={"code": code["join_code"]})
    assert (status, body["error"]) == (409, "join_code_used")
    status, body = await market.request("POST", "/api/v1/join", json={"code": "AAAA-BBBB-CCCC"})
    assert (status, body["error"]) == (404, "join_code_invalid")
    status, body = await market.request(
        "POST", "/api/v1/operator/households/hh_nobody/rejoin", token=market.operator_token
    )
    assert status == 404


async def test_disabled_household_is_refused(market: RunningMarket) -> None:
    household_id, token = await market.join_household("Miller")
    status, hh = await market.request(
        "POST",
        f"/api/v1/operator/households/{household_id}/disable",
        token=market.operator_token,
    )
    assert (status, hh["disabled"]) == (200, True)
    with pytest.raises(MarketHTTPError) as err:
        await market.place(token, "buy", market.first_open_day(), 1, 1.0, 0.05)
    assert err.value.status == 403
    assert err.value.body["error"] == "household_disabled"
    me = await market.get("/api/v1/me", token)
    assert me["disabled"] is True
    await market.request(
        "POST",
        f"/api/v1/operator/households/{household_id}/enable",
        token=market.operator_token,
    )
    await market.place(token, "buy", market.first_open_day(), 1, 1.0, 0.05)


async def test_operator_views(tmp_path: Path, db_url: str, clock: MutableClock) -> None:
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        _, seller = await market.join_household("Seller")
        _, buyer = await market.join_household("Buyer")
        day = market.first_open_day()
        await market.place(seller, "sell", day, 2, 10.0, 0.07)
        await market.place(buyer, "buy", day, 1, 4.0, 0.09)
        overview = await market.get("/api/v1/operator/overview", market.operator_token)
        first = next(d for d in overview["days"] if d["day"] == day.isoformat())
        assert first["households"] == 2
        assert first["last_price"] == 0.07
        assert first["cleared_kwh"] == 4.0
        assert first["open_sell_kwh"] == 6.0
        assert overview["households"] == {"total": 2, "disabled": 0}
        assert overview["rounds"][0]["status"] == "completed"
        listed = await market.get("/api/v1/operator/households", market.operator_token)
        assert sorted(h["name"] for h in listed["households"]) == ["Buyer", "Seller"]
        assert all(h["joined"] for h in listed["households"])
        orders = await market.get("/api/v1/operator/orders?status=open", market.operator_token)
        assert [o["household_name"] for o in orders["orders"]] == ["Seller"]
        recent = await market.get("/api/v1/operator/rounds", market.operator_token)
        assert len(recent["rounds"]) == 2
        fills = (await market.get("/api/v1/fills", buyer))["fills"]
        assert len(fills) == 1
        since = await market.get(f"/api/v1/fills?since={fills[0]['fill_id']}", buyer)
        assert since["fills"] == []
