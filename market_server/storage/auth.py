"""Secrets: household and operator tokens (random, stored as SHA-256), one-time join codes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.errors import Forbidden, HouseholdDisabled, Unauthorized
from market_server.storage import store as db

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_join_code() -> str:
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def normalise_join_code(code: str) -> str:
    """Case, spaces and dashes do not matter when a person types the code."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    name: str
    max_sell_ticks: int
    max_open_ticks: int
    disabled: bool


def bearer(header: str | None) -> str:
    if not header:
        raise Unauthorized("This request needs an 'Authorization: Bearer <token>' header.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    if not token.isascii():
        # Tokens are URL-safe base64; other bytes arrive as surrogate escapes that cannot even
        # be hashed.
        raise Unauthorized("The token is unknown or was revoked; join the market again.")
    return token.strip()


# Every household call runs this: built once (see orders.py on why).
_HOUSEHOLD_BY_TOKEN = (
    sa.select(db.households)
    .join(db.household_tokens, db.household_tokens.c.household_id == db.households.c.id)
    .where(
        db.household_tokens.c.token_hash == sa.bindparam("token_hash"),
        db.household_tokens.c.revoked_at.is_(None),
    )
)


def household_for_token(conn: Connection, token: str, *, allow_disabled: bool = False) -> Household:
    row = conn.execute(_HOUSEHOLD_BY_TOKEN, {"token_hash": digest(token)}).first()
    if row is None:
        raise Unauthorized("The token is unknown or was revoked; join the market again.")
    household = Household(
        row.id, row.name, row.max_sell_ticks, row.max_open_ticks, bool(row.disabled)
    )
    if household.disabled and not allow_disabled:
        raise HouseholdDisabled("This household has been disabled by the market operator.")
    return household


def issue_household_token(conn: Connection, household_id: str, now: datetime) -> str:
    token = new_token()
    conn.execute(
        sa.insert(db.household_tokens).values(
            token_hash=digest(token), household_id=household_id, created_at=now
        )
    )
    return token


def revoke_household_tokens(conn: Connection, household_id: str, now: datetime) -> None:
    conn.execute(
        sa.update(db.household_tokens)
        .where(
            db.household_tokens.c.household_id == household_id,
            db.household_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def check_operator(conn: Connection, token: str) -> None:
    row = conn.execute(
        sa.select(db.operator_tokens.c.token_hash).where(
            db.operator_tokens.c.token_hash == digest(token),
            db.operator_tokens.c.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        # A household token on an operator route is "forbidden", anything else "unauthorized".
        known = conn.execute(
            sa.select(db.household_tokens.c.token_hash).where(
                db.household_tokens.c.token_hash == digest(token),
                db.household_tokens.c.revoked_at.is_(None),
            )
        ).first()
        if known is not None:
            raise Forbidden("This route needs the operator token, not a household token.")
        raise Unauthorized("The operator token is unknown or was revoked.")


def issue_operator_token(conn: Connection, now: datetime, *, revoke_others: bool = False) -> str:
    if revoke_others:
        conn.execute(
            sa.update(db.operator_tokens)
            .where(db.operator_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    token = new_token()
    conn.execute(sa.insert(db.operator_tokens).values(token_hash=digest(token), created_at=now))
    return token
