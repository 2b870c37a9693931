"""Aggregate market figures: the members' view (anonymous) and the operator's overview."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.ledger import deliveries
from market_server.market import rounds
from market_server.market.gate import gate_closure, is_open, local_today
from market_server.market.order_status import LIVE
from market_server.market.settings import CommunitySettings
from market_server.market.units import WH_PER_VOLUME_TICK, eur_per_kwh, kwh, kwh_from_wh, money_eur
from market_server.storage import store as db

RECENT_DAYS = 7
# GET /api/v1/market `delivery`: measured over this many of the latest settled days.
DELIVERY_DAYS = 14


def _day_figures(conn: Connection, first: date, last: date) -> dict[date, dict[str, Any]]:
    o, dc, r = db.orders, db.day_clearings, db.rounds
    figures: dict[date, dict[str, Any]] = {}

    def slot(day: date) -> dict[str, Any]:
        return figures.setdefault(day, _day_figures_empty())

    remaining = o.c.volume_ticks - o.c.filled_ticks
    for row in conn.execute(
        sa.select(o.c.day, o.c.side, sa.func.coalesce(sa.func.sum(remaining), 0), sa.func.count())
        .where(o.c.day >= first, o.c.day <= last, o.c.status.in_(LIVE))
        .group_by(o.c.day, o.c.side)
    ):
        item = slot(row[0])
        item["open_buy" if row[1] == "buy" else "open_sell"] = int(row[2])
        item["buy_orders" if row[1] == "buy" else "sell_orders"] = int(row[3])
    for row in conn.execute(
        sa.select(o.c.day, sa.func.count(sa.distinct(o.c.household_id)))
        .where(o.c.day >= first, o.c.day <= last)
        .group_by(o.c.day)
    ):
        slot(row[0])["households"] = int(row[1])
    for row in conn.execute(
        sa.select(dc.c.day, sa.func.sum(dc.c.cleared_ticks), sa.func.max(r.c.finished_at))
        .join(r, r.c.id == dc.c.round_id)
        .where(dc.c.day >= first, dc.c.day <= last, r.c.status == "completed")
        .group_by(dc.c.day)
    ):
        item = slot(row[0])
        item["cleared_ticks"] = int(row[1] or 0)
        item["last_round_at"] = row[2]
    # Last clearing price per day: the newest completed round that produced a price.
    latest = (
        sa.select(dc.c.day, sa.func.max(dc.c.seq).label("seq"))
        .join(r, r.c.id == dc.c.round_id)
        .where(
            dc.c.day >= first,
            dc.c.day <= last,
            dc.c.price_ticks.is_not(None),
            r.c.status == "completed",
        )
        .group_by(dc.c.day)
        .subquery()
    )
    for row in conn.execute(
        sa.select(dc.c.day, dc.c.price_ticks).join(latest, latest.c.seq == dc.c.seq)
    ):
        slot(row[0])["last_price_ticks"] = row[1]
    return figures


def market_view(conn: Connection, settings: CommunitySettings, now: datetime) -> dict[str, Any]:
    """GET /api/v1/market: open days and the last 7 days, aggregates only."""
    today = local_today(now, settings)
    first = today - timedelta(days=RECENT_DAYS)
    last = today + timedelta(days=settings.horizon_days)
    figures = _day_figures(conn, first, last)
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        item = figures.get(day)
        open_ = is_open(day, now, settings) and day >= today
        if item is None and not open_:
            continue
        item = item or _day_figures_empty()
        price = item["last_price_ticks"]
        days.append(
            {
                "day": day.isoformat(),
                "gate_closure": gate_closure(day, settings).isoformat(),
                "open": open_,
                "last_price": None if price is None else eur_per_kwh(price),
                "cleared_kwh": kwh(item["cleared_ticks"]),
                "open_buy_kwh": kwh(item["open_buy"]) if open_ else 0.0,
                "open_sell_kwh": kwh(item["open_sell"]) if open_ else 0.0,
                "last_round_at": None
                if item["last_round_at"] is None
                else item["last_round_at"].isoformat(),
            }
        )
    return {
        "mechanism": settings.mechanism,
        "timezone": settings.timezone,
        "generated_at": now.astimezone(settings.zone).isoformat(),
        "days": days,
        "delivery": recent_delivery(conn),
    }


def recent_delivery(conn: Connection) -> dict[str, Any]:
    """What trades delivered over the last DELIVERY_DAYS settled days, all households together:
    kWh delivered per kWh sold, shared and own-credit energy billed per kWh bought (from the
    ledger, so exactly what was paid for; entries settled before metering count as delivered in
    full)."""
    led = db.ledger
    days = list(
        conn.execute(
            sa.select(led.c.day).distinct().order_by(led.c.day.desc()).limit(DELIVERY_DAYS)
        ).scalars()
    )
    if not days:
        return {
            "days": 0,
            "filled_per_kwh_sold": None,
            "shared_kwh_per_kwh_bought": None,
            "own_credit_kwh_per_kwh_bought": None,
        }
    traded_wh = led.c.volume_ticks * WH_PER_VOLUME_TICK
    sums = {
        row[0]: tuple(int(value or 0) for value in row[1:])
        for row in conn.execute(
            sa.select(
                led.c.side,
                sa.func.sum(traded_wh),
                sa.func.sum(sa.func.coalesce(led.c.delivered_wh, traded_wh)),
                sa.func.sum(sa.func.coalesce(led.c.energy_wh, 0)),
                sa.func.sum(sa.func.coalesce(led.c.own_credit_wh, 0)),
            )
            .where(led.c.day.in_(days))
            .group_by(led.c.side)
        )
    }
    sold_wh, delivered_wh, _, _ = sums.get("sell", (0, 0, 0, 0))
    bought_wh, _, shared_wh, own_wh = sums.get("buy", (0, 0, 0, 0))
    return {
        "days": len(days),
        "filled_per_kwh_sold": round(delivered_wh / sold_wh, 3) if sold_wh else None,
        "shared_kwh_per_kwh_bought": round(shared_wh / bought_wh, 3) if bought_wh else None,
        "own_credit_kwh_per_kwh_bought": round(own_wh / bought_wh, 3) if bought_wh else None,
    }


def own_delivery(conn: Connection, household_id: str) -> dict[str, Any]:
    """GET /api/v1/me ``delivery``: the household's own record as a seller over its latest
    DELIVERY_DAYS settled days on which it sold: kWh delivered per kWh sold (None before
    anything it sold was settled). Its agent offers only what its battery is expected to
    deliver, and its own record is the best evidence of that."""
    led = db.ledger
    mine = sa.and_(led.c.household_id == household_id, led.c.side == "sell")
    days = list(
        conn.execute(
            sa.select(led.c.day)
            .where(mine)
            .distinct()
            .order_by(led.c.day.desc())
            .limit(DELIVERY_DAYS)
        ).scalars()
    )
    if not days:
        return {"days": 0, "delivered_per_kwh_sold": None}
    traded_wh = led.c.volume_ticks * WH_PER_VOLUME_TICK
    sold_wh, delivered_wh = conn.execute(
        sa.select(
            sa.func.sum(traded_wh), sa.func.sum(sa.func.coalesce(led.c.delivered_wh, traded_wh))
        ).where(mine, led.c.day.in_(days))
    ).one()
    sold = int(sold_wh or 0)
    return {
        "days": len(days),
        "delivered_per_kwh_sold": round(int(delivered_wh or 0) / sold, 3) if sold else None,
    }


def _day_figures_empty() -> dict[str, Any]:
    return {
        "last_price_ticks": None,
        "cleared_ticks": 0,
        "open_buy": 0,
        "open_sell": 0,
        "last_round_at": None,
        "households": 0,
        "buy_orders": 0,
        "sell_orders": 0,
    }


def overview(conn: Connection, settings: CommunitySettings, now: datetime) -> dict[str, Any]:
    """GET /api/v1/operator/overview: per-day price, volume, depth, participation; recent rounds."""
    view = market_view(conn, settings, now)
    today = local_today(now, settings)
    figures = _day_figures(
        conn, today - timedelta(days=RECENT_DAYS), today + timedelta(days=settings.horizon_days)
    )
    delivery = delivery_figures(conn, today - timedelta(days=RECENT_DAYS), today)
    for item in view["days"]:
        day = date.fromisoformat(item["day"])
        fig = figures.get(day) or _day_figures_empty()
        item["households"] = fig["households"]
        item["buy_orders"] = fig["buy_orders"]
        item["sell_orders"] = fig["sell_orders"]
        item["delivery"] = delivery["days"].get(day)
    h = db.households
    counts = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((h.c.disabled.is_(True), 1), else_=0)), 0),
        )
    ).one()
    led = db.ledger
    settled = conn.execute(
        sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(sa.func.abs(led.c.amount_ticks)), 0)
        )
    ).one()
    return {
        **view,
        "community": settings.to_json(),
        "households": {"total": int(counts[0]), "disabled": int(counts[1])},
        "ledger": {"entries": int(settled[0])},
        "deliveries": {"households": delivery["households"]},
        "rounds": rounds.recent_rounds(conn, 20),
    }


def _earned_and_billed(ticks: Any, wh: Any) -> tuple[Any, Any]:
    """A day's sums of one kind of energy: the ticks sellers earned (= buyers paid) and the Wh
    billed to buyers."""
    led = db.ledger
    return (
        sa.func.sum(sa.case((ticks > 0, ticks), else_=0)),
        sa.func.sum(sa.case((led.c.side == "buy", sa.func.coalesce(wh, 0)), else_=0)),
    )


def _counts() -> dict[str, int]:
    """Wh sold by all sellers, by reporting ones, delivered by those; seller-days unreported."""
    return {"all": 0, "sold": 0, "delivered": 0, "unreported": 0, "days": 0}


def delivery_figures(conn: Connection, first: date, today: date) -> dict[str, Any]:
    """Delivery ratios of the ended days in [first, today): per day and per selling household.

    A ratio is delivered / sold over the sellers that reported; unreported sellers are counted
    beside it (settlement takes them as delivered in full).
    """
    sellers = deliveries.seller_days(conn, first, today - timedelta(days=1))
    buyers = deliveries.buyer_days(conn, first, today - timedelta(days=1))
    led, d = db.ledger, db.deliveries
    # day -> (refund ticks, then for shared and own-credit energy: ticks earned = paid, Wh billed)
    settled = {
        r[0]: tuple(int(value or 0) for value in r[1:])
        for r in conn.execute(
            sa.select(
                led.c.day,
                sa.func.sum(led.c.refund_ticks),
                *_earned_and_billed(led.c.energy_ticks, led.c.energy_wh),
                *_earned_and_billed(led.c.own_credit_ticks, led.c.own_credit_wh),
            )
            .where(led.c.day >= first, led.c.day < today)
            .group_by(led.c.day)
        )
    }
    late = {
        r[0]: int(r[1])
        for r in conn.execute(
            sa.select(d.c.day, sa.func.count())
            .where(d.c.day >= first, d.c.day < today, d.c.late.is_(True))
            .group_by(d.c.day)
        )
    }
    bought: dict[date, dict[str, int]] = {}
    for b in buyers:
        parts = bought.setdefault(b.day, {"wh": 0, "unreported": 0, "shared": 0})
        parts["wh"] += b.filled_ticks * WH_PER_VOLUME_TICK
        parts["unreported"] += b.used_wh is None
        parts["shared"] += b.shared_wh
    days: dict[date, dict[str, Any]] = {}
    per_day: dict[date, dict[str, int]] = {}
    per_household: dict[str, dict[str, int]] = {}
    for s in sellers:
        sold = s.filled_ticks * WH_PER_VOLUME_TICK
        for parts in (
            per_day.setdefault(s.day, _counts()),
            per_household.setdefault(s.household_id, _counts()),
        ):
            parts["all"] += sold
            parts["days"] += 1
            if s.reported_wh is None:
                parts["unreported"] += 1
            else:
                parts["sold"] += sold
                parts["delivered"] += s.delivered_wh
    for day, parts in per_day.items():
        refunds, energy_ticks, energy_wh, own_ticks, own_wh = settled.get(day, (0, 0, 0, 0, 0))
        buys = bought.get(day, {"wh": 0, "unreported": 0, "shared": 0})
        days[day] = {
            "sold_kwh": kwh_from_wh(parts["all"]),
            "reported_sold_kwh": kwh_from_wh(parts["sold"]),
            "delivered_kwh": kwh_from_wh(parts["delivered"]),
            "ratio": deliveries.ratio(parts),
            "unreported_sellers": parts["unreported"],
            "settled": day in settled,
            "refunds_eur": money_eur(refunds),
            "bought_kwh": kwh_from_wh(buys["wh"]),
            "unreported_buyers": buys["unreported"],
            "shared_claimed_kwh": kwh_from_wh(buys["shared"]),
            "energy_kwh": kwh_from_wh(energy_wh),
            "energy_eur": money_eur(energy_ticks),
            "own_credit_kwh": kwh_from_wh(own_wh),
            "own_credit_eur": money_eur(own_ticks),
            "late_reports": late.get(day, 0),
        }
    h = db.households
    names: dict[str, str] = {}
    if per_household:
        for row in conn.execute(sa.select(h.c.id, h.c.name).where(h.c.id.in_(list(per_household)))):
            names[str(row[0])] = str(row[1])
    households = [
        {
            "household_id": household_id,
            "name": names.get(household_id, household_id),
            "sold_kwh": kwh_from_wh(parts["all"]),
            "reported_sold_kwh": kwh_from_wh(parts["sold"]),
            "delivered_kwh": kwh_from_wh(parts["delivered"]),
            "ratio": deliveries.ratio(parts),
            "days": parts["days"],
            "unreported_days": parts["unreported"],
        }
        for household_id, parts in sorted(
            per_household.items(), key=lambda kv: names.get(kv[0], "")
        )
    ]
    return {"days": days, "households": households}
