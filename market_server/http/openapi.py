"""The OpenAPI 3.1 document of the HTTP API: the machine-readable wire contract.

The component schemas are generated from the models of contract.py; this module adds the
operations, and what depends on the call: the community's bounds and the days open now.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from market_server import API_VERSION, __version__
from market_server.http import contract
from market_server.ledger import deliveries
from market_server.market.gate import local_today, open_days
from market_server.market.order_status import STATUSES
from market_server.market.settings import CommunitySettings
from market_server.market.units import PRICE_STEP_EUR, VOLUME_STEP_KWH

_MONTH_PATTERN = "^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])$"
_STRICT_DATE = {"type": "string", "format": "date", "pattern": contract.DAY_PATTERN}


def _id(prefix: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{prefix}_[0-9a-f]{{16}}$"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{contract.REF_PREFIX}{name}"}


def _price(settings: CommunitySettings) -> dict[str, Any]:
    return {"minimum": settings.min_price, "maximum": settings.max_price}


def _request_body(
    schema: dict[str, Any], settings: CommunitySettings, now: datetime | None
) -> dict[str, Any]:
    """POST /api/v1/requests as RequestBody.spec and validation.check_days enforce it.

    With `now`, the days are the ones open for trading at that moment (the document is built
    per call), so that a client or a fuzzer can place a request that is accepted.
    """
    day: dict[str, Any] = dict(_STRICT_DATE)
    if now is not None:
        day["enum"] = [d.isoformat() for d in open_days(now, settings)]
    max_days = settings.horizon_days + 1
    props = schema["properties"]
    kwh = {
        **props["kwh_per_day"],
        "minimum": VOLUME_STEP_KWH,
        "maximum": settings.max_kwh_per_order_day,
    }
    props["start_day"] = day
    props["num_days"].update(minimum=1, maximum=max_days)
    props["kwh_per_day"] = kwh
    props["volumes"] = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": max_days,
        "propertyNames": day,
        "additionalProperties": kwh,
    }
    props["limit_price"].update(_price(settings))
    simple = ["start_day", "num_days", "kwh_per_day"]
    schema["oneOf"] = [
        {"required": simple, "not": {"required": ["volumes"]}},
        {"required": ["volumes"], "not": {"anyOf": [{"required": [name]} for name in simple]}},
    ]
    return schema


def _reprice_body(schema: dict[str, Any], settings: CommunitySettings) -> dict[str, Any]:
    """POST /api/v1/requests/{request_id}/reprice as RepriceBody.spec enforces it."""
    props = schema["properties"]
    props["limit_price"].update(_price(settings))
    props["days"]["maxItems"] = settings.horizon_days + 1
    props["days"]["items"] = _STRICT_DATE
    return schema


def _delivery_body(
    schema: dict[str, Any], settings: CommunitySettings, now: datetime | None
) -> dict[str, Any]:
    """POST /api/v1/deliveries as DeliveryBody and deliveries.check_day enforce it; with `now`,
    `day` lists the days a report is taken for at that moment."""
    if now is not None:
        today = local_today(now, settings)
        schema["properties"]["day"]["enum"] = [
            (today - timedelta(days=back)).isoformat()
            for back in range(1, deliveries.MAX_AGE_DAYS + 1)
        ]
    return schema


# What each error status means beyond its codes (contract.ERROR_CODES lists those).
_ERROR_HINTS = {
    "400": "the body, a field or a parameter is wrong, or a query parameter is unknown; "
    "`field` names it",
    "401": "missing, unknown or revoked token",
    "403": "wrong kind of token, or the household is disabled",
    "404": "also another household's id",
    "409": "the state does not allow it",
    "410": "ask the operator for a new code",
    "429": "too many failed joins from this address or with this code; wait the Retry-After "
    "seconds",
    "413": "over 64 KiB",
    "415": "send application/json",
}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _op(
    who: str,
    summary: str,
    responses: dict[str, tuple[str, dict[str, Any] | None]],
    *,
    body: str | None = None,
    body_required: bool = True,
    params: list[dict[str, Any]] | None = None,
    errors: tuple[str, ...] = ("400", "401", "403", "404"),
) -> dict[str, Any]:
    """One operation of ``who`` ("public", "household" or "operator"): its tag, and the token
    it needs (none for public ones)."""
    op: dict[str, Any] = {"summary": summary, "tags": [who], "responses": {}}
    for status, (description, schema) in responses.items():
        entry: dict[str, Any] = {"description": description}
        if schema is not None:
            entry["content"] = _json_content(schema)
        op["responses"][status] = entry
    # Every route refuses a query parameter it does not take (query_params.py).
    for status in ("400", *errors) if "400" not in errors else errors:
        codes = contract.ERROR_CODES[int(status)]
        op["responses"][status] = {
            "description": f"{', '.join(codes)}: {_ERROR_HINTS[status]}",
            "content": _json_content(_ref("Error")),
            "x-error-codes": list(codes),
        }
        if status == "429":
            op["responses"][status]["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait before the next attempt",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
    op["security"] = [] if who == "public" else [{who: []}]
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": _json_content(_ref(body))}
    if params:
        op["parameters"] = params
    return op


_ID_PREFIX = {"request_id": "rq", "order_id": "or", "household_id": "hh"}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _id(_ID_PREFIX[name])}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_STATUS_QUERY = {
    "name": "status",
    "in": "query",
    "required": False,
    "description": "only orders with any of these statuses, comma-separated",
    "style": "form",
    "explode": False,
    "schema": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": list(STATUSES)},
    },
}
_DAY_QUERY = _query("day", "only this delivery day, YYYY-MM-DD", _STRICT_DATE)


def _paths() -> dict[str, Any]:
    hh, op = "household", "operator"
    write_errors = ("400", "401", "403", "409", "413", "415")
    return {
        "/healthz": {"get": _op("public", "Liveness", {"200": ("ok", _ref("Health"))}, errors=())},
        "/api/openapi.json": {
            "get": _op(
                "public", "This document", {"200": ("OpenAPI 3.1", {"type": "object"})}, errors=()
            )
        },
        "/api/v1/join": {
            "post": _op(
                "public",
                "Redeem a one-time join code for a household token",
                {"201": ("joined", _ref("Joined"))},
                body="JoinBody",
                errors=("400", "404", "409", "410", "413", "415", "429"),
            )
        },
        "/api/v1/join/check": {
            "post": _op(
                "public",
                "Whom a join code joins, without redeeming it (the first step of a join)",
                {"200": ("the code is usable", _ref("JoinCheck"))},
                body="JoinCheckBody",
                errors=("400", "404", "409", "410", "413", "415", "429"),
            )
        },
        "/api/v1/me": {
            "get": _op(hh, "The household, its limits, the community", {"200": ("me", _ref("Me"))})
        },
        "/api/v1/requests": {
            "post": _op(
                hh,
                "Place a request (one order per day); idempotent by client_request_id",
                {
                    "201": ("created", _ref("Request")),
                    "200": ("the same request again (retry)", _ref("Request")),
                },
                body="RequestBody",
                errors=write_errors,
            ),
            "get": _op(
                hh, "Own requests, newest first", {"200": ("requests", _ref("RequestList"))}
            ),
        },
        "/api/v1/requests/{request_id}": {
            "parameters": [_path_param("request_id")],
            "get": _op(hh, "One own request", {"200": ("request", _ref("Request"))}),
            "delete": _op(
                hh, "Cancel every unfilled remainder", {"200": ("request", _ref("Request"))}
            ),
        },
        "/api/v1/requests/{request_id}/reprice": {
            "parameters": [_path_param("request_id")],
            "post": _op(
                hh,
                "Move the open remainder to a new limit price in one step (a new request; the "
                "old orders are cancelled); idempotent by client_request_id",
                {
                    "201": ("the new request", _ref("Request")),
                    "200": ("the same re-price again (retry)", _ref("Request")),
                },
                body="RepriceBody",
                errors=(*write_errors, "404"),
            ),
        },
        "/api/v1/orders": {
            "get": _op(
                hh,
                "Own orders",
                {"200": ("orders", _ref("OrderList"))},
                params=[_STATUS_QUERY, _DAY_QUERY],
            )
        },
        "/api/v1/orders/{order_id}": {
            "parameters": [_path_param("order_id")],
            "get": _op(hh, "One own order", {"200": ("order", _ref("Order"))}),
            "delete": _op(hh, "Cancel the unfilled remainder", {"200": ("order", _ref("Order"))}),
        },
        "/api/v1/fills": {
            "get": _op(
                hh,
                "Own fills, oldest first",
                {"200": ("fills", _ref("FillList"))},
                params=[_query("since", "a fill_id: only fills after it", _id("fl"))],
            )
        },
        "/api/v1/settlements": {
            "get": _op(
                hh,
                "Own ledger entries and totals",
                {"200": ("ledger", _ref("Settlements"))},
                params=[
                    _query(
                        "month",
                        "only this month, YYYY-MM",
                        # Years 0001-9999, as Python's dates.
                        {"type": "string", "pattern": _MONTH_PATTERN},
                    )
                ],
            )
        },
        "/api/v1/deliveries": {
            "post": _op(
                hh,
                "Report what was delivered (sell) or used (buy) on an ended delivery day; after "
                "the day is settled a first report is kept for the record only (late)",
                {
                    "201": ("recorded", _ref("Delivery")),
                    "200": ("the same figures again (unchanged) or a correction", _ref("Delivery")),
                },
                body="DeliveryBody",
                errors=write_errors,
            ),
            "get": _op(
                hh,
                "Own delivery reports, newest day first",
                {"200": ("deliveries", _ref("DeliveryList"))},
                params=[_DAY_QUERY],
            ),
        },
        "/api/v1/market": {
            "get": _op(
                hh,
                "Aggregate market figures per day, and what trades delivered lately",
                {"200": ("market", _ref("Market"))},
            )
        },
        "/api/v1/operator/households": {
            "get": _op(op, "All households", {"200": ("households", _ref("HouseholdList"))}),
            "post": _op(
                op,
                "Add a household; returns its one-time join code",
                {"201": ("added", _ref("JoinCode"))},
                body="NewHouseholdBody",
                errors=write_errors,
            ),
        },
        "/api/v1/operator/households/{household_id}/disable": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                op,
                "Disable a household and cancel its open orders",
                {"200": ("household", _ref("Household"))},
            ),
        },
        "/api/v1/operator/households/{household_id}/enable": {
            "parameters": [_path_param("household_id")],
            "post": _op(op, "Enable a household again", {"200": ("household", _ref("Household"))}),
        },
        "/api/v1/operator/households/{household_id}/rejoin": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                op,
                "A one-time code re-joining this household (same id, new token; old one revoked)",
                {"201": ("code", _ref("JoinCode"))},
                body="RejoinBody",
                body_required=False,
                errors=("400", "401", "403", "404", "413", "415"),
            ),
        },
        "/api/v1/operator/households/{household_id}/limits": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                op,
                "Change a household's limits",
                {"200": ("household", _ref("Household"))},
                body="LimitsBody",
                errors=(*write_errors, "404"),
            ),
        },
        "/api/v1/operator/orders": {
            "get": _op(
                op,
                "All orders with their households",
                {"200": ("orders", _ref("OperatorOrderList"))},
                params=[_STATUS_QUERY, _DAY_QUERY],
            )
        },
        "/api/v1/operator/rounds": {
            "post": _op(op, "Run one clearing round now", {"200": ("round", _ref("RoundSummary"))}),
            "get": _op(
                op,
                "Recent rounds, newest first",
                {"200": ("rounds", _ref("RoundList"))},
                params=[
                    _query(
                        "limit",
                        "at most this many (default 20)",
                        {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
                    )
                ],
            ),
        },
        "/api/v1/operator/overview": {
            "get": _op(
                op,
                "Per-day price, volume, depth, participation; recent rounds",
                {"200": ("overview", _ref("Overview"))},
            )
        },
        "/api/v1/operator/settle": {
            "post": _op(
                op,
                "Settle every ended delivery day whose households have all reported, or whose "
                "report deadline has passed",
                {"200": ("summary", _ref("SettleSummary"))},
            )
        },
        "/api/v1/operator/export": {
            "get": {
                **_op(
                    op,
                    "The ledger as CSV or JSON",
                    {"200": ("ledger export", _ref("LedgerExport"))},
                    params=[
                        _query(
                            "format",
                            "csv or json (default json)",
                            {"type": "string", "enum": ["csv", "json"], "default": "json"},
                        )
                    ],
                ),
            }
        },
        "/api/v1/operator/settings": {
            "get": _op(
                op, "The community settings", {"200": ("settings", _ref(contract.SETTINGS))}
            ),
            "post": _op(
                op,
                "Change the energy-sharing settings (energy_price, feed_in_price, grid_charging); "
                "the others only with `market-server init`",
                {"200": ("the settings now", _ref(contract.SETTINGS))},
                body="SettingsBody",
                errors=("400", "401", "403", "413", "415"),
            ),
        },
    }


def openapi_document(
    settings: CommunitySettings | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The document; with the community's `settings` its bounds are the community's, and with
    `now` the request days are the days open at that moment."""
    settings = settings or CommunitySettings()
    schemas = contract.schemas()
    _request_body(schemas["RequestBody"], settings, now)
    _reprice_body(schemas["RepriceBody"], settings)
    _delivery_body(schemas["DeliveryBody"], settings, now)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Community Storage Market",
            "version": __version__,
            "description": (
                "Households trade battery storage capacity per delivery day. Volumes in kWh "
                f"(step {VOLUME_STEP_KWH}), prices in EUR/kWh (step {PRICE_STEP_EUR}). Errors are "
                "{error, message, field?}. "
                f"API version {API_VERSION}."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "household": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "household token from /api/v1/join",
                },
                "operator": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "operator token from `market-server init`",
                },
            },
            "schemas": schemas,
        },
        "paths": _paths(),
    }
    # The CSV variant of the export.
    export = doc["paths"]["/api/v1/operator/export"]["get"]["responses"]["200"]
    export["content"]["text/csv"] = {"schema": {"type": "string"}}
    return copy.deepcopy(doc)
