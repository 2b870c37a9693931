"""The OpenAPI document covers every route of the app, and real responses match its schemas."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from market_server.http import contract
from market_server.http.openapi import openapi_document
from market_server.http.web import is_public
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.schema_check import check

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_route_is_documented() -> None:
    from market_server.http.app import ROUTES

    doc = openapi_document()
    documented = {
        (method.upper(), _template(path))
        for path, item in doc["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = {(method, _template(path)) for method, path, _ in ROUTES}
    assert served == documented
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op["responses"], (method, path)
            assert op["summary"], (method, path)


async def test_app_routes_match_the_route_table(tmp_path: Path, clock: MutableClock) -> None:
    from market_server.http.app import ROUTES

    async with running_market(tmp_path, clock=clock) as market:
        routes = {
            (r.method, _template(r.resource.canonical))
            for r in market.app.router.routes()
            if r.method != "HEAD"
            and r.resource is not None
            and not is_public(r.resource.canonical)
            and not r.resource.canonical.startswith("/static")
        }
        assert routes == {(m, _template(p)) for m, p, _ in ROUTES}


async def _call(
    market: RunningMarket,
    doc: dict[str, Any],
    method: str,
    path: str,
    template: str,
    token: str | None,
    json: Any = None,
    expect: int = 200,
) -> Any:
    status, body = await market.request(method, path, token=token, json=json)
    assert status == expect, (method, path, body)
    op = doc["paths"][template][method.lower()]
    response = op["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    check(doc, schema, body, f"{method} {path}")
    if "$ref" in schema:
        # The model refuses fields it does not declare: a view cannot send one unnoticed.
        contract.validate(schema["$ref"].rsplit("/", 1)[1], body)
    return body


async def test_real_responses_match_the_document(
    tmp_path: Path, db_url: str, clock: MutableClock
) -> None:
    doc = openapi_document()
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        op = market.operator_token
        hh = await _call(
            market,
            doc,
            "POST",
            "/api/v1/operator/households",
            "/api/v1/operator/households",
            op,
            {"name": "Seller", "max_sell_kwh": 12.5},
            201,
        )
        joined = await _call(
            market,
            doc,
            "POST",
            "/api/v1/join",
            "/api/v1/join",
            None,
            {"code": hh["join_code"]},
            201,
        )
        seller = joined["token"]
        _, buyer = await market.join_household("Buyer")
        day = market.first_open_day().isoformat()
        await _call(market, doc, "GET", "/healthz", "/healthz", None)
        await _call(market, doc, "GET", "/api/v1/me", "/api/v1/me", seller)
        offer_body = {
            "side": "sell",
            "volumes": {day: 5.0},
            "limit_price": 0.07,
            "client_request_id": "a",
            "max_power_kw": 3.0,
            "note": "away",
        }
        offer = await _call(
            market, doc, "POST", "/api/v1/requests", "/api/v1/requests", seller, offer_body, 201
        )
        # The same body again is an idempotent replay (200, not 201).
        await _call(
            market, doc, "POST", "/api/v1/requests", "/api/v1/requests", seller, offer_body, 200
        )
        bid = await market.place(buyer, "buy", market.first_open_day(), 1, 2.0, 0.08)
        rid = offer["request_id"]
        oid = offer["orders"][0]["order_id"]
        await _call(market, doc, "GET", "/api/v1/requests", "/api/v1/requests", seller)
        await _call(
            market, doc, "GET", f"/api/v1/requests/{rid}", "/api/v1/requests/{request_id}", seller
        )
        await _call(
            market, doc, "GET", "/api/v1/orders?status=partially_filled", "/api/v1/orders", seller
        )
        await _call(
            market, doc, "GET", f"/api/v1/orders/{oid}", "/api/v1/orders/{order_id}", seller
        )
        await _call(market, doc, "GET", "/api/v1/fills", "/api/v1/fills", buyer)
        await _call(market, doc, "GET", "/api/v1/market", "/api/v1/market", buyer)
        await _call(
            market, doc, "GET", "/api/v1/operator/households", "/api/v1/operator/households", op
        )
        await _call(market, doc, "GET", "/api/v1/operator/orders", "/api/v1/operator/orders", op)
        await _call(market, doc, "POST", "/api/v1/operator/rounds", "/api/v1/operator/rounds", op)
        await _call(market, doc, "GET", "/api/v1/operator/rounds", "/api/v1/operator/rounds", op)
        await _call(
            market, doc, "GET", "/api/v1/operator/overview", "/api/v1/operator/overview", op
        )
        await _call(
            market, doc, "GET", "/api/v1/operator/settings", "/api/v1/operator/settings", op
        )
        hid = hh["household_id"]
        base = "/api/v1/operator/households/{household_id}"
        await _call(
            market,
            doc,
            "POST",
            f"/api/v1/operator/households/{hid}/limits",
            base + "/limits",
            op,
            {"max_sell_kwh": 11.0},
        )
        await _call(
            market, doc, "POST", f"/api/v1/operator/households/{hid}/disable", base + "/disable", op
        )
        await _call(
            market, doc, "POST", f"/api/v1/operator/households/{hid}/enable", base + "/enable", op
        )
        await _call(
            market,
            doc,
            "POST",
            f"/api/v1/operator/households/{hid}/rejoin",
            base + "/rejoin",
            op,
            None,
            201,
        )
        await _call(
            market, doc, "DELETE", f"/api/v1/orders/{oid}", "/api/v1/orders/{order_id}", seller
        )
        await _call(
            market,
            doc,
            "DELETE",
            f"/api/v1/requests/{bid['request_id']}",
            "/api/v1/requests/{request_id}",
            buyer,
        )
        clock.advance(days=3)
        await _call(market, doc, "POST", "/api/v1/operator/settle", "/api/v1/operator/settle", op)
        await _call(market, doc, "GET", "/api/v1/settlements", "/api/v1/settlements", seller)
        await _call(
            market, doc, "GET", "/api/v1/operator/export?format=json", "/api/v1/operator/export", op
        )
        # Errors carry the documented error shape.
        body = await _call(
            market,
            doc,
            "GET",
            "/api/v1/orders/or_x",
            "/api/v1/orders/{order_id}",
            seller,
            None,
            404,
        )
        assert body["error"] == "not_found"
        served = await _call(market, doc, "GET", "/api/openapi.json", "/api/openapi.json", None)
        assert served == openapi_document(market.settings, clock())
        assert served["paths"] == doc["paths"]


def _op(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(doc["paths"][path][method])


def _param(doc: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    return next(p for p in _op(doc, path, method)["parameters"] if p["name"] == name)


async def test_the_document_states_what_the_server_enforces(
    tmp_path: Path, clock: MutableClock
) -> None:
    """Issue 11, item 8: every bound the document states is the server's, probed on both sides;
    and a request built only from the document's bounds is accepted."""
    from market_server.market.order_status import STATUSES

    async with running_market(tmp_path, clock=clock) as market:
        status, doc = await market.request("GET", "/api/openapi.json")
        assert status == 200
        op = market.operator_token
        _, token = await market.join_household("Miller")
        hid = (await market.get("/api/v1/me", token))["household_id"]

        limits = _op(doc, "/api/v1/operator/households/{household_id}/limits", "post")
        assert "404" in limits["responses"]
        status, body = await market.request(
            "POST",
            "/api/v1/operator/households/hh_0123456789abcdef/limits",
            token=op,
            json={"max_sell_kwh": 1.0},
        )
        assert (status, body["error"]) == (404, "not_found")

        status_param = _param(doc, "/api/v1/orders", "get", "status")
        assert status_param["schema"]["items"]["enum"] == list(STATUSES)
        assert (status_param["style"], status_param["explode"]) == ("form", False)
        assert (await market.request("GET", "/api/v1/orders?status=open,filled", token=token))[
            0
        ] == 200
        assert (await market.request("GET", "/api/v1/orders?status=opened", token=token))[0] == 400

        fmt = _param(doc, "/api/v1/operator/export", "get", "format")["schema"]
        assert fmt["enum"] == ["csv", "json"]
        for value, expect in (("csv", 200), ("json", 200), ("xml", 400)):
            got, _ = await market.request(
                "GET", f"/api/v1/operator/export?format={value}", token=op
            )
            assert got == expect, value

        month = _param(doc, "/api/v1/settlements", "get", "month")["schema"]
        for value in (
            "2026-12",
            "9999-12",
            "0001-01",
            "0000-01",
            "2026-13",
            "202612",
            "2026-12-01",
        ):
            expect = 200 if re.fullmatch(month["pattern"], value) else 400
            got, _ = await market.request("GET", f"/api/v1/settlements?month={value}", token=token)
            assert got == expect, value

        limit = _param(doc, "/api/v1/operator/rounds", "get", "limit")["schema"]
        for value in (
            limit["minimum"] - 1,
            limit["minimum"],
            limit["maximum"],
            limit["maximum"] + 1,
        ):
            expect = 200 if limit["minimum"] <= value <= limit["maximum"] else 400
            got, _ = await market.request("GET", f"/api/v1/operator/rounds?limit={value}", token=op)
            assert got == expect, value

        since = _param(doc, "/api/v1/fills", "get", "since")["schema"]
        assert re.fullmatch(since["pattern"], "fl_0123456789abcdef")
        assert (await market.request("GET", "/api/v1/fills?since=fl_x", token=token))[0] == 400

        join = doc["components"]["schemas"]["JoinBody"]["properties"]
        assert join["code"]["minLength"] == join["name"]["minLength"] == 1
        for body in ({"code": ""}, {"code": "   "}, {"code": "ABCD-EFGH-JKLM", "name": " "}):
            got, _ = await market.request("POST", "/api/v1/join", json=body)
            assert got == 400, body
            assert not re.fullmatch(join["code"]["pattern"], body.get("name", body["code"]))

        schema = doc["components"]["schemas"]["RequestBody"]
        props = schema["properties"]
        open_days = [d.isoformat() for d in market.open_days()]
        assert props["start_day"]["enum"] == open_days
        assert props["volumes"]["propertyNames"]["enum"] == open_days
        assert len(schema["oneOf"]) == 2
        # The smallest request the document allows is accepted ...
        smallest = {
            "side": props["side"]["enum"][0],
            "start_day": props["start_day"]["enum"][0],
            "num_days": props["num_days"]["minimum"],
            "kwh_per_day": props["kwh_per_day"]["minimum"],
            "limit_price": props["limit_price"]["minimum"],
        }
        assert (await market.request("POST", "/api/v1/requests", token=token, json=smallest))[
            0
        ] == 201
        largest = {
            "side": "buy",
            "volumes": {day: props["kwh_per_day"]["maximum"] for day in open_days[-1:]},
            "limit_price": props["limit_price"]["maximum"],
        }
        assert (await market.request("POST", "/api/v1/requests", token=token, json=largest))[
            0
        ] == 201
        # ... and one step beyond any bound is refused.
        beyond = [
            {**smallest, "num_days": props["num_days"]["maximum"] + 1},
            {**smallest, "kwh_per_day": props["kwh_per_day"]["maximum"] + 0.1},
            {**smallest, "limit_price": props["limit_price"]["maximum"] + 0.001},
            {**smallest, "start_day": market.first_open_day().isoformat().replace("-", "")},
            {**smallest, "volumes": {open_days[0]: 1.0}},  # both forms: the oneOf
            {k: v for k, v in smallest.items() if k != "num_days"},
            {**smallest, "max_power_kw": props["max_power_kw"]["maximum"] + 1},
        ]
        for body in beyond:
            got, answer = await market.request("POST", "/api/v1/requests", token=token, json=body)
            assert got == 400, (body, answer)

        # Each field of these bodies is optional, as the server takes them.
        assert doc["components"]["schemas"]["LimitsBody"]["required"] == []
        assert doc["components"]["schemas"]["RejoinBody"]["required"] == []
        sell = doc["components"]["schemas"]["LimitsBody"]["properties"]["max_sell_kwh"]
        assert sell["minimum"] == 0
        status, _ = await market.request(
            "POST",
            f"/api/v1/operator/households/{hid}/limits",
            token=op,
            json={"max_sell_kwh": sell["minimum"]},
        )
        assert status == 200
