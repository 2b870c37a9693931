"""The command line's parser: every command, its options and examples."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from market_server import __version__
from market_server.cli.households import cmd_households
from market_server.cli.ledger import cmd_export, cmd_settle
from market_server.cli.serve import cmd_serve
from market_server.cli.setup import (
    SETTING_FLAGS,
    cmd_db,
    cmd_init,
    cmd_operator_token,
)
from market_server.cli.trading import cmd_clear, cmd_orders, cmd_rounds
from market_server.errors import MarketError
from market_server.market import households
from market_server.market.clock import speed_argument
from market_server.market.field_checks import day_value
from market_server.storage.store import DEFAULT_DB_PATH

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


_EXAMPLES = {
    "init": """\
examples:
  market-server init --name Sonnenweg --timezone Europe/Berlin
  market-server init --gate-closure 17:00 --horizon-days 10   # change two settings, keep the rest
  market-server init --energy-price 0.15 --grid-charging     # energy sharing, also later
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


def _subcommand(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_: str,
    examples: str | None,
    common: argparse.ArgumentParser,
    **kw: Any,
) -> argparse.ArgumentParser:
    """A command or action: its help is its description, its examples its epilog."""
    return sub.add_parser(
        name,
        help=help_,
        description=help_,
        epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
        **kw,
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
        p = _subcommand(sub, name, help_, _EXAMPLES.get(name), common, **kw)
        p.set_defaults(func=func)
        return p

    init = add(
        "init",
        "create or update the community (settings kept unless given; prints an operator "
        "token the first time)",
        cmd_init,
    )
    for flag, attr, type_, help_ in SETTING_FLAGS:
        init.add_argument(flag, dest=attr, type=type_, help=help_)
    init.add_argument(
        "--clear-on-submit",
        dest="clear_on_submit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run a clearing round right after each new request (default on)",
    )
    init.add_argument(
        "--grid-charging",
        dest="grid_charging",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let sellers charge their reserves from the grid, accounted as grid energy "
        "(default off: renewable surplus only)",
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
        p = _subcommand(db_sub, action, help_, _EXAMPLES["db"], common)
        p.add_argument("--json", action="store_true", help="print JSON")

    hh = add("households", "add, list, disable, enable or re-join households", cmd_households)
    hh_sub = hh.add_subparsers(dest="households_command", required=True, metavar="ACTION")

    def hh_action(name: str, help_: str) -> argparse.ArgumentParser:
        return _subcommand(hh_sub, name, help_, _EXAMPLES["households"], common)

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
