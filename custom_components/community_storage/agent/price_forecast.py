"""Hourly prices from a Home Assistant price entity's attributes, and tariffs from them.

Dynamic-tariff integrations publish the day's and the next day's prices as attributes of their
price sensor, each in its own shape:

* **Nord Pool** (``nordpool``): ``raw_today`` / ``raw_tomorrow``, lists of
  ``{"start": ..., "end": ..., "value": ...}``;
* **Tibber**: ``today`` / ``tomorrow``, lists of ``{"total": ..., "startsAt": ...}``;
* **EPEX Spot** (``epex_spot``): ``data``, a list of ``{"start_time": ..., "price_per_kwh": ...}``.

Starts are ISO timestamps (or datetimes); quarter-hour prices are averaged into their hour. Units
follow the entity's ``unit_of_measurement``: EUR/kWh as is, EUR/MWh and ct/kWh converted. An
hour no forecast covers takes the same hour of another published day, and without any forecast
the entity's state (the current price) stands for every hour.

Pure data handling: no Home Assistant here (the caller passes a state's attributes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any, Final

from .tariff import HOURS, MAX_PRICE_EUR_PER_KWH, Tariff, TariffError, hourly

# (list attribute, start key, price key) of each supported integration.
FORECAST_SHAPES: Final[tuple[tuple[str, str, str], ...]] = (
    ("raw_today", "start", "value"),
    ("raw_tomorrow", "start", "value"),
    ("today", "startsAt", "total"),
    ("tomorrow", "startsAt", "total"),
    ("data", "start_time", "price_per_kwh"),
)


def unit_factor(unit: str | None) -> float:
    """Factor from the entity's unit to EUR/kWh (EUR/kWh when no unit is given)."""
    text = (unit or "").replace(" ", "").lower()
    if text.endswith("/mwh"):
        return 0.001
    if text.startswith(("ct", "c/", "cent")):
        return 0.01
    return 1.0


def _start(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _price(value: Any) -> float | None:
    try:
        price = float(value)
    except (TypeError, ValueError):
        return None
    return price if math.isfinite(price) else None


def forecast_points(
    attributes: Mapping[str, Any], unit: str | None = None
) -> list[tuple[datetime, float]]:
    """Every (start, EUR/kWh) the attributes hold, in any of the supported shapes."""
    factor = unit_factor(unit if unit is not None else attributes.get("unit_of_measurement"))
    points: list[tuple[datetime, float]] = []
    for attribute, start_key, price_key in FORECAST_SHAPES:
        entries = attributes.get(attribute)
        if not isinstance(entries, list | tuple):
            continue
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            start = _start(entry.get(start_key))
            price = _price(entry.get(price_key))
            if start is not None and start.tzinfo is not None and price is not None:
                points.append((start, price * factor))
    return points


def hourly_by_day(
    points: Iterable[tuple[datetime, float]], zone: tzinfo
) -> dict[date, list[float | None]]:
    """Per local day, the mean price of each local hour (None where nothing was published)."""
    sums: dict[date, list[list[float]]] = {}
    for start, price in points:
        local = start.astimezone(zone)
        sums.setdefault(local.date(), [[] for _ in range(HOURS)])[local.hour].append(price)
    return {
        day: [sum(values) / len(values) if values else None for values in hours]
        for day, hours in sums.items()
    }


def tariff_from_entity(
    *,
    state: str | None,
    attributes: Mapping[str, Any],
    day: date,
    zone: tzinfo,
    feed_in: float,
) -> Tariff | None:
    """The dynamic tariff of ``day`` from a price entity; None when it says no usable price.

    ``day``'s own forecast where published; its gaps from the nearest other published day's
    same hour (tomorrow's prices are published around 13:00, so a plan made in the morning
    values tomorrow with today's shape); without any forecast, the current price all day.
    """
    unit = attributes.get("unit_of_measurement")
    by_day = hourly_by_day(forecast_points(attributes, unit), zone)
    current = _price(state)
    fallback = None if current is None else current * unit_factor(unit)
    others = sorted(by_day, key=lambda other: (abs((other - day).days), other))
    prices: list[float] = []
    for hour in range(HOURS):
        found = next(
            (p for other in others if (p := by_day[other][hour]) is not None),
            fallback,
        )
        if found is None:
            return None
        prices.append(found)
    # Negative day-ahead hours happen; a household does not pay below zero for long, and the
    # tariff's bounds refuse them: clip to the range a tariff allows.
    clipped = [min(max(p, 0.0), MAX_PRICE_EUR_PER_KWH) for p in prices]
    try:
        return hourly(clipped, feed_in)
    except TariffError:
        return None
