"""One clearing round: expire what passed gate closure, clear every open day, write it all at once.

A round is one write transaction: expiries, fills, order updates, per-day results and the round's
`completed` row commit together or not at all, under the cross-process round lock. A failed
clearing leaves nothing but a `failed` round row written afterwards.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.market import community
from market_server.market.clock import Clock
from market_server.market.day_clearing import BookOrder, DayClearing, clear_day
from market_server.market.gate import gate_closure, local_today, open_days
from market_server.market.order_status import LIVE
from market_server.market.settings import CommunitySettings
from market_server.market.side import Side
from market_server.market.units import eur_per_kwh, kwh
from market_server.storage import auth
from market_server.storage import store as db
from market_server.storage.store import Store

_LOGGER = logging.getLogger(__name__)

ClearFn = Callable[..., DayClearing]


@dataclass(slots=True)
class DayResult:
    day: date
    price_ticks: int | None
    cleared_ticks: int
    fills: int
    buy_ticks: int
    sell_ticks: int
    orders: int

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "price": None if self.price_ticks is None else eur_per_kwh(self.price_ticks),
            "cleared_kwh": kwh(self.cleared_ticks),
            "fills": self.fills,
            "buy_kwh": kwh(self.buy_ticks),
            "sell_kwh": kwh(self.sell_ticks),
            "orders": self.orders,
        }


@dataclass(slots=True)
class RoundSummary:
    round_id: str
    trigger: str
    mechanism: str
    status: str
    started_at: datetime
    finished_at: datetime
    expired: int = 0
    days: list[DayResult] = field(default_factory=list)
    error: str | None = None

    @property
    def fills(self) -> int:
        return sum(d.fills for d in self.days)

    @property
    def cleared_ticks(self) -> int:
        return sum(d.cleared_ticks for d in self.days)

    def to_json(self) -> dict[str, Any]:
        return {
            "round_id": self.round_id,
            "trigger": self.trigger,
            "mechanism": self.mechanism,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "fills": self.fills,
            "cleared_kwh": kwh(self.cleared_ticks),
            "expired": self.expired,
            "days": [d.to_json() for d in self.days],
            "error": self.error,
        }


_EXPIRE = (
    sa.update(db.orders)
    .where(db.orders.c.day <= sa.bindparam("last_closed"), db.orders.c.status.in_(LIVE))
    .values(status="expired", updated_at=sa.bindparam("now", type_=db.UTCDateTime))
)


def last_closed_day(settings: CommunitySettings, now: datetime) -> date:
    """The latest delivery day whose gate has closed (gate closure grows with the day)."""
    day = local_today(now, settings) + timedelta(days=settings.gate_closure_days_before + 1)
    while gate_closure(day, settings) > now:
        day -= timedelta(days=1)
    return day


def expire_due(conn: Connection, settings: CommunitySettings, now: datetime) -> int:
    """Expire the live remainders of every day whose gate closure has passed."""
    result = conn.execute(_EXPIRE, {"last_closed": last_closed_day(settings, now), "now": now})
    return int(result.rowcount or 0)


@dataclass(frozen=True, slots=True)
class LiveOrder:
    """What a round needs of an order that is still in the book."""

    id: str
    request_id: str
    household_id: str
    side: Side
    volume_ticks: int
    filled_ticks: int
    price_ticks: int
    seq: int

    @property
    def remaining_ticks(self) -> int:
        return self.volume_ticks - self.filled_ticks


_BOOK_COLUMNS = (
    db.orders.c.id,
    db.orders.c.request_id,
    db.orders.c.household_id,
    db.orders.c.side,
    db.orders.c.volume_ticks,
    db.orders.c.filled_ticks,
    db.orders.c.price_ticks,
    db.orders.c.seq,
    db.orders.c.day,
)


@dataclass(slots=True)
class _Depth:
    """One day's live remainders, summed per side, and whether its best prices cross."""

    buy_ticks: int = 0
    sell_ticks: int = 0
    orders: int = 0
    best_bid: int | None = None
    best_ask: int | None = None

    @property
    def crosses(self) -> bool:
        return (
            self.best_bid is not None
            and self.best_ask is not None
            and self.best_bid >= self.best_ask
        )


_o = db.orders
_REMAINING = (_o.c.status.in_(LIVE), _o.c.volume_ticks > _o.c.filled_ticks)
# Built once: a submit round runs these for a few days many times a second.
_DEPTH = (
    sa.select(
        _o.c.day,
        _o.c.side,
        sa.func.sum(_o.c.volume_ticks - _o.c.filled_ticks),
        sa.func.count(),
        sa.func.max(_o.c.price_ticks),
        sa.func.min(_o.c.price_ticks),
    )
    .where(_o.c.day.in_(sa.bindparam("days", expanding=True)), *_REMAINING)
    .group_by(_o.c.day, _o.c.side)
)
_BOOK = (
    sa.select(*_BOOK_COLUMNS)
    .where(_o.c.day.in_(sa.bindparam("days", expanding=True)), *_REMAINING)
    .order_by(_o.c.seq)
)
_BOOK_LOCKED = _BOOK.with_for_update()
_INSERT_ROUND = sa.insert(db.rounds)
_INSERT_DAY = sa.insert(db.day_clearings)
_INSERT_FILLS = sa.insert(db.fills)


def _depth(conn: Connection, days: Sequence[date]) -> dict[date, _Depth]:
    depth: dict[date, _Depth] = {}
    for day, side, ticks, count, highest, lowest in conn.execute(_DEPTH, {"days": list(days)}):
        item = depth.setdefault(day, _Depth())
        item.orders += int(count)
        if side == "buy":
            item.buy_ticks, item.best_bid = int(ticks), int(highest)
        else:
            item.sell_ticks, item.best_ask = int(ticks), int(lowest)
    return depth


def _book(conn: Connection, days: Sequence[date], lock: bool) -> dict[date, list[LiveOrder]]:
    book: dict[date, list[LiveOrder]] = defaultdict(list)
    # Positional unpacking: named attribute access on 10,000 result rows costs more than the
    # clearing itself.
    for *fields, day in conn.execute(_BOOK_LOCKED if lock else _BOOK, {"days": list(days)}):
        book[day].append(LiveOrder(*fields))
    return book


def run_round(
    store: Store,
    clock: Clock,
    *,
    trigger: str = "manual",
    clear: ClearFn = clear_day,
    days: Collection[date] | None = None,
) -> RoundSummary:
    """Run one complete round now (blocking: call it from a worker thread).

    `days` narrows the clearing to those delivery days (a round after submissions clears the
    days they touched); expiry always covers every day. A day whose best bid is below its best
    ask cannot fill under any supported mechanism: its depth is recorded without loading its
    book or calling the mechanism.
    """
    started = clock()
    round_id = auth.new_id("rd")

    def attempt(conn: Connection) -> RoundSummary:
        store.lock_rounds(conn)
        now = clock()
        settings = community.load(conn)
        summary = RoundSummary(round_id, trigger, settings.mechanism, "completed", started, now)
        summary.expired = expire_due(conn, settings, now)
        targets = [d for d in open_days(now, settings) if days is None or d in days]
        depth = _depth(conn, targets) if targets else {}
        crossing = [d for d, x in depth.items() if x.crosses]
        book = _book(conn, crossing, lock=not store.is_sqlite) if crossing else {}
        writes = _Writes()
        for day in sorted(depth):
            x = depth[day]
            result = DayResult(day, None, 0, 0, x.buy_ticks, x.sell_ticks, x.orders)
            rows = book.get(day)
            if rows:
                # The book as locked (PostgreSQL: orders placed since the depth query too).
                result.buy_ticks = sum(r.remaining_ticks for r in rows if r.side == "buy")
                result.sell_ticks = sum(r.remaining_ticks for r in rows if r.side == "sell")
                result.orders = len(rows)
                clearing = clear(
                    day,
                    [
                        BookOrder(r.id, r.side, r.remaining_ticks, r.price_ticks, r.seq)
                        for r in rows
                    ],
                    mechanism=settings.mechanism,
                    timezone=settings.timezone,
                )
                result.price_ticks = clearing.price_ticks
                result.cleared_ticks = clearing.cleared_ticks
                result.fills = len(clearing.fills)
                _collect_fills(writes, round_id, day, rows, clearing, now=now)
            summary.days.append(result)
        summary.finished_at = clock()
        conn.execute(_INSERT_ROUND, _round_row(summary))
        _write_fills(conn, writes)
        if summary.days:
            conn.execute(
                _INSERT_DAY,
                [
                    {
                        "round_id": round_id,
                        "day": d.day,
                        "mechanism": settings.mechanism,
                        "price_ticks": d.price_ticks,
                        "cleared_ticks": d.cleared_ticks,
                        "buy_ticks": d.buy_ticks,
                        "sell_ticks": d.sell_ticks,
                        "orders_count": d.orders,
                        "created_at": now,
                    }
                    for d in summary.days
                ],
            )
        return summary

    try:
        # A deadlock victim is run again as the same round (nothing of it was written).
        summary = store.transact(attempt)
    except Exception as err:
        _LOGGER.exception("clearing round %s failed", round_id)
        summary = RoundSummary(round_id, trigger, "", "failed", started, clock(), error=repr(err))
        try:
            with store.write() as conn:
                summary.mechanism = community.load(conn).mechanism
                conn.execute(sa.insert(db.rounds).values(**_round_row(summary)))
        except Exception:
            _LOGGER.exception("could not record the failed round %s", round_id)
        raise
    _LOGGER.info(
        "round %s (%s): %d fills, %.1f kWh cleared, %d expired",
        round_id,
        trigger,
        summary.fills,
        kwh(summary.cleared_ticks),
        summary.expired,
    )
    return summary


def _round_row(summary: RoundSummary) -> dict[str, Any]:
    return {
        "id": summary.round_id,
        "trigger": summary.trigger,
        "mechanism": summary.mechanism,
        "status": summary.status,
        "started_at": summary.started_at,
        "finished_at": summary.finished_at,
        "fills_count": summary.fills,
        "cleared_ticks": summary.cleared_ticks,
        "expired_count": summary.expired,
        "error": summary.error,
    }


# One statement for every filled order of the round, executed with bound parameters
# (executemany): compiled once instead of once per order. The `filled_ticks` guard makes a
# row that changed since the book was read match nothing, which the rowcount check turns
# into a failed round.
_FILL_ORDER = (
    sa.update(db.orders)
    .where(
        db.orders.c.id == sa.bindparam("b_id"),
        db.orders.c.filled_ticks == sa.bindparam("b_old_filled"),
    )
    .values(
        filled_ticks=sa.bindparam("b_filled"),
        filled_money_ticks=db.orders.c.filled_money_ticks + sa.bindparam("b_money"),
        status=sa.bindparam("b_status"),
        updated_at=sa.bindparam("b_now", type_=db.UTCDateTime),
    )
)


@dataclass(slots=True)
class _Writes:
    """Everything a round writes besides its own rows, collected before one batched write."""

    order_updates: list[dict[str, Any]] = field(default_factory=list)
    fills: list[dict[str, Any]] = field(default_factory=list)


def _write_fills(conn: Connection, writes: _Writes) -> None:
    if writes.order_updates:
        updated = conn.execute(_FILL_ORDER, writes.order_updates)
        if updated.rowcount != len(writes.order_updates):
            raise RuntimeError(
                f"{len(writes.order_updates) - updated.rowcount} filled orders changed "
                "during the round"
            )
    if writes.fills:
        conn.execute(_INSERT_FILLS, writes.fills)


def _collect_fills(
    writes: _Writes,
    round_id: str,
    day: date,
    rows: list[LiveOrder],
    clearing: DayClearing,
    *,
    now: datetime,
) -> None:
    by_id = {r.id: r for r in rows}
    filled: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for fill in clearing.fills:
        if fill.order_id not in by_id or fill.volume_ticks <= 0:
            raise RuntimeError(f"clearing returned an invalid fill {fill!r}")
        filled[fill.order_id].append((fill.volume_ticks, fill.price_ticks))
    supply = demand = 0
    for order_id, parts in filled.items():
        row = by_id[order_id]
        volume = sum(v for v, _ in parts)
        money = sum(v * p for v, p in parts)
        if volume > row.remaining_ticks:
            raise RuntimeError(f"clearing filled order {order_id} beyond its remaining volume")
        if row.side == "sell":
            supply += volume
        else:
            demand += volume
        new_filled = row.filled_ticks + volume
        writes.order_updates.append(
            {
                "b_id": order_id,
                "b_old_filled": row.filled_ticks,
                "b_filled": new_filled,
                "b_money": money,
                "b_status": "filled" if new_filled == row.volume_ticks else "partially_filled",
                "b_now": now,
            }
        )
        for volume_part, price in parts:
            writes.fills.append(
                {
                    "id": auth.new_id("fl"),
                    "round_id": round_id,
                    "order_id": order_id,
                    "request_id": row.request_id,
                    "household_id": row.household_id,
                    "day": day,
                    "side": row.side,
                    "volume_ticks": volume_part,
                    "price_ticks": price,
                    "created_at": now,
                }
            )
    if supply != demand:
        raise RuntimeError(f"clearing of {day} is unbalanced: supply {supply} != demand {demand}")


def last_scheduled_start(conn: Connection) -> datetime | None:
    """When the newest scheduled round started (by any process), for the scheduler's rhythm."""
    r = db.rounds
    return conn.execute(
        sa.select(r.c.started_at).where(r.c.trigger == "schedule").order_by(r.c.seq.desc()).limit(1)
    ).scalar()


def recent_rounds(conn: Connection, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(db.rounds).order_by(db.rounds.c.seq.desc()).limit(limit))
    return [
        {
            "round_id": r.id,
            "trigger": r.trigger,
            "mechanism": r.mechanism,
            "status": r.status,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat(),
            "fills": r.fills_count,
            "cleared_kwh": kwh(r.cleared_ticks),
            "expired": r.expired_count,
            "error": r.error,
        }
        for r in rows
    ]
