"""The household battery: usable capacity, limits, losses, wear, and what is already committed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

DEFAULT_EFFICIENCY = 0.95
DEFAULT_WEAR_EUR_PER_KWH = 0.05
# Value of a kWh of daytime energy lost in a round trip: the 2026 feed-in tariff.
DEFAULT_ENERGY_VALUE_EUR_PER_KWH = 0.078
# Orders in these states still hold (or may still take) capacity on their day.
ACTIVE_STATUSES = frozenset({"open", "partially_filled", "filled"})
# A battery management system keeps a reserve of about 5-20 %. A lowest state of charge above
# this in four weeks of history only says the battery was never emptied, not where its floor is.
MAX_RESERVE_SHARE = 0.2
DEFAULT_RESERVE_SHARE = 0.1
# A highest state of charge below this says the battery was never filled (a dark month), not
# that it stops early.
MIN_TOP_SHARE = 0.8
# Peaks below this C-rate were not the battery at its limit (a small house, hourly means);
# home batteries cycle at about 0.5 C.
MIN_OBSERVED_C_RATE = 0.2
DEFAULT_C_RATE = 0.5


@dataclass(frozen=True, slots=True)
class BatterySpec:
    """A battery as the agent sees it. ``capacity_kwh`` is the capacity the sensor or user gave."""

    capacity_kwh: float
    min_soc: float = 0.0
    max_soc: float = 1.0
    charge_efficiency: float = DEFAULT_EFFICIENCY
    discharge_efficiency: float = DEFAULT_EFFICIENCY
    # None: no known limit; the capacity is assumed to cycle in a few hours.
    max_power_kw: float | None = None
    wear_eur_per_kwh: float = DEFAULT_WEAR_EUR_PER_KWH

    @property
    def usable_kwh(self) -> float:
        """Capacity between the SoC limits."""
        span = max(0.0, min(self.max_soc, 1.0) - max(self.min_soc, 0.0))
        return max(0.0, self.capacity_kwh * span)

    @property
    def round_trip_efficiency(self) -> float:
        """Share of the energy put in that comes back out."""
        return self.charge_efficiency * self.discharge_efficiency

    def power_cap_kwh(self, hours: float) -> float:
        """Most energy the power limit lets through in ``hours``."""
        if self.max_power_kw is None:
            return float("inf")
        return self.max_power_kw * hours


@dataclass(frozen=True, slots=True)
class BatteryReadings:
    """What the history of the battery's sensors shows; None where a sensor has no history."""

    soc_min_pct: float | None = None
    soc_max_pct: float | None = None
    # The largest charging or discharging power seen, kW.
    power_max_kw: float | None = None


def battery_from_readings(
    capacity_kwh: float,
    readings: BatteryReadings,
    *,
    wear_eur_per_kwh: float = DEFAULT_WEAR_EUR_PER_KWH,
) -> BatterySpec:
    """The battery with its SoC limits and power read from history, or sane fallbacks.

    The reserve is the lowest state of charge seen when that is low enough to be the battery
    management's floor, else 10 %; the top is the highest seen when the battery was ever nearly
    full, else 100 %; the power is the largest seen when it is a plausible limit, else 0.5 C.
    """
    min_soc = DEFAULT_RESERVE_SHARE
    if readings.soc_min_pct is not None and 0 <= readings.soc_min_pct / 100 <= MAX_RESERVE_SHARE:
        min_soc = round(readings.soc_min_pct / 100, 2)
    max_soc = 1.0
    if readings.soc_max_pct is not None and MIN_TOP_SHARE <= readings.soc_max_pct / 100 <= 1.0:
        max_soc = round(readings.soc_max_pct / 100, 2)
    power = DEFAULT_C_RATE * capacity_kwh
    if readings.power_max_kw is not None and readings.power_max_kw >= (
        MIN_OBSERVED_C_RATE * capacity_kwh
    ):
        power = round(readings.power_max_kw, 1)
    return BatterySpec(
        capacity_kwh=capacity_kwh,
        min_soc=min_soc,
        max_soc=max_soc,
        max_power_kw=power,
        wear_eur_per_kwh=wear_eur_per_kwh,
    )


@dataclass(frozen=True, slots=True)
class Commitment:
    """An order's hold on a day: what is filled plus what may still fill."""

    day: date
    side: str
    kwh: float


def commitment_of(
    *, day: date, side: str, status: str, volume_kwh: float, filled_kwh: float
) -> Commitment | None:
    """An order's hold on its day, or None when it holds nothing any more.

    An open order counts with its full volume (it may still fill). A cancelled or expired one
    keeps only what filled before it stopped.
    """
    held = volume_kwh if status in ACTIVE_STATUSES else filled_kwh
    if held <= 0:
        return None
    return Commitment(day=day, side=side, kwh=round(held, 1))


def commitments_from_wire(orders: Iterable[Mapping[str, Any]]) -> list[Commitment]:
    """Commitments from wire-contract order dicts (``GET /api/v1/orders``)."""
    result = []
    for order in orders:
        commitment = commitment_of(
            day=date.fromisoformat(str(order["day"])),
            side=str(order["side"]),
            status=str(order["status"]),
            volume_kwh=float(order["volume_kwh"]),
            filled_kwh=float(order.get("filled_kwh") or 0.0),
        )
        if commitment is not None:
            result.append(commitment)
    return result


def committed_kwh(commitments: Iterable[Commitment], day: date, side: str) -> float:
    """Capacity held on ``day`` by orders of ``side``."""
    return round(sum(c.kwh for c in commitments if c.day == day and c.side == side), 1)


def offerable_kwh(
    spec: BatterySpec, *, own_need_kwh: float, already_sold_kwh: float, buying_kwh: float
) -> tuple[float, str]:
    """Capacity that can still be sold on a day, and why it is that much.

    The house's own need comes first; capacity already offered or sold that day is gone; a day
    the household is buying capacity for is a day it needs more than it has, so nothing is sold.
    """
    if spec.usable_kwh <= 0:
        return 0.0, "no_battery"
    if buying_kwh > 0:
        return 0.0, "household_needs_it"
    free = spec.usable_kwh - own_need_kwh - already_sold_kwh
    # Whatever is sold must also get in and out within a day at the power limit.
    free = min(free, spec.power_cap_kwh(24.0) - already_sold_kwh)
    if free <= 0:
        return 0.0, "fully_committed" if already_sold_kwh > 0 else "household_needs_it"
    return free, "estimate"


def min_sell_price(
    spec: BatterySpec, energy_value_eur_per_kwh: float = DEFAULT_ENERGY_VALUE_EUR_PER_KWH
) -> float:
    """EUR per kWh of capacity that pays for the cycle: wear plus the energy lost on the way."""
    losses = (1.0 - spec.round_trip_efficiency) * energy_value_eur_per_kwh
    return spec.wear_eur_per_kwh + losses
