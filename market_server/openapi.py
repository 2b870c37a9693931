"""The OpenAPI 3.1 document of the HTTP API: the machine-readable wire contract."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from . import API_VERSION, __version__, deliveries
from .config import CommunitySettings
from .gate import local_today, open_days
from .households import MAX_CODE_VALID_HOURS, MAX_LIMIT_TICKS
from .orders import STATUSES
from .units import VOLUME_TICKS_PER_KWH
from .validation import MAX_CLIENT_REQUEST_ID, MAX_NOTE

_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_DATE = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
# What validation.storable_text lets through, as ECMA regexes: no control characters (a note
# may hold tabs and line breaks), and for names and ids at least one non-blank character.
_CONTROLS = "\\u0000-\\u001F\\u007F-\\u009F"
_NOTE_CONTROLS = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F"
_LINE = f"^[^{_CONTROLS}]*[^\\s{_CONTROLS}][^{_CONTROLS}]*$"
_NOTE = f"^[^{_NOTE_CONTROLS}]*$"
_DAY_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH_PATTERN = "^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])$"
_STRICT_DATE = {"type": "string", "format": "date", "pattern": _DAY_PATTERN}
_LIMIT_KWH = MAX_LIMIT_TICKS / VOLUME_TICKS_PER_KWH


def _text(max_len: int) -> dict[str, Any]:
    """A one-line, non-blank text field (validation.string)."""
    return {"type": "string", "minLength": 1, "maxLength": max_len, "pattern": _LINE}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field the server also takes as null (= not given)."""
    return {**schema, "type": [schema["type"], "null"]}


def _id(prefix: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{prefix}_[0-9a-f]{{16}}$"}


def _obj(
    props: dict[str, Any], required: list[str] | None = None, extra: bool = True
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
    }
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _arr(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


_SELL_LIMIT = {
    "type": "number",
    "minimum": 0,
    "maximum": _LIMIT_KWH,
    "multipleOf": 0.1,
    "description": "kWh per delivery day; 0 = no battery: the household may only buy",
}
_OPEN_LIMIT = {"type": "number", "minimum": 0.1, "maximum": _LIMIT_KWH, "multipleOf": 0.1}
_VALID_HOURS = {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": MAX_CODE_VALID_HOURS,
    "description": "hours the join code works (default 168: a week)",
}

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
    "JoinBody": _obj({"code": _text(100), "name": _nullable(_text(200))}, ["code"], extra=False),
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
                    "delivery_report_hours": _INT,
                    "volume_step_kwh": _NUM,
                    "price_step_eur": _NUM,
                }
            ),
            "api_version": _INT,
        }
    ),
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
            "amount_eur": {
                "type": "number",
                "description": "positive = earned, negative = paid; net of refund_eur",
            },
            "fill_id": _STR,
            "settled_at": _TIME,
            "delivered_kwh": {
                "type": ["number", "null"],
                "description": "sell entries: what the fill delivered (the seller earns that "
                "share of its value); null on buy entries",
            },
            "refund_eur": {
                "type": "number",
                "description": "buy entries: this fill's share of the day's sellers' shortfall, "
                "already taken off amount_eur; 0 on sell entries",
            },
        }
    ),
    "Settlements": _obj(
        {
            "settlements": _arr(_ref("LedgerEntry")),
            "totals": _obj(
                {"earned_eur": _NUM, "paid_eur": _NUM, "net_eur": _NUM, "refunds_eur": _NUM}
            ),
        }
    ),
    "Delivery": _obj(
        {
            "day": _DATE,
            "side": {"type": "string", "enum": ["buy", "sell"]},
            "kwh": _NUM,
            "traded_kwh": {"type": "number", "description": "filled kWh of that day and side"},
            "ratio": {"type": ["number", "null"], "description": "kwh / traded_kwh, 3 decimals"},
            "status": {"type": "string", "enum": ["recorded", "unchanged", "corrected"]},
            "reported_at": _TIME,
            "updated_at": _TIME,
            "hourly_kwh": {"type": ["array", "null"], "items": _NUM},
            "client_report_id": _STR_OR_NULL,
            "settled": {"type": "boolean", "description": "the day is in the ledger"},
        }
    ),
    "DayDelivery": _obj(
        {
            "sold_kwh": _NUM,
            "reported_sold_kwh": _NUM,
            "delivered_kwh": _NUM,
            "ratio": {
                "type": ["number", "null"],
                "description": "delivered / sold over the sellers that reported",
            },
            "unreported_sellers": _INT,
            "settled": _BOOL,
            "refunds_eur": _NUM,
        }
    ),
    "HouseholdDelivery": _obj(
        {
            "household_id": _STR,
            "name": _STR,
            "sold_kwh": _NUM,
            "reported_sold_kwh": _NUM,
            "delivered_kwh": _NUM,
            "ratio": _NUM_OR_NULL,
            "days": _INT,
            "unreported_days": _INT,
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
        {
            "name": _text(200),
            "max_sell_kwh": _nullable(_SELL_LIMIT),
            "max_open_kwh": _nullable(_OPEN_LIMIT),
            "code_valid_hours": _nullable(_VALID_HOURS),
        },
        ["name"],
        extra=False,
    ),
    "LimitsBody": _obj(
        {"max_sell_kwh": _nullable(_SELL_LIMIT), "max_open_kwh": _nullable(_OPEN_LIMIT)},
        [],
        extra=False,
    ),
    "RejoinBody": _obj({"code_valid_hours": _nullable(_VALID_HOURS)}, [], extra=False),
    "JoinCode": _obj(
        {
            "household_id": _STR,
            "join_code": _STR,
            "expires_at": {**_TIME, "description": "the code stops working at this time"},
        }
    ),
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
            _obj(
                {
                    "households": _INT,
                    "buy_orders": _INT,
                    "sell_orders": _INT,
                    "delivery": {
                        "oneOf": [_ref("DayDelivery"), {"type": "null"}],
                        "description": "ended days with sales: delivery reports so far",
                    },
                }
            ),
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
            "deliveries": _obj({"households": _arr(_ref("HouseholdDelivery"))}),
            "rounds": _arr(_ref("Round")),
        }
    ),
    "SettleSummary": _obj(
        {
            "entries": _INT,
            "earned_eur": _NUM,
            "paid_eur": {"type": "number", "description": "net of refunds"},
            "refunds_eur": _NUM,
            "through_day": {"type": ["string", "null"]},
            "pending_days": {
                "type": "integer",
                "description": "ended days waiting for sellers' delivery reports",
            },
            "next_deadline": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "when the first pending day settles without the missing reports",
            },
        }
    ),
    "Settings": {"type": "object", "required": ["name", "timezone", "mechanism"]},
}


def _request_body(settings: CommunitySettings, now: datetime | None) -> dict[str, Any]:
    """POST /api/v1/requests as validation.parse_request and check_days enforce it.

    With `now`, the days are the ones open for trading at that moment (the document is built
    per call), so that a client or a fuzzer can place a request that is accepted.
    """
    day: dict[str, Any] = dict(_STRICT_DATE)
    if now is not None:
        day["enum"] = [d.isoformat() for d in open_days(now, settings)]
    max_days = settings.horizon_days + 1
    kwh = {
        "type": "number",
        "minimum": 0.1,
        "maximum": settings.max_kwh_per_order_day,
        "multipleOf": 0.1,
    }
    simple = ["start_day", "num_days", "kwh_per_day"]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["side", "limit_price"],
        "description": (
            "Either start_day + num_days + kwh_per_day, or volumes (kWh per day), never both. "
            "Every day must be open for trading (not past, within the horizon, before its gate "
            "closure); a day's enum lists the days open when this document was served."
        ),
        "properties": {
            "side": {"type": "string", "enum": ["buy", "sell"]},
            "start_day": day,
            "num_days": {"type": "integer", "minimum": 1, "maximum": max_days},
            "kwh_per_day": kwh,
            "volumes": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": max_days,
                "propertyNames": day,
                "additionalProperties": kwh,
            },
            "limit_price": {
                "type": "number",
                "minimum": settings.min_price,
                "maximum": settings.max_price,
                "multipleOf": 0.001,
            },
            "client_request_id": _nullable(_text(MAX_CLIENT_REQUEST_ID)),
            "max_power_kw": _nullable({"type": "number", "exclusiveMinimum": 0, "maximum": 1000}),
            "note": _nullable({"type": "string", "maxLength": MAX_NOTE, "pattern": _NOTE}),
        },
        "oneOf": [
            {"required": simple, "not": {"required": ["volumes"]}},
            {
                "required": ["volumes"],
                "not": {"anyOf": [{"required": [name]} for name in simple]},
            },
        ],
    }


def _reprice_body(settings: CommunitySettings) -> dict[str, Any]:
    """POST /api/v1/requests/{request_id}/reprice as validation.parse_reprice enforces it."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["limit_price"],
        "properties": {
            "limit_price": {
                "type": "number",
                "minimum": settings.min_price,
                "maximum": settings.max_price,
                "multipleOf": 0.001,
            },
            "days": _nullable(
                {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": settings.horizon_days + 1,
                    "items": _STRICT_DATE,
                    "description": "only the remainders of these delivery days (default: all)",
                }
            ),
            "client_request_id": _nullable(_text(MAX_CLIENT_REQUEST_ID)),
        },
    }


def _delivery_body(settings: CommunitySettings, now: datetime | None) -> dict[str, Any]:
    """POST /api/v1/deliveries as deliveries.parse_report and check_day enforce it; with `now`,
    `day` lists the days a report is taken for at that moment."""
    day: dict[str, Any] = dict(_STRICT_DATE)
    if now is not None:
        today = local_today(now, settings)
        day["enum"] = [
            (today - timedelta(days=back)).isoformat()
            for back in range(1, deliveries.MAX_AGE_DAYS + 1)
        ]
    energy = {"type": "number", "minimum": 0, "maximum": deliveries.MAX_KWH}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["day", "side", "kwh"],
        "description": (
            "What the household delivered (sell: capacity its battery held and released) or "
            "used (buy: its virtual battery) on a delivery day that has ended, at most "
            f"{deliveries.MAX_AGE_DAYS} days ago, on a side it has fills on. One report per "
            "day and side: the same figures again are answered 200 unchanged, other figures "
            "replace it (200 corrected) until the day is settled (409 already_settled)."
        ),
        "properties": {
            "day": day,
            "side": {"type": "string", "enum": ["sell", "buy"]},
            "kwh": {**energy, "description": "at most the kWh traded that day on that side"},
            "hourly_kwh": _nullable(
                {
                    "type": "array",
                    "minItems": 23,
                    "maxItems": 25,
                    "items": energy,
                    "description": "one figure per local hour of the day (23, 24 or 25); "
                    f"they add up to kwh within {deliveries.HOURLY_TOLERANCE_KWH} kWh",
                }
            ),
            "client_report_id": _nullable(_text(deliveries.MAX_CLIENT_REPORT_ID)),
        },
    }


_ERRORS = {
    "400": "validation_error, invalid_json, limit_exceeded, gate_closed or more_than_traded",
    "401": "unauthorized: missing, unknown or revoked token",
    "403": "forbidden (wrong kind of token) or household_disabled",
    "404": "not_found (also another household's id)",
    "409": "idempotency_conflict, join_code_used, opposite_order_open, nothing_to_reprice, "
    "nothing_to_report or already_settled",
    "410": "join_code_expired: ask the operator for a new code",
    "429": "too_many_attempts: too many failed joins from this address or with this code; "
    "wait the Retry-After seconds",
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
    body_required: bool = True,
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
        if status == "429":
            op["responses"][status]["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait before the next attempt",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
    op["security"] = [{auth: []}] if auth else []
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
                errors=("400", "404", "409", "410", "413", "415", "429"),
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
        "/api/v1/requests/{request_id}/reprice": {
            "parameters": [_path_param("request_id")],
            "post": _op(
                "Move the open remainder to a new limit price in one step (a new request; the "
                "old orders are cancelled); idempotent by client_request_id",
                {
                    "201": ("the new request", _ref("Request")),
                    "200": ("the same re-price again (retry)", _ref("Request")),
                },
                tag=hh,
                body="RepriceBody",
                errors=(*write_errors, "404"),
            ),
        },
        "/api/v1/orders": {
            "get": _op(
                "Own orders",
                {"200": ("orders", _obj({"orders": _arr(_ref("Order"))}))},
                tag=hh,
                params=[_STATUS_QUERY, _DAY_QUERY],
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
                params=[_query("since", "a fill_id: only fills after it", _id("fl"))],
            )
        },
        "/api/v1/settlements": {
            "get": _op(
                "Own ledger entries and totals",
                {"200": ("ledger", _ref("Settlements"))},
                tag=hh,
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
                "Report what was delivered (sell) or used (buy) on an ended delivery day",
                {
                    "201": ("recorded", _ref("Delivery")),
                    "200": ("the same figures again (unchanged) or a correction", _ref("Delivery")),
                },
                tag=hh,
                body="DeliveryBody",
                errors=write_errors,
            ),
            "get": _op(
                "Own delivery reports, newest day first",
                {"200": ("deliveries", _obj({"deliveries": _arr(_ref("Delivery"))}))},
                tag=hh,
                params=[_DAY_QUERY],
            ),
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
                body="RejoinBody",
                body_required=False,
                errors=("400", "401", "403", "404", "413", "415"),
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
                errors=(*write_errors, "404"),
            ),
        },
        "/api/v1/operator/orders": {
            "get": _op(
                "All orders with their households",
                {"200": ("orders", _obj({"orders": _arr(_ref("OperatorOrder"))}))},
                tag=op,
                auth=op,
                params=[_STATUS_QUERY, _DAY_QUERY],
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
                "The community settings", {"200": ("settings", _ref("Settings"))}, tag=op, auth=op
            )
        },
    }


def openapi_document(
    settings: CommunitySettings | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The document; with the community's `settings` its bounds are the community's, and with
    `now` the request days are the days open at that moment."""
    settings = settings or CommunitySettings()
    schemas = {
        **SCHEMAS,
        "RequestBody": _request_body(settings, now),
        "RepriceBody": _reprice_body(settings),
        "DeliveryBody": _delivery_body(settings, now),
    }
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
            "schemas": schemas,
        },
        "paths": _paths(),
    }
    # The CSV variant of the export.
    export = doc["paths"]["/api/v1/operator/export"]["get"]["responses"]["200"]
    export["content"]["text/csv"] = {"schema": {"type": "string"}}
    return copy.deepcopy(doc)
