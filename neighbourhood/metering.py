"""What a simulated household's meters say after a delivery day, reported to the market.

The figures are physics, not chance: the house's day is run hour by hour with the day's
commitments (``dispatch.py``). A reliable seller's battery keeps the reserve of what it sold
and delivers it; an unreliable one (a seeded share of the battery houses) lets its battery
serve the house as if nothing were sold and delivers what that leaves at the start of the
dispatch window. A buyer's virtual battery is fed from the house's export and drawn by its
import; what it drew back is what it used. The same house and day always give the same
figures, so a second report of a day sends the same numbers (the server answers "unchanged").
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from custom_components.community_storage.agent.battery import DEFAULT_EFFICIENCY
from custom_components.community_storage.agent.delivery import buyer_figures, seller_figures

from .client import MarketCallError, MarketHttp
from .dispatch import Commitments, simulate_day
from .profiles import HouseProfile, stable_seed

_LOGGER = logging.getLogger(__name__)
# The server takes reports for the last 7 ended days.
REPORT_DAYS = 7


def is_unreliable(profile: HouseProfile, share: float) -> bool:
    """Whether this battery house is one of the `share` that ignore what they sold."""
    if profile.battery_kwh <= 0:
        return False
    return random.Random(stable_seed(profile.seed, "unreliable")).random() < share


def day_reports(
    profile: HouseProfile,
    day: date,
    traded: Mapping[str, float],
    *,
    unreliable: bool,
    efficiency: float = DEFAULT_EFFICIENCY,
) -> list[dict[str, Any]]:
    """The delivery reports of one ended day, one per side traded (``traded``: side -> kWh)."""
    sold, bought = traded.get("sell", 0.0), traded.get("buy", 0.0)
    if sold <= 0 and bought <= 0:
        return []
    commitments = Commitments(
        sold_kwh=sold, bought_kwh=bought, reliable=not unreliable, efficiency=efficiency
    )
    result = simulate_day(profile, day, commitments)
    reports: list[dict[str, Any]] = []
    if sold > 0:
        figures = seller_figures(day, result.delivered_kwh)
        reports.append({"day": day.isoformat(), "side": "sell", "kwh": figures.kwh})
    if bought > 0:
        figures = buyer_figures(day, result.virtual)
        reports.append(
            {
                "day": day.isoformat(),
                "side": "buy",
                "kwh": figures.kwh,
                "hourly_kwh": list(figures.hourly_kwh or ()),
            }
        )
    return reports


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
    http: MarketHttp,
    profile: HouseProfile,
    today: date,
    unreliable: bool,
    efficiency: float = DEFAULT_EFFICIENCY,
) -> int:
    """Report every ended day of the last week this house traded on -> reports sent.

    A day already reported (or settled) is answered "unchanged" (or 409) by the server: that is
    the idempotent contract, so nothing is remembered here.
    """
    fills = (await http.call("GET", "/api/v1/fills"))["fills"]
    traded = traded_by_day(fills, today - timedelta(days=REPORT_DAYS), today - timedelta(days=1))
    by_day: dict[date, dict[str, float]] = defaultdict(dict)
    for (day, side), kwh in traded.items():
        by_day[day][side] = kwh
    sent = 0
    for day in sorted(by_day):
        for body in day_reports(
            profile, day, by_day[day], unreliable=unreliable, efficiency=efficiency
        ):
            sent += await _send(http, profile, body)
    return sent


async def _send(http: MarketHttp, profile: HouseProfile, body: dict[str, Any]) -> int:
    """Post one report -> 1 if the server took new or changed figures."""
    try:
        answer = await http.call("POST", "/api/v1/deliveries", json=body)
    except MarketCallError as err:
        if err.code in ("already_settled", "nothing_to_report"):
            return 0
        raise
    if answer["status"] == "unchanged":
        return 0
    _LOGGER.info(
        "%s reports %s %.2f of %.1f kWh for %s",
        profile.name,
        "delivering" if body["side"] == "sell" else "using",
        answer["kwh"],
        answer["traded_kwh"],
        body["day"],
    )
    return 1
