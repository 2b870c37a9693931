"""A few simulated December days of the street against a real market server: trading, the
physical delivery of each day, reports, settlement. The money adds up to the tick and an
unreliable seller's shortfall goes back to the buyers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp

from neighbourhood.client import MarketHttp
from neighbourhood.days import live_day, read_ledger
from neighbourhood.simulation import join_all
from tests.market_harness import MutableClock, running_market
from tests.neighbourhood.street import street_config

FIRST_DAY = date(2026, 12, 7)
DAYS = 4


async def test_days_are_delivered_reported_and_settled_with_refunds(
    tmp_path: Path, socket_enabled: None
) -> None:
    clock = MutableClock(datetime(2026, 12, 7, 6, tzinfo=UTC))
    async with (
        running_market(
            tmp_path, clock=clock, timezone="Europe/Berlin", grid_charging=True
        ) as market,
        aiohttp.ClientSession() as session,
    ):
        config = street_config(
            market,
            tmp_path,
            12,
            # Two of the five battery houses of this street are unreliable.
            seed=7,
            unreliable_share=0.5,
        )
        members = await join_all(session, config)
        # The community lets reserves charge from the grid: a reliable seller's December
        # reserve is filled even where the street's surplus is not enough.
        assert all(member.grid_charging for member in members)
        unreliable = {m.house.household_id for m in members if m.unreliable}
        reliable = {m.house.household_id for m in members if m.house.battery} - unreliable
        assert unreliable and reliable
        operator = MarketHttp(session, market.url, market.operator_token)
        rng = random.Random(config.seed)
        outcomes = [
            await live_day(
                members, rng, FIRST_DAY + timedelta(days=n), set_clock=clock.set, operator=operator
            )
            for n in range(DAYS)
        ]
        # Trades on the first day fill the next; each day after the first reports yesterday.
        assert outcomes[0].tick.requests > 0 and outcomes[0].tick.deliveries == 0
        assert all(o.tick.deliveries > 0 for o in outcomes[2:])
        assert all(o.settled["pending_days"] == 0 for o in outcomes)
        # No report was refused (a refusal would count as an error of the tick).
        assert [o.tick.errors for o in outcomes] == [0] * DAYS

        ledger = await read_ledger(operator)
        assert ledger.days == {FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=2)}
        # Paid by buyers = earned by sellers + refunds, to the tick (0.0001 EUR).
        assert ledger.paid_eur > 0
        assert ledger.imbalance_eur == Decimal(0)
        assert ledger.net_paid_eur == ledger.paid_eur - ledger.refunds_eur
        # Reliable sellers held their reserve; the unreliable ones fell short on December
        # evenings, and the buyers got that back.
        assert all(ledger.delivered_kwh[h] <= ledger.sold_kwh[h] for h in ledger.sold_kwh)
        assert ledger.ratio(reliable) == 1.0
        short = ledger.ratio(unreliable & set(ledger.sold_kwh))
        assert short is not None and short < 1.0
        assert ledger.refunds_eur > 0
        assert sum(ledger.refunds_by_household.values()) == ledger.refunds_eur
        assert set(ledger.refunds_by_household) <= {m.house.household_id for m in members}
        # A second report of a settled day changes nothing.
        again = await live_day(
            members,
            rng,
            FIRST_DAY + timedelta(days=DAYS - 1),
            set_clock=clock.set,
            operator=operator,
        )
        assert again.tick.deliveries == 0 and again.settled["entries"] == 0
