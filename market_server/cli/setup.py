"""Setting up: `init` (the community's settings), `operator-token`, `db` (the schema)."""

from __future__ import annotations

import argparse
from typing import Any

from market_server.cli.output import print_json
from market_server.errors import SettingsError
from market_server.market import community
from market_server.market.clock import Clock
from market_server.market.settings import CommunitySettings
from market_server.storage import migrations
from market_server.storage.store import Store

SETTING_FLAGS: tuple[tuple[str, str, type, str], ...] = (
    ("--name", "name", str, "community name shown to households"),
    ("--timezone", "timezone", str, "IANA time zone of delivery days (default Europe/Berlin)"),
    (
        "--gate-closure",
        "gate_closure",
        str,
        "local HH:MM when trading for a day closes (default 18:00)",
    ),
    (
        "--gate-days-before",
        "gate_closure_days_before",
        int,
        "how many days before delivery the gate closes (default 1: the evening before)",
    ),
    ("--round-interval", "round_interval_s", int, "seconds between clearing rounds (default 900)"),
    (
        "--mechanism",
        "mechanism",
        str,
        "ASSUME clearing mechanism: pay_as_clear_fast (default; same results as "
        "pay_as_clear, faster), pay_as_clear or pay_as_bid",
    ),
    ("--min-price", "min_price", float, "lowest limit price, EUR/kWh (default 0.0)"),
    ("--max-price", "max_price", float, "highest limit price, EUR/kWh (default 1.0)"),
    (
        "--max-kwh-per-order-day",
        "max_kwh_per_order_day",
        float,
        "largest kWh of one order on one day (default 100)",
    ),
    ("--horizon-days", "horizon_days", int, "how many days ahead may be traded (default 14)"),
    ("--efficiency", "efficiency", float, "one-way storage efficiency (default 0.95)"),
    (
        "--default-max-sell-kwh",
        "default_max_sell_kwh",
        float,
        "kWh a new household may sell per day unless `households add` says (default 10)",
    ),
    (
        "--default-max-open-kwh",
        "default_max_open_kwh",
        float,
        "kWh a new household may have open at once (default 200)",
    ),
    (
        "--delivery-report-hours",
        "delivery_report_hours",
        int,
        "hours after a delivery day in which sellers and buyers report deliveries; the day "
        "settles then at the latest (default 12)",
    ),
    (
        "--energy-price",
        "energy_price",
        float,
        "EUR per kWh of shared energy buyers pay sellers, 0 to 1 in steps of 0.001 (default "
        "0.12); the community's agreed price, not cleared",
    ),
    (
        "--feed-in-price",
        "feed_in_price",
        float,
        "EUR per kWh buyers pay sellers for the energy behind their own credit (their export "
        "drawn back from the sellers' reserves), 0 to 1 in steps of 0.001 (default 0.078)",
    ),
)


def require_initialised(store: Store) -> CommunitySettings:
    migrations.upgrade(store)
    with store.read() as conn:
        if not community.is_initialised(conn):
            raise SettingsError(
                "this database has no community yet: run `market-server init` first"
            )
        return community.load(conn)


def cmd_init(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    changes = {
        attr: getattr(args, attr)
        for _, attr, _, _ in SETTING_FLAGS
        if getattr(args, attr) is not None
    }
    for flag in ("clear_on_submit", "grid_charging"):
        if getattr(args, flag) is not None:
            changes[flag] = getattr(args, flag)
    settings, token = community.initialise(store, clock(), changes, issue_token=False)
    if args.json:
        print_json({"settings": settings.to_json(), "operator_token": token})
        return 0
    print(f"Community {settings.name!r} ready in {store.url}")
    for key, value in settings.to_json().items():
        print(f"  {key:26} {value}")
    if token:
        print("\nOperator token (shown once, keep it safe):")
        print(f"  {token}")
    else:
        print("\nExisting data and operator tokens kept (new token: market-server operator-token).")
    return 0


def cmd_operator_token(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    from market_server.storage.auth import issue_operator_token

    require_initialised(store)
    with store.write() as conn:
        token = issue_operator_token(conn, clock(), revoke_others=args.revoke_others)
    if args.json:
        print_json({"operator_token": token})
    else:
        print(token)
    return 0


def cmd_db(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    applied = migrations.upgrade(store) if args.db_command == "upgrade" else None
    schema = migrations.state(store)
    if args.json:
        data: dict[str, Any] = {
            "revision": schema.revision,
            "head": schema.head,
            "up_to_date": schema.up_to_date,
        }
        if applied is not None:
            data["applied"] = applied
        print_json(data)
        return 0
    if applied is not None:
        print(f"Applied {', '.join(applied)}." if applied else "Nothing to apply.")
    print(f"Schema revision {schema.revision or '(none)'}, newest {schema.head}.")
    if not schema.up_to_date:
        print("`market-server db upgrade` (or init, or serve) brings it there.")
    return 0
