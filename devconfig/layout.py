"""Where the development stack keeps its state, and what it remembers between runs."""

from __future__ import annotations

import json
import socket
import string
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent / "homeassistant"


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on right now (for DevTools, or a test's own stack)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Ports:
    """The two ports the stack listens on (127.0.0.1 only)."""

    market: int = 8787
    homeassistant: int = 8123

    @classmethod
    def parse(cls, text: str) -> Ports:
        """``"8787,8123"`` -> Ports; a person-readable ValueError otherwise."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            raise ValueError(f"--ports wants MARKET,HOMEASSISTANT like 8787,8123, got {text!r}")
        market, ha = (int(part) for part in parts)
        for port in (market, ha):
            if not 1024 <= port <= 65535:
                raise ValueError(f"port {port} is outside 1024-65535")
        if market == ha:
            raise ValueError("the market server and Home Assistant need two different ports")
        return cls(market, ha)


@dataclass(frozen=True, slots=True)
class Layout:
    """Paths inside the state directory (git-ignored ``.develop/`` by default)."""

    root: Path

    @property
    def market_db(self) -> Path:
        """The market server's SQLite file."""
        return self.root / "market-data" / "market.db"

    @property
    def ha_config(self) -> Path:
        """Home Assistant's configuration directory."""
        return self.root / "homeassistant"

    @property
    def logs(self) -> Path:
        """One log file per child process."""
        return self.root / "logs"

    @property
    def roster(self) -> Path:
        """The simulated households and their tokens."""
        return self.root / "neighbourhood.json"

    @property
    def state_file(self) -> Path:
        """What the first run created (operator token, ports)."""
        return self.root / "stack.json"


@dataclass(frozen=True, slots=True)
class StackState:
    """Remembered between runs; the file is readable by its owner only (it holds a token)."""

    operator_token: str
    market_port: int
    homeassistant_port: int

    @classmethod
    def load(cls, layout: Layout) -> StackState | None:
        """The saved state, or None on a first run."""
        if not layout.state_file.exists():
            return None
        data = json.loads(layout.state_file.read_text(encoding="utf-8"))
        return cls(**data)

    def save(self, layout: Layout) -> None:
        """Write atomically, owner-only."""
        layout.root.mkdir(parents=True, exist_ok=True)
        tmp = layout.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(layout.state_file)


# Onboarding steps whose side effects we do not want: finishing "core_config" through the API
# sets up met, radio_browser, google_translate and shopping_list, which need the internet and
# runtime pip installs. Marking them done before the first start leaves only the user step, which
# the stack does through the onboarding API.
_ONBOARDING_PRESEED = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def materialise_homeassistant(layout: Layout, ports: Ports) -> None:
    """Write Home Assistant's configuration from the template; keep its ``.storage`` and database.

    ``configuration.yaml`` is rendered on every start (the template is the source of truth), and
    so are the HTTP settings of releases that keep them in storage (see http_settings); both
    custom integrations are symlinked so edits in the repository apply on the next start.
    """
    from .http_settings import http_yaml, write_http_settings  # it imports this module

    config = layout.ha_config
    custom = config / "custom_components"
    custom.mkdir(parents=True, exist_ok=True)
    onboarding = config / ".storage" / "onboarding"
    if not onboarding.exists():
        onboarding.parent.mkdir(parents=True, exist_ok=True)
        onboarding.write_text(json.dumps(_ONBOARDING_PRESEED, indent=2), encoding="utf-8")
    template = string.Template((TEMPLATE_DIR / "configuration.yaml").read_text(encoding="utf-8"))
    rendered = template.substitute(http=http_yaml(ports))
    (config / "configuration.yaml").write_text(rendered, encoding="utf-8")
    write_http_settings(layout, ports)
    links = {
        custom / "community_storage": REPO / "custom_components" / "community_storage",
        custom / "demo_house": TEMPLATE_DIR / "custom_components" / "demo_house",
        config / "dashboards": TEMPLATE_DIR / "dashboards",
    }
    for link, target in links.items():
        if link.is_symlink() and link.resolve() == target.resolve():
            continue
        if link.is_symlink() or link.is_file():
            link.unlink()
        link.symlink_to(target, target_is_directory=True)
