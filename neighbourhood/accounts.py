"""What a street day costs each household: its grid bill at its own tariff, the energy shared
outside the market's ledger, battery wear, and what its battery still holds at midnight.

The ledger (capacity, shared energy at the community's price, refunds) is the market server's
and is added by the caller; this module prices everything else of ``dispatch.py``'s day:

* import at the house's tariff in that hour, except the kWh a buyer drew from its virtual
  battery (own credit or shared energy) and the kWh a seller's reserve took from the
  neighbours' export;
* export at the house's feed-in price, except what a seller released for the community and the
  part of a buyer's credited export that a seller's reserve took (stored for the buyer);
  credited export that no reserve took went to the grid and earns its feed-in, the buyer's
  credit is then a claim on the sellers' held energy;
* a seller pays its neighbours the feed-in price for the export its reserve took (so they get
  what the grid would have paid them); export a buyer had credited to its own virtual battery
  is the buyer's and costs the seller nothing;
* what a seller released and no buyer drew goes to the grid at the seller's feed-in price; what
  the buyers drew is paid (shared part) through the ledger; draws beyond all the sellers
  released had no energy behind them and are billed at the buyer's tariff;
* wear: each kWh the battery gives costs the household's wear price;
* the energy a battery holds above its floor at the end of the day is worth what it saves in
  the night after it: up to the house's night-time deficit (00:00-06:00, taken from this day)
  its night import price, beyond that only the feed-in price (the morning's PV would have
  filled it). Without this a scenario that empties every battery by midnight would look better
  than one that keeps the night's energy. Every scenario starts the day with the same stored
  energy.

The sum over the street of these figures plus the ledger is the community's cost: the internal
payments (feed-in between neighbours, the ledger) cancel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .dispatch import EPSILON_KWH, DayResult, HouseDay

# Night hours whose import a battery's energy at midnight displaces.
NIGHT_HOURS = range(0, 6)


@dataclass(frozen=True, slots=True)
class DayBill:
    """One household's costs of a day, EUR (ledger not included)."""

    grid_eur: float  # import at its tariff minus plain feed-in
    sharing_eur: float  # feed-in paid to neighbours minus feed-in earned on undrawn releases
    wear_eur: float
    stored_eur: float  # value of the energy held above the floor at midnight

    @property
    def total_eur(self) -> float:
        """What the day cost the household outside the ledger."""
        return self.grid_eur + self.sharing_eur + self.wear_eur - self.stored_eur


def night_need_kwh(house: HouseDay, local_hours: Sequence[int]) -> float:
    """What the house's night (00:00-06:00) lacks of PV: what stored energy saves at night."""
    return sum(
        max(0.0, house.load_kw[t] - house.pv_kw[t])
        for t, hour in enumerate(local_hours)
        if hour in NIGHT_HOURS
    )


def stored_eur(house: HouseDay, stored_kwh: float, local_hours: Sequence[int]) -> float:
    """What ``stored_kwh`` above the floor at midnight is worth to the house (module docstring)."""
    need = night_need_kwh(house, local_hours)
    night = min(stored_kwh, need)
    return night * house.tariff.mean_import(NIGHT_HOURS) + (stored_kwh - night) * (
        house.tariff.feed_in
    )


def street_bills(
    houses: Sequence[HouseDay],
    results: Sequence[DayResult],
    *,
    wear_eur_per_kwh: Sequence[float],
    local_hours: Sequence[int],
) -> list[DayBill]:
    """Each house's bill of the street's day (see the module docstring)."""
    hours = len(local_hours)
    # Per hour: the feed-in value per kWh a reserve took from uncredited export, and the share of
    # the buyers' credited export that a reserve took (stored for them, so not fed in).
    fee_per_kwh = [0.0] * hours
    credit_taken = [0.0] * hours
    for hour in range(hours):
        taken = sum(_at(r.community_in_kwh, hour) for r in results)
        if taken <= EPSILON_KWH:
            continue
        credited = sum(_at(r.credited_by_hour, hour) for r in results)
        from_credit = min(credited, taken)
        credit_taken[hour] = from_credit / credited if credited > EPSILON_KWH else 0.0
        plain = [
            max(0.0, r.export_kwh[hour] - _at(r.released_kwh, hour) - _at(r.credited_by_hour, hour))
            for r in results
        ]
        if sum(plain) > EPSILON_KWH:
            value = sum(kwh * h.tariff.feed_in for kwh, h in zip(plain, houses, strict=True))
            fee_per_kwh[hour] = value / sum(plain) * (taken - from_credit) / taken
    released = sum(sum(r.released_kwh) for r in results)
    drawn = sum(sum(r.buyer.drawn_by_hour) for r in results)
    undrawn_share = max(0.0, released - drawn) / released if released > EPSILON_KWH else 0.0
    # Draws beyond what the sellers released had no energy behind them: bought at retail.
    backed_share = min(1.0, released / drawn) if drawn > EPSILON_KWH else 1.0
    bills = []
    for house, result, wear in zip(houses, results, wear_eur_per_kwh, strict=True):
        tariff = house.tariff
        grid = 0.0
        sharing = 0.0
        for hour in range(hours):
            price = tariff.import_price(local_hours[hour])
            bought = (
                result.import_kwh[hour]
                - _at(result.community_in_kwh, hour)
                - _at(result.buyer.drawn_by_hour, hour) * backed_share
            )
            # Credited export that no reserve took went to the grid and earns its feed-in.
            fed_in = (
                result.export_kwh[hour]
                - _at(result.released_kwh, hour)
                - _at(result.credited_by_hour, hour) * credit_taken[hour]
            )
            grid += max(0.0, bought) * price - max(0.0, fed_in) * tariff.feed_in
            sharing += _at(result.community_in_kwh, hour) * fee_per_kwh[hour]
        sharing -= sum(result.released_kwh) * undrawn_share * tariff.feed_in
        floor = house.battery.floor_kwh if house.battery else 0.0
        bills.append(
            DayBill(
                grid_eur=grid,
                sharing_eur=sharing,
                wear_eur=result.discharged_kwh * wear,
                stored_eur=stored_eur(house, max(0.0, result.end_kwh - floor), local_hours),
            )
        )
    return bills


def _at(values: Sequence[float], hour: int) -> float:
    return values[hour] if hour < len(values) else 0.0
