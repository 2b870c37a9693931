"""The phrasebooks and the error translations say the same things in English and German.

Keys and placeholders are compared, not wording: a German sentence that lost a number, or an
error the agent raises without a text in one language, fails here instead of in front of a user.
"""

from __future__ import annotations

import ast
import json
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from custom_components.community_storage.agent import errors
from custom_components.community_storage.agent.planner import AWAY_REASONS
from custom_components.community_storage.agent.plans import TIMES_OF_DAY
from custom_components.community_storage.language.speak.error_texts import (
    FALLBACK_KEY,
    load_error_texts,
)
from custom_components.community_storage.language.speak.phrases import PHRASEBOOKS, lang, phrasebook
from custom_components.community_storage.language.speak.phrases.formatting import (
    fmt_day,
    fmt_eur,
    fmt_kwh,
    fmt_number,
    fmt_price,
)
from custom_components.community_storage.market_client.models import OrderStatus, Side

INTEGRATION = Path(errors.__file__).parents[1]

# Templates whose placeholders may differ between the languages, each with the reason.
WORDING_GAPS: dict[tuple[str, str], str] = {
    # German leaves the number of days to the period phrase ("für die 5 Tage ab ..."); English
    # repeats it ("... for a total of EUR 1.68 over the 5 days").
    ("explain", "earn_span_days"): "German does not repeat the number of days",
}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _tables() -> Iterator[str]:
    for field in fields(PHRASEBOOKS["en"]):
        if isinstance(getattr(PHRASEBOOKS["en"], field.name), Mapping):
            yield field.name


@pytest.mark.parametrize("table", list(_tables()))
def test_every_phrase_key_exists_in_both_languages_with_the_same_placeholders(table: str) -> None:
    english: Mapping[str, str] = getattr(PHRASEBOOKS["en"], table)
    german: Mapping[str, str] = getattr(PHRASEBOOKS["de"], table)
    assert english.keys() == german.keys()
    for key in english:
        # Every placeholder is named: a bare "{}" could not be filled by keyword.
        assert "" not in _placeholders(english[key]) | _placeholders(german[key]), key
        if (table, key) in WORDING_GAPS:
            assert _placeholders(german[key]) < _placeholders(english[key]), key
            continue
        assert _placeholders(english[key]) == _placeholders(german[key]), (table, key)


def test_the_known_gaps_are_still_gaps() -> None:
    """A gap that a translator closed must leave the list, so the check covers it again."""
    for table, key in WORDING_GAPS:
        english = getattr(PHRASEBOOKS["en"], table)[key]
        german = getattr(PHRASEBOOKS["de"], table)[key]
        assert _placeholders(english) != _placeholders(german), (table, key)


def test_the_word_tables_cover_every_value_the_code_looks_up() -> None:
    for book in PHRASEBOOKS.values():
        assert len(book.formats["weekdays"].split()) == 7
        assert len(book.formats["months"].split()) == 12
        assert set(TIMES_OF_DAY) == book.times_of_day.keys() == book.windows.keys()
        assert set(AWAY_REASONS) <= book.reasons.keys()
        assert book.order_words.keys() == {side.value for side in Side}
        assert book.order_status.keys() == {status.value for status in OrderStatus}
        for side in Side:
            assert {f"filled_{side}", f"pending_{side}"} <= book.calendar.keys()
            for flow in ("plan", "waiting", "filled", "partial_days", "partial_volume"):
                assert f"{flow}_{side}" in book.explain
        assert "title" in book.follow_up


def test_languages_fall_back_to_english() -> None:
    assert [lang(code) for code in ("de", "de-CH", "DE", "en-GB", "fr", None)] == [
        "de", "de", "de", "en", "en", "en",
    ]  # fmt: skip
    assert phrasebook("de-AT") is PHRASEBOOKS["de"]
    assert phrasebook("nl") is PHRASEBOOKS["en"]


def test_number_and_date_formats() -> None:
    monday = date(2026, 11, 30)
    assert [fmt_kwh(7.45, "en"), fmt_kwh(8.0, "de"), fmt_kwh(7.5, "de-CH")] == [
        "7.5 kWh", "8 kWh", "7,5 kWh",
    ]  # fmt: skip
    assert [fmt_price(0.07, "en"), fmt_price(0.125, "de")] == ["EUR 0.07/kWh", "0,125 EUR/kWh"]
    assert [fmt_eur(7.56, "en"), fmt_eur(1.2, "de")] == ["EUR 7.56", "1,20 EUR"]
    assert fmt_day(monday, "en") == "Monday 30 November"
    assert fmt_day(monday, "de") == "Montag, 30. November"
    assert fmt_number(Decimal("0.07"), 3, "de") == "0,070"


@dataclass(frozen=True, slots=True)
class _Raised:
    """One place the code builds an agent error: where, which key, which placeholders."""

    where: str
    key: str
    # The placeholder names passed, or None when they are not a literal dict.
    placeholders: frozenset[str] | None


def _error_classes() -> dict[str, type[errors.TradingError]]:
    found: dict[str, type[errors.TradingError]] = {"TradingError": errors.TradingError}
    pending = [errors.TradingError]
    while pending:
        for sub in pending.pop().__subclasses__():
            found[sub.__name__] = sub
            pending.append(sub)
    return found


def _string_values(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _string_values(node.body), _string_values(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _raised_errors() -> list[_Raised]:
    """Every construction of an agent error in the integration, read from its source."""
    classes = _error_classes()
    raised: list[_Raised] = []
    for path in sorted(INTEGRATION.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in classes:
                continue
            where = f"{path.relative_to(INTEGRATION)}:{node.lineno}"
            keyword = {k.arg: k.value for k in node.keywords}
            if "translation_key" in keyword:
                keys = _string_values(keyword["translation_key"])
                assert keys is not None, f"{where}: the translation key is not a literal"
            else:
                keys = [classes[name].translation_key]
            given = node.args[1] if len(node.args) > 1 else keyword.get("placeholders")
            raised.extend(_Raised(where, key, _literal_keys(given)) for key in keys)
    return raised


def _literal_keys(given: ast.expr | None) -> frozenset[str] | None:
    """The names of a literal placeholder dict (none passed: empty; not a literal: None)."""
    if given is None:
        return frozenset()
    if not isinstance(given, ast.Dict):
        return None
    names = [k.value for k in given.keys if isinstance(k, ast.Constant)]
    return frozenset(map(str, names)) if len(names) == len(given.keys) else None


def test_every_error_the_agent_raises_has_a_text_in_english_and_german() -> None:
    raised = _raised_errors()
    # The scan itself works: the planner's validation alone builds more than ten.
    assert len(raised) > 10
    keys = {r.key for r in raised} | {cls.translation_key for cls in _error_classes().values()}
    assert FALLBACK_KEY in keys
    english, german = load_error_texts("en"), load_error_texts("de")
    for key in sorted(keys):
        assert key in english and key in german, f"no exceptions text for {key}"
        assert _placeholders(english[key]) == _placeholders(german[key]), key
    for site in raised:
        if site.placeholders is not None:
            assert _placeholders(english[site.key]) <= site.placeholders, site


def test_the_agent_reads_the_same_texts_home_assistant_shows() -> None:
    """``load_error_texts`` reads the integration's translation files, nothing of its own."""
    for language in ("en", "de"):
        path = INTEGRATION / "translations" / f"{language}.json"
        exceptions = json.loads(path.read_text(encoding="utf-8"))["exceptions"]
        assert load_error_texts(language) == {k: v["message"] for k, v in exceptions.items()}
