"""Integer ticks of volume, price and money, and their conversion from and to wire numbers.

Volume: 1 tick = 0.1 kWh. Price: 1 tick = 0.001 EUR/kWh. Money: volume ticks x price ticks,
1 tick = 0.0001 EUR; EUR are rounded to the cent only for display.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

VOLUME_TICKS_PER_KWH = 10
PRICE_TICKS_PER_EUR = 1000
MONEY_TICKS_PER_EUR = VOLUME_TICKS_PER_KWH * PRICE_TICKS_PER_EUR
# Metered deliveries are finer than the trading step: watt-hours.
WH_PER_KWH = 1000
WH_PER_VOLUME_TICK = WH_PER_KWH // VOLUME_TICKS_PER_KWH
VOLUME_STEP_KWH = 0.1
PRICE_STEP_EUR = 0.001
# Float noise of a client's arithmetic (0.1 * 3 = 0.30000000000000004) is a few parts in 1e16
# of the value; anything further off is a different number (0.1000000001, 1e-320) and is
# refused rather than rounded, so that what a household sent is what it trades.
_STEP_REL_TOLERANCE = 1e-12


def to_ticks(value: float, per_unit: int) -> int | None:
    """`value` in ticks if it is finite and on the step (within float noise), else None."""
    if not math.isfinite(value):
        return None
    scaled = value * per_unit
    if abs(scaled) > 1e15:
        return None
    ticks = round(scaled)
    if not math.isclose(scaled, ticks, rel_tol=_STEP_REL_TOLERANCE, abs_tol=0.0):
        return None
    return int(ticks)


def kwh(ticks: int) -> float:
    return ticks / VOLUME_TICKS_PER_KWH


def kwh_from_wh(wh: int) -> float:
    return wh / WH_PER_KWH


def eur_per_kwh(ticks: int) -> float:
    return ticks / PRICE_TICKS_PER_EUR


def money_eur(ticks: int) -> float:
    """Money ticks as EUR rounded to the cent (half up), for display."""
    cents = (Decimal(ticks) / MONEY_TICKS_PER_EUR).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(cents)


def money_decimal(ticks: int) -> Decimal:
    """Money ticks as exact EUR (four decimals), for exports."""
    return (Decimal(ticks) / MONEY_TICKS_PER_EUR).quantize(Decimal("0.0001"))
