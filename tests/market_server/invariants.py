"""Consistency checks of a market database (used by the crash and concurrency tests)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from market_server.storage import store as db
from market_server.storage.store import Store


def check_invariants(url: str) -> dict[str, int]:
    """Assert: filled volume of every order = sum of its fills, fills balance per day and
    round, every fill belongs to a completed round, no order is overfilled. Returns counts."""
    store = Store(url)
    try:
        with store.read() as conn:
            orders = list(conn.execute(sa.select(db.orders)))
            fills = list(conn.execute(sa.select(db.fills)))
            rounds = {r.id: r for r in conn.execute(sa.select(db.rounds))}
    finally:
        store.dispose()
    by_order: dict[str, int] = defaultdict(int)
    money: dict[str, int] = defaultdict(int)
    balance: dict[tuple[str, object], int] = defaultdict(int)
    for f in fills:
        assert f.round_id in rounds, f"fill {f.id} has no round"
        assert rounds[f.round_id].status == "completed", f"fill {f.id} in a failed round"
        by_order[f.order_id] += f.volume_ticks
        money[f.order_id] += f.volume_ticks * f.price_ticks
        balance[(f.round_id, f.day)] += f.volume_ticks if f.side == "sell" else -f.volume_ticks
    for o in orders:
        assert o.filled_ticks == by_order.get(o.id, 0), f"order {o.id} filled != its fills"
        assert o.filled_money_ticks == money.get(o.id, 0), f"order {o.id} money != its fills"
        assert 0 <= o.filled_ticks <= o.volume_ticks
        if o.status == "filled":
            assert o.filled_ticks == o.volume_ticks
        if o.status == "partially_filled":
            assert 0 < o.filled_ticks < o.volume_ticks
    assert all(v == 0 for v in balance.values()), "buy and sell fills do not balance"
    for r in rounds.values():
        if r.status == "completed":
            assert r.fills_count == sum(1 for f in fills if f.round_id == r.id)
    return {"orders": len(orders), "fills": len(fills), "rounds": len(rounds)}
