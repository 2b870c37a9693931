"""Importing ASSUME via market_server.market.assume_loader: no assume.log, our logging intact.

ASSUME's ``assume/world.py`` creates ``./assume.log`` and, on a root logger without handlers,
attaches a file and a stdout handler and sets the level to INFO. Each check runs in a fresh
interpreter (ASSUME can be imported only once per process) with a temporary working directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(script: str, cwd: Path) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    *noise, last = proc.stdout.strip().splitlines()
    assert noise == [], f"unexpected output on stdout: {noise}"
    return json.loads(last)


CONFIGURED = """
    import io, json, logging, os, sys, threading
    from datetime import date

    stream = io.StringIO()
    ours = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(ours)
    root.setLevel(logging.ERROR)
    logging.getLogger("mango").setLevel(logging.DEBUG)  # a logger ASSUME would set to WARNING
    handlers_before = list(root.handlers)

    from market_server.market import assume_loader
    from market_server.market import day_clearing as market
    lazy = "assume" not in sys.modules

    barrier = threading.Barrier(8)
    loaded = []
    def load():
        barrier.wait()
        loaded.append(assume_loader.load())
    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()

    result = market.clear_day(
        date(2026, 6, 15),
        [market.BookOrder("s", "sell", 10, 70, 1), market.BookOrder("b", "buy", 10, 70, 2)],
    )
    logging.getLogger("assume.markets").error("our handler still gets this")
    logging.getLogger("assume.markets").info("below our level")
    print(json.dumps({
        "lazy": lazy,
        "imported": "assume" in sys.modules,
        "loaded_once": len({id(x) for x in loaded}) == 1 and len(loaded) == 8,
        "registered": market.PAY_AS_CLEAR_FAST in loaded[0].clearing_mechanisms,
        "handlers_same": root.handlers == handlers_before and root.handlers[0] is ours,
        "level": root.level,
        "mango_level": logging.getLogger("mango").level,
        "log_exists": os.path.exists("assume.log"),
        "captured": stream.getvalue(),
        "cleared": result.cleared_ticks,
        "file_handlers": [
            h.baseFilename for ref in logging._handlerList
            if isinstance(h := ref(), logging.FileHandler) and h.stream is not None
        ],
    }))
"""


def test_import_keeps_our_logging_config_and_writes_no_log(tmp_path: Path) -> None:
    out = _run(CONFIGURED, tmp_path)
    assert out["lazy"] is True, "importing market_server.market.day_clearing must not import ASSUME"
    assert out["imported"] is True
    assert out["loaded_once"] is True
    assert out["registered"] is True
    assert out["handlers_same"] is True
    assert out["level"] == 40
    assert out["mango_level"] == 10
    assert out["log_exists"] is False
    assert out["captured"] == "our handler still gets this\n"
    assert out["cleared"] == 10
    assert out["file_handlers"] == []
    assert list(tmp_path.iterdir()) == [], "nothing may be written to the working directory"


UNCONFIGURED = """
    import json, logging, os
    root = logging.getLogger()
    from market_server.market.assume_loader import load
    load()
    logging.getLogger("assume").warning("to stderr via lastResort, not to stdout or a file")
    logging.getLogger("assume").info("dropped: root stays at WARNING")
    print(json.dumps({"handlers": len(root.handlers), "level": root.level,
                      "existing": open("assume.log").read()}))
"""


def test_unconfigured_root_stays_unconfigured_and_existing_log_untouched(tmp_path: Path) -> None:
    (tmp_path / "assume.log").write_text("the operator's own file\n")
    out = _run(UNCONFIGURED, tmp_path)
    assert out == {"handlers": 0, "level": 30, "existing": "the operator's own file\n"}
    assert (tmp_path / "assume.log").read_text() == "the operator's own file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assume.log"]


@pytest.mark.parametrize(
    "module", ["market_server.market.day_clearing", "market_server.market.pay_as_clear_fast"]
)
def test_any_entry_point_imports_assume_quietly(tmp_path: Path, module: str) -> None:
    script = f"""
        import json, logging, os, sys
        import {module}
        import market_server.market.assume_loader as loader
        loader.load()
        print(json.dumps({{"handlers": len(logging.getLogger().handlers),
                          "log": os.path.exists("assume.log")}}))
    """
    assert _run(script, tmp_path) == {"handlers": 0, "log": False}
    assert list(tmp_path.iterdir()) == []


def test_the_loader_imports_no_mechanism_of_ours() -> None:
    """assume_loader <-> pay_as_clear_fast is one-way: the loader imports nothing of ours (the
    mechanism is registered by day_clearing through register_mechanism)."""
    import ast

    import market_server.market.assume_loader as loader

    tree = ast.parse(Path(loader.__file__).read_text())
    ours = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level > 0 or (node.module or "").startswith("market_server"))
    ]
    assert ours == []


def test_a_mechanism_registered_after_loading_is_registered_at_once() -> None:
    from market_server.market import assume_loader

    loaded = assume_loader.load()
    role = loaded.MarketRole
    try:
        assume_loader.register_mechanism("test_only_mechanism", lambda: role)
        assert loaded.clearing_mechanisms["test_only_mechanism"] is role
    finally:
        loaded.clearing_mechanisms.pop("test_only_mechanism", None)
        assume_loader._extra_mechanisms.pop("test_only_mechanism", None)
