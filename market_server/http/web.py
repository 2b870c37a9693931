"""The operator's web page at ``/``: a static page that reads the operator API in the browser.

The page itself needs no token (it holds no data); it asks for the operator token, or takes it
from the URL fragment ``#token=...`` (never sent to the server in a request line or a log), and
calls ``/api/v1/operator/overview`` and ``/api/v1/operator/households`` with it. Everything it
needs is served from ``static/``: no CDN, so it works offline.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")
# Everything from this server, nothing inline from elsewhere; the token never leaves the page.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = ("/", "/favicon.ico")


async def _index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        STATIC_DIR / "index.html",
        headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-cache"},
    )


async def _favicon(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


def is_public(path: str) -> bool:
    """Whether a request path belongs to the web page (served without a token)."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def setup_web(app: web.Application) -> None:
    """Register the operator page and its static files."""
    app.router.add_get("/", _index)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
