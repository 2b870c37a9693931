"""The integration's client parses every response the market server's document declares for a
household, reads no field the document does not declare, knows every error code it lists,
and rounds to the steps ``/api/v1/me`` sends.

The instances are drawn from the server's own OpenAPI document (market_server/http/contract.py's
models) with hypothesis, so a field the server renames or retypes fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.community_storage.agent.battery import commitments_from_wire
from custom_components.community_storage.market_client import client as api
from custom_components.community_storage.market_client import models
from market_server.http import contract
from market_server.http.openapi import openapi_document
from neighbourhood import client as neighbourhood
from tests.market_harness import RunningMarket
from tests.market_server.openapi_strategies import values
from tests.market_server.schema_check import resolve

DOC = openapi_document()
Parser = Callable[[Any], object]

#: Every parser of a response body, by the schema the document declares for it.
PARSERS: dict[str, tuple[Parser, ...]] = {
    "Health": (models.ServerHealth.from_json,),
    # The simulator's Membership is the integration's JoinResult.
    "Joined": (models.JoinResult.from_json, neighbourhood.Membership.from_json),
    "JoinCheck": (models.JoinCheck.from_json,),
    "Me": (models.Household.from_json,),
    "Market": (models.MarketSnapshot.from_json,),
    "Request": (models.Request.from_json,),
    "RequestList": (api.parse_requests,),
    "Order": (models.Order.from_json,),
    "OrderList": (api.parse_orders, lambda data: commitments_from_wire(data["orders"])),
    "Fill": (models.Fill.from_json,),
    "FillList": (api.parse_fills,),
    "Delivery": (models.Delivery.from_json,),
    "DeliveryList": (api.parse_deliveries,),
    "Settlements": (lambda data: models.MonthlySettlements.from_json("2026-12", data),),
    "Error": (
        lambda data: api._error_from_response(409, data),
        lambda data: neighbourhood.call_error(409, data),
    ),
}
#: Household responses the integration does not read (yet).
NOT_READ: set[str] = set()


class _Reads(dict[str, Any]):
    """A response body that notes every field a parser reads which its schema does not declare."""

    def __init__(self, data: dict[str, Any], schema: dict[str, Any], undeclared: set[str]) -> None:
        super().__init__(data)
        self._schema = schema
        self._undeclared = undeclared

    def _read(self, key: str) -> dict[str, Any]:
        props: dict[str, Any] = self._schema.get("properties", {})
        if key not in props:
            self._undeclared.add(key)
        return props.get(key, {})

    def __getitem__(self, key: str) -> Any:
        schema = self._read(key)
        return _watched(super().__getitem__(key), schema, self._undeclared)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        schema = self._read(key)
        return _watched(super().get(key, default), schema, self._undeclared)

    def __contains__(self, key: object) -> bool:
        self._read(str(key))
        return super().__contains__(key)


def _watched(value: Any, schema: dict[str, Any], undeclared: set[str]) -> Any:
    schema = resolve(DOC, schema)
    if value is not None and "oneOf" in schema:
        schema = resolve(DOC, next(s for s in schema["oneOf"] if s != {"type": "null"}))
    if isinstance(value, dict):
        return _Reads(value, schema, undeclared)
    if isinstance(value, list):
        return [_watched(item, schema.get("items", {}), undeclared) for item in value]
    return value


def _household_responses() -> set[str]:
    """The schemas of every answer to a household (or public) call, errors included."""
    names = set()
    for item in DOC["paths"].values():
        for method, op in item.items():
            if method == "parameters" or op["security"] == [{"operator": []}]:
                continue
            for response in op["responses"].values():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None and "$ref" in schema:
                    names.add(schema["$ref"].rsplit("/", 1)[1])
    return names


def test_every_household_response_has_a_parser() -> None:
    missing = _household_responses() - set(PARSERS) - NOT_READ
    assert not missing, f"responses the client cannot parse: {sorted(missing)}"
    assert set(PARSERS) <= set(DOC["components"]["schemas"])


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_client_parses_what_the_document_declares(name: str, data: st.DataObject) -> None:
    schema = DOC["components"]["schemas"][name]
    body = data.draw(values(DOC, schema), label=name)
    for parse in PARSERS[name]:
        undeclared: set[str] = set()
        parse(_watched(body, schema, undeclared))
        assert not undeclared, f"{name}: the client reads undeclared fields {undeclared}"


def test_an_undeclared_read_is_noticed() -> None:
    """The watch itself works: a parser reading a field the schema lacks is caught."""
    undeclared: set[str] = set()
    watched = _watched({"status": "ok"}, DOC["components"]["schemas"]["Health"], undeclared)
    watched.get("uptime")
    assert undeclared == {"uptime"}


def test_the_client_knows_every_error_code_the_document_lists() -> None:
    listed = {
        code
        for item in DOC["paths"].values()
        for method, op in item.items()
        if method != "parameters"
        for response in op["responses"].values()
        for code in response.get("x-error-codes", [])
    }
    assert listed == {code for codes in contract.ERROR_CODES.values() for code in codes}
    known = api._ERRORS_BY_CODE
    assert listed <= set(known), sorted(listed - set(known))
    for code in listed:
        error = api._error_from_response(400, {"error": code, "message": "m"})
        assert isinstance(error, known[code])


async def test_the_client_rounds_to_the_steps_me_sends(
    market: RunningMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the first ``me()`` the client rounds to an older server's steps; after it, to
    what the server says (here a coarser volume step of 0.5 kWh)."""
    _, token = await market.join_household("Miller")
    day = market.first_open_day()
    async with aiohttp.ClientSession() as session:
        client = api.MarketClient(session, market.url, token)
        first = await client.create_request(
            "buy", limit_price=0.1234, start_day=day, num_days=1, kwh_per_day=1.26
        )
        assert (first.orders[0].volume_kwh, first.orders[0].limit_price) == (
            Decimal("1.3"),
            Decimal("0.123"),
        )
        monkeypatch.setattr("market_server.http.member_api.VOLUME_STEP_KWH", 0.5)
        me = await client.me()
        assert me.community.volume_step_kwh == Decimal("0.5")
        second = await client.create_request(
            "buy", limit_price=0.1, volumes={day + timedelta(days=1): 1.26}
        )
        assert second.orders[0].volume_kwh == Decimal("1.5")
