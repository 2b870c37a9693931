"""The pieces of script/develop that need no running services: options and the HA config."""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devconfig.develop import StackError, build_parser, check_not_older
from devconfig.http_settings import stores_http_settings, write_http_settings
from devconfig.layout import REPO, Layout, Ports, StackState, materialise_homeassistant


def _http_port(config: Path) -> int:
    """Where the rendered configuration makes Home Assistant listen (127.0.0.1 only).

    Releases with stored HTTP settings (2026.10+) get them as the confirmed configuration with
    nothing on trial and no ``http:`` YAML (which they would put on a reverting trial); older
    releases get the YAML block.
    """
    yaml = (config / "configuration.yaml").read_text(encoding="utf-8")
    if not stores_http_settings():
        assert "server_host: 127.0.0.1" in yaml
        return int(yaml.split("server_port: ")[1].split()[0])
    assert "\nhttp:" not in yaml
    stored = config / ".storage" / "http"
    assert stored.stat().st_mode & 0o077 == 0
    data = json.loads(stored.read_text(encoding="utf-8"))["data"]
    assert data["pending"] is None
    assert data["yaml_migration_done"] is True
    assert data["stable"]["server_host"] == ["127.0.0.1"]
    assert data["stable"]["error"] is None
    return int(data["stable"]["server_port"])


def test_ports_parse_and_refuse_nonsense() -> None:
    assert Ports.parse("18787,18123") == Ports(18787, 18123)
    for bad in ("8787", "8787,8787", "80,8123", "a,b", "8787,8123,1"):
        with pytest.raises(ValueError):
            Ports.parse(bad)
    args = build_parser().parse_args(["--ports", "9000,9001", "--households", "3", "--headless"])
    assert args.ports == Ports(9000, 9001)
    assert args.households == 3 and args.headless


def test_materialise_renders_links_and_keeps_state(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "state")
    materialise_homeassistant(layout, Ports(18787, 18123))
    config = layout.ha_config
    assert _http_port(config) == 18123
    links = config / "custom_components"
    assert (links / "community_storage").resolve() == (
        REPO / "custom_components" / "community_storage"
    )
    assert (links / "demo_house" / "manifest.json").exists()
    onboarding = json.loads((config / ".storage" / "onboarding").read_text(encoding="utf-8"))
    assert "user" not in onboarding["data"]["done"]

    # A later start re-renders the configuration but never touches Home Assistant's storage.
    onboarding_path = config / ".storage" / "onboarding"
    onboarding_path.write_text('{"data": {"done": ["user"]}}', encoding="utf-8")
    materialise_homeassistant(layout, Ports(18787, 18200))
    assert _http_port(config) == 18200
    assert onboarding_path.read_text(encoding="utf-8") == '{"data": {"done": ["user"]}}'


def test_state_round_trip_is_private(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "state")
    assert StackState.load(layout) is None
    StackState("secret", 8787, 8123).save(layout)
    assert StackState.load(layout) == StackState("secret", 8787, 8123)
    assert layout.state_file.stat().st_mode & 0o077 == 0


def test_stored_http_settings_keep_the_users_and_drop_a_trial(tmp_path: Path) -> None:
    """What else is stored (set in Home Assistant's UI) stays; a pending trial does not.

    Nobody confirms a trial in the stack, so Home Assistant would revert and restart after five
    minutes. Releases that take ``http:`` from YAML get no store at all.
    """
    layout = Layout(tmp_path / "state")
    materialise_homeassistant(layout, Ports(18787, 18123))
    stored = layout.ha_config / ".storage" / "http"
    if not stores_http_settings():
        assert not stored.exists()
        assert write_http_settings(layout, Ports(18787, 18124)) is False
        return
    document = json.loads(stored.read_text(encoding="utf-8"))
    stable = document["data"]["stable"]
    document["data"]["stable"] = {**stable, "cors_allowed_origins": ["https://example.org"]}
    document["data"]["pending"] = {**stable, "server_port": 18999, "error": None}
    stored.write_text(json.dumps(document), encoding="utf-8")

    assert write_http_settings(layout, Ports(18787, 18124)) is True
    data = json.loads(stored.read_text(encoding="utf-8"))["data"]
    assert data["pending"] is None
    assert data["stable"]["server_port"] == 18124
    assert data["stable"]["cors_allowed_origins"] == ["https://example.org"]


DASHBOARD = REPO / "devconfig" / "homeassistant" / "dashboards" / "community_storage.yaml"


def dashboard_entities(config: Any) -> set[str]:
    """Every entity id a dashboard's cards name."""
    found: set[str] = set()
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "entity" and isinstance(value, str):
                found.add(value)
            elif key == "entities" and isinstance(value, list):
                found |= {item for item in value if isinstance(item, str)}
                found |= dashboard_entities(value)
            else:
                found |= dashboard_entities(value)
    elif isinstance(config, list):
        for item in config:
            found |= dashboard_entities(item)
    return found


def test_the_documented_dashboard_is_the_demos() -> None:
    """docs/home-assistant.md shows exactly the dashboard the stack serves, and the stack's
    configuration registers it (the smoke test checks its entities exist in Home Assistant)."""
    served = yaml.safe_load(DASHBOARD.read_text(encoding="utf-8"))
    docs = (REPO / "docs" / "home-assistant.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    documented = [yaml.safe_load(block) for block in blocks]
    assert served in documented
    cards = {card["type"] for view in served["views"] for card in view["cards"]}
    assert {"statistics-graph", "calendar", "history-graph"} <= cards
    assert {"calendar.house_trades", "sensor.flat_virtual_battery"} <= dashboard_entities(served)
    template = (REPO / "devconfig" / "homeassistant" / "configuration.yaml").read_text("utf-8")
    assert "filename: dashboards/community_storage.yaml" in template


def test_a_state_dir_a_newer_release_ran_is_refused(tmp_path: Path) -> None:
    """Home Assistant migrates its database forward: an older release must not open it."""
    layout = Layout(tmp_path / "state")
    check_not_older(layout)  # a fresh state directory
    layout.ha_config.mkdir(parents=True)
    marker = layout.ha_config / ".HA_VERSION"
    marker.write_text(importlib.metadata.version("homeassistant"), encoding="utf-8")
    check_not_older(layout)  # the same release again
    marker.write_text("2999.1.0", encoding="utf-8")
    with pytest.raises(StackError, match=r"last run by Home Assistant 2999\.1\.0"):
        check_not_older(layout)
