"""One delivery day's money, in integer ticks: what each fill earns, pays and gets back.

Pure arithmetic, no database (settlement.py feeds it and writes the ledger).

Capacity: a seller's delivery ratio r = min(1, delivered / filled) (no report: 1). The seller
earns floor(r x value of its fills); what it does not earn -- its shortfall, the rounding
remainder included -- is refunded to the day's buyers pro rata to their filled kWh.

Shared energy (docs/market-server.md): what the sellers delivered first holds the buyers' own
stored energy; the rest is available shared energy S = max(0, delivered - buyers' own use),
own use = kwh - shared_kwh of each buyer report. B = min(S, claims) is billed, split among the
buyers pro rata to their shared_kwh claims; a buyer pays floor(billed Wh x energy price), and
the sellers earn the sum of those payments pro rata to their delivered Wh. Buyers without a
report claim nothing (unmeasured) and pay no energy.

Every split is by largest remainder, so no tick is created or lost: refunds == the sellers'
shortfall, and energy paid == energy earned, exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from market_server.market.units import WH_PER_VOLUME_TICK


class FillLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def volume_ticks(self) -> int: ...
    @property
    def price_ticks(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Payout:
    """One fill's ledger figures: `amount_ticks` signed (earned > 0, paid < 0), net of refund."""

    fill_id: str
    household_id: str
    side: str
    amount_ticks: int
    delivered_wh: int | None  # sell entries: what this fill delivered
    refund_ticks: int  # buy entries: what came back for the sellers' shortfall
    energy_wh: int = 0  # shared energy: buy entries billed, sell entries sold
    energy_ticks: int = 0  # its money: paid < 0 (buy), earned > 0 (sell); not in amount_ticks


@dataclass(frozen=True, slots=True)
class EnergyClaims:
    """The buyers' side of a day's shared energy, and its price."""

    used_wh: Mapping[str, int]  # reporting buyer -> capacity used (own + shared), Wh
    shared_wh: Mapping[str, int]  # reporting buyer -> shared energy drawn, Wh (<= used)
    price_ticks: int  # EUR/kWh in price ticks (0.001 EUR)


NO_ENERGY = EnergyClaims({}, {}, 0)
# Wh x price ticks (0.001 EUR/kWh) = 1e-6 EUR; a money tick is 1e-4 EUR.
WH_PRICE_PER_MONEY_TICK = 100


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder, ties to the earlier one).

    The parts sum to `total` exactly and none exceeds its exact share rounded up.
    """
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    parts = [total * w // weight_sum for w in weights]
    rest = total - sum(parts)
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i)
    )
    for i in by_remainder[:rest]:
        parts[i] += 1
    return parts


def energy_money(wh: int, price_ticks: int) -> int:
    """What `wh` of shared energy costs in money ticks (rounded down: never above the price)."""
    return wh * price_ticks // WH_PRICE_PER_MONEY_TICK


def day_payouts(
    fills: Sequence[FillLike],
    delivered_wh: Mapping[str, int],
    energy: EnergyClaims = NO_ENERGY,
) -> list[Payout]:
    """The payouts of one day's fills, in the order given.

    `delivered_wh` maps a selling household to what it reported delivering that day; a seller
    missing from it counts as having delivered in full. `energy` holds the buyers' reports.
    """
    sells: dict[str, list[int]] = defaultdict(list)
    buys: list[int] = []
    for index, fill in enumerate(fills):
        (sells[fill.household_id] if fill.side == "sell" else buys).append(index)
    amounts = [0] * len(fills)
    delivered: list[int | None] = [None] * len(fills)
    refunds = [0] * len(fills)
    shortfall = 0
    seller_wh: dict[str, int] = {}
    for household_id, indexes in sells.items():
        volumes = [int(fills[i].volume_ticks) for i in indexes]
        values = [int(fills[i].volume_ticks) * int(fills[i].price_ticks) for i in indexes]
        filled_wh = sum(volumes) * WH_PER_VOLUME_TICK
        reported = delivered_wh.get(household_id)
        # Without buyers (never on a cleared day) nobody could take a refund: paid in full.
        got_wh = filled_wh if reported is None or not buys else max(0, min(reported, filled_wh))
        earned = sum(values) * got_wh // filled_wh if filled_wh else 0
        shortfall += sum(values) - earned
        seller_wh[household_id] = got_wh
        for i, part, wh in zip(
            indexes, apportion(earned, values), apportion(got_wh, volumes), strict=True
        ):
            amounts[i] = part
            delivered[i] = wh
    buy_volumes = [int(fills[i].volume_ticks) for i in buys]
    for i, refund in zip(buys, apportion(shortfall, buy_volumes), strict=True):
        refunds[i] = refund
        amounts[i] = -int(fills[i].volume_ticks) * int(fills[i].price_ticks) + refund
    energy_wh, energy_ticks = _energy(fills, seller_wh, sells, buys, energy)
    return [
        Payout(
            f.id,
            f.household_id,
            f.side,
            amounts[i],
            delivered[i],
            refunds[i],
            energy_wh[i],
            energy_ticks[i],
        )
        for i, f in enumerate(fills)
    ]


def _energy(
    fills: Sequence[FillLike],
    seller_wh: Mapping[str, int],
    sells: Mapping[str, list[int]],
    buys: Sequence[int],
    energy: EnergyClaims,
) -> tuple[list[int], list[int]]:
    """Per fill: shared energy Wh and its money ticks (buy < 0, sell > 0); see the module."""
    energy_wh = [0] * len(fills)
    energy_ticks = [0] * len(fills)
    buyers: dict[str, list[int]] = defaultdict(list)
    for i in buys:
        buyers[fills[i].household_id].append(i)
    if not buyers or not sells:
        return energy_wh, energy_ticks
    claims = {h: energy.shared_wh.get(h, 0) if h in energy.used_wh else 0 for h in buyers}
    own_use = sum(energy.used_wh[h] - claims[h] for h in buyers if h in energy.used_wh)
    available = max(0, sum(seller_wh.values()) - own_use)
    billed_total = min(available, sum(claims.values()))
    names = list(buyers)
    billed = dict(zip(names, apportion(billed_total, [claims[h] for h in names]), strict=True))
    paid = {h: energy_money(billed[h], energy.price_ticks) for h in names}
    sellers = list(sells)
    weights = [seller_wh[h] for h in sellers]
    sold = dict(zip(sellers, apportion(billed_total, weights), strict=True))
    earned = dict(zip(sellers, apportion(sum(paid.values()), weights), strict=True))
    # Within a household, by the kWh of its fills that day.
    for split, signed in (((buyers, billed, paid), -1), ((sells, sold, earned), 1)):
        members, wh_of, ticks_of = split
        for household_id, indexes in members.items():
            volumes = [int(fills[i].volume_ticks) for i in indexes]
            for i, wh, ticks in zip(
                indexes,
                apportion(wh_of[household_id], volumes),
                apportion(ticks_of[household_id], volumes),
                strict=True,
            ):
                energy_wh[i] = wh
                energy_ticks[i] = signed * ticks
    return energy_wh, energy_ticks
