"""Our own clearing mechanism: ASSUME's pay-as-clear in O(n log n), with time-priority ties.

:class:`PayAsClearFastRole` is an ASSUME ``MarketRole`` with exactly the inputs and outputs of
ASSUME's ``PayAsClearRole`` (``assume/markets/clearing_algorithms/simple.py``): it takes an
orderbook (supply volume > 0, demand volume < 0) and the products to clear, sets
``accepted_volume``/``accepted_price`` on the order dicts and returns ``(accepted, rejected,
meta, flows)``. It follows ASSUME's algorithm step by step -- walk demand by falling price,
take supply by rising price while it is not dearer than the demand, split the marginal supply
order, reject everything dearer, uniform price = highest accepted supply price -- with two
changes that alter no result:

* ASSUME's ``supply_orders.pop(0)``/``insert(0, ...)`` (each O(n)) become a cursor, and its
  final ``order not in rejected_product_orders`` -- a list-membership test comparing dicts,
  O(n) per order and the reason ASSUME's clearing is quadratic -- becomes a set of ``id()``s.
  (ASSUME's test compares by equality, ours by identity; they differ only for two distinct
  but equal order dicts, which cannot happen with unique ``bid_id``s.)
* Ties at equal price are not shuffled with ``random.random()``: both sides are sorted with
  a stable sort, so orders at the same price keep their orderbook order. Present the
  orderbook in time priority (as ``market_server.market.day_clearing.clear_day`` does) and
  earlier orders fill first. ASSUME's own role gives the same result when its shuffle is neutralised
  (``market_server.market.day_clearing.time_priority_ties``).

It is registered in ``assume.markets.clearing_algorithms.clearing_mechanisms`` under
:data:`NAME` by ``market_server.market.day_clearing`` (through ``assume_loader.register_mechanism``,
so that the loader imports no mechanism of ours). Importing this module imports ASSUME,
quietly, but registers nothing.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

from market_server.market import assume_loader

NAME = assume_loader.FAST_PAY_AS_CLEAR

_MarketRole: Any = assume_loader.base_market_role()
_calculate_meta = assume_loader.simple_module().calculate_meta

_market_getter = itemgetter("start_time", "end_time", "only_hours")
_price = itemgetter("price")


class PayAsClearFastRole(_MarketRole):
    """Pay-as-clear with time-priority ties; same results as ASSUME's ``PayAsClearRole``."""

    def clear(
        self, orderbook: list[dict[str, Any]], market_products: list[Any]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[Any]]:
        """Clear ``orderbook`` for ``market_products``; see the module docstring."""
        accepted_orders: list[dict[str, Any]] = []
        rejected_orders: list[dict[str, Any]] = []
        meta: list[dict[str, Any]] = []
        orderbook.sort(key=_market_getter)  # stable: keeps the priority order per product
        for product, grouped in groupby(orderbook, _market_getter):
            if product not in market_products:
                # ASSUME's PayAsClearRole drops such orders from both lists; so do we.
                continue
            product_orders = list(grouped)
            accepted, rejected, product_meta = self._clear_product(product, product_orders)
            accepted_orders.extend(accepted)
            rejected_orders.extend(rejected)
            meta.append(product_meta)
        flows: list[Any] = []
        return accepted_orders, rejected_orders, meta, flows

    @staticmethod
    def _clear_product(
        product: tuple[Any, Any, Any], product_orders: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        supply = [o for o in product_orders if o["volume"] > 0]
        demand = [o for o in product_orders if o["volume"] < 0]
        supply.sort(key=_price)
        demand.sort(key=_price, reverse=True)  # reverse keeps equal keys in input order

        accepted_demand: list[dict[str, Any]] = []
        accepted_supply: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        rejected_ids: set[int] = set()
        n_supply = len(supply)
        cursor = 0  # supply[cursor:] is ASSUME's remaining ``supply_orders`` list
        dem_vol = 0
        gen_vol = 0
        for demand_order in demand:
            if cursor >= n_supply:
                continue
            demand_price = demand_order["price"]
            dem_vol += -demand_order["volume"]
            demand_order["accepted_volume"] = demand_order["volume"]
            supply_order: dict[str, Any] | None = None
            while cursor < n_supply and gen_vol < dem_vol:
                supply_order = supply[cursor]
                cursor += 1
                previously = supply_order.get("accepted_volume")
                if supply_order["price"] <= demand_price:
                    added = supply_order["volume"] - (previously or 0)
                    supply_order["accepted_volume"] = supply_order["volume"]
                    if not previously:
                        accepted_supply.append(supply_order)
                    gen_vol += added
                elif not previously:
                    rejected.append(supply_order)
                    rejected_ids.add(id(supply_order))

            diff = gen_vol - dem_vol
            if diff < 0:
                demand_order["accepted_volume"] = demand_order["volume"] - diff
            elif diff > 0:
                supply_order = accepted_supply[-1]
                supply_order["accepted_volume"] = supply_order["volume"] - diff
                gen_vol -= diff
                cursor -= 1  # ASSUME: supply_orders.insert(0, supply_order)
                supply[cursor] = supply_order
                demand_order["accepted_volume"] = demand_order["volume"]
            else:
                demand_order["accepted_volume"] = demand_order["volume"]
            if demand_order["accepted_volume"]:
                accepted_demand.append(demand_order)

        for order in product_orders:
            if not order.get("accepted_volume") and id(order) not in rejected_ids:
                rejected.append(order)

        clear_price = float(max(map(_price, accepted_supply))) if accepted_supply else 0
        accepted = accepted_demand + accepted_supply
        for order in accepted:
            order["accepted_price"] = clear_price
        for order in rejected:
            order["accepted_volume"] = 0
            order["accepted_price"] = clear_price
        return accepted, rejected, _calculate_meta(accepted_supply, accepted_demand, product)
