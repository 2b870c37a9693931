"""The home battery of a simulated house: it stores surplus PV and covers the house's deficit.

One rule for the hourly history (``profiles.simulate``) and the demo house's live sensors
(devconfig), so that both show the same battery.
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
    if hours <= 0:
        return 0.0, energy_kwh
    if surplus_kw >= 0:
        room = max(0.0, capacity_kwh - energy_kwh) / EFFICIENCY
        battery = min(surplus_kw, power_kw, room / hours)
        return battery, energy_kwh + battery * hours * EFFICIENCY
    left = max(0.0, energy_kwh - capacity_kwh * RESERVE_SHARE)
    battery = -min(-surplus_kw, power_kw, left / hours)
    return battery, energy_kwh + battery * hours
