"""Installing the Assist sentences into <config>/custom_sentences/ (assist/sentence_installer)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage import intent as cs_intent
from custom_components.community_storage.assist.sentence_gate import INTENT_UTTERANCE
from custom_components.community_storage.assist.sentence_installer import (
    FILE_NAME,
    ISSUE_INSTALL_FAILED,
    SOURCE_DIR,
    STORAGE_KEY,
    async_install_sentences,
)
from custom_components.community_storage.const import CONF_INSTALL_SENTENCES, DOMAIN

from .conftest import change_options

EN = f"en/{FILE_NAME}"
DE = f"de/{FILE_NAME}"


def _target(hass: HomeAssistant, rel: str) -> Path:
    return Path(hass.config.path("custom_sentences", rel))


def _entry(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, options=options)
    entry.add_to_hass(hass)
    return entry


async def test_fresh_install_and_reload(hass: HomeAssistant) -> None:
    """Both languages are copied and the built-in agent picks them up without a restart."""
    assert await async_setup_component(hass, "conversation", {})
    await cs_intent.async_setup_intents(hass)
    before = await conversation.async_converse(
        hass, "How is the storage market?", None, Context(), language="en"
    )
    # Loaded the English intents (and cached them) before our sentences existed.
    assert before.response.response_type == intent.IntentResponseType.ERROR

    result = await async_install_sentences(hass, _entry(hass))

    assert set(result.written) == {EN, DE}
    for rel in (EN, DE):
        assert _target(hass, rel).read_bytes() == (SOURCE_DIR / rel).read_bytes()
    after = await conversation.async_converse(
        hass, "How is the storage market?", None, Context(), language="en"
    )
    assert after.response.intent is not None
    assert after.response.intent.intent_type == INTENT_UTTERANCE


async def test_second_run_changes_nothing(hass: HomeAssistant) -> None:
    """Installing again (every setup does) writes nothing."""
    entry = _entry(hass)
    await async_install_sentences(hass, entry)
    again = await async_install_sentences(hass, entry)
    assert not again.changed
    assert again.kept_user_edits == ()


async def test_user_edit_is_never_overwritten(hass: HomeAssistant) -> None:
    """A copy the user changed stays theirs, also when the option is turned off."""
    await async_install_sentences(hass, _entry(hass))
    edited = _target(hass, EN)
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# my own tweak\n", encoding="utf-8")
    mine = edited.read_bytes()

    result = await async_install_sentences(hass, _entry(hass))
    assert result.kept_user_edits == (EN,)
    assert result.written == ()
    assert edited.read_bytes() == mine

    off = await async_install_sentences(hass, _entry(hass, **{CONF_INSTALL_SENTENCES: False}))
    assert edited.read_bytes() == mine
    assert off.removed == (DE,)
    assert not _target(hass, DE).exists()


async def test_old_copy_of_ours_is_updated(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A file we wrote in an earlier version (hash on record) is replaced by the new one."""
    old = b"language: en\nintents: {}\n"
    target = _target(hass, EN)
    target.parent.mkdir(parents=True)
    target.write_bytes(old)
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {EN: hashlib.sha256(old).hexdigest()},
    }
    result = await async_install_sentences(hass, _entry(hass))
    assert EN in result.written
    assert target.read_bytes() == (SOURCE_DIR / EN).read_bytes()


async def test_foreign_file_with_our_name_is_kept(hass: HomeAssistant) -> None:
    """A file we never wrote (no hash on record) is not ours to replace."""
    target = _target(hass, DE)
    target.parent.mkdir(parents=True)
    target.write_text("language: de\nintents: {}\n", encoding="utf-8")
    result = await async_install_sentences(hass, _entry(hass))
    assert result.kept_user_edits == (DE,)
    assert result.written == (EN,)


async def test_failure_raises_repair_issue(hass: HomeAssistant) -> None:
    """An unwritable folder becomes a repair issue, which goes away once installing works."""
    blocker = Path(hass.config.path("custom_sentences"))
    # Small test files in a temporary folder: blocking I/O is harmless here.
    blocker.write_text("not a folder", encoding="utf-8")  # noqa: ASYNC240

    result = await async_install_sentences(hass, _entry(hass))

    assert not result.changed
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_INSTALL_FAILED)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["path"] == str(blocker)

    blocker.unlink()  # noqa: ASYNC240
    result = await async_install_sentences(hass, _entry(hass))
    assert set(result.written) == {EN, DE}
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_INSTALL_FAILED) is None


@pytest.mark.parametrize("language", ["en", "de"])
def test_translations_name_the_issue(language: str) -> None:
    """The repair issue has a title and description in both languages."""
    path = SOURCE_DIR.parent / "translations" / f"{language}.json"
    issues = json.loads(path.read_text(encoding="utf-8"))["issues"]
    assert "{path}" in issues[ISSUE_INSTALL_FAILED]["description"]


async def test_option_follows_the_loaded_entry(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Setting up the household installs the sentences; turning the option off removes them."""
    assert _target(hass, EN).is_file()
    assert _target(hass, DE).is_file()

    await change_options(hass, setup_integration, {CONF_INSTALL_SENTENCES: False})
    assert not _target(hass, EN).exists()
    assert not _target(hass, DE).exists()

    await change_options(hass, setup_integration, {CONF_INSTALL_SENTENCES: True})
    assert _target(hass, EN).read_bytes() == (SOURCE_DIR / EN).read_bytes()
