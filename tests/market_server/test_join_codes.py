"""Issue 11, item 9: join codes expire when the operator says, and guessing them is throttled
per client address and per code (429 with Retry-After), with one WARNING line per block."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from market_server.cli import main
from market_server.errors import JoinCodeExpired
from market_server.market import households
from market_server.process.join_throttle import PER_ADDRESS, PER_CODE
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket, running_market

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _throttle_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.getMessage().startswith("join throttled")
    ]


async def _join(market: RunningMarket, code: str) -> tuple[int, dict[str, str], dict[str, str]]:
    async with market.session.post(market.url + "/api/v1/join", json={"code": code}) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def test_guessing_from_one_address_is_throttled(
    tmp_path: Path, db_url: str, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="market_server.process.join_throttle")
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        real = await market.add_household("Miller")
        # 400 guesses as fast as the client can send them: the first `limit` get 404, the
        # rest 429 with a Retry-After that counts down with the (market's) clock.
        answers = [await _join(market, f"AAAA-BBBB-{i:04d}") for i in range(400)]
        statuses = [a[0] for a in answers]
        assert statuses[: PER_ADDRESS.limit] == [404] * PER_ADDRESS.limit
        assert set(statuses[PER_ADDRESS.limit :]) == {429}
        status, body, headers = answers[-1]
        assert body["error"] == "too_many_attempts"
        assert "client address" in body["message"]
        assert int(headers["Retry-After"]) == PER_ADDRESS.window.total_seconds()
        # While blocked, even the right code is refused and nothing is redeemed.
        status, body, headers = await _join(market, real)
        assert status == 429
        clock.advance(seconds=20)
        status, _, headers = await _join(market, real)
        assert (status, int(headers["Retry-After"])) == (429, 40)
        # One alertable line for the whole block, naming the address.
        warnings = _throttle_warnings(caplog)
        assert len(warnings) == 1, warnings
        assert "client address 127.0.0.1" in warnings[0]
        # Once the failures have left the window the right code works: it was never used.
        clock.advance(seconds=40)
        status, body, _ = await _join(market, real)
        assert status == 201, body


async def test_failures_with_one_code_are_throttled_per_code(
    tmp_path: Path, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="market_server.process.join_throttle")
    assert PER_CODE.limit < PER_ADDRESS.limit  # else the address would be blocked first
    async with running_market(tmp_path, clock=clock) as market:
        used = await market.add_household("Used")
        assert (await _join(market, used))[0] == 201
        statuses = [(await _join(market, used))[0] for _ in range(PER_CODE.limit + 2)]
        assert statuses == [409] * PER_CODE.limit + [429, 429]
        status, body, headers = await _join(market, used.lower().replace("-", " "))
        assert (status, body["error"]) == (429, "too_many_attempts")  # the same code, retyped
        assert "join code" in body["message"] and int(headers["Retry-After"]) > 0
        # Another code from the same address is not blocked by this one.
        fresh = await market.add_household("Fresh")
        assert (await _join(market, fresh))[0] == 201
        warnings = _throttle_warnings(caplog)
        assert len(warnings) == 1, warnings
        assert "join code sha256:" in warnings[0]
        assert used.replace("-", "") not in warnings[0].replace("-", "")  # never in clear


async def test_join_codes_expire_when_the_operator_says(
    market: RunningMarket, clock: MutableClock
) -> None:
    op = market.operator_token
    status, added = await market.request(
        "POST",
        "/api/v1/operator/households",
        token=op,
        json={"name": "Miller", "code_valid_hours": 2},
    )
    assert status == 201
    expires = datetime.fromisoformat(added["expires_at"])
    assert expires == clock.now + timedelta(hours=2)
    default = await market.add_household("Default")
    clock.advance(hours=2)
    status, body, _ = await _join(market, added["join_code"])
    assert (status, body["error"], body["field"]) == (410, "join_code_expired", "code")
    assert "ask the market operator for a new one" in body["message"]
    # The default lifetime is a week.
    assert (await _join(market, default))[0] == 201
    # A re-join code takes its own lifetime.
    status, again = await market.request(
        "POST",
        f"/api/v1/operator/households/{added['household_id']}/rejoin",
        token=op,
        json={"code_valid_hours": 0.5},
    )
    assert status == 201
    assert datetime.fromisoformat(again["expires_at"]) == clock.now + timedelta(minutes=30)
    status, body = await market.request(
        "POST",
        "/api/v1/operator/households",
        token=op,
        json={"name": "X", "code_valid_hours": 0},
    )
    assert (status, body["field"]) == (400, "code_valid_hours")
    assert (await _join(market, again["join_code"]))[0] == 201


def test_cli_sets_code_lifetime_and_accepts_buy_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`households add --code-valid-hours` and `--max-sell-kwh 0`, in-process."""
    import json

    db_path = str(tmp_path / "m.db")
    now = "2026-11-25T11:00:00+01:00"
    assert main(["--db", db_path, "--now", now, "init", "--json"]) == 0
    capsys.readouterr()
    args = ["--db", db_path, "--now", now, "households", "add", "Flat", "--max-sell-kwh", "0"]
    assert main([*args, "--code-valid-hours", "3", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    expires = datetime.fromisoformat(added["expires_at"])
    # --now keeps the clock running from the pretended time: allow the command's run time.
    expected = datetime.fromisoformat(now) + timedelta(hours=3)
    assert timedelta(0) <= expires - expected < timedelta(minutes=1)
    assert main([*args, "--code-valid-hours", "0"]) == 2
    assert "code_valid_hours must be more than 0" in capsys.readouterr().err
    assert main(["--db", db_path, "households", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["households"]
    assert [(h["name"], h["max_sell_kwh"]) for h in listed] == [("Flat", 0.0)]
    assert main(["--db", db_path, "households", "add", "Text", "--max-sell-kwh", "0"]) == 0
    out = capsys.readouterr().out
    assert "works once, until" in out

    store = Store(db_path)
    try:
        with store.write() as conn, pytest.raises(JoinCodeExpired):
            households.redeem(conn, expires, added["join_code"], None)
    finally:
        store.dispose()


async def _burst(market: RunningMarket, codes: list[str]) -> list[int]:
    """Every code sent at once from one address (one connection each) -> the statuses."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(code: str) -> int:
            async with session.post(market.url + "/api/v1/join", json={"code": code}) as resp:
                await resp.read()
                return resp.status

        return list(await asyncio.gather(*(one(code) for code in codes)))


async def test_a_concurrent_burst_of_guesses_is_throttled(
    tmp_path: Path, db_url: str, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 19, item 1: guesses in flight together are charged before the database answers,
    so a burst gets no more tries than guesses sent one by one."""
    caplog.set_level(logging.WARNING, logger="market_server.process.join_throttle")
    async with running_market(tmp_path, db_url=db_url, clock=clock) as market:
        statuses = await _burst(market, [f"ZZZZ-YYYY-{i:04d}" for i in range(200)])
        assert statuses.count(429) >= 190, statuses
        assert statuses.count(404) == PER_ADDRESS.limit
        warnings = _throttle_warnings(caplog)
        assert len(warnings) == 1, warnings  # one line for the burst
        assert "client address 127.0.0.1" in warnings[0]


async def test_concurrent_tries_of_one_code_are_limited_per_code(
    tmp_path: Path, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="market_server.process.join_throttle")
    async with running_market(tmp_path, clock=clock) as market:
        used = await market.add_household("Used")
        assert (await _join(market, used))[0] == 201
        statuses = await _burst(market, [used] * 30)
        assert sorted(statuses) == [409] * PER_CODE.limit + [429] * (30 - PER_CODE.limit)
        warnings = _throttle_warnings(caplog)
        assert len(warnings) == 1 and "join code sha256:" in warnings[0], warnings
