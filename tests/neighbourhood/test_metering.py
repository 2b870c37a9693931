"""The simulated neighbourhood reports its deliveries from the physics of its day: reliable
sellers deliver what they sold, the seeded unreliable share what their battery has left, buyers
what their virtual battery drew, and the server settles the day."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from market_server.market.gate import day_end
from neighbourhood.dispatch import Commitments, simulate_day
from neighbourhood.metering import StreetHouse, day_reports, is_unreliable, street_reports
from neighbourhood.profiles import household_profiles
from neighbourhood.simulation import run
from tests.market_harness import MutableClock, running_market
from tests.neighbourhood.street import street_config


def test_unreliable_sellers_are_a_seeded_share_of_the_battery_houses() -> None:
    profiles = household_profiles(200, seed=5)
    batteries = [p for p in profiles if p.battery_kwh > 0]
    flagged = [p for p in batteries if is_unreliable(p, 0.3)]
    assert 0.2 < len(flagged) / len(batteries) < 0.4
    assert [p for p in batteries if is_unreliable(p, 0.3)] == flagged  # reproducible
    assert not any(is_unreliable(p, 1.0) for p in profiles if p.battery_kwh == 0)


def test_a_days_reports_are_the_physics_of_the_day_and_the_same_every_time() -> None:
    profiles = household_profiles(20, seed=7)
    seller = next(p for p in profiles if p.kind == "battery")
    buyer = next(p for p in profiles if p.kind == "ev")
    day = date(2026, 12, 2)
    reliable = day_reports(seller, day, {"sell": 4.0}, unreliable=False)
    alone = simulate_day(seller, day, Commitments(sold_kwh=4.0))
    assert reliable == [{"day": "2026-12-02", "side": "sell", "kwh": alone.delivered_kwh}]
    unreliable = day_reports(seller, day, {"sell": 4.0}, unreliable=True)
    physics = simulate_day(seller, day, Commitments(sold_kwh=4.0, reliable=False))
    assert unreliable[0]["kwh"] == physics.delivered_kwh < 4.0  # a December evening
    assert day_reports(seller, day, {"sell": 4.0}, unreliable=True) == unreliable

    [bought] = day_reports(buyer, day, {"buy": 3.0}, unreliable=False)
    used = simulate_day(buyer, day, Commitments(bought_kwh=3.0)).used_kwh
    assert bought["kwh"] == round(used, 3) <= 3.0
    assert abs(sum(bought["hourly_kwh"]) - bought["kwh"]) < 0.05
    assert len(bought["hourly_kwh"]) == 24
    assert day_reports(buyer, day, {}, unreliable=False) == []


def test_the_streets_reports_carry_shared_and_grid_energy() -> None:
    """On the street, the seller's reserve and the buyer's capacity fill from shared energy;
    with grid charging the rest of the reserve comes from the grid and is reported as such."""
    profiles = household_profiles(20, seed=7)
    houses = [StreetHouse(p) for p in profiles]
    sellers = [i for i, p in enumerate(profiles) if p.kind == "battery"]
    flats = [i for i, p in enumerate(profiles) if p.kind == "flat"]
    traded: list[dict[str, float]] = [{} for _ in profiles]
    for i in sellers:
        traded[i] = {"sell": 4.0}
    for i in flats:
        traded[i] = {"buy": 3.0}
    day = date(2026, 12, 5)  # a dark Saturday: the street's surplus fills little
    for grid_charging in (False, True):
        reports = street_reports(
            houses, day, traded, grid_charging=grid_charging, energy_fields=True
        )
        sells = [reports[i][0] for i in sellers]
        buys = [reports[i][0] for i in flats]
        assert all(r["side"] == "sell" and 0 <= r["kwh"] <= 4.0 for r in sells)
        assert all(r.get("grid_kwh", 0.0) <= r["kwh"] for r in sells)
        # The flats export nothing in December: what they used is shared energy.
        assert all(
            r["side"] == "buy" and r["kwh"] - 0.01 <= r["shared_kwh"] <= r["kwh"] for r in buys
        )
        assert sum(r["kwh"] for r in buys) > 0
        if grid_charging:
            assert any(r.get("grid_kwh", 0.0) > 0 for r in sells)
        else:
            assert not any("grid_kwh" in r for r in sells)
    # A server without issue 22's contract gets the reports it knows.
    plain = street_reports(houses, day, traded, grid_charging=True)
    assert not any("shared_kwh" in r or "grid_kwh" in r for rs in plain for r in rs)


async def test_the_street_reports_and_the_day_settles(tmp_path: Path, socket_enabled: None) -> None:
    clock = MutableClock(datetime.now(UTC))
    async with running_market(tmp_path, clock=clock) as market:
        config = street_config(
            market,
            tmp_path,
            12,
            tick_s=0,
            ticks=1,
            seed=3,
            unreliable_share=1.0,  # every battery house ignores what it sold
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
        # Every seller reported: the day settles before its deadline.
        settled = await market.settle()
        assert settled["entries"] > 0
        overview = await market.get("/api/v1/operator/overview", market.operator_token)
        delivery = next(d for d in overview["days"] if d["day"] == day.isoformat())["delivery"]
        assert delivery["unreported_sellers"] == 0 and delivery["settled"] is True
        # What physics left is refunded; a sunny day may leave everything.
        assert 0.0 <= delivery["ratio"] <= 1.0
        if delivery["ratio"] < 0.999:
            assert settled["refunds_eur"] > 0
        if delivery["ratio"] == 1.0:
            assert settled["refunds_eur"] == 0
        # The day is settled: a rerun's other figures (now all reliable) are refused, not sent.
        again = await run(dataclasses.replace(config, unreliable_share=0.0))
        assert again[0].deliveries == 0
