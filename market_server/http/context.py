"""What every handler needs from a request: the runtime, the caller, ids from the path."""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from market_server.errors import NotFound
from market_server.market.field_checks import day_value
from market_server.market.settings import CommunitySettings
from market_server.process.join_throttle import JoinThrottle
from market_server.process.runtime import MarketRuntime
from market_server.process.scheduler import Scheduler
from market_server.process.submit_rounds import SubmitRounds
from market_server.storage import auth

RUNTIME: web.AppKey[MarketRuntime] = web.AppKey("market_runtime", MarketRuntime)
SCHEDULER: web.AppKey[Scheduler] = web.AppKey("market_scheduler", Scheduler)
JOIN_THROTTLE: web.AppKey[JoinThrottle] = web.AppKey("join_throttle", JoinThrottle)
SUBMIT_ROUNDS: web.AppKey[SubmitRounds] = web.AppKey("submit_rounds", SubmitRounds)
# Ids are "<prefix>_" + 16 hex digits (auth.new_id); anything else names nothing.
ID_RE = re.compile(r"[a-z]{2}_[0-9a-f]{16}")


def runtime_of(request: web.Request) -> MarketRuntime:
    return request.app[RUNTIME]


def path_id(request: web.Request, name: str) -> str:
    """An id from the URL path; one that cannot be an id is not looked up (a NUL byte would
    reach PostgreSQL as an error, not a miss)."""
    value = request.match_info[name]
    if not ID_RE.fullmatch(value):
        what = name.removesuffix("_id")
        shown = value.encode("utf-8", "backslashreplace").decode("utf-8")[:60]
        raise NotFound(f"There is no {what} {shown!r}.", field=name)
    return value


async def household(request: web.Request, *, allow_disabled: bool = False) -> auth.Household:
    token = auth.bearer(request.headers.get("Authorization"))
    return await runtime_of(request).read(
        lambda conn: auth.household_for_token(conn, token, allow_disabled=allow_disabled)
    )


async def member(
    request: web.Request,
) -> tuple[auth.Household, MarketRuntime, CommunitySettings]:
    """The calling household (a disabled one may still read and cancel), runtime, settings."""
    hh = await household(request, allow_disabled=True)
    rt = runtime_of(request)
    return hh, rt, await rt.settings()


async def operator(request: web.Request) -> None:
    token = auth.bearer(request.headers.get("Authorization"))
    await runtime_of(request).read(auth.check_operator, token)


def day_param(request: web.Request) -> date | None:
    text = request.query.get("day")
    return None if text is None else day_value(text, "day")
