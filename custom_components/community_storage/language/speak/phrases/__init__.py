"""Every sentence the household reads from us, as data: one phrasebook per language.

The modules that speak (``explain``, ``conversation_speech``, the calendar, the follow-ups) pick a
key and fill its placeholders; which words, in which order, with which decimal point is the
phrasebook's business. German locales get German, every other language English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from . import de, en
from .book import Phrasebook

type Language = Literal["en", "de"]

PHRASEBOOKS: Final[Mapping[Language, Phrasebook]] = {"en": en.BOOK, "de": de.BOOK}


def lang(language: str | None) -> Language:
    """``de`` for any German locale, else ``en``."""
    return "de" if (language or "").lower().startswith("de") else "en"


def phrasebook(language: str | None) -> Phrasebook:
    """The phrasebook of a Home Assistant language ("de-CH" reads German, "fr" English)."""
    return PHRASEBOOKS[lang(language)]


__all__ = ["PHRASEBOOKS", "Language", "Phrasebook", "lang", "phrasebook"]
