"""Replies of the HTTP API and the one place errors become HTTP: `{"error", "message", "field"?}`.

Handlers raise the typed errors of market_server.errors; error_middleware turns them (and
aiohttp's own 404/405/413) into that body, and logs anything else as a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from market_server.errors import MarketError
from market_server.http.bodies import MAX_BODY

_LOGGER = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dumps(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate echoed from the request (an unknown field's name) has no UTF-8
        # form; as a JSON escape it does.
        return json.dumps(data, ensure_ascii=True)
    return text


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps, headers=headers)


def error_reply(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    return json_reply(body, status, headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except MarketError as err:
        return json_reply(err.to_json(), err.status, err.headers or None)
    except web.HTTPRequestEntityTooLarge:
        return error_reply(
            413, "body_too_large", f"The request body is larger than {MAX_BODY // 1024} KiB."
        )
    except web.HTTPException as err:
        if err.status < 400:
            raise
        codes = {404: "not_found", 405: "method_not_allowed"}
        path = request.path.encode("utf-8", "backslashreplace").decode("utf-8")
        message = {
            404: f"There is no route {path}.",
            405: f"{request.method} is not allowed on {path}.",
        }.get(err.status, err.reason)
        # 405 must say what is allowed (RFC 9110, 15.5.6): keep aiohttp's Allow header.
        allow = {"Allow": err.headers["Allow"]} if "Allow" in err.headers else None
        return error_reply(err.status, codes.get(err.status, "http_error"), message, headers=allow)
    except Exception:
        _LOGGER.exception("unhandled error on %s %s", request.method, request.path)
        return error_reply(
            500, "internal_error", "The market server hit an internal error; it has been logged."
        )
