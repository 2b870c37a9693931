"""Metered deliveries: the households' reports and the ledger's delivered energy and refunds.

What sellers and buyers report they delivered for a day (docs/delivery.md); settlement pays by it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("delivered_wh", sa.BigInteger, nullable=False),
        sa.Column("hourly_wh", sa.Text, nullable=True),
        sa.Column("client_report_id", sa.String(64), nullable=True),
        sa.Column("corrections", sa.Integer, nullable=False),
        sa.Column("reported_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("household_id", "day", "side", name="uq_deliveries_household_day_side"),
    )
    op.create_index("ix_deliveries_day", "deliveries", ["day", "side"])
    # NULL in entries settled before deliveries were metered: delivered in full, no refund.
    op.add_column("ledger", sa.Column("delivered_wh", sa.BigInteger, nullable=True))
    op.add_column("ledger", sa.Column("refund_ticks", sa.BigInteger, nullable=True))
    op.create_index("ix_ledger_day", "ledger", ["day"])
