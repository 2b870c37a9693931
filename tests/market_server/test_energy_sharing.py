"""Energy sharing through a real server (issue 22): the community's energy price, feed-in price
and grid charging (init, the operator API, /me), shared and grid energy in delivery reports,
shared and own-credit energy settled beside the capacity (ledger, totals, export, overview),
the market's delivery figures, and a buyer whose report comes after its sellers' still settled
with its energy."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from market_server.cli import main
from market_server.market.gate import day_end
from market_server.market.units import money_eur
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.test_settlement_delivery import _book, _ledger_ticks

pytestmark = pytest.mark.usefixtures("socket_enabled")
PATH = "/api/v1/deliveries"


async def test_energy_settings_through_the_operator_api(
    market: RunningMarket, clock: MutableClock
) -> None:
    op = market.operator_token
    _, token = await market.join_household("Miller")
    community = (await market.get("/api/v1/me", token))["community"]
    assert (community["energy_price"], community["grid_charging"]) == (0.12, False)
    assert community["feed_in_price"] == 0.078
    settings_path = "/api/v1/operator/settings"
    status, changed = await market.request(
        "POST", settings_path, token=op, json={"energy_price": 0.15, "grid_charging": True}
    )
    assert status == 200, changed
    assert (changed["energy_price"], changed["grid_charging"]) == (0.15, True)
    assert changed["gate_closure"] == "18:00"  # the rest as it was
    community = (await market.get("/api/v1/me", token))["community"]
    assert (community["energy_price"], community["grid_charging"]) == (0.15, True)
    # One of the two alone leaves the other; null leaves it too.
    status, changed = await market.request(
        "POST", settings_path, token=op, json={"grid_charging": False, "energy_price": None}
    )
    assert (status, changed["energy_price"], changed["grid_charging"]) == (200, 0.15, False)
    for field in ("energy_price", "feed_in_price"):
        for bad in (-0.001, 1.001, 0.0005, 1e300, True, "0.1"):
            status, err = await market.request("POST", settings_path, token=op, json={field: bad})
            assert (status, err["field"]) == (400, field), (bad, err)
    status, changed = await market.request(
        "POST", settings_path, token=op, json={"feed_in_price": 0.082}
    )
    assert (status, changed["feed_in_price"], changed["energy_price"]) == (200, 0.082, 0.15)
    community = (await market.get("/api/v1/me", token))["community"]
    assert community["feed_in_price"] == 0.082
    # A member's token may not change them; nothing changed.
    status, _ = await market.request("POST", settings_path, token=token, json={"energy_price": 0.5})
    assert status == 403
    now = await market.get(settings_path, op)
    assert (now["energy_price"], now["grid_charging"], now["feed_in_price"]) == (
        0.15,
        False,
        0.082,
    )


def test_energy_settings_through_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "cli.db")
    assert main(["init", "--db", path, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["settings"]
    assert (first["energy_price"], first["grid_charging"], first["feed_in_price"]) == (
        0.12,
        False,
        0.078,
    )
    assert (
        main(
            [
                *("init", "--db", path, "--energy-price", "0.2", "--grid-charging"),
                *("--feed-in-price", "0.08", "--json"),
            ]
        )
        == 0
    )
    changed = json.loads(capsys.readouterr().out)["settings"]
    assert (changed["energy_price"], changed["grid_charging"], changed["feed_in_price"]) == (
        0.2,
        True,
        0.08,
    )
    for flag, label in (("--energy-price", "energy price"), ("--feed-in-price", "feed-in price")):
        for bad in ("-0.1", "nan", "1.5", "0.1234", "inf"):
            assert main(["init", "--db", path, flag, bad]) == 2, bad
            err = capsys.readouterr().err
            assert f"{label} must be a number of EUR/kWh from 0 to 1" in err, err
    assert main(["init", "--db", path, "--no-grid-charging"]) == 0
    out = capsys.readouterr().out
    assert "energy_price               0.2" in out  # kept through the refused changes
    assert "feed_in_price              0.08" in out
    assert "grid_charging              False" in out


async def test_grid_energy_only_where_the_community_allows_it(
    tmp_path: Path, clock: MutableClock
) -> None:
    async with running_market(tmp_path, clock=clock, clear_on_submit=False) as market:
        book = await _book(market, clock)
        seller = book.sellers["A"]
        body = {"day": book.day.isoformat(), "side": "sell", "kwh": 8.0, "grid_kwh": 2.5}
        status, err = await market.request("POST", PATH, token=seller, json=body)
        assert (status, err["field"]) == (400, "grid_kwh")
        assert "grid_charging is off" in err["message"]
        assert (await market.get(PATH, seller))["deliveries"] == []
        status, _ = await market.request(
            "POST",
            "/api/v1/operator/settings",
            token=market.operator_token,
            json={"grid_charging": True},
        )
        assert status == 200
        status, kept = await market.request("POST", PATH, token=seller, json=body)
        assert status == 201, kept
        assert (kept["kwh"], kept["grid_kwh"], kept["shared_kwh"]) == (8.0, 2.5, None)
        # The grid part is part of the figures: another one is a correction.
        status, fixed = await market.request(
            "POST", PATH, token=seller, json={**body, "grid_kwh": 3.0}
        )
        assert (status, fixed["status"], fixed["grid_kwh"]) == (200, "corrected", 3.0)


@pytest.mark.market(clear_on_submit=False)
async def test_buyer_reporting_after_its_sellers_gets_its_energy_settled(
    market: RunningMarket, clock: MutableClock
) -> None:
    """Sellers A and B sold 10 kWh each, buyers X and Y bought 12 and 8 (test_settlement's
    book). A delivered 10 kWh, B 6. The sellers report first: the day waits for the buyers.
    X used 9 kWh, 6 of them shared; Y used 8, 7 shared. The delivered 16 kWh first hold the
    buyers' own credit, O = min(16, 3 + 1) = 4 kWh, billed 3:1 at the feed-in price EUR
    0.078/kWh. Available shared energy S = 16 - 4 = 12 kWh < the 13 claimed: billed 12 kWh, split
    6:7 (5.538 / 6.462 kWh) at EUR 0.12/kWh. The sellers earn both 10:6."""
    book = await _book(market, clock)
    x, y = book.buyers["X"], book.buyers["Y"]
    before = (await market.get("/api/v1/market", x))["delivery"]
    assert before == {
        "days": 0,
        "filled_per_kwh_sold": None,
        "shared_kwh_per_kwh_bought": None,
        "own_credit_kwh_per_kwh_bought": None,
    }
    day = book.day.isoformat()
    for name, kwh in (("A", 10.0), ("B", 6.0)):
        status, _ = await market.request(
            "POST",
            PATH,
            token=book.sellers[name],
            json={"day": day, "side": "sell", "kwh": kwh},
        )
        assert status == 201
    waiting = await market.settle()
    assert (waiting["entries"], waiting["pending_days"]) == (0, 1)
    overview = await market.get("/api/v1/operator/overview", market.operator_token)
    delivery = next(d for d in overview["days"] if d["day"] == day)["delivery"]
    assert (delivery["unreported_sellers"], delivery["unreported_buyers"]) == (0, 2)

    clock.advance(hours=2)  # the buyers report later, still before the deadline
    assert clock.now < day_end(book.day, market.settings) + timedelta(hours=12)
    for token, kwh, shared in ((x, 9.0, 6.0), (y, 8.0, 7.0)):
        body = {"day": day, "side": "buy", "kwh": kwh, "shared_kwh": shared}
        status, answer = await market.request("POST", PATH, token=token, json=body)
        assert status == 201, answer
        assert (answer["shared_kwh"], answer["late"], answer["settled"]) == (
            shared,
            False,
            False,
        )
    summary = await market.settle()
    assert (summary["entries"], summary["pending_days"]) == (4, 0)
    price_ticks = round(book.price * 1000)
    shortfall = 40 * price_ticks  # B: 4 kWh (40 volume ticks) short
    x_energy, y_energy = 5538 * 120 // 100, 6462 * 120 // 100  # Wh x price ticks / 100
    energy = x_energy + y_energy
    a_energy, b_energy = 8999, 5400  # 14399 split 10:6, the odd tick to the larger rest
    assert (x_energy, y_energy, a_energy + b_energy) == (6645, 7754, energy)
    x_own, y_own = 3000 * 78 // 100, 1000 * 78 // 100  # own credit at the feed-in price
    own = x_own + y_own
    a_own, b_own = 1950, 1170  # 3120 split 10:6
    assert (x_own, y_own, a_own + b_own) == (2340, 780, own)
    assert summary["energy_eur"] == money_eur(energy)
    assert summary["own_credit_eur"] == money_eur(own)
    assert summary["refunds_eur"] == money_eur(shortfall)
    # Paid = earned + refunds, to the tick, energy included.
    led_total, refunds, _ = _ledger_ticks(market)
    assert (led_total, refunds) == (0, shortfall)

    settlements = {
        name: await market.get("/api/v1/settlements", token)
        for name, token in (*book.sellers.items(), *book.buyers.items())
    }
    entry = {name: ledger["settlements"][0] for name, ledger in settlements.items()}
    assert (entry["X"]["energy_kwh"], entry["X"]["energy_eur"]) == (5.538, money_eur(-x_energy))
    assert (entry["Y"]["energy_kwh"], entry["Y"]["energy_eur"]) == (6.462, money_eur(-y_energy))
    assert (entry["A"]["energy_kwh"], entry["A"]["energy_eur"]) == (7.5, money_eur(a_energy))
    assert (entry["B"]["energy_kwh"], entry["B"]["energy_eur"]) == (4.5, money_eur(b_energy))
    own_credit = {name: (e["own_credit_kwh"], e["own_credit_eur"]) for name, e in entry.items()}
    assert own_credit == {
        "X": (3.0, money_eur(-x_own)),
        "Y": (1.0, money_eur(-y_own)),
        "A": (2.5, money_eur(a_own)),
        "B": (1.5, money_eur(b_own)),
    }
    # The buyer pays capacity + p_E x shared + feed-in price x own credit.
    x_totals = settlements["X"]["totals"]
    x_capacity = 120 * price_ticks - shortfall * 12 // 20
    assert x_totals == {
        "earned_eur": 0.0,
        "paid_eur": money_eur(x_capacity),
        "net_eur": money_eur(-(x_capacity + x_energy + x_own)),
        "refunds_eur": money_eur(shortfall * 12 // 20),
        "energy_earned_eur": 0.0,
        "energy_paid_eur": money_eur(x_energy),
        "own_credit_earned_eur": 0.0,
        "own_credit_paid_eur": money_eur(x_own),
    }
    a_totals = settlements["A"]["totals"]
    assert a_totals["energy_earned_eur"] == money_eur(a_energy)
    assert a_totals["own_credit_earned_eur"] == money_eur(a_own)
    assert a_totals["net_eur"] == money_eur(100 * price_ticks + a_energy + a_own)

    status, text = await market.request(
        "GET", "/api/v1/operator/export?format=csv", token=market.operator_token
    )
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[-4:] == [
        "energy_kwh",
        "energy_eur",
        "own_credit_kwh",
        "own_credit_eur",
    ]
    by_name = {r["household_name"]: r for r in rows}
    assert by_name["X"]["energy_eur"] == "-0.6645"
    assert by_name["A"]["energy_eur"] == "0.8999"
    assert (by_name["X"]["own_credit_kwh"], by_name["X"]["own_credit_eur"]) == (
        "3.0",
        "-0.2340",
    )
    assert (by_name["B"]["own_credit_kwh"], by_name["B"]["own_credit_eur"]) == ("1.5", "0.1170")
    total = sum(
        Decimal(r["amount_eur"]) + Decimal(r["energy_eur"]) + Decimal(r["own_credit_eur"])
        for r in rows
    )
    assert total == 0
    exported = await market.get("/api/v1/operator/export", market.operator_token)
    assert {e["household_name"]: e["energy_kwh"] for e in exported["entries"]} == {
        "A": 7.5,
        "B": 4.5,
        "X": 5.538,
        "Y": 6.462,
    }
    assert {e["household_name"]: e["own_credit_eur"] for e in exported["entries"]} == {
        "A": "0.1950",
        "B": "0.1170",
        "X": "-0.2340",
        "Y": "-0.0780",
    }

    overview = await market.get("/api/v1/operator/overview", market.operator_token)
    delivery = next(d for d in overview["days"] if d["day"] == day)["delivery"]
    assert (delivery["energy_kwh"], delivery["energy_eur"]) == (12.0, money_eur(energy))
    assert (delivery["own_credit_kwh"], delivery["own_credit_eur"]) == (4.0, money_eur(own))
    assert (delivery["shared_claimed_kwh"], delivery["unreported_buyers"]) == (13.0, 0)
    figures = (await market.get("/api/v1/market", x))["delivery"]
    assert figures == {
        "days": 1,
        "filled_per_kwh_sold": 0.8,  # 16 of 20 kWh delivered
        "shared_kwh_per_kwh_bought": 0.6,  # 12 kWh shared per 20 bought
        "own_credit_kwh_per_kwh_bought": 0.2,  # 4 kWh own credit per 20 bought
    }
    assert overview["delivery"] == figures


async def test_energy_price_change_applies_to_days_settled_after_it(
    tmp_path: Path, clock: MutableClock
) -> None:
    async with running_market(
        tmp_path, clock=clock, clear_on_submit=False, delivery_report_hours=0
    ) as market:
        book = await _book(market, clock)
        day = book.day.isoformat()
        body = {"day": day, "side": "buy", "kwh": 5.0, "shared_kwh": 5.0}
        assert (await market.request("POST", PATH, token=book.buyers["X"], json=body))[0] == 201
        await market.change_settings(energy_price=0.2)
        # Nobody else reported and the deadline is the day's end: it settles now. Unreported
        # sellers delivered in full (20 kWh), Y did not report (no own use counted, no claim).
        summary = await market.settle()
        assert summary["energy_eur"] == money_eur(5000 * 200 // 100)  # 5 kWh x EUR 0.20
        x = await market.get("/api/v1/settlements", book.buyers["X"])
        assert x["totals"]["energy_paid_eur"] == 1.0
        y = await market.get("/api/v1/settlements", book.buyers["Y"])
        assert y["totals"]["energy_paid_eur"] == 0.0
        assert _ledger_ticks(market)[0] == 0
