"""After trading: `settle` and `export`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from market_server.cli.output import ProgressBar, print_json
from market_server.cli.setup import require_initialised
from market_server.ledger import export as ledger_export
from market_server.ledger.settlement import settle
from market_server.market.clock import Clock
from market_server.storage.store import Store


def cmd_settle(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    require_initialised(store)
    bar = ProgressBar("settling")
    try:
        summary = settle(store, clock(), progress=bar)
    finally:
        bar.close()
    if args.json:
        print_json(summary.to_json())
    else:
        through = summary.through_day.isoformat() if summary.through_day else "-"
        figures = summary.to_json()
        print(
            f"settled {summary.entries} fills through {through}: "
            f"sellers earned EUR {figures['earned_eur']:.2f}, "
            f"buyers paid EUR {figures['paid_eur']:.2f} "
            f"(after EUR {figures['refunds_eur']:.2f} refunded for undelivered capacity); "
            f"shared energy EUR {figures['energy_eur']:.2f}, "
            f"own-credit energy EUR {figures['own_credit_eur']:.2f}"
        )
        if summary.pending_days:
            print(
                f"{summary.pending_days} delivery day(s) wait for delivery reports of sellers "
                f"and buyers; "
                f"the first settles at {figures['next_deadline']} at the latest"
            )
    return 0


def cmd_export(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    require_initialised(store)
    bar = ProgressBar("exporting")
    write = ledger_export.write_csv if args.format == "csv" else ledger_export.write_json
    try:
        if args.output:
            path = Path(args.output)
            with path.open("w", encoding="utf-8", newline="") as out:
                count = write(ledger_export.ledger_rows(store, bar), out)
        else:
            count = write(ledger_export.ledger_rows(store, bar), sys.stdout)
    finally:
        bar.close()
    if args.output:
        print(f"wrote {count} ledger entries to {args.output}", file=sys.stderr)
    return 0
