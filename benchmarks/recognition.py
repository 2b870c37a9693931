"""Assist recognition: accuracy on the corpus and cost per sentence, against Home Assistant alone.

Runs a real Home Assistant (pytest-homeassistant-custom-component's test instance, no network)
with the conversation integration and our intents, and measures in one process:

* accuracy per intent and per slot over ``tests/corpus/assist_<lang>.yaml`` and the colloquial
  development set ``dev3_<lang>.yaml`` through ``conversation.async_converse`` (the same
  scoring as the test suite), and over the held-out
  sets ``heldout_<lang>.yaml`` ("held-out") and ``heldout2_<lang>.yaml`` ("held-out 2"), whose
  misses are never printed (nothing is tuned against them);
* recognition time per sentence through the built-in agent's ``async_recognize_intent``, for the
  corpus and for generated and adversarial sentences (random words from both languages' trade
  and home vocabulary, numbers everywhere, up to 300 characters, keyword floods), first with
  Home Assistant's own sentences only (the baseline), then with ours installed: the ratio is
  what our sentences add;
* our sentence reader alone (``agent.understanding.understand``) on the same sentences.

Every sentence is recognised once per configuration with a device id of its own, so Home
Assistant's recognition cache never answers. Prints medians, p99 and max, the slowest ten, and
a JSON line with the figures last.

    .venv/bin/python benchmarks/recognition.py [--generated 1000] [--seed 7] [--without-heldout2]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeassistant import loader
from homeassistant.components import conversation
from homeassistant.components.conversation import ConversationInput
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.community_storage import intent as cs_intent
from custom_components.community_storage.assist import household_choice
from custom_components.community_storage.assist.sentence_gate import INTENT_UTTERANCE
from custom_components.community_storage.assist.sentence_installer import (
    async_install_sentences,
)
from custom_components.community_storage.const import DOMAIN
from custom_components.community_storage.language.understand.understanding import understand
from tests.corpus.scoring import CORPUS_TODAY, RecordingAgent, Score, corpus, observed

LANGUAGES = ("en", "de")
COMPONENT_DIR = Path(__file__).resolve().parents[1] / "custom_components" / DOMAIN
WORDS = {
    "en": [
        "storage",
        "battery",
        "sell",
        "sold",
        "offer",
        "reserve",
        "book",
        "need",
        "week",
        "days",
        "tomorrow",
        "holiday",
        "away",
        "trip",
        "the",
        "a",
        "my",
        "our",
        "and",
        "for",
        "of",
        "to",
        "from",
        "until",
        "next",
        "weekend",
        "evening",
        "night",
        "kwh",
        "cents",
        "eur",
        "price",
        "market",
        "turn",
        "on",
        "off",
        "light",
        "kitchen",
        "temperature",
        "what",
        "is",
        "how",
        "much",
        "did",
        "cancel",
        "friday",
        "monday",
        "renovating",
        "guests",
        "per",
        "day",
        "at",
        "most",
        "least",
        "max",
        "ten",
        "twelve",
        "fortnight",
        "couple",
        "few",
    ],
    "de": [
        "speicher",
        "akku",
        "batterie",
        "verkaufen",
        "anbieten",
        "reservieren",
        "buchen",
        "brauche",
        "woche",
        "tage",
        "morgen",
        "urlaub",
        "weg",
        "der",
        "die",
        "das",
        "mein",
        "unser",
        "und",
        "für",
        "von",
        "bis",
        "ab",
        "nächste",
        "wochenende",
        "abends",
        "nachts",
        "kwh",
        "cent",
        "euro",
        "preis",
        "markt",
        "schalte",
        "licht",
        "küche",
        "temperatur",
        "wie",
        "viel",
        "was",
        "storniere",
        "freitag",
        "montag",
        "renoviere",
        "gäste",
        "pro",
        "tag",
        "höchstens",
        "mindestens",
        "zehn",
        "zwölf",
        "zwei",
        "paar",
    ],
}


def generated(count: int, seed: int) -> list[tuple[str, str]]:
    """Random and adversarial sentences, (language, text), deterministic for the seed."""
    rnd = random.Random(seed)
    out: list[tuple[str, str]] = []
    floods = [
        "storage " * 40,
        "battery sell " * 25,
        "speicher verkaufen " * 20,
        "1 " * 150,
        "kwh " * 75,
        "9kWh per day for 6 days " * 12,
        "Ich brauche 8 kWh pro Tag für 5 Tage ab Montag bis Freitag " * 5,
        "a" * 300,
        "we're going on holiday " * 13,
        "cancel " * 40,
    ]
    for text in floods:
        out.append(("en" if rnd.random() < 0.5 else "de", text[:300]))
    while len(out) < count:
        language = LANGUAGES[len(out) % 2]
        words: list[str] = []
        target = rnd.choice((40, 80, 150, 300))
        while sum(len(w) + 1 for w in words) < target:
            pick = rnd.random()
            if pick < 0.2:
                words.append(str(rnd.choice((rnd.randint(0, 99), round(rnd.random() * 20, 2)))))
            else:
                words.append(rnd.choice(WORDS[language]))
        out.append((language, " ".join(words)[:300]))
    return out


def _input(text: str, language: str) -> ConversationInput:
    """A ConversationInput for this release (2026.x adds satellite_id), with a fresh device id
    so the agent's recognition cache never answers."""
    values: dict[str, Any] = {
        "text": text,
        "context": Context(),
        "conversation_id": None,
        "device_id": uuid.uuid4().hex,
        "language": language,
        "agent_id": conversation.HOME_ASSISTANT_AGENT,
    }
    names = {f.name for f in dataclasses.fields(ConversationInput)}
    if "satellite_id" in names:
        values["satellite_id"] = None
    return ConversationInput(**{k: v for k, v in values.items() if k in names})


async def _recognition_ms(
    hass: HomeAssistant, sentences: Iterable[tuple[str, str]]
) -> list[tuple[float, str, str | None]]:
    agent: Any = conversation.async_get_agent(hass)
    timings = []
    for language, text in sentences:
        start = time.perf_counter()
        result = await agent.async_recognize_intent(_input(text, language))
        elapsed = (time.perf_counter() - start) * 1000
        timings.append((elapsed, text, result.intent.name if result else None))
    return timings


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def _setup(hass: HomeAssistant) -> tuple[MockConfigEntry, RecordingAgent]:
    await hass.config.async_set_time_zone("Europe/Berlin")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await cs_intent.async_setup_intents(hass)
    entry = MockConfigEntry(domain=DOMAIN, title="Home", options={"install_sentences": False})
    entry.add_to_hass(hass)
    agent = RecordingAgent(fixed_today=CORPUS_TODAY)
    household = household_choice.Household(entry, agent)  # type: ignore[arg-type]
    household_choice.loaded_households = lambda _hass: [household]  # type: ignore[assignment]
    return entry, agent


async def run(generated_count: int, seed: int, *, with_heldout2: bool = True) -> dict[str, Any]:
    """Measure everything in one Home Assistant instance; return the figures."""
    sentences_by_language = {lang: corpus(lang) for lang in LANGUAGES}
    corpus_sentences = [
        (lang, e["text"]) for lang, entries in sentences_by_language.items() for e in entries
    ]
    adversarial = generated(generated_count, seed)
    everything = corpus_sentences + adversarial
    with tempfile.TemporaryDirectory() as config_dir:
        # Our translations (the spoken errors) load from the config dir's custom_components.
        (Path(config_dir) / "custom_components").mkdir()
        (Path(config_dir) / "custom_components" / DOMAIN).symlink_to(COMPONENT_DIR)
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            entry, agent = await _setup(hass)
            # Warm both languages' intents (loading them is a one-off, not recognition).
            await _recognition_ms(hass, [("en", "hello"), ("de", "hallo")])
            baseline = await _recognition_ms(hass, everything)

            hass.config_entries.async_update_entry(entry, options={})
            installed = await async_install_sentences(hass, entry)
            assert installed.written, "sentences were not installed"
            await _recognition_ms(hass, [("en", "hello"), ("de", "hallo")])
            ours = await _recognition_ms(hass, everything)

            scores: dict[str, Score] = {}
            sets = [(lang, entries) for lang, entries in sentences_by_language.items()]
            sets += [(f"{lang} dev3", corpus(lang, "dev3")) for lang in LANGUAGES]
            sets += [(f"{lang} held-out", corpus(lang, "heldout")) for lang in LANGUAGES]
            if with_heldout2:
                sets += [(f"{lang} held-out 2", corpus(lang, "heldout2")) for lang in LANGUAGES]
            for name, entries in sets:
                if not entries:
                    continue
                language = name.split()[0]
                score = scores[name] = Score()
                for item in entries:
                    agent.calls.clear()
                    result = await conversation.async_converse(
                        hass,
                        item["text"],
                        None,
                        Context(user_id=uuid.uuid4().hex),
                        language=language,
                    )
                    score.add(item, *observed(result.response, agent.calls))
            await hass.async_stop(force=True)

    parser_ms = []
    for _, text in everything:
        start = time.perf_counter()
        understand(text, CORPUS_TODAY)
        parser_ms.append((time.perf_counter() - start) * 1000)

    n_corpus = len(corpus_sentences)
    report = {
        "corpus_sentences": n_corpus,
        "generated_sentences": len(adversarial),
        "ha_alone_corpus": _summary([t for t, _, _ in baseline[:n_corpus]]),
        "with_ours_corpus": _summary([t for t, _, _ in ours[:n_corpus]]),
        "ha_alone_generated": _summary([t for t, _, _ in baseline[n_corpus:]]),
        "with_ours_generated": _summary([t for t, _, _ in ours[n_corpus:]]),
        "parser_alone": _summary(parser_ms),
        "generated_routed_to_us": sum(1 for _, _, n in ours[n_corpus:] if n == INTENT_UTTERANCE),
        "accuracy": {
            language: {
                "intent": round(score.intent_accuracy, 3),
                "slots": round(score.slot_accuracy, 3),
                "per_intent": {
                    k: round(score.per_intent_right[k] / v, 3)
                    for k, v in sorted(score.per_intent.items())
                },
                "per_slot": {
                    k: round(score.per_slot_right[k] / v, 3)
                    for k, v in sorted(score.per_slot.items())
                },
                "misses": score.misses,
            }
            for language, score in scores.items()
        },
        "slowest_with_ours": [
            {"ms": round(t, 2), "text": text[:80], "intent": name}
            for t, text, name in sorted(ours, reverse=True)[:10]
        ],
    }
    base_median = report["ha_alone_corpus"]["median_ms"]  # type: ignore[index]
    ours_median = report["with_ours_corpus"]["median_ms"]  # type: ignore[index]
    report["corpus_median_ratio"] = round(ours_median / base_median, 2) if base_median else None
    return report


def _print(report: dict[str, Any]) -> None:
    print(
        f"sentences: {report['corpus_sentences']} corpus, {report['generated_sentences']} generated"
    )
    print(f"{'recognition (ms)':<28}{'median':>9}{'p99':>9}{'max':>9}")
    for key in (
        "ha_alone_corpus",
        "with_ours_corpus",
        "ha_alone_generated",
        "with_ours_generated",
        "parser_alone",
    ):
        row = report[key]
        print(f"{key:<28}{row['median_ms']:>9}{row['p99_ms']:>9}{row['max_ms']:>9}")
    print(f"corpus median with ours / HA alone: {report['corpus_median_ratio']}")
    print(f"generated sentences routed to our intent: {report['generated_routed_to_us']}")
    for language, acc in report["accuracy"].items():
        print(f"{language}: intent {acc['intent']:.3f}  slots {acc['slots']:.3f}")
        print("   per intent: " + ", ".join(f"{k} {v:.3f}" for k, v in acc["per_intent"].items()))
        print("   per slot:   " + ", ".join(f"{k} {v:.3f}" for k, v in acc["per_slot"].items()))
        # Misses are listed for the development corpus only: the held-out sets measure
        # generalisation, and reading their misses would be tuning against them.
        if "held-out" not in language:
            for miss in acc["misses"]:
                print(f"   miss: {miss}")
    print("slowest ten (with ours):")
    for row in report["slowest_with_ours"]:
        print(f"  {row['ms']:>8.2f} ms  {row['intent']}  {row['text']!r}")
    figures = {k: v for k, v in report.items() if k not in ("slowest_with_ours",)}
    for acc in figures["accuracy"].values():
        acc.pop("misses", None)
    print(json.dumps(figures))


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--generated", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--without-heldout2",
        action="store_true",
        help="skip the second held-out set (timing runs while the reader is being worked on)",
    )
    args = parser.parse_args()
    _print(asyncio.run(run(args.generated, args.seed, with_heldout2=not args.without_heldout2)))


if __name__ == "__main__":
    main()
