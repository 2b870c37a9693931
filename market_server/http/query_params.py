"""Query parameters a route takes, as the OpenAPI document states them; any other is a 400.

A misspelt filter (`?dya=2026-12-10`) silently ignored answers a different question than the
one asked (every order instead of one day's), so a parameter the document does not name for
the route is refused by name. HEAD takes what GET takes. Routes outside the document (the
operator page and its static files) are left alone.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Middleware

from market_server.errors import ValidationFailed
from market_server.http.openapi import openapi_document
from market_server.http.responses import Handler

KnownParams = dict[tuple[str, str], frozenset[str]]


def known_params() -> KnownParams:
    """(METHOD, path template) -> the names of its query parameters, from the document."""
    out: KnownParams = {}
    for path, item in openapi_document()["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            names = frozenset(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
            out[(method.upper(), path)] = names
    return out


def query_middleware(known: KnownParams) -> Middleware:
    @web.middleware
    async def check_query(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route
        template = route.resource.canonical if route.resource is not None else None
        method = "GET" if request.method == "HEAD" else request.method
        allowed = known.get((method, template or ""))
        if allowed is not None:
            unknown = sorted(set(request.query) - allowed)
            if unknown:
                names = ", ".join(repr(name) for name in unknown)
                takes = ", ".join(sorted(allowed)) or "none"
                raise ValidationFailed(
                    f"Unknown query parameter{'s' if len(unknown) > 1 else ''} {names} on "
                    f"{method} {template}; it takes: {takes}.",
                    field=unknown[0],
                )
        return await handler(request)

    return check_query
