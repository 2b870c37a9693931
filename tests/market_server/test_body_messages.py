"""Every 400 the document lists (`x-error-codes`) is produced, with the sentence clients have
always been told, now that the contract's models parse the bodies (http/contract.py).

One case per message a body can get: the exact text, the code and the field, through the real
server. The messages were taken from the server before the models parsed (hand checks in
validation.py, deliveries.parse_report and app.py), so a model that words one differently, or
lets a wrong body through, fails here.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from market_server.http import contract
from market_server.http.openapi import openapi_document
from market_server.market.settings import CommunitySettings
from tests.market_harness import MutableClock, running_market
from tests.market_server.books import traded_day

pytestmark = pytest.mark.usefixtures("socket_enabled")

# (route, body changes (None = leave the field out), error code, field, message). Routes:
# request (POST /api/v1/requests, base: a run of days), volumes (the same, base: volumes per
# day), reprice, delivery (the buyer's report of an ended day), household (operator: new
# household), limits, rejoin, join, delivery_sell (the seller's report of the ended day),
# settings (operator: the energy-sharing settings). {day} is the request's open day, {ended}
# the delivery day.
_OUT = object()
CASES: list[tuple[str, dict[str, Any], str, str | None, str]] = [
    # -- the shape of every body
    (
        "request",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: "
        "client_request_id, kwh_per_day, limit_price, max_power_kw, note, num_days, side, "
        "start_day, volumes.",
    ),
    ("request", {"side": _OUT}, "validation_error", "side", "The field 'side' is required."),
    (
        "request",
        {"limit_price": None},
        "validation_error",
        "limit_price",
        "The field 'limit_price' is required.",
    ),
    (
        "reprice",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: client_request_id, days, limit_price.",
    ),
    (
        "delivery",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: client_report_id, day, grid_kwh, hourly_kwh, "
        "kwh, shared_kwh, side.",
    ),
    (
        "settings",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: energy_price, feed_in_price, grid_charging.",
    ),
    (
        "household",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: "
        "code_valid_hours, max_open_kwh, max_sell_kwh, name.",
    ),
    (
        "limits",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: max_open_kwh, max_sell_kwh.",
    ),
    (
        "rejoin",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: code_valid_hours.",
    ),
    (
        "join",
        {"zz": 1},
        "validation_error",
        "zz",
        "Unknown field 'zz'; allowed fields are: code, name.",
    ),
    ("join", {"code": _OUT}, "validation_error", "code", "The field 'code' is required."),
    # -- a request
    ("request", {"side": "hold"}, "validation_error", "side", "side must be 'buy' or 'sell'."),
    (
        "request",
        {"start_day": _OUT},
        "validation_error",
        "start_day",
        "The field 'start_day' is required (or give 'volumes' per day).",
    ),
    (
        "request",
        {"start_day": 1},
        "validation_error",
        "start_day",
        "start_day must be a date string YYYY-MM-DD.",
    ),
    (
        "request",
        {"start_day": None},
        "validation_error",
        "start_day",
        "start_day must be a date string YYYY-MM-DD.",
    ),
    (
        "request",
        {"start_day": "20261210"},
        "validation_error",
        "start_day",
        "start_day '20261210' is not a date in the form YYYY-MM-DD.",
    ),
    (
        "request",
        {"num_days": 1.5},
        "validation_error",
        "num_days",
        "num_days must be a whole number.",
    ),
    (
        "request",
        {"num_days": 0},
        "validation_error",
        "num_days",
        "num_days must be between 1 and 15, got 0.",
    ),
    (
        "request",
        {"kwh_per_day": "1"},
        "validation_error",
        "kwh_per_day",
        "kwh_per_day must be a number, got str.",
    ),
    (
        "request",
        {"kwh_per_day": 0},
        "validation_error",
        "kwh_per_day",
        "kwh_per_day must be more than 0 kWh, got 0.",
    ),
    (
        "request",
        {"kwh_per_day": 10**16},
        "validation_error",
        "kwh_per_day",
        "kwh_per_day 1e+16 is far too large.",
    ),
    (
        "request",
        {"kwh_per_day": 101},
        "validation_error",
        "kwh_per_day",
        "kwh_per_day 101 kWh is more than the 100 kWh allowed per order and day.",
    ),
    (
        "request",
        {"kwh_per_day": 0.05},
        "validation_error",
        "kwh_per_day",
        "kwh_per_day must be at least 0.1 kWh, got 0.05.",
    ),
    (
        "request",
        {"volumes": {"{day}": 1.0}},
        "validation_error",
        "start_day",
        "Give either 'volumes' or start_day/num_days/kwh_per_day, not both ('start_day').",
    ),
    (
        "request",
        {"limit_price": True},
        "validation_error",
        "limit_price",
        "limit_price must be a number, got bool.",
    ),
    (
        "request",
        {"limit_price": 1.5},
        "validation_error",
        "limit_price",
        "limit_price 1.5 EUR/kWh is outside the community's bounds 0.000 to 1.000 EUR/kWh.",
    ),
    (
        "request",
        {"limit_price": 0.1005},
        "validation_error",
        "limit_price",
        "limit_price must be in steps of 0.001 EUR/kWh, got 0.1005.",
    ),
    (
        "request",
        {"client_request_id": 7},
        "validation_error",
        "client_request_id",
        "client_request_id must be a string, got int.",
    ),
    (
        "request",
        {"client_request_id": " "},
        "validation_error",
        "client_request_id",
        "client_request_id must not be empty.",
    ),
    (
        "request",
        {"client_request_id": "x" * 201},
        "validation_error",
        "client_request_id",
        "client_request_id must be at most 200 characters.",
    ),
    (
        "request",
        {"max_power_kw": 0},
        "validation_error",
        "max_power_kw",
        "max_power_kw must be at least 0.1 kW and at most 1000 kW, got 0.",
    ),
    (
        "request",
        {"note": "a\x00b"},
        "validation_error",
        "note",
        "note contains the control character U+0000 at position 1; send printable text.",
    ),
    (
        "request",
        {"note": "\ud800"},
        "validation_error",
        "note",
        "note contains a lone UTF-16 surrogate (U+D800) at position 0; send valid Unicode text.",
    ),
    (
        "request",
        {"note": "x" * 501},
        "validation_error",
        "note",
        "note must be at most 500 characters.",
    ),
    (
        "request",
        {"start_day": "9999-12-31", "num_days": 3},
        "validation_error",
        "start_day",
        "start_day 9999-12-31 plus 3 days runs past the end of the calendar; the market trades "
        "only the next days up to its horizon.",
    ),
    (
        "request",
        {"start_day": "2020-01-01"},
        "validation_error",
        "start_day",
        "2020-01-01 is in the past (today is {today}).",
    ),
    (
        "request",
        {"start_day": "{beyond}"},
        "validation_error",
        "start_day",
        "{beyond} is beyond the market's horizon of 14 days (last day {last}).",
    ),
    (
        "request",
        {"start_day": "{today}"},
        "gate_closed",
        "start_day",
        "Trading for {today} closed at {closed}.",
    ),
    (
        "request",
        {"kwh_per_day": 100.0},
        "limit_exceeded",
        "kwh_per_day",
        "Selling 100 kWh on {day} would bring this household to 101 kWh that day, above its "
        "limit of 13 kWh (already offered or sold: 1 kWh).",
    ),
    (
        "volumes",
        {"volumes": []},
        "validation_error",
        "volumes",
        'volumes must be a non-empty object {"YYYY-MM-DD": kWh}.',
    ),
    (
        "volumes",
        {"volumes": {"a": 1.0}},
        "validation_error",
        "volumes",
        "volumes 'a' is not a date in the form YYYY-MM-DD.",
    ),
    (
        "volumes",
        {"volumes": {"{day}": "1"}},
        "validation_error",
        "volumes",
        "The volume for {day} must be a number, got str.",
    ),
    (
        "volumes",
        {"volumes": {"{day}": 0.05}},
        "validation_error",
        "volumes",
        "The volume for {day} must be at least 0.1 kWh, got 0.05.",
    ),
    # -- a re-price
    (
        "reprice",
        {"limit_price": _OUT},
        "validation_error",
        "limit_price",
        "The field 'limit_price' is required.",
    ),
    (
        "reprice",
        {"days": []},
        "validation_error",
        "days",
        "days must be a list of 1 to 15 delivery days (YYYY-MM-DD).",
    ),
    (
        "reprice",
        {"days": [1]},
        "validation_error",
        "days",
        "days must be a date string YYYY-MM-DD.",
    ),
    # -- a delivery report
    ("delivery", {"side": "hold"}, "validation_error", "side", "side must be 'sell' or 'buy'."),
    (
        "delivery",
        {"day": "x"},
        "validation_error",
        "day",
        "day 'x' is not a date in the form YYYY-MM-DD.",
    ),
    ("delivery", {"kwh": True}, "validation_error", "kwh", "kwh must be a number, got bool."),
    ("delivery", {"kwh": -1}, "validation_error", "kwh", "kwh must be 0 kWh or more, got -1."),
    (
        "delivery",
        {"kwh": 2000},
        "validation_error",
        "kwh",
        "kwh 2000 kWh is more than the 1000 kWh a report may hold.",
    ),
    (
        "delivery",
        {"hourly_kwh": 1},
        "validation_error",
        "hourly_kwh",
        "hourly_kwh must be a list of 24 numbers, one per local hour of {ended} in "
        "Europe/Berlin; got int.",
    ),
    (
        "delivery",
        {"hourly_kwh": [1.0]},
        "validation_error",
        "hourly_kwh",
        "hourly_kwh must be a list of 24 numbers, one per local hour of {ended} in "
        "Europe/Berlin; got 1 values.",
    ),
    (
        "delivery",
        {"hourly_kwh": ["a"] * 24},
        "validation_error",
        "hourly_kwh",
        "hourly_kwh[0] must be a number, got str.",
    ),
    (
        "delivery",
        {"hourly_kwh": [-1.0] * 24},
        "validation_error",
        "hourly_kwh",
        "hourly_kwh[0] must be 0 kWh or more, got -1.",
    ),
    (
        "delivery",
        {"hourly_kwh": [0.0] * 24},
        "validation_error",
        "hourly_kwh",
        "The hourly figures add up to 0.000 kWh, not the 1 kWh reported for the day (they may "
        "differ by at most 0.05 kWh).",
    ),
    (
        "delivery",
        {"client_report_id": "x" * 65},
        "validation_error",
        "client_report_id",
        "client_report_id must be at most 64 characters.",
    ),
    (
        "delivery",
        {"day": "{day}"},
        "validation_error",
        "day",
        "{day} has not ended yet in Europe/Berlin (today is {today}); report a delivery day "
        "after it is over.",
    ),
    (
        "delivery",
        {"day": "2020-01-01"},
        "validation_error",
        "day",
        "2020-01-01 is more than 7 days ago; deliveries are taken for the last 7 days only.",
    ),
    (
        "delivery",
        {"kwh": 9},
        "more_than_traded",
        "kwh",
        "You bought 8 kWh for {ended}; a report of 9 kWh is more than that.",
    ),
    # -- the energy in a delivery report (delivery: a buy report, delivery_sell: a sell report)
    (
        "delivery",
        {"shared_kwh": 2},
        "validation_error",
        "shared_kwh",
        "shared_kwh 2 kWh is more than the 1 kWh reported: kwh counts the shared energy drawn too.",
    ),
    (
        "delivery",
        {"shared_kwh": -1},
        "validation_error",
        "shared_kwh",
        "shared_kwh must be 0 kWh or more, got -1.",
    ),
    (
        "delivery",
        {"shared_kwh": "1"},
        "validation_error",
        "shared_kwh",
        "shared_kwh must be a number, got str.",
    ),
    (
        "delivery",
        {"grid_kwh": 0.5},
        "validation_error",
        "grid_kwh",
        "grid_kwh is for sell reports only (the part of a seller's reserve charged from the "
        "grid); a buy report may give shared_kwh.",
    ),
    (
        "delivery_sell",
        {"shared_kwh": 0.5},
        "validation_error",
        "shared_kwh",
        "shared_kwh is for buy reports only (the shared energy a buyer drew); a sell report may "
        "give grid_kwh.",
    ),
    (
        "delivery_sell",
        {"grid_kwh": 0.5},
        "validation_error",
        "grid_kwh",
        "grid_kwh must be 0: this community does not allow charging reserves from the grid "
        "(grid_charging is off).",
    ),
    (
        "delivery_sell",
        {"grid_kwh": 2},
        "validation_error",
        "grid_kwh",
        "grid_kwh 2 kWh is more than the 1 kWh reported: it is the part of kwh charged from the "
        "grid.",
    ),
    # -- the operator's bodies
    (
        "settings",
        {"energy_price": -0.01},
        "validation_error",
        "energy_price",
        "energy_price must be a number of EUR/kWh from 0 to 1 with at most 3 decimals, got -0.01.",
    ),
    (
        "settings",
        {"energy_price": 1.5},
        "validation_error",
        "energy_price",
        "energy_price must be a number of EUR/kWh from 0 to 1 with at most 3 decimals, got 1.5.",
    ),
    (
        "settings",
        {"energy_price": 0.1234},
        "validation_error",
        "energy_price",
        "energy_price must be a number of EUR/kWh from 0 to 1 with at most 3 decimals, got 0.1234.",
    ),
    (
        "settings",
        {"energy_price": "0.1"},
        "validation_error",
        "energy_price",
        "energy_price must be a number, got str.",
    ),
    (
        "settings",
        {"feed_in_price": -0.01},
        "validation_error",
        "feed_in_price",
        "feed_in_price must be a number of EUR/kWh from 0 to 1 with at most 3 decimals, got -0.01.",
    ),
    (
        "settings",
        {"feed_in_price": 1e300},
        "validation_error",
        "feed_in_price",
        "feed_in_price must be a number of EUR/kWh from 0 to 1 with at most 3 decimals, got "
        "1e+300.",
    ),
    (
        "settings",
        {"feed_in_price": 0.0785},
        "validation_error",
        "feed_in_price",
        "feed_in_price must be a number of EUR/kWh from 0 to 1 with at most 3 decimals, got "
        "0.0785.",
    ),
    (
        "settings",
        {"feed_in_price": "0.078"},
        "validation_error",
        "feed_in_price",
        "feed_in_price must be a number, got str.",
    ),
    (
        "settings",
        {"grid_charging": "yes"},
        "validation_error",
        "grid_charging",
        "grid_charging must be true or false, got str.",
    ),
    ("household", {"name": True}, "validation_error", "name", "name must be a string, got bool."),
    ("household", {"name": ""}, "validation_error", "name", "name must not be empty."),
    (
        "household",
        {"name": "x" * 201},
        "validation_error",
        "name",
        "name must be at most 200 characters.",
    ),
    (
        "household",
        {"max_sell_kwh": -1},
        "validation_error",
        "max_sell_kwh",
        "max_sell_kwh must be zero or a positive number of kWh with at most 1 decimal, at most "
        "100000; got -1.",
    ),
    (
        "household",
        {"max_open_kwh": 0},
        "validation_error",
        "max_open_kwh",
        "max_open_kwh must be a positive number of kWh with at most 1 decimal, at most 100000; "
        "got 0.",
    ),
    (
        "household",
        {"code_valid_hours": 0},
        "validation_error",
        "code_valid_hours",
        "code_valid_hours must be more than 0 and at most 8784 (a year), got 0.",
    ),
    (
        "limits",
        {"max_sell_kwh": "1"},
        "validation_error",
        "max_sell_kwh",
        "max_sell_kwh must be a number, got str.",
    ),
    (
        "rejoin",
        {"code_valid_hours": 10**16},
        "validation_error",
        "code_valid_hours",
        "code_valid_hours 1e+16 is far too large.",
    ),
    (
        "join",
        {"code": "\x1b"},
        "validation_error",
        "code",
        "code contains the control character U+001B at position 0; send printable text.",
    ),
    (
        "join",
        {"name": "x" * 201},
        "validation_error",
        "name",
        "name must be at most 200 characters.",
    ),
]


def _fill(value: Any, words: dict[str, str]) -> Any:
    if isinstance(value, str):
        for word, text in words.items():
            value = value.replace("{" + word + "}", text)
        return value
    if isinstance(value, dict):
        return {_fill(k, words): _fill(v, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, words) for v in value]
    return value


def _body(base: dict[str, Any], changes: dict[str, Any], words: dict[str, str]) -> Any:
    body = dict(base)
    for name, value in changes.items():
        if value is _OUT:
            body.pop(name)
        else:
            body[name] = _fill(value, words)
    return body


async def test_every_documented_400_is_produced_with_its_message(
    tmp_path: Path, clock: MutableClock
) -> None:
    doc = openapi_document(CommunitySettings())
    documented = set(doc["paths"]["/api/v1/requests"]["post"]["responses"]["400"]["x-error-codes"])
    assert documented == set(contract.ERROR_CODES[400])
    async with running_market(tmp_path, clock=clock) as market:
        op = market.operator_token
        hid, token = await market.join_household("Miller")
        seller, buyer, ended = await traded_day(market, clock)
        day = market.first_open_day()
        placed = await market.place(token, "sell", day, 1, 1.0, 0.2)
        settings = CommunitySettings()
        today = market.now().astimezone(settings.zone).date()
        last = today + timedelta(days=settings.horizon_days)
        closed = market.runtime.now().astimezone(settings.zone).replace(
            hour=18, minute=0, second=0
        ) - timedelta(days=1)
        words = {
            "day": day.isoformat(),
            "ended": ended.isoformat(),
            "today": today.isoformat(),
            "last": last.isoformat(),
            "beyond": (last + timedelta(days=1)).isoformat(),
            "closed": closed.isoformat(timespec="minutes"),
        }
        request = {
            "side": "sell",
            "start_day": day.isoformat(),
            "num_days": 1,
            "kwh_per_day": 1.0,
            "limit_price": 0.2,
        }
        routes: dict[str, tuple[str, str | None, dict[str, Any]]] = {
            "request": ("/api/v1/requests", token, request),
            "volumes": (
                "/api/v1/requests",
                token,
                {"side": "sell", "volumes": {day.isoformat(): 1.0}, "limit_price": 0.2},
            ),
            "reprice": (
                f"/api/v1/requests/{placed['request_id']}/reprice",
                token,
                {"limit_price": 0.3},
            ),
            "delivery": (
                "/api/v1/deliveries",
                buyer,
                {"day": ended.isoformat(), "side": "buy", "kwh": 1.0},
            ),
            "delivery_sell": (
                "/api/v1/deliveries",
                seller,
                {"day": ended.isoformat(), "side": "sell", "kwh": 1.0},
            ),
            "settings": ("/api/v1/operator/settings", op, {"energy_price": 0.12}),
            "household": ("/api/v1/operator/households", op, {"name": "New"}),
            "limits": (f"/api/v1/operator/households/{hid}/limits", op, {}),
            "rejoin": (f"/api/v1/operator/households/{hid}/rejoin", op, {}),
            "join": ("/api/v1/join", None, {"code": "no-such-code"}),
        }
        produced: set[str] = set()
        wrong = []
        for route, changes, code, field, message in CASES:
            path, bearer, base = routes[route]
            body = _body(base, changes, words)
            status, answer = await market.request("POST", path, token=bearer, json=body)
            expected = (400, code, field, _fill(message, words))
            got = (status, answer.get("error"), answer.get("field"), answer.get("message"))
            if got != expected:
                wrong.append((route, changes, expected, got))
            produced.add(str(answer.get("error")))
        # Not a body's value: the JSON itself.
        status, answer = await market.request(
            "POST",
            "/api/v1/requests",
            token=token,
            data=b"{",
            headers={"Content-Type": "application/json"},
        )
        assert (status, answer["error"]) == (400, "invalid_json")
        produced.add(answer["error"])
        # Nothing was stored by the refused bodies: the settings are as they were.
        settings_now = await market.get("/api/v1/operator/settings", op)
        assert (settings_now["energy_price"], settings_now["grid_charging"]) == (0.12, False)
        assert settings_now["feed_in_price"] == 0.078
        # NaN is no JSON: refused before any field is read.
        status, answer = await market.request(
            "POST",
            "/api/v1/operator/settings",
            token=op,
            data=b'{"feed_in_price": NaN}',
            headers={"Content-Type": "application/json"},
        )
        assert (status, answer["error"]) == (400, "invalid_json")
        assert (await market.get("/api/v1/deliveries", seller))["deliveries"] == []
    assert not wrong, "\n".join(map(repr, wrong))
    assert produced >= documented, documented - produced
    assert date.fromisoformat(words["ended"]) < day
