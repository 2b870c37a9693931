"""The schema of market-server 0.1.0 (schema_version 1), table by table.

Written out rather than taken from store.py: that module describes the newest schema, this
revision must keep creating the first one. Datetimes are naive UTC (store.UTCDateTime).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    locks = op.create_table("locks", sa.Column("name", sa.String(64), primary_key=True))
    op.create_table(
        "households",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("max_sell_ticks", sa.Integer, nullable=False),
        sa.Column("max_open_ticks", sa.Integer, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "household_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "operator_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "join_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "requests",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("client_request_id", sa.String(200), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("max_power_kw", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("household_id", "client_request_id", name="uq_requests_client_id"),
    )
    op.create_table(
        "orders",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("request_id", sa.String(40), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("household_id", sa.String(40), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("volume_ticks", sa.Integer, nullable=False),
        sa.Column("price_ticks", sa.Integer, nullable=False),
        sa.Column("filled_ticks", sa.Integer, nullable=False),
        sa.Column("filled_money_ticks", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_orders_day_status", "orders", ["day", "status"])
    op.create_index("ix_orders_household", "orders", ["household_id", "day"])
    op.create_index("ix_orders_request", "orders", ["request_id"])
    op.create_table(
        "rounds",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("mechanism", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("fills_count", sa.Integer, nullable=False),
        sa.Column("cleared_ticks", sa.Integer, nullable=False),
        sa.Column("expired_count", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_table(
        "day_clearings",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.String(40), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("mechanism", sa.String(64), nullable=False),
        sa.Column("price_ticks", sa.Integer, nullable=True),
        sa.Column("cleared_ticks", sa.Integer, nullable=False),
        sa.Column("buy_ticks", sa.Integer, nullable=False),
        sa.Column("sell_ticks", sa.Integer, nullable=False),
        sa.Column("orders_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_day_clearings_day", "day_clearings", ["day"])
    op.create_table(
        "fills",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("round_id", sa.String(40), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("order_id", sa.String(40), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("volume_ticks", sa.Integer, nullable=False),
        sa.Column("price_ticks", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_fills_household", "fills", ["household_id", "seq"])
    op.create_index("ix_fills_day", "fills", ["day"])
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("fill_id", sa.String(40), sa.ForeignKey("fills.id"), nullable=False, unique=True),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("volume_ticks", sa.Integer, nullable=False),
        sa.Column("price_ticks", sa.Integer, nullable=False),
        sa.Column("amount_ticks", sa.BigInteger, nullable=False),
        sa.Column("settled_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_ledger_household", "ledger", ["household_id", "day"])
    # The row clearing rounds lock on PostgreSQL (store.Store.lock_rounds).
    op.bulk_insert(locks, [{"name": "rounds"}])
