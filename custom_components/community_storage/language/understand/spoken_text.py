"""Where a typed or spoken sentence becomes comparable word tokens.

Everything downstream compares tokens by equality or by prefix, so the spelling differences that
do not change the meaning are removed here once: case, umlauts ("nächste" = "naechste"),
apostrophes ("we're" -> "we", "re"), glued units ("10kWh", "12ct", "0,12€"). The input is cut
at ``MAX_CHARS`` characters and ``MAX_TOKENS`` tokens: no sentence a person says is longer, and
it keeps the cost of everything that follows bounded whatever is typed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_CHARS: Final = 600
MAX_TOKENS: Final = 80

_FOLD: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "€": " € "})
# Digits glued to letters or symbols are split: "10kwh", "12ct", "8kwh/day", "14th".
_TOKEN: Final = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+|€|/")


def fold(text: str) -> str:
    """Lower case, umlauts spelled out ("Nächste" -> "naechste"): how tokens compare."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


def tokens(text: str) -> tuple[str, ...]:
    """The sentence as lower-case, umlaut-folded word, number and symbol tokens."""
    return tuple(_TOKEN.findall(fold(text[:MAX_CHARS]))[:MAX_TOKENS])


def is_number(token: str) -> bool:
    """A digit token such as "8", "7.5" or "0,12"."""
    return token[:1].isdigit()


def number_value(token: str) -> float:
    """The value of a digit token; a decimal comma counts like a point ("7,5" = 7.5)."""
    return float(token.replace(",", "."))
