"""Energy sharing: shared and grid energy in reports, late reports, energy in the ledger.

Delivery reports gain the shared energy a buyer drew and the grid energy a seller charged;
reports first made after their day settled are marked late (kept for the record); each ledger
entry gains the shared energy it paid or earned.

The community's energy price and grid-charging switch live in the settings row (JSON); a
settings row without them reads the defaults (market/settings.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    # NULL: not given (buy reports: no shared energy claimed; sell reports: none from the grid).
    op.add_column("deliveries", sa.Column("shared_wh", sa.BigInteger, nullable=True))
    op.add_column("deliveries", sa.Column("grid_wh", sa.BigInteger, nullable=True))
    op.add_column(
        "deliveries",
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    # NULL in entries settled before energy was shared: no energy paid or earned.
    op.add_column("ledger", sa.Column("energy_wh", sa.BigInteger, nullable=True))
    op.add_column("ledger", sa.Column("energy_ticks", sa.BigInteger, nullable=True))
