"""`households`: add, list, disable, enable, re-join, limits."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from market_server.cli.output import print_json, table
from market_server.cli.setup import require_initialised
from market_server.market import households
from market_server.market.clock import Clock
from market_server.storage.store import Store


def cmd_households(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    settings = require_initialised(store)
    action = args.households_command
    if action == "list":
        with store.read() as conn:
            items = households.list_all(conn)
        if args.json:
            print_json({"households": items})
        else:
            table(
                items,
                [
                    ("household_id", "ID"),
                    ("name", "NAME"),
                    ("joined", "JOINED"),
                    ("disabled", "DISABLED"),
                    ("max_sell_kwh", "MAX SELL kWh/day"),
                    ("max_open_kwh", "MAX OPEN kWh"),
                    ("open_kwh", "OPEN kWh"),
                    ("orders", "ORDERS"),
                ],
                sys.stdout,
            )
        return 0
    with store.write() as conn:
        if action == "add":
            code = households.add(
                conn,
                settings,
                clock(),
                args.name,
                max_sell_kwh=args.max_sell_kwh,
                max_open_kwh=args.max_open_kwh,
                code_valid_hours=args.code_valid_hours,
            )
            result: dict[str, Any] = code.to_json()
        elif action == "rejoin":
            code = households.rejoin(conn, clock(), args.household_id, args.code_valid_hours)
            result = code.to_json()
        elif action in ("disable", "enable"):
            result = households.set_disabled(
                conn, settings, args.household_id, action == "disable", clock()
            )
        else:  # limits
            result = households.set_limits(
                conn, args.household_id, args.max_sell_kwh, args.max_open_kwh
            )
    if args.json:
        print_json(result)
    elif "join_code" in result:
        print(f"household {result['household_id']}")
        until = datetime.fromisoformat(result["expires_at"]).astimezone(ZoneInfo(settings.timezone))
        print(f"join code {result['join_code']}  (works once, until {until:%Y-%m-%d %H:%M %Z})")
        print("Give the code to the household: they enter it with this server's address in")
        print("Home Assistant's Community Storage integration (or POST it to /api/v1/join).")
    else:
        table([result], [(k, k.upper()) for k in result], sys.stdout)
    return 0
