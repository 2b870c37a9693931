"""Rounds indexed by trigger (schema_version 3).

The scheduler looks up its last scheduled round among many rounds after submissions.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.create_index("ix_rounds_trigger_seq", "rounds", ["trigger", "seq"])
