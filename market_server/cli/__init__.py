"""`market-server`: the operator's command line. Tables for people, --json for scripts.

The parser is in parser.py, a module per command group beside it, the output in output.py.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy.exc

from market_server.cli.parser import build_parser
from market_server.errors import MarketError, SettingsError
from market_server.market.clock import MarketClock
from market_server.storage import migrations
from market_server.storage.store import Store, normalise_url

EXIT_USAGE = 2
EXIT_FAILED = 1

__all__ = ["build_parser", "main"]


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
