"""Which simulated households have joined the market, kept in a JSON file between runs.

A second run of the development stack reuses the households (and their tokens) of the first, so
their orders, fills and history carry on instead of twenty new strangers joining every time.
"""

from __future__ import annotations

import json
from pathlib import Path

from .client import Membership


def load(path: Path) -> dict[str, Membership]:
    """House name -> membership; empty when the file does not exist yet."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: Membership(household_id=item["household_id"], token=item["token"])
        for name, item in data.get("households", {}).items()
    }


def save(path: Path, members: dict[str, Membership]) -> None:
    """Write atomically and readable by the owner only (the file holds tokens)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "households": {
            name: {"household_id": m.household_id, "token": m.token}
            for name, m in sorted(members.items())
        }
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
