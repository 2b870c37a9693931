"""The neighbourhood's clock: join every household once, then let the agents trade on each tick.

The households live on the market's time, read from the server on every tick (`generated_at`
of GET /api/v1/market), never on this machine's: under a time-lapse (`serve --speed N`) or a
shifted clock (`--now`) the two cannot drift apart. With the same `speed` here, ticks come
`tick_s` of market time apart (at least MIN_TICK_S of real time).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp

from custom_components.community_storage.agent.planner import record_supported_kwh
from custom_components.community_storage.agent.plans import OrderState

from . import metering, roster
from .client import MarketCallError, MarketHttp, Membership, add_and_join
from .household import SimulatedHousehold, request_body
from .profiles import TIMEZONE, household_profiles

_LOGGER = logging.getLogger(__name__)
# Ask for every order that still holds capacity, so the planner never oversells the battery.
HOLDING = "open,partially_filled,filled"
# The orders whose remainder can still fill: what a fallen delivery record can cut.
OPEN = "open,partially_filled"
# Chance per tick that a household withdraws an open request (plans change).
CANCEL_CHANCE = 0.01
# The fastest market clock there is (the server's `serve --speed` takes 1 to 10000).
MAX_SPEED = 10_000
# Real seconds between ticks at least: a tick of 20 households takes about that long anyway.
MIN_TICK_S = 0.5
# How far the market's pace may be from `speed` before the log says so (a factor).
PACE_TOLERANCE = 2.0
# Real seconds of ticking before the market's pace is judged (latency blurs a shorter view).
PACE_WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """How many households, against which server, how fast."""

    url: str
    operator_token: str
    households: int
    roster_path: Path
    tick_s: float = 20.0
    seed: int = 7
    # Stop after this many ticks (tests); None runs until cancelled.
    ticks: int | None = None
    # Share of the battery houses that ignore what they sold (delivery/virtual_battery.py).
    unreliable_share: float = 0.1
    # How many times faster than real time the market's clock runs (its `serve --speed`).
    speed: int = 1

    def tick_real_s(self) -> float:
        """Real seconds between ticks: `tick_s` of market time, but never a spin."""
        if self.tick_s <= 0:
            return 0.0  # tests: tick back to back
        return max(self.tick_s / self.speed, MIN_TICK_S)


@dataclass(slots=True)
class MarketPace:
    """Watches how fast the market's clock runs against ours, to say once if not at `speed`."""

    speed: int
    first: tuple[float, datetime] | None = None
    judged: bool = False

    def observe(self, market_now: datetime, real_now: float | None = None) -> float | None:
        """Note the market's time now -> its measured pace once judged (else None)."""
        real = time.monotonic() if real_now is None else real_now
        if self.first is None:
            self.first = (real, market_now)
            return None
        real_s = real - self.first[0]
        if self.judged or real_s < PACE_WINDOW_S:
            return None
        self.judged = True
        pace = (market_now - self.first[1]).total_seconds() / real_s
        if not self.speed / PACE_TOLERANCE <= pace <= self.speed * PACE_TOLERANCE:
            _LOGGER.warning(
                "the market's clock runs about %.0f times real time, not %d (--speed): the "
                "households follow the market's time, but tick %s",
                pace,
                self.speed,
                "too rarely" if pace > self.speed else "more often than needed",
            )
        return pace


@dataclass(frozen=True, slots=True)
class TickReport:
    """What happened on one tick."""

    requests: int
    kwh: float
    cancelled: int
    errors: int
    deliveries: int = 0  # delivery reports sent (new or changed figures)
    market_time: datetime | None = None  # the market's clock at the start of the tick
    cut: int = 0  # open offers cut to a fallen delivery record


@dataclass(slots=True)
class Member:
    """A joined household and what the server told it about itself."""

    house: SimulatedHousehold
    http: MarketHttp
    efficiency: float
    max_sell_kwh: float | None
    unreliable: bool = False
    # The market day up to which (exclusive) the house has reported its deliveries.
    reported_before: date | None = None
    # The community's settings (GET /api/v1/me): may reserves charge from the grid, and does
    # the server take the energy figures (shared_kwh, grid_kwh) of issue 22's contract?
    grid_charging: bool = False
    energy_fields: bool = False
    # GET /api/v1/me's community settings, for the agent's preferences.
    community: dict[str, Any] = field(default_factory=dict)
    # The offers the agent sized, by request id: the own delivery record they were sized with
    # (None: not limited by one), as the integration's book keeps it.
    sized_with: dict[str, float | None] = field(default_factory=dict)

    @property
    def street_house(self) -> metering.StreetHouse:
        """What the street's physics needs of this member."""
        return metering.StreetHouse(self.house.profile, self.unreliable, self.efficiency)


async def _membership_valid(session: aiohttp.ClientSession, url: str, member: Membership) -> bool:
    try:
        await MarketHttp(session, url, member.token).call("GET", "/api/v1/me")
    except MarketCallError as err:
        if err.status in (401, 403, 404):
            return False
        raise
    return True


async def join_all(session: aiohttp.ClientSession, config: SimulationConfig) -> list[Member]:
    """Join the configured number of households, reusing those of earlier runs."""
    known = roster.load(config.roster_path)
    members: list[Member] = []
    for profile in household_profiles(config.households, config.seed):
        membership = known.get(profile.name)
        if membership is None or not await _membership_valid(session, config.url, membership):
            # The operator's sell cap is the declared usable battery (none for a flat).
            usable = round(profile.battery_kwh * 0.9, 1)
            membership = await add_and_join(
                session, config.url, config.operator_token, profile.name, usable
            )
            known[profile.name] = membership
            roster.save(config.roster_path, known)
            _LOGGER.info("%s joined as %s", profile.name, membership.household_id)
        http = MarketHttp(session, config.url, membership.token)
        me = await http.call("GET", "/api/v1/me")
        house = SimulatedHousehold(profile, membership.household_id, membership.token)
        members.append(
            Member(
                house=house,
                http=http,
                efficiency=float(me["community"]["efficiency"]),
                max_sell_kwh=me["limits"].get("max_sell_kwh_per_day"),
                unreliable=metering.is_unreliable(profile, config.unreliable_share),
                grid_charging=bool(me["community"].get("grid_charging", False)),
                energy_fields="energy_price" in me["community"],
                community=dict(me["community"]),
            )
        )
    return members


def _days(market: dict[str, Any]) -> tuple[list[date], list[date]]:
    open_days: list[date] = []
    closed: list[date] = []
    for item in market["days"]:
        day = date.fromisoformat(item["day"])
        (open_days if item["open"] else closed).append(day)
    return sorted(open_days), closed


async def _act(
    member: Member, rng: random.Random, today: date, market: dict[str, Any], *, eager: bool
) -> TickReport:
    open_days, closed = _days(market)
    house = member.house
    cancelled = 0
    if rng.random() < CANCEL_CHANCE:
        listing = await member.http.call("GET", "/api/v1/requests")
        live = [r for r in listing["requests"] if r["status"] == "open"]
        if live:
            await member.http.call("DELETE", f"/api/v1/requests/{rng.choice(live)['request_id']}")
            cancelled = 1
    # A battery house's own delivery record (GET /me), which its agent sizes new offers by and,
    # on every look like the integration's watcher, cuts its open offers to.
    own_delivery = (
        (await member.http.call("GET", "/api/v1/me")).get("delivery")
        if house.battery is not None
        else None
    )
    cut = await _cut_to_record(member, own_delivery, open_days)
    if not eager and rng.random() >= house.temperament.activity:
        return TickReport(0, 0.0, cancelled, 0, cut=cut)
    requests, kwh = 0, 0.0
    wishes = house.wishes(today, open_days)
    for event in wishes:
        # Read the orders again for each wish: the previous one may have added some.
        listing = await member.http.call("GET", "/api/v1/orders", params={"status": HOLDING})
        prefs = house.preferences(
            member.efficiency,
            member.max_sell_kwh,
            today=today,
            community=member.community,
            delivery=market.get("delivery"),
            own_delivery=own_delivery,
        )
        plan = house.plan(event, today, listing["orders"], closed, prefs)
        if plan is None or not plan.trade_days:
            continue
        body = request_body(plan, event.reason or ("evenings" if plan.side == "buy" else "spare"))
        created = await member.http.call("POST", "/api/v1/requests", json=body)
        if plan.side == "sell" and event.kwh_per_day is None:
            member.sized_with[created["request_id"]] = plan.energy.delivered_share
        total = sum(body["volumes"].values())
        _LOGGER.info(
            "%s %s %.1f kWh over %d day(s) from %s, limit %.3f EUR/kWh (%s)",
            house.profile.name,
            "buys" if plan.side == "buy" else "offers",
            total,
            len(body["volumes"]),
            min(body["volumes"]),
            plan.limit_price,
            body["note"],
        )
        requests += 1
        kwh += total
    return TickReport(requests, kwh, cancelled, 0, cut=cut)


def _order_state(order: dict[str, Any]) -> OrderState:
    """A wire order (GET /api/v1/orders) as the agent's plain order state."""
    return OrderState(
        order_id=str(order["order_id"]),
        day=date.fromisoformat(str(order["day"])),
        volume_kwh=float(order["volume_kwh"]),
        limit_price=float(order["limit_price"]),
        status=str(order["status"]),
        filled_kwh=float(order.get("filled_kwh") or 0.0),
        avg_price=None if order.get("avg_price") is None else float(order["avg_price"]),
    )


async def _cut_to_record(
    member: Member, own_delivery: dict[str, Any] | None, open_days: list[date]
) -> int:
    """Cut the agent's open offers to what the house's own delivery record now supports, as the
    integration's watcher does (``record_supported_kwh``): each day's remainder is cancelled
    and what the days keep is placed again as one request at the same price -> offers cut."""
    record = (own_delivery or {}).get("delivered_per_kwh_sold")
    if record is None or record >= 1.0 or not member.sized_with:
        return 0
    listing = await member.http.call("GET", "/api/v1/orders", params={"status": OPEN})
    by_request: dict[str, list[dict[str, Any]]] = {}
    for order in listing["orders"]:
        if order["side"] == "sell":
            by_request.setdefault(str(order["request_id"]), []).append(order)
    # Requests with nothing left open are done with.
    member.sized_with = {
        rid: sized for rid, sized in member.sized_with.items() if rid in by_request
    }
    cut = 0
    for request_id, sized in list(member.sized_with.items()):
        orders = by_request[request_id]
        kept = record_supported_kwh(
            [_order_state(o) for o in orders],
            sized_with=sized,
            record=float(record),
            open_days=set(open_days),
        )
        if not kept:
            continue
        again: dict[str, float] = {}
        for order in orders:
            if order["order_id"] not in kept:
                continue
            await member.http.call("DELETE", f"/api/v1/orders/{order['order_id']}")
            rest = round(kept[order["order_id"]] - float(order.get("filled_kwh") or 0.0), 1)
            if rest > 0:
                again[str(order["day"])] = rest
        cut += 1
        if not again:
            continue
        created = await member.http.call(
            "POST",
            "/api/v1/requests",
            json={
                "side": "sell",
                "volumes": again,
                "limit_price": float(orders[0]["limit_price"]),
                "client_request_id": str(uuid.uuid4()),
                "note": "cut to record",
            },
        )
        member.sized_with[created["request_id"]] = float(record)
    return cut


def market_time(market: dict[str, Any]) -> datetime:
    """The market's time of a GET /api/v1/market answer (aware, in the community's zone)."""
    return datetime.fromisoformat(market["generated_at"])


async def tick(
    members: list[Member],
    rng: random.Random,
    *,
    eager: bool = False,
    pace: MarketPace | None = None,
    today: date | None = None,
) -> TickReport:
    """One round of life: every household may top up its orders (all of them when ``eager``).

    ``today`` is the households' date (default: the market's); a simulated month passes one.
    """
    if not members:
        return TickReport(0, 0.0, 0, 0)
    market = await members[0].http.call("GET", "/api/v1/market")
    # Everything follows the market's clock, not this machine's: it may be sped up or shifted.
    now = market_time(market)
    if pace is not None:
        pace.observe(now)
    today = today or now.astimezone(TIMEZONE).date()
    # Deliveries follow the market's calendar (the community's time zone).
    market_today = now.date()
    requests, kwh, cancelled, errors, deliveries, cut = 0, 0.0, 0, 0, 0, 0
    try:
        deliveries = await _report(members, market_today)
    except MarketCallError as err:
        _LOGGER.info("the market refused a delivery report: %s", err)
        errors += 1
    for member in rng.sample(members, len(members)):
        try:
            report = await _act(member, rng, today, market, eager=eager)
        except MarketCallError as err:
            # A refused order (a limit, a gate that just closed) is part of market life.
            _LOGGER.info("%s: the market refused: %s", member.house.profile.name, err)
            errors += 1
            continue
        requests += report.requests
        kwh += report.kwh
        cancelled += report.cancelled
        cut += report.cut
    return TickReport(requests, round(kwh, 1), cancelled, errors, deliveries, now, cut=cut)


async def _report(members: list[Member], market_today: date) -> int:
    """Once per market day: the street reports what it delivered and used on its ended days."""
    if all(member.reported_before == market_today for member in members):
        return 0
    sent = await metering.report_street(
        [(member.http, member.street_house) for member in members],
        market_today,
        grid_charging=members[0].grid_charging,
        energy_fields=members[0].energy_fields,
    )
    for member in members:
        member.reported_before = market_today
    return sum(sent)


async def run(config: SimulationConfig) -> list[TickReport]:
    """Join, then tick until cancelled (or ``config.ticks`` ticks); returns the tick reports."""
    rng = random.Random(config.seed)
    pace = MarketPace(config.speed)
    reports: list[TickReport] = []
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        members = await join_all(session, config)
        _LOGGER.info("%d households are trading", len(members))
        number = 0
        while config.ticks is None or number < config.ticks:
            try:
                # The first tick fills the book at once, so a fresh market has prices and
                # counterparties within seconds.
                report = await tick(members, rng, eager=number == 0, pace=pace)
            except (aiohttp.ClientError, TimeoutError, MarketCallError) as err:
                _LOGGER.warning("tick failed, trying again next tick: %s", err)
                report = TickReport(0, 0.0, 0, 1)
            reports.append(report)
            _LOGGER.info(
                "tick %d (market time %s): %d new request(s), %.1f kWh, %d cancelled, "
                "%d refused, %d delivery report(s)",
                number,
                "-" if report.market_time is None else f"{report.market_time:%Y-%m-%d %H:%M}",
                report.requests,
                report.kwh,
                report.cancelled,
                report.errors,
                report.deliveries,
            )
            number += 1
            if config.ticks is None or number < config.ticks:
                await asyncio.sleep(config.tick_real_s())
    return reports
