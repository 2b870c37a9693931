"""Watches the agent's requests on every coordinator refresh: tells the household, re-prices,
and cuts offers its delivery record no longer supports.

New fills and expired remainders become follow-ups (notification, notify action, event). An
unfilled remainder whose day cleared beyond its limit moves towards the market price, never
past the household's own bound, in one server call (``reprice_request``): either it moves or
it stays on the market as it was. An open offer sized before the household's own delivery
record fell (``GET /api/v1/me`` ``delivery``) keeps only the share the record now supports
(``record_supported_kwh``, the rule the planner sizes new offers by): the days' remainders are
cancelled and what they keep is placed again as one request at the same price.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ..agent.planner import ceil_price, floor_price, record_supported_kwh
from ..const import DOMAIN
from ..language.speak.explain import (
    expiry_speech,
    fill_update_speech,
    record_cut_speech,
    reprice_speech,
)
from ..market_client.client import MarketClient, MarketError
from ..subscriptions import Subscription
from .notifications import async_follow_up
from .records import BookKeeper, RequestRecord, order_state

if TYPE_CHECKING:
    from ..coordinator import CommunityStorageCoordinator
    from ..market_client.models import CommunityStorageData, Order, Request

_LOGGER = logging.getLogger(__name__)

# Requests whose last delivery day is this far behind are dropped from the Store.
KEEP_DAYS: Final = 35


class OrderWatcher:
    """Follows the recorded requests through the coordinator's refreshes."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: MarketClient,
        coordinator: CommunityStorageCoordinator,
        keeper: BookKeeper,
        *,
        propose_only: Callable[[], bool],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.coordinator = coordinator
        self.keeper = keeper
        # In "propose only" autonomy the agent never moves a price by itself.
        self._propose_only = propose_only
        self._refreshes = Subscription()

    def start(self) -> None:
        self._refreshes.hold(self.coordinator.async_add_listener(self._handle_update))

    def stop(self) -> None:
        self._refreshes.cancel()

    @callback
    def _handle_update(self) -> None:
        """A coordinator refresh: look at our orders in the background."""
        data = self.coordinator.data
        if data is None or not self.coordinator.last_update_success:
            return
        # A tracked task (not a background one), so "wait until done" includes the follow-ups.
        self.entry.async_create_task(self.hass, self._async_watch(data), f"{DOMAIN} trading watch")

    async def _async_watch(self, data: CommunityStorageData) -> None:
        """Notify new fills and expiries; re-price unfilled remainders when the market moved."""
        async with self.keeper.lock:
            book = self.keeper.book
            changed = False
            by_id = {r.request_id: r for r in data.requests}
            for request_id, record in list(book.requests.items()):
                server = by_id.get(request_id)
                if server is None:
                    continue
                if not server.open and all(
                    o.day < data.today - timedelta(days=KEEP_DAYS) for o in server.orders
                ):
                    # Long settled: the server keeps the record, the Store need not.
                    del book.requests[request_id]
                    changed = True
                    continue
                changed |= await self._async_report(record, server)
                # In "propose only" autonomy the agent changes no order by itself.
                if not server.open or self._propose_only():
                    continue
                # A cut replaces the orders this look saw: their re-price waits for the next.
                if await self._async_cut_to_record(record, server, data):
                    changed = True
                    continue
                changed |= await self._async_reprice(record, server, data)
            if changed:
                await self.keeper.async_save()

    async def _async_follow_up(
        self, server: Request, message: str, language: str, **event_data: Any
    ) -> None:
        """Tell the household about one of its requests (notification, notify action, event)."""
        await async_follow_up(
            self.hass,
            self.entry,
            request_id=server.request_id,
            message=message,
            language=language,
            event_data=event_data,
        )

    async def _async_report(self, record: RequestRecord, server: Request) -> bool:
        """Follow-ups for fills since the last look and for orders that expired."""
        language = record.language
        changed = False
        for order in server.orders:
            state = order_state(order)
            progress = record.progress(order.order_id)
            if state.filled_kwh > progress.reported_kwh + 1e-9:
                new = round(state.filled_kwh - progress.reported_kwh, 1)
                progress.reported_kwh = state.filled_kwh
                changed = True
                message = fill_update_speech(
                    side=str(order.side),
                    day=order.day,
                    new_kwh=new,
                    price=state.avg_price or state.limit_price,
                    filled_kwh=state.filled_kwh,
                    volume_kwh=state.volume_kwh,
                    language=language,
                )
                await self._async_follow_up(
                    server, message, language, type="fill", new_kwh=new, order=state.as_dict()
                )
            if state.status == "expired" and not progress.expiry_reported:
                progress.expiry_reported = True
                changed = True
                expired = round(state.volume_kwh - state.filled_kwh, 1)
                if expired <= 0:
                    continue
                message = expiry_speech(
                    side=str(order.side),
                    day=order.day,
                    expired_kwh=expired,
                    filled_kwh=state.filled_kwh,
                    language=language,
                )
                await self._async_follow_up(
                    server,
                    message,
                    language,
                    type="expired",
                    expired_kwh=expired,
                    order=state.as_dict(),
                )
        return changed

    def _reprice_groups(
        self, record: RequestRecord, server: Request, data: CommunityStorageData
    ) -> dict[float, list[Order]]:
        """The remainders to move, by their new price.

        A sell whose day cleared below its ask drops to that price (not below the floor); a
        buy whose day cleared above its bid rises to it (not above the cap).
        """
        groups: dict[float, list[Order]] = {}
        for order in server.orders:
            if not order.active or order.remaining_kwh <= 0:
                continue
            market_day = data.market.day(order.day)
            if market_day is None or market_day.last_price is None or not market_day.open:
                continue
            last = float(market_day.last_price)
            current = float(order.limit_price)
            if server.side == "sell" and record.floor is not None:
                new = max(record.floor, ceil_price(last))
                if new >= current:
                    continue
            elif server.side == "buy" and record.cap is not None:
                new = min(record.cap, floor_price(last))
                if new <= current:
                    continue
            else:
                continue
            groups.setdefault(new, []).append(order)
        return groups

    async def _async_reprice(
        self, record: RequestRecord, server: Request, data: CommunityStorageData
    ) -> bool:
        """Move unfilled remainders towards the market price, never past the household's limit.

        Each move is one server call with a client request id numbered by the successful moves
        so far: a retry of a call whose answer was lost returns the request it made, and a
        refused call leaves the remainder where it was and the numbering as it was.
        """
        groups = self._reprice_groups(record, server, data)
        if not groups:
            return False
        book = self.keeper.book
        moved = False
        for new_price, orders in groups.items():
            attempt = record.repriced + 1
            client_request_id = f"{record.client_request_id}-r{attempt}"
            try:
                created = await self.client.reprice_request(
                    server.request_id,
                    limit_price=new_price,
                    days=[o.day for o in orders],
                    client_request_id=client_request_id,
                )
            except MarketError as err:
                _LOGGER.warning("Re-pricing request %s failed: %s", server.request_id, err)
                continue
            record.repriced = attempt
            moved = True
            # A new price, the same volumes: they stand on the record they were sized with.
            successor = record.successor(
                created.request_id,
                client_request_id,
                parent=server.request_id,
                sized_with_record=record.sized_with_record,
            )
            book.requests[created.request_id] = successor
            book.successors_inherit_periods(server.request_id, created.request_id)
            first = orders[0]
            message = reprice_speech(
                side=str(server.side),
                day=first.day,
                old=float(first.limit_price),
                new=new_price,
                language=record.language,
            )
            await self._async_follow_up(
                server,
                message,
                record.language,
                type="repriced",
                new_request_id=created.request_id,
                old_price=float(first.limit_price),
                new_price=new_price,
                days=[o.day.isoformat() for o in orders],
            )
            # Fills that happened in the round right after the move are reported now.
            await self._async_report(successor, created)
        if moved:
            await self.coordinator.async_request_refresh()
        return moved

    async def _async_cut_to_record(
        self, record: RequestRecord, server: Request, data: CommunityStorageData
    ) -> bool:
        """Cut an open offer to what the household's own delivery record now supports.

        Only offers the agent sized (a figure the household stated is honoured, as the planner
        honours it). Each day's remainder is cancelled first, since the server counts a live
        offer against the seller's daily limit and a smaller one beside it could be refused;
        what the days keep is then placed as one request at the same price, with a client
        request id numbered by the successful cuts so far (a retry of a lost answer returns the
        request it made). If that placing is refused, the days stay withdrawn: the household
        then offers less than its record supports, never more.
        """
        if server.side != "sell" or record.request.kwh_per_day is not None:
            return False
        delivery = data.me.delivery
        now = (
            None
            if delivery.delivered_per_kwh_sold is None
            else float(delivery.delivered_per_kwh_sold)
        )
        open_days = {day.day for day in data.market.days if day.open}
        kept = record_supported_kwh(
            [order_state(o) for o in server.orders],
            sized_with=record.sized_with_record,
            record=now,
            open_days=open_days,
        )
        if not kept or now is None:
            return False
        cancelled: list[Order] = []
        for order in server.orders:
            if order.order_id not in kept:
                continue
            try:
                await self.client.cancel_order(order.order_id)
            except MarketError as err:
                _LOGGER.warning("Cutting offer %s to the record failed: %s", order.order_id, err)
                continue
            cancelled.append(order)
        if not cancelled:
            return False
        again = {
            o.day: round(kept[o.order_id] - float(o.filled_kwh), 1)
            for o in cancelled
            if kept[o.order_id] - float(o.filled_kwh) >= 0.05
        }
        placed: dict[date, float] = {}
        successor: RequestRecord | None = None
        created: Request | None = None
        if again:
            attempt = record.cut + 1
            client_request_id = f"{record.client_request_id}-c{attempt}"
            try:
                created = await self.client.create_request(
                    server.side,
                    limit_price=cancelled[0].limit_price,
                    volumes=again,
                    max_power_kw=server.max_power_kw,
                    note=server.note,
                    client_request_id=client_request_id,
                )
            except MarketError as err:
                _LOGGER.warning(
                    "Placing the cut offer of request %s failed, its days stay withdrawn: %s",
                    server.request_id,
                    err,
                )
            else:
                record.cut = attempt
                placed = {o.day: float(o.volume_kwh) for o in created.orders}
                successor = record.successor(
                    created.request_id,
                    client_request_id,
                    parent=server.request_id,
                    sized_with_record=now,
                )
                self.keeper.book.requests[created.request_id] = successor
                self.keeper.book.successors_inherit_periods(server.request_id, created.request_id)
        cuts = [
            (o.day, float(o.volume_kwh), round(float(o.filled_kwh) + placed.get(o.day, 0.0), 1))
            for o in sorted(cancelled, key=lambda o: o.day)
        ]
        message = record_cut_speech(
            cuts,
            delivered_share=now,
            delivery_days=delivery.days,
            language=record.language,
        )
        await self._async_follow_up(
            server,
            message,
            record.language,
            type="cut_to_record",
            new_request_id=None if created is None else created.request_id,
            delivered_share=now,
            days=[day.isoformat() for day, _, _ in cuts],
            before_kwh=[before for _, before, _ in cuts],
            after_kwh=[after for _, _, after in cuts],
        )
        if successor is not None and created is not None:
            # Fills that happened in the round right after the placing are reported now.
            await self._async_report(successor, created)
        await self.coordinator.async_request_refresh()
        return True
