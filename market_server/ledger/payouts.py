"""One delivery day's money, in integer ticks: what each fill earns, pays and gets back.

Pure arithmetic, no database (settlement.py feeds it and writes the ledger). A seller's delivery
ratio r = min(1, delivered / filled) (no report: 1). The seller earns floor(r x value of its
fills); what it does not earn -- its shortfall, the rounding remainder included -- is refunded to
the day's buyers pro rata to their filled kWh. Every split is by largest remainder, so no tick
is created or lost: refunds == the sellers' shortfall, exactly.
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


def day_payouts(fills: Sequence[FillLike], delivered_wh: Mapping[str, int]) -> list[Payout]:
    """The payouts of one day's fills, in the order given.

    `delivered_wh` maps a selling household to what it reported delivering that day; a seller
    missing from it counts as having delivered in full.
    """
    sells: dict[str, list[int]] = defaultdict(list)
    buys: list[int] = []
    for index, fill in enumerate(fills):
        (sells[fill.household_id] if fill.side == "sell" else buys).append(index)
    amounts = [0] * len(fills)
    delivered: list[int | None] = [None] * len(fills)
    refunds = [0] * len(fills)
    shortfall = 0
    for household_id, indexes in sells.items():
        volumes = [int(fills[i].volume_ticks) for i in indexes]
        values = [int(fills[i].volume_ticks) * int(fills[i].price_ticks) for i in indexes]
        filled_wh = sum(volumes) * WH_PER_VOLUME_TICK
        reported = delivered_wh.get(household_id)
        # Without buyers (never on a cleared day) nobody could take a refund: paid in full.
        got_wh = filled_wh if reported is None or not buys else max(0, min(reported, filled_wh))
        earned = sum(values) * got_wh // filled_wh if filled_wh else 0
        shortfall += sum(values) - earned
        for i, part, wh in zip(
            indexes, apportion(earned, values), apportion(got_wh, volumes), strict=True
        ):
            amounts[i] = part
            delivered[i] = wh
    buy_volumes = [int(fills[i].volume_ticks) for i in buys]
    for i, refund in zip(buys, apportion(shortfall, buy_volumes), strict=True):
        refunds[i] = refund
        amounts[i] = -int(fills[i].volume_ticks) * int(fills[i].price_ticks) + refund
    return [
        Payout(f.id, f.household_id, f.side, amounts[i], delivered[i], refunds[i])
        for i, f in enumerate(fills)
    ]
