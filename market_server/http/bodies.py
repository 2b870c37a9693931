"""Request bodies: Content-Type, size and JSON syntax checked before any field is looked at."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from market_server.errors import BodyTooLarge, InvalidJSON, UnsupportedMediaType

MAX_BODY = 64 * 1024


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: web.Request, *, optional: bool = False) -> Any:
    """The request body as JSON: checks Content-Type, size, syntax."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyTooLarge(f"The request body is larger than {MAX_BODY // 1024} KiB.")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise BodyTooLarge(f"The request body is larger than {MAX_BODY // 1024} KiB.")
    if optional and not raw.strip():
        return {}
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "Send the body as JSON with 'Content-Type: application/json' "
            f"(got {request.content_type!r})."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidJSON(f"The request body is not valid JSON: {err}.") from None
    # `[[[[...` 30,000 deep fits in 64 KiB; no request of this API nests more than 3 deep.
    # Checked before parsing: Python 3.13 overflows its recursion on such input, 3.14 parses it.
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise InvalidJSON("The request body nests arrays or objects too deeply.")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        raise InvalidJSON(f"The request body is not valid JSON: {err}.") from None
    except RecursionError:
        raise InvalidJSON("The request body nests arrays or objects too deeply.") from None


# Deeper than any body of this API (3) with room to spare.
MAX_JSON_DEPTH = 16


def _nesting_depth(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings skipped.

    One pass over the characters (a regular expression for JSON strings backtracks
    quadratically on runs of backslashes); a body with few brackets is not scanned at all.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
