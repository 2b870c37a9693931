"""A round's batched write path: all of it or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from market_server.market import rounds
from market_server.market.day_clearing import BookOrder, DayClearing, Fill, clear_day
from market_server.storage import store as db
from market_server.storage.store import Store
from tests.market_server.conftest import T0
from tests.market_server.invariants import check_invariants
from tests.market_server.test_store import _seed


def _state(store: Store) -> tuple[list[tuple[Any, ...]], int, list[str]]:
    with store.read() as conn:
        orders = [
            tuple(r)
            for r in conn.execute(
                sa.select(
                    db.orders.c.id,
                    db.orders.c.filled_ticks,
                    db.orders.c.filled_money_ticks,
                    db.orders.c.status,
                ).order_by(db.orders.c.seq)
            )
        ]
        fills = conn.execute(sa.select(sa.func.count()).select_from(db.fills)).scalar_one()
        statuses = list(conn.execute(sa.select(db.rounds.c.status)).scalars())
    return orders, fills, statuses


def test_a_round_writes_every_fill_and_order_of_every_day(db_url: str) -> None:
    _seed(db_url, 30)
    store = Store(db_url)
    try:
        summary = rounds.run_round(store, lambda: T0, trigger="test")
        orders, fills, statuses = _state(store)
    finally:
        store.dispose()
    assert len(summary.days) == 3 and all(d.fills > 0 for d in summary.days)
    assert fills == summary.fills
    assert statuses == ["completed"]
    assert sum(1 for _, filled, _, _ in orders if filled > 0) == len(
        {f.order_id for f in _fills_of(db_url)}
    )
    check_invariants(db_url)


def _fills_of(url: str) -> list[Any]:
    store = Store(url)
    try:
        with store.read() as conn:
            return list(conn.execute(sa.select(db.fills)))
    finally:
        store.dispose()


def test_an_invalid_clearing_on_a_later_day_leaves_earlier_days_unwritten(db_url: str) -> None:
    """Three days clear; the third returns an overfill. Nothing of the first two is written."""
    _seed(db_url, 30)
    store = Store(db_url)
    seen: list[date] = []

    def clear_then_break(day: date, orders: Sequence[BookOrder], **kw: Any) -> DayClearing:
        seen.append(day)
        result = clear_day(day, orders, **kw)
        if len(seen) < 3:
            return result
        first = result.fills[0]
        overfill = Fill(first.order_id, first.volume_ticks + 10_000, first.price_ticks)
        return DayClearing(
            result.day,
            result.mechanism,
            result.price_ticks,
            result.cleared_ticks,
            (overfill, *result.fills[1:]),
        )

    try:
        before = _state(store)
        with pytest.raises(RuntimeError, match="beyond its remaining volume"):
            rounds.run_round(store, lambda: T0, trigger="test", clear=clear_then_break)
        after_orders, after_fills, statuses = _state(store)
    finally:
        store.dispose()
    assert len(seen) == 3
    assert (after_orders, after_fills) == before[:2]
    assert statuses == ["failed"]


def test_the_stale_order_guard_fails_the_batch(db_url: str) -> None:
    """An order whose filled volume changed since the book was read matches no row: the batched
    UPDATE's rowcount (summed over executemany on both drivers) turns that into an error."""
    _seed(db_url, 4)
    store = Store(db_url)
    try:
        with store.read() as conn:
            ids = list(conn.execute(sa.select(db.orders.c.id).order_by(db.orders.c.seq)).scalars())
        writes = rounds._Writes()
        for i, order_id in enumerate(ids[:3]):
            writes.order_updates.append(
                {
                    "b_id": order_id,
                    "b_old_filled": 5 if i == 1 else 0,  # the second one is stale
                    "b_filled": 1,
                    "b_money": 50,
                    "b_status": "partially_filled",
                    "b_now": T0,
                }
            )
        with pytest.raises(RuntimeError, match="1 filled orders changed"):  # noqa: SIM117
            with store.write() as conn:
                rounds._write_fills(conn, writes)
        orders, _, _ = _state(store)
        assert all(filled == 0 for _, filled, _, _ in orders)  # rolled back, first one too

        writes.order_updates[1]["b_old_filled"] = 0
        with store.write() as conn:
            rounds._write_fills(conn, writes)
        orders, _, _ = _state(store)
    finally:
        store.dispose()
    assert [(filled, money, status) for _, filled, money, status in orders[:3]] == [
        (1, 50, "partially_filled")
    ] * 3
