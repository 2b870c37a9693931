"""A real headless Chromium driven over the DevTools protocol (CDP) with aiohttp websockets.

Used by the operator page's browser test and by the screenshot tool. Chromium is Debian's
``chromium`` (``script/install-browser`` installs it); it only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .layout import free_port

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)
START_TIMEOUT_S = 30.0


class BrowserError(Exception):
    """Chromium could not be started or a DevTools command failed."""


def find_chromium() -> str | None:
    """Path of an installed Chromium, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Page:
    """One tab: send commands, collect console errors."""

    ws: aiohttp.ClientWebSocketResponse
    errors: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    _events: dict[str, list[asyncio.Future[Any]]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start reading the socket."""
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Stop reading and close the socket."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.ws.close()

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(BrowserError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
                continue
            self._on_event(data.get("method", ""), data.get("params", {}))

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            self.errors.append(
                "console: " + " ".join(str(a.get("value", a.get("description"))) for a in args)
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        for future in self._events.pop(method, []):
            if not future.done():
                future.set_result(params)

    async def send(self, method: str, **params: Any) -> Any:
        """Send one DevTools command and wait for its result."""
        number = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        await self.ws.send_json({"id": number, "method": method, "params": params})
        return await asyncio.wait_for(future, 60)

    def expect(self, method: str) -> asyncio.Future[Any]:
        """A future for the next event named ``method`` (register before triggering it)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._events.setdefault(method, []).append(future)
        return future

    async def goto(self, url: str) -> None:
        """Navigate and wait for the load event."""
        loaded = self.expect("Page.loadEventFired")
        await self.send("Page.navigate", url=url)
        await asyncio.wait_for(loaded, 60)

    async def evaluate(self, expression: str, timeout_s: float = 60.0) -> Any:
        """Evaluate JavaScript (promises are awaited) and return its JSON value."""
        result = await asyncio.wait_for(
            self.send(
                "Runtime.evaluate",
                expression=expression,
                awaitPromise=True,
                returnByValue=True,
            ),
            timeout_s,
        )
        if "exceptionDetails" in result:
            raise BrowserError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    async def wait_for(self, condition: str, timeout_s: float = 60.0) -> Any:
        """Resolve when the JavaScript ``condition`` becomes truthy.

        Checked on every DOM change and every 100 ms (changes inside shadow roots, as in Home
        Assistant's frontend, do not reach a document-level observer).
        """
        script = f"""new Promise((resolve) => {{
            let observer = null, timer = null;
            const check = () => {{
                let value = false;
                try {{ value = ({condition}); }} catch (error) {{ value = false; }}
                if (value) {{ observer.disconnect(); clearInterval(timer); resolve(value); }}
            }};
            observer = new MutationObserver(check);
            observer.observe(document, {{subtree: true, childList: true, attributes: true,
                                         characterData: true}});
            timer = setInterval(check, 100);
            check();
        }})"""
        return await self.evaluate(script, timeout_s)

    async def screenshot(self, width: int = 1280, height: int = 800) -> bytes:
        """A PNG of the page at the given viewport size."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])


@contextlib.asynccontextmanager
async def headless_chromium(
    session: aiohttp.ClientSession, binary: str | None = None, language: str = "en-US"
) -> AsyncIterator[Page]:
    """Start Chromium in a fresh profile, open one page, and stop Chromium afterwards."""
    binary = binary or find_chromium()
    if binary is None:
        raise BrowserError("chromium is not installed (script/install-browser installs it)")
    port = free_port()
    with tempfile.TemporaryDirectory(
        prefix="chromium-profile-", ignore_cleanup_errors=True
    ) as profile:
        # A plain Popen, not asyncio's subprocess: that one would leave a child-watcher thread
        # behind, which the test suite's cleanup check rejects. Starting it does not block.
        process = subprocess.Popen(  # noqa: ASYNC220
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "--remote-debugging-address=127.0.0.1",
                f"--lang={language}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group, so its helper processes (zygote, renderers) go with it.
            start_new_session=True,
        )
        page: Page | None = None
        try:
            target = await _first_page_target(session, port, process)
            ws = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
            page = Page(ws)
            page.start()
            for domain in ("Page", "Runtime", "Log"):
                await page.send(f"{domain}.enable")
            yield page
        finally:
            if page is not None:
                await page.close()
            # Chromium exits within a moment of SIGTERM; waiting here (not in a thread) leaves
            # no helper thread behind for the test suite's lingering-thread check.
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)
            _reap_group(process.pid)


def _reap_group(group: int) -> None:
    """Kill what is left of Chromium's process group and wait (bounded) until it is gone.

    Helpers still writing to the profile would otherwise race the profile's removal.
    """
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)


async def _first_page_target(
    session: aiohttp.ClientSession, port: int, process: subprocess.Popen[bytes]
) -> dict[str, Any]:
    """Poll DevTools' HTTP endpoint (bounded) until Chromium lists its blank page."""
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
    while asyncio.get_running_loop().time() < deadline:
        if process.poll() is not None:
            raise BrowserError(f"chromium exited with status {process.returncode}")
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return dict(pages[0])
        await asyncio.sleep(0.1)
    raise BrowserError(f"chromium did not open its DevTools port within {START_TIMEOUT_S:.0f} s")
