"""Typed HTTP client of the market server (docs/wire-contract.md).

The aiohttp session is injected (Home Assistant's shared one in production). Every server error
body ``{"error", "message", "field"?}`` becomes one typed exception carrying the server's
sentence, so the layers above translate errors exactly once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from http import HTTPStatus
from typing import Any, Final

import aiohttp
from yarl import URL

from .models import (
    DEFAULT_PRICE_STEP,
    DEFAULT_VOLUME_STEP,
    Delivery,
    Fill,
    Household,
    JoinCheck,
    JoinResult,
    MarketSnapshot,
    MonthlySettlements,
    Order,
    OrderStatus,
    Request,
    ServerHealth,
    Side,
    to_decimal,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 15.0
# A create call is retried on a lost connection with the same client_request_id: the server
# returns the request it already created instead of creating a second one.
CREATE_ATTEMPTS: Final = 3


class MarketError(Exception):
    """Any failure talking to the market server."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
    ) -> None:
        """Keep the server's machine code, HTTP status and human sentence."""
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.field = field


class MarketConnectionError(MarketError):
    """The server could not be reached or did not answer in time."""


class MarketResponseError(MarketError):
    """The server answered with something that is not the wire contract."""


class MarketServerError(MarketError):
    """The server failed (5xx)."""


class MarketAuthError(MarketError):
    """The token was rejected (401): the household must re-authenticate."""


class MarketForbiddenError(MarketError):
    """The token is valid but may not do this (403)."""


class MarketHouseholdDisabledError(MarketForbiddenError):
    """The operator disabled this household (403 ``household_disabled``)."""


class MarketNotFoundError(MarketError):
    """The resource does not exist or is not this household's (404)."""


class MarketJoinCodeInvalidError(MarketNotFoundError):
    """The join code is unknown (404 ``join_code_invalid``)."""


class MarketJoinCodeExpiredError(MarketError):
    """The join code's validity ran out before it was used (410 ``join_code_expired``)."""


class MarketTooManyAttemptsError(MarketError):
    """Too many failed joins from this address or with this code (429 ``too_many_attempts``)."""


class MarketConflictError(MarketError):
    """The request conflicts with the server's state (409)."""


class MarketJoinCodeUsedError(MarketConflictError):
    """The join code was already redeemed (409 ``join_code_used``)."""


class MarketOppositeOrderOpenError(MarketConflictError):
    """The household still has an open order of the other side that day (409)."""


class MarketIdempotencyConflictError(MarketConflictError):
    """The client request id was used before with a different body (409)."""


class MarketNothingToReportError(MarketConflictError):
    """The household has no fills on that day and side (409 ``nothing_to_report``)."""


class MarketAlreadySettledError(MarketConflictError):
    """The delivery day is settled; its reports are final (409 ``already_settled``)."""


class MarketValidationError(MarketError):
    """The server rejected the input (400/413); ``field`` names the culprit if known."""


class MarketLimitExceededError(MarketValidationError):
    """A household limit would be exceeded (400 ``limit_exceeded``)."""


class MarketGateClosedError(MarketValidationError):
    """The delivery day's gate has closed (400 ``gate_closed``)."""


class MarketMoreThanTradedError(MarketValidationError):
    """A delivery report names more kWh than were traded (400 ``more_than_traded``)."""


_ERRORS_BY_CODE: Final[dict[str, type[MarketError]]] = {
    "unauthorized": MarketAuthError,
    "forbidden": MarketForbiddenError,
    "household_disabled": MarketHouseholdDisabledError,
    "not_found": MarketNotFoundError,
    "join_code_invalid": MarketJoinCodeInvalidError,
    "join_code_used": MarketJoinCodeUsedError,
    "join_code_expired": MarketJoinCodeExpiredError,
    "too_many_attempts": MarketTooManyAttemptsError,
    "opposite_order_open": MarketOppositeOrderOpenError,
    "idempotency_conflict": MarketIdempotencyConflictError,
    "nothing_to_reprice": MarketConflictError,
    "limit_exceeded": MarketLimitExceededError,
    "gate_closed": MarketGateClosedError,
    "nothing_to_report": MarketNothingToReportError,
    "already_settled": MarketAlreadySettledError,
    "more_than_traded": MarketMoreThanTradedError,
    "validation_error": MarketValidationError,
    "invalid_json": MarketValidationError,
    "body_too_large": MarketValidationError,
    "unsupported_media_type": MarketValidationError,
}

_ERRORS_BY_STATUS: Final[dict[int, type[MarketError]]] = {
    HTTPStatus.BAD_REQUEST: MarketValidationError,
    HTTPStatus.UNAUTHORIZED: MarketAuthError,
    HTTPStatus.FORBIDDEN: MarketForbiddenError,
    HTTPStatus.NOT_FOUND: MarketNotFoundError,
    HTTPStatus.CONFLICT: MarketConflictError,
    HTTPStatus.GONE: MarketJoinCodeExpiredError,
    HTTPStatus.TOO_MANY_REQUESTS: MarketTooManyAttemptsError,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: MarketValidationError,
    HTTPStatus.UNPROCESSABLE_ENTITY: MarketValidationError,
}


def _to_step(value: Decimal | float | str, step: Decimal) -> Decimal:
    """``value`` rounded half up to a multiple of ``step``."""
    return (to_decimal(value) / step).to_integral_value(rounding=ROUND_HALF_UP) * step


def quantize_volume(value: Decimal | float | str, step: Decimal = DEFAULT_VOLUME_STEP) -> Decimal:
    """Round a volume to the market's step (kWh)."""
    return _to_step(value, step)


def quantize_price(value: Decimal | float | str, step: Decimal = DEFAULT_PRICE_STEP) -> Decimal:
    """Round a price to the market's step (EUR/kWh)."""
    return _to_step(value, step)


def parse_requests(data: Any) -> list[Request]:
    """``GET /api/v1/requests``."""
    return [Request.from_json(item) for item in data["requests"]]


def parse_orders(data: Any) -> list[Order]:
    """``GET /api/v1/orders``."""
    return [Order.from_json(item) for item in data["orders"]]


def parse_fills(data: Any) -> list[Fill]:
    """``GET /api/v1/fills``."""
    return [Fill.from_json(item) for item in data["fills"]]


def parse_deliveries(data: Any) -> list[Delivery]:
    """``GET /api/v1/deliveries``."""
    return [Delivery.from_json(item) for item in data["deliveries"]]


def _error_from_response(status: int, body: Any) -> MarketError:
    """Build the typed exception of an error response."""
    code: str | None = None
    field: str | None = None
    message = f"The market server answered with HTTP {status}."
    if isinstance(body, Mapping):
        code = str(body["error"]) if body.get("error") else None
        field = str(body["field"]) if body.get("field") else None
        if body.get("message"):
            message = str(body["message"])
    error_cls: type[MarketError]
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        error_cls = MarketServerError
    elif code in _ERRORS_BY_CODE:
        error_cls = _ERRORS_BY_CODE[code]
    else:
        error_cls = _ERRORS_BY_STATUS.get(status, MarketError)
    return error_cls(message, code=code, status=status, field=field)


def _json_number(value: Decimal) -> float | int:
    """Decimal -> a JSON number (the steps keep the float's repr exact)."""
    return int(value) if value == value.to_integral_value() else float(value)


class MarketClient:
    """A household's client of one market server."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Bind the client to a server URL; ``token`` is the household's bearer token."""
        self._session = session
        self._base = URL(url.rstrip("/") + "/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # The steps /api/v1/me sends; an older server's until the first me().
        self._volume_step = DEFAULT_VOLUME_STEP
        self._price_step = DEFAULT_PRICE_STEP

    @property
    def url(self) -> str:
        """The server's base URL."""
        return str(self._base).rstrip("/")

    @classmethod
    async def join(
        cls,
        session: aiohttp.ClientSession,
        url: str,
        code: str,
        name: str | None = None,
    ) -> JoinResult:
        """Redeem a join code for the household's id and token (no token needed)."""
        body: dict[str, Any] = {"code": code.strip()}
        if name:
            body["name"] = name
        client = cls(session, url)
        data = await client._request("POST", "api/v1/join", json=body, auth=False)
        return client._parse(JoinResult.from_json, data)

    @classmethod
    async def check_join_code(
        cls, session: aiohttp.ClientSession, url: str, code: str
    ) -> JoinCheck:
        """The first step of a join: whom the code joins, without redeeming it."""
        client = cls(session, url)
        data = await client._request(
            "POST", "api/v1/join/check", json={"code": code.strip()}, auth=False
        )
        return client._parse(JoinCheck.from_json, data)

    async def health(self) -> ServerHealth:
        """``GET /healthz``."""
        data = await self._request("GET", "healthz", auth=False)
        return self._parse(ServerHealth.from_json, data)

    async def me(self) -> Household:
        """``GET /api/v1/me``: this household, its limits and its community."""
        household = self._parse(Household.from_json, await self._request("GET", "api/v1/me"))
        if household.community.volume_step_kwh > 0 and household.community.price_step_eur > 0:
            self._volume_step = household.community.volume_step_kwh
            self._price_step = household.community.price_step_eur
        return household

    async def market(self) -> MarketSnapshot:
        """``GET /api/v1/market``: anonymous aggregates per delivery day."""
        return self._parse(MarketSnapshot.from_json, await self._request("GET", "api/v1/market"))

    async def create_request(
        self,
        side: Side | str,
        *,
        limit_price: Decimal | float,
        start_day: date | None = None,
        num_days: int | None = None,
        kwh_per_day: Decimal | float | None = None,
        volumes: Mapping[date, Decimal | float] | None = None,
        max_power_kw: Decimal | float | None = None,
        note: str | None = None,
        client_request_id: str | None = None,
    ) -> Request:
        """``POST /api/v1/requests``: either ``start_day``/``num_days``/``kwh_per_day`` or
        ``volumes`` (kWh per delivery day). Volumes and prices are rounded to the market's steps.

        A lost connection is retried with the same ``client_request_id``, which the server
        treats as the same request, so a retry never creates a second one.
        """
        body: dict[str, Any] = {
            "side": str(Side(side)),
            "limit_price": _json_number(quantize_price(limit_price, self._price_step)),
            "client_request_id": client_request_id or str(uuid.uuid4()),
        }
        if volumes is not None:
            if start_day is not None or num_days is not None or kwh_per_day is not None:
                raise ValueError("give either volumes or start_day/num_days/kwh_per_day")
            body["volumes"] = {
                day.isoformat(): _json_number(quantize_volume(kwh, self._volume_step))
                for day, kwh in sorted(volumes.items())
            }
        else:
            if start_day is None or num_days is None or kwh_per_day is None:
                raise ValueError("start_day, num_days and kwh_per_day are all required")
            body["start_day"] = start_day.isoformat()
            body["num_days"] = num_days
            body["kwh_per_day"] = _json_number(quantize_volume(kwh_per_day, self._volume_step))
        if max_power_kw is not None:
            body["max_power_kw"] = _json_number(quantize_volume(max_power_kw))
        if note:
            body["note"] = note
        data = await self._post_idempotent("api/v1/requests", body)
        return self._parse(Request.from_json, data)

    async def requests(self) -> list[Request]:
        """``GET /api/v1/requests``: own requests, newest first."""
        data = await self._request("GET", "api/v1/requests")
        return self._parse(parse_requests, data)

    async def get_request(self, request_id: str) -> Request:
        """``GET /api/v1/requests/{id}``."""
        data = await self._request("GET", f"api/v1/requests/{request_id}")
        return self._parse(Request.from_json, data)

    async def reprice_request(
        self,
        request_id: str,
        *,
        limit_price: Decimal | float,
        days: Iterable[date] | None = None,
        client_request_id: str | None = None,
    ) -> Request:
        """``POST /api/v1/requests/{id}/reprice``: the open remainder (of ``days``, or all) as
        a new request at ``limit_price``, in one step on the server.

        Either the remainder moves or nothing changes: a refused re-price leaves the old orders
        on the market. A retry with the same ``client_request_id`` returns the same request.
        """
        body: dict[str, Any] = {
            "limit_price": _json_number(quantize_price(limit_price, self._price_step)),
            "client_request_id": client_request_id or str(uuid.uuid4()),
        }
        if days is not None:
            body["days"] = sorted(day.isoformat() for day in days)
        data = await self._post_idempotent(f"api/v1/requests/{request_id}/reprice", body)
        return self._parse(Request.from_json, data)

    async def cancel_request(self, request_id: str) -> Request:
        """``DELETE /api/v1/requests/{id}``: cancel every unfilled remainder."""
        data = await self._request("DELETE", f"api/v1/requests/{request_id}")
        return self._parse(Request.from_json, data)

    async def orders(
        self,
        statuses: Iterable[OrderStatus | str] | None = None,
        day: date | None = None,
    ) -> list[Order]:
        """``GET /api/v1/orders``, optionally filtered by status and delivery day."""
        params: dict[str, str] = {}
        if statuses is not None:
            params["status"] = ",".join(str(OrderStatus(status)) for status in statuses)
        if day is not None:
            params["day"] = day.isoformat()
        data = await self._request("GET", "api/v1/orders", params=params)
        return self._parse(parse_orders, data)

    async def cancel_order(self, order_id: str) -> Order:
        """``DELETE /api/v1/orders/{id}``: cancel the unfilled part of one day."""
        data = await self._request("DELETE", f"api/v1/orders/{order_id}")
        return self._parse(Order.from_json, data)

    async def fills(self, since: str | None = None) -> list[Fill]:
        """``GET /api/v1/fills``: own fills, after fill ``since`` if given."""
        params = {"since": since} if since else {}
        data = await self._request("GET", "api/v1/fills", params=params)
        return self._parse(parse_fills, data)

    async def settlements(self, month: str) -> MonthlySettlements:
        """``GET /api/v1/settlements?month=YYYY-MM``."""
        data = await self._request("GET", "api/v1/settlements", params={"month": month})
        return self._parse(lambda d: MonthlySettlements.from_json(month, d), data)

    async def report_delivery(
        self,
        day: date,
        side: Side | str,
        kwh: float,
        *,
        hourly_kwh: Iterable[float] | None = None,
        shared_kwh: float | None = None,
        client_report_id: str,
    ) -> Delivery:
        """``POST /api/v1/deliveries``: what the household delivered (sell) or used (buy).

        Idempotent on the server (one report per household, day and side); a lost connection
        is retried with the same ``client_report_id``.
        """
        body: dict[str, Any] = {
            "day": day.isoformat(),
            "side": str(Side(side)),
            "kwh": round(kwh, 3),
            "client_report_id": client_report_id,
        }
        if hourly_kwh is not None:
            body["hourly_kwh"] = [round(value, 3) for value in hourly_kwh]
        if shared_kwh is not None:
            # Buy reports only: the shared energy drawn, part of ``kwh``.
            body["shared_kwh"] = round(shared_kwh, 3)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                data = await self._request("POST", "api/v1/deliveries", json=body)
            except MarketConnectionError:
                if attempt == CREATE_ATTEMPTS:
                    raise
                _LOGGER.debug("Retrying delivery report %s after a lost connection", body)
                continue
            return self._parse(Delivery.from_json, data)
        raise AssertionError("unreachable")  # pragma: no cover

    async def deliveries(self, day: date | None = None) -> list[Delivery]:
        """``GET /api/v1/deliveries``: the household's own delivery reports."""
        params = {"day": day.isoformat()} if day is not None else {}
        data = await self._request("GET", "api/v1/deliveries", params=params)
        return self._parse(parse_deliveries, data)

    async def _post_idempotent(self, path: str, body: dict[str, Any]) -> Any:
        """POST a body the server deduplicates (by its client id): a lost connection is retried
        with the same body, which the server answers with what the first attempt did."""
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return await self._request("POST", path, json=body)
            except MarketConnectionError:
                if attempt == CREATE_ATTEMPTS:
                    raise
                _LOGGER.debug("Retrying %s %s after a lost connection", path, body)
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse[T](self, parser: Callable[[Any], T], data: Any) -> T:
        """Run a model parser; a body that breaks the contract is a response error."""
        try:
            result = parser(data)
        except (KeyError, TypeError, ValueError, ArithmeticError) as err:
            raise MarketResponseError(
                f"The market server at {self.url} sent an unexpected answer ({err!r})."
            ) from err
        return result

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Any:
        """Send one request and return the decoded JSON body, or raise a typed error."""
        headers = {"Accept": "application/json"}
        if auth:
            if not self._token:
                raise MarketAuthError("No household token is configured.", status=401)
            headers["Authorization"] = f"Bearer {self._token}"
        url = self._base.join(URL(path))
        try:
            async with self._session.request(
                method,
                url,
                json=json,
                params=params or None,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                if response.status >= HTTPStatus.BAD_REQUEST:
                    raise _error_from_response(response.status, body)
        except TimeoutError as err:
            raise MarketConnectionError(
                f"The market server at {self.url} did not answer in time."
            ) from err
        except aiohttp.ClientError as err:
            raise MarketConnectionError(
                f"The market server at {self.url} cannot be reached ({err})."
            ) from err
        if body is None:
            raise MarketResponseError(f"The market server at {self.url} did not send JSON.")
        return body


__all__ = [
    "MarketAlreadySettledError",
    "MarketAuthError",
    "MarketClient",
    "MarketConflictError",
    "MarketConnectionError",
    "MarketError",
    "MarketForbiddenError",
    "MarketGateClosedError",
    "MarketHouseholdDisabledError",
    "MarketIdempotencyConflictError",
    "MarketJoinCodeInvalidError",
    "MarketJoinCodeUsedError",
    "MarketLimitExceededError",
    "MarketMoreThanTradedError",
    "MarketNotFoundError",
    "MarketNothingToReportError",
    "MarketResponseError",
    "MarketServerError",
    "MarketValidationError",
]
