"""Where a spoken figure becomes kWh or EUR/kWh.

A number is a volume when "kWh" (or "kilowatt hours") follows it, a price when a currency follows
or precedes it ("12 cents", "0.10 EUR", "€0.12", "zehn Cent") or when a price word stands before
a bare figure ("max 12", "höchstens 0,10"). Bare price figures of 1 or more are cents, as people
say capacity prices ("at most 12" means EUR 0.12). A volume is per day unless the sentence says it
is a total ("50 kWh over the week", "insgesamt 20 kWh").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .lexicon import (
    CENT_UNITS,
    DAY_UNITS,
    EURO_UNITS,
    HOUR_WORDS,
    KILOWATT,
    KWH_UNITS,
    PER_DAY_AFTER,
    PER_DAY_WORDS,
    PRICE_CUES,
    TOTAL_WORDS,
)
from .numbers import number_at

# Capacity prices are cents per kWh: figures of 1 or more are cents when no currency is said.
CENTS_THRESHOLD: Final = 1.0


def eur_from_bare_figure(value: float) -> float:
    """A price without a currency in EUR/kWh: "12" is 12 cents, "0.12" is EUR."""
    return value / 100 if value >= CENTS_THRESHOLD else value


# "for" and "at" make a bare figure a price only right after a volume or a trade verb.
_PRICE_PHRASES: Final = (("no", "more", "than"), ("not", "more", "than"), ("up", "to"),
                         ("bis", "zu"), ("nicht", "mehr", "als"), ("less", "than"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Amounts:
    """The volume and price a sentence names."""

    kwh: float | None = None
    kwh_is_total: bool = False
    price_eur: float | None = None


def _is_kwh(tokens: tuple[str, ...], j: int) -> bool:
    if j >= len(tokens):
        return False
    if tokens[j] in KWH_UNITS:
        return True
    return tokens[j] in KILOWATT and j + 1 < len(tokens) and tokens[j + 1] in HOUR_WORDS


def _price_cue_before(tokens: tuple[str, ...], i: int) -> bool:
    if i >= 1 and tokens[i - 1] in PRICE_CUES:
        return True
    return any(
        i >= len(phrase) and tokens[i - len(phrase) : i] == phrase for phrase in _PRICE_PHRASES
    )


def _is_total(tokens: tuple[str, ...], after: int) -> bool:
    """A total marker ("over the week", "in total", "insgesamt") and no "per day"."""
    for j, token in enumerate(tokens):
        if token in PER_DAY_WORDS or (
            token in PER_DAY_AFTER and j + 1 < len(tokens) and tokens[j + 1] in DAY_UNITS
        ):
            return False
    return any(
        token in TOTAL_WORDS and (token not in ("over", "ueber") or j >= after)
        for j, token in enumerate(tokens)
    )


def read_amounts(tokens: tuple[str, ...]) -> Amounts:
    """The first volume and the first price the sentence states."""
    kwh: float | None = None
    kwh_end = 0
    price: float | None = None
    for i in range(len(tokens)):
        value = number_at(tokens, i)
        if value is None:
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1] if i else ""
        if _is_kwh(tokens, i + 1):
            # "12 cents per kWh": the kWh belongs to the price before it.
            if before in ("per", "pro", "je", "/"):
                continue
            if kwh is None:
                kwh, kwh_end = value, i + 2
            continue
        if price is not None:
            continue
        if after in CENT_UNITS or (after == "euro" and tokens[i + 2 : i + 3] == ("cent",)):
            price = value / 100
        elif after in EURO_UNITS or before == "€":
            price = value
        elif _price_cue_before(tokens, i):
            price = eur_from_bare_figure(value)
    return Amounts(
        kwh=kwh,
        kwh_is_total=kwh is not None and _is_total(tokens, kwh_end),
        price_eur=round(price, 3) if price is not None else None,
    )
