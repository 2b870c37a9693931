"""The wire contract as types: every JSON body the HTTP API sends or takes, as pydantic models.

The OpenAPI document's component schemas are generated from these models (:func:`schemas`);
openapi.py adds only the operations and what depends on the community's settings or the time
of the call (price bounds, the days open for trading). The server builds its responses as
plain dicts (serialisers.py and friends); tests validate every real response against its model
here, and a response model refuses unknown fields, so a field a view sends and this module
does not declare fails a test. Every request body is parsed by its model here (`parse`), with
messages a person understands; what depends on the community's settings or the time is
checked after, by validation.py and deliveries.py (tests/market_server/test_body_messages.py
holds every message).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import models_json_schema

from market_server.errors import MarketError, ValidationFailed
from market_server.ledger import deliveries
from market_server.ledger.deliveries import (
    HOURLY_TOLERANCE_KWH,
    MAX_AGE_DAYS,
    MAX_CLIENT_REPORT_ID,
    MAX_KWH,
)
from market_server.market import households, validation
from market_server.market.field_checks import day_value, integer, number, require_object, string
from market_server.market.households import MAX_CODE_VALID_HOURS, MAX_LIMIT_TICKS
from market_server.market.order_status import OrderStatusName
from market_server.market.settings import (
    GATE_CLOSURE_PATTERN,
    MAX_ENERGY_PRICE,
    CommunitySettings,
    energy_price_error,
)
from market_server.market.side import Side, is_side
from market_server.market.units import PRICE_STEP_EUR, VOLUME_STEP_KWH, VOLUME_TICKS_PER_KWH
from market_server.market.validation import RepriceSpec, RequestSpec

REF_PREFIX = "#/components/schemas/"
MAX_CLIENT_REQUEST_ID = 200
MAX_NOTE = 500
MAX_POWER_KW = 1000
# A household's inverter or wallbox limit; below 0.1 kW (a fridge) is a typo or a probe, not
# a power the agent can plan with.
MIN_POWER_KW = 0.1


# What validation.storable_text lets through, as ECMA regexes: no control characters (a note
# may hold tabs and line breaks), and for names and ids at least one non-blank character.
_CONTROLS = "\\u0000-\\u001F\\u007F-\\u009F"
_NOTE_CONTROLS = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F"
LINE_PATTERN = f"^[^{_CONTROLS}]*[^\\s{_CONTROLS}][^{_CONTROLS}]*$"
NOTE_PATTERN = f"^[^{_NOTE_CONTROLS}]*$"
DAY_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
LIMIT_KWH = MAX_LIMIT_TICKS / VOLUME_TICKS_PER_KWH


# One-line, non-blank text fields (validation.string). The patterns are ECMA syntax for the
# document only (json_schema_extra): the server checks text with validation.storable_text.
_LINE = {"pattern": LINE_PATTERN}
Code = Annotated[str, Field(min_length=1, max_length=100, json_schema_extra=_LINE)]
Name = Annotated[str, Field(min_length=1, max_length=200, json_schema_extra=_LINE)]
ClientRequestId = Annotated[
    str, Field(min_length=1, max_length=MAX_CLIENT_REQUEST_ID, json_schema_extra=_LINE)
]
ClientReportId = Annotated[
    str, Field(min_length=1, max_length=MAX_CLIENT_REPORT_ID, json_schema_extra=_LINE)
]


# A day written exactly YYYY-MM-DD (validation.day_value); the enum of the days open at the
# time of the call is added by openapi.py.
StrictDay = Annotated[str, Field(json_schema_extra={"format": "date", "pattern": DAY_PATTERN})]


class _Response(BaseModel):
    """A body the server sends: every field is always present (nullable ones as null), but an
    error's `field`."""

    model_config = ConfigDict(extra="forbid")


class _Body(BaseModel):
    """A body the server takes: unknown fields are refused (parse() says so first)."""

    model_config = ConfigDict(extra="forbid")


def _absent_not_null(*names: str) -> Callable[[dict[str, Any]], None]:
    """Schema hook: these optional fields may be left out but not sent as null."""

    def hook(schema: dict[str, Any]) -> None:
        for name in names:
            prop = schema["properties"][name]
            (kept,) = [s for s in prop.pop("anyOf") if s != {"type": "null"}]
            prop.pop("default", None)
            prop.update(kept)

    return hook


# -- responses ------------------------------------------------------------------------------


class Error(_Response):
    error: str = Field(description="machine code, e.g. validation_error")
    message: str = Field(description="a sentence a person understands")
    field: str | None = None


class Health(_Response):
    status: str
    version: str
    api_version: int


class Joined(_Response):
    household_id: str
    token: str


class JoinCheck(_Response):
    household_id: str = Field(description="the household the code joins")
    name: str = Field(description="the household's name")
    community: str = Field(description="the community's name")
    rejoin: bool = Field(description="a re-join code: redeeming it revokes the household's token")
    expires_at: datetime | None = Field(description="the code stops working at this time")


class MeLimits(_Response):
    max_sell_kwh_per_day: float
    max_open_kwh: float
    max_kwh_per_order_day: float
    min_price: float
    max_price: float


class MeCommunity(_Response):
    name: str
    timezone: str
    gate_closure: Annotated[
        str, Field(pattern=GATE_CLOSURE_PATTERN, description="HH:MM, community time")
    ]
    gate_closure_days_before: int
    horizon_days: int
    round_interval_s: int
    mechanism: str
    efficiency: float
    clear_on_submit: bool
    delivery_report_hours: int
    energy_price: float = Field(
        description="EUR per kWh of shared energy a buyer draws from the sellers' reserves "
        "(the community's agreed price, not cleared); settled beside the capacity"
    )
    grid_charging: bool = Field(
        description="sellers may charge their reserves from the grid (reported as grid_kwh); "
        "off: only renewable surplus fills them"
    )
    feed_in_price: float = Field(
        description="EUR per kWh a buyer pays for the energy behind its own credit (its export "
        "drawn back from the sellers' reserves): the feed-in the sellers give up; settled beside "
        "the shared energy"
    )
    volume_step_kwh: float = Field(description="volumes are multiples of this")
    price_step_eur: float = Field(description="prices are multiples of this")


class MeDelivery(_Response):
    """The household's own record as a seller over its latest settled selling days."""

    days: int
    delivered_per_kwh_sold: float | None


class Me(_Response):
    household_id: str
    name: str
    disabled: bool
    delivery: MeDelivery
    limits: MeLimits
    community: MeCommunity
    api_version: int


class Order(_Response):
    order_id: str
    request_id: str
    day: date
    side: Side
    volume_kwh: float
    limit_price: float
    status: OrderStatusName
    filled_kwh: float
    remaining_kwh: float
    avg_price: float | None
    gate_closure: datetime
    created_at: datetime
    updated_at: datetime


class Request(_Response):
    request_id: str
    client_request_id: str
    side: Side
    created_at: datetime
    status: Literal["open", "done"]
    note: str | None
    max_power_kw: float | None
    limit_price: float | None
    volume_kwh: float
    filled_kwh: float
    orders: list[Order]


class RequestList(_Response):
    requests: list[Request]


class OrderList(_Response):
    orders: list[Order]


class Fill(_Response):
    fill_id: str
    order_id: str
    request_id: str
    day: date
    side: Side
    volume_kwh: float
    price: float
    amount_eur: float = Field(description="positive = earned, negative = paid")
    round_id: str
    created_at: datetime


class FillList(_Response):
    fills: list[Fill]


class LedgerEntry(_Response):
    entry_id: str
    day: date
    side: Side
    volume_kwh: float
    price: float
    amount_eur: float = Field(description="positive = earned, negative = paid; net of refund_eur")
    fill_id: str
    settled_at: datetime
    delivered_kwh: float | None = Field(
        description="sell entries: what the fill delivered (the seller earns that share of its "
        "value); null on buy entries"
    )
    refund_eur: float = Field(
        description="buy entries: this fill's share of the day's sellers' shortfall, already "
        "taken off amount_eur; 0 on sell entries"
    )
    energy_kwh: float = Field(
        description="shared energy: buy entries the kWh billed, sell entries the kWh sold "
        "(this fill's share of its household's day); 0 when none"
    )
    energy_eur: float = Field(
        description="what that shared energy cost (buy, negative) or earned (sell, positive) "
        "at the community's energy price; not part of amount_eur"
    )
    own_credit_kwh: float = Field(
        description="own-credit energy (the buyers' own export drawn back from the sellers' "
        "reserves): buy entries the kWh billed, sell entries the kWh sold; 0 when none"
    )
    own_credit_eur: float = Field(
        description="what that own-credit energy cost (buy, negative) or earned (sell, "
        "positive) at the community's feed-in price; not part of amount_eur"
    )


class SettlementTotals(_Response):
    earned_eur: float = Field(description="capacity earned")
    paid_eur: float = Field(description="capacity paid, net of refunds")
    net_eur: float = Field(
        description="everything earned less everything paid: capacity, shared and own-credit energy"
    )
    refunds_eur: float
    energy_earned_eur: float = Field(description="shared energy sold to buyers")
    energy_paid_eur: float = Field(description="shared energy bought from sellers")
    own_credit_earned_eur: float = Field(
        description="own-credit energy sold to buyers (at the feed-in price)"
    )
    own_credit_paid_eur: float = Field(
        description="own-credit energy bought from sellers (at the feed-in price)"
    )


class Settlements(_Response):
    settlements: list[LedgerEntry]
    totals: SettlementTotals


class Delivery(_Response):
    day: date
    side: Side
    kwh: float
    traded_kwh: float = Field(description="filled kWh of that day and side")
    ratio: float | None = Field(description="kwh / traded_kwh, 3 decimals")
    status: Literal["recorded", "unchanged", "corrected"]
    reported_at: datetime
    updated_at: datetime
    hourly_kwh: list[float] | None
    client_report_id: str | None
    settled: bool = Field(description="the day is in the ledger")
    shared_kwh: float | None = Field(
        description="buy reports: the part of kwh that was shared energy drawn from the "
        "sellers' reserves (null: none claimed); null on sell reports"
    )
    grid_kwh: float | None = Field(
        description="sell reports: the part of kwh charged from the grid (null: none); null "
        "on buy reports"
    )
    late: bool = Field(
        description="first reported after the day was settled: kept for the record, the "
        "settled money does not change"
    )


class DeliveryList(_Response):
    deliveries: list[Delivery]


class DayDelivery(_Response):
    sold_kwh: float
    reported_sold_kwh: float
    delivered_kwh: float
    ratio: float | None = Field(description="delivered / sold over the sellers that reported")
    unreported_sellers: int
    settled: bool
    refunds_eur: float
    bought_kwh: float
    unreported_buyers: int
    shared_claimed_kwh: float = Field(
        description="shared energy the buyers that reported say they drew"
    )
    energy_kwh: float = Field(description="shared energy billed (settled days; else 0)")
    energy_eur: float = Field(description="what the buyers paid the sellers for it")
    own_credit_kwh: float = Field(
        description="own-credit energy billed (the buyers' own export the sellers' reserves "
        "held; settled days, else 0)"
    )
    own_credit_eur: float = Field(description="what the buyers paid the sellers for it")
    late_reports: int = Field(description="reports that came after the day was settled")


class HouseholdDelivery(_Response):
    household_id: str
    name: str
    sold_kwh: float
    reported_sold_kwh: float
    delivered_kwh: float
    ratio: float | None
    days: int
    unreported_days: int


class MarketDay(_Response):
    day: date
    gate_closure: datetime
    open: bool
    last_price: float | None
    cleared_kwh: float
    open_buy_kwh: float
    open_sell_kwh: float
    last_round_at: datetime | None


class MarketDelivery(_Response):
    """What trades delivered lately: the expected fill a household's agent plans with."""

    days: int = Field(description="settled delivery days measured (the last 14 at most)")
    filled_per_kwh_sold: float | None = Field(
        description="kWh the sellers delivered per kWh of capacity sold (null: no settled day)"
    )
    shared_kwh_per_kwh_bought: float | None = Field(
        description="kWh of shared energy billed per kWh of capacity bought (null: no settled day)"
    )
    own_credit_kwh_per_kwh_bought: float | None = Field(
        description="kWh of own-credit energy billed per kWh of capacity bought (null: no "
        "settled day)"
    )


class Market(_Response):
    mechanism: str
    timezone: str
    generated_at: datetime
    days: list[MarketDay]
    delivery: MarketDelivery = Field(
        description="measured over the last 14 settled delivery days, all households together"
    )


class Household(_Response):
    household_id: str
    name: str
    disabled: bool
    joined: bool
    max_sell_kwh: float
    max_open_kwh: float
    open_kwh: float
    orders: int
    created_at: datetime


class HouseholdList(_Response):
    households: list[Household]


class JoinCode(_Response):
    household_id: str
    join_code: str
    expires_at: datetime = Field(description="the code stops working at this time")


class OperatorOrder(Order):
    household_id: str
    household_name: str


class OperatorOrderList(_Response):
    orders: list[OperatorOrder]


class RoundDay(_Response):
    day: date
    price: float | None
    cleared_kwh: float
    fills: int
    buy_kwh: float
    sell_kwh: float
    orders: int


class Round(_Response):
    round_id: str
    trigger: str
    mechanism: str
    status: Literal["completed", "failed"]
    started_at: datetime
    finished_at: datetime
    fills: int
    cleared_kwh: float
    expired: int
    error: str | None


class RoundSummary(Round):
    days: list[RoundDay]


class RoundList(_Response):
    rounds: list[Round]


class OverviewDay(MarketDay):
    households: int
    buy_orders: int
    sell_orders: int
    delivery: DayDelivery | None = Field(
        description="ended days with sales: delivery reports so far"
    )


class HouseholdCounts(_Response):
    total: int
    disabled: int


class LedgerCount(_Response):
    entries: int


class HouseholdDeliveries(_Response):
    households: list[HouseholdDelivery]


class Overview(_Response):
    mechanism: str
    timezone: str
    generated_at: datetime
    days: list[OverviewDay]
    community: CommunitySettings
    households: HouseholdCounts
    ledger: LedgerCount
    deliveries: HouseholdDeliveries
    rounds: list[Round]
    delivery: MarketDelivery = Field(description="as GET /api/v1/market's")


class SettleSummary(_Response):
    entries: int
    earned_eur: float
    paid_eur: float = Field(description="net of refunds")
    refunds_eur: float
    through_day: date | None
    energy_eur: float = Field(description="shared energy settled: paid by buyers = earned")
    own_credit_eur: float = Field(
        description="own-credit energy settled at the feed-in price: paid by buyers = earned"
    )
    pending_days: int = Field(
        description="ended days waiting for delivery reports (of sellers and buyers)"
    )
    next_deadline: datetime | None = Field(
        description="when the first pending day settles without the missing reports"
    )


class ExportEntry(_Response):
    entry_id: str
    day: date
    household_id: str
    household_name: str
    side: Side
    volume_kwh: float
    price_eur_per_kwh: float
    amount_eur: str = Field(description="exact to 0.0001 EUR, as text")
    fill_id: str
    settled_at: datetime
    delivered_kwh: float | None
    refund_eur: str = Field(description="exact to 0.0001 EUR, as text")
    energy_kwh: float = Field(description="shared energy billed (buy) or sold (sell)")
    energy_eur: str = Field(
        description="exact to 0.0001 EUR, as text: paid (buy, negative) or earned (sell)"
    )
    own_credit_kwh: float = Field(description="own-credit energy billed (buy) or sold (sell)")
    own_credit_eur: str = Field(
        description="exact to 0.0001 EUR, as text: paid (buy, negative) or earned (sell)"
    )


class LedgerExport(_Response):
    entries: list[ExportEntry]
    count: int


def _error_codes() -> dict[int, tuple[str, ...]]:
    """Every machine code of errors.py, by HTTP status (the `error` of an Error body)."""
    codes: dict[int, set[str]] = {}
    todo: list[type[MarketError]] = [MarketError]
    while todo:
        cls = todo.pop()
        codes.setdefault(cls.status, set()).add(cls.code)
        todo.extend(cls.__subclasses__())
    return {status: tuple(sorted(names)) for status, names in sorted(codes.items())}


#: Codes per status; the document lists them on each error response (`x-error-codes`).
ERROR_CODES = _error_codes()


# -- request bodies -------------------------------------------------------------------------
#
# The handlers parse every body with these models (`parse`). Each value is read by a check of
# field_checks.py (or the domain's own rule, e.g. households.code_lifetime) before pydantic's:
# the check raises ValidationFailed with the sentence clients have always got, and pydantic
# lets a MarketError (no ValueError) through unchanged. What depends on the community's
# settings or the time stays in validation.py, deliveries.py and households.py; the models
# hand over typed values (`RequestBody.spec` and friends).
#
# Steps (multipleOf) are the document's only: the server turns a value into ticks with
# units.to_ticks, which allows float noise that pydantic's multiple_of would not.


def _settings(info: ValidationInfo) -> CommunitySettings:
    context = info.context or {}
    settings = context.get("settings")
    return settings if isinstance(settings, CommunitySettings) else CommunitySettings()


def _read(check: Callable[[Any, str], Any]) -> BeforeValidator:
    """A pydantic validator that reads the value with `check(value, field name)`."""

    def run(value: Any, info: ValidationInfo) -> Any:
        return check(value, info.field_name or "")

    return BeforeValidator(run)


def _number(value: Any, name: str) -> float:
    return number({name: value}, name)


def _whole(value: Any, name: str) -> int:
    return integer({name: value}, name)


def _day(value: Any, name: str) -> str:
    day_value(value, name)
    return str(value)


def _line(max_len: int) -> Callable[[Any, str], str]:
    return lambda value, name: string({name: value}, name, max_len=max_len)


def _side(message: str) -> Callable[[Any, str], str]:
    def check(value: Any, name: str) -> str:
        if not is_side(value):
            raise ValidationFailed(message, field=name)
        return str(value)

    return check


def _power(value: Any, name: str) -> float:
    power = _number(value, name)
    if not MIN_POWER_KW <= power <= MAX_POWER_KW:
        raise ValidationFailed(
            f"max_power_kw must be at least {MIN_POWER_KW:g} kW and at most {MAX_POWER_KW:g} kW, "
            f"got {power:g}.",
            field=name,
        )
    return power


def _note(value: Any, name: str) -> str:
    return string({name: value}, name, max_len=MAX_NOTE, allow_empty=True, multiline=True)


def _energy(value: Any, name: str) -> float:
    return deliveries.energy_kwh(_number(value, name), name, name)


def _sell_limit(value: Any, name: str) -> float:
    kwh = _number(value, name)
    households.sell_ticks(kwh)
    return kwh


def _open_limit(value: Any, name: str) -> float:
    kwh = _number(value, name)
    households.open_ticks(kwh)
    return kwh


def _valid_hours(value: Any, name: str) -> float:
    hours = _number(value, name)
    households.code_lifetime(hours)
    return hours


_SellLimit = Annotated[
    float,
    Field(
        ge=0,
        le=LIMIT_KWH,
        json_schema_extra={"multipleOf": VOLUME_STEP_KWH},
        description="kWh per delivery day; 0 = no battery: the household may only buy",
    ),
    _read(_sell_limit),
]
_OpenLimit = Annotated[
    float,
    Field(ge=VOLUME_STEP_KWH, le=LIMIT_KWH, json_schema_extra={"multipleOf": VOLUME_STEP_KWH}),
    _read(_open_limit),
]
_ValidHours = Annotated[
    float,
    Field(
        gt=0,
        le=MAX_CODE_VALID_HOURS,
        description="hours the join code works (default 168: a week)",
    ),
    _read(_valid_hours),
]
_Energy = Annotated[float, Field(ge=0, le=MAX_KWH)]
_Volume = Annotated[float, Field(json_schema_extra={"multipleOf": VOLUME_STEP_KWH}), _read(_number)]
_Price = Annotated[float, Field(json_schema_extra={"multipleOf": PRICE_STEP_EUR}), _read(_number)]
_Day = Annotated[StrictDay, _read(_day)]


class JoinBody(_Body):
    code: Annotated[Code, _read(_line(100))]
    name: Annotated[Name, _read(_line(200))] | None = None


class JoinCheckBody(_Body):
    code: Annotated[Code, _read(_line(100))]


class RequestBody(_Body):
    """Either start_day + num_days + kwh_per_day, or volumes (kWh per day), never both. Every
    day must be open for trading (not past, within the horizon, before its gate closure); a
    day's enum lists the days open when this document was served."""

    model_config = ConfigDict(
        json_schema_extra=_absent_not_null("start_day", "num_days", "kwh_per_day", "volumes")
    )

    side: Annotated[Side, _read(_side("side must be 'buy' or 'sell'."))]
    # Bounds that are the community's settings (num_days, kWh, price) are set by openapi.py.
    start_day: _Day | None = None
    num_days: Annotated[int, _read(_whole)] | None = None
    kwh_per_day: _Volume | None = None
    volumes: dict[StrictDay, _Volume] | None = None
    limit_price: _Price
    client_request_id: Annotated[ClientRequestId, _read(_line(MAX_CLIENT_REQUEST_ID))] | None = None
    max_power_kw: (
        Annotated[float, Field(ge=MIN_POWER_KW, le=MAX_POWER_KW), _read(_power)] | None
    ) = None
    note: (
        Annotated[
            str,
            Field(max_length=MAX_NOTE, json_schema_extra={"pattern": NOTE_PATTERN}),
            _read(_note),
        ]
        | None
    ) = None

    @model_validator(mode="before")
    @classmethod
    def _one_way_to_name_days(cls, data: Any) -> Any:
        """Volumes per day or a run of days, never both; a field of either may not be null."""
        body = _shape(cls, data)
        simple = [k for k in ("start_day", "num_days", "kwh_per_day") if k in body]
        if "volumes" in body:
            if simple:
                raise ValidationFailed(
                    "Give either 'volumes' or start_day/num_days/kwh_per_day, "
                    f"not both ({simple[0]!r}).",
                    field=simple[0],
                )
            volumes = body["volumes"]
            if not isinstance(volumes, dict) or not volumes:
                raise ValidationFailed(
                    'volumes must be a non-empty object {"YYYY-MM-DD": kWh}.', field="volumes"
                )
            for key in volumes:
                day_value(key, "volumes")
                number(volumes, key, label=f"The volume for {key}", field="volumes")
            return body
        for name in simple:
            if body[name] is None:
                # Read as the field reads it: the same sentence as for any other wrong type.
                {"start_day": _day, "num_days": _whole, "kwh_per_day": _number}[name](None, name)
        for name in ("start_day", "num_days", "kwh_per_day"):
            if name not in body:
                raise ValidationFailed(
                    f"The field {name!r} is required (or give 'volumes' per day).", field=name
                )
        return body

    def spec(self, settings: CommunitySettings) -> RequestSpec:
        """The request checked against the community's bounds (validation.request_spec)."""
        return validation.request_spec(
            settings,
            side=self.side,
            limit_price=self.limit_price,
            volumes=None
            if self.volumes is None
            else {date.fromisoformat(k): v for k, v in self.volumes.items()},
            start_day=None if self.start_day is None else date.fromisoformat(self.start_day),
            num_days=self.num_days,
            kwh_per_day=self.kwh_per_day,
            client_request_id=self.client_request_id,
            max_power_kw=self.max_power_kw,
            note=self.note,
        )


def _reprice_days(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, list) or not value:
        raise ValidationFailed(validation.days_message(_settings(info)), field="days")
    for item in value:
        day_value(item, "days")
    return value


class RepriceBody(_Body):
    limit_price: _Price
    days: (
        Annotated[
            list[StrictDay],
            Field(
                min_length=1,
                description="only the remainders of these delivery days (default: all)",
            ),
            BeforeValidator(_reprice_days),
        ]
        | None
    ) = None
    client_request_id: Annotated[ClientRequestId, _read(_line(MAX_CLIENT_REQUEST_ID))] | None = None

    def spec(self, settings: CommunitySettings) -> RepriceSpec:
        """The re-price checked against the community's bounds (validation.reprice_spec)."""
        return validation.reprice_spec(
            settings,
            limit_price=self.limit_price,
            days=None if self.days is None else [date.fromisoformat(d) for d in self.days],
            client_request_id=self.client_request_id,
        )


def _hourly(value: Any, info: ValidationInfo) -> Any:
    # One figure per local hour: how many hours the day has is the community's time zone's,
    # checked here before the figures, as clients have always been told.
    day = date.fromisoformat(info.data["day"])
    hours = deliveries.hours_in_day(day, _settings(info))
    if not isinstance(value, list) or len(value) != hours:
        got = f"{len(value)} values" if isinstance(value, list) else type(value).__name__
        raise ValidationFailed(
            deliveries.hourly_message(day, _settings(info), got), field="hourly_kwh"
        )
    return [
        deliveries.energy_kwh(
            number({"value": v}, "value", label=f"hourly_kwh[{i}]", field="hourly_kwh"),
            f"hourly_kwh[{i}]",
            "hourly_kwh",
        )
        for i, v in enumerate(value)
    ]


class DeliveryBody(_Body):
    model_config = ConfigDict(
        json_schema_extra={
            "description": (
                "What the household delivered (sell: capacity its battery held and released) "
                "or used (buy: its virtual battery) on a delivery day that has ended, at most "
                f"{MAX_AGE_DAYS} days ago, on a side it has fills on. One report per day and "
                "side: the same figures again are answered 200 unchanged, other figures "
                "replace it (200 corrected) until the day is settled (409 already_settled)."
            )
        }
    )

    day: _Day
    side: Annotated[Side, _read(_side("side must be 'sell' or 'buy'."))]
    kwh: Annotated[
        float,
        Field(ge=0, le=MAX_KWH, description="at most the kWh traded that day on that side"),
        _read(_energy),
    ]
    hourly_kwh: (
        Annotated[
            list[_Energy],
            Field(
                min_length=23,
                max_length=25,
                description="one figure per local hour of the day (23, 24 or 25); they add up "
                f"to kwh within {HOURLY_TOLERANCE_KWH} kWh",
            ),
            BeforeValidator(_hourly),
        ]
        | None
    ) = None
    client_report_id: Annotated[ClientReportId, _read(_line(MAX_CLIENT_REPORT_ID))] | None = None
    shared_kwh: (
        Annotated[
            float,
            Field(
                ge=0,
                le=MAX_KWH,
                description="buy reports only: the part of kwh that was shared energy drawn "
                "from the sellers' reserves (at most kwh); billed at the community's "
                "energy_price",
            ),
            _read(_energy),
        ]
        | None
    ) = None
    grid_kwh: (
        Annotated[
            float,
            Field(
                ge=0,
                le=MAX_KWH,
                description="sell reports only: the part of kwh charged from the grid (at most "
                "kwh); more than 0 only where the community's grid_charging is on",
            ),
            _read(_energy),
        ]
        | None
    ) = None

    def report(self, settings: CommunitySettings) -> deliveries.Report:
        """The report with its hourly figures added up and its energy split checked against
        its side and the community's settings (deliveries.report)."""
        return deliveries.report(
            settings,
            day=date.fromisoformat(self.day),
            side=self.side,
            kwh=self.kwh,
            hourly_kwh=self.hourly_kwh,
            client_report_id=self.client_report_id,
            shared_kwh=self.shared_kwh,
            grid_kwh=self.grid_kwh,
        )


class NewHouseholdBody(_Body):
    name: Annotated[Name, _read(_line(200))]
    max_sell_kwh: _SellLimit | None = None
    max_open_kwh: _OpenLimit | None = None
    code_valid_hours: _ValidHours | None = None


class LimitsBody(_Body):
    max_sell_kwh: _SellLimit | None = None
    max_open_kwh: _OpenLimit | None = None


class RejoinBody(_Body):
    code_valid_hours: _ValidHours | None = None


def _energy_price(value: Any, name: str) -> float:
    price = _number(value, name)
    problem = energy_price_error(price, name)
    if problem is not None:
        raise ValidationFailed(f"{problem}.", field=name)
    return price


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(
            f"{name} must be true or false, got {type(value).__name__}.", field=name
        )
    return value


class SettingsBody(_Body):
    """The community settings an operator may change while the market runs (the others only
    with `market-server init`: they change how days and prices are read)."""

    energy_price: (
        Annotated[
            float,
            Field(
                ge=0,
                le=MAX_ENERGY_PRICE,
                json_schema_extra={"multipleOf": PRICE_STEP_EUR},
                description="EUR per kWh of shared energy; applies to days settled from now on",
            ),
            _read(_energy_price),
        ]
        | None
    ) = None
    feed_in_price: (
        Annotated[
            float,
            Field(
                ge=0,
                le=MAX_ENERGY_PRICE,
                json_schema_extra={"multipleOf": PRICE_STEP_EUR},
                description="EUR per kWh of own-credit energy (the buyers' own export drawn back "
                "from the sellers' reserves); applies to days settled from now on",
            ),
            _read(_energy_price),
        ]
        | None
    ) = None
    grid_charging: (
        Annotated[
            bool,
            Field(description="sellers may charge their reserves from the grid"),
            _read(_flag),
        ]
        | None
    ) = None

    def changes(self) -> dict[str, Any]:
        """The settings this body names (left out or null: unchanged)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def _shape(model: type[BaseModel], data: Any) -> dict[str, Any]:
    """A JSON object with no field `model` lacks and every field it requires (not null)."""
    required = tuple(name for name, f in model.model_fields.items() if f.is_required())
    return require_object(data, set(model.model_fields), required)


def parse[B: _Body](model: type[B], data: Any, settings: CommunitySettings | None = None) -> B:
    """`data` (a JSON value) as a `model` body, or ValidationFailed (400) saying what is wrong.

    `settings` only words the messages that name a community bound (how many days, the hours
    of a day); the bounds themselves are checked by `spec`/`report` and the domain."""
    if model is not RequestBody:  # RequestBody's own shape check runs first, with its rules
        _shape(model, data)
    try:
        return model.model_validate(data, context={"settings": settings})
    except PydanticValidationError as err:
        # Every value is read by a check above that raises its own sentence; this is for a
        # rule pydantic holds that none of them does.
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        where = f"{field}: " if field else ""
        raise ValidationFailed(f"{where}{first['msg']}.", field=field) from None


def parse_request(data: Any, settings: CommunitySettings) -> RequestSpec:
    """A POST /api/v1/requests body -> the request it asks for (tests and benchmarks)."""
    return parse(RequestBody, data, settings).spec(settings)


RESPONSES: tuple[type[_Response], ...] = (
    Error,
    Health,
    Joined,
    JoinCheck,
    Me,
    Request,
    RequestList,
    Order,
    OrderList,
    Fill,
    FillList,
    Settlements,
    Delivery,
    DeliveryList,
    Market,
    Household,
    HouseholdList,
    JoinCode,
    OperatorOrder,
    OperatorOrderList,
    RoundSummary,
    RoundList,
    Overview,
    SettleSummary,
    LedgerExport,
)
BODIES: tuple[type[_Body], ...] = (
    JoinBody,
    JoinCheckBody,
    RequestBody,
    RepriceBody,
    DeliveryBody,
    NewHouseholdBody,
    LimitsBody,
    RejoinBody,
    SettingsBody,
)
#: The community settings are sent as they are kept (GET /api/v1/operator/settings and in the
#: overview); their schema is generated from the dataclass under this name.
SETTINGS = CommunitySettings.__name__


def _tidy(node: Any) -> Any:
    """pydantic's JSON Schema in the document's dialect: nullable as a type list (or a oneOf
    beside a $ref), no titles, no `default: null`."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _tidy(v) for k, v in node.items() if k != "title"}
    if node.get("default", 0) is None:
        del node["default"]
    branches = node.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        (kept,) = [b for b in branches if b != {"type": "null"}]
        del node["anyOf"]
        if isinstance(kept.get("type"), str):
            node = {**kept, **node, "type": [kept["type"], "null"]}
        else:
            node["oneOf"] = [kept, {"type": "null"}]
    return node


def _generate() -> dict[str, dict[str, Any]]:
    _, top = models_json_schema(
        [(model, "validation") for model in (*RESPONSES, *BODIES)],
        ref_template=REF_PREFIX + "{model}",
    )
    bodies = {model.__name__ for model in BODIES}
    out: dict[str, dict[str, Any]] = {}
    for name, raw in top["$defs"].items():
        schema = _tidy(raw)
        if name in bodies:
            schema.setdefault("required", [])
        else:
            # A response sends every field (nullable ones as null) but an error's `field`; it
            # stays open to fields a later server version adds.
            schema.pop("additionalProperties", None)
            schema["required"] = [
                prop for prop, sub in raw["properties"].items() if sub.get("default", 0) is not None
            ]
        out[name] = schema
    return out


_SCHEMAS = _generate()


def schemas() -> dict[str, dict[str, Any]]:
    """The component schemas of the OpenAPI document, by model name (a fresh copy)."""
    return copy.deepcopy(_SCHEMAS)


def model(name: str) -> type[BaseModel]:
    """The response or body model of a component schema name."""
    return next(m for m in (*RESPONSES, *BODIES) if m.__name__ == name)


def validate(name: str, value: Any) -> None:
    """Raise pydantic's ValidationError unless `value` is exactly a `name` body: the types, and
    no field the model does not declare (so that a view cannot send one unnoticed)."""
    if name == SETTINGS:
        TypeAdapter(CommunitySettings).validate_python(value)
        unknown = set(value) - {f.name for f in dataclasses.fields(CommunitySettings)}
        if unknown:
            raise ValueError(f"undeclared settings fields: {sorted(unknown)}")
        return
    model(name).model_validate(value)
