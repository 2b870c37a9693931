"""Short answers to a yes/no question we asked ("Shall I reserve from Wednesday?").

Only a sentence that is nothing but an answer counts ("yes", "yes please", "nein danke", "ok do
it"): "yes, and sell my battery tomorrow" is a new request and goes to the reader.
"""

from __future__ import annotations

from typing import Final

from .spoken_text import tokens as tokenise

YES: Final = frozenset(
    {"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "please", "do", "it", "go", "ahead",
     "fine", "good", "alright", "right", "correct", "that", "s", "ja", "jawohl", "gerne", "gern",
     "klar", "bitte", "mach", "machs", "das", "passt", "einverstanden", "genau", "gut",
     "in", "ordnung", "sicher", "natuerlich", "thanks", "thank", "you", "danke", "absolutely"}
)  # fmt: skip
NO: Final = frozenset(
    {"no", "nope", "nah", "don", "t", "dont", "not", "never", "mind", "cancel", "thanks",
     "thank", "you", "nein", "ne", "nee", "lieber", "nicht", "danke", "lass", "es", "sein",
     "vergiss", "forget", "stop", "leave"}
)  # fmt: skip
_YES_STARTS: Final = frozenset(
    {"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "please", "do", "go", "fine", "alright",
     "ja", "jawohl", "gerne", "gern", "klar", "bitte", "mach", "machs", "passt", "einverstanden",
     "genau", "absolutely", "correct"}
)  # fmt: skip
_NO_STARTS: Final = frozenset(
    {"no", "nope", "nah", "don", "dont", "not", "never", "nein", "ne", "nee", "lieber", "lass",
     "vergiss", "forget", "leave", "stop", "cancel"}
)  # fmt: skip
# An answer is short; anything longer says more than yes or no.
MAX_ANSWER_TOKENS: Final = 6


def yes_or_no(text: str) -> bool | None:
    """True for yes, False for no, None when the sentence is more (or other) than an answer."""
    words = tokenise(text)
    if not words or len(words) > MAX_ANSWER_TOKENS:
        return None
    if words[0] in _NO_STARTS and all(w in NO for w in words):
        return False
    if words[0] in _YES_STARTS and all(w in YES for w in words):
        return True
    return None
