"""The side of an order, a fill or a delivery report: the one definition on the server."""

from __future__ import annotations

from typing import Literal, get_args

Side = Literal["buy", "sell"]
SIDES: tuple[str, ...] = get_args(Side)


def is_side(value: object) -> bool:
    """Whether `value` names a side (a JSON body may hold anything)."""
    return value in SIDES
