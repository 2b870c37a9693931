"""aiohttp's own log of requests it could not even parse, made one line instead of a traceback.

aiohttp answers a malformed request line or header with 400 itself, before any handler or
middleware, and logs it at ERROR with a traceback (about 0.6 KB): anyone could fill the log
with a few bytes per request, and an operator alerting on ERROR would be paged for a client's
mistake. This filter turns those records into one INFO line naming the client's problem.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

SERVER_LOGGER = "aiohttp.server"


class BadRequestLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 400) < 500:
            record.levelno, record.levelname = logging.INFO, "INFO"
            summary = " ".join(str(exc.message).split())[:200]
            record.msg, record.args = "malformed HTTP request (%s): %s", (exc.code, summary)
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    """Once per process (`serve`)."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, BadRequestLine) for f in logger.filters):
        logger.addFilter(BadRequestLine())
