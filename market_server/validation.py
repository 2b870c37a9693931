"""Request bodies -> typed values, or a typed error naming the field and saying what is wrong."""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .config import CommunitySettings
from .errors import GateClosed, ValidationFailed
from .gate import gate_closure, is_open, local_today
from .units import PRICE_TICKS_PER_EUR, VOLUME_TICKS_PER_KWH, eur_per_kwh, kwh, to_ticks

MAX_CLIENT_REQUEST_ID = 200
MAX_NOTE = 500
# date.fromisoformat also reads "20261210" and "2026-W50-3"; the contract says YYYY-MM-DD only.
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Line breaks and tabs may stand in a note; no other control character in any text we store.
_NOTE_CONTROLS = frozenset("\t\n\r")
REQUEST_FIELDS = frozenset(
    {
        "side",
        "start_day",
        "num_days",
        "kwh_per_day",
        "volumes",
        "limit_price",
        "client_request_id",
        "max_power_kw",
        "note",
    }
)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A validated order request: one order per (day, volume ticks)."""

    side: str
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


def require_object(
    body: Any, allowed: frozenset[str] | set[str], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed("The request body must be a JSON object.")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationFailed(
            f"Unknown field {unknown[0]!r}; allowed fields are: {', '.join(sorted(allowed))}.",
            field=unknown[0],
        )
    for name in required:
        if name not in body or body[name] is None:
            raise ValidationFailed(f"The field {name!r} is required.", field=name)
    return body


def number(
    body: Mapping[str, Any], name: str, *, label: str | None = None, field: str | None = None
) -> float:
    """``body[name]`` as a float; messages say ``label`` (default ``name``)."""
    value = body[name]
    label = label or name
    field = field or name
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(
            f"{label} must be a number, got {type(value).__name__}.", field=field
        )
    if isinstance(value, int) and abs(value) > 10**15:
        raise ValidationFailed(f"{label} {value:.3g} is far too large.", field=field)
    if not math.isfinite(value):
        raise ValidationFailed(f"{label} must be a finite number.", field=field)
    return float(value)


def integer(body: Mapping[str, Any], name: str) -> int:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValidationFailed(f"{name} must be a whole number.", field=name)
    return value


def string(
    body: Mapping[str, Any],
    name: str,
    *,
    max_len: int,
    allow_empty: bool = False,
    multiline: bool = False,
) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} must be a string, got {type(value).__name__}.", field=name)
    if not allow_empty and not value.strip():
        raise ValidationFailed(f"{name} must not be empty.", field=name)
    if len(value) > max_len:
        raise ValidationFailed(f"{name} must be at most {max_len} characters.", field=name)
    return storable_text(value, name, multiline=multiline)


def storable_text(value: str, name: str, *, multiline: bool = False) -> str:
    """`value` unless it holds what neither database nor UTF-8 can keep.

    A lone surrogate (JSON "\\ud800") has no UTF-8 form, and PostgreSQL refuses NUL in text;
    other control characters are refused too so that a name prints as what it looks like.
    Line breaks and tabs are allowed where `multiline` (a note).
    """
    if value.isprintable():  # the common case; isprintable() is False for Cc and Cs
        return value
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if category == "Cs":
            raise ValidationFailed(
                f"{name} contains a lone UTF-16 surrogate (U+{ord(char):04X}) at position "
                f"{index}; send valid Unicode text.",
                field=name,
            )
        if category == "Cc" and not (multiline and char in _NOTE_CONTROLS):
            raise ValidationFailed(
                f"{name} contains the control character U+{ord(char):04X} at position {index}; "
                "send printable text.",
                field=name,
            )
    return value


def day_value(value: Any, name: str) -> date:
    """A day written exactly YYYY-MM-DD (no week dates, no basic format)."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} must be a date string YYYY-MM-DD.", field=name)
    try:
        if not _DAY_RE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{name} {value!r} is not a date in the form YYYY-MM-DD.", field=name
        ) from None


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
    ticks = to_ticks(value, VOLUME_TICKS_PER_KWH)
    if ticks is None:
        raise ValidationFailed(f"{name} must be in steps of 0.1 kWh, got {value}.", field=field)
    # Checked after rounding to ticks: 1e-8 is "on the step" within float noise but is 0 ticks.
    if ticks <= 0:
        raise ValidationFailed(
            f"{name} must be at least {kwh(1):g} kWh, got {value:g}.", field=field
        )
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


def parse_request(body: Any, settings: CommunitySettings) -> RequestSpec:
    """Shape, types, steps and bounds of POST /api/v1/requests (time-independent checks)."""
    body = require_object(body, REQUEST_FIELDS, ("side", "limit_price"))
    side = body["side"]
    if side not in ("buy", "sell"):
        raise ValidationFailed("side must be 'buy' or 'sell'.", field="side")
    price = price_ticks(number(body, "limit_price"), settings)

    simple = [k for k in ("start_day", "num_days", "kwh_per_day") if k in body]
    volumes: dict[date, int] = {}
    if "volumes" in body:
        if simple:
            raise ValidationFailed(
                "Give either 'volumes' or start_day/num_days/kwh_per_day, "
                f"not both ({simple[0]!r}).",
                field=simple[0],
            )
        raw = body["volumes"]
        if not isinstance(raw, dict) or not raw:
            raise ValidationFailed(
                'volumes must be a non-empty object {"YYYY-MM-DD": kWh}.', field="volumes"
            )
        if len(raw) > settings.horizon_days + 1:
            raise ValidationFailed(
                f"volumes may name at most {settings.horizon_days + 1} days.", field="volumes"
            )
        for key in raw:
            day = day_value(key, "volumes")
            label = f"The volume for {key}"
            value = number(raw, key, label=label, field="volumes")
            volumes[day] = volume_ticks(value, label, settings, field="volumes")
    else:
        for name in ("start_day", "num_days", "kwh_per_day"):
            if name not in body:
                raise ValidationFailed(
                    f"The field {name!r} is required (or give 'volumes' per day).", field=name
                )
        start = day_value(body["start_day"], "start_day")
        num_days = integer(body, "num_days")
        if not 1 <= num_days <= settings.horizon_days + 1:
            raise ValidationFailed(
                f"num_days must be between 1 and {settings.horizon_days + 1}, got {num_days}.",
                field="num_days",
            )
        ticks = volume_ticks(number(body, "kwh_per_day"), "kwh_per_day", settings)
        if (date.max - start).days < num_days - 1:
            raise ValidationFailed(
                f"start_day {start.isoformat()} plus {num_days} days runs past the end of the "
                "calendar; the market trades only the next days up to its horizon.",
                field="start_day",
            )
        volumes = {start + timedelta(days=i): ticks for i in range(num_days)}

    client_id = None
    if body.get("client_request_id") is not None:
        client_id = string(body, "client_request_id", max_len=MAX_CLIENT_REQUEST_ID)
    power = None
    if body.get("max_power_kw") is not None:
        power = number(body, "max_power_kw")
        if not 0 < power <= 1000:
            raise ValidationFailed(
                "max_power_kw must be more than 0 and at most 1000 kW.", field="max_power_kw"
            )
    note = None
    if body.get("note") is not None:
        note = string(body, "note", max_len=MAX_NOTE, allow_empty=True, multiline=True)
    return RequestSpec(
        side=side,
        volumes=tuple(sorted(volumes.items())),
        price_ticks=price,
        client_request_id=client_id,
        max_power_kw=power,
        note=note,
        per_day="volumes" in body,
    )


REPRICE_FIELDS = frozenset({"limit_price", "days", "client_request_id"})


@dataclass(frozen=True, slots=True)
class RepriceSpec:
    """A validated re-price: the request's remainder (on `days`, or all) at a new limit price."""

    price_ticks: int
    days: frozenset[date] | None
    client_request_id: str | None


def parse_reprice(body: Any, settings: CommunitySettings) -> RepriceSpec:
    """Shape, steps and bounds of POST /api/v1/requests/{id}/reprice."""
    body = require_object(body, REPRICE_FIELDS, ("limit_price",))
    price = price_ticks(number(body, "limit_price"), settings)
    days = None
    if body.get("days") is not None:
        raw = body["days"]
        if not isinstance(raw, list) or not 1 <= len(raw) <= settings.horizon_days + 1:
            raise ValidationFailed(
                "days must be a list of 1 to "
                f"{settings.horizon_days + 1} delivery days (YYYY-MM-DD).",
                field="days",
            )
        days = frozenset(day_value(item, "days") for item in raw)
    client_id = None
    if body.get("client_request_id") is not None:
        client_id = string(body, "client_request_id", max_len=MAX_CLIENT_REQUEST_ID)
    return RepriceSpec(price, days, client_id)


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
