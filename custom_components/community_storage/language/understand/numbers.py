"""Numbers as people say them: digits ("7,5"), words ("ten", "zehn"), "a week", "a few days"."""

from __future__ import annotations

from .lexicon import ARTICLE_ONE, NUMBER_WORDS
from .spoken_text import is_number, number_value


def number_at(tokens: tuple[str, ...], i: int) -> float | None:
    """The number token ``i`` states (digits or a number word), else None."""
    token = tokens[i]
    if is_number(token):
        return number_value(token)
    value = NUMBER_WORDS.get(token)
    return float(value) if value is not None else None


def count_before_unit(tokens: tuple[str, ...], i: int) -> float | None:
    """Like ``number_at``, but "a"/"ein"/"one" count as 1 (only valid right before a unit)."""
    if tokens[i] in ARTICLE_ONE:
        return 1.0
    return number_at(tokens, i)
