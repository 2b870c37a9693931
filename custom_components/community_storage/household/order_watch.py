"""Watches the agent's requests on every coordinator refresh: tells the household, re-prices.

New fills and expired remainders become follow-ups (notification, notify action, event). An
unfilled remainder whose day cleared beyond its limit moves towards the market price, never
past the household's own bound, in one server call (``reprice_request``): either it moves or
it stays on the market as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ..agent.planner import ceil_price, floor_price
from ..const import DOMAIN
from ..language.speak.explain import expiry_speech, fill_update_speech, reprice_speech
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
                if server.open and not self._propose_only():
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
            successor = RequestRecord(
                request_id=created.request_id,
                client_request_id=client_request_id,
                request=record.request,
                language=record.language,
                created_at=record.created_at,
                floor=record.floor,
                cap=record.cap,
                parent=server.request_id,
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
