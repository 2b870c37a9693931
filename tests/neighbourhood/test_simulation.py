"""The simulated neighbourhood against a real market server: joins, trades, never oversells."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import aiohttp

from neighbourhood import roster
from neighbourhood.client import MarketHttp
from neighbourhood.household import SimulatedHousehold
from neighbourhood.profiles import household_profiles
from neighbourhood.simulation import run
from tests.market_harness import running_market
from tests.neighbourhood.street import street_config


async def test_households_join_trade_and_rejoin_nothing(
    tmp_path: Path, socket_enabled: None
) -> None:
    """Ten households join once, place planner-made orders that clear, and a rerun reuses them."""
    async with running_market(tmp_path) as market:
        config = street_config(market, tmp_path, 10, tick_s=0, ticks=12, seed=3)
        reports = await run(config)
        assert sum(r.requests for r in reports) >= 5
        members = roster.load(config.roster_path)
        assert len(members) == 10

        households = await market.get("/api/v1/operator/households", market.operator_token)
        assert len(households["households"]) == 10
        orders = (await market.get("/api/v1/operator/orders", market.operator_token))["orders"]
        assert {o["side"] for o in orders} == {"buy", "sell"}
        overview = await market.get("/api/v1/operator/overview", market.operator_token)
        assert any(d["last_price"] is not None and d["cleared_kwh"] > 0 for d in overview["days"])

        # The agent never offers more than a battery can hold on any day, counting every order.
        profiles = {p.name: p for p in household_profiles(10, seed=3)}
        sold: dict[tuple[str, str], float] = defaultdict(float)
        for order in orders:
            if order["side"] == "sell" and order["status"] != "cancelled":
                sold[(order["household_name"], order["day"])] += order["volume_kwh"]
        for (name, day), kwh in sold.items():
            assert kwh <= profiles[name].battery_kwh * 0.9 + 1e-6, (name, day, kwh)

        # Limit prices come from the planner within the owners' preferences, not from thin air;
        # who buys and who sells follows the house: flats and car owners buy, batteries sell.
        for order in orders:
            profile = profiles[order["household_name"]]
            house = SimulatedHousehold(profile, "", "")
            if order["side"] == "buy":
                assert profile.kind in ("flat", "ev")
                assert order["limit_price"] <= house.temperament.max_buy_price
            else:
                assert profile.kind == "battery"
                assert order["limit_price"] >= house.temperament.holiday_price

        # A second run reuses every membership: nobody joins twice.
        again = await run(dataclasses.replace(config, ticks=1))
        assert len(again) == 1
        assert roster.load(config.roster_path) == members
        households = await market.get("/api/v1/operator/households", market.operator_token)
        assert len(households["households"]) == 10
        async with aiohttp.ClientSession() as session:
            me = await MarketHttp(session, market.url, members["Becker"].token).call(
                "GET", "/api/v1/me"
            )
        assert me["household_id"] == members["Becker"].household_id
