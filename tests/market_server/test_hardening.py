"""Regression tests of issue 11, items 1-10, over real HTTP on SQLite and PostgreSQL: inputs that
used to answer 500 or were wrongly accepted now get a clear 4xx and store nothing."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from market_server.storage import store as db
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket, running_market

pytestmark = pytest.mark.usefixtures("socket_enabled")
_TABLES = (db.households, db.household_tokens, db.join_codes, db.requests, db.orders)


def _stored(url: str) -> dict[str, int]:
    """Row counts of every table a bad request could write to."""
    store = Store(url)
    try:
        with store.read() as conn:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in _TABLES
            }
    finally:
        store.dispose()


async def _post_raw(
    market: RunningMarket, path: str, data: bytes, token: str | None = None
) -> tuple[int, Any]:
    return await market.request(
        "POST", path, token=token, data=data, headers={"Content-Type": "application/json"}
    )


def _refused(status: int, body: Any, code: str, field: str | None, what: str) -> None:
    """A 4xx with the machine code, the field and a sentence a person can act on."""
    assert isinstance(body, dict), (what, status, body)
    assert (status, body.get("error"), body.get("field")) == (400, code, field), (what, body)
    assert isinstance(body["message"], str) and len(body["message"]) > 15, (what, body)


def _request_body(day: str, **changes: Any) -> dict[str, Any]:
    return {
        "side": "buy",
        "start_day": day,
        "num_days": 1,
        "kwh_per_day": 2.0,
        "limit_price": 0.08,
        **changes,
    }


async def test_deeply_nested_json_is_a_400_without_a_traceback(
    tmp_path: Path, db_url: str, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 1: `[` x 30,000 on the unauthenticated join route raised RecursionError (500)."""
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        _, token = await market.join_household("Miller")
        before = _stored(market.db_url)
        caplog.clear()
        for path, auth in (("/api/v1/join", None), ("/api/v1/requests", token)):
            for data in (b"[" * 30_000, b'{"a":' * 12_000):
                status, body = await _post_raw(market, path, data, auth)
                assert (status, body["error"]) == (400, "invalid_json"), (path, body)
                assert "nests" in body["message"]
        assert _stored(market.db_url) == before
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert "Traceback" not in caplog.text


async def test_start_day_at_the_end_of_the_calendar_is_refused(
    market: RunningMarket, db_url: str
) -> None:
    """Item 2: 9999-12-31 with num_days 2 overflowed `date` (500)."""
    _, token = await market.join_household("Miller")
    before = _stored(market.db_url)
    for num_days in (2, 15):
        body = _request_body("9999-12-31", num_days=num_days)
        status, got = await market.request("POST", "/api/v1/requests", token=token, json=body)
        _refused(status, got, "validation_error", "start_day", f"{num_days} days")
    # One day is a valid date, just beyond the horizon.
    status, got = await market.request(
        "POST", "/api/v1/requests", token=token, json=_request_body("9999-12-31")
    )
    _refused(status, got, "validation_error", "start_day", "one day")
    assert "horizon" in got["message"]
    assert _stored(market.db_url) == before


_BAD_TEXT = (("lone surrogate", "\\ud800"), ("NUL", "\\u0000"), ("escape", "\\u001b[31m"))


async def test_unstorable_text_is_refused_in_every_stored_field(
    market: RunningMarket, db_url: str
) -> None:
    """Items 3 and 4: a lone surrogate gave 500 (UnicodeEncodeError) everywhere, NUL gave 500
    on PostgreSQL, in note, client_request_id, the join name and the household name."""
    _, token = await market.join_household("Miller")
    code = await market.add_household("Unjoined")
    day = market.first_open_day().isoformat()
    before = _stored(market.db_url)
    for label, escaped in _BAD_TEXT:
        text = f'"ok {escaped} ok"'  # JSON text: the escape is decoded by the server
        cases = [
            (
                "/api/v1/requests",
                token,
                json.dumps(_request_body(day, note="x"))[:-1] + f', "note": {text}}}',
                "note",
            ),
            (
                "/api/v1/requests",
                token,
                json.dumps(_request_body(day))[:-1] + f', "client_request_id": {text}}}',
                "client_request_id",
            ),
            ("/api/v1/join", None, f'{{"code": "{code}", "name": {text}}}', "name"),
            (
                "/api/v1/operator/households",
                market.operator_token,
                f'{{"name": {text}}}',
                "name",
            ),
        ]
        for path, auth, data, field in cases:
            status, got = await _post_raw(market, path, data.encode(), auth)
            _refused(status, got, "validation_error", field, f"{label} in {path} {field}")
            assert "U+" in got["message"], got
    # A surrogate as a field *name* is echoed back in `field`; the reply is still JSON.
    status, got = await _post_raw(
        market, "/api/v1/requests", b'{"\\ud800": 1, "side": "buy"}', token
    )
    assert (status, got["error"], got["field"]) == (400, "validation_error", "\ud800")
    # A note may hold line breaks and tabs.
    note = "first line\n\tsecond"
    status, got = await market.request(
        "POST", "/api/v1/requests", token=token, json=_request_body(day, note=note)
    )
    assert (status, got["note"]) == (201, note)
    after = _stored(market.db_url)
    assert after == {**before, "requests": before["requests"] + 1, "orders": 1}


async def test_unstorable_path_and_query_values_are_4xx(
    tmp_path: Path, db_url: str, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The same bytes in a URL: a NUL reaching PostgreSQL as a lookup key was a 500 too."""
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        _, token = await market.join_household("Miller")
        op = market.operator_token
        cases = [
            ("GET", "/api/v1/requests/rq_%00", token, 404, "request_id"),
            ("DELETE", "/api/v1/orders/%ED%A0%80", token, 404, "order_id"),
            ("POST", "/api/v1/operator/households/hh_%00/disable", op, 404, "household_id"),
            ("GET", "/api/v1/fills?since=fl_%00", token, 400, "since"),
            ("GET", "/api/v1/orders?day=2026-11-2%00", token, 400, "day"),
            ("GET", "/api/v1/orders?status=open%00", token, 400, "status"),
            ("GET", "/api/v1/settlements?month=2026-1%00", token, 400, "month"),
            ("GET", "/api/v1/operator/rounds?limit=1%00", op, 400, "limit"),
            # Present but empty is not "absent": the document allows no empty value.
            ("GET", "/api/v1/fills?since=", token, 400, "since"),
            ("GET", "/api/v1/orders?status=open,,filled", token, 400, "status"),
            ("GET", "/api/v1/orders?status=", token, 400, "status"),
            ("GET", "/api/v1/orders?day=", token, 400, "day"),
            ("GET", "/api/v1/settlements?month=", token, 400, "month"),
            ("GET", "/api/v1/settlements?month=0000-01", token, 400, "month"),
        ]
        for method, path, auth, status, field in cases:
            got_status, got = await market.request(method, path, token=auth)
            assert (got_status, got.get("field")) == (status, field), (path, got)
            assert got["message"], path
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        status, _ = await market.request("GET", "/api/v1/orders?status=open,filled", token=token)
        assert status == 200


async def test_volumes_that_round_to_zero_ticks_are_refused(
    market: RunningMarket, db_url: str
) -> None:
    """Item 5: 1e-8 kWh passed the step check within float noise and became a 0 kWh order."""
    _, token = await market.join_household("Miller")
    day = market.first_open_day().isoformat()
    before = _stored(market.db_url)
    for value in (1e-8, 4e-8, 1e-300):
        status, got = await market.request(
            "POST", "/api/v1/requests", token=token, json=_request_body(day, kwh_per_day=value)
        )
        _refused(status, got, "validation_error", "kwh_per_day", f"kwh_per_day {value}")
        assert "at least 0.1 kWh" in got["message"]
        status, got = await market.request(
            "POST",
            "/api/v1/requests",
            token=token,
            json={"side": "buy", "limit_price": 0.08, "volumes": {day: value}},
        )
        _refused(status, got, "validation_error", "volumes", f"volumes {value}")
    assert _stored(market.db_url) == before
    # The smallest real volume is still accepted.
    status, got = await market.request(
        "POST", "/api/v1/requests", token=token, json=_request_body(day, kwh_per_day=0.1)
    )
    assert (status, got["orders"][0]["volume_kwh"]) == (201, 0.1)


async def test_days_must_be_written_yyyy_mm_dd(market: RunningMarket, db_url: str) -> None:
    """Item 6: "20261210" and "2026-W50-3" were read as dates (date.fromisoformat is lenient)."""
    _, token = await market.join_household("Miller")
    day = market.first_open_day()
    before = _stored(market.db_url)
    iso_week = day.isocalendar()
    lenient = [
        day.strftime("%Y%m%d"),
        f"{iso_week.year}-W{iso_week.week:02d}-{iso_week.weekday}",
        f"{iso_week.year}W{iso_week.week:02d}{iso_week.weekday}",
        day.isoformat() + "\n",
        " " + day.isoformat(),
        day.isoformat().replace("-", "\u2011"),
    ]
    for text in lenient:
        status, got = await market.request(
            "POST", "/api/v1/requests", token=token, json=_request_body(text)
        )
        _refused(status, got, "validation_error", "start_day", repr(text))
        assert "YYYY-MM-DD" in got["message"]
        status, got = await market.request(
            "POST",
            "/api/v1/requests",
            token=token,
            json={"side": "buy", "limit_price": 0.08, "volumes": {text: 1.0}},
        )
        _refused(status, got, "validation_error", "volumes", repr(text))
        status, got = await market.request(
            "GET", "/api/v1/orders", token=token, params={"day": text}
        )
        _refused(status, got, "validation_error", "day", repr(text))
    assert _stored(market.db_url) == before
    status, _ = await market.request(
        "POST", "/api/v1/requests", token=token, json=_request_body(day.isoformat())
    )
    assert status == 201


async def test_405_says_which_methods_are_allowed(tmp_path: Path, clock: MutableClock) -> None:
    """Item 7: the 405 answer had no Allow header (RFC 9110 requires one)."""
    async with running_market(tmp_path, clock=clock) as market:
        _, token = await market.join_household("Miller")
        for method, path, allowed in (
            ("PUT", "/api/v1/requests", {"GET", "POST"}),
            ("PATCH", "/api/v1/orders/or_0123456789abcdef", {"GET", "DELETE"}),
            ("DELETE", "/api/v1/join", {"POST"}),
        ):
            async with market.session.request(
                method, market.url + path, headers={"Authorization": f"Bearer {token}"}
            ) as resp:
                assert resp.status == 405, path
                body = await resp.json()
                assert body["error"] == "method_not_allowed"
                allow = {m.strip() for m in resp.headers["Allow"].split(",")}
                assert allowed <= allow <= allowed | {"HEAD"}, (path, allow)


async def test_buy_only_household_with_max_sell_zero(market: RunningMarket, db_url: str) -> None:
    """Item 10: max_sell_kwh 0 (no battery) was refused; now it is a buy-only household."""
    op = market.operator_token
    _, token = await market.join_household("Flat", max_sell_kwh=0)
    me = await market.get("/api/v1/me", token)
    assert me["limits"]["max_sell_kwh_per_day"] == 0.0
    day = market.first_open_day()
    before = _stored(market.db_url)
    status, got = await market.request(
        "POST",
        "/api/v1/requests",
        token=token,
        json=_request_body(day.isoformat(), side="sell"),
    )
    assert (status, got["error"], got["field"]) == (400, "limit_exceeded", "kwh_per_day")
    assert "buy-only" in got["message"]
    assert _stored(market.db_url) == before
    # Buying works; a seller elsewhere fills it.
    _, seller = await market.join_household("Seller")
    await market.place(seller, "sell", day, 1, 5.0, 0.06)
    bought = await market.place(token, "buy", day, 1, 3.0, 0.08)
    assert bought["orders"][0]["status"] == "filled"
    # An existing household becomes buy-only through the limits route as well.
    _, other = await market.join_household("Other", max_sell_kwh=5.0)
    hid = (await market.get("/api/v1/me", other))["household_id"]
    hh = await market.set_limits(hid, max_sell_kwh=0)
    assert hh["max_sell_kwh"] == 0.0
    status, got = await market.request(
        "POST",
        "/api/v1/requests",
        token=other,
        json=_request_body((day + timedelta(days=1)).isoformat(), side="sell"),
    )
    assert (status, got["error"]) == (400, "limit_exceeded")
    # The open-volume limit still needs to be positive.
    status, got = await market.request(
        "POST", "/api/v1/operator/households", token=op, json={"name": "X", "max_open_kwh": 0}
    )
    assert (status, got["field"]) == (400, "max_open_kwh")


def test_unparseable_requests_are_one_log_line(tmp_path: Path) -> None:
    """aiohttp answers a malformed header with 400 itself and logged a traceback at ERROR for
    each: `serve` logs one INFO line instead (a client's mistake must not page the operator)."""
    import socket

    from tests.market_server.serve_process import ServeProcess, run_cli

    db_path = f"sqlite:///{tmp_path / 'm.db'}"
    run_cli(db_path, "init", cwd=tmp_path)
    with ServeProcess(db_path, tmp_path, "--no-scheduler") as server:
        port = int(server.url.rsplit(":", 1)[1])
        for raw in (
            b"GET /healthz HTTP/1.1\r\nX-Bad: a\x00b\r\n\r\n",
            b"\x16\x03\x01garbage\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(raw)
                answer = sock.recv(4096)
            assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer[:100]
    log = server.log.read_text()
    assert "Traceback" not in log, log[-2000:]
    assert " ERROR " not in log, log[-2000:]
    assert log.count("INFO aiohttp.server: malformed HTTP request (400)") >= 1, log[-2000:]
