"""After its delivery day each fill becomes one ledger entry: the seller earns what it delivered,
the buyer pays what it bought less its share of the sellers' shortfall, and the energy the
buyers drew is paid to the sellers: shared energy at the community's energy price, the energy
behind their own credit at its feed-in price (payouts.py, docs/delivery.md)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.errors import ValidationFailed
from market_server.ledger import deliveries, payouts
from market_server.market import community, serialisers
from market_server.market.gate import day_end, local_today
from market_server.market.settings import CommunitySettings
from market_server.market.units import money_eur
from market_server.storage import auth
from market_server.storage import store as db
from market_server.storage.store import Store

Progress = Callable[[int, int], None]
BATCH = 500


@dataclass(frozen=True, slots=True)
class SettlementSummary:
    entries: int
    earned_ticks: int
    paid_ticks: int  # net of refunds: equals earned_ticks when the book balances
    through_day: date | None
    refund_ticks: int = 0
    pending_days: int = 0  # ended days waiting for delivery reports
    next_deadline: datetime | None = None  # when the first of them settles regardless
    energy_ticks: int = 0  # shared energy settled: paid by buyers == earned by sellers
    own_credit_ticks: int = 0  # own-credit energy settled, the same way

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "earned_eur": money_eur(self.earned_ticks),
            "paid_eur": money_eur(self.paid_ticks),
            "refunds_eur": money_eur(self.refund_ticks),
            "energy_eur": money_eur(self.energy_ticks),
            "own_credit_eur": money_eur(self.own_credit_ticks),
            "through_day": None if self.through_day is None else self.through_day.isoformat(),
            "pending_days": self.pending_days,
            "next_deadline": None if self.next_deadline is None else self.next_deadline.isoformat(),
        }


def report_deadline(day: date, settings: CommunitySettings) -> datetime:
    """After this, `day` settles with whatever delivery reports it has (unreported = in full)."""
    return day_end(day, settings) + timedelta(hours=settings.delivery_report_hours)


def _unsettled(last_day: date) -> sa.Select[Any]:
    led, f = db.ledger, db.fills
    return sa.select(f).where(f.c.day <= last_day, ~sa.exists().where(led.c.fill_id == f.c.id))


def settle(store: Store, now: datetime, progress: Progress | None = None) -> SettlementSummary:
    """Ledger entries for every ended delivery day that is due (idempotent).

    A day is due once every household with fills that day -- sellers and buyers -- has
    reported its delivery, or its report deadline has passed: a buyer's report (its shared
    energy) counts as much as a seller's. A due day settles in one transaction (payouts.py:
    sellers earn what they delivered, buyers get the shortfall back, shared and own-credit
    energy is paid);
    the others wait and are counted as pending. Reports that come after stay for the record
    only (deliveries.record).
    """
    with store.read() as conn:
        settings = community.load(conn)
    last_day = local_today(now, settings) - timedelta(days=1)
    unsettled = _unsettled(last_day).subquery()
    with store.read() as conn:
        per_day = {
            r[0]: int(r[1])
            for r in conn.execute(
                sa.select(unsettled.c.day, sa.func.count())
                .group_by(unsettled.c.day)
                .order_by(unsettled.c.day)
            )
        }
    total = sum(per_day.values())
    done = earned = paid = refunded = pending = energy_total = own_credit_total = 0
    next_deadline: datetime | None = None
    if progress:
        progress(0, total)
    for day in sorted(per_day):
        deadline = report_deadline(day, settings)
        with store.write() as conn:
            store.lock_rounds(conn)  # one settler at a time, across processes; reports wait
            rows = list(
                conn.execute(
                    _unsettled(last_day).where(db.fills.c.day == day).order_by(db.fills.c.seq)
                )
            )
            if not rows:
                continue
            reports = deliveries.day_reports(conn, day)
            if now < deadline and any(r.household_id not in reports.reported(r.side) for r in rows):
                pending += 1
                next_deadline = deadline if next_deadline is None else min(next_deadline, deadline)
                continue
            claims = payouts.EnergyClaims(
                reports.used_wh,
                reports.shared_wh,
                settings.energy_price_ticks,
                settings.feed_in_price_ticks,
            )
            entries = []
            for row, pay in zip(
                rows, payouts.day_payouts(rows, reports.sold_wh, claims), strict=True
            ):
                if pay.amount_ticks > 0:
                    earned += pay.amount_ticks
                else:
                    paid -= pay.amount_ticks
                refunded += pay.refund_ticks
                energy_total += max(0, pay.energy_ticks)
                own_credit_total += max(0, pay.own_credit_ticks)
                entries.append(
                    {
                        "id": auth.new_id("le"),
                        "fill_id": row.id,
                        "household_id": row.household_id,
                        "day": row.day,
                        "side": row.side,
                        "volume_ticks": row.volume_ticks,
                        "price_ticks": row.price_ticks,
                        "amount_ticks": pay.amount_ticks,
                        "delivered_wh": pay.delivered_wh,
                        "refund_ticks": pay.refund_ticks if row.side == "buy" else None,
                        "energy_wh": pay.energy_wh,
                        "energy_ticks": pay.energy_ticks,
                        "own_credit_wh": pay.own_credit_wh,
                        "own_credit_ticks": pay.own_credit_ticks,
                        "settled_at": now,
                    }
                )
            for start in range(0, len(entries), BATCH):
                conn.execute(sa.insert(db.ledger), entries[start : start + BATCH])
        done += len(rows)
        if progress:
            progress(done, max(total, done))
    return SettlementSummary(
        done,
        earned,
        paid,
        last_day,
        refunded,
        pending,
        next_deadline,
        energy_total,
        own_credit_total,
    )


_MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def parse_month(text: str | None) -> tuple[date, date] | None:
    """`YYYY-MM` -> its first and last day (inclusive: December 9999 has no next month)."""
    if not text:
        return None
    found = _MONTH_RE.fullmatch(text)
    if found is None or int(found.group(1)) < 1:
        raise ValidationFailed(f"month must be YYYY-MM, got {text!r}.", field="month")
    year, month = int(found.group(1)), int(found.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def household_ledger(conn: Connection, household_id: str, month: str | None) -> dict[str, Any]:
    led = db.ledger
    query = sa.select(led).where(led.c.household_id == household_id)
    span = parse_month(month)
    if span is not None:
        query = query.where(led.c.day >= span[0], led.c.day <= span[1])
    rows = list(conn.execute(query.order_by(led.c.day, led.c.seq)))
    earned = sum(int(r.amount_ticks) for r in rows if r.amount_ticks > 0)
    paid = -sum(int(r.amount_ticks) for r in rows if r.amount_ticks < 0)
    refunds = sum(int(r.refund_ticks or 0) for r in rows)
    energy_earned, energy_paid = _earned_paid(int(r.energy_ticks or 0) for r in rows)
    own_earned, own_paid = _earned_paid(int(r.own_credit_ticks or 0) for r in rows)
    return {
        "settlements": [serialisers.ledger_entry(r) for r in rows],
        "totals": {
            "earned_eur": money_eur(earned),
            "paid_eur": money_eur(paid),
            "net_eur": money_eur(
                earned + energy_earned + own_earned - paid - energy_paid - own_paid
            ),
            "refunds_eur": money_eur(refunds),
            "energy_earned_eur": money_eur(energy_earned),
            "energy_paid_eur": money_eur(energy_paid),
            "own_credit_earned_eur": money_eur(own_earned),
            "own_credit_paid_eur": money_eur(own_paid),
        },
    }


def _earned_paid(ticks: Iterable[int]) -> tuple[int, int]:
    """Signed money ticks as (earned, paid), both >= 0."""
    values = list(ticks)
    return sum(t for t in values if t > 0), -sum(t for t in values if t < 0)
