"""What the trading agent remembers across restarts: typed records and the Store that keeps them.

The server knows every request and order; the agent keeps only what the server cannot tell it:
the household's own price bounds for re-pricing, what it has already told the household about
each order, proposals waiting for confirmation, and the away/renovation periods the forecast
leaves out of the household's normal profile.

Version 1 kept per request a ``seen`` map (filled kWh already announced) and a ``closed`` list
(expiries already announced), and left out keys that later versions added. Version 2 keeps
one :class:`OrderProgress` per order; :class:`TradingStore` migrates version 1 on load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..agent.forecast import Period
from ..agent.plans import OrderState, TradeRequest
from ..const import entry_store_key

if TYPE_CHECKING:
    from ..market_client.models import Order

STORE_VERSION: Final = 2


def order_state(order: Order) -> OrderState:
    """A server order as the agent's plain order state."""
    return OrderState(
        order_id=order.order_id,
        day=order.day,
        volume_kwh=float(order.volume_kwh),
        limit_price=float(order.limit_price),
        status=str(order.status),
        filled_kwh=float(order.filled_kwh),
        avg_price=None if order.avg_price is None else float(order.avg_price),
    )


@dataclass(slots=True)
class OrderProgress:
    """What the household has been told about one order."""

    reported_kwh: float = 0.0
    expiry_reported: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"reported_kwh": self.reported_kwh, "expiry_reported": self.expiry_reported}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrderProgress:
        return cls(float(data["reported_kwh"]), bool(data["expiry_reported"]))


@dataclass(slots=True)
class RequestRecord:
    """A request the agent submitted, with the limits its re-pricing must respect."""

    request_id: str
    client_request_id: str
    request: TradeRequest
    language: str
    created_at: str
    # A sell's lowest ask, a buy's highest bid: re-pricing never passes them.
    floor: float | None
    cap: float | None
    orders: dict[str, OrderProgress] = field(default_factory=dict)
    # Successful re-prices so far: numbers the client ids of the next ones.
    repriced: int = 0
    # The request whose remainder this one took over (at a new price, or cut to the record).
    parent: str | None = None
    # A sell's own delivery record its volumes were sized with (``own_record`` then; None: not
    # limited by one). When the record falls below it, the open days are cut to match.
    sized_with_record: float | None = None
    # Successful cuts to the record so far: numbers the client ids of the next ones.
    cut: int = 0

    def progress(self, order_id: str) -> OrderProgress:
        """The order's progress, created on first sight."""
        return self.orders.setdefault(order_id, OrderProgress())

    def successor(
        self,
        request_id: str,
        client_request_id: str,
        *,
        parent: str,
        sized_with_record: float | None,
    ) -> RequestRecord:
        """The record of a request that took over this one's remainder (re-priced, or cut to
        the record): the same request, language and limits, no progress of its own yet."""
        return RequestRecord(
            request_id=request_id,
            client_request_id=client_request_id,
            request=self.request,
            language=self.language,
            created_at=self.created_at,
            floor=self.floor,
            cap=self.cap,
            parent=parent,
            sized_with_record=sized_with_record,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "client_request_id": self.client_request_id,
            "request": self.request.as_dict(),
            "language": self.language,
            "created_at": self.created_at,
            "floor": self.floor,
            "cap": self.cap,
            "orders": {oid: progress.to_json() for oid, progress in self.orders.items()},
            "repriced": self.repriced,
            "parent": self.parent,
            "sized_with_record": self.sized_with_record,
            "cut": self.cut,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequestRecord:
        # A record stored before the cut to the record lacks its two keys: sized with no record.
        sized_with = data.get("sized_with_record")
        return cls(
            request_id=str(data["request_id"]),
            client_request_id=str(data["client_request_id"]),
            request=TradeRequest.from_dict(dict(data["request"])),
            language=str(data["language"]),
            created_at=str(data["created_at"]),
            floor=None if data["floor"] is None else float(data["floor"]),
            cap=None if data["cap"] is None else float(data["cap"]),
            orders={oid: OrderProgress.from_json(p) for oid, p in data["orders"].items()},
            repriced=int(data["repriced"]),
            parent=data["parent"],
            sized_with_record=None if sized_with is None else float(sized_with),
            cut=int(data.get("cut", 0)),
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A planned trade waiting for the household's confirmation ("propose only" autonomy)."""

    request: TradeRequest
    language: str
    created_at: str
    total_kwh: float
    limit_price: float

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request.as_dict(),
            "language": self.language,
            "created_at": self.created_at,
            "total_kwh": self.total_kwh,
            "limit_price": self.limit_price,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Proposal:
        return cls(
            request=TradeRequest.from_dict(dict(data["request"])),
            language=str(data["language"]),
            created_at=str(data["created_at"]),
            total_kwh=float(data["total_kwh"]),
            limit_price=float(data["limit_price"]),
        )


@dataclass(frozen=True, slots=True)
class PeriodRecord:
    """Days the household is away or renovating, and the request that said so."""

    period: Period
    request_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.period.first.isoformat(),
            "last": self.period.last.isoformat(),
            "kind": self.period.kind,
            "request_id": self.request_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PeriodRecord:
        period = Period(
            date.fromisoformat(data["first"]), date.fromisoformat(data["last"]), data["kind"]
        )
        return cls(period, str(data["request_id"]))


@dataclass(slots=True)
class TradingBook:
    """Everything the agent keeps: requests by server id, proposals by id, periods."""

    requests: dict[str, RequestRecord] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    periods: list[PeriodRecord] = field(default_factory=list)

    def lineage(self, request_id: str) -> list[str]:
        """A request and every request that took over its remainder, oldest first."""
        lineage = [request_id]
        for current in lineage:
            lineage.extend(
                rid
                for rid, record in self.requests.items()
                if record.parent == current and rid not in lineage
            )
        return lineage

    def successors_inherit_periods(self, old_request_id: str, new_request_id: str) -> None:
        """A re-priced remainder keeps the away/renovation period of the request it replaced."""
        self.periods.extend(
            PeriodRecord(p.period, new_request_id)
            for p in list(self.periods)
            if p.request_id == old_request_id
        )

    def forget_periods(self, request_id: str) -> None:
        self.periods = [p for p in self.periods if p.request_id != request_id]

    def away_periods(self) -> Iterator[Period]:
        return (p.period for p in self.periods)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": {rid: record.to_json() for rid, record in self.requests.items()},
            "proposals": {pid: proposal.to_json() for pid, proposal in self.proposals.items()},
            "periods": [p.to_json() for p in self.periods],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TradingBook:
        return cls(
            requests={
                rid: RequestRecord.from_json(r) for rid, r in data.get("requests", {}).items()
            },
            proposals={pid: Proposal.from_json(p) for pid, p in data.get("proposals", {}).items()},
            periods=[PeriodRecord.from_json(p) for p in data.get("periods", [])],
        )


def _request_v1_to_v2(old: Mapping[str, Any]) -> dict[str, Any]:
    """One version-1 request record as version 2: ``seen`` and ``closed`` become ``orders``."""
    seen: Mapping[str, float] = old.get("seen", {})
    closed = set(old.get("closed", []))
    return {
        "request_id": old["request_id"],
        "client_request_id": old["client_request_id"],
        "request": old["request"],
        "language": old.get("language", "en"),
        "created_at": old["created_at"],
        "floor": old.get("floor"),
        "cap": old.get("cap"),
        "orders": {
            oid: {"reported_kwh": float(seen.get(oid, 0.0)), "expiry_reported": oid in closed}
            for oid in sorted(set(seen) | closed)
        },
        "repriced": int(old.get("repriced", 0)),
        "parent": old.get("parent"),
    }


def _proposal_v1_to_v2(old: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "request": old["request"],
        "language": old.get("language", "en"),
        "created_at": old["created_at"],
        "total_kwh": float(old.get("total_kwh", 0.0)),
        "limit_price": float(old.get("limit_price", 0.0)),
    }


class TradingStore(Store[dict[str, Any]]):
    """The agent's book in ``.storage``, one file per config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        super().__init__(hass, STORE_VERSION, entry_store_key("trading", entry_id))

    async def async_load_book(self) -> TradingBook:
        """The stored book (migrated to this version), or an empty one."""
        stored = await self.async_load()
        return TradingBook() if stored is None else TradingBook.from_json(stored)

    async def async_save_book(self, book: TradingBook) -> None:
        await self.async_save(book.to_json())

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Version 1 -> 2: per-order progress instead of ``seen``/``closed``; every key set."""
        if old_major_version == 1:
            old_data = {
                "requests": {
                    rid: _request_v1_to_v2(r) for rid, r in old_data.get("requests", {}).items()
                },
                "proposals": {
                    pid: _proposal_v1_to_v2(p) for pid, p in old_data.get("proposals", {}).items()
                },
                "periods": list(old_data.get("periods", [])),
            }
        return old_data


class BookKeeper:
    """The book, its Store and the lock that keeps the watcher and the user's actions apart."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store = TradingStore(hass, entry_id)
        self.book = TradingBook()
        self.lock = asyncio.Lock()

    async def async_load(self) -> None:
        self.book = await self._store.async_load_book()

    async def async_save(self) -> None:
        await self._store.async_save_book(self.book)
