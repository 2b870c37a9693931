"""The member API: what a household's Home Assistant calls with its token (and join, health).

Handlers only translate: HTTP in -> a domain call in a worker thread -> JSON out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy.engine import Connection

from market_server import API_VERSION, __version__
from market_server.errors import (
    JoinCodeExpired,
    JoinCodeInvalid,
    JoinCodeUsed,
    MarketError,
    ValidationFailed,
)
from market_server.http import contract
from market_server.http.bodies import read_json
from market_server.http.context import (
    ID_RE,
    JOIN_THROTTLE,
    SUBMIT_ROUNDS,
    day_param,
    household,
    member,
    path_id,
    runtime_of,
)
from market_server.http.openapi import openapi_document
from market_server.http.responses import Handler, json_reply
from market_server.ledger import deliveries, market_data
from market_server.ledger import settlement as ledger
from market_server.market import community, households, orders
from market_server.market.settings import CommunitySettings
from market_server.market.units import PRICE_STEP_EUR, VOLUME_STEP_KWH, kwh
from market_server.market.validation import (
    RequestSpec,
)
from market_server.storage import auth


async def healthz(_request: web.Request) -> web.Response:
    return json_reply({"status": "ok", "version": __version__, "api_version": API_VERSION})


async def openapi(request: web.Request) -> web.Response:
    rt = runtime_of(request)
    return json_reply(openapi_document(await rt.settings(), rt.now()))


@asynccontextmanager
async def _join_attempt(request: web.Request, code: str) -> AsyncIterator[None]:
    """A join, or a check of its code (which tells a guesser as much), charged to the join
    throttle now (see join_throttle.py); the charge stands only when the code was wrong."""
    throttle = request.app[JOIN_THROTTLE]
    code_key = auth.digest(auth.normalise_join_code(code))
    attempt = throttle.attempt(request.remote or "unknown", code_key)
    try:
        yield
    except (JoinCodeInvalid, JoinCodeUsed, JoinCodeExpired):
        raise  # a wrong code: the charge stands
    except BaseException:
        throttle.give_back(attempt)  # the server failed, not the guess
        raise
    throttle.give_back(attempt)


async def join(request: web.Request) -> web.Response:
    body = contract.parse(contract.JoinBody, await read_json(request))
    code, name = body.code, body.name
    rt = runtime_of(request)
    async with _join_attempt(request, code):
        household_id, token = await rt.write(
            lambda conn: households.redeem(conn, rt.now(), code, name)
        )
    return json_reply({"household_id": household_id, "token": token}, 201)


async def check_join_code(request: web.Request) -> web.Response:
    """The first step of a join: whom the code joins, without redeeming it (throttled like a
    join, as it tells a guesser as much)."""
    body = contract.parse(contract.JoinCheckBody, await read_json(request))
    rt = runtime_of(request)
    async with _join_attempt(request, body.code):
        community_name = (await rt.settings()).name
        checked = await rt.read(
            lambda conn: households.check(conn, rt.now(), body.code, community_name)
        )
    return json_reply(checked.to_json())


async def me(request: web.Request) -> web.Response:
    hh = await household(request, allow_disabled=True)
    rt = runtime_of(request)
    settings = await rt.settings()
    delivery = await rt.read(lambda conn: market_data.own_delivery(conn, hh.id))
    return json_reply(
        {
            "household_id": hh.id,
            "name": hh.name,
            "disabled": hh.disabled,
            "delivery": delivery,
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
                "energy_price": settings.energy_price,
                "grid_charging": settings.grid_charging,
                "feed_in_price": settings.feed_in_price,
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
    rt = runtime_of(request)

    def place(conn: Connection) -> tuple[CommunitySettings, RequestSpec, dict[str, Any], bool]:
        # One transaction and one trip to a worker thread for the whole submission; the token
        # is checked before the body, as on every other route.
        hh = auth.household_for_token(conn, token)
        if bad_body is not None:
            raise bad_body
        settings = community.load(conn)
        spec = contract.parse(contract.RequestBody, body, settings).spec(settings)
        view, created = orders.submit(conn, settings, hh, spec, rt.now())
        return settings, spec, view, created

    settings, spec, view, created = await rt.write(place)
    if settings.clear_on_submit and (created or orders.in_the_book(view)):
        days = (day for day, _ in spec.volumes)
        rows = await request.app[SUBMIT_ROUNDS].clear(days, view["request_id"])
        view = orders.with_orders(settings, view, rows)
    return json_reply(view, 201 if created else 200)


async def reprice_request(request: web.Request) -> web.Response:
    token = auth.bearer(request.headers.get("Authorization"))
    rid = path_id(request, "request_id")
    try:
        body, bad_body = await read_json(request), None
    except MarketError as err:
        body, bad_body = None, err
    rt = runtime_of(request)

    def replace(conn: Connection) -> tuple[CommunitySettings, dict[str, Any], bool]:
        hh = auth.household_for_token(conn, token)
        if bad_body is not None:
            raise bad_body
        settings = community.load(conn)
        spec = contract.parse(contract.RepriceBody, body, settings).spec(settings)
        view, created = orders.reprice_request(conn, settings, hh, rid, spec, now=rt.now())
        return settings, view, created

    settings, view, created = await rt.write(replace)
    if settings.clear_on_submit and (created or orders.in_the_book(view)):
        days = (date.fromisoformat(o["day"]) for o in view["orders"])
        rows = await request.app[SUBMIT_ROUNDS].clear(days, view["request_id"])
        view = orders.with_orders(settings, view, rows)
    return json_reply(view, 201 if created else 200)


async def list_requests(request: web.Request) -> web.Response:
    hh, rt, settings = await member(request)
    items = await rt.read(lambda conn: orders.list_requests(conn, settings, hh.id))
    return json_reply({"requests": items})


async def list_orders(request: web.Request) -> web.Response:
    hh, rt, settings = await member(request)
    statuses = orders.parse_statuses(request.query.get("status"))
    day = day_param(request)
    items = await rt.read(
        lambda conn: orders.list_orders(conn, settings, hh.id, statuses=statuses, day=day)
    )
    return json_reply({"orders": items})


def _by_id(name: str, act: Callable[..., Any], *, change: bool = False) -> Handler:
    """A handler that reads (or, with `change`, changes) one of the calling household's
    requests or orders by the id in the path: `act(conn, settings, household_id, id[, now])`."""

    async def handler(request: web.Request) -> web.Response:
        hh, rt, settings = await member(request)
        item_id = path_id(request, name)
        if change:
            return json_reply(
                await rt.write(lambda conn: act(conn, settings, hh.id, item_id, rt.now()))
            )
        return json_reply(await rt.read(lambda conn: act(conn, settings, hh.id, item_id)))

    return handler


get_request = _by_id("request_id", orders.get_request)
cancel_request = _by_id("request_id", orders.cancel_request, change=True)
get_order = _by_id("order_id", orders.get_order)
cancel_order = _by_id("order_id", orders.cancel_order, change=True)


async def list_fills(request: web.Request) -> web.Response:
    hh = await household(request, allow_disabled=True)
    # Present means checked, also when empty: the document allows no empty value.
    since = request.query.get("since")
    if since is not None and not (since.startswith("fl_") and ID_RE.fullmatch(since)):
        raise ValidationFailed(
            "since must be a fill_id (fl_ and 16 hex digits) from an earlier answer.",
            field="since",
        )
    return json_reply(
        {
            "fills": await runtime_of(request).read(
                lambda conn: orders.list_fills(conn, hh.id, since)
            )
        }
    )


async def settlements(request: web.Request) -> web.Response:
    hh = await household(request, allow_disabled=True)
    month = request.query.get("month")
    if month is not None and not month:
        raise ValidationFailed(
            "month must be YYYY-MM; leave it out for every month.", field="month"
        )
    return json_reply(
        await runtime_of(request).read(lambda conn: ledger.household_ledger(conn, hh.id, month))
    )


async def report_delivery(request: web.Request) -> web.Response:
    # A disabled household may still report: it delivers what it traded before.
    hh, rt, settings = await member(request)
    body = contract.parse(contract.DeliveryBody, await read_json(request), settings)
    report = body.report(settings)

    def store(conn: Connection) -> tuple[dict[str, Any], int]:
        rt.store.lock_rounds(conn)  # never between settlement reading a day and writing it
        return deliveries.record(conn, settings, hh.id, report, rt.now())

    view, status = await rt.write(store)
    return json_reply(view, status)


async def list_deliveries(request: web.Request) -> web.Response:
    hh, rt, _settings = await member(request)
    day = day_param(request)
    items = await rt.read(lambda conn: deliveries.list_reports(conn, hh.id, day))
    return json_reply({"deliveries": items})


async def market(request: web.Request) -> web.Response:
    await household(request, allow_disabled=True)
    rt = runtime_of(request)
    return json_reply(
        await rt.read(lambda conn: market_data.market_view(conn, community.load(conn), rt.now()))
    )


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/healthz", healthz),
    ("GET", "/api/openapi.json", openapi),
    ("POST", "/api/v1/join", join),
    ("POST", "/api/v1/join/check", check_join_code),
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
)
