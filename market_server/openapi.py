"""The OpenAPI 3.1 document of the HTTP API: the machine-readable wire contract."""

from __future__ import annotations

import copy
from typing import Any

from . import API_VERSION, __version__

_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_DATE = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time"}


def _obj(
    props: dict[str, Any], required: list[str] | None = None, extra: bool = True
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": required or list(props),
    }
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _arr(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "error": {"type": "string", "description": "machine code, e.g. validation_error"},
            "message": {"type": "string", "description": "a sentence a person understands"},
            "field": {"type": "string"},
        },
        ["error", "message"],
    ),
    "Health": _obj({"status": _STR, "version": _STR, "api_version": _INT}),
    "JoinBody": _obj({"code": _STR, "name": _STR}, ["code"], extra=False),
    "Joined": _obj({"household_id": _STR, "token": _STR}),
    "Me": _obj(
        {
            "household_id": _STR,
            "name": _STR,
            "disabled": _BOOL,
            "limits": _obj(
                {
                    "max_sell_kwh_per_day": _NUM,
                    "max_open_kwh": _NUM,
                    "max_kwh_per_order_day": _NUM,
                    "min_price": _NUM,
                    "max_price": _NUM,
                }
            ),
            "community": _obj(
                {
                    "name": _STR,
                    "timezone": _STR,
                    "gate_closure": _STR,
                    "gate_closure_days_before": _INT,
                    "horizon_days": _INT,
                    "round_interval_s": _INT,
                    "mechanism": _STR,
                    "efficiency": _NUM,
                    "clear_on_submit": _BOOL,
                    "volume_step_kwh": _NUM,
                    "price_step_eur": _NUM,
                }
            ),
            "api_version": _INT,
        }
    ),
    "RequestBody": {
        "type": "object",
        "additionalProperties": False,
        "required": ["side", "limit_price"],
        "description": "Either start_day + num_days + kwh_per_day, or volumes (kWh per day).",
        "properties": {
            "side": {"type": "string", "enum": ["buy", "sell"]},
            "start_day": _DATE,
            "num_days": {"type": "integer", "minimum": 1},
            "kwh_per_day": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.1},
            "volumes": {
                "type": "object",
                "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
            },
            "limit_price": {"type": "number", "minimum": 0, "multipleOf": 0.001},
            "client_request_id": {"type": "string", "maxLength": 200},
            "max_power_kw": {"type": "number", "exclusiveMinimum": 0},
            "note": {"type": "string", "maxLength": 500},
        },
    },
    "Order": _obj(
        {
            "order_id": _STR,
            "request_id": _STR,
            "day": _DATE,
            "side": {"type": "string", "enum": ["buy", "sell"]},
            "volume_kwh": _NUM,
            "limit_price": _NUM,
            "status": {
                "type": "string",
                "enum": ["open", "partially_filled", "filled", "cancelled", "expired"],
            },
            "filled_kwh": _NUM,
            "remaining_kwh": _NUM,
            "avg_price": _NUM_OR_NULL,
            "gate_closure": _TIME,
            "created_at": _TIME,
            "updated_at": _TIME,
        }
    ),
    "Request": _obj(
        {
            "request_id": _STR,
            "client_request_id": _STR,
            "side": {"type": "string", "enum": ["buy", "sell"]},
            "created_at": _TIME,
            "status": {"type": "string", "enum": ["open", "done"]},
            "note": _STR_OR_NULL,
            "max_power_kw": _NUM_OR_NULL,
            "limit_price": _NUM_OR_NULL,
            "volume_kwh": _NUM,
            "filled_kwh": _NUM,
            "orders": _arr(_ref("Order")),
        }
    ),
    "Fill": _obj(
        {
            "fill_id": _STR,
            "order_id": _STR,
            "request_id": _STR,
            "day": _DATE,
            "side": _STR,
            "volume_kwh": _NUM,
            "price": _NUM,
            "amount_eur": {"type": "number", "description": "positive = earned, negative = paid"},
            "round_id": _STR,
            "created_at": _TIME,
        }
    ),
    "LedgerEntry": _obj(
        {
            "entry_id": _STR,
            "day": _DATE,
            "side": _STR,
            "volume_kwh": _NUM,
            "price": _NUM,
            "amount_eur": _NUM,
            "fill_id": _STR,
            "settled_at": _TIME,
        }
    ),
    "Settlements": _obj(
        {
            "settlements": _arr(_ref("LedgerEntry")),
            "totals": _obj({"earned_eur": _NUM, "paid_eur": _NUM, "net_eur": _NUM}),
        }
    ),
    "MarketDay": _obj(
        {
            "day": _DATE,
            "gate_closure": _TIME,
            "open": _BOOL,
            "last_price": _NUM_OR_NULL,
            "cleared_kwh": _NUM,
            "open_buy_kwh": _NUM,
            "open_sell_kwh": _NUM,
            "last_round_at": {"type": ["string", "null"], "format": "date-time"},
        }
    ),
    "Market": _obj(
        {
            "mechanism": _STR,
            "timezone": _STR,
            "generated_at": _TIME,
            "days": _arr(_ref("MarketDay")),
        }
    ),
    "Household": _obj(
        {
            "household_id": _STR,
            "name": _STR,
            "disabled": _BOOL,
            "joined": _BOOL,
            "max_sell_kwh": _NUM,
            "max_open_kwh": _NUM,
            "open_kwh": _NUM,
            "orders": _INT,
            "created_at": _TIME,
        }
    ),
    "NewHouseholdBody": _obj(
        {"name": _STR, "max_sell_kwh": _NUM, "max_open_kwh": _NUM}, ["name"], extra=False
    ),
    "LimitsBody": _obj({"max_sell_kwh": _NUM, "max_open_kwh": _NUM}, [], extra=False),
    "JoinCode": _obj({"household_id": _STR, "join_code": _STR}),
    "OperatorOrder": {
        "allOf": [_ref("Order"), _obj({"household_id": _STR, "household_name": _STR})],
    },
    "RoundDay": _obj(
        {
            "day": _DATE,
            "price": _NUM_OR_NULL,
            "cleared_kwh": _NUM,
            "fills": _INT,
            "buy_kwh": _NUM,
            "sell_kwh": _NUM,
            "orders": _INT,
        }
    ),
    "RoundSummary": _obj(
        {
            "round_id": _STR,
            "trigger": _STR,
            "mechanism": _STR,
            "status": {"type": "string", "enum": ["completed", "failed"]},
            "started_at": _TIME,
            "finished_at": _TIME,
            "fills": _INT,
            "cleared_kwh": _NUM,
            "expired": _INT,
            "days": _arr(_ref("RoundDay")),
            "error": _STR_OR_NULL,
        }
    ),
    "Round": _obj(
        {
            "round_id": _STR,
            "trigger": _STR,
            "mechanism": _STR,
            "status": _STR,
            "started_at": _TIME,
            "finished_at": _TIME,
            "fills": _INT,
            "cleared_kwh": _NUM,
            "expired": _INT,
            "error": _STR_OR_NULL,
        }
    ),
    "OverviewDay": {
        "allOf": [
            _ref("MarketDay"),
            _obj({"households": _INT, "buy_orders": _INT, "sell_orders": _INT}),
        ]
    },
    "Overview": _obj(
        {
            "mechanism": _STR,
            "timezone": _STR,
            "generated_at": _TIME,
            "days": _arr(_ref("OverviewDay")),
            "community": {"type": "object"},
            "households": _obj({"total": _INT, "disabled": _INT}),
            "ledger": _obj({"entries": _INT}),
            "rounds": _arr(_ref("Round")),
        }
    ),
    "SettleSummary": _obj(
        {
            "entries": _INT,
            "earned_eur": _NUM,
            "paid_eur": _NUM,
            "through_day": {"type": ["string", "null"]},
        }
    ),
    "Settings": {"type": "object", "required": ["name", "timezone", "mechanism"]},
}

_ERRORS = {
    "400": "validation_error, invalid_json, limit_exceeded or gate_closed",
    "401": "unauthorized: missing, unknown or revoked token",
    "403": "forbidden (wrong kind of token) or household_disabled",
    "404": "not_found (also another household's id)",
    "409": "idempotency_conflict, join_code_used or opposite_order_open",
    "413": "body_too_large (over 64 KiB)",
    "415": "unsupported_media_type (send application/json)",
}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _op(
    summary: str,
    responses: dict[str, tuple[str, dict[str, Any] | None]],
    *,
    tag: str,
    auth: str | None = "household",
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    errors: tuple[str, ...] = ("400", "401", "403", "404"),
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {}}
    for status, (description, schema) in responses.items():
        entry: dict[str, Any] = {"description": description}
        if schema is not None:
            entry["content"] = _json_content(schema)
        op["responses"][status] = entry
    for status in errors:
        op["responses"][status] = {
            "description": _ERRORS[status],
            "content": _json_content(_ref("Error")),
        }
    op["security"] = [{auth: []}] if auth else []
    if body is not None:
        op["requestBody"] = {"required": True, "content": _json_content(_ref(body))}
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": _STR,
        "description": description,
    }


def _paths() -> dict[str, Any]:
    hh, op = "household", "operator"
    write_errors = ("400", "401", "403", "409", "413", "415")
    return {
        "/healthz": {
            "get": _op(
                "Liveness", {"200": ("ok", _ref("Health"))}, tag="public", auth=None, errors=()
            )
        },
        "/api/openapi.json": {
            "get": _op(
                "This document",
                {"200": ("OpenAPI 3.1", {"type": "object"})},
                tag="public",
                auth=None,
                errors=(),
            )
        },
        "/api/v1/join": {
            "post": _op(
                "Redeem a one-time join code for a household token",
                {"201": ("joined", _ref("Joined"))},
                tag="public",
                auth=None,
                body="JoinBody",
                errors=("400", "404", "409", "413", "415"),
            )
        },
        "/api/v1/me": {
            "get": _op(
                "The household, its limits, the community", {"200": ("me", _ref("Me"))}, tag=hh
            )
        },
        "/api/v1/requests": {
            "post": _op(
                "Place a request (one order per day); idempotent by client_request_id",
                {
                    "201": ("created", _ref("Request")),
                    "200": ("the same request again (retry)", _ref("Request")),
                },
                tag=hh,
                body="RequestBody",
                errors=write_errors,
            ),
            "get": _op(
                "Own requests, newest first",
                {"200": ("requests", _obj({"requests": _arr(_ref("Request"))}))},
                tag=hh,
            ),
        },
        "/api/v1/requests/{request_id}": {
            "parameters": [_path_param("request_id")],
            "get": _op("One own request", {"200": ("request", _ref("Request"))}, tag=hh),
            "delete": _op(
                "Cancel every unfilled remainder", {"200": ("request", _ref("Request"))}, tag=hh
            ),
        },
        "/api/v1/orders": {
            "get": _op(
                "Own orders",
                {"200": ("orders", _obj({"orders": _arr(_ref("Order"))}))},
                tag=hh,
                params=[
                    _query("status", "comma-separated statuses"),
                    _query("day", "YYYY-MM-DD"),
                ],
            )
        },
        "/api/v1/orders/{order_id}": {
            "parameters": [_path_param("order_id")],
            "get": _op("One own order", {"200": ("order", _ref("Order"))}, tag=hh),
            "delete": _op(
                "Cancel the unfilled remainder", {"200": ("order", _ref("Order"))}, tag=hh
            ),
        },
        "/api/v1/fills": {
            "get": _op(
                "Own fills, oldest first",
                {"200": ("fills", _obj({"fills": _arr(_ref("Fill"))}))},
                tag=hh,
                params=[_query("since", "a fill_id: only fills after it")],
            )
        },
        "/api/v1/settlements": {
            "get": _op(
                "Own ledger entries and totals",
                {"200": ("ledger", _ref("Settlements"))},
                tag=hh,
                params=[_query("month", "YYYY-MM")],
            )
        },
        "/api/v1/market": {
            "get": _op(
                "Aggregate market figures per day", {"200": ("market", _ref("Market"))}, tag=hh
            )
        },
        "/api/v1/operator/households": {
            "get": _op(
                "All households",
                {"200": ("households", _obj({"households": _arr(_ref("Household"))}))},
                tag=op,
                auth=op,
            ),
            "post": _op(
                "Add a household; returns its one-time join code",
                {"201": ("added", _ref("JoinCode"))},
                tag=op,
                auth=op,
                body="NewHouseholdBody",
                errors=write_errors,
            ),
        },
        "/api/v1/operator/households/{household_id}/disable": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                "Disable a household", {"200": ("household", _ref("Household"))}, tag=op, auth=op
            ),
        },
        "/api/v1/operator/households/{household_id}/enable": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                "Enable a household again",
                {"200": ("household", _ref("Household"))},
                tag=op,
                auth=op,
            ),
        },
        "/api/v1/operator/households/{household_id}/rejoin": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                "A one-time code re-joining this household (same id, new token; old one revoked)",
                {"201": ("code", _ref("JoinCode"))},
                tag=op,
                auth=op,
            ),
        },
        "/api/v1/operator/households/{household_id}/limits": {
            "parameters": [_path_param("household_id")],
            "post": _op(
                "Change a household's limits",
                {"200": ("household", _ref("Household"))},
                tag=op,
                auth=op,
                body="LimitsBody",
                errors=write_errors,
            ),
        },
        "/api/v1/operator/orders": {
            "get": _op(
                "All orders with their households",
                {"200": ("orders", _obj({"orders": _arr(_ref("OperatorOrder"))}))},
                tag=op,
                auth=op,
                params=[_query("status", "comma-separated statuses"), _query("day", "YYYY-MM-DD")],
            )
        },
        "/api/v1/operator/rounds": {
            "post": _op(
                "Run one clearing round now",
                {"200": ("round", _ref("RoundSummary"))},
                tag=op,
                auth=op,
            ),
            "get": _op(
                "Recent rounds, newest first",
                {"200": ("rounds", _obj({"rounds": _arr(_ref("Round"))}))},
                tag=op,
                auth=op,
                params=[_query("limit", "at most this many (1-500, default 20)")],
            ),
        },
        "/api/v1/operator/overview": {
            "get": _op(
                "Per-day price, volume, depth, participation; recent rounds",
                {"200": ("overview", _ref("Overview"))},
                tag=op,
                auth=op,
            )
        },
        "/api/v1/operator/settle": {
            "post": _op(
                "Settle every fill whose delivery day has ended",
                {"200": ("summary", _ref("SettleSummary"))},
                tag=op,
                auth=op,
            )
        },
        "/api/v1/operator/export": {
            "get": {
                **_op(
                    "The ledger as CSV or JSON",
                    {
                        "200": (
                            "ledger export",
                            {"type": "object", "required": ["entries", "count"]},
                        )
                    },
                    tag=op,
                    auth=op,
                    params=[_query("format", "csv or json (default json)")],
                ),
            }
        },
        "/api/v1/operator/settings": {
            "get": _op(
                "The community settings", {"200": ("settings", _ref("Settings"))}, tag=op, auth=op
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Community Storage Market",
            "version": __version__,
            "description": (
                "Households trade battery storage capacity per delivery day. Volumes in kWh "
                "(step 0.1), prices in EUR/kWh (step 0.001). Errors are {error, message, field?}. "
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
            "schemas": SCHEMAS,
        },
        "paths": _paths(),
    }
    # The CSV variant of the export.
    export = doc["paths"]["/api/v1/operator/export"]["get"]["responses"]["200"]
    export["content"]["text/csv"] = {"schema": {"type": "string"}}
    return copy.deepcopy(doc)
