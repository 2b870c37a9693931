"""A simulated seller whose battery delivered half of what it sold: on its next look its agent
cuts the offer it placed before (sized with no record) to half, as the integration's watcher
does, against a real market server."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp

from neighbourhood.simulation import join_all, tick
from tests.market_harness import MutableClock, running_market
from tests.neighbourhood.street import street_config

SOLD_DAY = date(2026, 12, 8)
OFFER_DAYS = (date(2026, 12, 12), date(2026, 12, 13))


async def test_an_open_offer_is_cut_to_the_sellers_fallen_record(
    tmp_path: Path, socket_enabled: None
) -> None:
    # 10:00 in Berlin on the 7th: the 8th and the days after can be traded.
    clock = MutableClock(datetime(2026, 12, 7, 9, tzinfo=UTC))
    async with (
        running_market(tmp_path, clock=clock, timezone="Europe/Berlin") as market,
        aiohttp.ClientSession() as session,
    ):
        config = street_config(market, tmp_path, 6, seed=7)
        member = next(m for m in await join_all(session, config) if m.house.battery is not None)
        _, buyer = await market.join_household("Buyer")
        # The seller sells 4 kWh for the 8th; an offer for the 12th and 13th, sized by its
        # agent with no record yet, waits on the market.
        await market.place(buyer, "buy", SOLD_DAY, 1, 4.0, 0.10)
        await market.place(member.house.token, "sell", SOLD_DAY, 1, 4.0, 0.05)
        offer = await member.http.call(
            "POST",
            "/api/v1/requests",
            json={
                "side": "sell",
                "volumes": {day.isoformat(): 3.0 for day in OFFER_DAYS},
                "limit_price": 0.2,
                "client_request_id": "held-offer",
                "note": "holiday",
            },
        )
        member.sized_with[offer["request_id"]] = None

        # The 9th: its battery delivered 2 of the 4 kWh, the buyer used none; the day settles.
        clock.set(datetime(2026, 12, 9, 9, tzinfo=UTC))
        await market.report_delivery(
            member.house.token, SOLD_DAY, "sell", 2.0, client_report_id="seller"
        )
        await market.report_delivery(buyer, SOLD_DAY, "buy", 0.0, client_report_id="buyer")
        assert (await market.settle())["pending_days"] == 0
        me = await member.http.call("GET", "/api/v1/me")
        assert me["delivery"] == {"days": 1, "delivered_per_kwh_sold": 0.5}

        # Its next look (its delivery reports already sent for today).
        member.reported_before = clock().date()
        report = await tick([member], random.Random(1), today=clock().date())
        assert report.cut == 1 and report.errors == 0

        requests = {
            r["request_id"]: r
            for r in (await member.http.call("GET", "/api/v1/requests"))["requests"]
        }
        held = requests[offer["request_id"]]
        assert [o["status"] for o in held["orders"]] == ["cancelled", "cancelled"]
        (cut,) = [r for r in requests.values() if r["note"] == "cut to record"]
        assert [(o["day"], o["volume_kwh"], o["limit_price"]) for o in cut["orders"]] == [
            (day.isoformat(), 1.5, 0.2) for day in OFFER_DAYS
        ]
        assert member.sized_with[cut["request_id"]] == 0.5

        # The record holds: the next look cuts nothing more.
        clock.set(clock() + timedelta(hours=1))
        again = await tick([member], random.Random(2), today=clock().date())
        assert again.cut == 0
        # Nothing of the first offer is left open: the agent no longer follows it.
        assert offer["request_id"] not in member.sized_with
