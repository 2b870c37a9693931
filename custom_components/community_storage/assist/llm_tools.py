"""A dedicated LLM API for LLM conversation agents (OpenAI, Anthropic, Google, Ollama, ...).

One API per household entry, registered on setup and removed on unload. Its tools have precise
schemas (they convert cleanly to JSON schema), return the agent's structured results, and its
prompt tells the model to let the trading agent compute volumes and prices rather than invent
them. Works on Home Assistant 2025.4 (tools return plain dicts) and on releases that have
``llm.ToolResult`` / ``Tool.integration`` / ``llm.ToolAnnotations`` (see compat.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import llm

from ..agent.errors import TradingError
from ..agent.plans import MAX_DAYS
from ..compat import SCHEMA_UNSUPPORTED, tool_annotations, tool_result
from ..const import DOMAIN
from ..intent import (
    SLOT_DURATION,
    SLOT_KWH_PER_DAY,
    SLOT_PRICE_LIMIT,
    SLOT_REASON,
    SLOT_START,
    SLOT_TIME_OF_DAY,
    SLOT_UNTIL,
    async_failure_text,
    async_trade,
    reference_day,
    trade_fields,
)
from ..language.understand.dates import DateResolutionError
from ..market_client.models import Side

if TYPE_CHECKING:
    from ..household.agent import TradingAgent
    from ..runtime import CommunityStorageConfigEntry

TOOL_PREFIX: Final = f"{DOMAIN}__"
ARG_SIDE: Final = "side"
ARG_REQUEST_ID: Final = "request_id"
ARG_PROPOSAL_ID: Final = "proposal_id"

API_PROMPT: Final = (
    "You can trade home battery storage capacity on the household's community market with "
    "the community_storage tools. The household's trading agent computes how many kWh per "
    "day to buy or sell and at what price from the household's consumption history, solar "
    "forecast and battery: never invent volumes or prices. Pass kwh_per_day or price_limit "
    "only when the user stated that figure; otherwise leave them out. Use "
    "community_storage__plan to answer what a trade would look like without placing it; "
    "community_storage__reserve when the household needs extra capacity (renovation, guests, "
    "an electric car, little solar); community_storage__offer when it will not need its "
    "battery (holiday, away). Dates: pass start as today, tomorrow, next_week, a weekday "
    "name in English or an ISO date, and either duration (days) or until. After a tool call, "
    "tell the user what the tool's speech says, keeping every figure (kWh per day, days, "
    "price, total) exactly as returned. When a tool fails with start_day_closed, trading for "
    "that day is over: ask the user whether to trade from details.first_day instead, and call "
    "the tool again with that start only if they agree. The status tool lists each request's "
    "days with their kWh and prices; only open requests are still on the market."
)

# Precise, defaults-free schemas: they become the JSON schema the model sees. Prices in EUR only.
TRADE_ARGS: Final = trade_fields(
    {
        SLOT_START: (
            "First delivery day: today, tomorrow, day_after_tomorrow, this_week, next_week, "
            "this_weekend, next_weekend, monday..sunday, or YYYY-MM-DD. Default tomorrow."
        ),
        SLOT_DURATION: f"Number of consecutive delivery days, 1 to {MAX_DAYS}.",
        SLOT_UNTIL: "Last delivery day instead of a duration: monday..sunday or YYYY-MM-DD.",
        SLOT_TIME_OF_DAY: "When the stored energy is needed.",
        SLOT_KWH_PER_DAY: "kWh of capacity per day, only if the user named it.",
        SLOT_PRICE_LIMIT: (
            "EUR per kWh and day (e.g. 0.12), only if the user named it: the most to pay when "
            "buying, the least to accept when selling."
        ),
        SLOT_REASON: "renovation, holiday, guests, home_office, ev, or the user's own words.",
    },
    # Below 1: the shared slot handling reads a figure of 1 or more as cents.
    max_price=0.999,
)


def schema_serializer(value: Any) -> Any:
    """Serialise the few Home Assistant validators our schemas use into JSON schema."""
    if value is cv.string:
        return {"type": "string"}
    return SCHEMA_UNSUPPORTED


def api_id(entry: CommunityStorageConfigEntry) -> str:
    """The LLM API id of one household entry."""
    return f"{DOMAIN}-{entry.entry_id}"


class _CommunityStorageTool(llm.Tool, ABC):
    """Base: the household's agent, error translation, structured results."""

    integration: str | None = DOMAIN
    read_only = False

    def __init__(self, entry: CommunityStorageConfigEntry) -> None:
        """Bind the tool to one household."""
        self._entry = entry
        if (annotations := tool_annotations(read_only=self.read_only)) is not None:
            self.annotations = annotations

    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> Any:
        """Validate the arguments, run the action, return the result or the error."""
        args = self.parameters(tool_input.tool_args)
        language = llm_context.language or hass.config.language
        trading: TradingAgent = self._entry.runtime_data.trading
        try:
            result = await self._async_run(hass, trading, args, language)
        except (DateResolutionError, TradingError) as err:
            key = err.key if isinstance(err, DateResolutionError) else err.translation_key
            message = await async_failure_text(hass, language, err)
            failure: dict[str, Any] = {"success": False, "error": key, "message": message}
            if isinstance(err, TradingError) and err.placeholders:
                # The figures behind the message (ISO dates), for a follow-up call.
                failure["details"] = dict(err.placeholders)
            return tool_result(failure, error=True)
        return tool_result({"success": True, "result": result.as_dict()})

    @abstractmethod
    async def _async_run(
        self, hass: HomeAssistant, trading: TradingAgent, args: dict[str, Any], language: str
    ) -> Any:
        """Run the tool on the validated arguments; return the agent's result."""


class PlanTool(_CommunityStorageTool):
    """Dry run: what the agent would buy or sell, at what price, and why."""

    name = f"{TOOL_PREFIX}plan"
    description = (
        "Dry run: works out how much community storage capacity the household would buy or "
        "sell per day and at what limit price, with the reasons. Places no order."
    )
    parameters = vol.Schema(
        {
            vol.Required(
                ARG_SIDE, description="buy (reserve capacity) or sell (offer it)."
            ): vol.In(["buy", "sell"]),
            **TRADE_ARGS,
        }
    )
    read_only = True

    async def _async_run(
        self, hass: HomeAssistant, trading: TradingAgent, args: dict[str, Any], language: str
    ) -> Any:
        return await async_trade(hass, trading, args[ARG_SIDE], args, language, dry_run=True)


class _TradeTool(_CommunityStorageTool):
    """Reserve or offer: the trade arguments, executed on one side."""

    parameters = vol.Schema(TRADE_ARGS)
    side: Side

    async def _async_run(
        self, hass: HomeAssistant, trading: TradingAgent, args: dict[str, Any], language: str
    ) -> Any:
        return await async_trade(hass, trading, self.side, args, language)


class ReserveTool(_TradeTool):
    """Buy capacity."""

    name = f"{TOOL_PREFIX}reserve"
    description = (
        "Reserves (buys) community storage capacity for one or more days and places the "
        "orders (or proposes them if the household wants to confirm first). Returns what was "
        "ordered and filled, the price and the reasons."
    )
    side: Side = Side.BUY


class OfferTool(_TradeTool):
    """Sell spare battery capacity."""

    name = f"{TOOL_PREFIX}offer"
    description = (
        "Offers (sells) the household's spare home battery capacity to the community for one "
        "or more days, never more than the battery holds. Returns what was offered and sold, "
        "the price and the reasons."
    )
    side: Side = Side.SELL


class StatusTool(_CommunityStorageTool):
    """Market price, own requests, this month's money."""

    name = f"{TOOL_PREFIX}status"
    description = (
        "The community market's capacity prices and depth, the household's requests with "
        "their fills, pending proposals, and this month's earnings and costs."
    )
    parameters = vol.Schema({})
    read_only = True

    async def _async_run(
        self, hass: HomeAssistant, trading: TradingAgent, args: dict[str, Any], language: str
    ) -> Any:
        return await trading.async_status(language=language)


class CancelTool(_CommunityStorageTool):
    """Cancel one request or all."""

    name = f"{TOOL_PREFIX}cancel"
    description = (
        "Cancels the unfilled remainder of one request (request_id from status) or, without "
        "request_id, of every open request and pending proposal. Filled volume stays."
    )
    parameters = vol.Schema(
        {
            vol.Optional(
                ARG_REQUEST_ID, description="A request or proposal id from status."
            ): cv.string
        }
    )

    async def _async_run(
        self, hass: HomeAssistant, trading: TradingAgent, args: dict[str, Any], language: str
    ) -> Any:
        return await trading.async_cancel(args.get(ARG_REQUEST_ID), language=language)


class ConfirmTool(_CommunityStorageTool):
    """Submit a proposal the household agreed to."""

    name = f"{TOOL_PREFIX}confirm"
    description = (
        "Places a trade the agent proposed earlier (when the household chose to confirm "
        "trades), after the user agreed to it."
    )
    parameters = vol.Schema(
        {vol.Required(ARG_PROPOSAL_ID, description="The proposal_id of the proposal."): cv.string}
    )

    async def _async_run(
        self, hass: HomeAssistant, trading: TradingAgent, args: dict[str, Any], language: str
    ) -> Any:
        return await trading.async_confirm(args[ARG_PROPOSAL_ID], language=language)


TOOL_CLASSES: Final = (PlanTool, ReserveTool, OfferTool, StatusTool, CancelTool, ConfirmTool)


class CommunityStorageAPI(llm.API):
    """The household's trading tools for an LLM conversation agent."""

    def __init__(self, hass: HomeAssistant, entry: CommunityStorageConfigEntry) -> None:
        """One API per household entry."""
        super().__init__(hass=hass, id=api_id(entry), name=f"Community Storage ({entry.title})")
        self.entry = entry

    async def async_get_api_instance(self, llm_context: llm.LLMContext) -> llm.APIInstance:
        """Tools bound to this household, with the prompt."""
        today = reference_day(self.hass, self.entry.runtime_data.trading)
        return llm.APIInstance(
            api=self,
            api_prompt=f"{API_PROMPT} Today is {today.isoformat()} ({today.strftime('%A')}).",
            llm_context=llm_context,
            tools=[tool_cls(self.entry) for tool_cls in TOOL_CLASSES],
            custom_serializer=schema_serializer,
        )


@callback
def async_register_llm_api(
    hass: HomeAssistant, entry: CommunityStorageConfigEntry
) -> Callable[[], None]:
    """Register the household's API; returns the function that unregisters it."""
    return llm.async_register_api(hass, CommunityStorageAPI(hass, entry))
