"""The HTTP API's application (docs/wire-contract.md): routes, middleware, body limit, lifecycle.

The handlers are in member_api.py (a household's token) and operator_api.py (the operator's);
errors become HTTP in responses.py and nowhere else.
"""

from __future__ import annotations

from aiohttp import web

from market_server.http import member_api, operator_api
from market_server.http.bodies import MAX_BODY
from market_server.http.context import JOIN_THROTTLE, RUNTIME, SCHEDULER, SUBMIT_ROUNDS
from market_server.http.query_params import known_params, query_middleware
from market_server.http.responses import Handler, error_middleware
from market_server.http.web import setup_web
from market_server.process.join_throttle import JoinThrottle
from market_server.process.runtime import MarketRuntime
from market_server.process.scheduler import Scheduler
from market_server.process.submit_rounds import SubmitRounds

ROUTES: tuple[tuple[str, str, Handler], ...] = member_api.ROUTES + operator_api.ROUTES


def create_app(runtime: MarketRuntime, *, run_scheduler: bool = False) -> web.Application:
    """The aiohttp application. It owns `runtime` and closes it on cleanup."""
    app = web.Application(
        middlewares=[error_middleware, query_middleware(known_params())],
        client_max_size=MAX_BODY,
    )
    app[RUNTIME] = runtime
    app[JOIN_THROTTLE] = JoinThrottle(runtime.now)
    app[SUBMIT_ROUNDS] = SubmitRounds(runtime)
    for method, path, handler in ROUTES:
        if method == "GET":
            # HEAD as GET without the body (RFC 9110, 9.3.2); aiohttp leaves the body out.
            app.router.add_get(path, handler, allow_head=True)
        else:
            app.router.add_route(method, path, handler)
    setup_web(app)
    if run_scheduler:
        app[SCHEDULER] = Scheduler(runtime)

    async def on_startup(app: web.Application) -> None:
        await runtime.migrate()
        if SCHEDULER in app:
            app[SCHEDULER].start()

    async def on_cleanup(app: web.Application) -> None:
        if SCHEDULER in app:
            await app[SCHEDULER].stop()
        await runtime.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
