"""What a household pays for grid energy hour by hour, and what it gets for feeding in.

Three kinds of tariff, as households have them in Germany in 2026:

* **fixed**: one import price all day (the 2026 average is about EUR 0.37/kWh);
* **time of use**: a schedule of local hours and prices (a cheap night, an expensive evening);
* **dynamic**: hourly prices that follow the day-ahead market, read from a price entity
  (Nord Pool, Tibber, EPEX Spot); ``dynamic_day_ahead`` builds the demo's and the benchmark's
  day with the German day-ahead shape: a midday dip and an evening peak.

Every tariff has a feed-in price for exported energy. The planner values capacity with these
figures (the evening import it avoids, the energy it stores), never with constants.

Pure data and arithmetic: no Home Assistant, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

HOURS: Final = 24
# The 2026 reference figures (DESIGN.md): retail and feed-in, EUR per kWh.
DEFAULT_IMPORT_EUR_PER_KWH: Final = 0.37
DEFAULT_FEED_IN_EUR_PER_KWH: Final = 0.078
# Bounds a household may set: a price outside them is a typo, not a tariff.
MAX_PRICE_EUR_PER_KWH: Final = 2.0

TariffKind = Literal["fixed", "time_of_use", "dynamic"]
TARIFF_KINDS: Final[tuple[TariffKind, ...]] = ("fixed", "time_of_use", "dynamic")

# German day-ahead prices by local hour (EUR/kWh, before fees and VAT), the shape of an
# ordinary weekday: low at night, a morning ramp, a dip while solar floods the market at midday
# and the evening peak when it is gone. Summer months deepen the midday dip (see
# ``day_ahead_prices``).
_DAY_AHEAD_SHAPE: Final = (
    0.085, 0.080, 0.078, 0.076, 0.078, 0.085, 0.105, 0.125, 0.120, 0.100, 0.080, 0.065,
    0.055, 0.055, 0.065, 0.085, 0.110, 0.145, 0.165, 0.150, 0.125, 0.110, 0.100, 0.090,
)  # fmt: skip
# What a dynamic tariff adds to the day-ahead price: grid fees, levies and the supplier's
# margin (EUR/kWh), then VAT. With the shape above it averages about the fixed 0.37.
_DYNAMIC_FEES_EUR_PER_KWH: Final = 0.215
_VAT: Final = 1.19
_MIDDAY_HOURS: Final = range(10, 16)


class TariffError(ValueError):
    """A tariff that cannot be: wrong length, negative or absurd prices, overlapping hours."""


@dataclass(frozen=True, slots=True)
class Tariff:
    """Import price per local hour (24 figures, EUR/kWh) and the feed-in price."""

    kind: TariffKind
    hourly_import: tuple[float, ...]
    feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH

    def __post_init__(self) -> None:
        """Refuse a tariff no household has: 24 prices, each between 0 and the bound."""
        if len(self.hourly_import) != HOURS:
            raise TariffError(f"A tariff has {HOURS} hourly prices, not {len(self.hourly_import)}")
        for price in (*self.hourly_import, self.feed_in):
            if not 0.0 <= price <= MAX_PRICE_EUR_PER_KWH:  # also refuses NaN
                raise TariffError(
                    f"Prices are between 0 and {MAX_PRICE_EUR_PER_KWH:g} EUR/kWh, not {price!r}"
                )

    def import_price(self, hour: int) -> float:
        """EUR/kWh for energy imported in local ``hour`` (0-23)."""
        return self.hourly_import[hour % HOURS]

    def mean_import(self, hours: Iterable[int]) -> float:
        """Average import price over ``hours`` (all hours if empty)."""
        chosen = [self.import_price(h) for h in hours] or list(self.hourly_import)
        return sum(chosen) / len(chosen)

    def cheapest_hours(self, count: int, before: int = HOURS) -> tuple[int, ...]:
        """The ``count`` cheapest hours before local hour ``before``, in time order."""
        ranked = sorted(range(before), key=lambda h: (self.hourly_import[h], h))
        return tuple(sorted(ranked[: max(0, count)]))


def fixed(
    price: float = DEFAULT_IMPORT_EUR_PER_KWH, feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH
) -> Tariff:
    """One price all day."""
    return Tariff("fixed", (price,) * HOURS, feed_in)


def time_of_use(
    periods: Sequence[tuple[int, int, float]],
    *,
    default: float,
    feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH,
) -> Tariff:
    """A schedule: ``(start_hour, end_hour, price)`` periods (end exclusive, may wrap past
    midnight), ``default`` for the hours no period names. Periods must not overlap."""
    prices: list[float | None] = [None] * HOURS
    for start, end, price in periods:
        if not (0 <= start < HOURS and 0 <= end <= HOURS) or start == end:
            raise TariffError(f"A period runs from one hour 0-23 to another, not {start}-{end}")
        hours = range(start, end) if start < end else [*range(start, HOURS), *range(end)]
        for hour in hours:
            if prices[hour] is not None:
                raise TariffError(f"Periods overlap at {hour:02d}:00")
            prices[hour] = price
    return Tariff("time_of_use", tuple(default if p is None else p for p in prices), feed_in)


def hourly(prices: Sequence[float], feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH) -> Tariff:
    """A dynamic tariff's day from its 24 hourly prices (a price entity's forecast)."""
    return Tariff("dynamic", tuple(float(p) for p in prices), feed_in)


def day_ahead_prices(month: int = 11) -> tuple[float, ...]:
    """The German day-ahead shape for a day of ``month`` (EUR/kWh, wholesale).

    From April to September solar halves the midday price (and more in June), which is when
    storing the midday surplus pays most.
    """
    summer_dip = {4: 0.6, 5: 0.45, 6: 0.3, 7: 0.35, 8: 0.5, 9: 0.7}.get(month, 1.0)
    return tuple(
        price * summer_dip if hour in _MIDDAY_HOURS else price
        for hour, price in enumerate(_DAY_AHEAD_SHAPE)
    )


def dynamic_day_ahead(month: int = 11, feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH) -> Tariff:
    """A dynamic retail tariff: day-ahead price plus fees, with VAT."""
    return hourly(
        [round((_DYNAMIC_FEES_EUR_PER_KWH + p) * _VAT, 4) for p in day_ahead_prices(month)],
        feed_in,
    )


def evening_peak_time_of_use(feed_in: float = DEFAULT_FEED_IN_EUR_PER_KWH) -> Tariff:
    """A typical German time-of-use tariff: cheap nights, an expensive evening peak."""
    return time_of_use([(22, 6, 0.29), (17, 21, 0.45)], default=0.36, feed_in=feed_in)
