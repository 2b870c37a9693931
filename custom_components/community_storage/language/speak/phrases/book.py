"""The shape of one language's phrasebook: every language fills every table with the same keys.

Sentences are ``str.format`` templates. A placeholder for an optional part (``{when}``,
``{reason}``, ...) receives either "" or its text with the leading separator, so a template reads
as the sentence it makes and an empty part leaves no double space. ``tests/agent/test_phrases.py``
keeps the keys and placeholders of the languages equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """Everything one language says, as data; the speaking modules only pick keys and fill them."""

    # How numbers and days are written: decimal point, units and money, the date pattern and
    # the names of weekdays and months (space-separated).
    formats: Mapping[str, str]
    # Words the sentences are built from.
    reasons: Mapping[str, str]  # the request's reason, by its key ("renovation", "holiday", ...)
    windows: Mapping[str, str]  # "In the mornings", opening the forecast sentence
    times_of_day: Mapping[str, str]  # "in the mornings", "all day"
    order_words: Mapping[str, str]  # the household's order by side: "bid" / "offer"
    order_status: Mapping[str, str]  # an order's status as the calendar shows it
    # Sentences, by the module that speaks them.
    explain: Mapping[str, str]
    conversation: Mapping[str, str]
    calendar: Mapping[str, str]
    follow_up: Mapping[str, str]
