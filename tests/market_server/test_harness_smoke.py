"""The harness itself: a server comes up, households trade, nothing lingers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.market_harness import running_market


async def test_seed_buyer_fills_56_kwh(tmp_path: Path, socket_enabled: None) -> None:
    async with running_market(tmp_path) as market:
        _, seller = await market.join_household("Seller", max_sell_kwh=13.0)
        _, buyer = await market.join_household("Buyer")
        day = market.first_open_day() + timedelta(days=1)
        await market.place(seller, "sell", day, 7, 10.0, 0.07)
        request = await market.place(buyer, "buy", day, 7, 8.0, 0.07)
        assert [o["status"] for o in request["orders"]] == ["filled"] * 7
        assert sum(o["filled_kwh"] for o in request["orders"]) == 56.0
        assert {o["avg_price"] for o in request["orders"]} == {0.07}
        summary = await market.clear()
        assert summary["status"] == "completed"
