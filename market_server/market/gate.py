"""Delivery days and their gate closure, in the community's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from market_server.market.settings import CommunitySettings


def gate_closure(day: date, settings: CommunitySettings) -> datetime:
    """When trading for delivery `day` closes (aware, community time zone)."""
    local_day = day - timedelta(days=settings.gate_closure_days_before)
    return datetime.combine(local_day, settings.gate_time, tzinfo=settings.zone)


def local_today(now: datetime, settings: CommunitySettings) -> date:
    return now.astimezone(settings.zone).date()


def is_open(day: date, now: datetime, settings: CommunitySettings) -> bool:
    """Orders for `day` may still be placed and cleared."""
    return now < gate_closure(day, settings)


def last_day(now: datetime, settings: CommunitySettings) -> date:
    """The last delivery day within the horizon."""
    return local_today(now, settings) + timedelta(days=settings.horizon_days)


def open_days(now: datetime, settings: CommunitySettings) -> list[date]:
    """Every delivery day that can still trade: today (if its gate is open) up to the horizon."""
    today = local_today(now, settings)
    days = (today + timedelta(days=i) for i in range(settings.horizon_days + 1))
    return [d for d in days if is_open(d, now, settings)]


def day_end(day: date, settings: CommunitySettings) -> datetime:
    """End of the delivery day (start of the next local day), aware UTC."""
    nxt = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=settings.zone)
    return nxt.astimezone(UTC)


def next_gate_closure(now: datetime, settings: CommunitySettings) -> datetime:
    """The next gate closure strictly after `now` (for the scheduler)."""
    today = local_today(now, settings)
    for offset in range(settings.gate_closure_days_before + 3):
        candidate = gate_closure(today + timedelta(days=offset), settings)
        if candidate > now:
            return candidate
    return gate_closure(today + timedelta(days=settings.gate_closure_days_before + 3), settings)
