"""Every bad input gets a 4xx with a machine code and a sentence, and stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from market_server.storage import store as db
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _counts(url: str) -> tuple[int, int]:
    store = Store(url)
    try:
        with store.read() as conn:
            return (
                int(conn.execute(sa.select(sa.func.count()).select_from(db.requests)).scalar_one()),
                int(conn.execute(sa.select(sa.func.count()).select_from(db.orders)).scalar_one()),
            )
    finally:
        store.dispose()


async def _raw(
    market: RunningMarket, token: str, data: bytes, content_type: str = "application/json"
) -> tuple[int, Any]:
    return await market.request(
        "POST", "/api/v1/requests", token=token, data=data, headers={"Content-Type": content_type}
    )


async def test_bad_requests_are_refused_and_store_nothing(
    market: RunningMarket, db_url: str, clock: MutableClock
) -> None:
    _, token = await market.join_household("Miller", max_sell_kwh=10.0)
    today = clock.now.date()
    day = market.first_open_day()
    good: dict[str, Any] = {
        "side": "sell",
        "start_day": day.isoformat(),
        "num_days": 1,
        "kwh_per_day": 6.0,
        "limit_price": 0.08,
    }
    # One legitimate offer: 6 kWh on `day` (the household may sell 10 kWh a day).
    await market.place(token, "sell", day, 1, 6.0, 0.08)
    before = _counts(market.db_url)
    assert before == (1, 1)

    cases: list[tuple[str, dict[str, Any], int, str, str | None]] = [
        ("unknown field", {**good, "colour": "red"}, 400, "validation_error", "colour"),
        ("side", {**good, "side": "hold"}, 400, "validation_error", "side"),
        ("side type", {**good, "side": 1}, 400, "validation_error", "side"),
        (
            "missing price",
            {k: v for k, v in good.items() if k != "limit_price"},
            400,
            "validation_error",
            "limit_price",
        ),
        (
            "missing days",
            {k: v for k, v in good.items() if k != "num_days"},
            400,
            "validation_error",
            "num_days",
        ),
        ("negative", {**good, "kwh_per_day": -1.0}, 400, "validation_error", "kwh_per_day"),
        ("zero", {**good, "kwh_per_day": 0}, 400, "validation_error", "kwh_per_day"),
        ("huge", {**good, "kwh_per_day": 1e12}, 400, "validation_error", "kwh_per_day"),
        ("huge int", {**good, "kwh_per_day": 10**30}, 400, "validation_error", "kwh_per_day"),
        (
            "above order max",
            {**good, "kwh_per_day": 100.1},
            400,
            "validation_error",
            "kwh_per_day",
        ),
        ("string kWh", {**good, "kwh_per_day": "8"}, 400, "validation_error", "kwh_per_day"),
        ("bool price", {**good, "limit_price": True}, 400, "validation_error", "limit_price"),
        ("off-step kWh", {**good, "kwh_per_day": 1.05}, 400, "validation_error", "kwh_per_day"),
        (
            "off-step price",
            {**good, "limit_price": 0.0705},
            400,
            "validation_error",
            "limit_price",
        ),
        (
            "negative price",
            {**good, "limit_price": -0.01},
            400,
            "validation_error",
            "limit_price",
        ),
        (
            "price above max",
            {**good, "limit_price": 1.001},
            400,
            "validation_error",
            "limit_price",
        ),
        ("fractional days", {**good, "num_days": 1.5}, 400, "validation_error", "num_days"),
        ("zero days", {**good, "num_days": 0}, 400, "validation_error", "num_days"),
        ("bad date", {**good, "start_day": "26.11.2026"}, 400, "validation_error", "start_day"),
        ("date type", {**good, "start_day": 20261126}, 400, "validation_error", "start_day"),
        (
            "past day",
            {**good, "start_day": (today - timedelta(days=1)).isoformat()},
            400,
            "validation_error",
            "start_day",
        ),
        (
            "beyond horizon",
            {**good, "start_day": (today + timedelta(days=15)).isoformat()},
            400,
            "validation_error",
            "start_day",
        ),
        (
            "span beyond horizon",
            {**good, "num_days": 15, "kwh_per_day": 1.0},
            400,
            "validation_error",
            "start_day",
        ),
        (
            "after gate closure",
            {**good, "start_day": today.isoformat()},
            400,
            "gate_closed",
            "start_day",
        ),
        (
            "sell above day limit",
            {**good, "kwh_per_day": 10.1},
            400,
            "limit_exceeded",
            "kwh_per_day",
        ),
        (
            "sell above limit with open offer",
            {**good, "kwh_per_day": 4.1},
            400,
            "limit_exceeded",
            "kwh_per_day",
        ),
        (
            "open volume above max",
            {**good, "side": "buy", "num_days": 14, "kwh_per_day": 14.9},
            400,
            "limit_exceeded",
            "kwh_per_day",
        ),
        (
            "volumes and days",
            {**good, "volumes": {day.isoformat(): 1.0}},
            400,
            "validation_error",
            "start_day",
        ),
        (
            "empty volumes",
            {"side": "buy", "limit_price": 0.1, "volumes": {}},
            400,
            "validation_error",
            "volumes",
        ),
        (
            "volumes bad day",
            {"side": "buy", "limit_price": 0.1, "volumes": {"x": 1.0}},
            400,
            "validation_error",
            "volumes",
        ),
        (
            "volumes bad kWh",
            {"side": "buy", "limit_price": 0.1, "volumes": {day.isoformat(): -2}},
            400,
            "validation_error",
            "volumes",
        ),
        (
            "long client id",
            {**good, "client_request_id": "x" * 201},
            400,
            "validation_error",
            "client_request_id",
        ),
        ("long note", {**good, "note": "x" * 501}, 400, "validation_error", "note"),
        ("power", {**good, "max_power_kw": 0}, 400, "validation_error", "max_power_kw"),
    ]
    for label, body, status, code, field in cases:
        got_status, got = await market.request("POST", "/api/v1/requests", token=token, json=body)
        assert (got_status, got.get("error"), got.get("field")) == (status, code, field), label
        assert isinstance(got["message"], str) and len(got["message"]) > 10, label
    # A multi-day request says which day's volume is wrong.
    _, got = await market.request(
        "POST",
        "/api/v1/requests",
        token=token,
        json={"side": "buy", "limit_price": 0.1, "volumes": {day.isoformat(): -2}},
    )
    assert got["message"] == f"The volume for {day} must be more than 0 kWh, got -2."

    raw_cases: list[tuple[str, bytes, str, int, str]] = [
        ("malformed", b'{"side": "buy",', "application/json", 400, "invalid_json"),
        (
            "NaN",
            json.dumps({**good, "kwh_per_day": "NAN"}).replace('"NAN"', "NaN").encode(),
            "application/json",
            400,
            "invalid_json",
        ),
        (
            "Infinity",
            json.dumps(good).replace("6.0", "1e999").encode(),
            "application/json",
            400,
            "validation_error",
        ),
        ("not an object", b"[1, 2]", "application/json", 400, "validation_error"),
        ("empty", b"", "application/json", 400, "invalid_json"),
        ("not UTF-8", b'{"side": "\xff"}', "application/json", 400, "invalid_json"),
        (
            "content type",
            json.dumps(good).encode(),
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (
            "too large",
            json.dumps({**good, "note": "x" * 70_000}).encode(),
            "application/json",
            413,
            "body_too_large",
        ),
    ]
    for label, data, content_type, status, code in raw_cases:
        got_status, got = await _raw(market, token, data, content_type)
        assert (got_status, got["error"]) == (status, code), label
        assert got["message"], label

    assert _counts(market.db_url) == before
    orders = (await market.get("/api/v1/orders", token))["orders"]
    assert len(orders) == 1

    # Other bodies: join and operator routes validate the same way.
    status, body = await market.request("POST", "/api/v1/join", json={"code": 5})
    assert (status, body["error"], body["field"]) == (400, "validation_error", "code")
    status, body = await market.request(
        "POST",
        "/api/v1/operator/households",
        token=market.operator_token,
        json={"name": "X", "max_sell_kwh": -3},
    )
    assert (status, body["field"]) == (400, "max_sell_kwh")
    status, body = await market.request("GET", "/api/v1/orders?status=bogus", token=token)
    assert (status, body["field"]) == (400, "status")
    status, body = await market.request("GET", "/api/v1/nothing-here", token=token)
    assert (status, body["error"]) == (404, "not_found")
    status, body = await market.request("PUT", "/api/v1/requests", token=token)
    assert (status, body["error"]) == (405, "method_not_allowed")
