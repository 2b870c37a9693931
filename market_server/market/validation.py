"""The rules of a request that depend on the community's settings or the time: price and
volume bounds, the horizon, gate closure. The shape and types of a body are the contract's
(http/contract.py); single values are read by field_checks.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from market_server.errors import GateClosed, ValidationFailed
from market_server.market.gate import gate_closure, is_open, local_today
from market_server.market.settings import CommunitySettings
from market_server.market.side import Side
from market_server.market.units import (
    PRICE_TICKS_PER_EUR,
    VOLUME_TICKS_PER_KWH,
    eur_per_kwh,
    kwh,
    to_ticks,
)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A validated order request: one order per (day, volume ticks)."""

    side: Side
    volumes: tuple[tuple[date, int], ...]
    price_ticks: int
    client_request_id: str | None
    max_power_kw: float | None
    note: str | None
    per_day: bool = False

    def fingerprint(self) -> str:
        """Hash of what the request asks for (retries with the same content match)."""
        canonical = json.dumps(
            {
                "side": self.side,
                "volumes": [[d.isoformat(), v] for d, v in self.volumes],
                "price": self.price_ticks,
                "max_power_kw": self.max_power_kw,
                "note": self.note,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def volume_ticks(
    value: float, name: str, settings: CommunitySettings, *, field: str | None = None
) -> int:
    field = field or name
    if value <= 0:
        raise ValidationFailed(f"{name} must be more than 0 kWh, got {value:g}.", field=field)
    if value > settings.max_kwh_per_order_day:
        raise ValidationFailed(
            f"{name} {value:g} kWh is more than the {settings.max_kwh_per_order_day:g} kWh "
            "allowed per order and day.",
            field=field,
        )
    # Below one step first: 1e-8 is more usefully "too small" than "off the step".
    if value < kwh(1):
        raise ValidationFailed(
            f"{name} must be at least {kwh(1):g} kWh, got {value:g}.", field=field
        )
    ticks = to_ticks(value, VOLUME_TICKS_PER_KWH)
    if ticks is None:
        raise ValidationFailed(f"{name} must be in steps of 0.1 kWh, got {value}.", field=field)
    return ticks


def price_ticks(value: float, settings: CommunitySettings) -> int:
    name = "limit_price"
    if value < settings.min_price or value > settings.max_price:
        raise ValidationFailed(
            f"limit_price {value} EUR/kWh is outside the community's bounds "
            f"{settings.min_price:.3f} to {settings.max_price:.3f} EUR/kWh.",
            field=name,
        )
    ticks = to_ticks(value, PRICE_TICKS_PER_EUR)
    if ticks is None:
        raise ValidationFailed(
            f"limit_price must be in steps of 0.001 EUR/kWh, got {value}.", field=name
        )
    return ticks


def request_spec(
    settings: CommunitySettings,
    *,
    side: Side,
    limit_price: float,
    volumes: Mapping[date, float] | None,
    start_day: date | None,
    num_days: int | None,
    kwh_per_day: float | None,
    client_request_id: str | None,
    max_power_kw: float | None,
    note: str | None,
) -> RequestSpec:
    """A parsed request body (http/contract.py's RequestBody) checked against the community's
    bounds: price, kWh per order and day, how many days (time-independent)."""
    price = price_ticks(limit_price, settings)
    ticks_by_day: dict[date, int] = {}
    if volumes is not None:
        if len(volumes) > settings.horizon_days + 1:
            raise ValidationFailed(
                f"volumes may name at most {settings.horizon_days + 1} days.", field="volumes"
            )
        for day, value in volumes.items():
            label = f"The volume for {day.isoformat()}"
            ticks_by_day[day] = volume_ticks(value, label, settings, field="volumes")
    else:
        # The body model requires all three when volumes is absent.
        assert start_day is not None and num_days is not None and kwh_per_day is not None
        if not 1 <= num_days <= settings.horizon_days + 1:
            raise ValidationFailed(
                f"num_days must be between 1 and {settings.horizon_days + 1}, got {num_days}.",
                field="num_days",
            )
        ticks = volume_ticks(kwh_per_day, "kwh_per_day", settings)
        if (date.max - start_day).days < num_days - 1:
            raise ValidationFailed(
                f"start_day {start_day.isoformat()} plus {num_days} days runs past the end of the "
                "calendar; the market trades only the next days up to its horizon.",
                field="start_day",
            )
        ticks_by_day = {start_day + timedelta(days=i): ticks for i in range(num_days)}
    return RequestSpec(
        side=side,
        volumes=tuple(sorted(ticks_by_day.items())),
        price_ticks=price,
        client_request_id=client_request_id,
        max_power_kw=max_power_kw,
        note=note,
        per_day=volumes is not None,
    )


@dataclass(frozen=True, slots=True)
class RepriceSpec:
    """A validated re-price: the request's remainder (on `days`, or all) at a new limit price."""

    price_ticks: int
    days: frozenset[date] | None
    client_request_id: str | None

    def fingerprint(self, request_id: str) -> str:
        """Hash of this re-price of `request_id`: its replay must name the same request, price
        and days (a request's own fingerprint never equals it)."""
        canonical = json.dumps(
            {
                "reprice": request_id,
                "price": self.price_ticks,
                "days": None if self.days is None else sorted(d.isoformat() for d in self.days),
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def reprice_spec(
    settings: CommunitySettings,
    *,
    limit_price: float,
    days: list[date] | None,
    client_request_id: str | None,
) -> RepriceSpec:
    """A parsed re-price body (RepriceBody) checked against the community's price bounds and
    horizon."""
    price = price_ticks(limit_price, settings)
    if days is not None and len(days) > settings.horizon_days + 1:
        raise ValidationFailed(days_message(settings), field="days")
    return RepriceSpec(price, None if days is None else frozenset(days), client_request_id)


def days_message(settings: CommunitySettings) -> str:
    """What a re-price's `days` must be (said by the body model and here)."""
    return f"days must be a list of 1 to {settings.horizon_days + 1} delivery days (YYYY-MM-DD)."


def check_days(spec: RequestSpec, settings: CommunitySettings, now: datetime) -> None:
    """Time-dependent checks: no past days, none beyond the horizon, none after gate closure."""
    today = local_today(now, settings)
    last = today + timedelta(days=settings.horizon_days)
    field = "volumes" if spec.per_day else "start_day"
    for day, _ in spec.volumes:
        if day < today:
            raise ValidationFailed(
                f"{day.isoformat()} is in the past (today is {today.isoformat()}).", field=field
            )
        if day > last:
            raise ValidationFailed(
                f"{day.isoformat()} is beyond the market's horizon of {settings.horizon_days} days "
                f"(last day {last.isoformat()}).",
                field=field,
            )
        if not is_open(day, now, settings):
            closed = gate_closure(day, settings)
            raise GateClosed(
                f"Trading for {day.isoformat()} closed at {closed.isoformat(timespec='minutes')}.",
                field=field,
            )


def describe_volume(ticks: int) -> str:
    return f"{kwh(ticks):g} kWh"


def describe_price(ticks: int) -> str:
    return f"{eur_per_kwh(ticks):.3f} EUR/kWh"
