"""One delivery day's money, in integer ticks: what each fill earns, pays and gets back.

Pure arithmetic, no database (settlement.py feeds it and writes the ledger).

Capacity: a seller's delivery ratio r = min(1, delivered / filled) (no report: 1). The seller
earns floor(r x value of its fills); what it does not earn -- its shortfall, the rounding
remainder included -- is refunded to the day's buyers pro rata to their filled kWh.

Energy (docs/delivery.md): what the sellers delivered D first holds the buyers' own credit
(their own export, stored in the sellers' reserves); own use = kwh - shared_kwh of each buyer
report. O = min(D, buyers' own use) is billed at the community's feed-in price (the feed-in the
sellers give up on the PV that filled their reserves), split among the buyers pro rata to
their own use. The rest is available shared energy S = D - O; B = min(S, claims) is billed at
the energy price, split among the buyers pro rata to their shared_kwh claims. For each kind a
buyer pays floor(billed Wh x price), and the sellers earn the sum of those payments pro rata to
their delivered Wh. Buyers without a report claim nothing (unmeasured) and pay no energy.

Every split is by largest remainder, so no tick is created or lost: refunds == the sellers'
shortfall, and energy paid == energy earned, exactly, for each kind.
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
    own_credit_wh: int = 0  # own-credit energy, the same way (at the feed-in price)
    own_credit_ticks: int = 0


@dataclass(frozen=True, slots=True)
class EnergyClaims:
    """The buyers' side of a day's energy, and its prices."""

    used_wh: Mapping[str, int]  # reporting buyer -> capacity used (own + shared), Wh
    shared_wh: Mapping[str, int]  # reporting buyer -> shared energy drawn, Wh (<= used)
    price_ticks: int  # shared energy, EUR/kWh in price ticks (0.001 EUR)
    own_credit_price_ticks: int = 0  # own-credit energy (the feed-in price), the same way


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
    """What `wh` of energy costs in money ticks (rounded down: never above the price)."""
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
    shared, own = _energy(fills, seller_wh, sells, buys, energy)
    return [
        Payout(
            f.id,
            f.household_id,
            f.side,
            amounts[i],
            delivered[i],
            refunds[i],
            shared.wh[i],
            shared.ticks[i],
            own.wh[i],
            own.ticks[i],
        )
        for i, f in enumerate(fills)
    ]


@dataclass(frozen=True, slots=True)
class _Billed:
    """One kind of energy per fill: Wh and money ticks (buy < 0, sell > 0)."""

    wh: list[int]
    ticks: list[int]


def _energy(
    fills: Sequence[FillLike],
    seller_wh: Mapping[str, int],
    sells: Mapping[str, list[int]],
    buys: Sequence[int],
    energy: EnergyClaims,
) -> tuple[_Billed, _Billed]:
    """Per fill: the shared energy and the own-credit energy; see the module."""
    buyers: dict[str, list[int]] = defaultdict(list)
    for i in buys:
        buyers[fills[i].household_id].append(i)
    if not buyers or not sells:
        return _nothing(len(fills)), _nothing(len(fills))
    claims = {h: energy.shared_wh.get(h, 0) if h in energy.used_wh else 0 for h in buyers}
    own_use = {h: energy.used_wh[h] - claims[h] if h in energy.used_wh else 0 for h in buyers}
    delivered = sum(seller_wh.values())
    own_total = min(delivered, sum(own_use.values()))
    shared_total = min(delivered - own_total, sum(claims.values()))
    bill = _Bill(fills, seller_wh, sells, buyers)
    return (
        bill.split(shared_total, claims, energy.price_ticks),
        bill.split(own_total, own_use, energy.own_credit_price_ticks),
    )


def _nothing(count: int) -> _Billed:
    return _Billed([0] * count, [0] * count)


@dataclass(frozen=True, slots=True)
class _Bill:
    """A day's buyers and sellers, to split one kind of energy among their fills."""

    fills: Sequence[FillLike]
    seller_wh: Mapping[str, int]
    sells: Mapping[str, list[int]]
    buyers: Mapping[str, list[int]]

    def split(self, total_wh: int, weights: Mapping[str, int], price_ticks: int) -> _Billed:
        """`total_wh` billed to the buyers pro rata to `weights`, each paying floor(Wh x
        price); the sellers earn the sum of the payments and sell the Wh pro rata to what they
        delivered; within a household, by the kWh of its fills that day."""
        out = _nothing(len(self.fills))
        names = list(self.buyers)
        billed = dict(zip(names, apportion(total_wh, [weights[h] for h in names]), strict=True))
        paid = {h: energy_money(billed[h], price_ticks) for h in names}
        sellers = list(self.sells)
        delivered = [self.seller_wh[h] for h in sellers]
        sold = dict(zip(sellers, apportion(total_wh, delivered), strict=True))
        earned = dict(zip(sellers, apportion(sum(paid.values()), delivered), strict=True))
        for members, wh_of, ticks_of, signed in (
            (self.buyers, billed, paid, -1),
            (self.sells, sold, earned, 1),
        ):
            for household_id, indexes in members.items():
                volumes = [int(self.fills[i].volume_ticks) for i in indexes]
                for i, wh, ticks in zip(
                    indexes,
                    apportion(wh_of[household_id], volumes),
                    apportion(ticks_of[household_id], volumes),
                    strict=True,
                ):
                    out.wh[i] = wh
                    out.ticks[i] = signed * ticks
        return out
