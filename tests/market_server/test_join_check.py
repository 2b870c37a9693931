"""Issue 21, item 2: a join has two steps. `POST /api/v1/join/check` says whom a code joins
without redeeming it; only `POST /api/v1/join` joins (and only then does a rejoin code revoke the
household's older token)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.market_harness import MutableClock, RunningMarket, running_market

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def _check(market: RunningMarket, code: str) -> tuple[int, dict[str, Any]]:
    async with market.session.post(market.url + "/api/v1/join/check", json={"code": code}) as resp:
        return resp.status, await resp.json()


async def _joined(market: RunningMarket, household_id: str) -> bool:
    return bool((await market.household(household_id=household_id))["joined"])


@pytest.mark.market(name="Sonnenweg")
async def test_checking_a_code_redeems_nothing(market: RunningMarket, clock: MutableClock) -> None:
    code = await market.add_household("Miller")
    status, checked = await market.request("POST", "/api/v1/join/check", json={"code": code})
    assert status == 200, checked
    assert checked["name"] == "Miller" and checked["community"] == "Sonnenweg"
    assert checked["rejoin"] is False
    assert datetime.fromisoformat(checked["expires_at"]) == clock.now + timedelta(days=7)
    household_id = checked["household_id"]
    # Checked twice (an abandoned setup, then a new one): still not joined, still usable.
    assert (await _check(market, code.lower()))[0] == 200
    assert not await _joined(market, household_id)
    status, joined = await market.request("POST", "/api/v1/join", json={"code": code})
    assert (status, joined["household_id"]) == (201, household_id)
    assert await _joined(market, household_id)
    # Used, unknown and expired codes get the join's own errors.
    status, body = await _check(market, code)
    assert (status, body["error"], body["field"]) == (409, "join_code_used", "code")
    status, body = await _check(market, "AAAA-BBBB-CCCC")
    assert (status, body["error"]) == (404, "join_code_invalid")
    late = await market.add_household("Late")
    clock.advance(days=8)
    status, body = await _check(market, late)
    assert (status, body["error"]) == (410, "join_code_expired")
    status, body = await _check(market, "")
    assert (status, body["field"]) == (400, "code")


async def test_checking_a_rejoin_code_keeps_the_old_token(
    tmp_path: Path, clock: MutableClock
) -> None:
    async with running_market(tmp_path, clock=clock) as market:
        household_id, token = await market.join_household("Miller")
        again = await market.rejoin_code(household_id)
        status, checked = await _check(market, again)
        assert (status, checked["household_id"], checked["rejoin"]) == (200, household_id, True)
        # The household's Home Assistant still trades with its token.
        assert (await market.request("GET", "/api/v1/me", token=token))[0] == 200
        _, new_token = await market.redeem(again)
        assert (await market.request("GET", "/api/v1/me", token=token))[0] == 401
        assert (await market.request("GET", "/api/v1/me", token=new_token))[0] == 200
