"""Slot values to delivery days (language/understand/dates.py), as plain date arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from custom_components.community_storage.language.understand.dates import (
    DateResolutionError,
    DeliveryWindow,
    resolve_window,
)

WEDNESDAY = date(2026, 11, 25)
SUNDAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("today", "kwargs", "expected"),
    [
        # No start: from tomorrow; a bare request is one day.
        (WEDNESDAY, {}, DeliveryWindow(date(2026, 11, 26), 1)),
        (WEDNESDAY, {"duration_days": 7}, DeliveryWindow(date(2026, 11, 26), 7)),
        # "next week" is Monday to Sunday of the coming week.
        (WEDNESDAY, {"start": "next_week"}, DeliveryWindow(date(2026, 11, 30), 7)),
        (SUNDAY, {"start": "next week"}, DeliveryWindow(date(2026, 11, 30), 7)),
        # A duration overrides the span the start implies.
        (
            WEDNESDAY,
            {"start": "next_week", "duration_days": 3},
            DeliveryWindow(date(2026, 11, 30), 3),
        ),
        (WEDNESDAY, {"start": "today"}, DeliveryWindow(WEDNESDAY, 1)),
        (
            WEDNESDAY,
            {"start": "tomorrow", "duration_days": 2},
            DeliveryWindow(date(2026, 11, 26), 2),
        ),
        (WEDNESDAY, {"start": "day_after_tomorrow"}, DeliveryWindow(date(2026, 11, 27), 1)),
        # A weekday is its next occurrence after today; said on that weekday it means next week.
        (WEDNESDAY, {"start": "friday"}, DeliveryWindow(date(2026, 11, 27), 1)),
        (WEDNESDAY, {"start": "wednesday"}, DeliveryWindow(date(2026, 12, 2), 1)),
        (
            WEDNESDAY,
            {"start": "next_monday", "duration_days": 5},
            DeliveryWindow(date(2026, 11, 30), 5),
        ),
        # "until Sunday": from tomorrow through the coming Sunday.
        (WEDNESDAY, {"until": "sunday"}, DeliveryWindow(date(2026, 11, 26), 4)),
        (
            WEDNESDAY,
            {"start": "next_week", "until": "friday"},
            DeliveryWindow(date(2026, 11, 30), 5),
        ),
        (
            WEDNESDAY,
            {"start": "2026-12-01", "until": "2026-12-03"},
            DeliveryWindow(date(2026, 12, 1), 3),
        ),
        (WEDNESDAY, {"start": "this_weekend"}, DeliveryWindow(date(2026, 11, 28), 2)),
        (SUNDAY, {"start": "this_weekend"}, DeliveryWindow(SUNDAY, 1)),
        (WEDNESDAY, {"start": "next_weekend"}, DeliveryWindow(date(2026, 12, 5), 2)),
        (WEDNESDAY, {"start": "this_week"}, DeliveryWindow(date(2026, 11, 26), 4)),
        (WEDNESDAY, {"duration_days": 14}, DeliveryWindow(date(2026, 11, 26), 14)),
    ],
)
def test_resolve_window(today: date, kwargs: dict, expected: DeliveryWindow) -> None:
    """Each phrase's slot values land on the days a person means."""
    assert resolve_window(today, **kwargs) == expected


def test_year_boundary() -> None:
    """Next week across New Year stays consecutive."""
    window = resolve_window(date(2026, 12, 30), start="next_week")
    assert window == DeliveryWindow(date(2027, 1, 4), 7)
    assert window.last_day == date(2027, 1, 10)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"start": "someday"}, "unknown_start"),
        ({"until": "whenever"}, "unknown_end"),
        ({"start": "2026-11-20"}, "in_the_past"),
        ({"start": "2026-12-05", "until": "2026-12-01"}, "end_before_start"),
        ({"duration_days": 15}, "too_many_days"),
        ({"duration_days": 0}, "invalid_duration"),
    ],
)
def test_unusable_input(kwargs: dict, key: str) -> None:
    """Input that cannot become delivery days says why."""
    with pytest.raises(DateResolutionError) as err:
        resolve_window(WEDNESDAY, **kwargs)
    assert err.value.key == key
