"""Simulated days of the street against a market whose clock the caller moves.

Each day the households trade on the simulated date (``simulation.tick``), report what their
meters say about the ended days (``metering``: the physics of ``dispatch.py``), and the
operator settles. The ledger is read back from the operator's export, exact to 0.0001 EUR, so
that a caller can check that the money adds up. Used by ``benchmarks/delivery.py`` and the
neighbourhood's tests.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from .client import MarketHttp
from .profiles import TIMEZONE
from .simulation import Member, TickReport, tick

# When the street looks at the market each simulated day (local time): yesterday has ended,
# the evening's gates are still ahead.
TRADING_HOUR = 9


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """One simulated day: the tick's report and what the settlement did."""

    day: date
    tick: TickReport
    settled: Mapping[str, Any]


async def live_day(
    members: list[Member],
    rng: random.Random,
    day: date,
    *,
    set_clock: Callable[[datetime], object],
    operator: MarketHttp,
) -> DayOutcome:
    """Move the market's clock to ``day``, let every household trade and report, then settle."""
    set_clock(datetime.combine(day, time(TRADING_HOUR), tzinfo=TIMEZONE).astimezone(UTC))
    report = await tick(members, rng, eager=True, today=day)
    settled = await operator.call("POST", "/api/v1/operator/settle")
    return DayOutcome(day=day, tick=report, settled=settled)


def _eur(text: str) -> Decimal:
    return Decimal(str(text))


@dataclass(slots=True)
class Ledger:
    """The settled entries, summed exactly (EUR as Decimal, kWh per household)."""

    # What the buyers' fills are worth (volume x price): what buyers were charged before refunds.
    paid_eur: Decimal = Decimal(0)
    earned_eur: Decimal = Decimal(0)
    refunds_eur: Decimal = Decimal(0)
    # The buy entries' net amounts (paid minus refund), as the ledger stores them.
    net_paid_eur: Decimal = Decimal(0)
    sold_kwh: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    delivered_kwh: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    refunds_by_household: dict[str, Decimal] = field(
        default_factory=lambda: defaultdict(lambda: Decimal(0))
    )
    days: set[date] = field(default_factory=set)

    @property
    def imbalance_eur(self) -> Decimal:
        """Paid by buyers minus (earned by sellers + refunds): zero when no cent is lost."""
        return self.paid_eur - self.earned_eur - self.refunds_eur

    def ratio(self, households: Iterable[str] | None = None) -> float | None:
        """Delivered / contracted kWh of the given sellers (all of them by default)."""
        chosen = set(self.sold_kwh) if households is None else set(households)
        sold = sum(kwh for h, kwh in self.sold_kwh.items() if h in chosen)
        delivered = sum(kwh for h, kwh in self.delivered_kwh.items() if h in chosen)
        return delivered / sold if sold > 0 else None


def ledger_of(entries: Iterable[Mapping[str, Any]]) -> Ledger:
    """Sum the operator export's entries (``GET /api/v1/operator/export``)."""
    ledger = Ledger()
    for entry in entries:
        household = str(entry["household_id"])
        amount = _eur(entry["amount_eur"])
        ledger.days.add(date.fromisoformat(entry["day"]))
        if entry["side"] == "sell":
            ledger.earned_eur += amount
            ledger.sold_kwh[household] += float(entry["volume_kwh"])
            ledger.delivered_kwh[household] += float(entry["delivered_kwh"])
            continue
        refund = _eur(entry["refund_eur"])
        # Volume ticks of 0.1 kWh times price ticks of 0.001 EUR: exact in decimal.
        ledger.paid_eur += _eur(str(entry["volume_kwh"])) * _eur(str(entry["price_eur_per_kwh"]))
        ledger.net_paid_eur -= amount
        ledger.refunds_eur += refund
        ledger.refunds_by_household[household] += refund
    return ledger


async def read_ledger(operator: MarketHttp) -> Ledger:
    """The market's whole ledger, from the operator's export."""
    export = await operator.call("GET", "/api/v1/operator/export", params={"format": "json"})
    return ledger_of(export["entries"])
