"""script/develop as a newcomer uses it: start, talk to Assist, see the orders, stop, start again.

Real processes all the way: ``script/develop --headless --households 5`` in a fresh state
directory on free ports starts the market server, the simulated neighbourhood and Home
Assistant; the test logs in through Home Assistant's normal auth flow, speaks both seed
sentences to ``POST /api/conversation/process``, checks the replies against the orders the market
server holds for the demo house, stops everything with SIGINT and makes sure no process of the
stack is left. A second start, with Home Assistant moved to another port (``--ports``), must reuse
the first one's state, come up well within a minute and serve on the new port.

Home Assistant 2026.10 and later put an ``http:`` YAML block on a five-minute trial that reverts
and restarts unless someone confirms it. Instead of waiting the window out, both starts ask Home
Assistant itself (``http/config``) that no configuration is pending and no revert is scheduled,
and that no ``http`` repair is raised: then nothing happens when the window would have ended.

``DEVELOP_HA=latest`` runs the stack on another release than the test's own venv (script/test's
third row: the newest Home Assistant on PyPI, which no pytest plugin pins yet).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import psutil
import pytest
import yaml

from devconfig import ha_api
from devconfig.layout import free_port

from .test_develop_layout import DASHBOARD, dashboard_entities

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
HOLIDAY = "We're going on holiday for a week and won't need our battery storage."
RENOVATION = "I'll be renovating next week during the evenings and need storage capacity."
HA_RELEASE = os.environ.get("DEVELOP_HA") or (
    "newest" if Path(sys.prefix).resolve() == (REPO / ".venv-newest").resolve() else "oldest"
)


def _expected_release() -> str:
    """The Home Assistant version the stack must run: the latest lock's pin, else this venv's."""
    if HA_RELEASE == "latest":
        lock = (REPO / "requirements-latest.lock").read_text(encoding="utf-8")
        return re.findall(r"(?m)^homeassistant==(\S+)$", lock)[0]
    return importlib.metadata.version("homeassistant")


FIRST_START_TIMEOUT_S = 420.0
SECOND_START_LIMIT_S = 60.0


@dataclass
class Stack:
    """One running ``script/develop`` and what it spawned."""

    process: subprocess.Popen[bytes]
    output: Path
    state_dir: Path
    market_url: str
    ha_url: str

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def operator_token(self) -> str:
        state = json.loads((self.state_dir / "stack.json").read_text(encoding="utf-8"))
        return str(state["operator_token"])


def _start(
    state_dir: Path, market_port: int, ha_port: int, output: Path, households: int = 5
) -> Stack:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    process = subprocess.Popen(
        [
            str(REPO / "script" / "develop"),
            # The Home Assistant of the venv running this test: script/test runs it on both.
            "--ha",
            HA_RELEASE,
            "--headless",
            "--households",
            str(households),
            "--state-dir",
            str(state_dir),
            "--ports",
            f"{market_port},{ha_port}",
        ],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return Stack(
        process,
        output,
        state_dir,
        f"http://127.0.0.1:{market_port}",
        f"http://127.0.0.1:{ha_port}",
    )


async def _wait_up(stack: Stack, timeout_s: float) -> float:
    """Poll (bounded) until the command prints that the stack is up; returns the seconds taken."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if "development stack is up" in stack.text():
            return time.monotonic() - started
        if stack.process.poll() is not None:
            pytest.fail(f"script/develop exited with {stack.process.returncode}:\n{stack.text()}")
        await asyncio.sleep(0.25)
    pytest.fail(f"script/develop was not up after {timeout_s:.0f} s:\n{stack.text()}")


def _stop(stack: Stack) -> list[psutil.Process]:
    """SIGINT, as Ctrl-C would; returns what was running just before."""
    spawned = stack.descendants()
    assert spawned, "script/develop started no processes"
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(120) == 0, stack.text()
    return spawned


def _assert_all_gone(spawned: list[psutil.Process]) -> None:
    _gone, alive = psutil.wait_procs(spawned, timeout=10)
    left = [f"{p.pid} {' '.join(p.cmdline())}" for p in alive if p.status() != "zombie"]
    assert left == [], f"processes left behind: {left}"


@pytest.fixture
def stack_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh state directory; whatever happens, nothing of the stack outlives the test."""
    yield tmp_path / "state"
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(tmp_path) in cmdline and proc.pid != os.getpid():
            proc.kill()


async def _demo_orders(session: aiohttp.ClientSession, stack: Stack) -> list[dict[str, Any]]:
    async with session.get(
        f"{stack.market_url}/api/v1/operator/orders",
        headers={"Authorization": f"Bearer {stack.operator_token()}"},
    ) as response:
        assert response.status == 200
        orders = (await response.json())["orders"]
    return [o for o in orders if o["household_name"] in ("House", "Flat")]


async def _assert_no_http_trial(
    session: aiohttp.ClientSession, login: ha_api.Login, ha_port: int
) -> None:
    """Nothing for anyone to confirm: Home Assistant will not revert and restart in five minutes.

    Releases with stored HTTP settings report them (``http/config``): the stack's host and port
    must be the stable, confirmed ones, with nothing pending and no revert scheduled
    (``revert_at`` is when Home Assistant's own timer would fire). Older releases do not know the
    command; they take ``http:`` from YAML and have no trial.
    """
    (repairs,) = await ha_api.websocket_commands(session, login, [{"type": "repairs/list_issues"}])
    assert [i for i in repairs["issues"] if i["domain"] == "http"] == []
    try:
        (config,) = await ha_api.websocket_commands(session, login, [{"type": "http/config"}])
    except ha_api.HomeAssistantError as err:
        assert "unknown_command" in str(err), err
        return
    assert config["pending"] is None, config
    assert config["revert_at"] is None, config
    assert config["active_config_type"] == "stable", config
    assert config["stable"]["server_host"] == ["127.0.0.1"]
    assert config["stable"]["server_port"] == ha_port


def _numbers(text: str) -> set[str]:
    """The numbers a reply says, written the one way ``_figures`` writes them ("8" = "8.0")."""
    return {f"{float(n.replace(',', '.')):.1f}" for n in re.findall(r"\d+(?:[.,]\d+)?", text)}


def _figures(orders: list[dict[str, Any]]) -> set[str]:
    """The kWh figures a truthful reply can quote: per order-day and in total, ordered or filled."""
    figures = set()
    for key in ("volume_kwh", "filled_kwh"):
        figures |= {f"{o[key]:.1f}" for o in orders}
        figures.add(f"{sum(o[key] for o in orders):.1f}")
    return figures - {"0.0"}


async def test_develop_smoke(stack_dir: Path, tmp_path: Path, socket_enabled: None) -> None:
    market_port, ha_port = free_port(), free_port()
    stack = _start(stack_dir, market_port, ha_port, tmp_path / "first.log")
    try:
        await _wait_up(stack, FIRST_START_TIMEOUT_S)
        banner = stack.text()
        assert stack.ha_url in banner and stack.market_url in banner
        assert "demo / demo1234" in banner

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            # The neighbourhood's households joined and trade.
            async with session.get(
                f"{stack.market_url}/api/v1/operator/households",
                headers={"Authorization": f"Bearer {stack.operator_token()}"},
            ) as response:
                households = (await response.json())["households"]
            # Five simulated neighbours and the two demo households (house and flat).
            assert len(households) == 7
            assert all(h["joined"] for h in households)

            login = await ha_api.login_with_password(session, stack.ha_url, "demo", "demo1234")
            async with session.get(f"{stack.ha_url}/api/config", headers=login.headers) as resp:
                assert (await resp.json())["version"] == _expected_release()
            await _assert_no_http_trial(session, login, ha_port)
            # The ready dashboard (docs/home-assistant.md) shows entities that exist.
            for entity_id in sorted(dashboard_entities(yaml.safe_load(DASHBOARD.read_text()))):
                async with session.get(
                    f"{stack.ha_url}/api/states/{entity_id}", headers=login.headers
                ) as response:
                    assert response.status == 200, entity_id
            # Each household is an area with its own icon (the overview's area tiles), holding
            # its market device and its sensors.
            areas, devices = await ha_api.websocket_commands(
                session,
                login,
                [{"type": "config/area_registry/list"}, {"type": "config/device_registry/list"}],
            )
            icons = {a["name"]: a.get("icon") for a in areas}
            assert icons["House"] == "mdi:home-battery" and icons["Flat"] == "mdi:home-city"
            market_devices = [
                d for d in devices if d.get("manufacturer") == "Community Storage Market"
            ]
            assert sorted(d["area_id"] for d in market_devices) == ["flat", "house"]
            # The demo households are live: their sensors have values from the simulation.
            for sensor in ("house_load", "house_battery_state_of_charge", "house_battery_capacity",
                           "flat_load"):  # fmt: skip
                async with session.get(
                    f"{stack.ha_url}/api/states/sensor.{sensor}", headers=login.headers
                ) as response:
                    assert response.status == 200
                    value = float((await response.json())["state"])
                    assert value > 0 if "state_of_charge" not in sensor else value >= 9.9
            before = await _demo_orders(session, stack)
            assert before == []

            holiday = await ha_api.converse(session, login, HOLIDAY)
            holiday_speech = ha_api.speech(holiday)
            assert holiday["response"]["response_type"] == "action_done", holiday
            sells = [o for o in await _demo_orders(session, stack) if o["side"] == "sell"]
            assert sells, holiday_speech
            sell_days = sorted(date.fromisoformat(o["day"]) for o in sells)
            # "for a week": up to seven consecutive days from the first day still open.
            today = datetime.now(ZoneInfo("Europe/Berlin")).date()
            assert len(sell_days) <= 7 and sell_days[-1] - sell_days[0] < timedelta(days=7)
            assert today <= sell_days[0] <= today + timedelta(days=2)
            assert all(0 < o["volume_kwh"] <= 9.0 for o in sells)
            assert "kWh" in holiday_speech
            assert _numbers(holiday_speech) & _figures(sells), (holiday_speech, sells)

            renovation = await ha_api.converse(session, login, RENOVATION)
            renovation_speech = ha_api.speech(renovation)
            assert renovation["response"]["response_type"] == "action_done", renovation
            buys = [o for o in await _demo_orders(session, stack) if o["side"] == "buy"]
            assert buys, renovation_speech
            # "next week": the days of the coming calendar week, Monday to Sunday.
            today = datetime.now(ZoneInfo("Europe/Berlin")).date()
            monday = today + timedelta(days=7 - today.weekday())
            buy_days = {date.fromisoformat(o["day"]) for o in buys}
            assert buy_days <= {monday + timedelta(days=i) for i in range(7)}, buy_days
            assert all(o["volume_kwh"] > 0 for o in buys)
            assert "kWh" in renovation_speech
            assert _numbers(renovation_speech) & _figures(buys), (renovation_speech, buys)
    finally:
        spawned = _stop(stack) if stack.process.poll() is None else []
    _assert_all_gone(spawned)
    for port in (market_port, ha_port):
        with socket.socket() as probe:
            # Both ports are free again for a server: like the stack's own servers (and its
            # port check), connections of ours still in TIME_WAIT do not count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))

    # A second run reuses the first one's market, households and Home Assistant, with Home
    # Assistant on another port (the integration keeps the market's URL, so the market stays).
    new_ha_port = free_port()
    again = _start(stack_dir, market_port, new_ha_port, tmp_path / "second.log")
    try:
        seconds = await _wait_up(again, SECOND_START_LIMIT_S)
        assert "initialising the market" not in again.text()
        assert "config flow" not in again.text()
        assert seconds < SECOND_START_LIMIT_S
        async with aiohttp.ClientSession() as session:
            async with session.get(
                f"{again.market_url}/api/v1/operator/households",
                headers={"Authorization": f"Bearer {again.operator_token()}"},
            ) as response:
                assert len((await response.json())["households"]) == 7
            login = await ha_api.login_with_password(session, again.ha_url, "demo", "demo1234")
            entries = await ha_api.config_entries(session, login, "community_storage")
            assert [e["state"] for e in entries] == ["loaded", "loaded"]
            await _assert_no_http_trial(session, login, new_ha_port)
    finally:
        spawned = _stop(again) if again.process.poll() is None else []
    _assert_all_gone(spawned)
