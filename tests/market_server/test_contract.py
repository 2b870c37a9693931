"""The wire contract has one definition (market_server/http/contract.py): the document's schemas are
its models, real responses are exactly its models, and the request bodies are parsed by its
models (with the community's bounds checked after, in validation.py and deliveries.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pydantic
import pytest

from market_server.errors import ValidationFailed
from market_server.http import contract
from market_server.http.openapi import openapi_document
from market_server.ledger import deliveries
from market_server.market import validation
from market_server.market.settings import CommunitySettings
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.books import traded_day
from tests.market_server.schema_check import check

pytestmark = pytest.mark.usefixtures("socket_enabled")
SETTINGS = CommunitySettings()
DOC = openapi_document(SETTINGS)
SCHEMAS = DOC["components"]["schemas"]


def _ref_name(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).removeprefix(contract.REF_PREFIX)


def test_every_schema_of_the_document_is_a_model() -> None:
    assert set(SCHEMAS) == set(contract.schemas())
    bodies = {m.__name__ for m in contract.BODIES}
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json")
                if content is None or path == "/api/openapi.json":
                    continue
                name = _ref_name(content["schema"])
                assert name in SCHEMAS, (method, path, status)
                if status.startswith("4"):
                    assert name == "Error"
                    assert response["x-error-codes"] == list(contract.ERROR_CODES[int(status)])
            if "requestBody" in op:
                body = op["requestBody"]["content"]["application/json"]["schema"]
                assert _ref_name(body) in bodies, (method, path)


def test_a_response_model_refuses_an_undeclared_field() -> None:
    health = {"status": "ok", "version": "1", "api_version": 1}
    contract.validate("Health", health)
    with pytest.raises(pydantic.ValidationError):
        contract.validate("Health", {**health, "uptime": 3})
    with pytest.raises(ValueError, match="undeclared"):
        contract.validate(contract.SETTINGS, {**SETTINGS.to_json(), "colour": "red"})
    assert all(m.model_config.get("extra") == "forbid" for m in contract.RESPONSES)


async def _checked(
    market: RunningMarket,
    method: str,
    path: str,
    template: str,
    token: str,
    json: Any = None,
    expect: int = 200,
) -> Any:
    status, body = await market.request(method, path, token=token, json=json)
    assert status == expect, (method, path, body)
    schema = DOC["paths"][template][method.lower()]["responses"][str(status)]["content"][
        "application/json"
    ]["schema"]
    check(DOC, schema, body, f"{method} {path}")
    contract.validate(_ref_name(schema), body)
    return body


async def test_delivery_settlement_and_overview_responses_are_their_models(
    tmp_path: Path, clock: MutableClock
) -> None:
    """The responses test_openapi does not reach: deliveries, refunds, delivery figures."""
    async with running_market(tmp_path, clock=clock) as market:
        seller, buyer, day = await traded_day(market, clock)
        op = market.operator_token
        path = "/api/v1/deliveries"
        report = {"day": day.isoformat(), "side": "sell", "kwh": 6.0, "client_report_id": "r"}
        await _checked(market, "POST", path, path, seller, report, 201)
        await _checked(market, "GET", path, path, seller)
        overview = await _checked(
            market, "GET", "/api/v1/operator/overview", "/api/v1/operator/overview", op
        )
        assert any(d["delivery"] for d in overview["days"])
        assert overview["deliveries"]["households"]
        clock.advance(days=1)
        summary = await _checked(
            market, "POST", "/api/v1/operator/settle", "/api/v1/operator/settle", op
        )
        assert summary["refunds_eur"] > 0
        await _checked(market, "GET", "/api/v1/settlements", "/api/v1/settlements", buyer)
        export = await _checked(
            market, "GET", "/api/v1/operator/export", "/api/v1/operator/export", op
        )
        assert export["count"] == len(export["entries"]) > 0


# -- the body models parse the request bodies --------------------------------------------------


def test_the_handlers_parse_with_the_body_models() -> None:
    """No field list of its own anywhere: each body's fields are its model's."""
    for module in (validation, deliveries):
        assert not [name for name in vars(module) if name.endswith("FIELDS")], module.__name__
    for body_model in contract.BODIES:
        assert body_model.model_config.get("extra") == "forbid", body_model.__name__


def _probes(schema: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(field, value, accepted?) at and one step beyond every bound the schema states."""
    out: list[tuple[str, Any, bool]] = []
    for name, prop in schema["properties"].items():
        kinds = prop.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        step = prop.get("multipleOf", 1 if "integer" in kinds else 0.001)
        if "enum" in prop and "string" in kinds:
            out += [(name, value, True) for value in prop["enum"]]
            out.append((name, "neither", False))
        if "minimum" in prop:
            out += [(name, prop["minimum"], True), (name, prop["minimum"] - step, False)]
        if "exclusiveMinimum" in prop:
            low = prop["exclusiveMinimum"]
            out += [(name, low, False), (name, low + max(step, 0.1), True)]
        if "maximum" in prop:
            out += [(name, prop["maximum"], True), (name, round(prop["maximum"] + step, 6), False)]
        if "maxLength" in prop:
            top = prop["maxLength"]
            out += [(name, "x" * top, True), (name, "x" * (top + 1), False)]
        if prop.get("minLength") == 1:
            out.append((name, " ", False))
    return out


def _parse_reprice(body: Any, settings: CommunitySettings) -> Any:
    return contract.parse(contract.RepriceBody, body, settings).spec(settings)


def _parse_report(body: Any, settings: CommunitySettings) -> Any:
    return contract.parse(contract.DeliveryBody, body, settings).report(settings)


def _accepts(
    parse: Callable[[Any, CommunitySettings], Any],
    body: dict[str, Any],
    settings: CommunitySettings = SETTINGS,
) -> bool:
    try:
        parse(body, settings)
    except ValidationFailed:
        return False
    return True


# Fields whose bounds hold on one side or with one setting only: probed from their own base.
_FIELD_BASES: dict[tuple[str, str], tuple[dict[str, Any], CommunitySettings]] = {
    ("DeliveryBody", "shared_kwh"): (
        {"day": "2026-12-10", "side": "buy", "kwh": 1000},
        SETTINGS,
    ),
    ("DeliveryBody", "grid_kwh"): (
        {"day": "2026-12-10", "side": "sell", "kwh": 1000},
        CommunitySettings(grid_charging=True),
    ),
}


@pytest.mark.parametrize(
    ("name", "parse", "base"),
    [
        (
            "RequestBody",
            contract.parse_request,
            {
                "side": "buy",
                "start_day": "2026-12-10",
                "num_days": 1,
                "kwh_per_day": 1.0,
                "limit_price": 0.1,
            },
        ),
        ("RepriceBody", _parse_reprice, {"limit_price": 0.1}),
        ("DeliveryBody", _parse_report, {"day": "2026-12-10", "side": "sell", "kwh": 1}),
    ],
)
def test_the_parsers_enforce_the_documented_bounds(
    name: str, parse: Callable[[Any, CommunitySettings], Any], base: dict[str, Any]
) -> None:
    schema = SCHEMAS[name]
    assert _accepts(parse, base)
    for field, value, accepted in _probes(schema):
        field_base, settings = _FIELD_BASES.get((name, field), (base, SETTINGS))
        assert _accepts(parse, {**field_base, field: value}, settings) is accepted, (field, value)
    for field in schema["required"]:
        assert not _accepts(parse, {k: v for k, v in base.items() if k != field}), field
    assert not _accepts(parse, {**base, "colour": "red"})


Send = Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]]


async def _agrees(name: str, send: Send, base: dict[str, Any]) -> None:
    """`send` (one endpoint) takes exactly the fields, required ones and bounds of `name`."""
    schema = SCHEMAS[name]
    status, answer = await send({**base, "zz_unknown": 1})
    assert (status, answer["field"]) == (400, "zz_unknown")
    allowed = answer["message"].split("allowed fields are: ")[1].rstrip(".").split(", ")
    assert set(allowed) == set(schema["properties"]), name
    for field in schema["required"]:
        status, answer = await send({k: v for k, v in base.items() if k != field})
        assert (status, answer.get("field")) == (400, field), (name, field)
    for field, value, accepted in _probes(schema):
        status, answer = await send({**base, field: value})
        assert (status != 400) is accepted, (name, field, value, answer)


async def test_the_endpoints_take_the_bodies_the_models_declare(
    tmp_path: Path, clock: MutableClock
) -> None:
    async with running_market(tmp_path, clock=clock) as market:
        op = market.operator_token
        hid, token = await market.join_household("Miller")
        day = market.first_open_day()
        placed = await market.place(token, "sell", day, 1, 1.0, 0.2)
        doc = (await market.request("GET", "/api/openapi.json"))[1]

        def poster(path: str, bearer: str | None) -> Send:
            async def send(body: dict[str, Any]) -> tuple[int, Any]:
                return await market.request("POST", path, token=bearer, json=body)

            return send

        households = "/api/v1/operator/households"
        await _agrees("NewHouseholdBody", poster(households, op), {"name": "New"})
        await _agrees("LimitsBody", poster(f"{households}/{hid}/limits", op), {})
        await _agrees("RejoinBody", poster(f"{households}/{hid}/rejoin", op), {})
        await _agrees("SettingsBody", poster("/api/v1/operator/settings", op), {})
        # Too many failed joins are throttled: only the shape here, the bounds are probed above.
        status, answer = await market.request("POST", "/api/v1/join", json={"code": "x", "a": 1})
        allowed = answer["message"].split("allowed fields are: ")[1].rstrip(".").split(", ")
        assert (status, set(allowed)) == (400, set(SCHEMAS["JoinBody"]["properties"]))
        reprice = f"/api/v1/requests/{placed['request_id']}/reprice"
        await _agrees("RepriceBody", poster(reprice, token), {"limit_price": 0.3})
        request_base = {
            "side": "buy",
            "start_day": day.isoformat(),
            "num_days": 1,
            "kwh_per_day": 1.0,
            "limit_price": 0.1,
        }
        schema = doc["components"]["schemas"]["RequestBody"]
        assert schema["properties"]["start_day"]["enum"][0] == day.isoformat()
        status, answer = await poster("/api/v1/requests", token)({**request_base, "zz": 1})
        assert (status, answer["field"]) == (400, "zz")
        ended = (day - timedelta(days=3)).isoformat()
        status, answer = await poster("/api/v1/deliveries", token)(
            {"day": ended, "side": "sell", "kwh": 1.0, "zz": 1}
        )
        assert (status, answer["field"]) == (400, "zz")
        assert date.fromisoformat(ended) < day
