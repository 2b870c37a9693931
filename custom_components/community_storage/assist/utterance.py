"""The Assist intent behind our sentence gate: read the whole sentence, then act or ask back.

The sentence files (``sentence_gate``) only decide that a sentence is probably ours; this handler
hands the full text to ``language.understand.understanding.understand`` and dispatches to the
trading agent: reserve, offer, a focused status answer, or a cancel of one day, one side or
everything.

When a trade request lacks its duration ("We're going on holiday"), the reply repeats what was
understood and asks "For how many days?"; the next sentence from the same user and device
within ``PENDING_SECONDS`` ("ten days", "bis Sonntag") completes it. When every day asked for has
closed, the reply offers the first open day instead ("Trading for tomorrow closed at 18:00.
Shall I reserve from Wednesday 9 December?") and a "yes" or "no" settles it. A sentence with an
intent or side of its own is a new request, for the household it points at, and the question
is dropped. With more than one household in Home Assistant, ``household_choice`` decides which
household acts (the same rule as the typed intents), and the reply names it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent

from ..agent.errors import TradingError
from ..agent.plans import CancelOutcome, TradeRequest
from ..const import DOMAIN
from ..language.speak import conversation_speech as speech
from ..language.speak.explain import lang
from ..language.understand.answers import yes_or_no
from ..language.understand.dates import DateResolutionError, resolve_window
from ..language.understand.understanding import Understanding, understand, understand_days
from ..market_client.models import Side
from . import household_choice
from .replies import async_conversation_text, async_failure_text, reference_day
from .sentence_gate import INTENT_UTTERANCE

if TYPE_CHECKING:
    from ..household.agent import TradingAgent

_LOGGER = logging.getLogger(__name__)

# How long a question we asked waits for its answer.
PENDING_SECONDS: Final = 300.0
# Bound on remembered questions (one per user and device is the normal case).
MAX_PENDING: Final = 64


@dataclass(frozen=True, slots=True)
class _Pending:
    understood: Understanding
    entry_id: str
    expires: float
    # "duration": we asked for how many days; "confirm": whether to trade from another day.
    kind: Literal["duration", "confirm"] = "duration"


def _leaning(understood: Understanding) -> household_choice.Leaning:
    """Selling and "did my battery sell?" lean to a sale; reserving and its questions to a buy."""
    if (
        understood.intent == "offer"
        or (understood.intent == "cancel" and understood.side == "sell")
        or (understood.intent == "status" and understood.topic == "sold")
    ):
        return Side.SELL
    if (
        understood.intent == "reserve"
        or (understood.intent == "cancel" and understood.side == "buy")
        or (understood.intent == "status" and understood.topic == "reserved")
    ):
        return Side.BUY
    return None


def _answers(said: Understanding, asked: Understanding) -> bool:
    """Whether a sentence answers our question rather than asking for something new.

    "ten days" (no intent of its own) answers; so does "reserve it for ten days" (the asked
    intent with nothing but days). "Buy storage for a few days at 9 cents" is a new request.
    """
    if said.intent is None:
        return True
    return said.intent == asked.intent and not (
        said.kwh_per_day or said.price_limit or said.reason or said.time_of_day
    )


class UtteranceIntentHandler(intent.IntentHandler):
    """Understands a whole sentence about community storage and acts on it."""

    intent_type = INTENT_UTTERANCE
    description = "Understands a sentence about the community storage market and acts on it."

    # Not offered to LLMs as a tool: they get the four typed intents with precise slots.
    def __init__(self) -> None:
        """Start with no open questions."""
        self.platforms = {DOMAIN}
        self._pending: dict[tuple[str | None, ...], _Pending] = {}

    @property
    def slot_schema(self) -> dict[Any, Any]:
        """The gate's wildcards; their values are ignored (the text is read whole)."""
        return {vol.Optional(name): str for name in ("cs_text", "cs_head", "cs_mid", "cs_tail")}

    def _key(self, intent_obj: intent.Intent) -> tuple[str | None, ...]:
        user = intent_obj.context.user_id if intent_obj.context else None
        return (user, intent_obj.device_id, getattr(intent_obj, "satellite_id", None))

    def _take_pending(self, key: tuple[str | None, ...]) -> _Pending | None:
        now = time.monotonic()
        for stale in [k for k, p in self._pending.items() if p.expires < now]:
            del self._pending[stale]
        return self._pending.pop(key, None)

    def _remember(self, key: tuple[str | None, ...], pending: _Pending) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._pending.pop(next(iter(self._pending)))
        self._pending[key] = pending

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Read the sentence, complete a pending question, act, and speak the result."""
        hass = intent_obj.hass
        language = lang(intent_obj.language or hass.config.language)
        response = intent_obj.create_response()
        text = intent_obj.text_input or ""
        key = self._key(intent_obj)
        pending = self._take_pending(key)
        households = household_choice.loaded_households(hass)
        today = reference_day(hass, households[0].trading if households else None)
        understood = understand(text, today)
        answered = False
        said = yes_or_no(text) if pending is not None else None
        if said is False:
            # "no" to either question: nothing is traded, and the question is closed.
            response.response_type = intent.IntentResponseType.ACTION_DONE
            response.async_set_speech(speech.declined(language))
            return response
        if pending is not None and pending.kind == "confirm":
            if said:
                understood, answered = pending.understood, True
        elif pending is not None and _answers(understood, pending.understood):
            understood = self._complete(pending.understood, understood, text, today)
            answered = True
        if understood.intent is None:
            response.async_set_error(
                intent.IntentResponseErrorCode.NO_INTENT_MATCH, speech.not_a_trade(language)
            )
            return response

        household = household_choice.choose_household(
            hass,
            households,
            text=text,
            speaker_devices=(getattr(intent_obj, "satellite_id", None), intent_obj.device_id),
            leaning=_leaning(understood),
        )
        if answered and pending is not None:
            # Only an answer belongs to the household we asked; a new request goes where its
            # own words, area and side point.
            household = next(
                (h for h in households if h.entry.entry_id == pending.entry_id), household
            )
        if household is None:
            response.async_set_error(
                intent.IntentResponseErrorCode.FAILED_TO_HANDLE,
                await _no_household_text(hass, language),
            )
            return response

        if understood.intent in ("reserve", "offer") and understood.missing:
            self._remember(
                key,
                _Pending(understood, household.entry.entry_id, time.monotonic() + PENDING_SECONDS),
            )
            return self._speak(
                response, speech.ask_duration(understood, language), understood, households,
                household, question=True,
            )  # fmt: skip

        try:
            spoken, data = await _act(household.trading, understood, today, language)
        except (DateResolutionError, TradingError) as err:
            _LOGGER.debug("%s failed: %s", text, err)
            if (shifted := _from_first_open_day(understood, err)) is not None:
                self._remember(
                    key,
                    _Pending(
                        shifted,
                        household.entry.entry_id,
                        time.monotonic() + PENDING_SECONDS,
                        kind="confirm",
                    ),
                )
                question = speech.closed_day_question(
                    understood.intent or "reserve",
                    understood.start_day or today + timedelta(days=1),
                    shifted.start_day or today,
                    today=today,
                    closing=household.trading.gate_closure_time(),
                    language=language,
                )
                return self._speak(
                    response, question, understood, households, household, question=True
                )
            failure = await async_failure_text(hass, language, err)
            if len(households) > 1:
                failure = speech.for_household(failure, household.entry.title)
            response.async_set_error(intent.IntentResponseErrorCode.FAILED_TO_HANDLE, failure)
            return response
        response.async_set_speech_slots(data)
        return self._speak(response, spoken, understood, households, household, question=False)

    @staticmethod
    def _complete(
        asked: Understanding, answer: Understanding, text: str, today: date
    ) -> Understanding:
        """Fill the asked-for duration from the answer ("ten days", "until Sunday")."""
        start, days = understand_days(text, today)
        if answer.num_days is not None:
            start, days = answer.start_day, answer.num_days
        if days is None:
            return asked if answer.intent is None else answer
        first = asked.start_day or start
        return replace(asked, start_day=first, num_days=days, missing=())

    @staticmethod
    def _speak(
        response: intent.IntentResponse,
        text: str,
        understood: Understanding,
        households: list[household_choice.Household],
        household: household_choice.Household,
        *,
        question: bool,
    ) -> intent.IntentResponse:
        if len(households) > 1:
            text = speech.for_household(text, household.entry.title)
        response.response_type = (
            intent.IntentResponseType.QUERY_ANSWER
            if question or understood.intent == "status"
            else intent.IntentResponseType.ACTION_DONE
        )
        response.async_set_speech(text)
        return response


def _from_first_open_day(
    understood: Understanding, err: DateResolutionError | TradingError
) -> Understanding | None:
    """The request moved to the first day still open, when every day it asked for has closed."""
    if not isinstance(err, TradingError) or err.translation_key != "start_day_closed":
        return None
    if understood.intent not in ("reserve", "offer"):
        return None
    try:
        first_open = date.fromisoformat(err.placeholders.get("first_day", ""))
    except ValueError:
        return None
    return replace(understood, start_day=first_open, num_days=understood.num_days or 1, missing=())


async def _no_household_text(hass: HomeAssistant, language: str) -> str:
    return await async_conversation_text(hass, language, "conversation_no_household")


def _trade_request(understood: Understanding, today: date) -> TradeRequest:
    """The agent's request; the window rules (horizon, past days) are ``dates.resolve_window``'s."""
    window = resolve_window(
        today,
        start=understood.start_day.isoformat() if understood.start_day else None,
        duration_days=understood.num_days or 1,
    )
    return TradeRequest(
        side=Side.BUY if understood.intent == "reserve" else Side.SELL,
        start_day=window.start_day,
        num_days=window.num_days,
        time_of_day=understood.time_of_day,
        kwh_per_day=understood.kwh_per_day,
        price_limit=understood.price_limit,
        reason=understood.reason,
    )


def _earnings_window(understood: Understanding, today: date) -> tuple[date, date] | None:
    """The delivery days an earnings question names: this or last week, or last month.

    None for this month (or no period), which the status report's monthly totals answer.
    """
    if understood.topic != "earnings":
        return None
    if understood.period == "week":
        monday = today - timedelta(days=today.weekday())
        if understood.earlier:
            return monday - timedelta(days=7), monday - timedelta(days=1)
        return monday, today
    if understood.period == "month" and understood.earlier:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return None


async def _act(
    trading: TradingAgent, understood: Understanding, today: date, language: str
) -> tuple[str, dict[str, Any]]:
    """Run what was understood; return the spoken answer and its structured data."""
    if understood.intent in ("reserve", "offer"):
        outcome = await trading.async_execute(_trade_request(understood, today), language=language)
        return outcome.speech, outcome.as_dict()
    if understood.intent == "cancel":
        cancelled = await trading.async_cancel_where(
            day=understood.day, side=understood.side, language=language
        )
        spoken = cancelled.speech
        if (
            isinstance(cancelled, CancelOutcome)
            and not cancelled.cancelled
            and not cancelled.withdrawn_proposals
            and understood.side != "sell"
        ):
            # Nothing open was left: say which filled reservations bind, and what they cost.
            report = await trading.async_status(language=language)
            spoken = speech.binding_answer(report, today, understood.day, language) or spoken
        return spoken, {**cancelled.as_dict(), "speech": spoken}
    report = await trading.async_status(language=language)
    window = _earnings_window(understood, today)
    if window is not None:
        first, last = window
        # The ledger's settlements for those delivery days, not this month's running totals.
        earned, paid = await trading.async_earnings_between(first, last)
        if understood.period == "week":
            text = speech.week_earnings_answer(
                earned, paid, first, last, this_week=not understood.earlier, language=language
            )
        else:
            text = speech.last_month_earnings_answer(earned, paid, first, language)
        return text, {
            **report.as_dict(),
            "speech": text,
            "topic": understood.topic,
            "period": understood.period,
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "earned_eur": earned,
            "paid_eur": paid,
        }
    if understood.topic == "sold":
        text = speech.sold_answer(report, language)
    elif understood.topic == "earnings":
        text = speech.earnings_answer(report, language, period=understood.period)
    elif understood.topic == "price":
        text = speech.price_answer(report, language)
    elif understood.topic == "reserved" and understood.day is not None:
        text = speech.reserved_answer(report, understood.day, language)
    elif understood.topic == "reserved":
        text = speech.reserved_ahead_answer(report, today + timedelta(days=1), language)
    else:
        text = report.speech
    return text, {
        **report.as_dict(),
        "speech": text,
        "topic": understood.topic,
        "day": understood.day.isoformat() if understood.day else None,
        "period": understood.period,
    }
