"""Metered deliveries (POST/GET /api/v1/deliveries): checks, one report per household, day and
side, idempotent re-posts, corrections until the day is settled, late reports kept for the
record, and the figures settlement and the operator overview read."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from market_server.errors import AlreadySettled, MoreThanTraded, NothingToReport, ValidationFailed
from market_server.market.gate import day_end, local_today
from market_server.market.settings import CommunitySettings
from market_server.market.side import Side
from market_server.market.units import WH_PER_KWH, WH_PER_VOLUME_TICK, kwh, kwh_from_wh
from market_server.storage import store as db

MAX_KWH = 1000.0
HOURLY_TOLERANCE_KWH = 0.05
MAX_AGE_DAYS = 7
MAX_CLIENT_REPORT_ID = 64


@dataclass(frozen=True, slots=True)
class Report:
    """A checked delivery report; energy in Wh."""

    day: date
    side: Side
    wh: int
    hourly_wh: tuple[int, ...] | None
    client_report_id: str | None
    shared_wh: int | None = None  # buy: the part of wh that was shared energy
    grid_wh: int | None = None  # sell: the part of wh charged from the grid


def hours_in_day(day: date, settings: CommunitySettings) -> int:
    """23, 24 or 25: the local hours of `day` (daylight saving time changes)."""
    return round((day_end(day, settings) - day_end(day - timedelta(days=1), settings)) / _HOUR)


_HOUR = timedelta(hours=1)


def energy_kwh(value: float, label: str, field: str) -> float:
    """`value` if a report may hold it: 0 to MAX_KWH kWh."""
    if value < 0:
        raise ValidationFailed(f"{label} must be 0 kWh or more, got {value:g}.", field=field)
    if value > MAX_KWH:
        raise ValidationFailed(
            f"{label} {value:g} kWh is more than the {MAX_KWH:g} kWh a report may hold.",
            field=field,
        )
    return value


def hourly_message(day: date, settings: CommunitySettings, got: str) -> str:
    """What hourly_kwh must be on `day` (said by the body model and here)."""
    return (
        f"hourly_kwh must be a list of {hours_in_day(day, settings)} numbers, one per local "
        f"hour of {day.isoformat()} in {settings.timezone}; got {got}."
    )


def report(
    settings: CommunitySettings,
    *,
    day: date,
    side: Side,
    kwh: float,
    hourly_kwh: list[float] | None,
    client_report_id: str | None,
    shared_kwh: float | None = None,
    grid_kwh: float | None = None,
) -> Report:
    """A parsed report body (http/contract.py's DeliveryBody, which checked one figure per
    local hour of `day` and each figure's range): the hourly figures must add up to the day's,
    shared energy stands only on buy reports and grid energy only on sell reports, each at most
    the day's kWh, and grid energy only where the community allows grid charging."""
    wh = round(kwh * WH_PER_KWH)
    shared_wh = _part_wh(shared_kwh, "shared_kwh", side, wh, kwh)
    grid_wh = _part_wh(grid_kwh, "grid_kwh", side, wh, kwh)
    if grid_wh and not settings.grid_charging:
        raise ValidationFailed(
            "grid_kwh must be 0: this community does not allow charging reserves from the "
            "grid (grid_charging is off).",
            field="grid_kwh",
        )
    hourly = None
    if hourly_kwh is not None:
        total = math.fsum(hourly_kwh)
        if not math.isclose(total, kwh, rel_tol=0, abs_tol=HOURLY_TOLERANCE_KWH):
            raise ValidationFailed(
                f"The hourly figures add up to {total:.3f} kWh, not the {kwh:g} kWh "
                f"reported for the day (they may differ by at most {HOURLY_TOLERANCE_KWH} kWh).",
                field="hourly_kwh",
            )
        hourly = tuple(round(v * WH_PER_KWH) for v in hourly_kwh)
    return Report(day, side, wh, hourly, client_report_id, shared_wh, grid_wh)


# Which side a part of a report belongs on, and what the other side reports instead.
_PART_SIDE: dict[str, tuple[Side, str]] = {
    "shared_kwh": ("buy", "(the shared energy a buyer drew); a sell report may give grid_kwh"),
    "grid_kwh": (
        "sell",
        "(the part of a seller's reserve charged from the grid); a buy report may give shared_kwh",
    ),
}
_PART_MEANING = {
    "shared_kwh": "kwh counts the shared energy drawn too",
    "grid_kwh": "it is the part of kwh charged from the grid",
}


def _part_wh(value: float | None, name: str, side: Side, wh: int, kwh: float) -> int | None:
    """A part of the day's kWh (shared or grid energy) in Wh, on its side and at most `kwh`."""
    if value is None:
        return None
    own_side, instead = _PART_SIDE[name]
    if side != own_side:
        raise ValidationFailed(f"{name} is for {own_side} reports only {instead}.", field=name)
    part = round(value * WH_PER_KWH)
    if part > wh:
        raise ValidationFailed(
            f"{name} {value:g} kWh is more than the {kwh:g} kWh reported: {_PART_MEANING[name]}.",
            field=name,
        )
    return part


def check_day(day: date, settings: CommunitySettings, now: datetime) -> None:
    """A report is for a day that has ended, at most MAX_AGE_DAYS ago (community time)."""
    today = local_today(now, settings)
    if day >= today:
        raise ValidationFailed(
            f"{day.isoformat()} has not ended yet in {settings.timezone} (today is "
            f"{today.isoformat()}); report a delivery day after it is over.",
            field="day",
        )
    if day < today - timedelta(days=MAX_AGE_DAYS):
        raise ValidationFailed(
            f"{day.isoformat()} is more than {MAX_AGE_DAYS} days ago; deliveries are taken for "
            f"the last {MAX_AGE_DAYS} days only.",
            field="day",
        )


def traded_ticks(conn: Connection, household_id: str, day: date, side: str) -> int:
    f = db.fills
    value = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(f.c.volume_ticks), 0)).where(
            f.c.household_id == household_id, f.c.day == day, f.c.side == side
        )
    ).scalar()
    return int(value or 0)


def day_settled(conn: Connection, day: date) -> bool:
    """Settlement writes a day's entries all at once: one entry means the whole day."""
    return (
        conn.execute(sa.select(db.ledger.c.id).where(db.ledger.c.day == day).limit(1)).first()
        is not None
    )


def _view(row: Any, traded: int, status: str, settled: bool) -> dict[str, Any]:
    traded_wh = traded * WH_PER_VOLUME_TICK
    hourly = None if row.hourly_wh is None else [kwh_from_wh(v) for v in json.loads(row.hourly_wh)]
    return {
        "day": row.day.isoformat(),
        "side": row.side,
        "kwh": kwh_from_wh(int(row.delivered_wh)),
        "traded_kwh": kwh(traded),
        "ratio": round(int(row.delivered_wh) / traded_wh, 3) if traded_wh else None,
        "status": status,
        "reported_at": row.reported_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "hourly_kwh": hourly,
        "client_report_id": row.client_report_id,
        "settled": settled,
        "shared_kwh": None if row.shared_wh is None else kwh_from_wh(int(row.shared_wh)),
        "grid_kwh": None if row.grid_wh is None else kwh_from_wh(int(row.grid_wh)),
        "late": bool(row.late),
    }


def _select(household_id: str) -> sa.Select[Any]:
    d = db.deliveries
    return sa.select(d).where(d.c.household_id == household_id)


def record(
    conn: Connection, settings: CommunitySettings, household_id: str, report: Report, now: datetime
) -> tuple[dict[str, Any], int]:
    """Store `report` -> (view, HTTP status). Call with the settlement lock held (store.lock_rounds)
    so that a report and the settlement of its day cannot interleave.

    Until its day is settled a report may be corrected. After, the settled money stands: a
    first report of that day and side is kept for the record (201, `late`), other figures
    for a report on file are refused (409 already_settled), the same figures again are 200.
    """
    check_day(report.day, settings, now)
    day, side = report.day, report.side
    traded = traded_ticks(conn, household_id, day, side)
    what = "sold" if side == "sell" else "bought"
    if traded == 0:
        raise NothingToReport(
            f"You {what} no storage capacity for {day.isoformat()}: there is nothing to report "
            f"on the {side} side of that day.",
            field="day",
        )
    if report.wh > traded * WH_PER_VOLUME_TICK:
        raise MoreThanTraded(
            f"You {what} {kwh(traded):g} kWh for {day.isoformat()}; a report of "
            f"{kwh_from_wh(report.wh):g} kWh is more than that.",
            field="kwh",
        )
    d = db.deliveries
    key = sa.and_(d.c.day == day, d.c.side == side)
    existing = conn.execute(_select(household_id).where(key)).first()
    hourly = None if report.hourly_wh is None else json.dumps(list(report.hourly_wh))
    settled = day_settled(conn, day)
    figures = (report.wh, hourly, report.shared_wh, report.grid_wh)
    if existing is not None and (
        (existing.delivered_wh, existing.hourly_wh, existing.shared_wh, existing.grid_wh) == figures
    ):
        return _view(existing, traded, "unchanged", settled), 200
    if settled and existing is not None:
        raise AlreadySettled(
            f"{day.isoformat()} is already settled; its delivery figures can no longer change.",
            field="day",
        )
    values = {
        "delivered_wh": report.wh,
        "hourly_wh": hourly,
        "shared_wh": report.shared_wh,
        "grid_wh": report.grid_wh,
        "client_report_id": report.client_report_id,
        "updated_at": now,
    }
    if existing is None:
        conn.execute(
            sa.insert(d).values(
                household_id=household_id,
                day=day,
                side=side,
                reported_at=now,
                corrections=0,
                late=settled,  # after settlement: for the record, the money stands
                **values,
            )
        )
        status, code = "recorded", 201
    else:
        conn.execute(
            sa.update(d)
            .where(d.c.seq == existing.seq)
            .values(corrections=d.c.corrections + 1, **values)
        )
        status, code = "corrected", 200
    row = conn.execute(_select(household_id).where(key)).one()
    return _view(row, traded, status, settled), code


def list_reports(conn: Connection, household_id: str, day: date | None) -> list[dict[str, Any]]:
    """The household's reports, newest day first."""
    d, f, led = db.deliveries, db.fills, db.ledger
    query = _select(household_id)
    if day is not None:
        query = query.where(d.c.day == day)
    rows = list(conn.execute(query.order_by(d.c.day.desc(), d.c.side)))
    if not rows:
        return []
    days = {r.day for r in rows}
    traded = {
        (r[0], r[1]): int(r[2])
        for r in conn.execute(
            sa.select(f.c.day, f.c.side, sa.func.sum(f.c.volume_ticks))
            .where(f.c.household_id == household_id, f.c.day.in_(days))
            .group_by(f.c.day, f.c.side)
        )
    }
    settled = set(
        conn.execute(sa.select(led.c.day).where(led.c.day.in_(days)).distinct()).scalars()
    )
    return [
        _view(
            r,
            traded.get((r.day, r.side), 0),
            "corrected" if r.corrections else "recorded",
            r.day in settled,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class DayReports:
    """What the households reported for one day before it settled (late reports excluded)."""

    sold_wh: dict[str, int]  # selling household -> Wh it delivered
    used_wh: dict[str, int]  # buying household -> Wh of capacity it used (own + shared)
    shared_wh: dict[str, int]  # buying household -> Wh of that drawn as shared energy

    def reported(self, side: str) -> set[str]:
        return set(self.sold_wh if side == "sell" else self.used_wh)


def day_reports(conn: Connection, day: date) -> DayReports:
    d = db.deliveries
    sold: dict[str, int] = {}
    used: dict[str, int] = {}
    shared: dict[str, int] = {}
    for r in conn.execute(
        sa.select(d.c.household_id, d.c.side, d.c.delivered_wh, d.c.shared_wh).where(
            d.c.day == day, d.c.late.is_(False)
        )
    ):
        household_id = str(r.household_id)
        if r.side == "sell":
            sold[household_id] = int(r.delivered_wh)
        else:
            used[household_id] = int(r.delivered_wh)
            shared[household_id] = int(r.shared_wh or 0)
    return DayReports(sold, used, shared)


@dataclass(frozen=True, slots=True)
class SellerDay:
    day: date
    household_id: str
    filled_ticks: int
    reported_wh: int | None  # None: not reported

    @property
    def delivered_wh(self) -> int:
        """What counts as delivered: the report clipped to the fills, or in full without one."""
        filled_wh = self.filled_ticks * WH_PER_VOLUME_TICK
        return filled_wh if self.reported_wh is None else min(self.reported_wh, filled_wh)


def _traded_days(conn: Connection, first: date, last: date, side: str) -> list[Any]:
    """(day, household_id, filled ticks, reported Wh, reported shared Wh) of every household
    with fills on `side` in [first, last]; the report columns None without one in time."""
    f, d = db.fills, db.deliveries
    filled = (
        sa.select(f.c.day, f.c.household_id, sa.func.sum(f.c.volume_ticks).label("ticks"))
        .where(f.c.day >= first, f.c.day <= last, f.c.side == side)
        .group_by(f.c.day, f.c.household_id)
        .subquery()
    )
    query = sa.select(
        filled.c.day, filled.c.household_id, filled.c.ticks, d.c.delivered_wh, d.c.shared_wh
    ).join(
        d,
        sa.and_(
            d.c.day == filled.c.day,
            d.c.household_id == filled.c.household_id,
            d.c.side == side,
            d.c.late.is_(False),
        ),
        isouter=True,
    )
    return list(conn.execute(query.order_by(filled.c.day, filled.c.household_id)))


def seller_days(conn: Connection, first: date, last: date) -> list[SellerDay]:
    """Every (day, seller) with sell fills in [first, last], with its report if any."""
    return [
        SellerDay(r[0], str(r[1]), int(r[2]), None if r[3] is None else int(r[3]))
        for r in _traded_days(conn, first, last, "sell")
    ]


@dataclass(frozen=True, slots=True)
class BuyerDay:
    day: date
    household_id: str
    filled_ticks: int
    used_wh: int | None  # None: not reported
    shared_wh: int  # shared energy it says it drew (0 without a report)


def buyer_days(conn: Connection, first: date, last: date) -> list[BuyerDay]:
    """Every (day, buyer) with buy fills in [first, last], with its report if any."""
    return [
        BuyerDay(r[0], str(r[1]), int(r[2]), None if r[3] is None else int(r[3]), int(r[4] or 0))
        for r in _traded_days(conn, first, last, "buy")
    ]


def ratio(parts: Mapping[str, int]) -> float | None:
    """delivered / sold of reported sellers, rounded to 3; None when nobody reported."""
    return round(parts["delivered"] / parts["sold"], 3) if parts["sold"] else None
