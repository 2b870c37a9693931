"""Screenshots for the README, taken from a running ``script/develop`` with headless Chromium.

    script/develop --headless &          # wait until it prints that the stack is up
    .venv/bin/python -m devconfig.screenshots

Writes docs/screenshots/homeassistant-dashboard.png, homeassistant-assist.png and
operator-page.png. Logs in to Home Assistant through its normal auth flow and hands the tokens
to the frontend the way its own login page does (``hassTokens`` in local storage).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

from . import ha_api
from .browser import Page, headless_chromium
from .develop import PASSWORD, THINGS_TO_TRY, USERNAME
from .layout import REPO, Layout, Ports, StackState

OUT = REPO / "docs" / "screenshots"
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


async def homeassistant_shots(session: aiohttp.ClientSession, base_url: str, sentence: str) -> None:
    """The Assist dialog after one sentence, then the Overview dashboard."""
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
        await page.goto(f"{base_url}/lovelace/0")
        await page.evaluate(_DEEP_QUERY)
        try:
            await page.wait_for("deepQueryAll('hui-entities-card, hui-tile-card').length > 2", 90)
        except TimeoutError:
            (OUT.parent / "screenshot-debug.png").write_bytes(await page.screenshot(1280, 860))
            raise
        await asyncio.sleep(2)  # let cards finish their first render and fonts load

        await _key(page, "a", "KeyA", 65)
        await page.wait_for("deepQueryAll('ha-voice-command-dialog').length > 0", 30)
        await asyncio.sleep(1.5)
        await page.send("Input.insertText", text=sentence)
        await _key(page, "Enter", "Enter", 13)
        await page.wait_for(
            "deepQueryAll('ha-voice-command-dialog').some((d) => deepText(d).includes('kWh'))", 90
        )
        await asyncio.sleep(1.5)
        (OUT / "homeassistant-assist.png").write_bytes(await page.screenshot(1280, 860))

        # Close Assist: the dashboard now shows what the agent did.
        await _key(page, "Escape", "Escape", 27)
        await page.wait_for("deepQueryAll('ha-voice-command-dialog[open]').length === 0", 30)
        await asyncio.sleep(3)
        (OUT / "homeassistant-dashboard.png").write_bytes(await page.screenshot(1280, 860))


async def operator_shot(session: aiohttp.ClientSession, market_url: str, token: str) -> None:
    """The operator page with the neighbourhood's market."""
    async with headless_chromium(session) as page:
        await page.goto(f"{market_url}/#token={token}")
        await page.wait_for("document.body.dataset.loaded === 'true'")
        (OUT / "operator-page.png").write_bytes(await page.screenshot(1280, 1100))


async def _main(layout: Layout, sentence: str) -> int:
    state = StackState.load(layout)
    if state is None:
        print("no stack state found: run script/develop first", file=sys.stderr)
        return 1
    ports = Ports(state.market_port, state.homeassistant_port)
    OUT.mkdir(parents=True, exist_ok=True)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await operator_shot(session, f"http://127.0.0.1:{ports.market}", state.operator_token)
        await homeassistant_shots(session, f"http://127.0.0.1:{ports.homeassistant}", sentence)
    print(f"screenshots written to {OUT}")
    return 0


def main() -> int:
    """Take the README screenshots from the running stack."""
    parser = argparse.ArgumentParser(prog="python -m devconfig.screenshots")
    parser.add_argument("--state-dir", default=str(REPO / ".develop"))
    parser.add_argument("--sentence", default=THINGS_TO_TRY[0])
    args = parser.parse_args()
    return asyncio.run(_main(Layout(Path(args.state_dir).resolve()), args.sentence))


if __name__ == "__main__":
    sys.exit(main())
