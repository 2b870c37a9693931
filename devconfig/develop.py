"""``script/develop``: market server, simulated neighbourhood and Home Assistant, in the foreground.

First run: initialise the market (SQLite under the state directory), let the neighbourhood's
households join, onboard Home Assistant with the user ``demo`` / ``demo1234`` and join it to the
market through the integration's config flow. Later runs reuse all of it. Ctrl-C (SIGINT) or
SIGTERM stops every child process before the command returns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from market_server.market.clock import speed_argument

from . import ha_api, processes
from .layout import REPO, Layout, Ports, StackState, materialise_homeassistant

DOMAIN = "community_storage"
USERNAME = "demo"
PASSWORD = "demo1234"
COMMUNITY_NAME = "Sonnenweg"
# Rounds every minute instead of every 15 so a demo shows prices without waiting.
ROUND_INTERVAL_S = 60
MARKET_START_TIMEOUT_S = 90.0
HA_START_TIMEOUT_S = 240.0
# A time-lapse is there to show deliveries and refunds: a fifth of the battery houses fall short
# (the neighbourhood's default tenth is none of the 20 households' 9 batteries with its seed).
TIME_LAPSE_UNRELIABLE_SHARE = 0.2
STOP_TIMEOUT_S = 30.0
THINGS_TO_TRY = (
    "We're going on holiday for a week and won't need our battery storage.",
    "I'll be renovating next week during the evenings and need storage capacity.",
    "How's the storage market doing?",
)
# The two demo households of demo_house (neighbourhood.profiles.DEMO_HOUSEHOLDS): each joins
# the market as its own member through its own config entry, with its own sensors and area.
# (market name and area, entity id prefix, kWh/day it may sell: 90 % of its battery)
HOUSEHOLDS: tuple[tuple[str, str, float], ...] = (("House", "house", 9.0), ("Flat", "flat", 0.0))
# Their areas' icons: the overview's area tiles (2026.11) tell the two apart by them.
AREA_ICONS = {"House": "mdi:home-battery", "Flat": "mdi:home-city"}


def sensor_answers(key: str, has_battery: bool) -> dict[str, str]:
    """The config flow's sensor answers for a demo household (a flat has no battery).

    Both have grid meters: a buyer's virtual battery is measured with them.
    """
    answers = {
        "pv_entity": f"sensor.{key}_pv_power",
        "load_entity": f"sensor.{key}_load",
        "grid_import_entity": f"sensor.{key}_grid_import_energy",
        "grid_export_entity": f"sensor.{key}_grid_export_energy",
    }
    if has_battery:
        answers |= {
            "battery_soc_entity": f"sensor.{key}_battery_state_of_charge",
            "battery_capacity_entity": f"sensor.{key}_battery_capacity",
            "battery_power_entity": f"sensor.{key}_battery_power",
        }
    return answers


# The demo households' tariffs (options flow): the House on the street's dynamic price
# (demo_house's sensor.electricity_price, the German day-ahead shape), the Flat on a typical
# time-of-use tariff with cheap nights and an expensive evening peak.
TARIFFS: dict[str, dict[str, object]] = {
    "house": {"tariff_source": "price_entity", "price_entity": "sensor.electricity_price"},
    "flat": {
        "tariff_source": "time_of_use",
        "tariff_schedule": "22-6: 0.29, 17-21: 0.45",
        "tariff_price": 0.36,
    },
}


def battery_control(key: str) -> str:
    """The demo battery's minimum state of charge, which the integration holds the reserve with."""
    return f"number.{key}_battery_minimum_state_of_charge"


def discharge_control(key: str) -> str:
    """The demo battery's forced discharge power, which exports the reserve in the evening."""
    return f"number.{key}_battery_discharge_power"


def household_entities(key: str, has_battery: bool) -> list[str]:
    """Every sensor and control of a demo household (for its area)."""
    keys = ["pv_power", "load", "pv_energy", "load_energy", "grid_import_energy"]
    keys += ["grid_export_energy"]
    if has_battery:
        keys += ["battery_state_of_charge", "battery_capacity", "battery_power"]
    entities = [f"sensor.{key}_{name}" for name in keys]
    if not has_battery:
        return entities
    return [*entities, battery_control(key), discharge_control(key)]


class StackError(Exception):
    """The stack could not be brought up; the message says what to look at."""


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _bin(name: str) -> str:
    """A console script of the project's virtualenv (next to this interpreter)."""
    return str(Path(sys.executable).with_name(name))


def _market_cli(layout: Layout, *args: str) -> dict[str, object]:
    """Run ``market-server --db ... <args> --json`` and return its JSON."""
    argv = [_bin("market-server"), "--db", str(layout.market_db), *args, "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise StackError(f"`market-server {' '.join(args)}` failed:\n{done.stderr.strip()}")
    result: dict[str, object] = json.loads(done.stdout)
    return result


def prepare_market(layout: Layout, ports: Ports) -> StackState:
    """Initialise the market on the first run; reuse its operator token afterwards."""
    state = StackState.load(layout)
    if state is not None and layout.market_db.exists():
        state = StackState(state.operator_token, ports.market, ports.homeassistant)
        state.save(layout)
        return state
    layout.market_db.parent.mkdir(parents=True, exist_ok=True)
    if layout.market_db.exists():
        # A database without our state file: issue a fresh operator token for the stack.
        token = str(_market_cli(layout, "operator-token")["operator_token"])
    else:
        _say(f"initialising the market in {layout.market_db}")
        created = _market_cli(
            layout,
            "init",
            "--name",
            COMMUNITY_NAME,
            "--round-interval",
            str(ROUND_INTERVAL_S),
        )
        token = str(created["operator_token"])
    state = StackState(token, ports.market, ports.homeassistant)
    state.save(layout)
    return state


def market_resume_time(layout: Layout) -> list[str]:
    """``--now`` of the market's last round when that is ahead of real time, else nothing.

    A time-lapse leaves the market's calendar ahead of today; the next run continues from
    there, so that its days, gates and settlements stay in order.
    """
    rounds = _market_cli(layout, "rounds", "--limit", "1").get("rounds")
    if not isinstance(rounds, list) or not rounds:
        return []
    last = datetime.fromisoformat(str(rounds[0]["finished_at"]))
    return ["--now", last.isoformat(timespec="seconds")] if last > datetime.now(UTC) else []


async def _wait_until(
    what: str,
    check: Callable[[], Awaitable[bool]],
    child: processes.Child,
    timeout_s: float,
) -> None:
    """Poll ``check`` (bounded) until it is true; fail early if ``child`` died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not child.running:
            raise StackError(f"{child.name} exited while {what}:\n{child.log_tail()}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ha_api.HomeAssistantError):
            if await check():
                return
        await asyncio.sleep(0.5)
    raise StackError(f"{child.name} was not {what} after {timeout_s:.0f} s:\n{child.log_tail()}")


async def _http_ok(
    session: aiohttp.ClientSession, url: str, statuses: tuple[int, ...] = (200,)
) -> bool:
    # Home Assistant's /auth/providers answers 400 "onboarding_required" before onboarding.
    async with session.get(url) as response:
        return response.status in statuses


async def _entities_exist(
    session: aiohttp.ClientSession, login: ha_api.Login, base_url: str, entities: list[str]
) -> bool:
    """Whether Home Assistant has a state for every one of ``entities``."""
    for entity_id in entities:
        async with session.get(f"{base_url}/api/states/{entity_id}", headers=login.headers) as r:
            if r.status != 200:
                return False
    return True


async def connect_homeassistant(
    session: aiohttp.ClientSession,
    layout: Layout,
    base_url: str,
    market_url: str,
    hass: processes.Child,
) -> tuple[ha_api.Login, list[str]]:
    """Onboard on the first run, log in, and join every demo household not joined yet.

    Returns the login and the names of the households joined now (their areas are set once
    their entries are loaded).
    """
    login = await ha_api.onboard(session, base_url, USERNAME, PASSWORD, "Demo")
    entries = await ha_api.config_entries(session, login, DOMAIN)
    titles = {str(entry.get("title", "")).split(" (")[0] for entry in entries}
    joined = []
    for name, key, max_sell in HOUSEHOLDS:
        if name in titles:
            continue
        _say(f"joining Home Assistant's {name.lower()} to the local market (config flow)")
        # The config flow refuses sensors Home Assistant does not know yet, and demo_house
        # registers them only after Home Assistant's HTTP API is up.
        entities = household_entities(key, max_sell > 0)
        await _wait_until(
            f"registering the {name.lower()}'s sensors",
            functools.partial(_entities_exist, session, login, base_url, entities),
            hass,
            HA_START_TIMEOUT_S,
        )
        created = _market_cli(layout, "households", "add", name, "--max-sell-kwh", f"{max_sell:g}")
        result = await ha_api.run_config_flow(
            session,
            login,
            DOMAIN,
            {
                "url": market_url,
                "join_code": created["join_code"],
                **sensor_answers(key, has_battery=max_sell > 0),
            },
        )
        if result.get("type") != "create_entry":
            raise StackError(f"the integration's config flow did not finish: {result}")
        # The household's tariff; what a house sells is held by its battery and exported in
        # the evening: the options map the battery's controls, which the integration sets to
        # the day's reserve target and, in the dispatch window, to the power that exports it.
        answers: dict[str, object] = dict(TARIFFS[key])
        if max_sell > 0:
            answers["battery_control_entity"] = battery_control(key)
            answers["discharge_control_entity"] = discharge_control(key)
        entry = result.get("result")
        entry_id = entry.get("entry_id") if isinstance(entry, dict) else entry
        options = await ha_api.run_options_flow(session, login, str(entry_id), answers)
        if options.get("type") != "create_entry":
            raise StackError(f"the integration's options flow did not finish: {options}")
        joined.append(name)
    return login, joined


async def place_households(
    session: aiohttp.ClientSession, login: ha_api.Login, names: list[str]
) -> None:
    """Each newly joined household's market device and sensors into an area of its name."""
    if not names:
        return
    entries = await ha_api.config_entries(session, login, DOMAIN)
    placements: dict[str, dict[str, list[str]]] = {}
    for name, key, max_sell in HOUSEHOLDS:
        if name not in names:
            continue
        ids = [e["entry_id"] for e in entries if str(e.get("title", "")).split(" (")[0] == name]
        placements[name] = {
            "entries": ids,
            "entities": household_entities(key, has_battery=max_sell > 0),
        }
    await ha_api.place_in_areas(session, login, placements, AREA_ICONS)


async def _entry_loaded(session: aiohttp.ClientSession, login: ha_api.Login) -> bool:
    entries = await ha_api.config_entries(session, login, DOMAIN)
    return len(entries) >= len(HOUSEHOLDS) and all(e.get("state") == "loaded" for e in entries)


def _time_lapse(speed: int) -> str:
    """The banner's line about the market's clock (nothing at real time)."""
    if speed == 1:
        return ""
    day_s = 86_400 / speed
    day = f"{day_s:.0f} s" if day_s < 120 else f"{day_s / 60:.0f} min"
    return (
        f"  Time-lapse       the market runs {speed} times real time: a day every {day};\n"
        "                   Home Assistant's households keep real time\n"
    )


def _banner(
    ports: Ports, state: StackState, seconds: float, households: int, speed: int = 1
) -> str:
    market = f"http://127.0.0.1:{ports.market}"
    ha = f"http://127.0.0.1:{ports.homeassistant}"
    tries = "\n".join(f'    "{sentence}"' for sentence in THINGS_TO_TRY)
    return f"""
Community storage market development stack is up ({seconds:.0f} s).

  Home Assistant   {ha}
                   login: {USERNAME} / {PASSWORD}
  Market server    {market}
                   operator page: {market}/#token={state.operator_token}
  Neighbourhood    {households} simulated households trading (log: logs/neighbourhood.log)
  Your households  House (PV, 10 kWh battery: try the holiday) and Flat (no battery: try
                   the renovation), each its own market member and area in Home Assistant
{_time_lapse(speed)}
Things to try in Home Assistant's Assist (the speech bubble, top right of the Overview):
{tries}

Logs are in the state directory's logs/ folder. Press Ctrl-C to stop everything.
"""


def _child_env(layout: Layout, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return env


def _ha_pythonpath(layout: Layout) -> Path:
    """A directory holding only ``neighbourhood`` (demo_house imports its profiles)."""
    path = layout.root / "pythonpath"
    path.mkdir(parents=True, exist_ok=True)
    link = path / "neighbourhood"
    if not link.is_symlink():
        link.symlink_to(REPO / "neighbourhood", target_is_directory=True)
    return path


async def run_stack(args: argparse.Namespace) -> int:
    """Bring everything up, then watch the children until cancelled; always stop the children."""
    started = time.monotonic()
    layout: Layout = args.layout
    ports: Ports = args.ports
    state = prepare_market(layout, ports)
    market_url = f"http://127.0.0.1:{ports.market}"
    ha_url = f"http://127.0.0.1:{ports.homeassistant}"
    materialise_homeassistant(layout, ports)
    resume = market_resume_time(layout)
    if resume:
        _say(f"the market's clock continues from {resume[1]} (where the last time-lapse left it)")
    children: list[processes.Child] = []
    try:
        market = processes.start(
            "market server",
            [
                _bin("market-server"),
                "--db",
                str(layout.market_db),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports.market),
                "--speed",
                str(args.speed),
                *resume,
            ],
            log_path=layout.logs / "market-server.log",
            cwd=REPO,
            env=_child_env(layout),
        )
        children.append(market)
        hass = processes.start(
            "Home Assistant",
            [_bin("hass"), "-c", str(layout.ha_config), *_skip_unpinnable_frontend()],
            log_path=layout.logs / "homeassistant.log",
            cwd=layout.root,
            env=_child_env(layout, {"PYTHONPATH": str(_ha_pythonpath(layout))}),
        )
        children.append(hass)
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            _say(f"starting the market server on {market_url}")
            await _wait_until(
                "answering /healthz",
                lambda: _http_ok(session, f"{market_url}/healthz"),
                market,
                MARKET_START_TIMEOUT_S,
            )
            neighbourhood = processes.start(
                "neighbourhood",
                [
                    sys.executable,
                    "-m",
                    "neighbourhood",
                    "--url",
                    market_url,
                    "--households",
                    str(args.households),
                    "--roster",
                    str(layout.roster),
                    "--speed",
                    str(args.speed),
                    *(
                        ["--unreliable-share", str(TIME_LAPSE_UNRELIABLE_SHARE)]
                        if args.speed > 1
                        else []
                    ),
                ],
                log_path=layout.logs / "neighbourhood.log",
                cwd=REPO,
                env=_child_env(layout, {"MARKET_OPERATOR_TOKEN": state.operator_token}),
            )
            children.append(neighbourhood)
            _say(f"starting Home Assistant on {ha_url} (log: {layout.logs / 'homeassistant.log'})")
            await _wait_until(
                "serving its API",
                lambda: _http_ok(session, f"{ha_url}/auth/providers", (200, 400)),
                hass,
                HA_START_TIMEOUT_S,
            )
            login, joined = await connect_homeassistant(session, layout, ha_url, market_url, hass)
            await _wait_until(
                "running the integration",
                lambda: _entry_loaded(session, login),
                hass,
                HA_START_TIMEOUT_S,
            )
            await place_households(session, login, joined)
        print(
            _banner(ports, state, time.monotonic() - started, args.households, args.speed),
            flush=True,
        )
        if not args.headless and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            with contextlib.suppress(webbrowser.Error):
                webbrowser.open(ha_url)
        while True:
            for child in children:
                if not child.running:
                    raise StackError(f"{child.name} stopped unexpectedly:\n{child.log_tail()}")
            await asyncio.sleep(1.0)
    finally:
        if children:
            _say("stopping " + ", ".join(child.name for child in reversed(children)))
        # The neighbourhood first (it only talks), Home Assistant next, the market last.
        for child in reversed(children):
            child.stop(STOP_TIMEOUT_S)


def check_ports_free(ports: Ports) -> None:
    """Refuse to start when a port is taken (most likely by another script/develop)."""
    for name, port in (
        ("the market server", ports.market),
        ("Home Assistant", ports.homeassistant),
    ):
        with socket.socket() as probe:
            # Like the servers themselves: connections still in TIME_WAIT do not count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as err:
                raise StackError(
                    f"port {port} for {name} is in use ({err.strerror}); is another "
                    "script/develop running? Stop it or pick other ports with --ports"
                ) from err


def _skip_unpinnable_frontend() -> list[str]:
    """``--skip-pip-packages home-assistant-frontend`` where the venv's frontend is not the one
    this Home Assistant asks for.

    Each release's manifest pins its own home-assistant-frontend, which appears on PyPI some time
    after the release; until a lock file pins it (script/lock), the venv holds an older one.
    Without the flag Home Assistant would pip-install the one it wants at start (the stack must
    not change its venv behind the lock file's back). With it, it serves the installed one.
    """
    spec = importlib.util.find_spec("homeassistant.components.frontend")
    if spec is None or spec.origin is None:
        return []
    manifest = json.loads((Path(spec.origin).parent / "manifest.json").read_text(encoding="utf-8"))
    wanted = [
        r for r in manifest.get("requirements", []) if r.startswith("home-assistant-frontend")
    ]
    installed = f"home-assistant-frontend=={importlib.metadata.version('home-assistant-frontend')}"
    if not wanted or wanted == [installed]:
        return []
    _say(
        f"Home Assistant asks for {wanted[0]}; the lock file pins {installed}, which it serves "
        "instead (to follow the release: pin it in the requirements .in file, then script/lock)"
    )
    return ["--skip-pip-packages", "home-assistant-frontend"]


def _release(text: str) -> tuple[int, ...]:
    """``"2026.11.0"`` -> (2026, 11, 0); a beta's suffix is ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def check_not_older(layout: Layout) -> None:
    """Refuse a state directory a newer Home Assistant has run: it cannot go back.

    Home Assistant migrates its database and storage forward on start (``.HA_VERSION`` says which
    release did it last); an older release cannot read them.
    """
    marker = layout.ha_config / ".HA_VERSION"
    if not marker.exists():
        return
    last = marker.read_text(encoding="utf-8").strip()
    running = importlib.metadata.version("homeassistant")
    if _release(last) > _release(running):
        raise StackError(
            f"{layout.root} was last run by Home Assistant {last}, which migrated its database "
            f"forward; {running} cannot open it. Run it with the release that made it "
            "(script/develop --ha latest|newest|oldest) or pick another --state-dir"
        )


def check_environment() -> None:
    """Fail early, with the fix, when the venv lacks what Home Assistant would pip-install."""
    # Home Assistant installs missing requirements at runtime; the stack must not depend on that
    # (no internet but PyPI, and it would change the pinned venv behind the lock file's back).
    if importlib.util.find_spec("hass_frontend") is None:
        raise StackError(
            "Home Assistant's web frontend is not installed in this venv: the lock file must "
            "pin home-assistant-frontend (then run script/setup)"
        )


def build_parser() -> argparse.ArgumentParser:
    """The command line of script/develop."""
    parser = argparse.ArgumentParser(
        prog="script/develop",
        description="Run the market server, a simulated neighbourhood and Home Assistant with "
        "the integration, in the foreground (Ctrl-C stops everything).",
    )
    parser.add_argument(
        "--households", type=int, default=20, help="simulated households (default 20)"
    )
    parser.add_argument(
        "--headless", action="store_true", help="do not open a browser (same services)"
    )
    parser.add_argument(
        "--speed",
        type=speed_argument,
        default=1,
        help="time-lapse of the market and the neighbourhood (1 to 10000; default 1, real time): "
        "1440 shows a day's trades, deliveries and refunds in about a minute. Home Assistant "
        "keeps real time",
    )
    parser.add_argument(
        "--state-dir",
        default=str(REPO / ".develop"),
        help="where the market data, Home Assistant config and logs live (default .develop; "
        "a time-lapse keeps its own in the timelapse/ folder there)",
    )
    parser.add_argument(
        "--ports",
        type=Ports.parse,
        default=Ports(),
        metavar="MARKET,HA",
        help="ports of the market server and Home Assistant (default 8787,8123)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: run until Ctrl-C / SIGTERM; exit status 0 after a clean stop."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 1 <= args.households <= 200:
        parser.error("--households must be between 1 and 200")
    root = Path(args.state_dir).resolve()
    # A time-lapse runs the market's calendar ahead of today: its own market, neighbourhood and
    # Home Assistant, so that the real-time stack's days stay today's.
    args.layout = Layout(root / "timelapse" if args.speed > 1 else root)

    async def _main() -> int:
        # Ctrl-C or SIGTERM cancels the stack wherever it is (even half-way up); its cleanup
        # stops every child before we return.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        stack = asyncio.create_task(run_stack(args))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({stack, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stack.done():
            stopper.cancel()
            return stack.result()
        stack.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stack
        print("stopped.", flush=True)
        return 0

    try:
        check_environment()
        check_not_older(args.layout)
        check_ports_free(args.ports)
        return asyncio.run(_main())
    except StackError as err:
        print(f"\nerror: {err}", file=sys.stderr, flush=True)
        return 1
