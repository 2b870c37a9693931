"""Ledger export for the operator: CSV or JSON, exact to 0.0001 EUR, with household names,
delivered kWh (sell entries), refunds (buy entries), shared and own-credit energy (both)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import sqlalchemy as sa

from market_server.market import serialisers
from market_server.market.units import eur_per_kwh, kwh, kwh_from_wh, money_decimal
from market_server.storage import store as db
from market_server.storage.store import Store

Progress = Callable[[int, int], None]
COLUMNS = (
    "entry_id",
    "day",
    "household_id",
    "household_name",
    "side",
    "volume_kwh",
    "price_eur_per_kwh",
    "amount_eur",
    "fill_id",
    "settled_at",
    "delivered_kwh",
    "refund_eur",
    "energy_kwh",
    "energy_eur",
    "own_credit_kwh",
    "own_credit_eur",
)


def ledger_rows(store: Store, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    led, h = db.ledger, db.households
    query = (
        sa.select(led, h.c.name.label("household_name"))
        .join(h, h.c.id == led.c.household_id)
        .order_by(led.c.day, led.c.seq)
    )
    with store.read() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(led)).scalar() or 0)
        rows = conn.execution_options(yield_per=1000).execute(query)
        for done, row in enumerate(rows, start=1):
            if progress and (done % 200 == 0 or done == total):
                progress(done, total)
            yield {
                "entry_id": row.id,
                "day": row.day.isoformat(),
                "household_id": row.household_id,
                "household_name": row.household_name,
                "side": row.side,
                "volume_kwh": kwh(row.volume_ticks),
                "price_eur_per_kwh": eur_per_kwh(row.price_ticks),
                "amount_eur": str(money_decimal(int(row.amount_ticks))),
                "fill_id": row.fill_id,
                "settled_at": row.settled_at.isoformat(),
                # Sell entries: what the fill delivered (in full if settled before metering);
                # buy entries: none. amount_eur is net of refund_eur.
                "delivered_kwh": serialisers.delivered_kwh(row),
                "refund_eur": str(money_decimal(int(row.refund_ticks or 0))),
                # Shared energy beside the capacity: billed (buy, paid < 0) or sold (sell).
                "energy_kwh": kwh_from_wh(int(row.energy_wh or 0)),
                "energy_eur": str(money_decimal(int(row.energy_ticks or 0))),
                # Own-credit energy (the buyers' own export the sellers' reserves held), at the
                # community's feed-in price, signed the same way.
                "own_credit_kwh": kwh_from_wh(int(row.own_credit_wh or 0)),
                "own_credit_eur": str(money_decimal(int(row.own_credit_ticks or 0))),
            }
        if progress and total == 0:
            progress(0, 0)


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_json(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    entries = list(rows)
    json.dump({"entries": entries, "count": len(entries)}, out, indent=2)
    out.write("\n")
    return len(entries)


def export_text(store: Store, fmt: str) -> str:
    buffer = io.StringIO()
    (write_csv if fmt == "csv" else write_json)(ledger_rows(store), buffer)
    return buffer.getvalue()
