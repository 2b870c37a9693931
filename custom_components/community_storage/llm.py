"""LLM tools platform (Home Assistant 2026.8+): our intents as tools of the Assist API.

From 2026.8 the ``llm`` integration asks every integration's ``llm.py`` for its tools
(``async_get_tools(hass, llm_context, api_id)``) instead of wrapping every registered intent
itself. This platform offers our four intents to the Assist API, named
``community_storage__<Intent>`` and tagged with the integration. On older releases nothing loads
this module, and ``LLMTools`` does not exist: the function then returns None and Assist keeps
wrapping the intents itself.
"""

from __future__ import annotations

from typing import Any, Final

import voluptuous as vol
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent
from homeassistant.helpers import llm as llm_helper

from .compat import llm_tools_class, tool_result
from .const import DOMAIN
from .intent import INTENTS

ASSIST_PROMPT: Final = (
    "For community storage trades (CommunityStorage tools) pass only what the user said; "
    "the household's trading agent computes volumes and prices. Repeat its figures exactly."
)


class CommunityStorageIntentTool(llm_helper.Tool):
    """One of our intents as an Assist tool: prefixed name, tagged with the integration."""

    integration: str | None = DOMAIN

    def __init__(self, handler: intent.IntentHandler) -> None:
        """Name it ``community_storage__<Intent>``; the parameters are the intent's slots."""
        self.name = f"{DOMAIN}__{handler.intent_type}"
        self.intent_type = handler.intent_type
        self.description = handler.description
        self.parameters = vol.Schema(handler.slot_schema or {})

    async def async_call(
        self,
        hass: HomeAssistant,
        tool_input: llm_helper.ToolInput,
        llm_context: llm_helper.LLMContext,
    ) -> Any:
        """Run the intent with the tool's arguments as slots; return its response as data."""
        response = await intent.async_handle(
            hass,
            platform=llm_context.platform,
            intent_type=self.intent_type,
            slots={key: {"value": value} for key, value in tool_input.tool_args.items()},
            text_input=None,
            context=llm_context.context,
            language=llm_context.language,
            assistant=llm_context.assistant,
            device_id=llm_context.device_id,
        )
        data = response.as_dict()
        data.pop("language", None)
        data.pop("card", None)
        return tool_result(data, error=response.response_type == intent.IntentResponseType.ERROR)


@callback
def async_get_tools(hass: HomeAssistant, llm_context: llm_helper.LLMContext, api_id: str) -> Any:
    """Our intents as Assist API tools; None for other APIs or before 2026.8."""
    llm_tools = llm_tools_class()
    if llm_tools is None or api_id != llm_helper.LLM_API_ASSIST:
        return None
    tools: list[llm_helper.Tool] = [
        CommunityStorageIntentTool(handler)
        for handler in intent.async_get(hass)
        if handler.intent_type in INTENTS
    ]
    if not tools:
        return None
    return llm_tools(tools=tools, prompt=ASSIST_PROMPT)
