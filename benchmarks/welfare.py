"""Welfare: a simulated month of the street, traded and settled, against no market and the pool.

Run: ``.venv/bin/python benchmarks/welfare.py --start 2026-11-02`` (options: ``--help``;
loopback only). ``--grid-charging`` runs the month with the community's grid charging of reserves
on; ``--both`` runs it off and on in one invocation (the top-level figures are the off run's).
``--warm-up`` (14) days are traded and settled before ``--start`` and not counted: the month is an
operating market's, in which the sellers' own delivery records and the market's delivery figures
exist (``--warm-up 0`` measures the market's first month, as before 2026-12-08).

The month is ``benchmarks/delivery.py``'s: a real market server in this process (real ASSUME
clearing, real settlement, a clock the benchmark moves), ``--households`` (20) simulated households
with their tariffs (a third each fixed, time of use, dynamic), their agents trading each morning,
the street's physics (``neighbourhood/dispatch.py``: reserves filled from own PV, the neighbours'
export, and the grid only with grid charging on; buyers' virtual batteries credited by their own
export and filled with shared energy at 17:00) reporting each ended day, the operator settling.

Then every settled day is costed three ways with the same households, loads, PV and starting
battery energy (``neighbourhood/accounts.py``: each bill at the household's own tariff and
feed-in, battery wear at each owner's wear price, the energy left at midnight valued by what it
saves in the night after it):

* **market**: the day as traded, the ledger's money (capacity, shared energy, refunds) added;
* **no market**: nobody trades, each battery serves its own house;
* **pooled optimum**: one perfect-foresight LP per day running all batteries as one pool for
  everyone's load and PV, under the same rules (``neighbourhood/pooled.py``); beside it the same
  LP for each battery alone in its own house (what pooling adds beyond each house's own best).

Printed: the community's welfare gain (no market minus market, everyone's bills and wear; the
ledger's internal payments cancel) and its ratio to the pooled optimum's gain, the pooled gain in
EUR per household and month; buyers' bought and used kWh, their net saving after every payment
per kWh bought and on the median buyer-day; each seller-day's net gain (its costs with the sale
against the same day without it, plus what it earned) per kWh sold, median; reliable sellers'
delivered ratio; the money's imbalance from the ledger. The last line is one JSON object. Exit
status 1 if a cent is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.community_storage.agent.delivery import DISPATCH_HOURS
from market_server.http.app import create_app
from market_server.market import community
from market_server.process.runtime import MarketRuntime
from market_server.storage.store import Store
from neighbourhood.accounts import street_bills
from neighbourhood.client import MarketHttp
from neighbourhood.days import Ledger, ledger_of, live_day
from neighbourhood.dispatch import (
    DayResult,
    day_window,
    house_day,
    local_hours_of,
    run_street,
    without_trades,
)
from neighbourhood.household import temperament_of
from neighbourhood.metering import commitments_of, traded_by_day
from neighbourhood.pooled import pooled_cost_eur
from neighbourhood.simulation import Member, SimulationConfig, join_all

# The community's shared-energy price where the server does not set one (the spec's default).
DEFAULT_ENERGY_PRICE = 0.12
# Below this pooled gain per household and month the month is judged on the buyers and sellers.
SMALL_PRIZE_EUR = 1.0
# The ledger's energy money per entry: shared energy, and the energy behind the buyers' own
# credit (at the community's feed-in price).
ENERGY_FIELDS = ("energy_eur", "own_credit_eur")
# Local hours a buyer may draw shared energy: from the dispatch window's start to midnight.
SHARED_DRAW_HOURS = range(DISPATCH_HOURS[0], 24)
# The keys every variant reports (the top level is the default variant's).
KEYS = (
    "bought_kwh",
    "used_kwh",
    "net_saving_eur_per_kwh_bought",
    "median_buyer_day_net_saving_eur_per_kwh",
    "median_seller_day_net_gain_eur_per_kwh",
    "delivered_ratio_reliable",
    "welfare_gain_eur",
    "pooled_optimum_gain_eur",
    "welfare_vs_pooled_optimum",
    "imbalance_eur",
)


class Clock:
    """The market's clock, moved by the benchmark from day to day."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


def community_changes(energy_price: float, grid_charging: bool) -> dict[str, Any]:
    """The community's settings for the run, as far as the server knows them (issue 22)."""
    known = {f.name for f in dataclasses.fields(community.CommunitySettings)}
    wanted = {"energy_price": energy_price, "grid_charging": grid_charging}
    return {"name": "Benchmark street"} | {k: v for k, v in wanted.items() if k in known}


@asynccontextmanager
async def market_server(
    workdir: Path, clock: Clock, changes: Mapping[str, Any]
) -> AsyncIterator[tuple[str, str]]:
    """A market server on 127.0.0.1 in this event loop -> (url, operator token)."""
    store = Store(f"sqlite:///{workdir / 'market.db'}")
    runtime = MarketRuntime(store, clock)
    _settings, token = await runtime.run(
        community.initialise, store, runtime.now(), dict(changes), issue_token=True
    )
    assert token is not None
    runner = web.AppRunner(create_app(runtime, run_scheduler=False), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", token
    finally:
        await runner.cleanup()  # closes the runtime too


# ----------------------------------------------------------------------------- the money


@dataclass(slots=True)
class Money:
    """One household-day in the ledger, EUR: + paid by the household, - earned by it."""

    capacity_eur: float = 0.0
    energy_eur: float = 0.0

    @property
    def total_eur(self) -> float:
        return self.capacity_eur + self.energy_eur


def money_by_household_day(entries: Iterable[Mapping[str, Any]]) -> dict[tuple[str, date], Money]:
    """Capacity (net of refunds) and, where the server settles it, energy per household-day."""
    money: dict[tuple[str, date], Money] = defaultdict(Money)
    for entry in entries:
        key = (str(entry["household_id"]), date.fromisoformat(entry["day"]))
        # amount_eur: + earned by a seller, - paid by a buyer (net of its refund).
        money[key].capacity_eur -= float(entry["amount_eur"])
        # Shared energy at the energy price and own-credit energy at the feed-in price.
        for field_name in ENERGY_FIELDS:
            if entry.get(field_name) is not None:
                energy = abs(float(entry[field_name]))
                money[key].energy_eur += energy if entry["side"] == "buy" else -energy
    return money


def server_settles_energy(entries: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the ledger carries the shared energy's money (issue 22's server)."""
    return any("energy_eur" in entry for entry in entries)


def energy_money(results: Sequence[DayResult], energy_price: float) -> list[float]:
    """The spec's energy settlement of one day, where the server does not do it yet: + paid by a
    buyer, - earned by a seller (billed shared energy = min(available, claimed))."""
    delivered = [r.delivered_kwh for r in results]
    used = [min(round(r.used_kwh, 3), r.buyer.bought_kwh) for r in results]
    shared = [min(round(r.shared_kwh, 3), u) for r, u in zip(results, used, strict=True)]
    own_used = sum(u - s for u, s in zip(used, shared, strict=True))
    available = max(0.0, sum(delivered) - own_used)
    claims = sum(shared)
    billed = min(available, claims)
    if billed <= 0:
        return [0.0] * len(results)
    total = billed * energy_price
    paid = [total * s / claims for s in shared]
    earned = [total * d / sum(delivered) if sum(delivered) > 0 else 0.0 for d in delivered]
    return [p - e for p, e in zip(paid, earned, strict=True)]


# ----------------------------------------------------------------------------- the days


@dataclass(frozen=True, slots=True)
class TraderDay:
    """One household's traded day: kWh, its costs with and without the trade, the ledger."""

    household_id: str
    kind: str  # the house: battery, flat, ev
    day: date
    side: str
    kwh: float
    used_kwh: float
    delivered_kwh: float
    reliable: bool
    cost_without_eur: float
    cost_with_eur: float  # outside the ledger
    ledger_eur: float  # + paid, - earned

    @property
    def net_gain_eur(self) -> float:
        """What the trade brought the household after every payment."""
        return self.cost_without_eur - self.cost_with_eur - self.ledger_eur


@dataclass(slots=True)
class Tally:
    """The month's figures, added up day by day."""

    market_eur: float = 0.0
    no_market_eur: float = 0.0
    pooled_eur: float = 0.0
    pooled_window_eur: float = 0.0
    own_optimum_eur: float = 0.0
    traders: list[TraderDay] = field(default_factory=list)
    unbacked_kwh: float = 0.0
    shared_kwh: float = 0.0
    grid_kwh: float = 0.0
    community_in_kwh: float = 0.0
    days: int = 0


def cost_day(
    members: Sequence[Member],
    day: date,
    traded: Sequence[Mapping[str, float]],
    money: Mapping[tuple[str, date], Money],
    *,
    grid_charging: bool,
    energy_price: float,
    energy_by_server: bool,
    tally: Tally,
) -> None:
    """Cost one settled day three ways and note every trader's day."""
    commitments = [commitments_of(m.street_house, t) for m, t in zip(members, traded, strict=True)]
    market = [house_day(m.house.profile, day, c) for m, c in zip(members, commitments, strict=True)]
    alone = without_trades(market)
    hours = local_hours_of(day)
    window = day_window(day)
    wear = [temperament_of(m.house.profile).wear_eur_per_kwh for m in members]
    traded_results = run_street(
        market, window=window, local_hours=hours, grid_charging=grid_charging
    )
    alone_results = run_street(alone, window=window, local_hours=hours)
    with_bills = street_bills(market, traded_results, wear_eur_per_kwh=wear, local_hours=hours)
    without_bills = street_bills(alone, alone_results, wear_eur_per_kwh=wear, local_hours=hours)
    tally.market_eur += sum(b.total_eur for b in with_bills)
    tally.no_market_eur += sum(b.total_eur for b in without_bills)
    tally.pooled_eur += pooled_cost_eur(
        alone, local_hours=hours, wear_eur_per_kwh=wear, grid_charging=grid_charging
    )
    # The same pool under the market's delivery design: houses without a battery draw on it
    # only from the dispatch window's start to midnight (a virtual battery's day), so a second
    # cycle (morning, night) for them is out of the market's reach. Printed to explain the
    # ratio, not to judge it.
    tally.pooled_window_eur += pooled_cost_eur(
        alone,
        local_hours=hours,
        wear_eur_per_kwh=wear,
        grid_charging=grid_charging,
        shared_hours=SHARED_DRAW_HOURS,
    )
    # Each battery optimised with perfect foresight for its own house alone (the issue's
    # yardstick for what pooling adds beyond each house's own best).
    tally.own_optimum_eur += sum(
        pooled_cost_eur([house], local_hours=hours, wear_eur_per_kwh=[w])
        for house, w in zip(alone, wear, strict=True)
    )
    tally.days += 1
    released = sum(sum(r.released_kwh) for r in traded_results)
    drawn = sum(sum(r.buyer.drawn_by_hour) for r in traded_results)
    tally.unbacked_kwh += max(0.0, drawn - released)
    tally.shared_kwh += sum(r.shared_kwh for r in traded_results)
    tally.grid_kwh += sum(r.grid_kwh for r in traded_results)
    tally.community_in_kwh += sum(sum(r.community_in_kwh) for r in traded_results)
    local_energy = (
        [0.0] * len(members) if energy_by_server else energy_money(traded_results, energy_price)
    )
    for index, member in enumerate(members):
        for side in ("buy", "sell"):
            kwh = traded[index].get(side, 0.0)
            if kwh <= 0:
                continue
            ledger = money.get((member.house.household_id, day), Money()).total_eur
            tally.traders.append(
                TraderDay(
                    household_id=member.house.household_id,
                    kind=member.house.profile.kind,
                    day=day,
                    side=side,
                    kwh=kwh,
                    used_kwh=traded_results[index].used_kwh if side == "buy" else 0.0,
                    delivered_kwh=traded_results[index].delivered_kwh if side == "sell" else 0.0,
                    reliable=not member.unreliable,
                    cost_without_eur=without_bills[index].total_eur,
                    cost_with_eur=with_bills[index].total_eur,
                    ledger_eur=ledger + local_energy[index],
                )
            )


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def figures(
    tally: Tally, ledger: Ledger, members: Sequence[Member], *, households: int
) -> dict[str, Any]:
    """Every printed figure of one variant."""
    unreliable = {m.house.household_id for m in members if m.unreliable}
    sellers = set(ledger.sold_kwh)
    buys = [t for t in tally.traders if t.side == "buy"]
    sells = [t for t in tally.traders if t.side == "sell"]
    bought = sum(t.kwh for t in buys)
    sold = sum(t.kwh for t in sells)
    welfare = tally.no_market_eur - tally.market_eur
    pooled = tally.no_market_eur - tally.pooled_eur
    pooled_window = tally.no_market_eur - tally.pooled_window_eur
    months = tally.days / 30.0 if tally.days else 1.0
    pooled_per_household_month = pooled / households / months if households else 0.0
    buyer_net = sum(t.net_gain_eur for t in buys)
    by_kind = {
        kind: {
            "bought_kwh": round(sum(t.kwh for t in days), 1),
            "used_kwh": round(sum(t.used_kwh for t in days), 1),
            "net_saving_eur_per_kwh_bought": _round(
                sum(t.net_gain_eur for t in days) / sum(t.kwh for t in days)
            ),
        }
        for kind in sorted({t.kind for t in buys})
        if (days := [t for t in buys if t.kind == kind])
    }
    return {
        "buyers_by_kind": by_kind,
        "settled_days": tally.days,
        "bought_kwh": round(bought, 1),
        "used_kwh": round(sum(t.used_kwh for t in buys), 1),
        "used_share": _round(sum(t.used_kwh for t in buys) / bought if bought else None),
        "shared_kwh": round(tally.shared_kwh, 1),
        "reserve_from_neighbours_kwh": round(tally.community_in_kwh, 1),
        "grid_kwh": round(tally.grid_kwh, 1),
        "unbacked_draw_kwh": round(tally.unbacked_kwh, 2),
        "buyer_days": len(buys),
        "net_saving_eur_per_kwh_bought": _round(buyer_net / bought if bought else None),
        "median_buyer_day_net_saving_eur_per_kwh": _median([t.net_gain_eur / t.kwh for t in buys]),
        "sold_kwh": round(sold, 1),
        "seller_days": len(sells),
        "seller_net_gain_eur_per_kwh_sold": _round(
            sum(t.net_gain_eur for t in sells) / sold if sold else None
        ),
        "median_seller_day_net_gain_eur_per_kwh": _median([t.net_gain_eur / t.kwh for t in sells]),
        "median_reliable_seller_day_net_gain_eur_per_kwh": _median(
            [t.net_gain_eur / t.kwh for t in sells if t.reliable]
        ),
        "delivered_ratio": _round(ledger.ratio()),
        "delivered_ratio_reliable": _round(ledger.ratio(sellers - unreliable)),
        "delivered_ratio_unreliable": _round(ledger.ratio(sellers & unreliable)),
        "no_market_cost_eur": round(tally.no_market_eur, 2),
        "welfare_gain_eur": round(welfare, 2),
        "pooled_optimum_gain_eur": round(pooled, 2),
        "pooled_optimum_gain_eur_per_household_month": round(pooled_per_household_month, 2),
        "own_optimum_gain_eur": round(tally.no_market_eur - tally.own_optimum_eur, 2),
        "pooling_gain_eur_per_household_month": round(
            (tally.own_optimum_eur - tally.pooled_eur) / households / months, 2
        ),
        "welfare_vs_pooled_optimum": _round(welfare / pooled if abs(pooled) > 1e-9 else None),
        "pooled_window_gain_eur": round(pooled_window, 2),
        "welfare_vs_pooled_window": _round(
            welfare / pooled_window if abs(pooled_window) > 1e-9 else None
        ),
        "judged_on_buyers_and_sellers": pooled_per_household_month < SMALL_PRIZE_EUR,
        "paid_by_buyers_eur": str(ledger.paid_eur),
        "earned_by_sellers_eur": str(ledger.earned_eur),
        "refunds_eur": str(ledger.refunds_eur),
        "imbalance_eur": str(ledger.imbalance_eur.quantize(Decimal("0.01"))),
    }


def energy_imbalance(entries: Iterable[Mapping[str, Any]]) -> Decimal:
    """Energy (shared and own credit) paid by buyers minus earned by sellers, from the ledger
    (0 without it)."""
    total = Decimal(0)
    for entry in entries:
        for field_name in ENERGY_FIELDS:
            if entry.get(field_name) is None:
                continue
            amount = abs(Decimal(str(entry[field_name])))
            total += amount if entry["side"] == "buy" else -amount
    return total


@asynccontextmanager
async def simulated_street(
    args: argparse.Namespace, clock: Clock, changes: Mapping[str, Any]
) -> AsyncIterator[tuple[list[Member], MarketHttp]]:
    """The benchmark's street: a market server in this process with ``changes`` to its
    community, and ``args.households`` simulated households joined to it; yields the members
    and the operator's client."""
    with tempfile.TemporaryDirectory(prefix="street-bench-") as tmp:
        workdir = Path(tmp)
        async with (
            market_server(workdir, clock, changes) as (url, token),
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
        ):
            config = SimulationConfig(
                url=url,
                operator_token=token,
                households=args.households,
                roster_path=workdir / "roster.json",
                seed=args.seed,
                unreliable_share=args.unreliable_share,
            )
            members = await join_all(session, config)
            yield members, MarketHttp(session, url, token)


async def run_variant(args: argparse.Namespace, grid_charging: bool) -> dict[str, Any]:
    """One month with grid charging off or on; returns its figures."""
    first = args.start - timedelta(days=args.warm_up)
    clock = Clock(datetime.combine(first, datetime.min.time(), tzinfo=UTC))
    changes = community_changes(args.energy_price, grid_charging)
    async with simulated_street(args, clock, changes) as (members, operator):
        # The physics follows the run's setting even where the server does not know it yet.
        for member in members:
            member.grid_charging = grid_charging
        energy_price = float(
            members[0].community.get("energy_price", args.energy_price)
            if members
            else args.energy_price
        )
        rng = random.Random(args.seed)
        started = time.perf_counter()
        refused = 0
        for offset in range(args.warm_up + args.days + 2):
            day = first + timedelta(days=offset)
            outcome = await live_day(members, rng, day, set_clock=clock.set, operator=operator)
            refused += outcome.tick.errors
            if not args.quiet:
                print(
                    f"{'on ' if grid_charging else 'off'} {day}  requests "
                    f"{outcome.tick.requests:3d}  reports {outcome.tick.deliveries:3d}  "
                    f"settled {outcome.settled['entries']:3d} entries",
                    flush=True,
                )
        export = await operator.call("GET", "/api/v1/operator/export", params={"format": "json"})
        # The measured month: the warm-up's days were traded and settled (the sellers' records
        # and the market's delivery figures exist, as in any month after a market's first), not
        # counted. Each day's money balances on its own, so the month's does too.
        end = args.start + timedelta(days=args.days)
        entries = [e for e in export["entries"] if args.start <= date.fromisoformat(e["day"]) < end]
        ledger = ledger_of(entries)
        fills = [(await m.http.call("GET", "/api/v1/fills"))["fills"] for m in members]
    settled = sorted(ledger.days)
    by_server = server_settles_energy(entries)
    money = money_by_household_day(entries)
    tally = Tally()
    if settled:
        traded = [traded_by_day(f, settled[0], settled[-1]) for f in fills]
        for day in settled:
            day_traded = [
                {side: t[(day, side)] for side in ("buy", "sell") if (day, side) in t}
                for t in traded
            ]
            cost_day(
                members,
                day,
                day_traded,
                money,
                grid_charging=grid_charging,
                energy_price=energy_price,
                energy_by_server=by_server,
                tally=tally,
            )
    result = figures(tally, ledger, members, households=args.households)
    imbalance = ledger.imbalance_eur + energy_imbalance(entries)
    result.update(
        grid_charging=grid_charging,
        energy_price=energy_price,
        energy_settled_by="server" if by_server else "benchmark (server has no energy settlement)",
        imbalance_eur=str(imbalance.quantize(Decimal("0.01"))),
        # Orders or reports the server refused (a gate that closed, a limit): market life.
        refused_calls=refused,
        wall_s=round(time.perf_counter() - started, 1),
    )
    return result


def describe(result: Mapping[str, Any]) -> list[str]:
    """The variant's figures in a few lines."""
    on = "on" if result["grid_charging"] else "off"
    lines = [
        f"grid charging {on}: {result['settled_days']} settled days, energy price "
        f"{result['energy_price']:.3f} EUR/kWh ({result['energy_settled_by']})",
        f"  welfare gain EUR {result['welfare_gain_eur']} against no market "
        f"(EUR {result['no_market_cost_eur']}); pooled optimum EUR "
        f"{result['pooled_optimum_gain_eur']} = EUR "
        f"{result['pooled_optimum_gain_eur_per_household_month']} per household and month "
        f"(each battery at its own optimum: EUR {result['own_optimum_gain_eur']}; pooling adds "
        f"EUR {result['pooling_gain_eur_per_household_month']} per household and month); "
        f"ratio {result['welfare_vs_pooled_optimum']}; the pool under the market's evening "
        f"window EUR {result['pooled_window_gain_eur']} (ratio "
        f"{result['welfare_vs_pooled_window']})"
        + (
            " (the pooled gain is below EUR 1 per household and month: judged on the buyer "
            "and seller figures)"
            if result["judged_on_buyers_and_sellers"]
            else ""
        ),
        f"  buyers: bought {result['bought_kwh']} kWh, used {result['used_kwh']} kWh "
        f"({result['used_share']}), shared energy drawn {result['shared_kwh']} kWh; net saving "
        f"EUR {result['net_saving_eur_per_kwh_bought']}/kWh bought, median buyer-day "
        f"{result['median_buyer_day_net_saving_eur_per_kwh']}; by kind "
        + ", ".join(
            f"{kind} {v['used_kwh']} of {v['bought_kwh']} kWh "
            f"({v['net_saving_eur_per_kwh_bought']})"
            for kind, v in result["buyers_by_kind"].items()
        ),
        f"  sellers: sold {result['sold_kwh']} kWh on {result['seller_days']} seller-days, "
        f"reserves took {result['reserve_from_neighbours_kwh']} kWh of the neighbours' export "
        f"and {result['grid_kwh']} kWh from the grid; net gain EUR "
        f"{result['seller_net_gain_eur_per_kwh_sold']}/kWh sold, median seller-day "
        f"{result['median_seller_day_net_gain_eur_per_kwh']} (reliable "
        f"{result['median_reliable_seller_day_net_gain_eur_per_kwh']})",
        f"  delivered / contracted {result['delivered_ratio']} (reliable "
        f"{result['delivered_ratio_reliable']}, unreliable {result['delivered_ratio_unreliable']})"
        f"; money: paid EUR {result['paid_by_buyers_eur']} = earned EUR "
        f"{result['earned_by_sellers_eur']} + refunds EUR {result['refunds_eur']}, imbalance "
        f"EUR {result['imbalance_eur']}",
    ]
    return lines


def street_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options of a simulated month of the street (this benchmark's and delivery.py's)."""
    parser = argparse.ArgumentParser(description=(description or "").splitlines()[0])
    parser.add_argument("--households", type=int, default=20)
    parser.add_argument("--days", type=int, default=30, help="delivery days settled")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 2))
    parser.add_argument("--unreliable-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def street_figures(args: argparse.Namespace) -> dict[str, Any]:
    """The run's options, printed with its figures."""
    return {
        "households": args.households,
        "days": args.days,
        "start": args.start.isoformat(),
        "unreliable_share": args.unreliable_share,
        "seed": args.seed,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the month(s), print the figures; 1 if the money does not add up."""
    parser = street_arguments(__doc__)
    parser.add_argument("--energy-price", type=float, default=DEFAULT_ENERGY_PRICE)
    parser.add_argument(
        "--grid-charging", action="store_true", help="reserves may charge from the grid"
    )
    parser.add_argument("--both", action="store_true", help="run grid charging off and on")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=14,
        help="days traded and settled before --start and not counted (0: the market's first month)",
    )
    parser.add_argument("--quiet", action="store_true", help="no line per simulated day")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    variants = [False, True] if args.both else [args.grid_charging]
    results = [asyncio.run(run_variant(args, variant)) for variant in variants]
    print()
    for result in results:
        print("\n".join(describe(result)))
    top = dict(results[0])
    if len(results) > 1:
        top["variants"] = {
            ("grid_charging_on" if r["grid_charging"] else "grid_charging_off"): r for r in results
        }
    top.update(street_figures(args), warm_up_days=args.warm_up)
    print(json.dumps(top, sort_keys=True))
    return 0 if all(Decimal(r["imbalance_eur"]) == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
