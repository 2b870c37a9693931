"""HARNESS READY

A real market server inside the test's event loop, for tests anywhere in the suite.

    async def test_something(tmp_path, socket_enabled):
        async with running_market(tmp_path, timezone="Europe/Berlin") as market:
            household_id, token = await market.join_household("Miller", max_sell_kwh=13.0)
            seller = (await market.join_household("Seller"))[1]
            await market.place(seller, "sell", market.first_open_day(), 7, 10.0, 0.05)
            ...

It starts the real aiohttp app (market_server.http.app.create_app) on 127.0.0.1 with an ephemeral
port (real TCP), a SQLite file under tmp_path unless `db_url` is given, and the periodic scheduler
DISABLED: rounds run only on demand (`market.clear()`, the operator route) or right after a
request when `clear_on_submit` (default True). Community settings are overridable through
keyword arguments (see market_server.market.settings.CommunitySettings). Pass `clock=` (e.g. a
`MutableClock`) to move time for gate closure and settlement without sleeping.
On exit it stops the server, its worker threads and the client session: nothing lingers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from market_server.http.app import create_app
from market_server.market import community
from market_server.market.gate import open_days
from market_server.market.settings import CommunitySettings
from market_server.process.runtime import MarketRuntime
from market_server.storage.store import Store


class MutableClock:
    """A clock tests move by hand: `clock.advance(hours=30)`, `clock.set(datetime(...))`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)
        if self.now.tzinfo is None:
            raise ValueError("MutableClock needs an aware datetime")

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("MutableClock needs an aware datetime")
        self.now = when
        return self.now


class MarketHTTPError(AssertionError):
    """A harness helper got an unexpected HTTP status; carries the status and the JSON body."""

    def __init__(self, status: int, body: Any, what: str) -> None:
        super().__init__(f"{what}: HTTP {status}: {body!r}")
        self.status = status
        self.body = body


@dataclass
class RunningMarket:
    url: str
    operator_token: str
    session: aiohttp.ClientSession
    runtime: MarketRuntime
    settings: CommunitySettings
    app: web.Application
    db_url: str
    _tokens: dict[str, str] = field(default_factory=dict)

    # -- plain HTTP ---------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        **kwargs: Any,
    ) -> tuple[int, Any]:
        """(status, decoded JSON or text) of one call; never raises on HTTP errors."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method, self.url + path, json=json, headers=headers, **kwargs
        ) as resp:
            if resp.content_type == "application/json":
                return resp.status, await resp.json()
            return resp.status, await resp.text()

    async def _expect(
        self, method: str, path: str, statuses: tuple[int, ...], **kwargs: Any
    ) -> Any:
        status, body = await self.request(method, path, **kwargs)
        if status not in statuses:
            raise MarketHTTPError(status, body, f"{method} {path}")
        return body

    async def _operator(self, method: str, path: str, status: int, json: Any = None) -> Any:
        """One operator call that must answer ``status``."""
        return await self._expect(method, path, (status,), token=self.operator_token, json=json)

    # -- the harness API ------------------------------------------------------------------------

    async def add_household(self, name: str, max_sell_kwh: float = 13.0) -> str:
        """Add a household as the operator -> its one-time join code."""
        body = await self._operator(
            "POST",
            "/api/v1/operator/households",
            201,
            json={"name": name, "max_sell_kwh": max_sell_kwh},
        )
        return str(body["join_code"])

    async def join_household(self, name: str, max_sell_kwh: float = 13.0) -> tuple[str, str]:
        """Add and join a household -> (household_id, token)."""
        return await self.redeem(await self.add_household(name, max_sell_kwh))

    async def redeem(self, code: str) -> tuple[str, str]:
        """Redeem a join or rejoin code -> (household_id, token)."""
        body = await self._expect("POST", "/api/v1/join", (201,), json={"code": code})
        return str(body["household_id"]), str(body["token"])

    async def rejoin_code(self, household_id: str) -> str:
        """The operator's ``households rejoin ID`` -> the one-time code (revokes on redeeming)."""
        path = f"/api/v1/operator/households/{household_id}/rejoin"
        return str((await self._operator("POST", path, 201))["join_code"])

    async def household(self, **match: str) -> dict[str, Any]:
        """The one row of the operator's household list whose fields match, e.g. ``name=...``."""
        listed = await self.get("/api/v1/operator/households", self.operator_token)
        (row,) = [h for h in listed["households"] if all(h[k] == v for k, v in match.items())]
        return dict(row)

    async def set_limits(self, household_id: str, **limits: float) -> dict[str, Any]:
        """The operator changes one household's limits -> the household as it now is."""
        path = f"/api/v1/operator/households/{household_id}/limits"
        return dict(await self._operator("POST", path, 200, json=limits))

    async def change_settings(self, **changes: Any) -> dict[str, Any]:
        """The operator changes community settings -> the settings as they now are."""
        return dict(await self._operator("POST", "/api/v1/operator/settings", 200, json=changes))

    async def place(
        self,
        token: str,
        side: str,
        start_day: date,
        num_days: int,
        kwh_per_day: float,
        limit_price: float,
    ) -> dict[str, Any]:
        """Place a request over HTTP -> the Request JSON (after the submit round, if enabled)."""
        body = await self._expect(
            "POST",
            "/api/v1/requests",
            (201,),
            token=token,
            json={
                "side": side,
                "start_day": start_day.isoformat(),
                "num_days": num_days,
                "kwh_per_day": kwh_per_day,
                "limit_price": limit_price,
                "client_request_id": str(uuid.uuid4()),
            },
        )
        return dict(body)

    async def report_delivery(
        self, token: str, day: date, side: str, kwh: float, **fields: Any
    ) -> dict[str, Any]:
        """A household reports what it delivered (sell) or used (buy) on an ended day."""
        body = {"day": day.isoformat(), "side": side, "kwh": kwh, **fields}
        return dict(
            await self._expect("POST", "/api/v1/deliveries", (201,), token=token, json=body)
        )

    async def clear(self) -> dict[str, Any]:
        """Run one clearing round now (operator route) -> the round summary."""
        return dict(await self._operator("POST", "/api/v1/operator/rounds", 200))

    async def settle(self) -> dict[str, Any]:
        """Settle every fill whose delivery day has ended (operator route)."""
        return dict(await self._operator("POST", "/api/v1/operator/settle", 200))

    async def get(self, path: str, token: str) -> Any:
        return await self._expect("GET", path, (200,), token=token)

    # -- time ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.runtime.now()

    def first_open_day(self) -> date:
        """The first delivery day whose gate is still open (by the market's clock)."""
        return open_days(self.now(), self.settings)[0]

    def open_days(self) -> list[date]:
        return open_days(self.now(), self.settings)


@asynccontextmanager
async def running_market(
    tmp_path: Path,
    *,
    db_url: str | None = None,
    clock: Callable[[], datetime] | None = None,
    **settings: Any,
) -> AsyncIterator[RunningMarket]:
    """Start a market server in the current event loop; see the module docstring."""
    url = db_url or f"sqlite:///{tmp_path / 'market.db'}"
    # pytest-homeassistant-custom-component turns SQLAlchemy's statement log on (INFO) for the
    # whole session; the market's statements would flood captured logs and slow every call.
    sql_logger = logging.getLogger("sqlalchemy.engine")
    sql_level = sql_logger.level
    sql_logger.setLevel(logging.WARNING)
    try:
        async with _running_market(url, clock, settings) as market:
            yield market
    finally:
        sql_logger.setLevel(sql_level)


@asynccontextmanager
async def _running_market(
    url: str, clock: Callable[[], datetime] | None, settings: dict[str, Any]
) -> AsyncIterator[RunningMarket]:
    store = Store(url)
    runtime = MarketRuntime(store, clock)
    changes = {"name": "Test community", **settings}
    try:
        community_settings, token = await runtime.run(
            community.initialise, store, runtime.now(), changes, issue_token=True
        )
    except BaseException:
        await runtime.close()
        raise
    assert token is not None
    app = create_app(runtime, run_scheduler=False)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            yield RunningMarket(
                url=f"http://127.0.0.1:{port}",
                operator_token=token,
                session=session,
                runtime=runtime,
                settings=community_settings,
                app=app,
                db_url=store.url,
            )
    finally:
        await runner.cleanup()
