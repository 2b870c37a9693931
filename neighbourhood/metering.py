"""What a simulated household's meters say after a delivery day, reported to the market.

A battery house holds what it sold unless it is one of the street's unreliable sellers (a
seeded share of the battery houses): such a house delivers 40-90 % of what it sold, a different
share each day. A buyer uses part of the virtual battery it bought (50-100 %). Every figure is
drawn from a generator seeded by the house and the day, so a run is reproducible and a second
report of the same day sends the same figures (the server answers "unchanged").
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from .client import MarketCallError, MarketHttp
from .profiles import HouseProfile, stable_seed

_LOGGER = logging.getLogger(__name__)
# The server takes reports for the last 7 ended days.
REPORT_DAYS = 7
UNRELIABLE_SHARE = (0.4, 0.9)
BUYER_USE = (0.5, 1.0)


def is_unreliable(profile: HouseProfile, share: float) -> bool:
    """Whether this battery house is one of the `share` that cannot hold what they sell."""
    if profile.battery_kwh <= 0:
        return False
    return random.Random(stable_seed(profile.seed, "unreliable")).random() < share


def delivered_share(profile: HouseProfile, day: date, side: str, unreliable: bool) -> float:
    """The share of the day's traded kWh the house delivered (sell) or used (buy)."""
    rng = random.Random(stable_seed(profile.seed, "delivery", side, day.isoformat()))
    if side == "buy":
        return rng.uniform(*BUYER_USE)
    return rng.uniform(*UNRELIABLE_SHARE) if unreliable else 1.0


def traded_by_day(
    fills: Iterable[Mapping[str, Any]], first: date, last: date
) -> dict[tuple[date, str], float]:
    """kWh filled per (day, side) for the days from `first` to `last`."""
    traded: dict[tuple[date, str], float] = defaultdict(float)
    for fill in fills:
        day = date.fromisoformat(fill["day"])
        if first <= day <= last:
            traded[(day, fill["side"])] += float(fill["volume_kwh"])
    return dict(traded)


async def report_ended_days(
    http: MarketHttp, profile: HouseProfile, today: date, unreliable: bool
) -> int:
    """Report every ended day of the last week this house traded on -> reports sent.

    A day already reported (or settled) is answered "unchanged" (or 409) by the server: that is
    the idempotent contract, so nothing is remembered here.
    """
    fills = (await http.call("GET", "/api/v1/fills"))["fills"]
    traded = traded_by_day(fills, today - timedelta(days=REPORT_DAYS), today - timedelta(days=1))
    sent = 0
    for (day, side), kwh in sorted(traded.items()):
        share = delivered_share(profile, day, side, unreliable)
        body = {"day": day.isoformat(), "side": side, "kwh": round(kwh * share, 3)}
        try:
            answer = await http.call("POST", "/api/v1/deliveries", json=body)
        except MarketCallError as err:
            if err.code in ("already_settled", "nothing_to_report"):
                continue
            raise
        if answer["status"] != "unchanged":
            sent += 1
            _LOGGER.info(
                "%s reports %s %.2f of %.1f kWh for %s",
                profile.name,
                "delivering" if side == "sell" else "using",
                answer["kwh"],
                answer["traded_kwh"],
                day.isoformat(),
            )
    return sent
