"""Install the integration's Assist sentences where the built-in agent reads them.

Home Assistant's built-in conversation agent only loads custom sentences from
``<config>/custom_sentences/<language>/*.yaml``. With the option "Install Assist sentences" on
(the default) we copy ``sentences/<language>/community_storage.yaml`` there and reload the
conversation integration. A copy the user edited is never overwritten: we remember the hash of
what we wrote, and a file whose content differs from that hash is the user's from then on.
With the option off, our untouched copies are removed again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from ..const import CONF_INSTALL_SENTENCES, DEFAULT_INSTALL_SENTENCES, DOMAIN

_LOGGER = logging.getLogger(__name__)

SOURCE_DIR: Final = Path(__file__).parents[1] / "sentences"
FILE_NAME: Final = f"{DOMAIN}.yaml"
STORAGE_KEY: Final = f"{DOMAIN}.custom_sentences"
STORAGE_VERSION: Final = 1
ISSUE_INSTALL_FAILED: Final = "sentences_install_failed"


@dataclass(frozen=True, slots=True)
class InstallResult:
    """What one install pass did, per ``<lang>/<file>``."""

    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept_user_edits: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the built-in agent must reload its sentences."""
        return bool(self.written or self.removed)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _languages() -> list[str]:
    return sorted(p.name for p in SOURCE_DIR.iterdir() if (p / FILE_NAME).is_file())


def _install(
    config_dir: Path, known: dict[str, str], install: bool
) -> tuple[InstallResult, dict[str, str]]:
    """Copy (or remove) the files; runs in the executor. Returns the result and new hashes."""
    written: list[str] = []
    removed: list[str] = []
    kept: list[str] = []
    hashes = dict(known)
    for language in _languages():
        rel = f"{language}/{FILE_NAME}"
        source = (SOURCE_DIR / rel).read_bytes()
        target = config_dir / "custom_sentences" / language / FILE_NAME
        current = target.read_bytes() if target.is_file() else None
        ours = current is not None and _digest(current) == known.get(rel)
        if current is not None and not ours and _digest(current) != _digest(source):
            # Edited by the user (or never ours): theirs from now on.
            kept.append(rel)
            hashes.pop(rel, None)
            continue
        if not install:
            if current is not None and ours:
                target.unlink()
                removed.append(rel)
            hashes.pop(rel, None)
            continue
        if current != source:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source)
            written.append(rel)
        hashes[rel] = _digest(source)
    return InstallResult(tuple(written), tuple(removed), tuple(kept)), hashes


async def async_install_sentences(hass: HomeAssistant, entry: ConfigEntry[Any]) -> InstallResult:
    """Install or remove the sentence files as the entry's option says; reload if anything changed.

    Never raises: a failure becomes a repair issue, since trading works without the sentences.
    """
    install = bool(entry.options.get(CONF_INSTALL_SENTENCES, DEFAULT_INSTALL_SENTENCES))
    store: Store[dict[str, str]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
    known = await store.async_load() or {}
    config_dir = Path(hass.config.config_dir)
    try:
        result, hashes = await hass.async_add_executor_job(_install, config_dir, known, install)
    except OSError as err:
        _LOGGER.warning("Installing the Assist sentences failed: %s", err)
        ir.async_create_issue(
            hass,
            DOMAIN,
            ISSUE_INSTALL_FAILED,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_INSTALL_FAILED,
            translation_placeholders={
                "path": str(config_dir / "custom_sentences"),
                "error": str(err),
            },
        )
        return InstallResult()

    ir.async_delete_issue(hass, DOMAIN, ISSUE_INSTALL_FAILED)
    if hashes != known:
        await store.async_save(hashes)
    for rel in result.kept_user_edits:
        _LOGGER.info("Leaving custom_sentences/%s alone: it was edited", rel)
    if result.changed and hass.services.has_service("conversation", "reload"):
        await _async_reload_languages(hass, result)
    return result


async def _async_reload_languages(hass: HomeAssistant, result: InstallResult) -> None:
    """Make the built-in agent re-read the sentences of the languages whose files changed.

    One reload per language: without a language, ``conversation.reload`` also re-reads the
    ``conversation:`` section of configuration.yaml (2026.x), which is not ours to touch and
    fails where there is no configuration.yaml. The agent caches sentences per requested
    language, which can be a regional variant ("de-CH") of our file's language ("de").
    """
    changed = {rel.split("/", maxsplit=1)[0] for rel in (*result.written, *result.removed)}
    languages = set(changed)
    configured = hass.config.language
    if configured.split("-", maxsplit=1)[0] in changed:
        languages.add(configured)
    for language in sorted(languages):
        await hass.services.async_call(
            "conversation", "reload", {"language": language}, blocking=True
        )


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Follow the option at once when the household changes it (no reload needed)."""
    await async_install_sentences(hass, entry)
