"""Write (or check) the integration's ``sentences/<lang>/community_storage.yaml`` from the gate.

A developer script, not shipped with the integration. Run by ``script/sentences``; ``--check``
exits non-zero when a file is out of step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from custom_components.community_storage.assist.sentence_gate import HEADER, LANGUAGES, render

SENTENCES_DIR = (
    Path(__file__).resolve().parent.parent / "custom_components" / "community_storage" / "sentences"
)


def document(language: str) -> str:
    """The file's text for one language."""
    body = yaml.safe_dump(render(language), allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body


def main(argv: list[str]) -> int:
    """Write every language's file, or with ``--check`` report the stale ones."""
    stale: list[Path] = []
    for language in LANGUAGES:
        path = SENTENCES_DIR / language / "community_storage.yaml"
        text = document(language)
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"out of date: {path} (run script/sentences)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
