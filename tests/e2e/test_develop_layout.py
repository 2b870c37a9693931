"""The pieces of script/develop that need no running services: options and the HA config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devconfig.develop import build_parser
from devconfig.layout import REPO, Layout, Ports, StackState, materialise_homeassistant


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
    assert "server_port: 18123" in (config / "configuration.yaml").read_text(encoding="utf-8")
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
    assert "server_port: 18200" in (config / "configuration.yaml").read_text(encoding="utf-8")
    assert onboarding_path.read_text(encoding="utf-8") == '{"data": {"done": ["user"]}}'


def test_state_round_trip_is_private(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "state")
    assert StackState.load(layout) is None
    StackState("secret", 8787, 8123).save(layout)
    assert StackState.load(layout) == StackState("secret", 8787, 8123)
    assert layout.state_file.stat().st_mode & 0o077 == 0
