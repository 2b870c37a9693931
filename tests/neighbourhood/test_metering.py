"""The simulated neighbourhood reports its deliveries: reliable sellers deliver what they sold,
the seeded unreliable share 40-90 %, and the server settles the day with refunds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from market_server.gate import day_end
from neighbourhood.metering import delivered_share, is_unreliable
from neighbourhood.profiles import household_profiles
from neighbourhood.simulation import SimulationConfig, run
from tests.market_harness import MutableClock, running_market


def test_unreliable_sellers_are_a_seeded_share_of_the_battery_houses() -> None:
    profiles = household_profiles(200, seed=5)
    batteries = [p for p in profiles if p.battery_kwh > 0]
    flagged = [p for p in batteries if is_unreliable(p, 0.3)]
    assert 0.2 < len(flagged) / len(batteries) < 0.4
    assert [p for p in batteries if is_unreliable(p, 0.3)] == flagged  # reproducible
    assert not any(is_unreliable(p, 1.0) for p in profiles if p.battery_kwh == 0)
    day = date(2026, 11, 26)
    shares = [delivered_share(p, day, "sell", True) for p in batteries]
    assert all(0.4 <= s <= 0.9 for s in shares) and len(set(shares)) > 1
    assert {delivered_share(p, day, "sell", False) for p in batteries} == {1.0}


async def test_the_street_reports_and_the_day_settles_with_refunds(
    tmp_path: Path, socket_enabled: None
) -> None:
    clock = MutableClock(datetime.now(UTC))
    async with running_market(tmp_path, clock=clock) as market:
        config = SimulationConfig(
            url=market.url,
            operator_token=market.operator_token,
            households=12,
            roster_path=tmp_path / "roster.json",
            tick_s=0,
            ticks=1,
            seed=3,
            unreliable_share=1.0,  # every battery house falls short
        )
        first = await run(config)
        assert first[0].requests > 0 and first[0].deliveries == 0  # nothing has ended yet
        traded = sorted(
            {
                f["day"]
                for f in (await market.get("/api/v1/operator/orders", market.operator_token))[
                    "orders"
                ]
                if f["filled_kwh"] > 0
            }
        )
        assert traded, "the first tick should have filled something"
        day = date.fromisoformat(traded[0])
        clock.set(day_end(day, market.settings) + timedelta(hours=1))

        reported = await run(config)
        assert reported[0].deliveries > 0
        # Every seller reported: the day settles before its deadline, with refunds.
        settled = await market.settle()
        assert settled["entries"] > 0 and settled["refunds_eur"] > 0
        overview = await market.get("/api/v1/operator/overview", market.operator_token)
        delivery = next(d for d in overview["days"] if d["day"] == day.isoformat())["delivery"]
        assert delivery["unreported_sellers"] == 0 and delivery["settled"] is True
        assert 0.4 <= delivery["ratio"] <= 0.9
        # The day is settled: a rerun's other figures (now all reliable) are refused, not sent.
        again = await run(dataclasses.replace(config, unreliable_share=0.0))
        assert again[0].deliveries == 0
