"""Settlement by delivered kWh: a seller earns what it delivered, its shortfall goes back to the
day's buyers pro rata, unreported sellers count as delivered once the report deadline passes,
and the ledger stays balanced to the tick (also over many random books)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from market_server.errors import SettingsError
from market_server.http.contract import parse_request
from market_server.ledger import deliveries
from market_server.ledger.payouts import (
    EnergyClaims,
    apportion,
    day_payouts,
    energy_money,
)
from market_server.market import community, households, orders
from market_server.market.gate import day_end, open_days
from market_server.market.settings import CommunitySettings
from market_server.market.units import MONEY_TICKS_PER_EUR, WH_PER_VOLUME_TICK, money_eur
from market_server.process.runtime import MarketRuntime
from market_server.process.scheduler import Scheduler
from market_server.storage import store as db
from market_server.storage.auth import household_for_token
from market_server.storage.store import Store
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.waiting import async_wait_until

PATH = "/api/v1/deliveries"
_SOCKETS = pytest.mark.usefixtures("socket_enabled")


@dataclass
class Book:
    sellers: dict[str, str]  # name -> token
    buyers: dict[str, str]
    day: date
    price: float  # the day's clearing price, EUR/kWh


async def _book(market: RunningMarket, clock: MutableClock) -> Book:
    """Sellers A and B sell 10 kWh each, buyers X and Y buy 12 and 8 kWh of one day, cleared in
    one round (one price, one fill per order; the market runs without clear_on_submit); the
    clock then stands an hour after the end of that day (before the report deadline)."""
    day = market.first_open_day()
    sellers = {name: (await market.join_household(name))[1] for name in ("A", "B")}
    buyers = {name: (await market.join_household(name))[1] for name in ("X", "Y")}
    for token in sellers.values():
        await market.place(token, "sell", day, 1, 10.0, 0.05)
    for name, kwh in (("X", 12.0), ("Y", 8.0)):
        await market.place(buyers[name], "buy", day, 1, kwh, 0.08)
    assert (await market.clear())["fills"] == 4
    fills = (await market.get("/api/v1/fills", buyers["X"]))["fills"]
    assert sum(f["volume_kwh"] for f in fills) == 12.0
    clock.set(day_end(day, market.settings) + timedelta(hours=1))
    return Book(sellers, buyers, day, fills[0]["price"])


async def _report(market: RunningMarket, token: str, day: date, side: str, kwh: float) -> None:
    body = {"day": day.isoformat(), "side": side, "kwh": kwh}
    status, answer = await market.request("POST", PATH, token=token, json=body)
    assert status == 201, answer


def _ledger_ticks(market: RunningMarket) -> tuple[int, int, int]:
    """(sum of all money -- capacity, shared and own-credit energy --, sum of refunds, entries)
    straight from the database: the first is 0 when paid = earned + refunds, to the tick."""
    led = db.ledger
    money = (
        led.c.amount_ticks
        + sa.func.coalesce(led.c.energy_ticks, 0)
        + sa.func.coalesce(led.c.own_credit_ticks, 0)
    )
    with market.runtime.store.read() as conn:
        row = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(money), 0),
                sa.func.coalesce(sa.func.sum(led.c.refund_ticks), 0),
                sa.func.count(),
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _eur(ticks: float) -> float:
    """Money ticks as the server shows EUR (cents, half up); `ticks` a whole number here."""
    assert ticks == int(ticks)
    return money_eur(int(ticks))


@pytest.mark.market(clear_on_submit=False)
async def test_shortfall_is_refunded_to_buyers_pro_rata(
    market: RunningMarket, clock: MutableClock
) -> None:
    book = await _book(market, clock)
    price_ticks = round(book.price * 1000)
    await _report(market, book.sellers["A"], book.day, "sell", 5.0)
    await _report(market, book.sellers["B"], book.day, "sell", 10.0)
    await _report(market, book.buyers["X"], book.day, "buy", 3.0)  # unused capacity
    # Y has not reported: the day waits for it (its shared energy would count).
    assert (await market.settle())["pending_days"] == 1
    await _report(market, book.buyers["Y"], book.day, "buy", 0.0)
    # Every seller and buyer reported: the day settles before its deadline.
    summary = await market.settle()
    assert (summary["entries"], summary["pending_days"]) == (4, 0)
    shortfall = 50 * price_ticks  # 5 kWh = 50 volume ticks not delivered by A
    assert summary["refunds_eur"] == _eur(shortfall)
    assert summary["earned_eur"] == summary["paid_eur"] == _eur(150 * price_ticks)
    assert (await market.settle())["entries"] == 0  # never twice

    total, refunds, _ = _ledger_ticks(market)
    assert (total, refunds) == (0, shortfall)  # balanced to the tick

    a = await market.get("/api/v1/settlements", book.sellers["A"])
    assert [e["delivered_kwh"] for e in a["settlements"]] == [5.0]
    assert a["totals"]["earned_eur"] == _eur(50 * price_ticks)
    b = await market.get("/api/v1/settlements", book.sellers["B"])
    assert b["totals"]["earned_eur"] == _eur(100 * price_ticks)
    x = await market.get("/api/v1/settlements", book.buyers["X"])
    # X bought 12 of 20 kWh: 60 % of the shortfall; its unused capacity is still paid.
    assert x["totals"]["refunds_eur"] == _eur(shortfall * 12 / 20)
    assert x["totals"]["paid_eur"] == _eur(120 * price_ticks - shortfall * 12 / 20)
    assert {e["side"] for e in x["settlements"]} == {"buy"}
    assert all(e["delivered_kwh"] is None for e in x["settlements"])
    y = await market.get("/api/v1/settlements", book.buyers["Y"])
    assert y["totals"]["refunds_eur"] == _eur(shortfall * 8 / 20)

    overview = await market.get("/api/v1/operator/overview", market.operator_token)
    day = next(d for d in overview["days"] if d["day"] == book.day.isoformat())
    assert day["delivery"] == {
        "sold_kwh": 20.0,
        "reported_sold_kwh": 20.0,
        "delivered_kwh": 15.0,
        "ratio": 0.75,
        "unreported_sellers": 0,
        "settled": True,
        "refunds_eur": _eur(shortfall),
        "bought_kwh": 20.0,
        "unreported_buyers": 0,
        "shared_claimed_kwh": 0.0,
        "energy_kwh": 0.0,
        "energy_eur": 0.0,
        # X used 3 kWh of its own credit: EUR 0.078 each, paid to A and B.
        "own_credit_kwh": 3.0,
        "own_credit_eur": _eur(3000 * 78 // 100),
        "late_reports": 0,
    }
    ratios = {h["name"]: h["ratio"] for h in overview["deliveries"]["households"]}
    assert ratios == {"A": 0.5, "B": 1.0}

    status, text = await market.request(
        "GET", "/api/v1/operator/export?format=csv", token=market.operator_token
    )
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    delivered = {r["household_name"]: r["delivered_kwh"] for r in rows if r["side"] == "sell"}
    assert delivered == {"A": "5.0", "B": "10.0"}
    refunded = {r["household_name"]: float(r["refund_eur"]) for r in rows if r["side"] == "buy"}
    assert sum(refunded.values()) == pytest.approx(shortfall / MONEY_TICKS_PER_EUR)
    assert refunded["X"] > refunded["Y"] > 0
    assert sum(float(r["amount_eur"]) for r in rows) == pytest.approx(0.0)


@pytest.mark.market(clear_on_submit=False)
async def test_unreported_seller_counts_as_delivered_after_the_deadline(
    market: RunningMarket, clock: MutableClock
) -> None:
    book = await _book(market, clock)
    price_ticks = round(book.price * 1000)
    await _report(market, book.sellers["A"], book.day, "sell", 7.5)
    waiting = await market.settle()
    deadline = day_end(book.day, market.settings) + timedelta(hours=12)
    assert (waiting["entries"], waiting["pending_days"]) == (0, 1)
    assert waiting["next_deadline"] == deadline.isoformat()
    overview = await market.get("/api/v1/operator/overview", market.operator_token)
    day = next(d for d in overview["days"] if d["day"] == book.day.isoformat())
    assert day["delivery"]["unreported_sellers"] == 1
    assert (day["delivery"]["ratio"], day["delivery"]["settled"]) == (0.75, False)

    clock.set(deadline - timedelta(seconds=1))
    assert (await market.settle())["entries"] == 0
    clock.set(deadline)
    settled = await market.settle()
    assert settled["entries"] == 4
    assert settled["refunds_eur"] == _eur(25 * price_ticks)  # A: 2.5 kWh short
    b = await market.get("/api/v1/settlements", book.sellers["B"])
    assert [e["delivered_kwh"] for e in b["settlements"]] == [10.0]  # unreported: in full
    assert (await market.settle())["entries"] == 0
    # B's first report after settlement is kept for the record; the money stands.
    late = {"day": book.day.isoformat(), "side": "sell", "kwh": 1.0}
    status, kept = await market.request("POST", PATH, token=book.sellers["B"], json=late)
    assert (status, kept["late"], kept["settled"], kept["kwh"]) == (201, True, True, 1.0)
    status, err = await market.request(
        "POST", PATH, token=book.sellers["B"], json={**late, "kwh": 2.0}
    )
    assert (status, err["error"]) == (409, "already_settled")
    assert _ledger_ticks(market)[:2] == (0, 25 * price_ticks)
    b = await market.get("/api/v1/settlements", book.sellers["B"])
    assert [e["delivered_kwh"] for e in b["settlements"]] == [10.0]
    overview = await market.get("/api/v1/operator/overview", market.operator_token)
    day = next(d for d in overview["days"] if d["day"] == book.day.isoformat())
    assert (day["delivery"]["late_reports"], day["delivery"]["unreported_sellers"]) == (1, 1)


@_SOCKETS
async def test_report_hours_setting(
    tmp_path: Path, clock: MutableClock, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad in (-1, 169, True, 1.5):
        with pytest.raises(SettingsError, match="delivery report hours"):
            CommunitySettings(delivery_report_hours=bad).check()  # type: ignore[arg-type]
    async with running_market(
        tmp_path, clock=clock, clear_on_submit=False, delivery_report_hours=0
    ) as market:
        book = await _book(market, clock)
        # No deadline to wait for: nobody reported, everything settles as delivered in full.
        settled = await market.settle()
        assert (settled["entries"], settled["refunds_eur"], settled["pending_days"]) == (4, 0, 0)
        me = await market.get("/api/v1/me", book.buyers["X"])
        assert me["community"]["delivery_report_hours"] == 0

    from market_server.cli import main

    path = str(tmp_path / "cli.db")
    assert main(["init", "--db", path, "--delivery-report-hours", "6", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["delivery_report_hours"] == 6
    assert main(["init", "--db", path]) == 0
    assert "delivery_report_hours      6" in capsys.readouterr().out


# -- the arithmetic over many random books ----------------------------------------------------


@dataclass(frozen=True)
class F:
    id: str
    household_id: str
    side: str
    volume_ticks: int
    price_ticks: int


Book_ = tuple[list[F], dict[str, int], EnergyClaims]


@st.composite
def books(draw: st.DrawFn, one_price: bool) -> Book_:
    """A day's fills (sellers s0.., buyers b0..), some sellers' reports in Wh, and some buyers'
    reports with their shared energy claims (the rest of what they used is own credit) at a
    random energy price and feed-in price.

    With `one_price` the book is a pay-as-clear day: every fill at one price, bought = sold.
    """
    price = draw(st.integers(1, 1000))
    fills: list[F] = []
    sold = 0
    for s in range(draw(st.integers(1, 6))):
        for _ in range(draw(st.integers(1, 3))):
            volume = draw(st.integers(1, 1000))
            sold += volume
            p = price if one_price else draw(st.integers(0, 1000))
            fills.append(F(f"f{len(fills)}", f"s{s}", "sell", volume, p))
    buyers = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(0, sold), min_size=buyers - 1, max_size=buyers - 1)))
    volumes = [b - a for a, b in zip([0, *cuts], [*cuts, sold], strict=True)]
    if not one_price:
        volumes = [draw(st.integers(1, 1000)) for _ in range(buyers)]
    for b, volume in enumerate(volumes):
        if volume:
            p = price if one_price else draw(st.integers(0, 1000))
            fills.append(F(f"f{len(fills)}", f"b{b}", "buy", volume, p))
    draw(st.randoms()).shuffle(fills)
    sellers = sorted({f.household_id for f in fills if f.side == "sell"})
    reports = {
        s: draw(st.integers(0, 120_000))
        for s in sellers
        if draw(st.booleans())  # some sellers do not report
    }
    used: dict[str, int] = {}
    shared: dict[str, int] = {}
    for buyer in sorted({f.household_id for f in fills if f.side == "buy"}):
        if draw(st.booleans()):  # some buyers do not report
            bought_wh = sum(f.volume_ticks for f in fills if f.household_id == buyer) * 100
            used[buyer] = draw(st.integers(0, bought_wh))
            shared[buyer] = draw(st.integers(0, used[buyer]))
    price = draw(st.sampled_from([0, 1, 120, 1000]) | st.integers(0, 1000))
    feed_in_price = draw(st.sampled_from([0, 1, 78, 1000]) | st.integers(0, 1000))
    return fills, reports, EnergyClaims(used, shared, price, feed_in_price)


def _check_energy(
    fills: list[F], pays: list[Any], reports: dict[str, int], e: EnergyClaims
) -> None:
    """Shared energy: exactly the spec's B, no buyer billed beyond its claim or charged beyond
    claim x price, no seller paid beyond delivered x price, paid == earned to the tick. Own
    credit the same way at the feed-in price: exactly O, the delivered energy shared by the two
    kinds never beyond what was delivered."""
    by_household: dict[str, list[Any]] = defaultdict(list)
    for f, p in zip(fills, pays, strict=True):
        by_household[f.household_id].append((f, p))
    sellers = {h for h, items in by_household.items() if items[0][0].side == "sell"}
    buyers = set(by_household) - sellers
    delivered = {h: sum(p.delivered_wh or 0 for _, p in by_household[h]) for h in sellers}
    own = {h: e.used_wh[h] - e.shared_wh[h] if h in e.used_wh else 0 for h in buyers}
    claims = {h: e.shared_wh.get(h, 0) if h in e.used_wh else 0 for h in buyers}
    expected_own = min(sum(delivered.values()), sum(own.values()))
    expected_billed = min(sum(delivered.values()) - expected_own, sum(claims.values()))
    for wh_of, ticks_of, weights, total, price in (
        (
            attrgetter("energy_wh"),
            attrgetter("energy_ticks"),
            claims,
            expected_billed,
            e.price_ticks,
        ),
        (
            attrgetter("own_credit_wh"),
            attrgetter("own_credit_ticks"),
            own,
            expected_own,
            e.own_credit_price_ticks,
        ),
    ):
        billed = {h: sum(wh_of(p) for _, p in by_household[h]) for h in buyers}
        paid = {h: -sum(ticks_of(p) for _, p in by_household[h]) for h in buyers}
        sold = {h: sum(wh_of(p) for _, p in by_household[h]) for h in sellers}
        earned = {h: sum(ticks_of(p) for _, p in by_household[h]) for h in sellers}
        assert sum(billed.values()) == total == sum(sold.values())
        assert sum(paid.values()) == sum(earned.values())  # energy balances to the tick
        for h in buyers:
            assert 0 <= billed[h] <= weights[h]
            assert 0 <= paid[h] == energy_money(billed[h], price)
            assert paid[h] * 100 <= weights[h] * price  # never above claim x price
        for h in sellers:
            assert 0 <= sold[h] <= delivered[h]
            # Never beyond delivered x price (to the tick the split may round up).
            assert 0 <= earned[h] <= -(-delivered[h] * price // 100)
        for f, p in zip(fills, pays, strict=True):
            assert (ticks_of(p) <= 0) if f.side == "buy" else (ticks_of(p) >= 0)
    for h in sellers:  # a delivered kWh is sold once: as own credit or as shared energy
        assert sum(p.energy_wh + p.own_credit_wh for _, p in by_household[h]) <= delivered[h]


def _check_book(
    fills: list[F], reports: dict[str, int], energy: EnergyClaims, one_price: bool
) -> None:
    pays = day_payouts(fills, reports, energy)
    _check_energy(fills, pays, reports, energy)
    assert [p.fill_id for p in pays] == [f.id for f in fills]
    value = {f.id: f.volume_ticks * f.price_ticks for f in fills}
    sell_value = sum(v for f in fills if f.side == "sell" for v in [value[f.id]])
    buy_value = sum(v for f in fills if f.side == "buy" for v in [value[f.id]])
    earned = sum(p.amount_ticks for p in pays if p.side == "sell")
    refunds = sum(p.refund_ticks for p in pays)
    # Money is conserved to the tick: what sellers do not earn goes back to buyers.
    assert refunds == sell_value - earned
    assert sum(p.amount_ticks for p in pays) == sell_value - buy_value
    if one_price:
        assert sum(p.amount_ticks for p in pays) == 0  # paid == earned
        # Paid = earned + refunds, to the tick, energy (shared and own credit) included.
        assert sum(p.amount_ticks + p.energy_ticks + p.own_credit_ticks for p in pays) == 0
    per_seller: dict[str, list[tuple[F, Any]]] = defaultdict(list)
    for f, p in zip(fills, pays, strict=True):
        if f.side == "sell":
            assert 0 <= p.amount_ticks <= value[f.id]
            assert p.delivered_wh is not None
            assert 0 <= p.delivered_wh <= f.volume_ticks * WH_PER_VOLUME_TICK
            assert p.refund_ticks == 0
            per_seller[f.household_id].append((f, p))
        else:
            assert p.refund_ticks >= 0
            assert p.amount_ticks == -value[f.id] + p.refund_ticks
            assert p.delivered_wh is None
    for seller, items in per_seller.items():
        filled_wh = sum(f.volume_ticks for f, _ in items) * WH_PER_VOLUME_TICK
        delivered = sum(p.delivered_wh or 0 for _, p in items)
        got = sum(p.amount_ticks for _, p in items)
        full = sum(value[f.id] for f, _ in items)
        if seller not in reports:
            assert (delivered, got) == (filled_wh, full)
        else:
            assert delivered == min(reports[seller], filled_wh)
            assert got == full * delivered // filled_wh  # floor: the remainder is refunded
    # Refunds follow filled kWh: each within one tick of its exact share.
    buys = [(f, p) for f, p in zip(fills, pays, strict=True) if f.side == "buy"]
    bought = sum(f.volume_ticks for f, _ in buys)
    for f, p in buys:
        assert abs(p.refund_ticks - refunds * f.volume_ticks / bought) < 1
        if one_price:
            assert p.refund_ticks <= value[f.id]


@settings(max_examples=400, deadline=None, database=None)
@given(book=books(one_price=True))
def test_random_pay_as_clear_books_balance_to_the_tick(book: Book_) -> None:
    _check_book(*book, one_price=True)


@settings(max_examples=200, deadline=None, database=None)
@given(book=books(one_price=False))
def test_random_books_at_any_prices_lose_no_tick(book: Book_) -> None:
    _check_book(*book, one_price=False)


@given(total=st.integers(0, 10**12), weights=st.lists(st.integers(0, 10**6), max_size=30))
def test_apportion_is_exact(total: int, weights: list[int]) -> None:
    parts = apportion(total, weights)
    assert len(parts) == len(weights)
    if sum(weights):
        assert sum(parts) == total
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / sum(weights)) < 1 + 1e-9 * total
    else:
        assert parts == [0] * len(weights)


# -- the scheduler ------------------------------------------------------------------------------


async def test_scheduler_settles_a_waiting_day_when_its_last_household_reports(
    tmp_path: Path, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Not once a day: a day waiting for reports is tried again on every pass."""
    caplog.set_level(logging.INFO, logger="market_server.process.scheduler")
    store = Store(tmp_path / "m.db")
    settings, _ = community.initialise(
        store, clock(), {"clear_on_submit": False, "round_interval_s": 3600}, issue_token=False
    )
    day = open_days(clock(), settings)[0]
    with store.write() as conn:
        members = []
        for name, side in (("Seller", "sell"), ("Buyer", "buy")):
            code = households.add(conn, settings, clock(), name)
            token = households.redeem(conn, clock(), code.join_code, None)[1]
            members.append(household_for_token(conn, token))
            spec = parse_request(
                {"side": side, "volumes": {day.isoformat(): 5.0}, "limit_price": 0.05}, settings
            )
            orders.submit(conn, settings, members[-1], spec, clock())
    runtime = MarketRuntime(store, clock)
    scheduler = Scheduler(runtime)

    def count(table: sa.Table) -> int:
        with store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)

    def entries() -> int:
        return count(db.ledger)

    scheduler.start()
    try:
        await async_wait_until(lambda: count(db.fills) == 2, "the scheduler cleared at start")
        clock.set(day_end(day, settings) + timedelta(hours=1))
        scheduler.wake()
        await async_wait_until(
            lambda: "wait for delivery reports of sellers and buyers" in caplog.text,
            "the scheduler saw the day wait for reports",
        )
        assert entries() == 0
        for member, side in ((members[0], "sell"), (members[1], "buy")):
            with store.write() as conn:
                store.lock_rounds(conn)
                report = deliveries.Report(day, side, 4_000, None, None)  # type: ignore[arg-type]
                deliveries.record(conn, settings, member.id, report, clock())
        scheduler.wake()  # the next pass, as the scheduler makes one at least every minute
        await async_wait_until(lambda: entries() == 2, "the scheduler settled the reported day")
    finally:
        await scheduler.stop()
        await runtime.close()


@_SOCKETS
async def test_cli_settle_says_what_waits_and_what_was_refunded(
    tmp_path: Path, clock: MutableClock, capsys: pytest.CaptureFixture[str]
) -> None:
    from market_server.cli import main

    async with running_market(tmp_path, clock=clock, clear_on_submit=False) as market:
        book = await _book(market, clock)
        await _report(market, book.sellers["A"], book.day, "sell", 5.0)
        now = clock.now.isoformat()
        args = ["settle", "--db", market.db_url, "--now", now]
        assert await market.runtime.run(main, args) == 0
        out = capsys.readouterr().out
        assert "settled 0 fills" in out
        assert "1 delivery day(s) wait for delivery reports of sellers and buyers" in out
        await _report(market, book.sellers["B"], book.day, "sell", 10.0)
        for buyer in book.buyers.values():
            await _report(market, buyer, book.day, "buy", 4.0)
        assert await market.runtime.run(main, args) == 0
        out = capsys.readouterr().out
        assert "settled 4 fills" in out
        refunded = _eur(50 * round(book.price * 1000))  # A: 5 of 10 kWh short
        assert f"(after EUR {refunded:.2f} refunded for undelivered capacity)" in out
        assert "wait for" not in out
