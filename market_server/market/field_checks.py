"""One JSON value -> a typed value, or ValidationFailed naming the field in a sentence a person
understands. The contract's body models (http/contract.py) parse with these; the command line
and the households' names use them too."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from market_server.errors import ValidationFailed

# date.fromisoformat also reads "20261210" and "2026-W50-3"; the contract says YYYY-MM-DD only.
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Line breaks and tabs may stand in a note; no other control character in any text we store.
_NOTE_CONTROLS = frozenset("\t\n\r")


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
