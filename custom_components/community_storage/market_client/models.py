"""Plain data of the market server's wire contract (docs/wire-contract.md).

Every class is a frozen dataclass parsed from the server's JSON with ``from_json``. Volumes,
prices and money are ``Decimal`` (parsed from the JSON number's text, so 0.07 stays 0.07);
days are ``date``; times are timezone-aware ``datetime``. A response that does not match the
contract raises ``ValueError``/``KeyError``/``TypeError``, which the client turns into
``MarketResponseError``.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self, get_args, get_type_hints

type JsonObject = Mapping[str, Any]

# The market's steps as an older server (without them in ``/api/v1/me``) has them; a newer one
# sends its own, which the client then uses (CommunityInfo.volume_step_kwh/price_step_eur).
DEFAULT_VOLUME_STEP = Decimal("0.1")
DEFAULT_PRICE_STEP = Decimal("0.001")
# The community energy price a server before energy sharing implies (docs/delivery.md).
DEFAULT_ENERGY_PRICE = Decimal("0.12")
# A server before own-credit settlement pays sellers nothing for the energy behind a buyer's
# own credit: its feed-in price is, in effect, 0 (docs/delivery.md).
FEED_IN_PRICE_BEFORE_OWN_CREDIT = Decimal(0)


class Side(StrEnum):
    """Order side: a buyer reserves capacity, a seller offers it (the integration's one Side)."""

    BUY = "buy"
    SELL = "sell"


class OrderStatus(StrEnum):
    """Life of one order (one delivery day)."""

    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


ACTIVE_ORDER_STATUSES: frozenset[OrderStatus] = frozenset(
    {OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED}
)


def to_decimal(value: Any) -> Decimal:
    """Parse a JSON number (int, float or numeric string) without float artefacts."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        return Decimal(str(value))
    raise TypeError(f"expected a number, got {value!r}")


def _opt_decimal(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"time without offset: {value!r}")
    return parsed


def _opt_datetime(value: Any) -> datetime | None:
    return None if value is None else _datetime(value)


def _date(value: Any) -> date:
    return date.fromisoformat(str(value))


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    str: str,
    int: int,
    bool: bool,
    Decimal: to_decimal,
}


def _reader(kind: Any) -> Callable[[Any], Any]:
    """How a JSON value becomes a field of this type: a scalar, an enum member, a nested
    object's ``from_json``, or a tuple of them."""
    if kind in _SCALARS:
        return _SCALARS[kind]
    if isinstance(kind, types.GenericAlias) and kind.__origin__ is tuple:
        item = _reader(get_args(kind)[0])
        return lambda values: tuple(item(value) for value in values)
    # By subclass, not identity: a test's frozen clock (freezegun) swaps this module's date
    # and datetime for subclasses of theirs; datetime first, as it is a date itself.
    if issubclass(kind, datetime):
        return _datetime
    if issubclass(kind, date):
        return _date
    if issubclass(kind, StrEnum):
        return kind
    return getattr(kind, "from_json")  # noqa: B009 - a nested contract object


type FieldReader = tuple[str, Callable[[Any], Any], bool, Any]
# Each contract class's readers, worked out from its annotations on its first response.
_FIELD_READERS: dict[type, tuple[FieldReader, ...]] = {}


def _field_readers(cls: type) -> tuple[FieldReader, ...]:
    """(name, reader, optional, default) of each field of a contract dataclass."""
    if cls in _FIELD_READERS:
        return _FIELD_READERS[cls]
    hints = get_type_hints(cls)
    readers = []
    for spec in dataclasses.fields(cls):
        kind = hints[spec.name]
        optional = isinstance(kind, types.UnionType) and type(None) in get_args(kind)
        if optional:
            kind = next(arg for arg in get_args(kind) if arg is not type(None))
        readers.append((spec.name, _reader(kind), optional, spec.default))
    _FIELD_READERS[cls] = tuple(readers)
    return _FIELD_READERS[cls]


class ReadByFields:
    """A contract object whose ``from_json`` reads each field by its annotation
    (``_from_fields``); the others parse their JSON by hand."""

    __slots__ = ()

    @classmethod
    def from_json(cls, data: JsonObject) -> Self:
        """Parse the object."""
        return _from_fields(cls, data)


def _from_fields[T](cls: type[T], data: JsonObject) -> T:
    """A contract object read field by field from its annotations.

    A required field must be there; an optional one (``X | None``, default or not) may be
    absent or null. A field with another default (energy figures, counts an older server does
    not send) takes it when absent, null or zero, as ``data.get(name) or 0`` did: a zero stays
    the default's ``Decimal(0)``, not ``Decimal("0.0")``.
    """
    values: dict[str, Any] = {}
    for name, read, optional, default in _field_readers(cls):
        if optional:
            value = data.get(name)
            values[name] = None if value is None else read(value)
        elif default is not dataclasses.MISSING:
            value = data.get(name)
            values[name] = read(value) if value else default
        else:
            values[name] = read(data[name])
    return cls(**values)


@dataclass(frozen=True, slots=True)
class ServerHealth:
    """``GET /healthz``."""

    status: str
    version: str
    api_version: int

    @classmethod
    def from_json(cls, data: JsonObject) -> ServerHealth:
        """Parse the health document."""
        return cls(
            status=str(data["status"]),
            version=str(data.get("version", "")),
            api_version=int(data["api_version"]),
        )


@dataclass(frozen=True, slots=True)
class JoinResult(ReadByFields):
    """``POST /api/v1/join``: the household's id and its bearer token."""

    household_id: str
    token: str


@dataclass(frozen=True, slots=True)
class JoinCheck(ReadByFields):
    """``POST /api/v1/join/check``: whom a join code joins; nothing is redeemed yet."""

    household_id: str
    name: str
    community: str
    rejoin: bool


@dataclass(frozen=True, slots=True)
class HouseholdLimits(ReadByFields):
    """Per-household limits set by the operator."""

    max_sell_kwh_per_day: Decimal
    max_open_kwh: Decimal
    min_price: Decimal
    max_price: Decimal


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """The community's market rules, as the server reports them."""

    name: str
    timezone: str
    gate_closure: time
    gate_closure_days_before: int
    horizon_days: int
    round_interval_s: int
    mechanism: str
    efficiency: Decimal
    volume_step_kwh: Decimal
    price_step_eur: Decimal
    # The community's price of shared energy (EUR/kWh) and whether sellers may charge their
    # reserve from the grid; a server before energy sharing says neither (the defaults).
    energy_price: Decimal = DEFAULT_ENERGY_PRICE
    grid_charging: bool = False
    # The community's price of own-credit energy (EUR/kWh): what a seller earns, and a buyer
    # pays, for a delivered kWh that held the buyer's own export.
    feed_in_price: Decimal = FEED_IN_PRICE_BEFORE_OWN_CREDIT

    def gate_closure_of(self, day: date, zone: tzinfo) -> datetime:
        """When trading for ``day`` closes (``zone`` is this community's time zone)."""
        closing_day = day - timedelta(days=self.gate_closure_days_before)
        return datetime.combine(closing_day, self.gate_closure, tzinfo=zone)

    @classmethod
    def from_json(cls, data: JsonObject) -> CommunityInfo:
        """Parse the community object."""
        return cls(
            name=str(data["name"]),
            timezone=str(data["timezone"]),
            gate_closure=time.fromisoformat(str(data["gate_closure"])),
            gate_closure_days_before=int(data["gate_closure_days_before"]),
            horizon_days=int(data["horizon_days"]),
            round_interval_s=int(data["round_interval_s"]),
            mechanism=str(data["mechanism"]),
            efficiency=to_decimal(data["efficiency"]),
            volume_step_kwh=to_decimal(data.get("volume_step_kwh", DEFAULT_VOLUME_STEP)),
            price_step_eur=to_decimal(data.get("price_step_eur", DEFAULT_PRICE_STEP)),
            energy_price=to_decimal(data.get("energy_price", DEFAULT_ENERGY_PRICE)),
            grid_charging=bool(data.get("grid_charging", False)),
            feed_in_price=to_decimal(data.get("feed_in_price", FEED_IN_PRICE_BEFORE_OWN_CREDIT)),
        )


@dataclass(frozen=True, slots=True)
class OwnDelivery(ReadByFields):
    """``GET /api/v1/me`` ``delivery``: the household's own record as a seller over its last
    settled selling days (up to 14); None before anything it sold was settled."""

    days: int = 0
    delivered_per_kwh_sold: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Household:
    """``GET /api/v1/me``: who this token belongs to and the community it is in."""

    household_id: str
    name: str
    disabled: bool
    limits: HouseholdLimits
    community: CommunityInfo
    api_version: int
    delivery: OwnDelivery = OwnDelivery()

    @classmethod
    def from_json(cls, data: JsonObject) -> Household:
        """Parse the ``me`` document."""
        return cls(
            household_id=str(data["household_id"]),
            name=str(data["name"]),
            disabled=bool(data.get("disabled", False)),
            limits=HouseholdLimits.from_json(data["limits"]),
            community=CommunityInfo.from_json(data["community"]),
            api_version=int(data["api_version"]),
            delivery=OwnDelivery.from_json(data.get("delivery") or {}),
        )


@dataclass(frozen=True, slots=True)
class Order(ReadByFields):
    """One delivery day of a request."""

    order_id: str
    request_id: str
    day: date
    side: Side
    volume_kwh: Decimal
    limit_price: Decimal
    status: OrderStatus
    filled_kwh: Decimal
    remaining_kwh: Decimal
    avg_price: Decimal | None
    gate_closure: datetime

    @property
    def active(self) -> bool:
        """Whether the unfilled remainder can still fill."""
        return self.status in ACTIVE_ORDER_STATUSES


@dataclass(frozen=True, slots=True)
class Request(ReadByFields):
    """A household's request: one order per delivery day."""

    request_id: str
    client_request_id: str
    side: Side
    created_at: datetime
    status: str
    note: str | None
    orders: tuple[Order, ...]
    # The battery's power limit the request was placed with (None: not given).
    max_power_kw: Decimal | None = None

    @property
    def open(self) -> bool:
        """Whether any of the request's orders can still fill."""
        return self.status == "open"

    @property
    def volume_kwh(self) -> Decimal:
        """Total volume asked for over all days."""
        return sum((order.volume_kwh for order in self.orders), Decimal("0.0"))

    @property
    def filled_kwh(self) -> Decimal:
        """Total volume filled so far over all days."""
        return sum((order.filled_kwh for order in self.orders), Decimal("0.0"))


@dataclass(frozen=True, slots=True)
class Fill(ReadByFields):
    """A (partial) fill of one order in one clearing round."""

    fill_id: str
    order_id: str
    request_id: str
    day: date
    side: Side
    volume_kwh: Decimal
    price: Decimal
    amount_eur: Decimal  # positive = earned, negative = paid
    round_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Settlement(ReadByFields):
    """A ledger entry written after the delivery day."""

    entry_id: str
    day: date
    side: Side
    volume_kwh: Decimal
    price: Decimal
    amount_eur: Decimal  # positive = earned, negative = paid
    fill_id: str
    settled_at: datetime
    # Shared energy beside the capacity: kWh billed (buy) or sold (sell) and its money
    # (negative paid, positive earned); zero from a server before energy sharing.
    energy_kwh: Decimal = Decimal(0)
    energy_eur: Decimal = Decimal(0)
    # Own-credit energy (the buyer's own export the seller's reserve held), the same way at the
    # community's feed-in price; zero from a server before own-credit settlement.
    own_credit_kwh: Decimal = Decimal(0)
    own_credit_eur: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class SettlementTotals(ReadByFields):
    """Totals of a month's ledger (``paid_eur`` is reported as a positive amount)."""

    earned_eur: Decimal
    paid_eur: Decimal
    net_eur: Decimal
    # Shared and own-credit energy (all positive); the capacity totals above leave them out,
    # ``net_eur`` includes them.
    energy_earned_eur: Decimal = Decimal(0)
    energy_paid_eur: Decimal = Decimal(0)
    own_credit_earned_eur: Decimal = Decimal(0)
    own_credit_paid_eur: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class MonthlySettlements:
    """``GET /api/v1/settlements?month=YYYY-MM``."""

    month: str
    settlements: tuple[Settlement, ...]
    totals: SettlementTotals

    @classmethod
    def from_json(cls, month: str, data: JsonObject) -> MonthlySettlements:
        """Parse the settlements document of ``month``."""
        return cls(
            month=month,
            settlements=tuple(Settlement.from_json(entry) for entry in data["settlements"]),
            totals=SettlementTotals.from_json(data["totals"]),
        )


@dataclass(frozen=True, slots=True)
class MarketDay:
    """Anonymous aggregate of one delivery day."""

    day: date
    gate_closure: datetime
    open: bool
    last_price: Decimal | None
    cleared_kwh: Decimal
    open_buy_kwh: Decimal
    open_sell_kwh: Decimal
    last_round_at: datetime | None

    @classmethod
    def from_json(cls, data: JsonObject) -> MarketDay:
        """Parse one day of the market document."""
        return cls(
            day=_date(data["day"]),
            gate_closure=_datetime(data["gate_closure"]),
            open=bool(data["open"]),
            last_price=_opt_decimal(data.get("last_price")),
            cleared_kwh=to_decimal(data.get("cleared_kwh", 0)),
            open_buy_kwh=to_decimal(data.get("open_buy_kwh", 0)),
            open_sell_kwh=to_decimal(data.get("open_sell_kwh", 0)),
            last_round_at=_opt_datetime(data.get("last_round_at")),
        )


@dataclass(frozen=True, slots=True)
class MarketDelivery(ReadByFields):
    """What the community's deliveries measured over its last settled days (up to 14)."""

    days: int = 0
    # Share of sold capacity the sellers delivered; shared energy billed per kWh bought.
    # None with no settled day.
    filled_per_kwh_sold: Decimal | None = None
    shared_kwh_per_kwh_bought: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    """``GET /api/v1/market``: open days and the last 7 days."""

    mechanism: str
    timezone: str
    generated_at: datetime
    days: tuple[MarketDay, ...]
    # A server before energy sharing sends no ``delivery``: nothing measured.
    delivery: MarketDelivery = MarketDelivery()

    def day(self, day: date) -> MarketDay | None:
        """Return the aggregate of ``day`` if the server reported it."""
        return next((entry for entry in self.days if entry.day == day), None)

    @classmethod
    def from_json(cls, data: JsonObject) -> MarketSnapshot:
        """Parse the market document."""
        return cls(
            mechanism=str(data["mechanism"]),
            timezone=str(data["timezone"]),
            generated_at=_datetime(data["generated_at"]),
            days=tuple(
                sorted(
                    (MarketDay.from_json(day) for day in data["days"]),
                    key=lambda entry: entry.day,
                )
            ),
            delivery=MarketDelivery.from_json(data.get("delivery") or {}),
        )


class DeliveryStatus(StrEnum):
    """What the server did with a delivery report."""

    RECORDED = "recorded"
    UNCHANGED = "unchanged"
    CORRECTED = "corrected"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One household's delivery report of one day and side (``/api/v1/deliveries``)."""

    day: date
    side: Side
    kwh: Decimal
    traded_kwh: Decimal
    ratio: Decimal | None  # None when nothing was traded (the contract allows null)
    status: DeliveryStatus
    reported_at: datetime

    @classmethod
    def from_json(cls, data: JsonObject) -> Delivery:
        """Parse a delivery object."""
        return cls(
            day=_date(data["day"]),
            side=Side(data["side"]),
            kwh=to_decimal(data["kwh"]),
            traded_kwh=to_decimal(data["traded_kwh"]),
            ratio=_opt_decimal(data["ratio"]),
            status=DeliveryStatus(data["status"]),
            reported_at=_datetime(data["reported_at"]),
        )


@dataclass(frozen=True, slots=True)
class CommunityStorageData:
    """What the coordinator publishes after every refresh.

    ``requests`` holds every own request (newest first) with all its orders; ``fills`` every
    fill seen since Home Assistant started, ``new_fills`` those that arrived with this refresh
    (empty on the first refresh, so a restart does not re-announce old fills).
    """

    me: Household
    market: MarketSnapshot
    requests: tuple[Request, ...]
    fills: tuple[Fill, ...]
    new_fills: tuple[Fill, ...]
    settlements: MonthlySettlements
    today: date
    fetched_at: datetime
    orders: tuple[Order, ...] = field(init=False)

    def __post_init__(self) -> None:
        """Flatten the requests' orders once; entities read them on every update."""
        object.__setattr__(
            self,
            "orders",
            tuple(order for request in self.requests for order in request.orders),
        )

    @property
    def open_orders(self) -> tuple[Order, ...]:
        """Orders whose remainder can still fill."""
        return tuple(order for order in self.orders if order.active)

    def orders_on(self, day: date, side: Side | None = None) -> tuple[Order, ...]:
        """Own orders for delivery ``day`` (optionally of one side)."""
        return tuple(
            order
            for order in self.orders
            if order.day == day and (side is None or order.side is side)
        )

    def filled_kwh(self, day: date, side: Side) -> Decimal:
        """Capacity filled for ``day`` on ``side``: reserved (buy) or sold (sell)."""
        return sum((order.filled_kwh for order in self.orders_on(day, side)), Decimal("0.0"))

    def filled_by_day(self, side: Side) -> dict[date, Decimal]:
        """Capacity filled on ``side`` per delivery day, for days with any fill."""
        result: dict[date, Decimal] = {}
        for order in self.orders:
            if order.side is side and order.filled_kwh > 0:
                result[order.day] = result.get(order.day, Decimal("0.0")) + order.filled_kwh
        return result
