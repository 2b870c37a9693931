"""The home battery of a simulated house: it stores surplus PV and covers the house's deficit.

One rule for the hourly history (``profiles.simulate``), the demo house's live sensors
(devconfig) and the delivery day (``dispatch.py``), so that all show the same battery.
"""

from __future__ import annotations

# The battery management system keeps 10 % in reserve.
RESERVE_SHARE = 0.10
# Charging efficiency: what is stored of each kWh taken in.
EFFICIENCY = 0.95


def battery_step(
    capacity_kwh: float, power_kw: float, energy_kwh: float, surplus_kw: float, hours: float
) -> tuple[float, float]:
    """Battery power (+ charging, - discharging) over ``hours`` and the stored kWh after them.

    ``surplus_kw`` is PV minus load; what the battery cannot take or give (full, at its
    reserve, or at its power limit) goes to or comes from the grid.
    """
    return bounded_step(
        power_kw,
        energy_kwh,
        surplus_kw,
        hours,
        floor_kwh=capacity_kwh * RESERVE_SHARE,
        ceiling_kwh=capacity_kwh,
    )


def bounded_step(
    power_kw: float,
    energy_kwh: float,
    surplus_kw: float,
    hours: float,
    *,
    floor_kwh: float,
    ceiling_kwh: float,
) -> tuple[float, float]:
    """``battery_step`` between a floor and a ceiling of stored kWh other than the battery's own.

    A seller's battery serves its house only between the energy it holds for the community
    (the floor) and the space it keeps free for it (the ceiling).
    """
    if hours <= 0 or power_kw <= 0:
        return 0.0, energy_kwh
    if surplus_kw >= 0:
        room = max(0.0, ceiling_kwh - energy_kwh) / EFFICIENCY
        battery = min(surplus_kw, power_kw, room / hours)
        return battery, energy_kwh + battery * hours * EFFICIENCY
    left = max(0.0, energy_kwh - floor_kwh)
    battery = -min(-surplus_kw, power_kw, left / hours)
    return battery, energy_kwh + battery * hours
