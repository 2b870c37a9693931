"""benchmarks/clearing.py still runs (tiny sizes): no timing assertions, only that it works."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "clearing.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_clearing", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("with_round", [True, False])
def test_benchmark_main_runs_with_tiny_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], with_round: bool
) -> None:
    argv = ["--sizes", "40,120", "--repeat", "2", "--workdir", str(tmp_path)]
    if not with_round:
        argv.append("--no-round")
    assert _load().main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:4] == ["orders", "assume_ms", "ours_ms", "speedup"]
    assert len(lines) == 4  # header, two sizes, JSON
    result = json.loads(lines[-1])
    assert result["orders"] == 120
    assert result["identical"] is True
    assert result["cleared_kwh"] > 0
    for key in ("assume_ms", "ours_ms", "speedup"):
        assert result[key] > 0
    assert ("round_ms" in result) is with_round
    assert not list(tmp_path.glob("round-*")), "per-run databases are cleaned up"


def test_benchmark_book_is_realistic_and_seeded() -> None:
    bench = _load()
    book = bench.make_book(2000, 7)
    assert book == bench.make_book(2000, 7)
    assert {o.side for o in book} == {"buy", "sell"}
    assert min(o.price_ticks for o in book) >= 30 and max(o.price_ticks for o in book) <= 260
    assert min(o.volume_ticks for o in book) >= 5 and max(o.volume_ticks for o in book) <= 130
    assert [o.priority for o in book] == list(range(2000))
