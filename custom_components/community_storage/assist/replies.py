"""Reply texts from the integration's translations, and the day requests count from.

Shared by the typed intents (``intent.py``), the sentence handler (``utterance.py``) and the LLM
tools, so that a failure reads the same whichever way the request came.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from ..agent.errors import TradingError
from ..agent.plans import MAX_DAYS
from ..const import DOMAIN
from ..language.speak.error_texts import spoken_placeholders
from ..language.speak.explain import error_text
from ..language.understand.dates import DateResolutionError


def household_today(hass: HomeAssistant) -> date:
    """Today's date in the household's time zone (Home Assistant's configured zone)."""
    zone = dt_util.get_time_zone(hass.config.time_zone)
    return dt_util.now(zone).date() if zone is not None else dt_util.now().date()


def reference_day(hass: HomeAssistant, trading: Any) -> date:
    """The day "tomorrow" and "next week" count from.

    Delivery days are the community's calendar days, so the agent's view of today (the market's
    date in the community's time zone, as of the last refresh) wins; before the first refresh,
    or for an agent without one, the household's own time zone decides.
    """
    today = getattr(trading, "today", None)
    if callable(today):
        try:
            return cast(date, today())
        except TradingError:
            pass
    return household_today(hass)


async def async_conversation_text(
    hass: HomeAssistant, language: str, key: str, placeholders: Mapping[str, str] | None = None
) -> str:
    """One of our ``exceptions`` translations as a sentence in the conversation's language."""
    full_key = f"component.{DOMAIN}.exceptions.{key}.message"
    template: str | None = None
    for lang in (language, "en"):
        translations = await async_get_translations(hass, lang, "exceptions", {DOMAIN})
        if (template := translations.get(full_key)) is not None:
            break
    if template is None:
        return key
    try:
        return template.format(**(placeholders or {}))
    except KeyError:
        return template


async def async_date_error_text(
    hass: HomeAssistant, language: str, err: DateResolutionError
) -> str:
    """A sentence saying why the spoken dates cannot become delivery days."""
    return await async_conversation_text(
        hass,
        language,
        f"conversation_{err.key}",
        spoken_placeholders({"value": err.value, "max_days": str(MAX_DAYS)}, language),
    )


async def async_failure_text(
    hass: HomeAssistant, language: str, err: DateResolutionError | TradingError
) -> str:
    """Why a request failed, as a sentence in the conversation's language."""
    if isinstance(err, DateResolutionError):
        return await async_date_error_text(hass, language, err)
    # Home Assistant's translation cache, not the agent's own file read, inside the event loop.
    prefix = f"component.{DOMAIN}.exceptions."
    translations = await async_get_translations(hass, language, "exceptions", {DOMAIN})
    texts = {
        key.removeprefix(prefix).removesuffix(".message"): text
        for key, text in translations.items()
        if key.startswith(prefix)
    }
    return error_text(err, language=language, texts=texts)
