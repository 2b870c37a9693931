"""The server's packages import one way: cli and http on top, then process, ledger, market,
storage; errors.py (and the package's version) below them all. A module that imports upwards
fails here, before it becomes a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import market_server

ROOT = Path(market_server.__file__).parent
# Each package may import the ones after it in this order (cli and http: everything).
ORDER = ("cli", "http", "process", "ledger", "market", "storage")


def _imports(path: Path) -> set[str]:
    """The market_server packages `path` imports (first name after market_server.)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}: relative import; write market_server.<package>")
            parts = node.module.split(".")
            if parts[0] == "market_server" and len(parts) > 1:
                found.add(parts[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "market_server" and len(parts) > 1:
                    found.add(parts[1])
    return found


def test_packages_import_downwards_only() -> None:
    upward = []
    modules = 0
    for path in sorted(ROOT.rglob("*.py")):
        package = path.relative_to(ROOT).parts[0]
        if package not in ORDER:
            continue
        modules += 1
        below = set(ORDER[ORDER.index(package) + 1 :]) | {"errors", package}
        upward += [(str(path.relative_to(ROOT)), name) for name in _imports(path) - below]
    assert modules > 40
    assert not upward, upward


def test_errors_import_nothing_of_ours() -> None:
    assert _imports(ROOT / "errors.py") == set()
