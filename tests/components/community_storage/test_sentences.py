"""Every phrasing in utterances.yaml through the built-in agent to the intent handler.

The sentence files are installed by the integration's own installer into the test's config
directory; ``conversation.async_converse`` runs Home Assistant's default agent (with its
built-in intents loaded too, so a clash would show); the handler's resolved ``TradeRequest``
is captured by a recording stand-in for the trading agent (the end-to-end tests use the real
agent and market).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage import intent as cs_intent
from custom_components.community_storage.agent.request import TradeRequest
from custom_components.community_storage.const import DOMAIN
from custom_components.community_storage.custom_sentences import async_install_sentences

UTTERANCES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "utterances.yaml").read_text(encoding="utf-8")
)


@dataclass
class _Answer:
    speech: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"speech": self.speech, **self.data}


@dataclass
class RecordingAgent:
    """Stands in for the TradingAgent: records what the handlers ask for."""

    calls: list[tuple[str, Any, str]] = field(default_factory=list)

    async def async_execute(self, request: TradeRequest, *, language: str) -> _Answer:
        self.calls.append(("execute", request, language))
        return _Answer(f"{request.side} {request.num_days}", {"side": request.side})

    async def async_status(self, *, language: str) -> _Answer:
        self.calls.append(("status", None, language))
        return _Answer("status")

    async def async_cancel(self, request_id: str | None = None, *, language: str) -> _Answer:
        self.calls.append(("cancel", request_id, language))
        return _Answer("cancelled")


def _expected_request(spec: dict[str, Any]) -> TradeRequest:
    return TradeRequest(
        side=spec["side"],
        start_day=spec["start_day"]
        if isinstance(spec["start_day"], date)
        else date.fromisoformat(spec["start_day"]),
        num_days=spec["num_days"],
        time_of_day=spec.get("time_of_day"),
        kwh_per_day=spec.get("kwh_per_day"),
        price_limit=spec.get("price_limit"),
        reason=spec.get("reason"),
    )


@pytest.fixture
async def recording_agent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> RecordingAgent:
    """Conversation set up, our intents registered, sentences installed, clock frozen."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    freezer.move_to("2026-11-25T10:00:00+01:00")
    assert await async_setup_component(hass, "conversation", {})
    await cs_intent.async_setup_intents(hass)
    entry = MockConfigEntry(domain=DOMAIN, options={})
    entry.add_to_hass(hass)
    result = await async_install_sentences(hass, entry)
    assert set(result.written) == {"en/community_storage.yaml", "de/community_storage.yaml"}
    agent = RecordingAgent()
    monkeypatch.setattr(cs_intent, "find_trading_agent", lambda _hass: agent)
    return agent


@pytest.mark.parametrize("language", ["en", "de"])
async def test_utterances_reach_the_handler(
    hass: HomeAssistant, recording_agent: RecordingAgent, language: str
) -> None:
    """Each phrasing matches its intent and hands the handler the expected request."""
    cases = [case for case in UTTERANCES if case["lang"] == language]
    assert len(cases) >= 20
    failures: list[str] = []
    for case in cases:
        recording_agent.calls.clear()
        result = await conversation.async_converse(
            hass, case["text"], None, Context(), language=language
        )
        response = result.response
        if response.response_type != intent.IntentResponseType.ACTION_DONE or (
            response.intent is None or response.intent.intent_type != case["intent"]
        ):
            failures.append(f"{case['text']!r}: {response.response_type} {response.speech}")
            continue
        (kind, payload, spoken_language) = recording_agent.calls[0]
        assert spoken_language == language
        if case["intent"] == cs_intent.INTENT_STATUS:
            ok = kind == "status"
        elif case["intent"] == cs_intent.INTENT_CANCEL:
            ok = kind == "cancel" and payload is None
        else:
            ok = kind == "execute" and payload == _expected_request(case["request"])
        if not ok:
            failures.append(f"{case['text']!r}: got {kind} {payload}")
        # The agent's explanation is what Assist says.
        assert response.speech["plain"]["speech"] == (
            f"{payload.side} {payload.num_days}"
            if kind == "execute"
            else {"status": "status", "cancel": "cancelled"}[kind]
        )
    assert not failures, "\n".join(failures)


def test_utterance_count() -> None:
    """At least 40 phrasings, both languages, every intent in each."""
    assert len(UTTERANCES) >= 40
    for language in ("en", "de"):
        assert {c["intent"] for c in UTTERANCES if c["lang"] == language} == set(cs_intent.INTENTS)


async def test_dates_follow_household_time_zone(
    hass: HomeAssistant, recording_agent: RecordingAgent, freezer: FrozenDateTimeFactory
) -> None:
    """Just after midnight in Berlin it is already tomorrow for the household (UTC lags)."""
    freezer.move_to("2026-11-25T23:30:00+00:00")  # 00:30 on the 26th in Berlin
    await conversation.async_converse(
        hass, "I need storage for tomorrow", None, Context(), language="en"
    )
    (_, request, _) = recording_agent.calls[-1]
    assert request.start_day == date(2026, 11, 27)


async def test_no_household_is_spoken(
    hass: HomeAssistant, recording_agent: RecordingAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a loaded household the reply says so, in the user's language."""
    monkeypatch.setattr(cs_intent, "find_trading_agent", lambda _hass: None)
    result = await conversation.async_converse(
        hass, "Ich brauche nächste Woche Speicher", None, Context(), language="de"
    )
    assert result.response.response_type == intent.IntentResponseType.ERROR
    assert "kein Haushalt" in result.response.speech["plain"]["speech"]
    assert recording_agent.calls == []


async def test_bad_dates_are_spoken(hass: HomeAssistant, recording_agent: RecordingAgent) -> None:
    """A request beyond the 14-day horizon gets a sentence, not a crash; nothing is sent."""
    response = await intent.async_handle(
        hass,
        "test",
        cs_intent.INTENT_RESERVE,
        {"start": {"value": "next_week"}, "until": {"value": "2026-12-31"}},
        language="en",
    )
    assert response.response_type == intent.IntentResponseType.ERROR
    assert "at most 14 days" in response.speech["plain"]["speech"]
    assert recording_agent.calls == []
