"""Screenshots for the README, taken from a running ``script/develop`` with headless Chromium.

    script/develop --headless &          # wait until it prints that the stack is up
    .venv-latest/bin/python -m devconfig.screenshots

Writes docs/screenshots/homeassistant-assist.png (Assist over the Overview, answering the first
seed sentence; the second is said after the shot, so both households trade),
homeassistant-dashboard.png (the household's "Community storage" dashboard) and
operator-page.png (the market's week, taken last so it shows both households' trades). Logs in
to Home Assistant through its normal auth flow and hands the tokens to the frontend the way its
own login page does (``hassTokens`` in local storage). Works with every release's default
dashboard: 2026.11 sends ``/`` to its area overview (``/home/overview``), older ones to
``/lovelace/0`` with entity cards.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
from pathlib import Path

import aiohttp

from . import ha_api
from .browser import Page, headless_chromium
from .develop import PASSWORD, USERNAME
from .layout import REPO, Layout, Ports, StackState

OUT = REPO / "docs" / "screenshots"
DASHBOARD_HEIGHT = 1000
SEED_SENTENCES = (
    "We're going on holiday for a week and won't need our battery storage.",
    "I'll be renovating next week during the evenings and need storage capacity.",
)
# Any release's default dashboard has rendered: 2026.11's area tiles or older entity cards.
_OVERVIEW_READY = "deepQueryAll('hui-area-card, hui-entities-card, hui-tile-card').length > 1"
# The household's dashboard (devconfig/homeassistant/dashboards) has drawn its cards: the
# calendar, the entities and both history charts (the statistics charts may still be empty on a
# fresh stack: Home Assistant compiles hourly statistics at the top of each hour).
_DASHBOARD_READY = (
    "deepQueryAll('hui-calendar-card').length > 0 && "
    "deepQueryAll('hui-entities-card').length > 1 && "
    "deepQueryAll('hui-statistics-graph-card').length > 1 && "
    "deepQueryAll('ha-chart-base').length >= 2"
)
# Finds an element through every open shadow root (the HA frontend is made of web components).
_DEEP_QUERY = """
window.deepQueryAll = function deepQueryAll(selector, root = document) {
  const found = [...root.querySelectorAll(selector)];
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) found.push(...deepQueryAll(selector, el.shadowRoot));
  }
  return found;
};
window.deepText = function deepText(root = document.body) {
  let text = '';
  const walk = (node) => {
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) text += child.textContent + ' ';
      else walk(child);
    }
  };
  walk(root);
  return text;
};
true
"""


async def _tokens(session: aiohttp.ClientSession, base_url: str) -> dict[str, object]:
    """Access and refresh token from the login flow, shaped like the frontend stores them."""
    start = {
        "client_id": ha_api.client_id(base_url),
        "handler": ["homeassistant", None],
        "redirect_uri": f"{base_url}/?auth_callback=1",
    }
    async with session.post(f"{base_url}/auth/login_flow", json=start) as response:
        flow = await response.json()
    answer = {"client_id": ha_api.client_id(base_url), "username": USERNAME, "password": PASSWORD}
    async with session.post(f"{base_url}/auth/login_flow/{flow['flow_id']}", json=answer) as resp:
        code = (await resp.json())["result"]
    data = {"grant_type": "authorization_code", "code": code, "client_id": answer["client_id"]}
    async with session.post(f"{base_url}/auth/token", data=data) as response:
        tokens: dict[str, object] = await response.json()
    tokens["hassUrl"] = base_url
    tokens["clientId"] = answer["client_id"]
    # The frontend keeps the access token's expiry in epoch milliseconds.
    tokens["expires"] = int(time.time() * 1000) + int(str(tokens["expires_in"])) * 1000
    return tokens


async def _key(page: Page, key: str, code: str, key_code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        await page.send(
            "Input.dispatchKeyEvent",
            type=kind,
            key=key,
            code=code,
            windowsVirtualKeyCode=key_code,
            text=key if kind == "keyDown" and len(key) == 1 else "",
        )


async def _wait(page: Page, condition: str, timeout_s: float) -> None:
    """Wait for ``condition``; on a timeout leave docs/screenshot-debug.png to look at."""
    try:
        await page.wait_for(condition, timeout_s)
    except TimeoutError:
        shot = await page.send("Page.captureScreenshot", format="png")
        (OUT.parent / "screenshot-debug.png").write_bytes(base64.b64decode(shot["data"]))
        raise


async def _say(page: Page, sentence: str) -> None:
    """Type one sentence into the open Assist dialog and wait for a reply with figures."""
    before = await page.evaluate(
        "deepQueryAll('ha-voice-command-dialog').map((d) => deepText(d)).join(' ')"
        ".split('kWh').length"
    )
    await page.send("Input.insertText", text=sentence)
    await _key(page, "Enter", "Enter", 13)
    await _wait(
        page,
        "deepQueryAll('ha-voice-command-dialog').map((d) => deepText(d)).join(' ')"
        f".split('kWh').length > {before}",
        90,
    )


async def homeassistant_shots(
    session: aiohttp.ClientSession, base_url: str, sentences: tuple[str, ...]
) -> None:
    """Assist over the Overview after the first sentence, then the household's dashboard."""
    tokens = await _tokens(session, base_url)
    async with headless_chromium(session) as page:
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=860,
            deviceScaleFactor=1,
            mobile=False,
        )
        await page.goto(f"{base_url}/auth/authorize")
        await page.evaluate(f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))})")
        await page.goto(f"{base_url}/")
        await page.evaluate(_DEEP_QUERY)
        await _wait(page, _OVERVIEW_READY, 90)
        await asyncio.sleep(2)  # let cards finish their first render and fonts load

        await _key(page, "a", "KeyA", 65)
        await page.wait_for("deepQueryAll('ha-voice-command-dialog').length > 0", 30)
        await asyncio.sleep(1.5)
        await _say(page, sentences[0])
        await asyncio.sleep(1.5)
        (OUT / "homeassistant-assist.png").write_bytes(await page.screenshot(1280, 860))
        for sentence in sentences[1:]:
            await _say(page, sentence)
        await _key(page, "Escape", "Escape", 27)
        await page.wait_for("deepQueryAll('ha-voice-command-dialog[open]').length === 0", 30)

        # The household's view: what the trades mean for its batteries and money.
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=DASHBOARD_HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        await page.goto(f"{base_url}/community-storage/market")
        await page.evaluate(_DEEP_QUERY)
        await _wait(page, _DASHBOARD_READY, 90)
        await asyncio.sleep(3)  # charts animate in
        (OUT / "homeassistant-dashboard.png").write_bytes(
            await page.screenshot(1280, DASHBOARD_HEIGHT)
        )


async def operator_shot(session: aiohttp.ClientSession, market_url: str, token: str) -> None:
    """The operator page with the neighbourhood's market."""
    async with headless_chromium(session) as page:
        await page.goto(f"{market_url}/#token={token}")
        await page.wait_for("document.body.dataset.loaded === 'true'")
        (OUT / "operator-page.png").write_bytes(await page.screenshot(1280, 1100))


async def _main(layout: Layout, sentences: tuple[str, ...]) -> int:
    state = StackState.load(layout)
    if state is None:
        print("no stack state found: run script/develop first", file=sys.stderr)
        return 1
    ports = Ports(state.market_port, state.homeassistant_port)
    OUT.mkdir(parents=True, exist_ok=True)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await homeassistant_shots(session, f"http://127.0.0.1:{ports.homeassistant}", sentences)
        await operator_shot(session, f"http://127.0.0.1:{ports.market}", state.operator_token)
    print(f"screenshots written to {OUT}")
    return 0


def main() -> int:
    """Take the README screenshots from the running stack."""
    parser = argparse.ArgumentParser(prog="python -m devconfig.screenshots")
    parser.add_argument("--state-dir", default=str(REPO / ".develop"))
    parser.add_argument(
        "--sentence",
        action="append",
        help="what to say to Assist (repeatable; the shot shows the first reply; default: both "
        "seed sentences)",
    )
    args = parser.parse_args()
    sentences = tuple(args.sentence or SEED_SENTENCES)
    return asyncio.run(_main(Layout(Path(args.state_dir).resolve()), sentences))


if __name__ == "__main__":
    sys.exit(main())
