"""A `market-server serve` subprocess for tests: start, wait until healthy (bounded), kill."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


def cli_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).parent / "market-server"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "market_server.cli"]


def run_cli(
    db_url: str, *args: str, cwd: Path, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MARKET_SERVER_DB", None)
    proc = subprocess.run(
        [*cli_command(), "--db", db_url, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"market-server {' '.join(args)} failed: {proc.stderr}")
    return proc


def run_cli_json(db_url: str, *args: str, cwd: Path) -> Any:
    return json.loads(run_cli(db_url, *args, "--json", cwd=cwd).stdout)


class ServeProcess:
    def __init__(self, db_url: str, workdir: Path, *extra: str) -> None:
        self.db_url = db_url
        self.workdir = workdir
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log = workdir / "serve.log"

    def start(self, deadline_s: float = 60) -> str:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log.write_text("")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*cli_command(), "--db", self.db_url, "serve", "--port", "0", *self.extra],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited early: {self.log.read_text()}")
            found = _LISTENING.search(self.log.read_text())
            if found:
                self.url = f"http://127.0.0.1:{found.group(1)}"
                if self._healthy():
                    return self.url
            time.sleep(0.05)  # polling interval, bounded by the deadline
        self.kill()
        raise AssertionError(f"serve did not become healthy: {self.log.read_text()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        return code

    def __enter__(self) -> ServeProcess:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        """A clean shutdown (SIGTERM) after the block; SIGKILL when the block failed."""
        if self.proc is not None:
            self.kill(signal.SIGTERM if exc_type is None else signal.SIGKILL)


def http(
    method: str, url: str, token: str | None = None, body: Any = None, timeout: float = 60
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
