"""The market client's error paths and parsing, against aiohttp's mocked transport.

The happy paths against a real server are covered by the setup, entity and calendar tests;
here the server's failure modes that a real server cannot easily be made to produce.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.community_storage.market_client.client import (
    MarketAuthError,
    MarketClient,
    MarketConflictError,
    MarketConnectionError,
    MarketError,
    MarketForbiddenError,
    MarketGateClosedError,
    MarketHouseholdDisabledError,
    MarketIdempotencyConflictError,
    MarketJoinCodeInvalidError,
    MarketJoinCodeUsedError,
    MarketLimitExceededError,
    MarketNotFoundError,
    MarketResponseError,
    MarketServerError,
    MarketValidationError,
    quantize_price,
    quantize_volume,
)
from custom_components.community_storage.market_client.models import OrderStatus, Side

URL_BASE = "http://market.test:8080"
TOKEN = "secret-token"

ORDER = {
    "order_id": "or_1",
    "request_id": "rq_1",
    "day": "2026-11-30",
    "side": "buy",
    "volume_kwh": 8.0,
    "limit_price": 0.07,
    "status": "partially_filled",
    "filled_kwh": 5.0,
    "remaining_kwh": 3.0,
    "avg_price": 0.065,
    "gate_closure": "2026-11-29T18:00:00+01:00",
}
REQUEST = {
    "request_id": "rq_1",
    "client_request_id": "c-1",
    "side": "buy",
    "created_at": "2026-11-25T10:00:00+01:00",
    "status": "open",
    "note": "renovation",
    "orders": [ORDER],
}


@pytest.fixture
async def session(aioclient_mock: AiohttpClientMocker) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session whose transport is the mocker."""
    session = aioclient_mock.create_session(asyncio.get_running_loop())
    yield session
    await session.close()


@pytest.fixture
def client(session: aiohttp.ClientSession) -> MarketClient:
    """A household client with a token; trailing slash on purpose."""
    return MarketClient(session, URL_BASE + "/", TOKEN)


@pytest.mark.parametrize(
    ("status", "body", "error_cls", "field"),
    [
        (
            400,
            {"error": "validation_error", "message": "Too big.", "field": "kwh_per_day"},
            MarketValidationError,
            "kwh_per_day",
        ),
        (
            400,
            {"error": "limit_exceeded", "message": "Max 10 kWh."},
            MarketLimitExceededError,
            None,
        ),
        (400, {"error": "gate_closed", "message": "Too late."}, MarketGateClosedError, None),
        (400, {"error": "invalid_json", "message": "Bad JSON."}, MarketValidationError, None),
        (413, {"error": "body_too_large", "message": "Too large."}, MarketValidationError, None),
        (401, {"error": "unauthorized", "message": "Bad token."}, MarketAuthError, None),
        (403, {"error": "forbidden", "message": "No."}, MarketForbiddenError, None),
        (
            403,
            {"error": "household_disabled", "message": "Disabled."},
            MarketHouseholdDisabledError,
            None,
        ),
        (404, {"error": "not_found", "message": "Gone."}, MarketNotFoundError, None),
        (
            409,
            {"error": "idempotency_conflict", "message": "Differs."},
            MarketIdempotencyConflictError,
            None,
        ),
        # An unknown code falls back to the HTTP status.
        (409, {"error": "brand_new_code", "message": "New."}, MarketConflictError, None),
        (422, {"error": "brand_new_code", "message": "New."}, MarketValidationError, None),
        (500, {"error": "internal", "message": "Boom."}, MarketServerError, None),
    ],
)
async def test_error_bodies_become_typed_errors(
    aioclient_mock: AiohttpClientMocker,
    client: MarketClient,
    status: int,
    body: dict[str, Any],
    error_cls: type[MarketError],
    field: str | None,
) -> None:
    """Each documented error code raises its own exception with the server's sentence."""
    aioclient_mock.get(f"{URL_BASE}/api/v1/me", status=status, json=body)
    with pytest.raises(error_cls) as caught:
        await client.me()
    assert type(caught.value) is error_cls
    assert caught.value.message == body["message"]
    assert str(caught.value) == body["message"]
    assert caught.value.status == status
    assert caught.value.code == body["error"]
    assert caught.value.field == field


async def test_error_without_json_body(
    aioclient_mock: AiohttpClientMocker, client: MarketClient
) -> None:
    """A proxy's HTML error page still gives a sentence with the status."""
    aioclient_mock.get(f"{URL_BASE}/api/v1/market", status=502, text="<html>Bad gateway</html>")
    aioclient_mock.get(f"{URL_BASE}/api/v1/requests", status=418, text="")
    with pytest.raises(MarketServerError, match="HTTP 502"):
        await client.market()
    with pytest.raises(MarketError, match="HTTP 418") as caught:
        await client.requests()
    assert type(caught.value) is MarketError


async def test_unexpected_bodies_are_response_errors(
    aioclient_mock: AiohttpClientMocker, client: MarketClient
) -> None:
    """2xx answers that break the contract never leak KeyErrors."""
    aioclient_mock.get(f"{URL_BASE}/healthz", text="ok")
    aioclient_mock.get(f"{URL_BASE}/api/v1/me", json={"household_id": "hh_1"})
    aioclient_mock.get(f"{URL_BASE}/api/v1/orders", json={"orders": [{**ORDER, "status": "?"}]})
    aioclient_mock.get(
        f"{URL_BASE}/api/v1/fills", json={"fills": [{"fill_id": "f", "volume_kwh": None}]}
    )
    with pytest.raises(MarketResponseError, match="did not send JSON"):
        await client.health()
    with pytest.raises(MarketResponseError, match="unexpected answer"):
        await client.me()
    with pytest.raises(MarketResponseError):
        await client.orders()
    with pytest.raises(MarketResponseError):
        await client.fills()


@pytest.mark.parametrize(
    ("exc", "match"),
    [
        (TimeoutError(), "did not answer in time"),
        (aiohttp.ClientConnectionError("refused"), "cannot be reached"),
    ],
)
async def test_transport_failures_are_connection_errors(
    aioclient_mock: AiohttpClientMocker, client: MarketClient, exc: Exception, match: str
) -> None:
    """Timeouts and refused connections name the server."""
    aioclient_mock.get(f"{URL_BASE}/api/v1/market", exc=exc)
    with pytest.raises(MarketConnectionError, match=match) as caught:
        await client.market()
    assert URL_BASE in caught.value.message


async def test_no_token_is_an_auth_error(session: aiohttp.ClientSession) -> None:
    """A client without token fails before sending anything that needs one."""
    with pytest.raises(MarketAuthError):
        await MarketClient(session, URL_BASE).me()


async def test_join_sends_code_without_token(
    aioclient_mock: AiohttpClientMocker, session: aiohttp.ClientSession
) -> None:
    """Join posts the trimmed code and optional name, unauthenticated."""
    aioclient_mock.post(
        f"{URL_BASE}/api/v1/join", status=201, json={"household_id": "hh_1", "token": "t"}
    )
    joined = await MarketClient.join(session, URL_BASE, "  CODE-1 \n", name="Miller")
    assert (joined.household_id, joined.token) == ("hh_1", "t")
    _, _, body, headers = aioclient_mock.mock_calls[-1]
    assert body == {"code": "CODE-1", "name": "Miller"}
    assert "Authorization" not in headers


@pytest.mark.parametrize(
    ("status", "error", "error_cls"),
    [
        (404, "join_code_invalid", MarketJoinCodeInvalidError),
        (409, "join_code_used", MarketJoinCodeUsedError),
    ],
)
async def test_join_code_errors(
    aioclient_mock: AiohttpClientMocker,
    session: aiohttp.ClientSession,
    status: int,
    error: str,
    error_cls: type[MarketError],
) -> None:
    """Unknown and used codes have their own exceptions (the config flow's form errors)."""
    aioclient_mock.post(
        f"{URL_BASE}/api/v1/join", status=status, json={"error": error, "message": "m"}
    )
    with pytest.raises(error_cls):
        await MarketClient.join(session, URL_BASE, "CODE")


async def test_create_request_retries_with_the_same_client_request_id(
    aioclient_mock: AiohttpClientMocker, client: MarketClient
) -> None:
    """A lost connection is retried with the same id, so the server cannot create two."""
    seen: list[dict[str, Any]] = []

    async def flaky(method: str, url: URL, data: dict[str, Any]) -> AiohttpClientMockResponse:
        seen.append(data)
        if len(seen) == 1:
            return AiohttpClientMockResponse(method, url, exc=aiohttp.ServerDisconnectedError())
        return AiohttpClientMockResponse(method, url, status=201, json=REQUEST)

    aioclient_mock.post(f"{URL_BASE}/api/v1/requests", side_effect=flaky)
    request = await client.create_request(
        Side.BUY,
        start_day=date(2026, 11, 30),
        num_days=7,
        kwh_per_day=8.04,
        limit_price=0.0704,
        max_power_kw=3,
        note="renovation",
    )
    assert request.orders[0].status is OrderStatus.PARTIALLY_FILLED
    assert len(seen) == 2
    assert seen[0] == seen[1]
    assert seen[0]["client_request_id"]
    assert seen[0]["kwh_per_day"] == 8.0
    assert seen[0]["limit_price"] == 0.07
    assert seen[0]["max_power_kw"] == 3
    assert seen[0]["note"] == "renovation"


async def test_create_request_gives_up_after_three_attempts(
    aioclient_mock: AiohttpClientMocker, client: MarketClient
) -> None:
    """A server that stays away is reported as a connection error."""
    aioclient_mock.post(f"{URL_BASE}/api/v1/requests", exc=aiohttp.ClientConnectionError())
    with pytest.raises(MarketConnectionError):
        await client.create_request(
            "sell", volumes={date(2026, 12, 1): 4, date(2026, 11, 30): 5.55}, limit_price=0.1
        )
    assert aioclient_mock.call_count == 3
    body = aioclient_mock.mock_calls[0][2]
    assert body["volumes"] == {"2026-11-30": 5.6, "2026-12-01": 4}
    assert "start_day" not in body


async def test_create_request_argument_errors(client: MarketClient) -> None:
    """Mixing both volume forms, or giving neither, is a programming error."""
    with pytest.raises(ValueError, match="either"):
        await client.create_request(
            "buy", volumes={date(2026, 11, 30): 1}, num_days=1, limit_price=0.1
        )
    with pytest.raises(ValueError, match="required"):
        await client.create_request("buy", start_day=date(2026, 11, 30), limit_price=0.1)


async def test_query_parameters(aioclient_mock: AiohttpClientMocker, client: MarketClient) -> None:
    """Filters and cursors are sent as the contract names them."""
    aioclient_mock.get(f"{URL_BASE}/api/v1/orders", json={"orders": [ORDER]})
    aioclient_mock.get(f"{URL_BASE}/api/v1/fills", json={"fills": []})
    aioclient_mock.get(
        f"{URL_BASE}/api/v1/settlements",
        json={"settlements": [], "totals": {"earned_eur": 0, "paid_eur": 1.5, "net_eur": -1.5}},
    )
    orders = await client.orders(["open", OrderStatus.PARTIALLY_FILLED], day=date(2026, 11, 30))
    assert orders[0].avg_price == Decimal("0.065")
    assert await client.fills("fl_9") == []
    monthly = await client.settlements("2026-11")
    assert monthly.totals.paid_eur == Decimal("1.5")
    urls = [call[1] for call in aioclient_mock.mock_calls]
    assert urls[0].query == {"status": "open,partially_filled", "day": "2026-11-30"}
    assert urls[1].query == {"since": "fl_9"}
    assert urls[2].query == {"month": "2026-11"}
    headers = aioclient_mock.mock_calls[0][3]
    assert headers["Authorization"] == f"Bearer {TOKEN}"


async def test_request_routes(aioclient_mock: AiohttpClientMocker, client: MarketClient) -> None:
    """Request and order routes parse into the models."""
    aioclient_mock.get(f"{URL_BASE}/api/v1/requests/rq_1", json=REQUEST)
    aioclient_mock.delete(f"{URL_BASE}/api/v1/requests/rq_1", json=REQUEST)
    aioclient_mock.delete(f"{URL_BASE}/api/v1/orders/or_1", json={**ORDER, "avg_price": None})
    request = await client.get_request("rq_1")
    assert request.open
    assert request.volume_kwh == Decimal("8.0")
    assert request.filled_kwh == Decimal("5.0")
    assert request.note == "renovation"
    assert (await client.cancel_request("rq_1")).request_id == "rq_1"
    order = await client.cancel_order("or_1")
    assert order.avg_price is None
    assert order.active


def test_quantize_rounds_half_up() -> None:
    """Volumes go to 0.1 kWh and prices to 0.001 EUR/kWh."""
    assert quantize_volume(8.05) == Decimal("8.1")
    assert quantize_volume("0.04") == Decimal("0.0")
    assert quantize_price(0.0705) == Decimal("0.071")
    assert quantize_price(Decimal("0.07")) == Decimal("0.070")


def test_model_parsing_rejects_what_the_contract_does_not_allow() -> None:
    """Numbers must be numbers and times must carry their offset."""
    from custom_components.community_storage.market_client.models import Order, to_decimal

    assert to_decimal(Decimal("0.07")) == Decimal("0.07")
    assert to_decimal(0.07) == Decimal("0.07")
    for bad in (None, True, [1]):
        with pytest.raises(TypeError):
            to_decimal(bad)
    with pytest.raises(ValueError, match="offset"):
        Order.from_json({**ORDER, "gate_closure": "2026-11-29T18:00:00"})
