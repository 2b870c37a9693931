"""Community settings: one dataclass, its defaults, its checks and its JSON form."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, fields
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from market_server.errors import SettingsError
from market_server.market.units import PRICE_TICKS_PER_EUR, VOLUME_TICKS_PER_KWH, to_ticks

GATE_CLOSURE_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_GATE_RE = re.compile(GATE_CLOSURE_PATTERN)
# EUR/kWh of shared energy: about the cost of storing a kWh of surplus (the feed-in it gives up
# after losses, plus battery wear); the capacity price carries the seller's margin.
DEFAULT_ENERGY_PRICE = 0.12
MAX_ENERGY_PRICE = 1.0
# EUR/kWh a buyer pays for the energy behind its own credit (its export drawn back from the
# sellers' reserves): the feed-in the seller gives up on the PV that filled them. 0.078 is the
# 2026 German feed-in for small PV (EEG, up to 10 kWp, partial feed-in).
DEFAULT_FEED_IN_PRICE = 0.078


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    """What `market-server init` sets for the whole community."""

    name: str = "Community"
    timezone: str = "Europe/Berlin"
    gate_closure: str = "18:00"
    gate_closure_days_before: int = 1
    round_interval_s: int = 900
    mechanism: str = "pay_as_clear"
    min_price: float = 0.0
    max_price: float = 1.0
    max_kwh_per_order_day: float = 100.0
    horizon_days: int = 14
    efficiency: float = 0.95
    clear_on_submit: bool = True
    default_max_sell_kwh: float = 10.0
    default_max_open_kwh: float = 200.0
    # Hours after the end of a delivery day in which sellers report what they delivered; a day
    # settles when every seller has reported or this has passed (unreported = delivered in full).
    delivery_report_hours: int = 12
    # Energy sharing (docs/market-server.md): the price a buyer pays for shared energy drawn
    # from the sellers' reserves, agreed by the community (not cleared), and whether sellers
    # may charge their reserves from the grid (off: renewable surplus only).
    energy_price: float = DEFAULT_ENERGY_PRICE
    grid_charging: bool = False
    # The price of the buyers' own-credit energy (settlement: payouts.py), set like energy_price.
    feed_in_price: float = DEFAULT_FEED_IN_PRICE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def gate_time(self) -> time:
        hours, minutes = self.gate_closure.split(":")
        return time(int(hours), int(minutes))

    @property
    def min_price_ticks(self) -> int:
        return round(self.min_price * PRICE_TICKS_PER_EUR)

    @property
    def max_price_ticks(self) -> int:
        return round(self.max_price * PRICE_TICKS_PER_EUR)

    @property
    def energy_price_ticks(self) -> int:
        return round(self.energy_price * PRICE_TICKS_PER_EUR)

    @property
    def feed_in_price_ticks(self) -> int:
        return round(self.feed_in_price * PRICE_TICKS_PER_EUR)

    @property
    def max_order_day_ticks(self) -> int:
        return round(self.max_kwh_per_order_day * VOLUME_TICKS_PER_KWH)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CommunitySettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def updated(self, **changes: Any) -> CommunitySettings:
        """A checked copy with `changes` applied (unknown names are an error)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SettingsError(f"unknown community setting(s): {', '.join(unknown)}")
        new = dataclasses.replace(self, **changes)
        new.check()
        return new

    def check(self, mechanisms: list[str] | None = None) -> None:
        """Raise SettingsError with a sentence naming the first bad setting."""
        if not self.name.strip():
            raise SettingsError("name must not be empty")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise SettingsError(f"unknown time zone {self.timezone!r}") from err
        if not _GATE_RE.match(self.gate_closure):
            raise SettingsError(f"gate closure must be HH:MM (24 h), got {self.gate_closure!r}")
        if not 0 <= self.gate_closure_days_before <= 7:
            raise SettingsError("gate closure days before must be between 0 and 7")
        if not 1 <= self.round_interval_s <= 86_400:
            raise SettingsError("round interval must be between 1 s and 86400 s")
        if mechanisms is not None and self.mechanism not in mechanisms:
            raise SettingsError(
                f"unknown clearing mechanism {self.mechanism!r}; available: {', '.join(mechanisms)}"
            )
        for label, value in (("min price", self.min_price), ("max price", self.max_price)):
            ticks = to_ticks(value, PRICE_TICKS_PER_EUR)
            if ticks is None or ticks < 0:
                raise SettingsError(f"{label} must be >= 0 with at most 3 decimals, got {value}")
        if self.min_price > self.max_price:
            raise SettingsError("min price must not exceed max price")
        for label, value in (
            ("max kWh per order-day", self.max_kwh_per_order_day),
            ("default max sell kWh", self.default_max_sell_kwh),
            ("default max open kWh", self.default_max_open_kwh),
        ):
            ticks = to_ticks(value, VOLUME_TICKS_PER_KWH)
            if ticks is None or ticks <= 0:
                raise SettingsError(f"{label} must be > 0 with at most 1 decimal, got {value}")
        if not 0 <= self.horizon_days <= 366:
            raise SettingsError("horizon days must be between 0 and 366")
        if not (math.isfinite(self.efficiency) and 0 < self.efficiency <= 1):
            raise SettingsError("efficiency must be in (0, 1]")
        hours = self.delivery_report_hours
        if isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= 168:
            # A report is taken for at most 7 days after the day ended (deliveries.py).
            raise SettingsError("delivery report hours must be a whole number from 0 to 168")
        for value, label in (
            (self.energy_price, "energy price"),
            (self.feed_in_price, "feed-in price"),
        ):
            price_problem = energy_price_error(value, label)
            if price_problem is not None:
                raise SettingsError(price_problem)
        if not isinstance(self.grid_charging, bool):
            raise SettingsError(f"grid charging must be true or false, got {self.grid_charging!r}")


def energy_price_error(value: object, label: str = "energy price") -> str | None:
    """Why `value` cannot be the community's energy or feed-in price (None: it can)."""
    ticks = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        ticks = to_ticks(float(value), PRICE_TICKS_PER_EUR)
    if ticks is None or not 0 <= ticks <= MAX_ENERGY_PRICE * PRICE_TICKS_PER_EUR:
        return (
            f"{label} must be a number of EUR/kWh from 0 to {MAX_ENERGY_PRICE:g} with at "
            f"most 3 decimals, got {value!r}"
        )
    return None
