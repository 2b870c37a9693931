"""A household's requests and orders: place (idempotent, within limits), read, cancel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.errors import (
    HouseholdDisabled,
    IdempotencyConflict,
    LimitExceeded,
    NotFound,
    NothingToReprice,
    OppositeOrderOpen,
    ValidationFailed,
)
from market_server.market import serialisers
from market_server.market.gate import is_open
from market_server.market.order_status import LIVE, STATUSES
from market_server.market.settings import CommunitySettings
from market_server.market.side import Side
from market_server.market.units import kwh
from market_server.market.validation import RepriceSpec, RequestSpec, check_days
from market_server.storage import auth
from market_server.storage import store as db
from market_server.storage.auth import Household

# The statements of a submission, built once: a submission runs about eight of them, and
# building a SQLAlchemy expression and its cache key each time cost more than executing it.
_o = db.orders
_LOCK_HOUSEHOLD = (
    sa.select(db.households.c.disabled)
    .where(db.households.c.id == sa.bindparam("household_id"))
    .with_for_update()
)
_BY_CLIENT_ID = sa.select(db.requests).where(
    db.requests.c.household_id == sa.bindparam("household_id"),
    db.requests.c.client_request_id == sa.bindparam("client_request_id"),
)
_LIVE_ROW = _o.c.status.in_(LIVE)
# One query for every limit and the self-trade rule: per (day, side) of the household's orders
# that are live or on a day of the request, what is still open, what counts against the
# sell limit (live: all of it; otherwise what was filled) and one live order's id.
_HOUSEHOLD_BOOK = (
    sa.select(
        _o.c.day,
        _o.c.side,
        sa.func.sum(sa.case((_LIVE_ROW, _o.c.volume_ticks - _o.c.filled_ticks), else_=0)),
        sa.func.sum(sa.case((_LIVE_ROW, _o.c.volume_ticks), else_=_o.c.filled_ticks)),
        sa.func.min(sa.case((_LIVE_ROW, _o.c.id))),
    )
    .where(
        _o.c.household_id == sa.bindparam("household_id"),
        sa.or_(_LIVE_ROW, _o.c.day.in_(sa.bindparam("days", expanding=True))),
    )
    .group_by(_o.c.day, _o.c.side)
)
_INSERT_REQUEST = sa.insert(db.requests)
_INSERT_ORDERS = sa.insert(db.orders)
_ORDERS_OF_REQUESTS = (
    sa.select(db.orders)
    .where(db.orders.c.request_id.in_(sa.bindparam("request_ids", expanding=True)))
    .order_by(db.orders.c.day, db.orders.c.seq)
)


def _lock_household(conn: Connection, household_id: str) -> None:
    """Serialise one household's writes (PostgreSQL row lock; SQLite holds the write lock).

    The locked row is read again: a household the operator disabled while this request waited
    for the lock places nothing (disabling cancels its orders, and must not miss one)."""
    if conn.dialect.name != "sqlite":
        disabled = conn.execute(_LOCK_HOUSEHOLD, {"household_id": household_id}).scalar()
        if disabled:
            raise HouseholdDisabled("This household has been disabled by the market operator.")


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """A request row as written (what serialisers.request reads of it)."""

    id: str
    client_request_id: str
    side: Side
    note: str | None
    max_power_kw: float | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order row as written, before any round touched it (what serialisers.order reads)."""

    id: str
    request_id: str
    day: date
    side: Side
    volume_ticks: int
    price_ticks: int
    created_at: datetime
    filled_ticks: int = 0
    filled_money_ticks: int = 0
    status: str = "open"

    @property
    def updated_at(self) -> datetime:
        return self.created_at


def submit(
    conn: Connection,
    settings: CommunitySettings,
    household: Household,
    spec: RequestSpec,
    now: datetime,
    *,
    fingerprint: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a request, one order per day -> (Request, created). A retry returns the original.

    `fingerprint` is what a retry must match (default: the spec's own; a re-price passes its
    own, so that only the same re-price replays it)."""
    _lock_household(conn, household.id)
    fingerprint = fingerprint or spec.fingerprint()
    replay = _replay(conn, settings, household.id, spec.client_request_id, fingerprint)
    if replay is not None:
        return replay, False

    check_days(spec, settings, now)
    book = _household_book(conn, household, spec)
    _check_limits(household, spec, book)
    _check_no_self_trade(spec, book)

    # Stored as naive UTC and read back as aware UTC: the reply says what a later read says.
    now = now.astimezone(UTC)
    request_id = auth.new_id("rq")
    stored = StoredRequest(
        id=request_id,
        client_request_id=spec.client_request_id or f"server-{request_id}",
        side=spec.side,
        note=spec.note,
        max_power_kw=spec.max_power_kw,
        created_at=now,
    )
    conn.execute(
        _INSERT_REQUEST,
        {
            "id": stored.id,
            "household_id": household.id,
            "client_request_id": stored.client_request_id,
            "body_hash": fingerprint,
            "side": stored.side,
            "note": stored.note,
            "max_power_kw": stored.max_power_kw,
            "created_at": now,
        },
    )
    new = [
        NewOrder(auth.new_id("or"), request_id, day, spec.side, ticks, spec.price_ticks, now)
        for day, ticks in spec.volumes
    ]
    conn.execute(
        _INSERT_ORDERS,
        [
            {
                "id": o.id,
                "request_id": request_id,
                "household_id": household.id,
                "day": o.day,
                "side": o.side,
                "volume_ticks": o.volume_ticks,
                "price_ticks": o.price_ticks,
                "filled_ticks": 0,
                "filled_money_ticks": 0,
                "status": o.status,
                "created_at": now,
                "updated_at": now,
            }
            for o in new
        ],
    )
    return serialisers.request(stored, new, settings), True


def in_the_book(request: dict[str, Any]) -> bool:
    """Whether a Request view still has volume in the book (an order open or partly filled).

    A replay of such a request clears its days again, as the original did: the server may
    have committed the request and died before its round ran (a client retries exactly then),
    and the retry must not leave the orders waiting for another submission or the scheduled
    round. A round over days that do not cross costs one depth query."""
    return any(o["status"] in LIVE for o in request["orders"])


def with_orders(
    settings: CommunitySettings, request: dict[str, Any], rows: list[Any]
) -> dict[str, Any]:
    """`request` (a Request view) with its orders as `rows` say, e.g. read after a round."""
    stored = StoredRequest(
        id=request["request_id"],
        client_request_id=request["client_request_id"],
        side=request["side"],
        note=request["note"],
        max_power_kw=request["max_power_kw"],
        created_at=datetime.fromisoformat(request["created_at"]),
    )
    return serialisers.request(stored, rows, settings)


@dataclass(frozen=True, slots=True)
class _DaySide:
    """A household's orders of one day and side, summed (see _HOUSEHOLD_BOOK)."""

    open_ticks: int
    committed_ticks: int
    live_order: str | None


def _household_book(
    conn: Connection, household: Household, spec: RequestSpec
) -> dict[tuple[date, str], _DaySide]:
    rows = conn.execute(
        _HOUSEHOLD_BOOK,
        {"household_id": household.id, "days": [d for d, _ in spec.volumes]},
    )
    return {
        (day, side): _DaySide(int(open_ or 0), int(committed or 0), live)
        for day, side, open_, committed, live in rows
    }


def _check_no_self_trade(spec: RequestSpec, book: dict[tuple[date, str], _DaySide]) -> None:
    """Refuse a buy for a day the household still offers capacity on, and the reverse.

    Clearing does not know who placed an order, so both would fill each other: the household
    would pay the community to rent its own battery.
    """
    opposite = "sell" if spec.side == "buy" else "buy"
    for day, _ in spec.volumes:
        clash = book.get((day, opposite))
        if clash is None or clash.live_order is None:
            continue
        verb = "offers" if opposite == "sell" else "bids for"
        raise OppositeOrderOpen(
            f"This household still {verb} capacity for {day.isoformat()} (order "
            f"{clash.live_order}); it cannot buy and sell for the same day. Cancel that order "
            "first.",
            field="start_day" if not spec.per_day else "volumes",
        )


def _check_limits(
    household: Household, spec: RequestSpec, book: dict[tuple[date, str], _DaySide]
) -> None:
    field = "volumes" if spec.per_day else "kwh_per_day"
    if spec.side == "sell" and household.max_sell_ticks == 0:
        raise LimitExceeded(
            "This household is buy-only (the operator set its sell limit to 0 kWh: no battery "
            "to offer); it may buy capacity but not sell.",
            field=field,
        )
    if spec.side == "sell":
        for day, ticks in spec.volumes:
            item = book.get((day, "sell"))
            already = item.committed_ticks if item is not None else 0
            total = already + ticks
            if total > household.max_sell_ticks:
                raise LimitExceeded(
                    f"Selling {kwh(ticks):g} kWh on {day.isoformat()} would bring this household "
                    f"to {kwh(total):g} kWh that day, above its limit of "
                    f"{kwh(household.max_sell_ticks):g} kWh "
                    f"(already offered or sold: {kwh(already):g} kWh).",
                    field=field,
                )
    open_now = sum(item.open_ticks for item in book.values())
    new = sum(t for _, t in spec.volumes)
    if open_now + new > household.max_open_ticks:
        raise LimitExceeded(
            f"This request adds {kwh(new):g} kWh to {kwh(open_now):g} kWh already open; "
            f"the household's open volume is limited to {kwh(household.max_open_ticks):g} kWh.",
            field=field,
        )


def orders_of_requests(conn: Connection, request_ids: Sequence[str]) -> dict[str, list[Any]]:
    """The order rows of each request, in day order."""
    out: dict[str, list[Any]] = {rid: [] for rid in request_ids}
    if not request_ids:
        return out
    for row in conn.execute(_ORDERS_OF_REQUESTS, {"request_ids": list(request_ids)}):
        out[row.request_id].append(row)
    return out


def _replay(
    conn: Connection,
    settings: CommunitySettings,
    household_id: str,
    client_request_id: str | None,
    fingerprint: str,
) -> dict[str, Any] | None:
    """The Request a call with this client_request_id already made (a retry), or None if there
    is none; the id used for a different request (another `fingerprint`) is a conflict."""
    if client_request_id is None:
        return None
    existing = conn.execute(
        _BY_CLIENT_ID, {"household_id": household_id, "client_request_id": client_request_id}
    ).first()
    if existing is None:
        return None
    if existing.body_hash != fingerprint:
        raise IdempotencyConflict(
            "This client_request_id was already used for a different request.",
            field="client_request_id",
        )
    return _request_view(conn, settings, existing)


def _request_view(conn: Connection, settings: CommunitySettings, row: Any) -> dict[str, Any]:
    return serialisers.request(row, orders_of_requests(conn, [row.id])[row.id], settings)


def _own_row(conn: Connection, table: sa.Table, what: str, household_id: str, row_id: str) -> Any:
    """The row of `table` with `row_id`, 404 unless it belongs to the household."""
    row = conn.execute(
        sa.select(table).where(table.c.id == row_id, table.c.household_id == household_id)
    ).first()
    if row is None:
        raise NotFound(f"There is no {what} {row_id!r} of this household.", field=f"{what}_id")
    return row


def get_request(
    conn: Connection, settings: CommunitySettings, household_id: str, request_id: str
) -> dict[str, Any]:
    row = _own_row(conn, db.requests, "request", household_id, request_id)
    return _request_view(conn, settings, row)


def list_requests(
    conn: Connection, settings: CommunitySettings, household_id: str, limit: int = 200
) -> list[dict[str, Any]]:
    rows = list(
        conn.execute(
            sa.select(db.requests)
            .where(db.requests.c.household_id == household_id)
            .order_by(db.requests.c.seq.desc())
            .limit(limit)
        )
    )
    by_request = orders_of_requests(conn, [r.id for r in rows])
    return [serialisers.request(r, by_request[r.id], settings) for r in rows]


def parse_statuses(text: str | None) -> tuple[str, ...] | None:
    """`?status=open,filled` -> the statuses; absent -> None (every status)."""
    if text is None:
        return None
    statuses = tuple(s.strip() for s in text.split(","))
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise ValidationFailed(
            f"Unknown status {bad[0]!r}; use any of {', '.join(STATUSES)}, comma-separated.",
            field="status",
        )
    return statuses


def _filtered(
    query: sa.Select[Any], statuses: tuple[str, ...] | None, day: date | None
) -> sa.Select[Any]:
    """`query` on orders narrowed to the `?status=` and `?day=` filters of the order listings."""
    if statuses:
        query = query.where(db.orders.c.status.in_(statuses))
    if day is not None:
        query = query.where(db.orders.c.day == day)
    return query


def list_orders(
    conn: Connection,
    settings: CommunitySettings,
    household_id: str | None,
    *,
    statuses: tuple[str, ...] | None = None,
    day: date | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    query = sa.select(db.orders)
    if household_id is not None:
        query = query.where(db.orders.c.household_id == household_id)
    query = _filtered(query, statuses, day)
    rows = conn.execute(query.order_by(db.orders.c.day, db.orders.c.seq).limit(limit))
    return [serialisers.order(r, settings) for r in rows]


def list_orders_for_operator(
    conn: Connection,
    settings: CommunitySettings,
    statuses: tuple[str, ...] | None = None,
    day: date | None = None,
) -> list[dict[str, Any]]:
    query = sa.select(db.orders, db.households.c.name.label("household_name")).join(
        db.households, db.households.c.id == db.orders.c.household_id
    )
    query = _filtered(query, statuses, day)
    out = []
    for row in conn.execute(query.order_by(db.orders.c.day, db.orders.c.seq)):
        item = serialisers.order(row, settings)
        item["household_id"] = row.household_id
        item["household_name"] = row.household_name
        out.append(item)
    return out


def _cancel_own(
    conn: Connection, settings: CommunitySettings, household_id: str, condition: Any, now: datetime
) -> int:
    """Cancel the household's live remainders matching `condition`; past gate closure: expire.
    -> how many orders it took off the book.

    Call with the round lock held (`lock_rounds`, taken first in the transaction). The rows
    are locked as a round locks its book, in seq order: a round, a cancel and a re-price on the
    same orders never wait for each other in a circle (PostgreSQL: a deadlock)."""
    rows = list(
        conn.execute(
            sa.select(db.orders.c.id, db.orders.c.day)
            .where(
                condition, db.orders.c.household_id == household_id, db.orders.c.status.in_(LIVE)
            )
            .order_by(db.orders.c.seq)
            .with_for_update()
        )
    )
    for row in rows:
        status = "cancelled" if is_open(row.day, now, settings) else "expired"
        conn.execute(
            sa.update(db.orders)
            .where(db.orders.c.id == row.id, db.orders.c.status.in_(LIVE))
            .values(status=status, updated_at=now)
        )
    return len(rows)


def take_off_the_book(
    conn: Connection, settings: CommunitySettings, household_id: str, now: datetime
) -> int:
    """Cancel every live remainder of a household (the operator disabled it) -> how many.
    Call with the round lock held, as `_cancel_own`."""
    return _cancel_own(conn, settings, household_id, sa.true(), now)


def cancel_request(
    conn: Connection, settings: CommunitySettings, household_id: str, request_id: str, now: datetime
) -> dict[str, Any]:
    get_request(conn, settings, household_id, request_id)  # 404 unless it is this household's
    db.lock_rounds(conn)
    _cancel_own(conn, settings, household_id, db.orders.c.request_id == request_id, now)
    return get_request(conn, settings, household_id, request_id)


def reprice_request(
    conn: Connection,
    settings: CommunitySettings,
    household: Household,
    request_id: str,
    spec: RepriceSpec,
    *,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Move a request's open remainder (on ``spec.days``, or all) to a new limit price.

    Returns (the new Request, created). One transaction: the remainder's orders are cancelled
    and placed again at the new price as a new request, so a refusal (a limit, a gate that
    just closed) leaves the old orders on the market untouched. The new orders queue behind
    those already at their price: a price change loses time priority, as on any exchange. A
    retry with the same client_request_id returns the request the first call made; the id
    used for anything else (another request, price or days) is a conflict.
    """
    db.lock_rounds(conn)  # before the household: the lock order of every order change
    _lock_household(conn, household.id)
    # Ownership first: another household's request id is 404 whatever the body says.
    old = _own_row(conn, db.requests, "request", household.id, request_id)
    fingerprint = spec.fingerprint(request_id)
    replay = _replay(conn, settings, household.id, spec.client_request_id, fingerprint)
    if replay is not None:
        return replay, False
    remainder = tuple(
        (row.day, row.volume_ticks - row.filled_ticks)
        for row in conn.execute(
            sa.select(_o.c.day, _o.c.volume_ticks, _o.c.filled_ticks)
            .where(_o.c.request_id == request_id, _LIVE_ROW)
            .order_by(_o.c.day)
        )
        if row.volume_ticks > row.filled_ticks
        and is_open(row.day, now, settings)
        and (spec.days is None or row.day in spec.days)
    )
    if not remainder:
        raise NothingToReprice(
            f"Request {request_id} has nothing left on the market on a day that can still be "
            "traded (of the days asked for); there is nothing to re-price.",
            field="request_id",
        )
    moved = [day for day, _ in remainder]
    _cancel_own(
        conn, settings, household.id, (_o.c.request_id == request_id) & _o.c.day.in_(moved), now
    )
    replacement = RequestSpec(
        side=old.side,
        volumes=remainder,
        price_ticks=spec.price_ticks,
        client_request_id=spec.client_request_id,
        max_power_kw=old.max_power_kw,
        note=old.note,
        per_day=True,
    )
    return submit(conn, settings, household, replacement, now, fingerprint=fingerprint)


def get_order(
    conn: Connection, settings: CommunitySettings, household_id: str, order_id: str
) -> dict[str, Any]:
    return serialisers.order(_own_row(conn, db.orders, "order", household_id, order_id), settings)


def cancel_order(
    conn: Connection, settings: CommunitySettings, household_id: str, order_id: str, now: datetime
) -> dict[str, Any]:
    get_order(conn, settings, household_id, order_id)
    db.lock_rounds(conn)
    _cancel_own(conn, settings, household_id, db.orders.c.id == order_id, now)
    return get_order(conn, settings, household_id, order_id)


def list_fills(
    conn: Connection, household_id: str, since: str | None, limit: int = 1000
) -> list[dict[str, Any]]:
    query = sa.select(db.fills).where(db.fills.c.household_id == household_id)
    if since:
        seq = conn.execute(
            sa.select(db.fills.c.seq).where(
                db.fills.c.id == since, db.fills.c.household_id == household_id
            )
        ).scalar()
        if seq is None:
            raise ValidationFailed(f"Unknown fill id {since!r} in 'since'.", field="since")
        query = query.where(db.fills.c.seq > seq)
    rows = conn.execute(query.order_by(db.fills.c.seq).limit(limit))
    return [serialisers.fill(r) for r in rows]
