"""Word lists compiled for lookups whose cost does not grow with the list.

A lexicon entry is a word ("sell"), a stem ("renovat*") or a phrase ("rent out", "electric car*").
``WordMatcher.hits`` answers "where in these tokens does any entry start?" with one set lookup and
one ``str.startswith(tuple)`` per token, plus a check of the few phrases that begin with that
token, so a sentence costs O(tokens) whatever the size of the lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def _matches(token: str, entry: str) -> bool:
    if entry.endswith("*"):
        return token.startswith(entry[:-1])
    return token == entry


@dataclass(frozen=True, slots=True)
class WordMatcher:
    """Entries of one lexicon table, indexed for per-token lookups."""

    words: frozenset[str]
    stems: tuple[str, ...]
    # First word (or first stem) of a phrase -> the phrases' remaining words.
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    @classmethod
    def of(cls, entries: Iterable[str]) -> WordMatcher:
        """Compile lexicon entries (words, "stem*", "multi word phrases")."""
        words: set[str] = set()
        stems: list[str] = []
        phrases: list[tuple[str, tuple[str, ...]]] = []
        for entry in entries:
            parts = entry.split()
            if len(parts) > 1:
                phrases.append((parts[0], tuple(parts[1:])))
            elif entry.endswith("*"):
                stems.append(entry[:-1])
            else:
                words.add(entry)
        return cls(frozenset(words), tuple(stems), tuple(phrases))

    def span_at(self, tokens: tuple[str, ...], i: int) -> int:
        """Length of the entry starting at token ``i`` (0 when none does)."""
        token = tokens[i]
        best = 1 if token in self.words or (self.stems and token.startswith(self.stems)) else 0
        for first, rest in self.phrases:
            end = i + 1 + len(rest)
            if (
                end <= len(tokens)
                and _matches(token, first)
                and all(_matches(tokens[i + 1 + k], word) for k, word in enumerate(rest))
            ):
                best = max(best, 1 + len(rest))
        return best

    def covered(self, tokens: tuple[str, ...]) -> set[int]:
        """Positions inside an entry of more than one word ("rent out" covers "rent")."""
        inside: set[int] = set()
        for i in range(len(tokens)):
            if (span := self.span_at(tokens, i)) > 1:
                inside.update(range(i, i + span))
        return inside

    def hits(self, tokens: tuple[str, ...]) -> list[int]:
        """Positions where an entry starts."""
        return [i for i in range(len(tokens)) if self.span_at(tokens, i)]

    def any_in(self, tokens: tuple[str, ...]) -> bool:
        """Whether any entry occurs."""
        return any(self.span_at(tokens, i) for i in range(len(tokens)))
