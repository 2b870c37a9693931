"""After its delivery day each fill becomes one ledger entry (buyer pays, seller earns)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import auth, community, views
from . import store as db
from .errors import ValidationFailed
from .gate import local_today
from .store import Store
from .units import money_eur

Progress = Callable[[int, int], None]
BATCH = 500


@dataclass(frozen=True, slots=True)
class SettlementSummary:
    entries: int
    earned_ticks: int
    paid_ticks: int
    through_day: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "earned_eur": money_eur(self.earned_ticks),
            "paid_eur": money_eur(self.paid_ticks),
            "through_day": None if self.through_day is None else self.through_day.isoformat(),
        }


def settle(store: Store, now: datetime, progress: Progress | None = None) -> SettlementSummary:
    """Ledger entries for every unsettled fill whose delivery day has ended (idempotent)."""
    with store.read() as conn:
        settings = community.load(conn)
    last_day = local_today(now, settings) - timedelta(days=1)
    led, f = db.ledger, db.fills
    unsettled = (
        sa.select(f)
        .where(f.c.day <= last_day, ~sa.exists().where(led.c.fill_id == f.c.id))
        .order_by(f.c.seq)
    )
    with store.read() as conn:
        total = int(
            conn.execute(sa.select(sa.func.count()).select_from(unsettled.subquery())).scalar() or 0
        )
    done = earned = paid = 0
    if progress:
        progress(0, total)
    while True:
        with store.write() as conn:
            store.lock_rounds(conn)  # one settler at a time, across processes
            rows = list(conn.execute(unsettled.limit(BATCH)))
            if not rows:
                break
            entries = []
            for r in rows:
                amount = r.volume_ticks * r.price_ticks
                signed = amount if r.side == "sell" else -amount
                if signed > 0:
                    earned += signed
                else:
                    paid -= signed
                entries.append(
                    {
                        "id": auth.new_id("le"),
                        "fill_id": r.id,
                        "household_id": r.household_id,
                        "day": r.day,
                        "side": r.side,
                        "volume_ticks": r.volume_ticks,
                        "price_ticks": r.price_ticks,
                        "amount_ticks": signed,
                        "settled_at": now,
                    }
                )
            conn.execute(sa.insert(led), entries)
        done += len(rows)
        if progress:
            progress(done, max(total, done))
    return SettlementSummary(done, earned, paid, last_day)


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
    return {
        "settlements": [views.ledger_entry(r) for r in rows],
        "totals": {
            "earned_eur": money_eur(earned),
            "paid_eur": money_eur(paid),
            "net_eur": money_eur(earned - paid),
        },
    }
