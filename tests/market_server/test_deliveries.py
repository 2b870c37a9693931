"""POST/GET /api/v1/deliveries through a real server: reports, corrections, idempotent re-posts,
every bad input refused with a readable message and nothing stored, privacy between households."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from market_server.ledger.deliveries import hours_in_day
from market_server.market.gate import day_end, local_today
from market_server.market.settings import CommunitySettings
from market_server.storage import store as db
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.books import traded_day

pytestmark = pytest.mark.usefixtures("socket_enabled")
PATH = "/api/v1/deliveries"


def _rows(market: RunningMarket) -> int:
    with market.runtime.store.read() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(db.deliveries)).scalar() or 0
        )


async def test_report_correct_repost_and_list(market: RunningMarket, clock: MutableClock) -> None:
    seller, buyer, day = await traded_day(market, clock)
    body = {"day": day.isoformat(), "side": "sell", "kwh": 6.0, "client_report_id": "r-1"}
    status, first = await market.request("POST", PATH, token=seller, json=body)
    assert status == 201, first
    assert first["day"] == day.isoformat()
    assert (first["side"], first["kwh"], first["traded_kwh"]) == ("sell", 6.0, 8.0)
    assert (first["ratio"], first["status"], first["settled"]) == (0.75, "recorded", False)
    assert first["reported_at"]

    # The same figures again: nothing changes, same body, 200.
    status, again = await market.request("POST", PATH, token=seller, json=body)
    assert status == 200
    assert again == {**first, "status": "unchanged"}

    # Other figures before settlement replace the report (a minute later).
    clock.advance(minutes=1)
    hourly = [0.0] * 17 + [1.0] * 7
    corrected = {"day": day.isoformat(), "side": "sell", "kwh": 7.0, "hourly_kwh": hourly}
    status, fixed = await market.request("POST", PATH, token=seller, json=corrected)
    assert status == 200, fixed
    assert (fixed["status"], fixed["kwh"], fixed["ratio"]) == ("corrected", 7.0, 0.875)
    assert fixed["hourly_kwh"] == hourly
    assert fixed["reported_at"] == first["reported_at"]
    assert _rows(market) == 1

    # The buyer reports its side; each household sees only its own reports.
    status, used = await market.request(
        "POST", PATH, token=buyer, json={"day": day.isoformat(), "side": "buy", "kwh": 5.55}
    )
    assert status == 201, used
    assert (used["kwh"], used["traded_kwh"], used["ratio"]) == (5.55, 8.0, 0.694)
    mine = (await market.get(PATH, seller))["deliveries"]
    assert [(d["side"], d["kwh"], d["status"]) for d in mine] == [("sell", 7.0, "corrected")]
    theirs = (await market.get(PATH, buyer))["deliveries"]
    assert [(d["side"], d["kwh"], d["status"]) for d in theirs] == [("buy", 5.55, "recorded")]
    other_day = (day - timedelta(days=1)).isoformat()
    assert (await market.get(f"{PATH}?day={other_day}", seller))["deliveries"] == []
    assert len((await market.get(f"{PATH}?day={day.isoformat()}", seller))["deliveries"]) == 1


async def test_already_settled_and_late_reports(market: RunningMarket, clock: MutableClock) -> None:
    """After settlement the money stands: a report on file cannot change (409), a first report
    is kept for the record only (201, late), and neither moves the ledger."""
    seller, buyer, day = await traded_day(market, clock)
    body = {"day": day.isoformat(), "side": "sell", "kwh": 6.0}
    assert (await market.request("POST", PATH, token=seller, json=body))[0] == 201
    # The buyer has not reported: the day waits for it until the report deadline.
    assert (await market.settle())["pending_days"] == 1
    clock.set(day_end(day, market.settings) + timedelta(hours=12))
    assert (await market.settle())["entries"] == 2
    ledger_before = await market.get("/api/v1/settlements", buyer)
    status, same = await market.request("POST", PATH, token=seller, json=body)
    assert (status, same["status"], same["settled"], same["late"]) == (
        200,
        "unchanged",
        True,
        False,
    )
    status, err = await market.request("POST", PATH, token=seller, json={**body, "kwh": 8.0})
    assert (status, err["error"], err.get("field")) == (409, "already_settled", "day")
    assert "already settled" in err["message"]
    late = {"day": day.isoformat(), "side": "buy", "kwh": 2.0, "shared_kwh": 1.5}
    status, kept = await market.request("POST", PATH, token=buyer, json=late)
    assert status == 201, kept
    assert (kept["status"], kept["settled"], kept["late"], kept["shared_kwh"]) == (
        "recorded",
        True,
        True,
        1.5,
    )
    status, again = await market.request("POST", PATH, token=buyer, json=late)
    assert (status, again["status"]) == (200, "unchanged")
    status, err = await market.request("POST", PATH, token=buyer, json={**late, "shared_kwh": 2.0})
    assert (status, err["error"]) == (409, "already_settled")
    got = (await market.get(PATH, seller))["deliveries"]
    assert [(d["kwh"], d["settled"], d["late"]) for d in got] == [(6.0, True, False)]
    got = (await market.get(PATH, buyer))["deliveries"]
    assert [(d["kwh"], d["shared_kwh"], d["late"]) for d in got] == [(2.0, 1.5, True)]
    # The late report changed no money: no shared energy billed after the fact.
    assert await market.get("/api/v1/settlements", buyer) == ledger_before
    assert ledger_before["totals"]["energy_paid_eur"] == 0


async def test_bad_reports_are_refused_and_nothing_is_stored(
    market: RunningMarket, clock: MutableClock
) -> None:
    seller, buyer, day = await traded_day(market, clock)
    d = day.isoformat()
    today = local_today(market.now(), market.settings)
    ok = {"day": d, "side": "sell", "kwh": 6.0}
    cases: list[tuple[str | None, Any, int, str, str | None, str]] = [
        # (token, body, status, error code, field, words in the message)
        (seller, {**ok, "kwh": -0.1}, 400, "validation_error", "kwh", "0 kWh or more"),
        (seller, {**ok, "kwh": 1e300}, 400, "validation_error", "kwh", "1000 kWh"),
        (seller, {**ok, "kwh": 10**20}, 400, "validation_error", "kwh", "far too large"),
        (seller, {**ok, "kwh": "6"}, 400, "validation_error", "kwh", "must be a number"),
        (seller, {**ok, "kwh": True}, 400, "validation_error", "kwh", "must be a number"),
        (seller, {**ok, "kwh": None}, 400, "validation_error", "kwh", "required"),
        (seller, {**ok, "day": "2026-11-2"}, 400, "validation_error", "day", "YYYY-MM-DD"),
        (seller, {**ok, "day": d.replace("-", "")}, 400, "validation_error", "day", "YYYY"),
        (seller, {**ok, "day": "2026-02-30"}, 400, "validation_error", "day", "YYYY-MM-DD"),
        (seller, {**ok, "day": today.isoformat()}, 400, "validation_error", "day", "not ended"),
        (
            seller,
            {**ok, "day": (today + timedelta(days=3)).isoformat()},
            400,
            "validation_error",
            "day",
            "not ended",
        ),
        (
            seller,
            {**ok, "day": (today - timedelta(days=8)).isoformat()},
            400,
            "validation_error",
            "day",
            "last 7 days",
        ),
        (seller, {**ok, "side": "both"}, 400, "validation_error", "side", "'sell' or 'buy'"),
        (seller, {**ok, "kwh": 8.5}, 400, "more_than_traded", "kwh", "sold 8 kWh"),
        (buyer, {**ok, "side": "buy", "kwh": 9}, 400, "more_than_traded", "kwh", "bought 8"),
        (buyer, ok, 409, "nothing_to_report", "day", "sold no storage capacity"),
        (
            seller,
            {**ok, "day": (day - timedelta(days=1)).isoformat()},
            409,
            "nothing_to_report",
            "day",
            "nothing to report",
        ),
        (
            seller,
            {**ok, "hourly_kwh": [0.25] * 23},
            400,
            "validation_error",
            "hourly_kwh",
            "list of 24 numbers",
        ),
        (
            seller,
            {**ok, "hourly_kwh": [0.3] * 24},
            400,
            "validation_error",
            "hourly_kwh",
            "add up to 7.200 kWh",
        ),
        (
            seller,
            {**ok, "hourly_kwh": [-1.0] + [7.0 / 23] * 23},
            400,
            "validation_error",
            "hourly_kwh",
            "hourly_kwh[0] must be 0 kWh or more",
        ),
        (
            seller,
            {**ok, "hourly_kwh": ["x"] * 24},
            400,
            "validation_error",
            "hourly_kwh",
            "must be a number",
        ),
        (seller, {**ok, "hourly_kwh": 6.0}, 400, "validation_error", "hourly_kwh", "got float"),
        (
            seller,
            {**ok, "client_report_id": "x" * 65},
            400,
            "validation_error",
            "client_report_id",
            "at most 64",
        ),
        (
            seller,
            {**ok, "client_report_id": "a\u0000b"},
            400,
            "validation_error",
            "client_report_id",
            "control character",
        ),
        # Another household's data cannot even be named: the token is the household.
        (
            seller,
            {**ok, "household_id": "hh_0123456789abcdef"},
            400,
            "validation_error",
            "household_id",
            "Unknown field",
        ),
        (seller, [ok], 400, "validation_error", None, "JSON object"),
        (None, ok, 401, "unauthorized", None, ""),
        ("not-a-token", ok, 401, "unauthorized", None, ""),
    ]
    for token, body, status, code, field, words in cases:
        got, answer = await market.request("POST", PATH, token=token, json=body)
        assert (got, answer["error"], answer.get("field")) == (status, code, field), (
            body,
            answer,
        )
        assert words in answer["message"], (body, answer)
    for raw, content_type, status, code in (
        (b'{"day": "x", "kwh": NaN}', "application/json", 400, "invalid_json"),
        (b'{"day": ', "application/json", 400, "invalid_json"),
        (b"kwh=6", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ):
        got, answer = await market.request(
            "POST",
            PATH,
            token=seller,
            data=raw,
            headers={"Content-Type": content_type},
        )
        assert (got, answer["error"]) == (status, code), raw
    assert (await market.request("GET", PATH))[0] == 401
    status, answer = await market.request("GET", f"{PATH}?day=yesterday", token=seller)
    assert (status, answer["field"]) == (400, "day")
    assert _rows(market) == 0
    assert (await market.get(PATH, seller))["deliveries"] == []


async def test_hourly_figures_follow_daylight_saving_time(
    tmp_path: Path, clock: MutableClock
) -> None:
    settings = CommunitySettings(timezone="Europe/Berlin")
    assert hours_in_day(date(2026, 3, 29), settings) == 23
    assert hours_in_day(date(2026, 10, 25), settings) == 25
    assert hours_in_day(date(2026, 11, 26), settings) == 24
    async with running_market(tmp_path, clock=clock) as market:
        _, token = await market.join_household("Seller")
        status, answer = await market.request(
            "POST",
            PATH,
            token=token,
            json={"day": "2026-10-25", "side": "sell", "kwh": 2.4, "hourly_kwh": [0.1] * 24},
        )
        assert (status, answer["field"]) == (400, "hourly_kwh")
        assert "list of 25 numbers" in answer["message"]
        assert "Europe/Berlin" in answer["message"]


async def test_the_document_states_the_report_bounds(tmp_path: Path, clock: MutableClock) -> None:
    """The served document lists the days a report is taken for right now and its bounds, and
    the server holds to them on both sides."""
    async with running_market(tmp_path, clock=clock) as market:
        seller, _buyer, day = await traded_day(market, clock)
        status, doc = await market.request("GET", "/api/openapi.json")
        assert status == 200
        body = doc["components"]["schemas"]["DeliveryBody"]
        props = body["properties"]
        today = local_today(market.now(), market.settings)
        assert props["day"]["enum"] == [
            (today - timedelta(days=back)).isoformat() for back in range(1, 8)
        ]
        assert (body["required"], body["additionalProperties"]) == (["day", "side", "kwh"], False)
        assert (props["kwh"]["minimum"], props["kwh"]["maximum"]) == (0, 1000.0)
        hourly = props["hourly_kwh"]
        assert (hourly["minItems"], hourly["maxItems"]) == (23, 25)
        op = doc["paths"][PATH]["post"]["responses"]
        assert {"200", "201", "400", "401", "409"} <= set(op)
        assert "already_settled" in op["409"]["description"]
        assert "more_than_traded" in op["400"]["description"]
        for kwh, status_ in ((0, 201), (1000.5, 400)):
            got, _ = await market.request(
                "POST",
                PATH,
                token=seller,
                json={"day": day.isoformat(), "side": "sell", "kwh": kwh},
            )
            assert got == status_, kwh
        oldest = props["day"]["enum"][-1]
        older = (date.fromisoformat(oldest) - timedelta(days=1)).isoformat()
        got, answer = await market.request(
            "POST", PATH, token=seller, json={"day": older, "side": "sell", "kwh": 1.0}
        )
        assert (got, answer["field"]) == (400, "day")


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati"])
async def test_days_at_the_edge_of_the_calendar_are_a_clear_400(
    tmp_path: Path, db_url: str, clock: MutableClock, timezone: str
) -> None:
    """Issue 19, item 4: one figure per local hour of 9999-12-31 or 0001-01-01 cannot be
    counted (the next or previous day is outside the calendar); the report is refused for its
    day, never a 500."""
    async with running_market(tmp_path, db_url=db_url, clock=clock, timezone=timezone) as market:
        seller, _, _ = await traded_day(market, clock)
        for day in ("9999-12-31", "0001-01-01", "0001-01-02", "9999-12-30"):
            for hours in (23, 24, 25):
                body = {"day": day, "side": "sell", "kwh": 0, "hourly_kwh": [0] * hours}
                status, answer = await market.request("POST", PATH, token=seller, json=body)
                assert status == 400, (day, hours, answer)
                assert answer["field"] in ("day", "hourly_kwh"), answer
                assert day in answer["message"] or "calendar" in answer["message"], answer
            status, answer = await market.request("GET", f"{PATH}?day={day}", token=seller)
            assert (status, answer) == (200, {"deliveries": []})
        assert _rows(market) == 0
