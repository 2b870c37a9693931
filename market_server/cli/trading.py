"""The market's trading: `orders`, `clear` (one round now), `rounds`."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from market_server.cli.output import print_json, table
from market_server.cli.setup import require_initialised
from market_server.market import orders, rounds
from market_server.market.clock import Clock
from market_server.storage.store import Store


def cmd_orders(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    settings = require_initialised(store)
    statuses = orders.parse_statuses(args.status)
    day = args.day
    with store.read() as conn:
        items = orders.list_orders_for_operator(conn, settings, statuses, day)
    if args.json:
        print_json({"orders": items})
    else:
        table(
            items,
            [
                ("day", "DAY"),
                ("order_id", "ORDER"),
                ("household_name", "HOUSEHOLD"),
                ("side", "SIDE"),
                ("volume_kwh", "kWh"),
                ("limit_price", "LIMIT"),
                ("status", "STATUS"),
                ("filled_kwh", "FILLED kWh"),
                ("avg_price", "AVG PRICE"),
            ],
            sys.stdout,
        )
    return 0


def cmd_clear(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    require_initialised(store)
    summary = rounds.run_round(store, clock, trigger="cli").to_json()
    if args.json:
        print_json(summary)
        return 0
    print(
        f"round {summary['round_id']} ({summary['mechanism']}): {summary['fills']} fills, "
        f"{summary['cleared_kwh']:g} kWh cleared, {summary['expired']} orders expired"
    )
    table(
        summary["days"],
        [
            ("day", "DAY"),
            ("price", "PRICE"),
            ("cleared_kwh", "CLEARED kWh"),
            ("buy_kwh", "BUY kWh"),
            ("sell_kwh", "SELL kWh"),
            ("fills", "FILLS"),
        ],
        sys.stdout,
    )
    return 0


def cmd_rounds(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    settings = require_initialised(store)
    with store.read() as conn:
        items = rounds.recent_rounds(conn, args.limit)
    if args.json:
        print_json({"rounds": items})
    else:
        tz = ZoneInfo(settings.timezone)
        table(
            [
                {
                    **item,
                    "finished_at": datetime.fromisoformat(item["finished_at"])
                    .astimezone(tz)
                    .strftime("%Y-%m-%d %H:%M:%S"),
                }
                for item in items
            ],
            [
                ("round_id", "ROUND"),
                ("finished_at", f"FINISHED ({settings.timezone})"),
                ("trigger", "TRIGGER"),
                ("status", "STATUS"),
                ("fills", "FILLS"),
                ("cleared_kwh", "CLEARED kWh"),
                ("expired", "EXPIRED"),
            ],
            sys.stdout,
        )
    return 0
