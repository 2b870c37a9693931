"""The operator API: households, limits, rounds, settlement, export, settings (operator token)."""

from __future__ import annotations

from aiohttp import web

from market_server.errors import ValidationFailed
from market_server.http import contract
from market_server.http.bodies import read_json
from market_server.http.context import day_param, operator, path_id, runtime_of
from market_server.http.responses import Handler, json_reply
from market_server.ledger import export as ledger_export
from market_server.ledger import market_data
from market_server.market import community, households, orders, rounds

MAX_ROUNDS_LIMIT = 500


async def op_list_households(request: web.Request) -> web.Response:
    await operator(request)
    return json_reply({"households": await runtime_of(request).read(households.list_all)})


async def op_add_household(request: web.Request) -> web.Response:
    await operator(request)
    rt = runtime_of(request)
    settings = await rt.settings()
    body = contract.parse(contract.NewHouseholdBody, await read_json(request), settings)
    code = await rt.write(
        lambda conn: households.add(
            conn,
            settings,
            rt.now(),
            body.name,
            max_sell_kwh=body.max_sell_kwh,
            max_open_kwh=body.max_open_kwh,
            code_valid_hours=body.code_valid_hours,
        )
    )
    return json_reply(code.to_json(), 201)


async def op_disable(request: web.Request) -> web.Response:
    await operator(request)
    hid = path_id(request, "household_id")
    return json_reply(
        await runtime_of(request).write(lambda conn: households.set_disabled(conn, hid, True))
    )


async def op_enable(request: web.Request) -> web.Response:
    await operator(request)
    hid = path_id(request, "household_id")
    return json_reply(
        await runtime_of(request).write(lambda conn: households.set_disabled(conn, hid, False))
    )


async def op_rejoin(request: web.Request) -> web.Response:
    await operator(request)
    hid = path_id(request, "household_id")
    body = contract.parse(contract.RejoinBody, await read_json(request, optional=True))
    rt = runtime_of(request)
    code = await rt.write(
        lambda conn: households.rejoin(conn, rt.now(), hid, body.code_valid_hours)
    )
    return json_reply(code.to_json(), 201)


async def op_limits(request: web.Request) -> web.Response:
    await operator(request)
    hid = path_id(request, "household_id")
    body = contract.parse(contract.LimitsBody, await read_json(request))
    return json_reply(
        await runtime_of(request).write(
            lambda conn: households.set_limits(conn, hid, body.max_sell_kwh, body.max_open_kwh)
        )
    )


async def op_orders(request: web.Request) -> web.Response:
    await operator(request)
    rt = runtime_of(request)
    settings = await rt.settings()
    statuses = orders.parse_statuses(request.query.get("status"))
    day = day_param(request)
    items = await rt.read(
        lambda conn: orders.list_orders_for_operator(conn, settings, statuses, day)
    )
    return json_reply({"orders": items})


async def op_run_round(request: web.Request) -> web.Response:
    await operator(request)
    await read_json(request, optional=True)
    summary = await runtime_of(request).clear(trigger="operator")
    return json_reply(summary.to_json())


async def op_rounds(request: web.Request) -> web.Response:
    await operator(request)
    text = request.query.get("limit", "20")
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ROUNDS_LIMIT):
        raise ValidationFailed(
            f"limit must be a whole number from 1 to {MAX_ROUNDS_LIMIT}.", field="limit"
        )
    limit = int(text)
    return json_reply(
        {"rounds": await runtime_of(request).read(lambda conn: rounds.recent_rounds(conn, limit))}
    )


async def op_overview(request: web.Request) -> web.Response:
    await operator(request)
    rt = runtime_of(request)
    return json_reply(
        await rt.read(lambda conn: market_data.overview(conn, community.load(conn), rt.now()))
    )


async def op_settle(request: web.Request) -> web.Response:
    await operator(request)
    await read_json(request, optional=True)
    return json_reply((await runtime_of(request).settle()).to_json())


async def op_export(request: web.Request) -> web.Response:
    await operator(request)
    fmt = request.query.get("format", "json")
    if fmt not in ("csv", "json"):
        raise ValidationFailed("format must be 'csv' or 'json'.", field="format")
    rt = runtime_of(request)
    text = await rt.run(ledger_export.export_text, rt.store, fmt)
    if fmt == "csv":
        return web.Response(text=text, content_type="text/csv", charset="utf-8")
    return web.Response(text=text, content_type="application/json", charset="utf-8")


async def op_settings(request: web.Request) -> web.Response:
    await operator(request)
    return json_reply((await runtime_of(request).settings()).to_json())


async def op_change_settings(request: web.Request) -> web.Response:
    """The settings a running market may change (contract.SettingsBody); the rest: `init`."""
    await operator(request)
    body = contract.parse(contract.SettingsBody, await read_json(request))
    rt = runtime_of(request)
    settings = await rt.write(lambda conn: community.change(conn, body.changes()))
    return json_reply(settings.to_json())


ROUTES: tuple[tuple[str, str, Handler], ...] = (
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
    ("POST", "/api/v1/operator/settings", op_change_settings),
)
