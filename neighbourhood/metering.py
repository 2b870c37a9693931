"""What a simulated household's meters say after a delivery day, reported to the market.

The figures are physics, not chance: the street's day is run hour by hour with every house's
commitments (``dispatch.py``). A reliable seller's battery fills the reserve of what it sold from
its own PV and the neighbours' export (and the grid, where the community allows it) and reports
what it held at 17:00; an unreliable one (a seeded share of the battery houses) lets its battery
serve the house as if nothing were sold and reports what that leaves at the start of the
dispatch window. A buyer's virtual battery is fed from the house's export and the sellers'
shared energy and drawn by its import; what it drew back is what it used. The same street and
day always give the same figures, so a second report of a day sends the same numbers (the
server answers "unchanged").
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from custom_components.community_storage.agent.battery import DEFAULT_EFFICIENCY

from .client import MarketCallError, MarketHttp
from .dispatch import Commitments, DayResult, simulate_street
from .profiles import HouseProfile, stable_seed

_LOGGER = logging.getLogger(__name__)
# The server takes reports for the last 7 ended days.
REPORT_DAYS = 7


def is_unreliable(profile: HouseProfile, share: float) -> bool:
    """Whether this battery house is one of the `share` that ignore what they sold."""
    if profile.battery_kwh <= 0:
        return False
    return random.Random(stable_seed(profile.seed, "unreliable")).random() < share


@dataclass(frozen=True, slots=True)
class StreetHouse:
    """What the street's physics needs to know of one member."""

    profile: HouseProfile
    unreliable: bool = False
    efficiency: float = DEFAULT_EFFICIENCY


def commitments_of(house: StreetHouse, traded: Mapping[str, float]) -> Commitments:
    """The day's commitments of a house from its fills (side -> kWh)."""
    return Commitments(
        sold_kwh=traded.get("sell", 0.0),
        bought_kwh=traded.get("buy", 0.0),
        reliable=not house.unreliable,
        efficiency=house.efficiency,
    )


def reports_of(
    day: date, traded: Mapping[str, float], result: DayResult, *, energy_fields: bool
) -> list[dict[str, Any]]:
    """The delivery reports of one house's ended day, one per side traded.

    ``energy_fields``: the server takes ``shared_kwh`` and ``grid_kwh`` (issue 22's contract).
    """
    reports: list[dict[str, Any]] = []
    if traded.get("sell", 0.0) > 0:
        sell: dict[str, Any] = {"day": day.isoformat(), "side": "sell"}
        sell["kwh"] = round(result.delivered_kwh, 3)
        grid = round(result.grid_kwh, 3)
        if energy_fields and grid > 0:
            sell["grid_kwh"] = min(grid, sell["kwh"])
        reports.append(sell)
    bought = traded.get("buy", 0.0)
    if bought > 0:
        hourly = [round(kwh, 3) for kwh in result.buyer.used_by_hour]
        # Rounded hours may add up to a hair above the capacity; the server refuses more than
        # was traded, and allows the hours to differ from the total by 0.05.
        kwh = min(round(sum(hourly), 3), round(bought, 3))
        buy: dict[str, Any] = {
            "day": day.isoformat(),
            "side": "buy",
            "kwh": kwh,
            "hourly_kwh": hourly,
        }
        if energy_fields:
            buy["shared_kwh"] = min(round(result.shared_kwh, 3), kwh)
        reports.append(buy)
    return reports


def street_reports(
    houses: Sequence[StreetHouse],
    day: date,
    traded: Sequence[Mapping[str, float]],
    *,
    grid_charging: bool = False,
    energy_fields: bool = False,
) -> list[list[dict[str, Any]]]:
    """Every house's reports of one ended day, from the street's physics of that day."""
    if not any(t.get("sell", 0.0) > 0 or t.get("buy", 0.0) > 0 for t in traded):
        return [[] for _ in houses]
    results = simulate_street(
        [h.profile for h in houses],
        day,
        [commitments_of(h, t) for h, t in zip(houses, traded, strict=True)],
        grid_charging=grid_charging,
    )
    return [
        reports_of(day, t, r, energy_fields=energy_fields)
        for t, r in zip(traded, results, strict=True)
    ]


def day_reports(
    profile: HouseProfile,
    day: date,
    traded: Mapping[str, float],
    *,
    unreliable: bool,
    efficiency: float = DEFAULT_EFFICIENCY,
) -> list[dict[str, Any]]:
    """The reports of a house alone on its street (no neighbour's surplus to share)."""
    house = StreetHouse(profile, unreliable, efficiency)
    return street_reports([house], day, [traded])[0]


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


async def report_street(
    members: Sequence[tuple[MarketHttp, StreetHouse]],
    today: date,
    *,
    grid_charging: bool = False,
    energy_fields: bool = False,
) -> list[int]:
    """Report every ended day of the last week the street traded on -> reports sent per member.

    The street's physics needs everyone's commitments (a seller's reserve fills from the
    neighbours' export), so the fills of all members are read first. A day already reported
    (or settled) is answered "unchanged" (or 409) by the server: that is the idempotent
    contract, so nothing is remembered here.
    """
    first, last = today - timedelta(days=REPORT_DAYS), today - timedelta(days=1)
    per_member: list[dict[date, dict[str, float]]] = []
    for http, _house in members:
        fills = (await http.call("GET", "/api/v1/fills"))["fills"]
        by_day: dict[date, dict[str, float]] = defaultdict(dict)
        for (day, side), kwh in traded_by_day(fills, first, last).items():
            by_day[day][side] = kwh
        per_member.append(by_day)
    days = sorted({day for by_day in per_member for day in by_day})
    houses = [house for _http, house in members]
    sent = [0] * len(members)
    for day in days:
        traded = [by_day.get(day, {}) for by_day in per_member]
        reports = street_reports(
            houses, day, traded, grid_charging=grid_charging, energy_fields=energy_fields
        )
        for index, ((http, house), bodies) in enumerate(zip(members, reports, strict=True)):
            for body in bodies:
                sent[index] += await _send(http, house.profile, body)
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
