"""Assist intents: reserve capacity, offer capacity, market status, cancel.

The built-in agent matches the sentences in ``sentences/<lang>/`` and calls these handlers with
the slots it found; LLM agents reach the same handlers as tools of the Assist API. Each handler
turns its slots into a ``TradeRequest`` (dates in the household's time zone), asks the household's
trading agent, and speaks the agent's explanation. The agent's structured answer rides along in
the response's ``speech_slots`` so an LLM can paraphrase exact figures.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import intent

from .agent.errors import TradingError
from .agent.plans import MAX_DAYS, TIMES_OF_DAY, TradeOutcome, TradePlan, TradeRequest
from .assist import household_choice
from .assist.household_choice import Leaning
from .assist.replies import async_conversation_text, async_failure_text, reference_day
from .assist.utterance import UtteranceIntentHandler
from .language.understand.amounts import eur_from_bare_figure
from .language.understand.dates import DateResolutionError, DeliveryWindow, resolve_window
from .language.understand.understanding import understand_days
from .market_client.models import Side

if TYPE_CHECKING:
    from .household.agent import TradingAgent

_LOGGER = logging.getLogger(__name__)

INTENT_RESERVE: Final = "CommunityStorageReserve"
INTENT_OFFER: Final = "CommunityStorageOffer"
INTENT_STATUS: Final = "CommunityStorageStatus"
INTENT_CANCEL: Final = "CommunityStorageCancel"
INTENTS: Final = (INTENT_RESERVE, INTENT_OFFER, INTENT_STATUS, INTENT_CANCEL)

SLOT_START: Final = "start"
SLOT_DURATION: Final = "duration"
SLOT_UNTIL: Final = "until"
SLOT_TIME_OF_DAY: Final = "time_of_day"
SLOT_KWH_PER_DAY: Final = "kwh_per_day"
SLOT_PRICE_LIMIT: Final = "price_limit"
SLOT_REASON: Final = "reason"
# Filled by the sentences' "since ..." wildcard; used as the reason when none was recognised.
SLOT_WHY: Final = "why"


def trade_fields(descriptions: Mapping[str, str], *, max_price: float) -> dict[Any, Any]:
    """The trade slots of the intents and the trade arguments of the LLM tools.

    One set of names and validators; each caller brings its own wording. No defaults: the
    schema becomes a tool's JSON schema, and a missing slot must stay missing so the agent
    fills it with its own estimate. ``max_price`` differs because spoken figures may be cents.
    """
    validators: dict[str, Any] = {
        SLOT_START: cv.string,
        SLOT_DURATION: vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_DAYS)),
        SLOT_UNTIL: cv.string,
        SLOT_TIME_OF_DAY: vol.In(TIMES_OF_DAY),
        SLOT_KWH_PER_DAY: vol.All(vol.Coerce(float), vol.Range(min=0.1, max=100)),
        SLOT_PRICE_LIMIT: vol.All(vol.Coerce(float), vol.Range(min=0.001, max=max_price)),
        SLOT_REASON: cv.string,
    }
    return {
        vol.Optional(name, description=descriptions[name]): validator
        for name, validator in validators.items()
    }


TRADE_SLOT_SCHEMA: Final = trade_fields(
    {
        SLOT_START: (
            "First delivery day: today, tomorrow, day_after_tomorrow, this_week, next_week, "
            "this_weekend, next_weekend, a weekday name in English (monday..sunday), an "
            'ISO date YYYY-MM-DD, or the user\'s own words ("next Friday", "14 December"). '
            "Leave out for tomorrow."
        ),
        SLOT_DURATION: f"Number of consecutive delivery days (1-{MAX_DAYS}).",
        SLOT_UNTIL: (
            "Last delivery day: a weekday name in English, an ISO date YYYY-MM-DD, or the "
            'user\'s own words ("the 3rd", "Sonntag").'
        ),
        SLOT_TIME_OF_DAY: "When the household needs the stored energy.",
        SLOT_KWH_PER_DAY: (
            "Only if the user named a figure: kWh of storage capacity per day. "
            "Leave out to let the agent estimate it from history and the battery."
        ),
        SLOT_PRICE_LIMIT: (
            "Only if the user named one: price limit in EUR per kWh and day (for example 0.12); "
            "a cap when buying, a floor when selling. Figures of 1 or more are read as cents."
        ),
        SLOT_REASON: "Why: renovation, holiday, guests, home_office, ev, or the user's words.",
    },
    max_price=100,
)


def price_in_eur(value: float | None) -> float | None:
    """A price limit in EUR/kWh from EUR or cents (a figure of 1 or more is cents)."""
    if value is None:
        return None
    return round(eur_from_bare_figure(value), 3)


def build_trade_request(side: Side, values: Mapping[str, Any], today: date) -> TradeRequest:
    """Slot values (validated, plain) -> the agent's request. Raises DateResolutionError."""
    duration = values.get(SLOT_DURATION)
    try:
        window = resolve_window(
            today,
            start=values.get(SLOT_START),
            duration_days=int(duration) if duration is not None else None,
            until=values.get(SLOT_UNTIL),
        )
    except DateResolutionError as err:
        if err.key not in ("unknown_start", "unknown_end"):
            raise
        # Free text from an LLM ("next Friday", "ab dem 14. Dezember", "until the 3rd"):
        # the same reader as the built-in agent's sentences.
        window = _window_from_words(today, values, duration, err)
    kwh = values.get(SLOT_KWH_PER_DAY)
    reason = values.get(SLOT_REASON) or values.get(SLOT_WHY) or None
    return TradeRequest(
        side=side,
        start_day=window.start_day,
        num_days=window.num_days,
        time_of_day=values.get(SLOT_TIME_OF_DAY),
        kwh_per_day=round(float(kwh), 1) if kwh is not None else None,
        price_limit=price_in_eur(values.get(SLOT_PRICE_LIMIT)),
        reason=reason,
    )


def _window_from_words(
    today: date, values: Mapping[str, Any], duration: Any, err: DateResolutionError
) -> DeliveryWindow:
    """Read free-text start and end words with the sentence reader; re-raise if it can't."""
    start_words = str(values.get(SLOT_START) or "")
    until_words = str(values.get(SLOT_UNTIL) or "")
    text = " ".join(
        part
        for part in (
            f"from {start_words}" if start_words else "",
            f"until {until_words}" if until_words else "",
            f"for {int(duration)} days" if duration is not None else "",
        )
        if part
    )
    first, num_days = understand_days(text, today)
    if first is None:
        raise err
    return resolve_window(today, start=first.isoformat(), duration_days=num_days or 1)


async def async_trade(
    hass: HomeAssistant,
    trading: TradingAgent,
    side: Side,
    values: Mapping[str, Any],
    language: str,
    *,
    dry_run: bool = False,
) -> TradePlan | TradeOutcome:
    """Slots or tool arguments -> the agent's plan (dry run) or its executed trade."""
    request = build_trade_request(side, values, reference_day(hass, trading))
    if dry_run:
        return await trading.async_plan(request, language=language)
    return await trading.async_execute(request, language=language)


def _plain_values(slots: Mapping[str, Any]) -> dict[str, Any]:
    return {name: slot.get("value") for name, slot in slots.items() if isinstance(slot, dict)}


class _CommunityStorageIntentHandler(intent.IntentHandler, ABC):
    """Shared steps: validate slots, find the household, speak the agent's answer."""

    # What the request is about, for choosing among several households.
    leaning: Leaning = None

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Find the agent, run this intent's action, speak the answer or the error."""
        hass = intent_obj.hass
        language = intent_obj.language or hass.config.language
        response = intent_obj.create_response()
        values = _plain_values(self.async_validate_slots(intent_obj.slots))

        household = household_choice.choose_household(
            hass,
            household_choice.loaded_households(hass),
            text=intent_obj.text_input,
            speaker_devices=(getattr(intent_obj, "satellite_id", None), intent_obj.device_id),
            leaning=self.leaning,
        )
        if household is None:
            response.async_set_error(
                intent.IntentResponseErrorCode.FAILED_TO_HANDLE,
                await async_conversation_text(hass, language, "conversation_no_household"),
            )
            return response

        try:
            result = await self._async_act(hass, household.trading, values, language)
        except (DateResolutionError, TradingError) as err:
            _LOGGER.debug("%s failed: %s", self.intent_type, err)
            response.async_set_error(
                intent.IntentResponseErrorCode.FAILED_TO_HANDLE,
                await async_failure_text(hass, language, err),
            )
            return response

        response.response_type = intent.IntentResponseType.ACTION_DONE
        response.async_set_speech(result.speech)
        # Structured figures for LLM agents (the Assist API returns speech_slots to the model).
        response.async_set_speech_slots(result.as_dict())
        return response

    @property
    def slot_schema(self) -> dict[Any, Any]:
        """No slots, unless the intent takes some."""
        return {}

    @abstractmethod
    async def _async_act(
        self, hass: HomeAssistant, trading: TradingAgent, values: dict[str, Any], language: str
    ) -> Any:
        """Act on the validated slot values; return the agent's result."""


class TradeIntentHandler(_CommunityStorageIntentHandler):
    """Reserve (buy) or offer (sell) storage capacity for some days."""

    def __init__(self, intent_type: str, side: Side, description: str) -> None:
        """One handler per side."""
        self.intent_type = intent_type
        self.side: Side = side
        self.leaning = side
        self.description = description

    @property
    def slot_schema(self) -> dict[Any, Any]:
        """Slots a sentence or an LLM may fill; all optional."""
        return TRADE_SLOT_SCHEMA

    async def _async_act(
        self, hass: HomeAssistant, trading: TradingAgent, values: dict[str, Any], language: str
    ) -> Any:
        return await async_trade(hass, trading, self.side, values, language)


class StatusIntentHandler(_CommunityStorageIntentHandler):
    """The market price, the household's orders and this month's earnings."""

    intent_type = INTENT_STATUS
    description = (
        "Tells the community storage market's current capacity price and the household's "
        "open orders, fills, earnings and costs this month."
    )

    async def _async_act(
        self, hass: HomeAssistant, trading: TradingAgent, values: dict[str, Any], language: str
    ) -> Any:
        return await trading.async_status(language=language)


class CancelIntentHandler(_CommunityStorageIntentHandler):
    """Cancel the unfilled part of every open storage order of the household."""

    intent_type = INTENT_CANCEL
    description = (
        "Cancels the unfilled remainder of all of the household's open community storage "
        "orders and pending proposals; what already filled stays."
    )

    async def _async_act(
        self, hass: HomeAssistant, trading: TradingAgent, values: dict[str, Any], language: str
    ) -> Any:
        return await trading.async_cancel(None, language=language)


def community_storage_handlers() -> list[intent.IntentHandler]:
    """The integration's intent handlers (also wrapped as LLM tools by llm.py)."""
    return [
        TradeIntentHandler(
            INTENT_RESERVE,
            Side.BUY,
            "Reserves (buys) community battery storage capacity for one or more days, for "
            "example during renovation or when solar panels produce little. The household's "
            "trading agent computes volume and price and explains what it did; pass only what "
            "the user said.",
        ),
        TradeIntentHandler(
            INTENT_OFFER,
            Side.SELL,
            "Offers (sells) the household's spare home battery capacity to the community for "
            "one or more days, for example while away on holiday. The trading agent computes "
            "volume and price and explains what it did; pass only what the user said.",
        ),
        StatusIntentHandler(),
        CancelIntentHandler(),
    ]


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the intents (the intent integration calls this once for the integration).

    Besides the four typed intents (for LLM tools and explicit slots), the sentence gate's
    intent reads whole sentences said to the built-in agent.
    """
    for handler in (*community_storage_handlers(), UtteranceIntentHandler()):
        intent.async_register(hass, handler)
