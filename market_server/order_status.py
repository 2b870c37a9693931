"""The statuses of an order on the wire and in the database, and which of them can still fill."""

from __future__ import annotations

STATUSES = ("open", "partially_filled", "filled", "cancelled", "expired")
#: An order with one of these statuses has a remainder that a round can still fill.
LIVE = ("open", "partially_filled")
