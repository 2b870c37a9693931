"""Own-credit energy in the ledger, paid at the community's feed-in price.

The buyers' own export drawn back from the sellers' reserves is paid for: each ledger entry
gains the own-credit energy it paid or earned. The community's feed-in price
lives in the settings row (JSON); a settings row without it reads the default
(market/settings.py), so an upgraded community settles at EUR 0.078/kWh until its operator
sets another.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"


def upgrade() -> None:
    # NULL in entries settled before own credit was paid: none paid or earned.
    op.add_column("ledger", sa.Column("own_credit_wh", sa.BigInteger, nullable=True))
    op.add_column("ledger", sa.Column("own_credit_ticks", sa.BigInteger, nullable=True))
