"""The few Home Assistant HTTP calls the development stack and its smoke test make.

Everything goes through Home Assistant's public HTTP API exactly as a browser would: onboarding,
the login flow (``/auth/login_flow`` -> ``/auth/token``), config flows and conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp


class HomeAssistantError(Exception):
    """Home Assistant answered, but not the way the step needs."""


@dataclass(frozen=True, slots=True)
class Login:
    """An access token for one user of one Home Assistant."""

    base_url: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header for the REST API."""
        return {"Authorization": f"Bearer {self.access_token}"}


def client_id(base_url: str) -> str:
    """The OAuth client id Home Assistant expects from its own frontend."""
    return f"{base_url.rstrip('/')}/"


async def _json(response: aiohttp.ClientResponse, step: str) -> Any:
    if response.status >= 400:
        raise HomeAssistantError(f"{step}: HTTP {response.status}: {await response.text()}")
    return await response.json()


async def onboarding_steps_done(session: aiohttp.ClientSession, base_url: str) -> set[str]:
    """Names of the onboarding steps already done (all of them once onboarding is over)."""
    async with session.get(f"{base_url}/api/onboarding") as response:
        if response.status == 404:
            # Home Assistant stops serving the onboarding API once onboarding is complete.
            return {"user", "core_config", "analytics", "integration"}
        steps = await _json(response, "onboarding status")
    return {step["step"] for step in steps if step["done"]}


async def _token_from_code(session: aiohttp.ClientSession, base_url: str, code: str) -> Login:
    data = {"grant_type": "authorization_code", "code": code, "client_id": client_id(base_url)}
    async with session.post(f"{base_url}/auth/token", data=data) as response:
        tokens = await _json(response, "token exchange")
    return Login(base_url, tokens["access_token"])


async def onboard(
    session: aiohttp.ClientSession, base_url: str, username: str, password: str, name: str
) -> Login:
    """Do Home Assistant's onboarding as the first-run wizard would; returns the owner's login."""
    done = await onboarding_steps_done(session, base_url)
    if "user" in done:
        login = await login_with_password(session, base_url, username, password)
    else:
        body = {
            "client_id": client_id(base_url),
            "name": name,
            "username": username,
            "password": password,
            "language": "en",
        }
        async with session.post(f"{base_url}/api/onboarding/users", json=body) as response:
            code = (await _json(response, "onboarding user"))["auth_code"]
        login = await _token_from_code(session, base_url, code)
    remaining: list[tuple[str, str, dict[str, Any]]] = [
        ("core_config", "/api/onboarding/core_config", {}),
        ("analytics", "/api/onboarding/analytics", {}),
        (
            "integration",
            "/api/onboarding/integration",
            {"client_id": client_id(base_url), "redirect_uri": f"{base_url}/?auth_callback=1"},
        ),
    ]
    for step, path, body in remaining:
        if step in done:
            continue
        async with session.post(f"{base_url}{path}", json=body, headers=login.headers) as resp:
            await _json(resp, f"onboarding {step}")
    return login


async def login_with_password(
    session: aiohttp.ClientSession, base_url: str, username: str, password: str
) -> Login:
    """Log in through the normal auth flow: ``/auth/login_flow`` then ``/auth/token``."""
    start = {
        "client_id": client_id(base_url),
        "handler": ["homeassistant", None],
        "redirect_uri": f"{base_url}/?auth_callback=1",
    }
    async with session.post(f"{base_url}/auth/login_flow", json=start) as response:
        flow = await _json(response, "login flow start")
    answer = {"client_id": client_id(base_url), "username": username, "password": password}
    async with session.post(
        f"{base_url}/auth/login_flow/{flow['flow_id']}", json=answer
    ) as response:
        result = await _json(response, "login flow credentials")
    if result.get("type") != "create_entry":
        raise HomeAssistantError(f"login refused: {result.get('errors') or result}")
    return await _token_from_code(session, base_url, result["result"])


async def config_entries(session: aiohttp.ClientSession, login: Login, domain: str) -> list[Any]:
    """The config entries of ``domain``."""
    async with session.get(
        f"{login.base_url}/api/config/config_entries/entry",
        params={"domain": domain},
        headers=login.headers,
    ) as response:
        entries: list[Any] = await _json(response, "config entries")
    return entries


async def run_config_flow(
    session: aiohttp.ClientSession, login: Login, domain: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """Walk a config flow, answering each form with the fields of ``answers`` it asks for.

    Fields a form asks for that ``answers`` lacks keep the form's suggested or default value.
    Returns the final flow result (``type`` ``create_entry`` on success).
    """
    start = {"handler": domain, "show_advanced_options": False}
    return await _walk_flow(session, login, "config_entries/flow", start, answers)


async def run_options_flow(
    session: aiohttp.ClientSession, login: Login, entry_id: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """Walk a config entry's options flow like :func:`run_config_flow`."""
    start = {"handler": entry_id, "show_advanced_options": False}
    return await _walk_flow(session, login, "config_entries/options/flow", start, answers)


async def _walk_flow(
    session: aiohttp.ClientSession,
    login: Login,
    path: str,
    start: dict[str, Any],
    answers: dict[str, Any],
) -> dict[str, Any]:
    base = f"{login.base_url}/api/config/{path}"
    what = f"{start['handler']} {path}"
    async with session.post(base, json=start, headers=login.headers) as response:
        result: dict[str, Any] = await _json(response, f"{what} start")
    for _ in range(10):
        if result.get("type") != "form":
            return result
        if result.get("errors"):
            raise HomeAssistantError(f"{what} step {result['step_id']}: {result['errors']}")
        fields = {}
        for field in result.get("data_schema", []):
            key = field["name"]
            suggested = (field.get("description") or {}).get("suggested_value")
            if key in answers:
                fields[key] = answers[key]
            elif suggested is not None:
                fields[key] = suggested
            elif "default" in field:
                fields[key] = field["default"]
        async with session.post(
            f"{base}/{result['flow_id']}", json=fields, headers=login.headers
        ) as response:
            result = await _json(response, f"{what} step {result['step_id']}")
    raise HomeAssistantError(f"{what} did not finish: {result}")


async def converse(
    session: aiohttp.ClientSession, login: Login, text: str, language: str = "en"
) -> dict[str, Any]:
    """Send one sentence to Assist (``POST /api/conversation/process``)."""
    body = {"text": text, "language": language}
    async with session.post(
        f"{login.base_url}/api/conversation/process", json=body, headers=login.headers
    ) as response:
        reply: dict[str, Any] = await _json(response, "conversation")
    return reply


def speech(reply: dict[str, Any]) -> str:
    """The plain speech of a conversation reply."""
    return str(reply["response"]["speech"]["plain"]["speech"])


async def websocket_commands(
    session: aiohttp.ClientSession, login: Login, commands: list[dict[str, Any]]
) -> list[Any]:
    """Send commands over Home Assistant's websocket API (as the frontend does); their results.

    Registries (areas, devices, entities) have no REST API, only the websocket one.
    """
    url = login.base_url.replace("http", "ws", 1) + "/api/websocket"
    results: list[Any] = []
    async with session.ws_connect(url) as ws:
        hello = await ws.receive_json()
        if hello.get("type") != "auth_required":
            raise HomeAssistantError(f"websocket: unexpected greeting {hello}")
        await ws.send_json({"type": "auth", "access_token": login.access_token})
        auth = await ws.receive_json()
        if auth.get("type") != "auth_ok":
            raise HomeAssistantError(f"websocket: authentication failed: {auth}")
        for number, command in enumerate(commands, start=1):
            await ws.send_json({"id": number, **command})
            while True:
                reply = await ws.receive_json()
                if reply.get("id") == number and reply.get("type") == "result":
                    break
            if not reply.get("success"):
                raise HomeAssistantError(f"websocket {command['type']}: {reply.get('error')}")
            results.append(reply.get("result"))
    return results


async def place_in_areas(
    session: aiohttp.ClientSession,
    login: Login,
    placements: dict[str, dict[str, list[str]]],
    icons: dict[str, str] | None = None,
) -> None:
    """Put devices (by config entry id) and entities into areas, creating the areas as needed.

    ``placements`` maps an area name to ``{"entries": [...], "entities": [...]}``: every device
    of those config entries and every one of those entities ends up in the area. ``icons`` gives
    the areas it creates their icon (the tile Home Assistant 2026.11's overview shows).
    """
    areas, devices = await websocket_commands(
        session,
        login,
        [{"type": "config/area_registry/list"}, {"type": "config/device_registry/list"}],
    )
    by_name = {area["name"]: area["area_id"] for area in areas}
    commands: list[dict[str, Any]] = []
    for name in placements:
        if name not in by_name:
            create = {"type": "config/area_registry/create", "name": name}
            if icons and name in icons:
                create["icon"] = icons[name]
            (created,) = await websocket_commands(session, login, [create])
            by_name[name] = created["area_id"]
    for name, what in placements.items():
        area_id = by_name[name]
        for device in devices:
            if set(device.get("config_entries", [])) & set(what.get("entries", [])):
                commands.append(
                    {"type": "config/device_registry/update", "device_id": device["id"],
                     "area_id": area_id}
                )  # fmt: skip
        for entity_id in what.get("entities", []):
            commands.append(
                {"type": "config/entity_registry/update", "entity_id": entity_id,
                 "area_id": area_id}
            )  # fmt: skip
    if commands:
        await websocket_commands(session, login, commands)
