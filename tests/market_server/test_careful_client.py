"""Issue 19, item 8: what a careful client notices. Unknown query parameters are refused by
name, HEAD answers on every GET route, numbers just off the trading step and absurdly small
powers are refused with a clear 400, and nothing is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.test_hardening import _request_body, _stored

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_unknown_query_parameters_are_refused_by_name(
    market: RunningMarket, db_url: str
) -> None:
    _, token = await market.join_household("Miller")
    op = market.operator_token
    for path, auth, unknown in (
        ("/api/v1/orders?dya=2026-11-26", token, ["dya"]),
        ("/api/v1/orders?day=2026-11-26&stauts=open&x=1", token, ["stauts", "x"]),
        ("/api/v1/requests?limit=5", token, ["limit"]),
        ("/api/v1/fills?sincе=fl_0", token, ["sincе"]),
        ("/api/v1/deliveries?days=2026-11-26", token, ["days"]),
        ("/api/v1/me?verbose", token, ["verbose"]),
        ("/healthz?probe=1", None, ["probe"]),
        ("/api/v1/operator/rounds?limt=3", op, ["limt"]),
    ):
        status, body = await market.request("GET", path, token=auth)
        assert status == 400, (path, body)
        assert (body["error"], body["field"]) == ("validation_error", unknown[0]), body
        for name in unknown:
            assert repr(name) in body["message"], body
    # Known parameters still work, and POST routes refuse stray ones the same way.
    status, _ = await market.request("GET", "/api/v1/orders?status=open", token=token)
    assert status == 200
    day = market.first_open_day().isoformat()
    before = _stored(market.db_url)
    status, body = await market.request(
        "POST", "/api/v1/requests?dry_run=1", token=token, json=_request_body(day)
    )
    assert (status, body["field"]) == (400, "dry_run"), body
    assert _stored(market.db_url) == before


async def test_head_answers_like_get_without_a_body(tmp_path: Path, clock: MutableClock) -> None:
    async with running_market(tmp_path, clock=clock) as market:
        _, token = await market.join_household("Miller")
        for path, auth in (
            ("/healthz", None),
            ("/api/openapi.json", None),
            ("/api/v1/me", token),
            ("/api/v1/orders?status=open", token),
            ("/api/v1/market", token),
            ("/api/v1/operator/overview", market.operator_token),
        ):
            headers = {"Authorization": f"Bearer {auth}"} if auth else {}
            async with market.session.get(market.url + path, headers=headers) as got:
                get_status, get_type = got.status, got.content_type
            async with market.session.head(market.url + path, headers=headers) as head:
                assert (head.status, head.content_type) == (get_status, get_type), path
                assert await head.read() == b"", path
        # HEAD is refused like GET: no token, no answer.
        async with market.session.head(market.url + "/api/v1/me") as head:
            assert head.status == 401


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"kwh_per_day": 0.1000000001}, "kwh_per_day", "steps of 0.1 kWh"),
        ({"kwh_per_day": 2.0000001}, "kwh_per_day", "steps of 0.1 kWh"),
        ({"limit_price": 0.0800000001}, "limit_price", "steps of 0.001 EUR/kWh"),
        ({"limit_price": 1e-320}, "limit_price", "steps of 0.001 EUR/kWh"),
        ({"limit_price": 5e-324}, "limit_price", "steps of 0.001 EUR/kWh"),
        ({"max_power_kw": 1e-300}, "max_power_kw", "at least 0.1 kW"),
        ({"max_power_kw": 0.05}, "max_power_kw", "at least 0.1 kW"),
    ],
)
async def test_numbers_just_off_the_step_are_refused(
    tmp_path: Path, clock: MutableClock, change: dict[str, Any], field: str, words: str
) -> None:
    async with running_market(tmp_path, clock=clock) as market:
        _, token = await market.join_household("Miller")
        day = market.first_open_day().isoformat()
        before = _stored(market.db_url)
        status, body = await market.request(
            "POST", "/api/v1/requests", token=token, json=_request_body(day, **change)
        )
        assert (status, body.get("field")) == (400, field), body
        assert words in body["message"], body
        assert _stored(market.db_url) == before
        # A client's float noise on the step is still the step (0.1 * 3 = 0.30000000000000004).
        status, body = await market.request(
            "POST",
            "/api/v1/requests",
            token=token,
            json=_request_body(day, kwh_per_day=0.1 * 3, limit_price=0.07 + 0.01, max_power_kw=0.1),
        )
        assert status == 201, body
        assert (body["orders"][0]["volume_kwh"], body["orders"][0]["limit_price"]) == (0.3, 0.08)
