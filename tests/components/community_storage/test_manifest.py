"""Packaging checks the way hassfest and HACS would make them (no Home Assistant needed)."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION

from custom_components.community_storage import binary_sensor, calendar, sensor
from custom_components.community_storage.const import DOMAIN

ROOT = Path(__file__).parents[3]
INTEGRATION = ROOT / "custom_components" / DOMAIN
MANIFEST_REQUIRED = {
    "domain",
    "name",
    "codeowners",
    "config_flow",
    "dependencies",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "requirements",
    "version",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
# The keys HACS reads from hacs.json (https://hacs.xyz/docs/publish/start#hacsjson).
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}
# Both supported Home Assistant releases pin numpy in their package constraints (2025.4:
# 2.2.2, 2026.10: 2.3.2); a range that holds both installs beside either.
NUMPY_REQUIREMENT = "numpy>=2.2.2,<3"
# Rules the quality scale gained after our oldest supported release (2026.x).
NEWER_QUALITY_RULES = {"docs-conditions", "docs-triggers"}
TRANSLATION_KEY = re.compile(r"""translation_key\s*[:=]\s*(?:str\s*=\s*)?["']([a-z0-9_]+)["']""")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _leaves(tree: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, tree


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def strings() -> dict[str, Any]:
    return dict(_load(INTEGRATION / "strings.json"))


def test_manifest() -> None:
    """Required keys, domain and name first, the rest alphabetical, only HA's own libraries."""
    manifest = _load(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert set(keys) >= MANIFEST_REQUIRED
    assert manifest["domain"] == DOMAIN
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["config_flow"] is True
    # Every third-party import Home Assistant does not ship is declared (numpy left Home
    # Assistant's own dependencies in 2025.7); test_requirements_declared.py proves it.
    assert manifest["requirements"] == [NUMPY_REQUIREMENT]
    assert {"recorder", "conversation"} <= set(manifest["dependencies"])
    assert manifest["dependencies"] == sorted(manifest["dependencies"])
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")


def test_hacs_json() -> None:
    """Only keys HACS knows; the minimum Home Assistant is not newer than the one we test."""
    hacs = _load(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)


def test_brand_icon() -> None:
    """A 256 x 256 PNG."""
    data = (INTEGRATION / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20]), int.from_bytes(data[20:24])
    assert (width, height) == (256, 256)


def test_every_json_file_parses() -> None:
    """A broken JSON file breaks the integration's loading or its translations."""
    files = sorted(INTEGRATION.rglob("*.json"))
    assert INTEGRATION / "translations" / "de.json" in files
    for path in files:
        _load(path)


def test_english_translation_is_strings_json(strings: dict[str, Any]) -> None:
    """Custom integrations ship translations/en.json; it must be strings.json exactly."""
    assert _load(INTEGRATION / "translations" / "en.json") == strings


def test_german_translation_is_complete(strings: dict[str, Any]) -> None:
    """Same key tree as English, same placeholders in every sentence, nothing left English."""
    english = dict(_leaves(strings))
    german = dict(_leaves(_load(INTEGRATION / "translations" / "de.json")))
    assert set(german) == set(english)
    for key, text in english.items():
        assert _placeholders(german[key]) == _placeholders(text), key
    untranslated = [key for key, text in english.items() if german[key] == text and len(text) > 12]
    assert untranslated == []


def test_translation_keys_used_in_code_exist(strings: dict[str, Any]) -> None:
    """Every literal translation key in the package's Python code has a string."""
    known: set[str] = set(strings.get("exceptions", {})) | set(strings.get("issues", {}))
    for platform in strings.get("entity", {}).values():
        known |= set(platform)
    known |= set(strings.get("selector", {}))
    used: dict[str, str] = {}
    for path in sorted(INTEGRATION.rglob("*.py")):
        for key in TRANSLATION_KEY.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.relative_to(INTEGRATION).as_posix())
    from custom_components.community_storage import repairs

    for name in ("ISSUE_HOUSEHOLD_DISABLED", "ISSUE_UNSUPPORTED_API_VERSION"):
        used.setdefault(getattr(repairs, name), "repairs.py")
    assert used
    missing = {key: where for key, where in used.items() if key not in known}
    assert missing == {}


def test_entity_translations_and_icons(strings: dict[str, Any]) -> None:
    """Every entity description has a name and an icon under its translation key."""
    icons = _load(INTEGRATION / "icons.json")["entity"]
    descriptions = {
        "sensor": [*sensor.SENSORS, *sensor.DELIVERY_SENSORS],
        "binary_sensor": [binary_sensor.CONNECTION],
        "calendar": [calendar.CALENDAR],
    }
    for platform, items in descriptions.items():
        for description in items:
            key = description.translation_key
            assert key is not None
            assert strings["entity"][platform][key]["name"]
            assert icons[platform][key]["default"].startswith("mdi:")
    assert {k: set(v) for k, v in strings["entity"].items()} == {
        platform: {d.translation_key for d in items} for platform, items in descriptions.items()
    }


def test_config_flow_strings(strings: dict[str, Any]) -> None:
    """Steps, form errors and abort reasons of the flows have strings."""
    code = (INTEGRATION / "config_flow.py").read_text(encoding="utf-8")
    steps = set(re.findall(r'step_id="(\w+)"', code))
    assert steps == {"user", "sensors", "reauth_confirm", "reconfigure", "init"}
    assert steps - {"init"} <= set(strings["config"]["step"])
    assert "init" in strings["options"]["step"]
    errors = set(re.findall(r':\s*"(\w+)"\}', code)) | set(re.findall(r'\] = "(\w+)"', code))
    assert errors
    assert errors <= set(strings["config"]["error"]) | set(strings["options"]["error"])
    assert {"already_configured", "reauth_successful", "reconfigure_successful"} <= set(
        strings["config"]["abort"]
    )


def test_services_have_strings_and_icons(strings: dict[str, Any]) -> None:
    """Every action and field in services.yaml has a name and a description; every action
    an icon."""
    path = INTEGRATION / "services.yaml"
    services = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    icons = _load(INTEGRATION / "icons.json").get("services", {})
    assert set(icons) == set(services)
    for service, spec in services.items():
        assert icons[service]["service"].startswith("mdi:")
        texts = strings["services"][service]
        assert texts["name"] and texts["description"], service
        for field in (spec or {}).get("fields", {}):
            assert texts["fields"][field]["name"], f"{service}.{field}"
            assert texts["fields"][field]["description"], f"{service}.{field}"


def test_quality_scale_states_every_rule() -> None:
    """Every rule of Home Assistant's quality scale (nordpool, a platinum integration, lists
    them all) has a status and a comment."""
    import homeassistant

    nordpool = Path(homeassistant.__file__).parent / "components" / "nordpool"
    reference = yaml.safe_load((nordpool / "quality_scale.yaml").read_text(encoding="utf-8"))[
        "rules"
    ]
    ours = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    # Every rule of the running release; beyond them only the rules newer releases added.
    assert set(reference) <= set(ours)
    assert set(ours) - set(reference) <= NEWER_QUALITY_RULES
    for rule, value in ours.items():
        assert value["status"] in {"done", "todo", "exempt"}, rule
        assert len(value["comment"]) > 20, rule
