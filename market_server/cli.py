"""`market-server`: the operator's command line. Tables for people, --json for scripts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import sqlalchemy.exc

from . import __version__, community, households, migrations, orders, rounds
from . import export as ledger_export
from .clock import Clock, MarketClock, speed_argument
from .config import CommunitySettings
from .errors import MarketError, SettingsError
from .runtime import MarketRuntime
from .settlement import settle
from .store import DEFAULT_DB_PATH, Store, normalise_url
from .validation import day_value

_LOGGER = logging.getLogger("market_server")
EXIT_USAGE = 2
EXIT_FAILED = 1

EPILOG = """\
examples:
  market-server init --name Sonnenweg --timezone Europe/Berlin --gate-closure 18:00
  market-server households add "Miller" --max-sell-kwh 10 --json
  market-server serve --host 0.0.0.0 --port 8787
  market-server clear --json            # one clearing round now (also while `serve` runs)
  market-server orders --status open,partially_filled --day 2026-11-30
  market-server settle && market-server export --format csv --output ledger.csv
  market-server --db postgresql://market@db.example/market households list

The database is the SQLite file ./market-data/market.db unless --db or MARKET_SERVER_DB
says otherwise.
"""


# -- output -----------------------------------------------------------------------------------


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], out: TextIO) -> None:
    """A plain text table: columns are (key, heading)."""
    if not rows:
        out.write("(none)\n")
        return
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(head), *(len(c[i]) for c in cells)) for i, (_, head) in enumerate(columns)]
    # Numbers line up on the right so that kWh and prices can be compared down a column.
    numeric = [
        all(v is None or _is_number(v) for v in values) and any(_is_number(v) for v in values)
        for values in ([row.get(key) for row in rows] for key, _ in columns)
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out.write(line([head for _, head in columns]) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for c in cells:
        out.write(line(c) + "\n")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


# -- commands ---------------------------------------------------------------------------------

_SETTING_FLAGS: tuple[tuple[str, str, type, str], ...] = (
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
        "hours after a delivery day in which sellers report deliveries; the day settles "
        "then at the latest (default 12)",
    ),
)


def _require_initialised(store: Store) -> CommunitySettings:
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
        for _, attr, _, _ in _SETTING_FLAGS
        if getattr(args, attr) is not None
    }
    if args.clear_on_submit is not None:
        changes["clear_on_submit"] = args.clear_on_submit
    settings, token = community.initialise(store, clock(), changes, issue_token=False)
    if args.json:
        _print_json({"settings": settings.to_json(), "operator_token": token})
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
    from .auth import issue_operator_token

    _require_initialised(store)
    with store.write() as conn:
        token = issue_operator_token(conn, clock(), revoke_others=args.revoke_others)
    if args.json:
        _print_json({"operator_token": token})
    else:
        print(token)
    return 0


def cmd_households(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    settings = _require_initialised(store)
    action = args.households_command
    if action == "list":
        with store.read() as conn:
            items = households.list_all(conn)
        if args.json:
            _print_json({"households": items})
        else:
            _table(
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
            result = households.set_disabled(conn, args.household_id, action == "disable")
        else:  # limits
            result = households.set_limits(
                conn, args.household_id, args.max_sell_kwh, args.max_open_kwh
            )
    if args.json:
        _print_json(result)
    elif "join_code" in result:
        print(f"household {result['household_id']}")
        until = datetime.fromisoformat(result["expires_at"]).astimezone(ZoneInfo(settings.timezone))
        print(f"join code {result['join_code']}  (works once, until {until:%Y-%m-%d %H:%M %Z})")
        print("Give the code to the household: they enter it with this server's address in")
        print("Home Assistant's Community Storage integration (or POST it to /api/v1/join).")
    else:
        _table([result], [(k, k.upper()) for k in result], sys.stdout)
    return 0


def cmd_orders(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    settings = _require_initialised(store)
    statuses = orders.parse_statuses(args.status)
    day = args.day
    with store.read() as conn:
        items = orders.list_orders_for_operator(conn, settings, statuses, day)
    if args.json:
        _print_json({"orders": items})
    else:
        _table(
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
    _require_initialised(store)
    summary = rounds.run_round(store, clock, trigger="cli").to_json()
    if args.json:
        _print_json(summary)
        return 0
    print(
        f"round {summary['round_id']} ({summary['mechanism']}): {summary['fills']} fills, "
        f"{summary['cleared_kwh']:g} kWh cleared, {summary['expired']} orders expired"
    )
    _table(
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
    settings = _require_initialised(store)
    with store.read() as conn:
        items = rounds.recent_rounds(conn, args.limit)
    if args.json:
        _print_json({"rounds": items})
    else:
        tz = ZoneInfo(settings.timezone)
        _table(
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


def cmd_settle(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    _require_initialised(store)
    bar = ProgressBar("settling")
    try:
        summary = settle(store, clock(), progress=bar)
    finally:
        bar.close()
    if args.json:
        _print_json(summary.to_json())
    else:
        through = summary.through_day.isoformat() if summary.through_day else "-"
        figures = summary.to_json()
        print(
            f"settled {summary.entries} fills through {through}: "
            f"sellers earned EUR {figures['earned_eur']:.2f}, "
            f"buyers paid EUR {figures['paid_eur']:.2f} "
            f"(after EUR {figures['refunds_eur']:.2f} refunded for undelivered capacity)"
        )
        if summary.pending_days:
            print(
                f"{summary.pending_days} delivery day(s) wait for sellers' delivery reports; "
                f"the first settles at {figures['next_deadline']} at the latest"
            )
    return 0


def cmd_export(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    _require_initialised(store)
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
        _print_json(data)
        return 0
    if applied is not None:
        print(f"Applied {', '.join(applied)}." if applied else "Nothing to apply.")
    print(f"Schema revision {schema.revision or '(none)'}, newest {schema.head}.")
    if not schema.up_to_date:
        print("`market-server db upgrade` (or init, or serve) brings it there.")
    return 0


def cmd_serve(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    _require_initialised(store)
    asyncio.run(
        _serve(
            store,
            clock,
            args.host,
            args.port,
            scheduler=not args.no_scheduler,
            access_log=args.access_log,
        )
    )
    return 0


async def _serve(
    store: Store, clock: Clock, host: str, port: int, *, scheduler: bool, access_log: bool
) -> None:
    from aiohttp import web
    from aiohttp.log import access_logger

    from . import http_log
    from .app import create_app

    http_log.install()
    runtime = MarketRuntime(store, clock)
    runtime.warm_up()
    app = create_app(runtime, run_scheduler=scheduler)
    # A line per request costs about a fifth of the throughput (benchmarks/api_load.py); a
    # reverse proxy in front usually logs requests anyway. Errors are always logged.
    runner = web.AppRunner(
        app, handle_signals=False, access_log=access_logger if access_log else None
    )
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0]
        _LOGGER.info(
            "market server %s listening on http://%s:%s (database %s)",
            __version__,
            bound[0],
            bound[1],
            store.url.split("@")[-1],
        )
        if runtime.speed > 1:
            _LOGGER.info(
                "time-lapse: the market's clock runs %d times faster than real time "
                "(now %s on the market)",
                runtime.speed,
                runtime.now().isoformat(timespec="seconds"),
            )
        await stop.wait()
        _LOGGER.info("shutting down")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await runner.cleanup()


# -- parser -----------------------------------------------------------------------------------

_EXAMPLES = {
    "init": """\
examples:
  market-server init --name Sonnenweg --timezone Europe/Berlin
  market-server init --gate-closure 17:00 --horizon-days 10   # change two settings, keep the rest
  market-server init --json                                   # settings (and first token) as JSON
""",
    "serve": """\
examples:
  market-server serve                                  # http://127.0.0.1:8787, rounds every 15 min
  market-server serve --host 0.0.0.0 --port 8787
  market-server --db postgresql://market@db.example/market serve
  market-server serve --speed 1440                     # time-lapse: a market day in a minute
  market-server serve --now 2026-12-05T06:00:00+01:00 --speed 60   # from then on, an hour a minute

Stop it with Ctrl-C or SIGTERM (kill PID).
""",
    "db": """\
examples:
  market-server db current             # the schema's revision and the newest this server knows
  market-server db upgrade --json      # what init and serve do first: apply what is missing
""",
    "households": """\
examples:
  market-server households add "Miller" --max-sell-kwh 13 --json
  market-server households list
  market-server households limits hh_0123456789abcdef --max-sell-kwh 8
  market-server households disable hh_0123456789abcdef
  market-server households rejoin hh_0123456789abcdef   # new join code, e.g. after a reinstall
""",
    "orders": """\
examples:
  market-server orders                                 # every order, by delivery day
  market-server orders --status open,partially_filled --day 2026-11-30
  market-server orders --json
""",
    "clear": """\
examples:
  market-server clear                                  # also fine while `serve` is running
  market-server clear --json
""",
    "settle": """\
Settles every fill whose delivery day has ended (in the community's time zone); running it
again settles nothing twice.

examples:
  market-server settle
  market-server settle --now 2026-12-05T12:00:00+01:00  # rehearse: as if it were that time
""",
    "export": """\
examples:
  market-server export --format csv --output ledger.csv
  market-server export --format json > ledger.json
""",
}


def _iso_day(text: str) -> date:
    try:
        return day_value(text, "--day")
    except MarketError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _code_valid_hours(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--code-valid-hours",
        type=float,
        help=f"hours the join code works (default {households.DEFAULT_CODE_VALID_HOURS:g}: "
        "a week; at most a year)",
    )


def _aware_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO time with a time zone offset, e.g. 2026-11-30T12:00:00+01:00"
        )
    return when


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return value


def _global_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """--db, --now and -v, accepted before and after the command (`settle --now ...`).

    After the command they default to SUPPRESS so that they override the top-level value
    only when given there.
    """
    db_default = os.environ.get("MARKET_SERVER_DB") or str(DEFAULT_DB_PATH)
    parser.add_argument(
        "--db",
        default=db_default if top_level else argparse.SUPPRESS,
        help="database: a SQLite file path or sqlite:///..., or postgresql://user@host/db "
        "(default: $MARKET_SERVER_DB or ./market-data/market.db)",
    )
    parser.add_argument(
        "--now",
        type=_aware_time,
        default=None if top_level else argparse.SUPPRESS,
        help="pretend it is this ISO time (with offset) when the command starts; "
        "for rehearsals and tests",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="log more",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="market-server",
        description="Operate a community storage-capacity market (cleared with ASSUME).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser, top_level=True)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, top_level=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str, func: Callable[..., int], **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=_EXAMPLES.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
            **kw,
        )
        p.set_defaults(func=func)
        return p

    init = add(
        "init",
        "create or update the community (settings kept unless given; prints an operator "
        "token the first time)",
        cmd_init,
    )
    for flag, attr, type_, help_ in _SETTING_FLAGS:
        init.add_argument(flag, dest=attr, type=type_, help=help_)
    init.add_argument(
        "--clear-on-submit",
        dest="clear_on_submit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run a clearing round right after each new request (default on)",
    )
    init.add_argument("--json", action="store_true", help="print JSON")

    token = add("operator-token", "issue a new operator token", cmd_operator_token)
    token.add_argument("--revoke-others", action="store_true", help="revoke every older token")
    token.add_argument("--json", action="store_true", help="print JSON")

    serve = add("serve", "run the HTTP API and the clearing scheduler", cmd_serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8787, help="port (default 8787; 0 = any free port)"
    )
    serve.add_argument(
        "--no-scheduler", action="store_true", help="no periodic rounds (only on demand)"
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every HTTP request (default: off)"
    )
    serve.add_argument(
        "--speed",
        type=speed_argument,
        default=1,
        help="time-lapse: the market's time runs this many times faster than real time from "
        "the start (from --now if given); 1 to 10000, default 1 (real time). For demos and tests",
    )

    dbc = add("db", "show or upgrade the database schema (init and serve upgrade it too)", cmd_db)
    db_sub = dbc.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    for action, help_ in (
        ("current", "the schema's revision and the newest this server knows"),
        ("upgrade", "apply the revisions the database is missing"),
    ):
        p = db_sub.add_parser(
            action,
            help=help_,
            description=help_,
            epilog=_EXAMPLES["db"],
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )
        p.add_argument("--json", action="store_true", help="print JSON")

    hh = add("households", "add, list, disable, enable or re-join households", cmd_households)
    hh_sub = hh.add_subparsers(dest="households_command", required=True, metavar="ACTION")

    def hh_action(name: str, help_: str) -> argparse.ArgumentParser:
        return hh_sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=_EXAMPLES["households"],
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )

    hh_add = hh_action("add", "add a household; prints a one-time join code")
    hh_add.add_argument("name", help="display name, e.g. the family name")
    hh_add.add_argument(
        "--max-sell-kwh",
        type=float,
        help="kWh it may offer or sell per delivery day (default: the community's, see init); "
        "0 for a household without a battery: it may only buy",
    )
    hh_add.add_argument("--max-open-kwh", type=float, help="kWh it may have in open orders at once")
    _code_valid_hours(hh_add)
    hh_add.add_argument("--json", action="store_true", help="print JSON")
    hh_list = hh_action("list", "list households")
    hh_list.add_argument("--json", action="store_true", help="print JSON")
    for action, help_ in (
        ("disable", "stop a household from placing orders"),
        ("enable", "allow a disabled household again"),
        ("rejoin", "a new one-time code for an existing household (revokes its token on use)"),
    ):
        p = hh_action(action, help_)
        p.add_argument("household_id", help="hh_... as shown by `households list`")
        if action == "rejoin":
            _code_valid_hours(p)
        p.add_argument("--json", action="store_true", help="print JSON")
    limits = hh_action("limits", "change a household's limits")
    limits.add_argument("household_id", help="hh_... as shown by `households list`")
    limits.add_argument(
        "--max-sell-kwh", type=float, help="kWh it may sell per delivery day (0: buy-only)"
    )
    limits.add_argument("--max-open-kwh", type=float, help="kWh it may have open at once")
    limits.add_argument("--json", action="store_true", help="print JSON")

    ords = add("orders", "list orders", cmd_orders)
    ords.add_argument("--day", type=_iso_day, help="only this delivery day (YYYY-MM-DD)")
    ords.add_argument(
        "--status",
        help="comma-separated, any of open, partially_filled, filled, cancelled, expired",
    )
    ords.add_argument("--json", action="store_true", help="print JSON")

    clear = add("clear", "run one clearing round now", cmd_clear)
    clear.add_argument("--json", action="store_true", help="print JSON")

    rds = add("rounds", "recent clearing rounds", cmd_rounds)
    rds.add_argument(
        "--limit", type=_positive_int, default=20, help="how many, newest first (default 20)"
    )
    rds.add_argument("--json", action="store_true", help="print JSON")

    stl = add("settle", "settle every fill whose delivery day has ended", cmd_settle)
    stl.add_argument("--json", action="store_true", help="print JSON")

    exp = add("export", "export the ledger (settled entries)", cmd_export)
    exp.add_argument("--format", choices=("csv", "json"), default="csv", help="default csv")
    exp.add_argument("--output", help="write to this file instead of stdout")
    return parser


def _clock(pretend: datetime | None, speed: int = 1) -> MarketClock:
    return MarketClock(speed, pretend)


def _missing_sqlite_file(db: str) -> Path | None:
    """The SQLite file `db` names if it does not exist yet (only `init` may create it)."""
    url = sqlalchemy.engine.make_url(normalise_url(db))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    return None if path.exists() else path


def _describe_db(db: str) -> str:
    """The database URL without its password, for messages."""
    return sqlalchemy.engine.make_url(normalise_url(db)).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG
        if args.verbose
        else (logging.INFO if args.command == "serve" else logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic announces its plugins and dialect on every start; migrations logs what it applies.
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    store = None
    try:
        clock = _clock(args.now, getattr(args, "speed", 1))
        missing = _missing_sqlite_file(args.db) if args.command != "init" else None
        if missing is not None:
            # Do not leave an empty database behind when run in the wrong directory.
            raise SettingsError(
                f"there is no market database at {missing}: run `market-server init` first, "
                "or point --db (or MARKET_SERVER_DB) at the existing one"
            )
        store = Store(args.db)
        return int(args.func(args, store, clock))
    except (SettingsError, MarketError, ValueError) as err:
        message = err.message if isinstance(err, MarketError) else str(err)
        print(f"market-server: error: {message}", file=sys.stderr)
        return EXIT_USAGE if isinstance(err, SettingsError | MarketError) else EXIT_FAILED
    except migrations.SchemaNewerThanServer as err:
        print(f"market-server: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except sqlalchemy.exc.OperationalError as err:
        reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
        print(
            f"market-server: error: cannot use the database {_describe_db(args.db)}: {reason}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as other command line tools do.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as err:
        print(
            f"market-server: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    finally:
        if store is not None:
            with contextlib.suppress(Exception):
                store.dispose()


if __name__ == "__main__":
    sys.exit(main())
