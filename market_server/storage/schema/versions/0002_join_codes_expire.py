"""Join codes expire (schema_version 2).

Codes from before stay valid: their expires_at is NULL, which means never.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.add_column("join_codes", sa.Column("expires_at", sa.DateTime, nullable=True))
