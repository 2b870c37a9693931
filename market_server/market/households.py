"""Households: the operator adds, lists, disables and re-joins them; a join code becomes a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.errors import (
    JoinCodeExpired,
    JoinCodeInvalid,
    JoinCodeUsed,
    NotFound,
    ValidationFailed,
)
from market_server.market import orders
from market_server.market.field_checks import storable_text
from market_server.market.order_status import LIVE
from market_server.market.settings import CommunitySettings
from market_server.market.units import VOLUME_TICKS_PER_KWH, kwh, to_ticks
from market_server.storage import auth
from market_server.storage import store as db

#: How long a join code works unless the operator says otherwise: a week to set up Home Assistant.
DEFAULT_CODE_VALID_HOURS = 168.0
MAX_CODE_VALID_HOURS = 24.0 * 366
MAX_LIMIT_TICKS = 1_000_000


@dataclass(frozen=True, slots=True)
class JoinCode:
    household_id: str
    join_code: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "household_id": self.household_id,
            "join_code": self.join_code,
            "expires_at": self.expires_at.isoformat(),
        }


def _volume_ticks(value: float, field: str, *, allow_zero: bool = False) -> int:
    ticks = to_ticks(value, VOLUME_TICKS_PER_KWH)
    lowest = 0 if allow_zero else 1
    if ticks is None or not lowest <= ticks <= MAX_LIMIT_TICKS:
        kind = "zero or a positive" if allow_zero else "a positive"
        raise ValidationFailed(
            f"{field} must be {kind} number of kWh with at most 1 decimal, "
            f"at most {kwh(MAX_LIMIT_TICKS):g}; got {value:g}.",
            field=field,
        )
    return ticks


def sell_ticks(value: float) -> int:
    """A household's max kWh to sell per day; 0 = no battery to offer: it may only buy."""
    return _volume_ticks(value, "max_sell_kwh", allow_zero=True)


def open_ticks(value: float) -> int:
    """A household's max kWh open at once (orders not yet filled or cancelled)."""
    return _volume_ticks(value, "max_open_kwh")


def code_lifetime(hours: float | None) -> timedelta:
    """How long a new join code works: `hours`, or the default week."""
    if hours is None:
        hours = DEFAULT_CODE_VALID_HOURS
    if not 0 < hours <= MAX_CODE_VALID_HOURS:
        raise ValidationFailed(
            f"code_valid_hours must be more than 0 and at most {MAX_CODE_VALID_HOURS:g} "
            f"(a year), got {hours:g}.",
            field="code_valid_hours",
        )
    return timedelta(hours=hours)


def add(
    conn: Connection,
    settings: CommunitySettings,
    now: datetime,
    name: str,
    *,
    max_sell_kwh: float | None = None,
    max_open_kwh: float | None = None,
    code_valid_hours: float | None = None,
) -> JoinCode:
    name = storable_text(name.strip(), "name")
    if not name or len(name) > 200:
        raise ValidationFailed("A household needs a name of 1 to 200 characters.", field="name")
    sell = sell_ticks(settings.default_max_sell_kwh if max_sell_kwh is None else max_sell_kwh)
    lifetime = code_lifetime(code_valid_hours)
    open_ = open_ticks(settings.default_max_open_kwh if max_open_kwh is None else max_open_kwh)
    household_id = auth.new_id("hh")
    conn.execute(
        sa.insert(db.households).values(
            id=household_id,
            name=name,
            max_sell_ticks=sell,
            max_open_ticks=open_,
            disabled=False,
            created_at=now,
        )
    )
    code = _new_code(conn, household_id, "join", now, lifetime)
    return JoinCode(household_id, code, now + lifetime)


def _new_code(
    conn: Connection, household_id: str, kind: str, now: datetime, lifetime: timedelta
) -> str:
    code = auth.new_join_code()
    conn.execute(
        sa.insert(db.join_codes).values(
            code_hash=auth.digest(auth.normalise_join_code(code)),
            household_id=household_id,
            kind=kind,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return code


def _require(conn: Connection, household_id: str) -> Any:
    row = conn.execute(sa.select(db.households).where(db.households.c.id == household_id)).first()
    if row is None:
        raise NotFound(f"There is no household {household_id!r}.", field="household_id")
    return row


def rejoin(
    conn: Connection, now: datetime, household_id: str, code_valid_hours: float | None = None
) -> JoinCode:
    """A one-time code that re-joins an existing household (its old token is revoked on use)."""
    lifetime = code_lifetime(code_valid_hours)
    _require(conn, household_id)
    code = _new_code(conn, household_id, "rejoin", now, lifetime)
    return JoinCode(household_id, code, now + lifetime)


def set_disabled(
    conn: Connection,
    settings: CommunitySettings,
    household_id: str,
    disabled: bool,
    now: datetime,
) -> dict[str, Any]:
    """Disable (or enable) a household. Disabling takes its open orders off the book: their
    unfilled remainders are cancelled (expired past gate closure), so they cannot fill while
    the household may not trade; what already filled stays filled and is settled. Enabling
    brings nothing back: the household places new requests. -> the household's view."""
    _require(conn, household_id)
    db.lock_rounds(conn)  # first: the lock order of every change to orders (store.py)
    conn.execute(
        sa.update(db.households).where(db.households.c.id == household_id).values(disabled=disabled)
    )
    if disabled:
        orders.take_off_the_book(conn, settings, household_id, now)
    return view(conn, household_id)


def set_limits(
    conn: Connection, household_id: str, max_sell_kwh: float | None, max_open_kwh: float | None
) -> dict[str, Any]:
    _require(conn, household_id)
    values: dict[str, int] = {}
    if max_sell_kwh is not None:
        values["max_sell_ticks"] = sell_ticks(max_sell_kwh)
    if max_open_kwh is not None:
        values["max_open_ticks"] = open_ticks(max_open_kwh)
    if values:
        conn.execute(
            sa.update(db.households).where(db.households.c.id == household_id).values(**values)
        )
    return view(conn, household_id)


def _usable_code(conn: Connection, now: datetime, code: str) -> Any:
    """The join code's row if it can be redeemed now; the reason it cannot as an error."""
    row = conn.execute(
        sa.select(db.join_codes).where(
            db.join_codes.c.code_hash == auth.digest(auth.normalise_join_code(code))
        )
    ).first()
    if row is None:
        raise JoinCodeInvalid(
            "This join code is not known; ask the market operator for a new one.", field="code"
        )
    if row.used_at is not None:
        raise JoinCodeUsed(
            "This join code has already been used; ask the market operator for a new one.",
            field="code",
        )
    # Codes from before expiry existed (migration 2) have none and keep working.
    if row.expires_at is not None and now >= row.expires_at:
        raise JoinCodeExpired(
            f"This join code expired at {row.expires_at.isoformat(timespec='minutes')}; "
            "ask the market operator for a new one.",
            field="code",
        )
    return row


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """Whom a join code would join, read without redeeming it (the first step of a join)."""

    household_id: str
    name: str
    community: str
    rejoin: bool
    expires_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "name": self.name,
            "community": self.community,
            "rejoin": self.rejoin,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


def check(conn: Connection, now: datetime, code: str, community_name: str) -> CodeCheck:
    """The household a usable join code belongs to; nothing is redeemed, revoked or written.

    A client checks the code when the user enters it and redeems it only once the household is
    set up, so an abandoned setup leaves the code usable and a re-join code entered for the
    wrong household revokes nobody's token."""
    row = _usable_code(conn, now, code)
    name = conn.execute(
        sa.select(db.households.c.name).where(db.households.c.id == row.household_id)
    ).scalar_one()
    return CodeCheck(
        household_id=str(row.household_id),
        name=str(name),
        community=community_name,
        rejoin=row.kind == "rejoin",
        expires_at=row.expires_at,
    )


def redeem(conn: Connection, now: datetime, code: str, name: str | None) -> tuple[str, str]:
    """Join with a one-time code -> (household_id, token). A re-join code revokes older tokens."""
    row = _usable_code(conn, now, code)
    claimed = conn.execute(
        sa.update(db.join_codes)
        .where(db.join_codes.c.code_hash == row.code_hash, db.join_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise JoinCodeUsed(
            "This join code has already been used; ask the market operator for a new one.",
            field="code",
        )
    household_id = str(row.household_id)
    if row.kind == "rejoin":
        auth.revoke_household_tokens(conn, household_id, now)
    if name is not None and name.strip():
        conn.execute(
            sa.update(db.households)
            .where(db.households.c.id == household_id)
            .values(name=name.strip()[:200])
        )
    return household_id, auth.issue_household_token(conn, household_id, now)


def view(conn: Connection, household_id: str) -> dict[str, Any]:
    rows = list_all(conn, only=household_id)
    return rows[0]


def list_all(conn: Connection, only: str | None = None) -> list[dict[str, Any]]:
    h, o = db.households, db.orders
    open_ticks = (
        sa.select(sa.func.coalesce(sa.func.sum(o.c.volume_ticks - o.c.filled_ticks), 0))
        .where(o.c.household_id == h.c.id, o.c.status.in_(LIVE))
        .scalar_subquery()
    )
    order_count = sa.select(sa.func.count()).where(o.c.household_id == h.c.id).scalar_subquery()
    joined = (
        sa.select(sa.func.count())
        .where(
            db.household_tokens.c.household_id == h.c.id, db.household_tokens.c.revoked_at.is_(None)
        )
        .scalar_subquery()
    )
    query = sa.select(
        h, open_ticks.label("open_ticks"), order_count.label("orders"), joined.label("tokens")
    )
    if only is not None:
        query = query.where(h.c.id == only)
    return [
        {
            "household_id": r.id,
            "name": r.name,
            "disabled": bool(r.disabled),
            "joined": int(r.tokens) > 0,
            "max_sell_kwh": kwh(r.max_sell_ticks),
            "max_open_kwh": kwh(r.max_open_ticks),
            "open_kwh": kwh(int(r.open_ticks)),
            "orders": int(r.orders),
            "created_at": r.created_at.isoformat(),
        }
        for r in conn.execute(query.order_by(h.c.seq))
    ]
