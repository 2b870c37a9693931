"""`serve`: the HTTP API and the clearing scheduler until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from market_server import __version__
from market_server.cli.setup import require_initialised
from market_server.market.clock import Clock
from market_server.process.runtime import MarketRuntime
from market_server.storage.store import Store

_LOGGER = logging.getLogger("market_server")


def cmd_serve(args: argparse.Namespace, store: Store, clock: Clock) -> int:
    require_initialised(store)
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

    from market_server.http import http_log
    from market_server.http.app import create_app

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
