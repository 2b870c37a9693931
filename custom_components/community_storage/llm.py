"""LLM tools platform (Home Assistant 2026.8+): our intents as tools of the Assist API.

From 2026.8 the ``llm`` integration asks every integration's ``llm.py`` for its tools
(``async_get_tools(hass, llm_context, api_id)``) instead of wrapping every registered intent
itself. This platform offers our four intents to the Assist API, named
``community_storage__<Intent>`` and tagged with the integration. On older releases nothing loads
this module, and ``LLMTools`` does not exist: the function then returns None and Assist keeps
wrapping the intents itself.
"""

from __future__ import annotations

import importlib
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent
from homeassistant.helpers import llm as llm_helper

from .const import DOMAIN
from .intent import INTENTS

ASSIST_PROMPT: Final = (
    "For community storage trades (CommunityStorage tools) pass only what the user said; "
    "the household's trading agent computes volumes and prices. Repeat its figures exactly."
)


def _llm_tools_class() -> Any:
    """``LLMTools`` from wherever this Home Assistant keeps it, or None before 2026.8."""
    if (cls := getattr(llm_helper, "LLMTools", None)) is not None:
        return cls
    try:
        module = importlib.import_module("homeassistant.components.llm")
    except ImportError:
        return None
    return getattr(module, "LLMTools", None)


class CommunityStorageIntentTool(llm_helper.IntentTool):
    """An intent tool tagged with this integration."""

    integration: str | None = DOMAIN

    def __init__(self, handler: intent.IntentHandler) -> None:
        """Prefix the name with the domain, as the llm integration requires."""
        super().__init__(f"{DOMAIN}__{handler.intent_type}", handler)
        # Newer IntentTool.__init__ sets integration=None; tag it after.
        self.integration = DOMAIN


@callback
def async_get_tools(hass: HomeAssistant, llm_context: llm_helper.LLMContext, api_id: str) -> Any:
    """Our intents as Assist API tools; None for other APIs or before 2026.8."""
    llm_tools = _llm_tools_class()
    if llm_tools is None or api_id != llm_helper.LLM_API_ASSIST:
        return None
    tools = [
        CommunityStorageIntentTool(handler)
        for handler in intent.async_get(hass)
        if handler.intent_type in INTENTS
    ]
    if not tools:
        return None
    return llm_tools(tools=tools, prompt=ASSIST_PROMPT)
