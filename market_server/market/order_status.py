"""The statuses of an order on the wire and in the database, and which of them can still fill."""

from __future__ import annotations

from typing import Literal, get_args

OrderStatusName = Literal["open", "partially_filled", "filled", "cancelled", "expired"]
STATUSES: tuple[str, ...] = get_args(OrderStatusName)
#: An order with one of these statuses has a remainder that a round can still fill.
LIVE = ("open", "partially_filled")
