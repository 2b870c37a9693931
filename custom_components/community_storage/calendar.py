"""Calendar of the household's trades: one all-day event per delivery day of each request."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .compat import CalendarEntityDescription
from .entity import CommunityStorageEntity
from .language.speak.phrases import phrasebook
from .language.speak.phrases.formatting import fmt_number
from .market_client.models import CommunityStorageData, Order
from .runtime import CommunityStorageConfigEntry

PARALLEL_UPDATES = 0

CALENDAR = CalendarEntityDescription(key="trades", translation_key="trades")


def order_event(order: Order, note: str | None, language: str) -> CalendarEvent | None:
    """The calendar event of one order, or None for an order that came to nothing."""
    if not order.active and order.filled_kwh == 0:
        return None
    # Calendar events carry no translation keys: their wording is the phrasebook's.
    book = phrasebook(language)
    texts = book.calendar

    def number(value: Decimal, places: int) -> str:
        return fmt_number(value, places, language)

    if order.filled_kwh > 0:
        summary = texts[f"filled_{order.side}"].format(
            kwh=number(order.filled_kwh, 1),
            price=number(order.avg_price if order.avg_price is not None else order.limit_price, 3),
        )
    else:
        summary = texts[f"pending_{order.side}"].format(
            kwh=number(order.volume_kwh, 1), price=number(order.limit_price, 3)
        )
    description = texts["details"].format(
        status=book.order_status[order.status],
        filled=number(order.filled_kwh, 1),
        volume=number(order.volume_kwh, 1),
        limit=number(order.limit_price, 3),
        gate=dt_util.as_local(order.gate_closure).strftime("%Y-%m-%d %H:%M"),
        order_id=order.order_id,
        request_id=order.request_id,
    )
    if order.avg_price is not None:
        description += texts["average"].format(avg=number(order.avg_price, 3))
    if note:
        description += texts["note"].format(note=note)
    return CalendarEvent(
        start=order.day,
        end=order.day + timedelta(days=1),
        summary=summary,
        description=description,
        uid=order.order_id,
    )


def trade_events(data: CommunityStorageData, language: str) -> list[CalendarEvent]:
    """Every own order's event, by delivery day."""
    events = [
        event
        for request in data.requests
        for order in request.orders
        if (event := order_event(order, request.note, language)) is not None
    ]
    return sorted(events, key=lambda event: (event.start, event.summary))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CommunityStorageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One trades calendar per household."""
    async_add_entities([CommunityStorageCalendar(entry.runtime_data.coordinator, CALENDAR)])


class CommunityStorageCalendar(CommunityStorageEntity, CalendarEntity):
    """The household's reservations and sales, one event per delivery day."""

    @property
    def event(self) -> CalendarEvent | None:
        """The current or next trade day."""
        now = dt_util.now()
        return next(
            (
                event
                for event in trade_events(self.coordinator.data, self.hass.config.language)
                if event.end_datetime_local > now
            ),
            None,
        )

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Trade days overlapping ``start_date`` .. ``end_date``."""
        return [
            event
            for event in trade_events(self.coordinator.data, hass.config.language)
            if event.start_datetime_local < end_date and event.end_datetime_local > start_date
        ]
