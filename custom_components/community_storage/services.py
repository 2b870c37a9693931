"""Services: reserve and offer capacity, confirm a proposal, cancel, get the status.

Every service goes through the household's TradingAgent, so the same validation and battery
checks apply as for a spoken request. Agent errors become ``ServiceValidationError`` (the
caller's input or situation: nothing was sent) or ``HomeAssistantError`` (the market failed),
with translation keys, here and only here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .agent.errors import MarketRejectedError, MarketUnavailableError, TradingError
from .agent.plans import TIMES_OF_DAY, TradeRequest
from .const import DOMAIN
from .market_client.models import Side

if TYPE_CHECKING:
    from .household.agent import TradingAgent
    from .runtime import CommunityStorageConfigEntry

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_START_DATE: Final = "start_date"
ATTR_DAYS: Final = "days"
ATTR_KWH_PER_DAY: Final = "kwh_per_day"
ATTR_PRICE_LIMIT: Final = "price_limit"
ATTR_TIME_OF_DAY: Final = "time_of_day"
ATTR_REASON: Final = "reason"
ATTR_REQUEST_ID: Final = "request_id"
ATTR_ALL: Final = "all"
ATTR_PROPOSAL_ID: Final = "proposal_id"

SERVICE_RESERVE_CAPACITY: Final = "reserve_capacity"
SERVICE_OFFER_CAPACITY: Final = "offer_capacity"
SERVICE_CONFIRM_PROPOSAL: Final = "confirm_proposal"
SERVICE_CANCEL: Final = "cancel"
SERVICE_GET_STATUS: Final = "get_status"

_ENTRY: Final[dict[Any, Any]] = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}

# Types only: the ranges (days, volume, price, dates) are the agent's to check, so a service
# call and a spoken request get the same answer for the same mistake.
TRADE_SCHEMA: Final = vol.Schema(
    {
        **_ENTRY,
        vol.Optional(ATTR_START_DATE): cv.date,
        vol.Optional(ATTR_DAYS, default=1): vol.Coerce(int),
        vol.Optional(ATTR_KWH_PER_DAY): vol.Coerce(float),
        vol.Optional(ATTR_PRICE_LIMIT): vol.Coerce(float),
        vol.Optional(ATTR_TIME_OF_DAY): vol.In(TIMES_OF_DAY),
        vol.Optional(ATTR_REASON): cv.string,
    }
)
CONFIRM_SCHEMA: Final = vol.Schema({**_ENTRY, vol.Required(ATTR_PROPOSAL_ID): cv.string})
CANCEL_SCHEMA: Final = vol.Schema(
    {**_ENTRY, vol.Optional(ATTR_REQUEST_ID): cv.string, vol.Optional(ATTR_ALL): cv.boolean}
)
STATUS_SCHEMA: Final = vol.Schema(_ENTRY)


def get_config_entry(hass: HomeAssistant, entry_id: str | None) -> CommunityStorageConfigEntry:
    """The loaded household entry named, or the only one when none is named."""
    if entry_id is None:
        entries = hass.config_entries.async_entries(DOMAIN)
        if len(entries) != 1:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_required",
                translation_placeholders={"count": str(len(entries))},
            )
        entry = entries[0]
    elif (found := hass.config_entries.async_get_entry(entry_id)) is None or (
        found.domain != DOMAIN
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    else:
        entry = found
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


def _agent(hass: HomeAssistant, call: ServiceCall) -> TradingAgent:
    return get_config_entry(hass, call.data.get(ATTR_CONFIG_ENTRY_ID)).runtime_data.trading


def service_error(error: TradingError) -> HomeAssistantError:
    """An agent error as Home Assistant's: the market failed, or the caller's input did."""
    kwargs: dict[str, Any] = {
        "translation_domain": DOMAIN,
        "translation_key": error.translation_key,
        "translation_placeholders": dict(error.placeholders),
    }
    if isinstance(error, MarketUnavailableError | MarketRejectedError):
        return HomeAssistantError(**kwargs)
    return ServiceValidationError(**kwargs)


def _trade_request(side: str, call: ServiceCall, today: date) -> TradeRequest:
    data = call.data
    return TradeRequest(
        side=Side.BUY if side == "buy" else Side.SELL,
        start_day=data.get(ATTR_START_DATE) or today + timedelta(days=1),
        num_days=int(data[ATTR_DAYS]),
        time_of_day=data.get(ATTR_TIME_OF_DAY),
        kwh_per_day=data.get(ATTR_KWH_PER_DAY),
        price_limit=data.get(ATTR_PRICE_LIMIT),
        reason=data.get(ATTR_REASON),
    )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's services."""

    async def trade(side: str, call: ServiceCall) -> ServiceResponse:
        agent = _agent(hass, call)
        language = hass.config.language
        try:
            today = agent.today()
            outcome = await agent.async_execute(
                _trade_request(side, call, today), language=language
            )
        except TradingError as err:
            raise service_error(err) from err
        return outcome.as_dict() if call.return_response else None

    async def reserve_capacity(call: ServiceCall) -> ServiceResponse:
        return await trade("buy", call)

    async def offer_capacity(call: ServiceCall) -> ServiceResponse:
        return await trade("sell", call)

    async def confirm_proposal(call: ServiceCall) -> ServiceResponse:
        agent = _agent(hass, call)
        try:
            outcome = await agent.async_confirm(
                call.data[ATTR_PROPOSAL_ID], language=hass.config.language
            )
        except TradingError as err:
            raise service_error(err) from err
        return outcome.as_dict() if call.return_response else None

    async def cancel(call: ServiceCall) -> ServiceResponse:
        request_id = call.data.get(ATTR_REQUEST_ID)
        cancel_all = bool(call.data.get(ATTR_ALL))
        if (request_id is None) == (not cancel_all):
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="cancel_target")
        agent = _agent(hass, call)
        try:
            outcome = await agent.async_cancel(request_id, language=hass.config.language)
        except TradingError as err:
            raise service_error(err) from err
        return outcome.as_dict() if call.return_response else None

    async def get_status(call: ServiceCall) -> ServiceResponse:
        agent = _agent(hass, call)
        try:
            report = await agent.async_status(language=hass.config.language)
        except TradingError as err:
            raise service_error(err) from err
        return report.as_dict()

    for name, handler, schema, response in (
        (SERVICE_RESERVE_CAPACITY, reserve_capacity, TRADE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_OFFER_CAPACITY, offer_capacity, TRADE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_CONFIRM_PROPOSAL, confirm_proposal, CONFIRM_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_CANCEL, cancel, CANCEL_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_GET_STATUS, get_status, STATUS_SCHEMA, SupportsResponse.ONLY),
    ):
        hass.services.async_register(DOMAIN, name, handler, schema, supports_response=response)
