"""Every module of the integration imports in a venv holding only what Home Assistant installs.

A stock Home Assistant installs itself, the requirements of our manifest and those of the
integrations our manifest depends on - nothing else. Our dev venvs hold every dev package, so an
undeclared import (numpy left Home Assistant's own dependencies in 2025.7, voluptuous_openapi
left in 2026.10) passes every other test and breaks real installs. Here a venv of the running
interpreter gets exactly that set, installed under Home Assistant's package constraints as Home
Assistant installs it, and imports every module of the package in a fresh process.

The venv is cached under ``.venv-bare/<key>`` (Python, Home Assistant version, requirements):
built once with uv (Home Assistant's own installer, in every venv) in well under a minute,
reused in a second.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import homeassistant
from homeassistant.const import __version__ as HA_VERSION

from custom_components.community_storage.const import DOMAIN

ROOT = Path(__file__).parents[3]
INTEGRATION = ROOT / "custom_components" / DOMAIN
HA_DIR = Path(homeassistant.__file__).parent
CACHE = ROOT / ".venv-bare"

# Runs inside the bare venv: import every module, report what failed and why.
IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pathlib, sys, traceback
    root = pathlib.Path(sys.argv[1])
    sys.path.insert(0, str(root))
    package = root / "custom_components" / "{domain}"
    names = sorted(
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for path in package.rglob("*.py")
    )
    failed = {{}}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            failed[name] = traceback.format_exc(limit=-3)
    print(json.dumps({{"modules": names, "failed": failed}}))
    """
).format(domain=DOMAIN)


def _manifest(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def requirements_home_assistant_installs() -> list[str]:
    """Our manifest's requirements plus those of every integration it depends on (recursively):
    what Home Assistant installs before it loads us."""
    ours = _manifest(INTEGRATION / "manifest.json")
    requirements = list(ours["requirements"])
    seen: set[str] = set()
    pending = list(ours["dependencies"])
    while pending:
        domain = pending.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest = _manifest(HA_DIR / "components" / domain / "manifest.json")
        requirements += manifest.get("requirements", [])
        pending += manifest.get("dependencies", [])
    return sorted(set(requirements))


def _bare_venv(requirements: list[str]) -> Path:
    """The cached venv with Home Assistant and ``requirements`` only; built when missing."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    key = hashlib.sha256(json.dumps([sys.version, HA_VERSION, requirements]).encode()).hexdigest()[
        :12
    ]
    venv = CACHE / f"py{version}-ha{HA_VERSION}-{key}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    uv = Path(sys.executable).with_name("uv")
    base = getattr(sys, "_base_executable", sys.executable)
    constraints = HA_DIR / "package_constraints.txt"
    packages = [f"homeassistant=={HA_VERSION}", *requirements]
    install: list[str | Path]
    if uv.exists():
        subprocess.run([uv, "venv", "--quiet", "--python", base, venv], check=True)
        install = [uv, "pip", "install", "--quiet", "--python", python]
    else:  # pragma: no cover - every Home Assistant since 2024 depends on uv
        subprocess.run([base, "-m", "venv", venv], check=True)
        install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*install, "-c", constraints, *packages], check=True, timeout=240)
    (venv / ".complete").touch()
    return python


def test_home_assistant_constraints_allow_our_requirements() -> None:
    """Home Assistant installs requirements under its package constraints; ours must fit them
    (a pin outside them would make the install fail on the user's machine)."""
    from packaging.requirements import Requirement

    pins: dict[str, str] = {}
    for line in (HA_DIR / "package_constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.split(";")[0].strip()
    for text in _manifest(INTEGRATION / "manifest.json")["requirements"]:
        requirement = Requirement(text)
        if (pinned := pins.get(requirement.name.lower())) is not None:
            assert requirement.specifier.contains(pinned), (text, pinned)


def test_every_module_imports_with_only_declared_requirements() -> None:
    python = _bare_venv(requirements_home_assistant_installs())
    done = subprocess.run(
        [python, "-I", "-c", IMPORT_ALL, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=CACHE,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert f"custom_components.{DOMAIN}.compat" in report["modules"]
    assert report["failed"] == {}, "\n".join(report["failed"].values())
    # The venv really is bare: none of the dev packages is importable there.
    probe = subprocess.run(
        [python, "-I", "-c", "import pytest"], capture_output=True, check=False, cwd=CACHE
    )
    assert probe.returncode != 0
