"""Delivery: a simulated month of the neighbourhood, traded, delivered physically and settled.

Run: ``.venv/bin/python benchmarks/delivery.py`` (options: ``--help``; loopback only).

A real market server runs in this process (``market_server.http.app.create_app`` on 127.0.0.1, a
SQLite file in a temporary directory, the periodic scheduler off, rounds on each submission)
with a clock the benchmark moves. ``--households`` (20) simulated households of the street join
it; ``--unreliable-share`` (0.2) of the battery houses are unreliable sellers (seeded). Then,
day by day from ``--start`` (2026-11-02) for ``--days`` (30) delivery days plus the two it
takes to trade the first and report the last (``neighbourhood/days.py``):

1. at 09:00 local the households trade on the simulated date (``simulation.tick``) and report
   what their meters say about the ended days: each house's day run hour by hour with its
   commitments (``neighbourhood/dispatch.py``: a reliable seller holds its reserve and
   releases it in the evening, an unreliable one lets its battery serve the house, a buyer's
   virtual battery is fed from its export), posted to ``POST /api/v1/deliveries``;
2. the operator settles (``POST /api/v1/operator/settle``).

Measured, over the settled days:

* delivered / contracted kWh (the ledger's sell entries), overall and for the reliable and the
  unreliable sellers, and the median of the days' ratios;
* money conservation from the ledger (the operator's export, exact to 0.0001 EUR): paid by the
  buyers (volume x price of their fills) = earned by the sellers + refunds; the difference is
  printed and must be 0.00;
* the buyers' bill saving per kWh bought: each buyer's day costed with and without its
  purchase (``benchmarks/welfare.py``'s street physics and bills at each household's own
  tariff; the baseline is the same day with nobody trading, in the same run); saving per kWh
  bought gross (shared energy's price not included) and net of what the buyers paid for the
  capacity after refunds, and the median buyer-day (``welfare.py`` has the full accounts);
* the wall time per simulated day (median), so the run's cost is visible.

The last line of output is one JSON object with every figure. Exit status 1 if a cent is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.welfare import (
    DEFAULT_ENERGY_PRICE,
    Clock,
    Tally,
    cost_day,
    simulated_street,
    street_arguments,
    street_figures,
)
from neighbourhood.days import Ledger, live_day, read_ledger
from neighbourhood.metering import traded_by_day
from neighbourhood.simulation import Member


@dataclass(frozen=True, slots=True)
class BuyerDay:
    """One buyer's settled day: what it bought and its bill with and without the capacity."""

    bought_kwh: float
    used_kwh: float
    bill_without_eur: float
    bill_with_eur: float


async def buyer_days(members: list[Member], settled: set[date]) -> list[BuyerDay]:
    """Every buyer's settled days, costed with and without its purchase (``welfare.py``'s
    street physics and bills at each household's tariff, ledger not included)."""
    fills = [(await m.http.call("GET", "/api/v1/fills"))["fills"] for m in members]
    traded = [traded_by_day(f, min(settled), max(settled)) for f in fills]
    tally = Tally()
    for day in sorted(settled):
        day_traded = [
            {side: t[(day, side)] for side in ("buy", "sell") if (day, side) in t} for t in traded
        ]
        cost_day(
            members,
            day,
            day_traded,
            {},
            grid_charging=members[0].grid_charging if members else False,
            energy_price=DEFAULT_ENERGY_PRICE,
            energy_by_server=True,  # the energy money is left out here, as the capacity's
            tally=tally,
        )
    return [
        BuyerDay(
            bought_kwh=t.kwh,
            used_kwh=t.used_kwh,
            bill_without_eur=t.cost_without_eur,
            bill_with_eur=t.cost_with_eur,
        )
        for t in tally.traders
        if t.side == "buy"
    ]


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary(
    ledger: Ledger, members: list[Member], buyers: list[BuyerDay], day_ratios: list[float]
) -> dict[str, Any]:
    """Every printed figure, from the ledger and the buyers' days."""
    unreliable = {m.house.household_id for m in members if m.unreliable}
    sellers = set(ledger.sold_kwh)
    bought = sum(b.bought_kwh for b in buyers)
    without = sum(b.bill_without_eur for b in buyers)
    saving = without - sum(b.bill_with_eur for b in buyers)
    per_day = [
        (b.bill_without_eur - b.bill_with_eur) / b.bought_kwh for b in buyers if b.bought_kwh > 0
    ]
    return {
        "settled_days": len(ledger.days),
        "sellers": len(sellers),
        "unreliable_sellers": len(sellers & unreliable),
        "contracted_kwh": round(sum(ledger.sold_kwh.values()), 1),
        "delivered_kwh": round(sum(ledger.delivered_kwh.values()), 1),
        "delivered_ratio": _ratio(ledger.ratio()),
        "delivered_ratio_reliable": _ratio(ledger.ratio(sellers - unreliable)),
        "delivered_ratio_unreliable": _ratio(ledger.ratio(sellers & unreliable)),
        "median_day_ratio": round(statistics.median(day_ratios), 4) if day_ratios else None,
        "paid_by_buyers_eur": str(ledger.paid_eur),
        "earned_by_sellers_eur": str(ledger.earned_eur),
        "refunds_eur": str(ledger.refunds_eur),
        "imbalance_eur": str(ledger.imbalance_eur.quantize(Decimal("0.01"))),
        "buyer_days": len(buyers),
        "bought_kwh": round(bought, 1),
        "used_kwh": round(sum(b.used_kwh for b in buyers), 1),
        "bill_without_storage_eur": round(without, 2),
        "bill_saving_eur": round(saving, 2),
        "saving_eur_per_kwh_bought": round(saving / bought, 4) if bought else None,
        "net_saving_eur_per_kwh_bought": (
            round((saving - float(ledger.net_paid_eur)) / bought, 4) if bought else None
        ),
        "median_buyer_day_saving_eur_per_kwh": (
            round(statistics.median(per_day), 4) if per_day else None
        ),
    }


def day_ratio(before: Ledger, after: Ledger) -> float | None:
    """Delivered / contracted of what one settlement added to the ledger."""
    sold = sum(after.sold_kwh.values()) - sum(before.sold_kwh.values())
    delivered = sum(after.delivered_kwh.values()) - sum(before.delivered_kwh.values())
    return delivered / sold if sold > 1e-9 else None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """The month, day by day; returns the summary."""
    clock = Clock(datetime.combine(args.start, datetime.min.time(), tzinfo=UTC))
    timings: list[float] = []
    day_ratios: list[float] = []
    async with simulated_street(args, clock, {"name": "Benchmark street"}) as (members, operator):
        rng = random.Random(args.seed)
        ledger = Ledger()
        # The first day trades the first delivery day; the last reports the last one.
        for offset in range(args.days + 2):
            day = args.start + timedelta(days=offset)
            started = time.perf_counter()
            outcome = await live_day(members, rng, day, set_clock=clock.set, operator=operator)
            timings.append(time.perf_counter() - started)
            settled = await read_ledger(operator)
            ratio = day_ratio(ledger, settled)
            if ratio is not None:
                day_ratios.append(ratio)
            ledger = settled
            print(
                f"{day}  requests {outcome.tick.requests:3d}  reports "
                f"{outcome.tick.deliveries:3d}  settled {outcome.settled['entries']:3d} "
                f"entries  refunds EUR {outcome.settled['refunds_eur']:6.2f}  "
                f"delivered {'-' if ratio is None else f'{ratio:.3f}'}  "
                f"{timings[-1]:.1f} s",
                flush=True,
            )
        buyers = await buyer_days(members, ledger.days) if ledger.days else []
    result = summary(ledger, members, buyers, day_ratios)
    result.update(street_figures(args), median_day_s=round(statistics.median(timings), 2))
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the month, print the figures; 1 if the money does not add up."""
    args = street_arguments(__doc__).parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run(args))
    print()
    print(
        f"settled {result['settled_days']} days, {result['sellers']} sellers "
        f"({result['unreliable_sellers']} unreliable), {result['buyer_days']} buyer-days"
    )
    print(
        f"delivered / contracted: {result['delivered_ratio']} overall "
        f"({result['delivered_kwh']} of {result['contracted_kwh']} kWh), reliable "
        f"{result['delivered_ratio_reliable']}, unreliable {result['delivered_ratio_unreliable']}"
        f", median day {result['median_day_ratio']}"
    )
    print(
        f"paid by buyers EUR {result['paid_by_buyers_eur']} = earned by sellers EUR "
        f"{result['earned_by_sellers_eur']} + refunds EUR {result['refunds_eur']}; "
        f"difference EUR {result['imbalance_eur']}"
    )
    print(
        f"buyers: bought {result['bought_kwh']} kWh, used {result['used_kwh']} kWh; bill "
        f"without storage EUR {result['bill_without_storage_eur']}, saved EUR "
        f"{result['bill_saving_eur']} = EUR {result['saving_eur_per_kwh_bought']}/kWh bought "
        f"(net of the capacity price: {result['net_saving_eur_per_kwh_bought']}; median "
        f"buyer-day {result['median_buyer_day_saving_eur_per_kwh']})"
    )
    print(f"median wall time per simulated day: {result['median_day_s']} s")
    print(json.dumps(result, sort_keys=True))
    return 0 if Decimal(result["imbalance_eur"]) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
