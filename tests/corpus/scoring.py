"""Scoring a conversation turn against a corpus entry (shared by the test and the benchmark).

A turn is judged by what reached the household's trading agent (recorded by a stand-in), or by
the reply when nothing did: a question back ("... For how many days?") is right for an entry
marked ``ask: duration``, a refusal naming the 14-day horizon is right for an entry beyond it,
and no action at all is right for an entry of intent ``other``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from custom_components.community_storage.agent.errors import TradingError
from custom_components.community_storage.agent.plans import MAX_DAYS, StatusReport, TradeRequest
from custom_components.community_storage.assist.sentence_gate import INTENT_UTTERANCE

CORPUS_DIR = Path(__file__).parent
TRADE_SLOTS = ("start_day", "num_days", "kwh_per_day", "price_limit", "time_of_day", "reason")
CORPUS_TODAY = date(2026, 11, 25)


def corpus(language: str, name: str = "assist") -> list[dict[str, Any]]:
    """One language's entries: the development corpus, or ``name="heldout"``/``"heldout2"``."""
    path = CORPUS_DIR / f"{name}_{language}.yaml"
    if not path.is_file():
        return []
    return list(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass
class Answer:
    """What the stand-in agent answers (speech plus structured data)."""

    speech: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"speech": self.speech, **self.data}


@dataclass
class RecordingAgent:
    """Stands in for the TradingAgent: records what the handlers ask for."""

    calls: list[tuple[str, Any, str]] = field(default_factory=list)
    fixed_today: date | None = None

    def battery_spec(self) -> None:
        return None

    def gate_closure_time(self) -> None:
        return None

    async def async_earnings_between(self, first: date, last: date) -> tuple[float, float]:
        self.calls.append(("status", None, ""))
        return 0.0, 0.0

    def today(self) -> date:
        """The market's day when fixed; otherwise the household's own day is used."""
        if self.fixed_today is None:
            raise TradingError("no market day known")
        return self.fixed_today

    async def async_execute(self, request: TradeRequest, *, language: str) -> Answer:
        self.calls.append(("execute", request, language))
        return Answer(f"{request.side} {request.num_days}", {"side": request.side})

    async def async_status(self, *, language: str) -> StatusReport:
        self.calls.append(("status", None, language))
        return StatusReport(market=(), requests=(), speech="status")

    async def async_cancel(self, request_id: str | None = None, *, language: str) -> Answer:
        self.calls.append(("cancel", {"request_id": request_id}, language))
        return Answer("cancelled")

    async def async_cancel_where(
        self, *, day: date | None, side: str | None, language: str
    ) -> Answer:
        self.calls.append(("cancel", {"day": day, "side": side}, language))
        return Answer("cancelled")


def observed(response: Any, calls: list[tuple[str, Any, str]]) -> tuple[str, dict[str, Any]]:
    """(intent, slots) as the corpus names them, from the reply and what reached the agent.

    ``asked`` and ``beyond_horizon`` are returned for replies that sent nothing.
    """
    ours = response.intent is not None and response.intent.intent_type == INTENT_UTTERANCE
    if not ours or not calls:
        speech = response.speech.get("plain", {}).get("speech", "")
        if ours and speech.endswith("?"):
            return "asked", {}
        if ours and ("14 days" in speech or "14 Tage" in speech):
            return "beyond_horizon", {}
        return "other", {}
    kind, payload, _ = calls[0]
    if kind == "execute":
        request: TradeRequest = payload
        slots = {n: getattr(request, n) for n in TRADE_SLOTS if getattr(request, n) is not None}
        return ("reserve" if request.side == "buy" else "offer"), slots
    if kind == "cancel":
        return "cancel", {k: v for k, v in payload.items() if v is not None}
    data = dict(response.speech_slots)
    if data.get("day"):
        data["day"] = date.fromisoformat(data["day"])
    return "status", {k: data[k] for k in ("topic", "day", "period") if data.get(k) is not None}


@dataclass
class Score:
    """Accuracy counters for one language."""

    entries: int = 0
    intents_right: int = 0
    slots_right: int = 0
    slots_total: int = 0
    per_intent: Counter[str] = field(default_factory=Counter)
    per_intent_right: Counter[str] = field(default_factory=Counter)
    per_slot: Counter[str] = field(default_factory=Counter)
    per_slot_right: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intents_right / max(1, self.entries)

    @property
    def slot_accuracy(self) -> float:
        return self.slots_right / max(1, self.slots_total)

    def add(self, entry: dict[str, Any], got_intent: str, got_slots: dict[str, Any]) -> None:
        """Count one turn."""
        want_intent = entry["intent"]
        want_slots = dict(entry.get("slots") or {})
        if got_intent == "asked" and entry.get("ask") == "duration":
            got_intent, got_slots = want_intent, want_slots
        if got_intent == "beyond_horizon" and want_slots.get("num_days", 0) > MAX_DAYS:
            got_intent, got_slots = want_intent, want_slots
        self.entries += 1
        self.per_intent[want_intent] += 1
        if got_intent != want_intent:
            self.misses.append(f"intent: {entry['text']!r} -> {got_intent}, want {want_intent}")
            return
        self.intents_right += 1
        self.per_intent_right[want_intent] += 1
        for key in set(want_slots) | set(got_slots):
            self.slots_total += 1
            self.per_slot[key] += 1
            if got_slots.get(key) == want_slots.get(key):
                self.slots_right += 1
                self.per_slot_right[key] += 1
            else:
                self.misses.append(f"slot {key}: {entry['text']!r} {got_slots} != {want_slots}")
