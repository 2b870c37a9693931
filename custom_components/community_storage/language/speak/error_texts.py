"""Agent errors as sentences, worded once: the integration's ``exceptions`` translations.

Home Assistant code passes its own cached translations (``async_get_translations``) in, so
nothing here reads a file in the event loop; code without Home Assistant (tests, scripts) reads
the same ``translations/<language>.json`` through ``load_error_texts``, once per language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from ...agent.errors import TradingError
from .phrases import lang

TRANSLATIONS = Path(__file__).parents[2] / "translations"
FALLBACK_KEY = "trading_error"


@cache
def load_error_texts(language: str | None) -> Mapping[str, str]:
    """Every ``exceptions`` message of one language by its key.

    Reads a file the first time a language is asked for: call it outside an event loop.
    """
    path = TRANSLATIONS / f"{lang(language)}.json"
    exceptions = json.loads(path.read_text(encoding="utf-8"))["exceptions"]
    return MappingProxyType({key: entry["message"] for key, entry in exceptions.items()})


def render_error(error: TradingError, texts: Mapping[str, str]) -> str:
    """The error's message with its placeholders filled; the generic one if either is missing."""
    template = texts.get(error.translation_key, texts[FALLBACK_KEY])
    try:
        return template.format(**error.placeholders)
    except KeyError:
        return texts[FALLBACK_KEY]
