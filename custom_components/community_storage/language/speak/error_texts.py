"""Agent errors as sentences, worded once: the integration's ``exceptions`` translations.

Home Assistant code passes its own cached translations (``async_get_translations``) in, so
nothing here reads a file in the event loop; code without Home Assistant (tests, scripts) reads
the same ``translations/<language>.json`` through ``load_error_texts``, once per language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from ...agent.errors import TradingError
from .phrases import lang, phrasebook
from .phrases.formatting import fmt_day

TRANSLATIONS = Path(__file__).parents[2] / "translations"
FALLBACK_KEY = "trading_error"
ISO_DATE_LENGTH = len("2026-12-09")
# A figure with decimals as the agent writes it ("12.1"), to be said with the language's point.
DECIMAL = re.compile(r"-?\d+\.\d+")


@cache
def load_error_texts(language: str | None) -> Mapping[str, str]:
    """Every ``exceptions`` message of one language by its key.

    Reads a file the first time a language is asked for: call it outside an event loop.
    """
    path = TRANSLATIONS / f"{lang(language)}.json"
    exceptions = json.loads(path.read_text(encoding="utf-8"))["exceptions"]
    return MappingProxyType({key: entry["message"] for key, entry in exceptions.items()})


def spoken_placeholders(placeholders: Mapping[str, str], language: str | None) -> dict[str, str]:
    """Placeholders as a person hears them: ISO dates become "Wednesday 9 December", figures
    take the language's decimal point ("12,1" in German)."""
    spoken = dict(placeholders)
    point = phrasebook(language).formats["decimal_point"]
    for key, value in placeholders.items():
        if DECIMAL.fullmatch(value):
            spoken[key] = value.replace(".", point)
        elif len(value) == ISO_DATE_LENGTH:
            try:
                spoken[key] = fmt_day(date.fromisoformat(value), language)
            except ValueError:
                continue
    return spoken


def render_error(error: TradingError, texts: Mapping[str, str], language: str | None = None) -> str:
    """The error's message with its placeholders filled (dates as words in ``language``).

    The generic message when the key or a placeholder is missing.
    """
    template = texts.get(error.translation_key, texts[FALLBACK_KEY])
    try:
        return template.format(**spoken_placeholders(error.placeholders, language))
    except KeyError:
        return texts[FALLBACK_KEY]
