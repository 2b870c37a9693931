"""The pure packages stay free of Home Assistant, so the simulator and benchmarks can use them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "community_storage"
# Each pure package, and the integration packages it may import (relatively or absolutely).
PURE: dict[str, frozenset[str]] = {
    "agent": frozenset({"agent", "market_client"}),
    "language": frozenset({"language", "agent", "market_client"}),
    "market_client": frozenset({"market_client"}),
}


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every imported module name with its relative level (0 for absolute imports)."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def _integration_package(path: Path, module: str, level: int) -> str | None:
    """The top-level integration package an import reaches, or None for a third-party import."""
    if level == 0:
        prefix = "custom_components.community_storage."
        return module.removeprefix(prefix).split(".")[0] if module.startswith(prefix) else None
    here = path.parent.relative_to(INTEGRATION).parts
    base = here[: len(here) - (level - 1)]
    parts = (*base, *module.split(".")) if module else base
    return parts[0] if parts else ""


@pytest.mark.parametrize("package", sorted(PURE))
def test_pure_package_imports_no_home_assistant(package: str) -> None:
    """No module of the package imports Home Assistant or a package outside its allowed set."""
    files = sorted((INTEGRATION / package).rglob("*.py"))
    assert files
    offenders = []
    for path in files:
        for module, level in _imports(path):
            if level == 0 and module.split(".")[0] == "homeassistant":
                offenders.append(f"{path.relative_to(INTEGRATION)}: {module}")
            reached = _integration_package(path, module, level)
            if reached is not None and reached not in PURE[package]:
                offenders.append(f"{path.relative_to(INTEGRATION)}: {'.' * level}{module}")
    assert offenders == []
