"""Fixtures for the Community Storage Market integration tests.

Every test here that uses ``hass`` (directly or through another fixture) automatically gets, in
this order: the in-memory recorder (``recorder_mock``, which must exist before ``hass``), custom
integrations enabled, a config directory of its own under ``tmp_path`` (the integration installs
custom sentences there), and the ``homeassistant`` core component (needed by ``conversation``,
a dependency of the integration). Tests without ``hass`` (pure functions) pay for none of it.

Fixtures to reuse:

``market``
    A ``RunningMarket`` from ``tests.market_harness``: a real market server on 127.0.0.1 in this
    event loop with a fresh SQLite store, community "Sonnenweg" in Europe/Berlin, clearing right
    after each submit (``socket_enabled`` included). ``market.url``, ``market.operator_token``,
    ``market.add_household(name, max_sell_kwh)`` -> join code, ``market.join_household(name,
    max_sell_kwh=...)`` -> (household_id, token), ``market.place(token, side, start_day,
    num_days, kwh_per_day, limit_price)``, ``market.clear()``, ``market.first_open_day()``.
``market_clock``
    The server's ``MutableClock``, fixed at 2026-11-25 09:00 UTC (10:00 in the community, before
    the 18:00 gate closure of the 26th); ``market_clock.advance(hours=...)`` moves the market's
    time without sleeping. The coordinator takes "today" from the server's clock
    (``coordinator.data.today``), so entities follow it; Home Assistant's clock is not frozen.
``demo_sensors``
    Sets plausible states for a household's sensors and returns their entity ids, keyed like the
    entry data: ``battery_soc_entity`` (55 %), ``battery_power_entity`` (-1200 W),
    ``pv_entity`` (2500 W), ``load_entity`` (600 W); capacity is ``DEMO_CAPACITY_KWH``.
``joined_entry``
    A ``MockConfigEntry`` joined to ``market`` through the real ``POST /api/v1/join`` (household
    "Miller", 10 kWh/day sell limit), added to ``hass`` but not set up. ``entry.data`` holds
    ``url``, ``token``, ``household_id``, ``household_name``, the ``demo_sensors`` entity ids
    and ``battery_capacity_kwh``; absent sensors are absent keys, so read them with ``.get``.
    The time zone of ``hass`` is the community's (Europe/Berlin).
``setup_integration``
    ``joined_entry`` set up and loaded (state ``LOADED``); yields the entry and unloads it again
    before the server stops. Its runtime data is ``entry.runtime_data`` (client, coordinator,
    trading); ``await entry.runtime_data.coordinator.async_refresh()`` fetches at once.
``neighbour``
    A second household in the same market, ``(household_id, token)``, for placing counter-orders
    with ``market.place``.
``recording_agent``
    Conversation set up with our intents and sentence files, clock frozen at 2026-11-25 10:00 in
    Berlin, and one household "Home" whose trading agent is ``tests.corpus.scoring``'s
    ``RecordingAgent`` (what the handlers ask for is recorded, nothing reaches a market).
``clocks``
    ``delivery_day.Clocks``: Home Assistant's clock (``freezer``) and ``market_clock`` moved
    together (``await clocks.move_to(when)``, ``await clocks.read_meter(entity_id, kwh, when)``),
    from ``MARKET_START``; timers due by then fire.
``outage``
    A ``LoopbackProxy`` in front of ``market``: an entry whose URL is ``outage.url`` loses the
    server on ``await outage.stop()`` (connections refused, as when the server is down) and gets
    it back on ``await outage.start()``. ``proxied_entry`` is ``joined_entry`` behind it, loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage import intent as cs_intent
from custom_components.community_storage.assist import household_choice
from custom_components.community_storage.assist.sentence_installer import async_install_sentences
from custom_components.community_storage.const import (
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_POWER_ENTITY,
    CONF_BATTERY_SOC_ENTITY,
    CONF_HOUSEHOLD_ID,
    CONF_HOUSEHOLD_NAME,
    CONF_LOAD_ENTITY,
    CONF_PV_ENTITY,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from custom_components.community_storage.market_client.client import MarketClient
from market_server.market import assume_loader
from tests.corpus.scoring import RecordingAgent
from tests.market_harness import MutableClock, RunningMarket, running_market

from .delivery_day import Clocks

# The market server imports ASSUME (and pandas) lazily, in a worker thread, at its first
# clearing. Imported while a test's ``freezer`` is active, pandas' NaT type subclasses
# freezegun's fake datetime and the garbage collector recurses until the process crashes
# (Python 3.13): import it before any clock is frozen.
assume_loader.load()

MARKET_START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
COMMUNITY_NAME = "Sonnenweg"
COMMUNITY_TIME_ZONE = "Europe/Berlin"
HOUSEHOLD_NAME = "Miller"
DEMO_CAPACITY_KWH = 10.0
DEMO_SENSORS: dict[str, tuple[str, str, dict[str, Any]]] = {
    CONF_BATTERY_SOC_ENTITY: (
        "sensor.home_battery_soc",
        "55",
        {"device_class": "battery", "unit_of_measurement": "%", "state_class": "measurement"},
    ),
    CONF_BATTERY_POWER_ENTITY: (
        "sensor.home_battery_power",
        "-1200",
        {"device_class": "power", "unit_of_measurement": "W", "state_class": "measurement"},
    ),
    CONF_PV_ENTITY: (
        "sensor.pv_power",
        "2500",
        {"device_class": "power", "unit_of_measurement": "W", "state_class": "measurement"},
    ),
    CONF_LOAD_ENTITY: (
        "sensor.house_load",
        "600",
        {"device_class": "power", "unit_of_measurement": "W", "state_class": "measurement"},
    ),
}


@pytest.fixture(autouse=True)
def _home_assistant_order(request: pytest.FixtureRequest) -> None:
    """Recorder before hass, then custom integrations and the core component, if hass is used."""
    if "hass" not in request.fixturenames:
        return
    request.getfixturevalue("recorder_mock")
    request.getfixturevalue("enable_custom_integrations")
    request.getfixturevalue("_private_config_dir")
    request.getfixturevalue("_core_component")


@pytest.fixture
def _private_config_dir(hass: HomeAssistant, tmp_path: Path) -> None:
    """A config directory per test: the integration writes custom_sentences/ into it."""
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    hass.config.config_dir = str(config_dir)


@pytest.fixture
async def _core_component(hass: HomeAssistant) -> None:
    """``conversation`` (a dependency of the integration) needs the core component."""
    assert await async_setup_component(hass, "homeassistant", {})


@pytest.fixture
def market_clock() -> MutableClock:
    """The market server's clock: 2026-11-25 10:00 in the community (before gate closure)."""
    return MutableClock(MARKET_START)


@pytest.fixture
def clocks(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, market_clock: MutableClock
) -> Clocks:
    """Home Assistant's clock and the market's, moved together from ``MARKET_START``."""
    freezer.move_to(MARKET_START)
    return Clocks(hass, freezer, market_clock)


@pytest.fixture
async def market(
    socket_enabled: None, tmp_path: Path, market_clock: MutableClock
) -> AsyncIterator[RunningMarket]:
    """A real market server on 127.0.0.1 in this event loop."""
    async with running_market(
        tmp_path, clock=market_clock, name=COMMUNITY_NAME, timezone=COMMUNITY_TIME_ZONE
    ) as running:
        yield running


@pytest.fixture
def demo_sensors(hass: HomeAssistant) -> dict[str, str]:
    """Plausible states of a household's battery, PV and load sensors."""
    for entity_id, state, attributes in DEMO_SENSORS.values():
        hass.states.async_set(entity_id, state, attributes)
    return {key: entity_id for key, (entity_id, _, _) in DEMO_SENSORS.items()}


@pytest.fixture
async def joined_entry(
    hass: HomeAssistant, market: RunningMarket, demo_sensors: dict[str, str]
) -> MockConfigEntry:
    """A config entry of household "Miller", joined through the real join route."""
    await hass.config.async_set_time_zone(COMMUNITY_TIME_ZONE)
    return await join_entry(
        hass, market, HOUSEHOLD_NAME, 10.0, demo_sensors, battery_kwh=DEMO_CAPACITY_KWH
    )


async def change_options(
    hass: HomeAssistant, entry: MockConfigEntry, changes: dict[str, Any]
) -> None:
    """Some of the entry's options changed (as the options flow saves them); the update's
    listeners have run."""
    hass.config_entries.async_update_entry(entry, options={**entry.options, **changes})
    await hass.async_block_till_done()


async def join_entry(
    hass: HomeAssistant,
    market: RunningMarket,
    name: str,
    max_sell_kwh: float,
    sensors: dict[str, str],
    *,
    battery_kwh: float | None = None,
    title: str | None = None,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """A config entry of household ``name`` joined through the real join route, with
    ``sensors`` (entry data keys to entity ids) and the battery's capacity when it has one;
    added to ``hass``, not set up. The title is "name (community)" unless given."""
    code = await market.add_household(name, max_sell_kwh)
    joined = await MarketClient.join(async_get_clientsession(hass), market.url, code)
    capacity = {} if battery_kwh is None else {CONF_BATTERY_CAPACITY_KWH: battery_kwh}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title or f"{name} ({COMMUNITY_NAME})",
        unique_id=joined.household_id,
        data={
            CONF_URL: market.url,
            CONF_TOKEN: joined.token,
            CONF_HOUSEHOLD_ID: joined.household_id,
            CONF_HOUSEHOLD_NAME: name,
            **capacity,
            **sensors,
        },
        options=options or {},
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_integration(
    hass: HomeAssistant, joined_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The joined entry, set up and loaded (unloaded again before the server stops)."""
    assert await hass.config_entries.async_setup(joined_entry.entry_id)
    await hass.async_block_till_done()
    assert joined_entry.state is ConfigEntryState.LOADED
    yield joined_entry
    await _unload(hass, joined_entry)


async def _unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Stop polling before the market server goes away (no request may race its shutdown)."""
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def neighbour(market: RunningMarket) -> tuple[str, str]:
    """A second household of the same community: (household_id, token)."""
    household_id, token = await market.join_household("Schmidt", max_sell_kwh=10.0)
    return household_id, token


class LoopbackProxy:
    """A TCP relay on 127.0.0.1 that can be switched off and on (a server outage)."""

    def __init__(self, target_port: int) -> None:
        """Relay to ``target_port``; call ``start`` to listen."""
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        """The relay's URL (stable across stop/start)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen (again, on the same port once it was chosen)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)
            self._tasks.difference_update(pipes)
            for stream in (writer, up_writer):
                stream.close()
                self._writers.discard(stream)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()


@pytest.fixture
async def outage(market: RunningMarket) -> AsyncIterator[LoopbackProxy]:
    """A switchable relay in front of the market server."""
    proxy = LoopbackProxy(int(market.url.rsplit(":", 1)[1]))
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def proxied_entry(
    hass: HomeAssistant, joined_entry: MockConfigEntry, outage: LoopbackProxy
) -> AsyncIterator[MockConfigEntry]:
    """The joined entry talking to the server through ``outage``, loaded."""
    hass.config_entries.async_update_entry(
        joined_entry, data={**joined_entry.data, CONF_URL: outage.url}
    )
    assert await hass.config_entries.async_setup(joined_entry.entry_id)
    await hass.async_block_till_done()
    yield joined_entry
    await _unload(hass, joined_entry)


@pytest.fixture
async def recording_agent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> RecordingAgent:
    """Conversation set up, our intents registered, sentences installed, clock frozen."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    freezer.move_to("2026-11-25T10:00:00+01:00")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await cs_intent.async_setup_intents(hass)
    entry = MockConfigEntry(domain=DOMAIN, title="Home", options={})
    entry.add_to_hass(hass)
    result = await async_install_sentences(hass, entry)
    assert set(result.written) == {"en/community_storage.yaml", "de/community_storage.yaml"}
    agent = RecordingAgent()
    household = household_choice.Household(entry, agent)  # type: ignore[arg-type]
    monkeypatch.setattr(household_choice, "loaded_households", lambda _hass: [household])
    return agent
