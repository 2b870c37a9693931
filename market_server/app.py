"""The HTTP API (docs/wire-contract.md): handlers, error middleware, body limit, app lifecycle.

Handlers only translate: HTTP in -> a domain call in a worker thread -> JSON out. Errors are
turned into `{"error", "message", "field"?}` here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy.engine import Connection

from . import (
    API_VERSION,
    __version__,
    auth,
    community,
    deliveries,
    households,
    market_data,
    orders,
    rounds,
)
from . import export as ledger_export
from . import settlement as ledger
from .config import CommunitySettings
from .errors import (
    BodyTooLarge,
    InvalidJSON,
    JoinCodeExpired,
    JoinCodeInvalid,
    JoinCodeUsed,
    MarketError,
    NotFound,
    UnsupportedMediaType,
    ValidationFailed,
)
from .join_throttle import JoinThrottle
from .openapi import openapi_document
from .runtime import MarketRuntime
from .scheduler import Scheduler
from .submit_rounds import SubmitRounds
from .units import PRICE_STEP_EUR, VOLUME_STEP_KWH, kwh
from .validation import (
    RequestSpec,
    day_value,
    number,
    parse_reprice,
    parse_request,
    require_object,
    string,
)
from .web import setup_web

_LOGGER = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
RUNTIME: web.AppKey[MarketRuntime] = web.AppKey("market_runtime", MarketRuntime)
SCHEDULER: web.AppKey[Scheduler] = web.AppKey("market_scheduler", Scheduler)
JOIN_THROTTLE: web.AppKey[JoinThrottle] = web.AppKey("join_throttle", JoinThrottle)
SUBMIT_ROUNDS: web.AppKey[SubmitRounds] = web.AppKey("submit_rounds", SubmitRounds)
MAX_ROUNDS_LIMIT = 500
# Ids are "<prefix>_" + 16 hex digits (auth.new_id); anything else names nothing.
_ID_RE = re.compile(r"[a-z]{2}_[0-9a-f]{16}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dumps(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate echoed from the request (an unknown field's name) has no UTF-8
        # form; as a JSON escape it does.
        return json.dumps(data, ensure_ascii=True)
    return text


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps, headers=headers)


def _error(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    return _json(body, status, headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except MarketError as err:
        return _json(err.to_json(), err.status, err.headers or None)
    except web.HTTPRequestEntityTooLarge:
        return _error(
            413, "body_too_large", f"The request body is larger than {MAX_BODY // 1024} KiB."
        )
    except web.HTTPException as err:
        if err.status < 400:
            raise
        codes = {404: "not_found", 405: "method_not_allowed"}
        path = request.path.encode("utf-8", "backslashreplace").decode("utf-8")
        message = {
            404: f"There is no route {path}.",
            405: f"{request.method} is not allowed on {path}.",
        }.get(err.status, err.reason)
        # 405 must say what is allowed (RFC 9110, 15.5.6): keep aiohttp's Allow header.
        allow = {"Allow": err.headers["Allow"]} if "Allow" in err.headers else None
        return _error(err.status, codes.get(err.status, "http_error"), message, headers=allow)
    except Exception:
        _LOGGER.exception("unhandled error on %s %s", request.method, request.path)
        return _error(
            500, "internal_error", "The market server hit an internal error; it has been logged."
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: web.Request, *, optional: bool = False) -> Any:
    """The request body as JSON: checks Content-Type, size, syntax."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyTooLarge(f"The request body is larger than {MAX_BODY // 1024} KiB.")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise BodyTooLarge(f"The request body is larger than {MAX_BODY // 1024} KiB.")
    if optional and not raw.strip():
        return {}
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "Send the body as JSON with 'Content-Type: application/json' "
            f"(got {request.content_type!r})."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidJSON(f"The request body is not valid JSON: {err}.") from None
    # `[[[[...` 30,000 deep fits in 64 KiB; no request of this API nests more than 3 deep.
    # Checked before parsing: Python 3.13 overflows its recursion on such input, 3.14 parses it.
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise InvalidJSON("The request body nests arrays or objects too deeply.")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        raise InvalidJSON(f"The request body is not valid JSON: {err}.") from None
    except RecursionError:
        raise InvalidJSON("The request body nests arrays or objects too deeply.") from None


# Deeper than any body of this API (3) with room to spare.
MAX_JSON_DEPTH = 16


def _nesting_depth(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings skipped.

    One pass over the characters (a regular expression for JSON strings backtracks
    quadratically on runs of backslashes); a body with few brackets is not scanned at all.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _runtime(request: web.Request) -> MarketRuntime:
    return request.app[RUNTIME]


def _path_id(request: web.Request, name: str) -> str:
    """An id from the URL path; one that cannot be an id is not looked up (a NUL byte would
    reach PostgreSQL as an error, not a miss)."""
    value = request.match_info[name]
    if not _ID_RE.fullmatch(value):
        what = name.removesuffix("_id")
        shown = value.encode("utf-8", "backslashreplace").decode("utf-8")[:60]
        raise NotFound(f"There is no {what} {shown!r}.", field=name)
    return value


async def _household(request: web.Request, *, allow_disabled: bool = False) -> auth.Household:
    token = auth.bearer(request.headers.get("Authorization"))
    return await _runtime(request).read(
        lambda conn: auth.household_for_token(conn, token, allow_disabled=allow_disabled)
    )


async def _member(
    request: web.Request,
) -> tuple[auth.Household, MarketRuntime, CommunitySettings]:
    """The calling household (a disabled one may still read and cancel), runtime, settings."""
    hh = await _household(request, allow_disabled=True)
    rt = _runtime(request)
    return hh, rt, await rt.settings()


async def _operator(request: web.Request) -> None:
    token = auth.bearer(request.headers.get("Authorization"))
    await _runtime(request).read(auth.check_operator, token)


# -- public ---------------------------------------------------------------------------------


async def healthz(_request: web.Request) -> web.Response:
    return _json({"status": "ok", "version": __version__, "api_version": API_VERSION})


async def openapi(request: web.Request) -> web.Response:
    rt = _runtime(request)
    return _json(openapi_document(await rt.settings(), rt.now()))


async def join(request: web.Request) -> web.Response:
    body = require_object(await read_json(request), {"code", "name"}, ("code",))
    code = string(body, "code", max_len=100)
    name = string(body, "name", max_len=200) if body.get("name") is not None else None
    rt = _runtime(request)
    throttle = request.app[JOIN_THROTTLE]
    address = request.remote or "unknown"
    code_key = auth.digest(auth.normalise_join_code(code))
    throttle.check(address, code_key)
    try:
        household_id, token = await rt.write(
            lambda conn: households.redeem(conn, rt.now(), code, name)
        )
    except (JoinCodeInvalid, JoinCodeUsed, JoinCodeExpired):
        throttle.failed(address, code_key)
        raise
    return _json({"household_id": household_id, "token": token}, 201)


# -- household ------------------------------------------------------------------------------


async def me(request: web.Request) -> web.Response:
    hh = await _household(request, allow_disabled=True)
    settings = await _runtime(request).settings()
    return _json(
        {
            "household_id": hh.id,
            "name": hh.name,
            "disabled": hh.disabled,
            "limits": {
                "max_sell_kwh_per_day": kwh(hh.max_sell_ticks),
                "max_open_kwh": kwh(hh.max_open_ticks),
                "max_kwh_per_order_day": settings.max_kwh_per_order_day,
                "min_price": settings.min_price,
                "max_price": settings.max_price,
            },
            "community": {
                "name": settings.name,
                "timezone": settings.timezone,
                "gate_closure": settings.gate_closure,
                "gate_closure_days_before": settings.gate_closure_days_before,
                "horizon_days": settings.horizon_days,
                "round_interval_s": settings.round_interval_s,
                "mechanism": settings.mechanism,
                "efficiency": settings.efficiency,
                "clear_on_submit": settings.clear_on_submit,
                "delivery_report_hours": settings.delivery_report_hours,
                "volume_step_kwh": VOLUME_STEP_KWH,
                "price_step_eur": PRICE_STEP_EUR,
            },
            "api_version": API_VERSION,
        }
    )


async def create_request(request: web.Request) -> web.Response:
    token = auth.bearer(request.headers.get("Authorization"))
    try:
        body, bad_body = await read_json(request), None
    except MarketError as err:
        body, bad_body = None, err
    rt = _runtime(request)

    def place(conn: Connection) -> tuple[CommunitySettings, RequestSpec, dict[str, Any], bool]:
        # One transaction and one trip to a worker thread for the whole submission; the token
        # is checked before the body, as on every other route.
        hh = auth.household_for_token(conn, token)
        if bad_body is not None:
            raise bad_body
        settings = community.load(conn)
        spec = parse_request(body, settings)
        view, created = orders.submit(conn, settings, hh, spec, rt.now())
        return settings, spec, view, created

    settings, spec, view, created = await rt.write(place)
    if created and settings.clear_on_submit:
        days = (day for day, _ in spec.volumes)
        rows = await request.app[SUBMIT_ROUNDS].clear(days, view["request_id"])
        view = orders.with_orders(settings, view, rows)
    return _json(view, 201 if created else 200)


async def reprice_request(request: web.Request) -> web.Response:
    token = auth.bearer(request.headers.get("Authorization"))
    rid = _path_id(request, "request_id")
    try:
        body, bad_body = await read_json(request), None
    except MarketError as err:
        body, bad_body = None, err
    rt = _runtime(request)

    def replace(conn: Connection) -> tuple[CommunitySettings, dict[str, Any], bool]:
        hh = auth.household_for_token(conn, token)
        if bad_body is not None:
            raise bad_body
        settings = community.load(conn)
        spec = parse_reprice(body, settings)
        view, created = orders.reprice_request(conn, settings, hh, rid, spec, now=rt.now())
        return settings, view, created

    settings, view, created = await rt.write(replace)
    if created and settings.clear_on_submit:
        days = (date.fromisoformat(o["day"]) for o in view["orders"])
        rows = await request.app[SUBMIT_ROUNDS].clear(days, view["request_id"])
        view = orders.with_orders(settings, view, rows)
    return _json(view, 201 if created else 200)


async def list_requests(request: web.Request) -> web.Response:
    hh, rt, settings = await _member(request)
    items = await rt.read(lambda conn: orders.list_requests(conn, settings, hh.id))
    return _json({"requests": items})


async def get_request(request: web.Request) -> web.Response:
    hh, rt, settings = await _member(request)
    rid = _path_id(request, "request_id")
    return _json(await rt.read(lambda conn: orders.get_request(conn, settings, hh.id, rid)))


async def cancel_request(request: web.Request) -> web.Response:
    hh, rt, settings = await _member(request)
    rid = _path_id(request, "request_id")
    return _json(
        await rt.write(lambda conn: orders.cancel_request(conn, settings, hh.id, rid, rt.now()))
    )


def _day_param(request: web.Request) -> date | None:
    text = request.query.get("day")
    return None if text is None else day_value(text, "day")


async def list_orders(request: web.Request) -> web.Response:
    hh, rt, settings = await _member(request)
    statuses = orders.parse_statuses(request.query.get("status"))
    day = _day_param(request)
    items = await rt.read(
        lambda conn: orders.list_orders(conn, settings, hh.id, statuses=statuses, day=day)
    )
    return _json({"orders": items})


async def get_order(request: web.Request) -> web.Response:
    hh, rt, settings = await _member(request)
    oid = _path_id(request, "order_id")
    return _json(await rt.read(lambda conn: orders.get_order(conn, settings, hh.id, oid)))


async def cancel_order(request: web.Request) -> web.Response:
    hh, rt, settings = await _member(request)
    oid = _path_id(request, "order_id")
    return _json(
        await rt.write(lambda conn: orders.cancel_order(conn, settings, hh.id, oid, rt.now()))
    )


async def list_fills(request: web.Request) -> web.Response:
    hh = await _household(request, allow_disabled=True)
    # Present means checked, also when empty: the document allows no empty value.
    since = request.query.get("since")
    if since is not None and not (since.startswith("fl_") and _ID_RE.fullmatch(since)):
        raise ValidationFailed(
            "since must be a fill_id (fl_ and 16 hex digits) from an earlier answer.",
            field="since",
        )
    return _json(
        {"fills": await _runtime(request).read(lambda conn: orders.list_fills(conn, hh.id, since))}
    )


async def settlements(request: web.Request) -> web.Response:
    hh = await _household(request, allow_disabled=True)
    month = request.query.get("month")
    if month is not None and not month:
        raise ValidationFailed(
            "month must be YYYY-MM; leave it out for every month.", field="month"
        )
    return _json(
        await _runtime(request).read(lambda conn: ledger.household_ledger(conn, hh.id, month))
    )


async def report_delivery(request: web.Request) -> web.Response:
    # A disabled household may still report: it delivers what it traded before.
    hh, rt, settings = await _member(request)
    report = deliveries.parse_report(await read_json(request), settings)

    def store(conn: Connection) -> tuple[dict[str, Any], int]:
        rt.store.lock_rounds(conn)  # never between settlement reading a day and writing it
        return deliveries.record(conn, settings, hh.id, report, rt.now())

    view, status = await rt.write(store)
    return _json(view, status)


async def list_deliveries(request: web.Request) -> web.Response:
    hh, rt, _settings = await _member(request)
    day = _day_param(request)
    items = await rt.read(lambda conn: deliveries.list_reports(conn, hh.id, day))
    return _json({"deliveries": items})


async def market(request: web.Request) -> web.Response:
    await _household(request, allow_disabled=True)
    rt = _runtime(request)
    return _json(
        await rt.read(lambda conn: market_data.market_view(conn, community.load(conn), rt.now()))
    )


# -- operator -------------------------------------------------------------------------------


def _limit_values(body: dict[str, Any]) -> tuple[float | None, float | None]:
    """A household's `max_sell_kwh` and `max_open_kwh` from a body; None where not given."""
    max_sell, max_open = (
        number(body, key) if body.get(key) is not None else None
        for key in ("max_sell_kwh", "max_open_kwh")
    )
    return max_sell, max_open


def _valid_hours(body: dict[str, Any]) -> float | None:
    """`code_valid_hours` from a body (checked by households.code_lifetime); None if absent."""
    return number(body, "code_valid_hours") if body.get("code_valid_hours") is not None else None


async def op_list_households(request: web.Request) -> web.Response:
    await _operator(request)
    return _json({"households": await _runtime(request).read(households.list_all)})


async def op_add_household(request: web.Request) -> web.Response:
    await _operator(request)
    body = require_object(
        await read_json(request),
        {"name", "max_sell_kwh", "max_open_kwh", "code_valid_hours"},
        ("name",),
    )
    name = string(body, "name", max_len=200)
    max_sell, max_open = _limit_values(body)
    valid_hours = _valid_hours(body)
    rt = _runtime(request)
    settings = await rt.settings()
    code = await rt.write(
        lambda conn: households.add(
            conn,
            settings,
            rt.now(),
            name,
            max_sell_kwh=max_sell,
            max_open_kwh=max_open,
            code_valid_hours=valid_hours,
        )
    )
    return _json(code.to_json(), 201)


async def op_disable(request: web.Request) -> web.Response:
    await _operator(request)
    hid = _path_id(request, "household_id")
    return _json(
        await _runtime(request).write(lambda conn: households.set_disabled(conn, hid, True))
    )


async def op_enable(request: web.Request) -> web.Response:
    await _operator(request)
    hid = _path_id(request, "household_id")
    return _json(
        await _runtime(request).write(lambda conn: households.set_disabled(conn, hid, False))
    )


async def op_rejoin(request: web.Request) -> web.Response:
    await _operator(request)
    hid = _path_id(request, "household_id")
    body = require_object(await read_json(request, optional=True), {"code_valid_hours"})
    valid_hours = _valid_hours(body)
    rt = _runtime(request)
    code = await rt.write(lambda conn: households.rejoin(conn, rt.now(), hid, valid_hours))
    return _json(code.to_json(), 201)


async def op_limits(request: web.Request) -> web.Response:
    await _operator(request)
    hid = _path_id(request, "household_id")
    body = require_object(await read_json(request), {"max_sell_kwh", "max_open_kwh"})
    max_sell, max_open = _limit_values(body)
    return _json(
        await _runtime(request).write(
            lambda conn: households.set_limits(conn, hid, max_sell, max_open)
        )
    )


async def op_orders(request: web.Request) -> web.Response:
    await _operator(request)
    rt = _runtime(request)
    settings = await rt.settings()
    statuses = orders.parse_statuses(request.query.get("status"))
    day = _day_param(request)
    items = await rt.read(
        lambda conn: orders.list_orders_for_operator(conn, settings, statuses, day)
    )
    return _json({"orders": items})


async def op_run_round(request: web.Request) -> web.Response:
    await _operator(request)
    await read_json(request, optional=True)
    summary = await _runtime(request).clear(trigger="operator")
    return _json(summary.to_json())


async def op_rounds(request: web.Request) -> web.Response:
    await _operator(request)
    text = request.query.get("limit", "20")
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ROUNDS_LIMIT):
        raise ValidationFailed(
            f"limit must be a whole number from 1 to {MAX_ROUNDS_LIMIT}.", field="limit"
        )
    limit = int(text)
    return _json(
        {"rounds": await _runtime(request).read(lambda conn: rounds.recent_rounds(conn, limit))}
    )


async def op_overview(request: web.Request) -> web.Response:
    await _operator(request)
    rt = _runtime(request)
    return _json(
        await rt.read(lambda conn: market_data.overview(conn, community.load(conn), rt.now()))
    )


async def op_settle(request: web.Request) -> web.Response:
    await _operator(request)
    await read_json(request, optional=True)
    return _json((await _runtime(request).settle()).to_json())


async def op_export(request: web.Request) -> web.Response:
    await _operator(request)
    fmt = request.query.get("format", "json")
    if fmt not in ("csv", "json"):
        raise ValidationFailed("format must be 'csv' or 'json'.", field="format")
    rt = _runtime(request)
    text = await rt.run(ledger_export.export_text, rt.store, fmt)
    if fmt == "csv":
        return web.Response(text=text, content_type="text/csv", charset="utf-8")
    return web.Response(text=text, content_type="application/json", charset="utf-8")


async def op_settings(request: web.Request) -> web.Response:
    await _operator(request)
    return _json((await _runtime(request).settings()).to_json())


ROUTES: tuple[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]], ...] = (
    ("GET", "/healthz", healthz),
    ("GET", "/api/openapi.json", openapi),
    ("POST", "/api/v1/join", join),
    ("GET", "/api/v1/me", me),
    ("POST", "/api/v1/requests", create_request),
    ("GET", "/api/v1/requests", list_requests),
    ("GET", "/api/v1/requests/{request_id}", get_request),
    ("DELETE", "/api/v1/requests/{request_id}", cancel_request),
    ("POST", "/api/v1/requests/{request_id}/reprice", reprice_request),
    ("GET", "/api/v1/orders", list_orders),
    ("GET", "/api/v1/orders/{order_id}", get_order),
    ("DELETE", "/api/v1/orders/{order_id}", cancel_order),
    ("GET", "/api/v1/fills", list_fills),
    ("GET", "/api/v1/settlements", settlements),
    ("POST", "/api/v1/deliveries", report_delivery),
    ("GET", "/api/v1/deliveries", list_deliveries),
    ("GET", "/api/v1/market", market),
    ("GET", "/api/v1/operator/households", op_list_households),
    ("POST", "/api/v1/operator/households", op_add_household),
    ("POST", "/api/v1/operator/households/{household_id}/disable", op_disable),
    ("POST", "/api/v1/operator/households/{household_id}/enable", op_enable),
    ("POST", "/api/v1/operator/households/{household_id}/rejoin", op_rejoin),
    ("POST", "/api/v1/operator/households/{household_id}/limits", op_limits),
    ("GET", "/api/v1/operator/orders", op_orders),
    ("POST", "/api/v1/operator/rounds", op_run_round),
    ("GET", "/api/v1/operator/rounds", op_rounds),
    ("GET", "/api/v1/operator/overview", op_overview),
    ("POST", "/api/v1/operator/settle", op_settle),
    ("GET", "/api/v1/operator/export", op_export),
    ("GET", "/api/v1/operator/settings", op_settings),
)


def create_app(runtime: MarketRuntime, *, run_scheduler: bool = False) -> web.Application:
    """The aiohttp application. It owns `runtime` and closes it on cleanup."""
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app[JOIN_THROTTLE] = JoinThrottle(runtime.now)
    app[SUBMIT_ROUNDS] = SubmitRounds(runtime)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    setup_web(app)
    if run_scheduler:
        app[SCHEDULER] = Scheduler(runtime)

    async def on_startup(app: web.Application) -> None:
        await runtime.migrate()
        if SCHEDULER in app:
            app[SCHEDULER].start()

    async def on_cleanup(app: web.Application) -> None:
        if SCHEDULER in app:
            await app[SCHEDULER].stop()
        await runtime.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
