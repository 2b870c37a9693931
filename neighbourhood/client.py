"""The HTTP calls a simulated household (and the operator who lets it join) makes.

Only the wire contract (docs/wire-contract.md) is used: the simulator shares no code with the
market server; it reads the join answer with the integration's parser.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from custom_components.community_storage.market_client.models import JoinResult


class MarketCallError(Exception):
    """The market server refused a call; ``code`` is the contract's machine-readable error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        """Keep the status and the server's code and sentence."""
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code


# A household's identity on the market: the answer of POST /api/v1/join, parsed as the
# integration parses it (one parser of that shape; test_wire_contract.py checks it).
Membership = JoinResult


def call_error(status: int, body: Any) -> MarketCallError:
    """The error of an error response (its body ``{"error", "message", "field"?}``)."""
    body = body if isinstance(body, dict) else {}
    return MarketCallError(
        status, str(body.get("error", "http_error")), str(body.get("message", ""))
    )


class MarketHttp:
    """A thin JSON-over-HTTP helper bound to one server and one bearer token."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str | None) -> None:
        """Bind to ``url``; ``token`` may be None for the public endpoints."""
        self._session = session
        self._url = url.rstrip("/")
        self._token = token

    async def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        """Send one request and return the decoded JSON body, or raise MarketCallError."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        async with self._session.request(
            method, f"{self._url}{path}", json=json, params=params, headers=headers
        ) as response:
            body = await response.json(content_type=None)
            if response.status >= 400:
                raise call_error(response.status, body)
            return body


async def add_and_join(
    session: aiohttp.ClientSession,
    url: str,
    operator_token: str,
    name: str,
    max_sell_kwh: float,
) -> Membership:
    """Register a household as the operator, then redeem its join code as the household."""
    operator = MarketHttp(session, url, operator_token)
    created = await operator.call(
        "POST",
        "/api/v1/operator/households",
        json={"name": name, "max_sell_kwh": max_sell_kwh},
    )
    public = MarketHttp(session, url, None)
    joined = await public.call(
        "POST", "/api/v1/join", json={"code": created["join_code"], "name": name}
    )
    return Membership.from_json(joined)
