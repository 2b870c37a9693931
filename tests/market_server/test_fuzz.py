"""Bounded fuzzing of a real `market-server serve` from its own /api/openapi.json, on SQLite and
PostgreSQL, loopback only: every operation of the document gets calls drawn within the document
and calls broken in one place (tests/market_server/openapi_strategies.py).

Checked for every call: no 5xx; the status is one the document lists for the operation; a JSON
answer matches the documented schema (errors: the Error shape); nothing the server logs is a
traceback. And calls drawn within the document do get through: some requests are created.

Then concurrency, which one call at a time never shows: a burst of wrong join codes at once,
and households re-pricing and cancelling on the same days while rounds run. The corpus also
sends days at the edge of the calendar in every day field (the document lists open days only).

`FUZZ_EXAMPLES` sets the calls per operation (default 20; `script/fuzz` runs more).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market_server.http import contract
from market_server.http.openapi import openapi_document
from market_server.process.join_throttle import PER_ADDRESS
from tests.market_server.openapi_strategies import Call, calls, corpus, edge_day_calls
from tests.market_server.schema_check import check
from tests.market_server.serve_process import ServeProcess, run_cli_json
from tests.market_server.serve_process import http as call_json

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("socket_enabled")]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
OPERATIONS = [
    (method, path)
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method != "parameters"
]


class Client:
    """One keep-alive HTTP/1.1 connection to the server, raw bytes in and out."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def send(self, call: Call, token: str | None) -> tuple[int, dict[str, str], bytes]:
        target = call.path
        if call.query:
            target += "?" + urlencode(call.query, encoding="utf-8", errors="surrogatepass")
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if call.body is not None and call.content_type:
            headers["Content-Type"] = call.content_type
        for attempt in range(2):
            try:
                self.conn.request(call.method, target, body=call.body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, dict(resp.getheaders()), resp.read()
            except (http.client.HTTPException, ConnectionError):
                # The server may close a connection after an error; reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _seed(url: str, op_token: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Households, requests and a fill to aim at -> (tokens by role, known ids)."""
    hh_ids: list[str] = []
    tokens: list[str] = []
    for name, sell in (("Seller", 13.0), ("Buyer", 13.0), ("Flat", 0.0)):
        status, added = call_json(
            "POST",
            url + "/api/v1/operator/households",
            op_token,
            {"name": name, "max_sell_kwh": sell},
        )
        assert status == 201, added
        status, joined = call_json("POST", url + "/api/v1/join", None, {"code": added["join_code"]})
        assert status == 201, joined
        hh_ids.append(joined["household_id"])
        tokens.append(joined["token"])
    status, doc = call_json("GET", url + "/api/openapi.json")
    day = doc["components"]["schemas"]["RequestBody"]["properties"]["start_day"]["enum"][0]
    requests = []
    for token, side, price in ((tokens[0], "sell", 0.05), (tokens[1], "buy", 0.09)):
        status, placed = call_json(
            "POST",
            url + "/api/v1/requests",
            token,
            {
                "side": side,
                "start_day": day,
                "num_days": 2,
                "kwh_per_day": 3.0,
                "limit_price": price,
            },
        )
        assert status == 201, placed
        requests.append(placed)
    status, fills = call_json("GET", url + "/api/v1/fills", tokens[1])
    assert fills["fills"], "the seed requests should have filled"
    known = {
        "request_id": [r["request_id"] for r in requests],
        "order_id": [o["order_id"] for r in requests for o in r["orders"]],
        "household_id": hh_ids,
        "since": [f["fill_id"] for f in fills["fills"]],
    }
    return {
        "household": tokens[1],
        "seller": tokens[0],
        "flat": tokens[2],
        "operator": op_token,
    }, known


def _check_answer(
    doc: dict[str, Any],
    op: dict[str, Any],
    call: Call,
    answer: tuple[int, dict[str, str], bytes],
) -> None:
    status, headers, raw = answer
    where = call.describe()
    assert status < 500, f"{status} for {where}: {raw[:500]!r}"
    responses = op["responses"]
    assert str(status) in responses, f"undocumented {status} for {where}: {raw[:300]!r}"
    content = responses[str(status)].get("content", {})
    content_type = headers.get("Content-Type", "").split(";")[0]
    if content_type == "application/json":
        body = json.loads(raw)
        schema = content.get("application/json", {}).get("schema")
        assert schema is not None, f"JSON answer where none is documented: {where}"
        check(doc, schema, body, where)
        if "$ref" in schema:  # exactly the model: no field it does not declare
            contract.validate(schema["$ref"].rsplit("/", 1)[1], body)
        if status >= 400:
            codes = responses[str(status)]["x-error-codes"]
            assert body["error"] in codes, f"{body['error']} not among {codes}: {where}"
    else:
        assert content_type in content, f"{content_type!r} not documented for {where}"
    if status == 429:
        assert int(headers["Retry-After"]) >= 1


def _fuzz_operation(
    client: Client,
    doc: dict[str, Any],
    method: str,
    path: str,
    tokens: dict[str, str],
    known: dict[str, list[str]],
) -> list[int]:
    """EXAMPLES calls of one operation, each checked -> the statuses seen."""
    op = doc["paths"][path][method]
    security = op.get("security") or [{}]
    token = tokens.get(next(iter(security[0]), ""))
    seen: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(call=calls(doc, method, path, known), auth=st.integers(min_value=0, max_value=3))
    def fuzz(call: Call, auth: int) -> None:
        # A broken call may also carry the wrong token, none, or a made-up one.
        sent = token if call.valid else [token, None, "not-a-token", tokens["household"]][auth]
        answer = client.send(call, sent)
        seen.append(answer[0])
        _check_answer(doc, op, call, answer)

    for call in [*corpus(doc, method, path), *edge_day_calls(doc, method, path, known)]:
        answer = client.send(call, token)
        seen.append(answer[0])
        _check_answer(doc, op, call, answer)
    fuzz()
    return seen


async def _concurrent_probes(url: str, tokens: dict[str, str], doc: dict[str, Any]) -> None:
    """What one call at a time never shows (issue 19): a burst of wrong join codes sent at once
    is refused after the limit, and households placing, re-pricing and cancelling on the same
    days while rounds run get no 5xx."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(method: str, path: str, token: str | None, body: Any = None) -> Any:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with session.request(method, url + path, json=body, headers=headers) as resp:
                answer = await resp.json()
                assert resp.status < 500, (method, path, body, resp.status, answer)
                return resp.status, answer

        burst = await asyncio.gather(
            *(
                send("POST", "/api/v1/join", None, {"code": f"QQQQ-RRRR-{i:04d}"})
                for i in range(200)
            )
        )
        statuses = [status for status, _ in burst]
        assert statuses.count(404) <= PER_ADDRESS.limit, sorted(set(statuses))
        assert statuses.count(429) >= 200 - PER_ADDRESS.limit

        day = doc["components"]["schemas"]["RequestBody"]["properties"]["start_day"]["enum"][0]

        async def household(token: str, side: str, price: float) -> None:
            for step in range(6):
                status, placed = await send(
                    "POST",
                    "/api/v1/requests",
                    token,
                    {
                        "side": side,
                        "start_day": day,
                        "num_days": 2,
                        "kwh_per_day": 0.5,
                        "limit_price": price,
                        "client_request_id": f"probe-{side}-{step}",
                    },
                )
                if status != 201:
                    continue
                rid = placed["request_id"]
                await send("POST", f"/api/v1/requests/{rid}/reprice", token, {"limit_price": price})
                await send("DELETE", f"/api/v1/requests/{rid}", token)

        async def rounds() -> None:
            for _ in range(6):
                await send("POST", "/api/v1/operator/rounds", tokens["operator"])

        await asyncio.gather(
            household(tokens["seller"], "sell", 0.06),
            household(tokens["household"], "buy", 0.07),
            rounds(),
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzz_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fuzz.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


def test_fuzz_every_operation_from_the_served_document(tmp_path: Path, fuzz_db: str) -> None:
    init = run_cli_json(fuzz_db, "init", "--name", "Fuzz", cwd=tmp_path)
    op_token = init["operator_token"]
    with ServeProcess(fuzz_db, tmp_path, "--no-scheduler") as server:
        tokens, known = _seed(server.url, op_token)
        status, doc = call_json("GET", server.url + "/api/openapi.json")
        assert status == 200
        client = Client(server.url)
        statuses: dict[tuple[str, str], list[int]] = {}
        for method, path in OPERATIONS:
            statuses[(method, path)] = _fuzz_operation(client, doc, method, path, tokens, known)
        created = statuses[("post", "/api/v1/requests")]
        assert 201 in created, f"no request was ever created: {sorted(set(created))}"
        asyncio.run(_concurrent_probes(server.url, tokens, doc))
    log = server.log.read_text()
    assert "Traceback" not in log, log[-3000:]
    assert "unhandled error" not in log
