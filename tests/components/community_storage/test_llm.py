"""The LLM path: our LLM API through Home Assistant's real ChatLog and tool-call plumbing.

Only the language model is scripted: a test conversation agent asks Home Assistant for the
household's LLM API exactly as OpenAI/Anthropic/Ollama integrations do, "decides" on tool calls
from a script, and lets ``ChatLog.async_add_assistant_content`` run them against the real
trading agent and the real market server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import chat_session, intent, llm
from homeassistant.helpers import config_validation as cv
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage import llm as llm_platform
from custom_components.community_storage.assist.llm_tools import API_PROMPT, api_id
from custom_components.community_storage.compat import (
    llm_tools_class,
    schema_to_openapi,
    tool_result_content_data,
    tool_result_data,
)
from custom_components.community_storage.const import (
    AUTONOMY_PROPOSE,
    CONF_AUTONOMY,
    CONF_TOKEN,
    DOMAIN,
)
from custom_components.community_storage.intent import INTENTS
from tests.market_harness import RunningMarket

from .conftest import change_options

type Script = list[Callable[[conversation.ChatLog], conversation.AssistantContent]]


def llm_context(**values: Any) -> llm.LLMContext:
    """An LLMContext built by keyword, with only the fields this Home Assistant has."""
    defaults: dict[str, Any] = {
        "platform": "scripted",
        "context": Context(),
        "user_prompt": None,
        "language": "en",
        "assistant": conversation.DOMAIN,
        "device_id": None,
    }
    names = {field.name for field in dataclasses.fields(llm.LLMContext)}
    return llm.LLMContext(**{k: v for k, v in {**defaults, **values}.items() if k in names})


class ScriptedLLMAgent(conversation.AbstractConversationAgent):
    """A conversation agent whose model replies come from a script; the rest is Home Assistant."""

    def __init__(self, hass: HomeAssistant, api: str, script: Script) -> None:
        self.hass = hass
        self.api = api
        self.script = script
        self.tool_schemas: dict[str, dict[str, Any]] = {}
        self.prompt = ""

    @property
    def supported_languages(self) -> Literal["*"]:
        return "*"

    async def async_process(
        self, user_input: conversation.ConversationInput
    ) -> conversation.ConversationResult:
        with (
            chat_session.async_get_chat_session(self.hass, user_input.conversation_id) as session,
            conversation.async_get_chat_log(self.hass, session, user_input) as chat_log,
        ):
            await chat_log.async_update_llm_data("scripted", user_input, self.api, None)
            assert chat_log.llm_api is not None
            self.prompt = chat_log.content[0].content
            # What an LLM integration sends the model: each tool's JSON schema.
            self.tool_schemas = {
                tool.name: schema_to_openapi(tool.parameters, chat_log.llm_api.custom_serializer)
                for tool in chat_log.llm_api.tools
            }
            for step in self.script:
                content = step(chat_log)
                async for _ in chat_log.async_add_assistant_content(content):
                    pass
            final = chat_log.content[-1]
            assert isinstance(final, conversation.AssistantContent)
            response = intent.IntentResponse(language=user_input.language)
            response.async_set_speech(final.content or "")
            return conversation.ConversationResult(
                response=response, conversation_id=session.conversation_id
            )


def _call(
    name: str, **args: Any
) -> Callable[[conversation.ChatLog], conversation.AssistantContent]:
    def step(_chat_log: conversation.ChatLog) -> conversation.AssistantContent:
        return conversation.AssistantContent(
            agent_id="scripted", tool_calls=[llm.ToolInput(tool_name=name, tool_args=args)]
        )

    return step


def _paraphrase(chat_log: conversation.ChatLog) -> conversation.AssistantContent:
    """The model answers with the last tool result's speech, as the prompt asks."""
    result = chat_log.content[-1]
    assert isinstance(result, conversation.ToolResultContent)
    return conversation.AssistantContent(
        agent_id="scripted", content=tool_result_content_data(result)["result"]["speech"]
    )


async def _converse(
    hass: HomeAssistant, entry: MockConfigEntry, script: Script, text: str
) -> tuple[ScriptedLLMAgent, conversation.ConversationResult, list[conversation.Content]]:
    agent_entry = MockConfigEntry(domain="scripted_llm")
    agent_entry.add_to_hass(hass)
    agent = ScriptedLLMAgent(hass, api_id(entry), script)
    conversation.async_set_agent(hass, agent_entry, agent)
    result = await conversation.async_converse(
        hass, text, None, Context(), language="en", agent_id=agent_entry.entry_id
    )
    chat_logs = hass.data[conversation.chat_log.DATA_CHAT_LOGS]
    return agent, result, chat_logs[result.conversation_id].content


async def test_api_registered_per_household_and_removed_on_unload(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The household's API is offered to LLM agents while its entry is loaded."""
    ids = {api.id for api in llm.async_get_apis(hass)}
    assert api_id(setup_integration) in ids
    await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert api_id(setup_integration) not in {api.id for api in llm.async_get_apis(hass)}


async def test_tool_schemas_are_precise_json_schema(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Every tool is prefixed, tagged and converts to a clean JSON schema without defaults."""
    instance = await llm.async_get_api(hass, api_id(setup_integration), llm_context())
    assert instance.api_prompt.startswith(API_PROMPT)
    schemas = {
        tool.name: schema_to_openapi(tool.parameters, instance.custom_serializer)
        for tool in instance.tools
    }
    assert set(schemas) == {
        f"{DOMAIN}__{name}" for name in ("plan", "reserve", "offer", "status", "cancel", "confirm")
    }
    assert all(tool.integration == DOMAIN for tool in instance.tools)  # type: ignore[attr-defined]
    plan = schemas[f"{DOMAIN}__plan"]
    assert plan["type"] == "object"
    assert plan["required"] == ["side"]
    props = plan["properties"]
    assert props["side"] == {
        "type": "string",
        "enum": ["buy", "sell"],
        "description": props["side"]["description"],
    }
    assert props["duration"]["type"] == "integer"
    assert (props["duration"]["minimum"], props["duration"]["maximum"]) == (1, 14)
    assert list(props["time_of_day"]["enum"]) == [
        "morning",
        "afternoon",
        "evening",
        "night",
        "all_day",
    ]
    assert props["kwh_per_day"]["type"] == "number"
    assert props["price_limit"]["maximum"] == 0.999
    assert props["start"]["type"] == "string"
    assert "default" not in str(schemas)
    # voluptuous-openapi (2025.x) lists "required": [] where probatio (2026.10+) leaves it out.
    assert schemas[f"{DOMAIN}__reserve"].get("required", []) == []
    status = schemas[f"{DOMAIN}__status"]
    assert (status["type"], status["properties"], status.get("required", [])) == ("object", {}, [])
    assert schemas[f"{DOMAIN}__confirm"]["required"] == ["proposal_id"]


async def test_intents_are_assist_tools(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Through the Assist API the intents are tools too: wrapped by Assist itself before
    2026.8, offered by our llm.py platform (prefixed, tagged) from 2026.8 on."""
    instance = await llm.async_get_api(hass, llm.LLM_API_ASSIST, llm_context())
    tools = {tool.name: tool for tool in instance.tools}
    prefix = f"{DOMAIN}__" if llm_tools_class() is not None else ""
    assert {prefix + name for name in INTENTS} <= set(tools)
    if prefix:
        assert all(tools[prefix + name].integration == DOMAIN for name in INTENTS)
    schema = schema_to_openapi(
        tools[f"{prefix}CommunityStorageOffer"].parameters, instance.custom_serializer
    )
    assert schema.get("required", []) == []
    assert schema["properties"]["duration"]["maximum"] == 14
    assert "default" not in str(schema)


async def test_scripted_llm_plans_then_offers(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket, neighbour: Any
) -> None:
    """Dry run, then the offer: structured results in the chat log, orders on the server."""
    start = market.open_days()[1]
    # Less than the away house expects to fill even in a dark month: a partial fill.
    await market.place(neighbour[1], "buy", start, 3, 1.0, 0.09)
    script: Script = [
        _call(
            f"{DOMAIN}__plan", side="sell", start=start.isoformat(), duration=3, reason="holiday"
        ),
        _call(f"{DOMAIN}__offer", start=start.isoformat(), duration=3, reason="holiday"),
        _paraphrase,
    ]
    agent, result, content = await _converse(
        hass, setup_integration, script, "We're away for three days, sell our battery."
    )

    assert "never invent volumes or prices" in agent.prompt
    assert set(agent.tool_schemas) >= {f"{DOMAIN}__plan", f"{DOMAIN}__offer"}
    results = [c for c in content if isinstance(c, conversation.ToolResultContent)]
    plan, offer = (tool_result_content_data(r) for r in results)
    assert plan["success"] is True
    assert offer["success"] is True
    planned = {day["day"]: day["kwh"] for day in plan["result"]["days"]}
    assert list(planned) == [(start + timedelta(days=i)).isoformat() for i in range(3)]

    body = await market.get("/api/v1/requests", setup_integration.data[CONF_TOKEN])
    (request,) = body["requests"]  # the dry run placed nothing
    assert request["request_id"] == offer["result"]["request_id"]
    assert {o["day"]: o["volume_kwh"] for o in request["orders"]} == planned
    assert offer["result"]["filled_kwh"] == sum(o["filled_kwh"] for o in request["orders"]) == 3.0
    assert offer["result"]["kind"] == "partial_volume"
    assert result.response.speech["plain"]["speech"] == offer["result"]["speech"]


async def test_scripted_llm_gets_errors_as_data(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket
) -> None:
    """A bad request comes back as a structured, translated error, and nothing is placed."""
    script: Script = [
        _call(f"{DOMAIN}__reserve", start="next_week", until="2027-01-31"),
        _call(f"{DOMAIN}__status"),
        _paraphrase,
    ]
    _, _, content = await _converse(
        hass, setup_integration, script, "Storage until the end of January"
    )
    bad, status = (
        tool_result_content_data(c)
        for c in content
        if isinstance(c, conversation.ToolResultContent)
    )
    assert bad["success"] is False
    assert bad["error"] == "too_many_days"
    assert "at most 14 days" in bad["message"]
    assert status["success"] is True
    assert status["result"]["requests"] == []
    body = await market.get("/api/v1/requests", setup_integration.data[CONF_TOKEN])
    assert body["requests"] == []


async def test_invalid_arguments_are_rejected(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Arguments outside the schema never reach the agent (ChatLog reports the error)."""
    script: Script = [_call(f"{DOMAIN}__offer", duration=30), _paraphrase_error]
    _, result, _ = await _converse(hass, setup_integration, script, "sell for a month")
    assert result.response.speech["plain"]["speech"] == "MultipleInvalid"


def _paraphrase_error(chat_log: conversation.ChatLog) -> conversation.AssistantContent:
    result = chat_log.content[-1]
    assert isinstance(result, conversation.ToolResultContent)
    return conversation.AssistantContent(
        agent_id="scripted", content=tool_result_content_data(result)["error"]
    )


@pytest.mark.skipif(
    llm_tools_class() is not None, reason="this Home Assistant has the llm platform (2026.8+)"
)
async def test_llm_platform_is_harmless_before_2026_8(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Without ``LLMTools`` (Home Assistant 2025.x) the platform offers nothing."""
    assert llm_platform.async_get_tools(hass, llm_context(), llm.LLM_API_ASSIST) is None


async def test_llm_platform_offers_prefixed_intents(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With an ``LLMTools`` class present (2026.8+), the intents come as tagged, prefixed tools.
    Before 2026.8 a stand-in class of the same shape plays Home Assistant's."""
    if (llm_tools := llm_tools_class()) is None:

        @dataclasses.dataclass
        class LLMTools:
            tools: list[llm.Tool]
            prompt: str | None = None

        monkeypatch.setattr(llm, "LLMTools", LLMTools, raising=False)
        llm_tools = LLMTools
    assert llm_platform.async_get_tools(hass, llm_context(), "some_other_api") is None
    offered = llm_platform.async_get_tools(hass, llm_context(), llm.LLM_API_ASSIST)
    assert isinstance(offered, llm_tools)
    assert {tool.name for tool in offered.tools} == {f"{DOMAIN}__{name}" for name in INTENTS}
    assert all(tool.integration == DOMAIN for tool in offered.tools)  # type: ignore[attr-defined]
    (status,) = [t for t in offered.tools if t.name.endswith("Status")]
    answer = tool_result_data(
        await status.async_call(
            hass, llm.ToolInput(tool_name=status.name, tool_args={}), llm_context()
        )
    )
    assert answer["response_type"] == "action_done"
    assert answer["speech"]["plain"]["speech"]
    assert "requests" in answer["speech_slots"]


def test_custom_serializer_is_config_validation() -> None:
    """cv.string and friends serialise through Home Assistant's own serializer."""
    assert schema_to_openapi(cv.string, cv.custom_serializer) == {"type": "string"}


def _call_with(
    name: str, **from_results: Callable[[list[dict[str, Any]]], Any]
) -> Callable[[conversation.ChatLog], conversation.AssistantContent]:
    """A tool call whose arguments the "model" reads from the tool results so far."""

    def step(chat_log: conversation.ChatLog) -> conversation.AssistantContent:
        results = [
            tool_result_content_data(c)
            for c in chat_log.content
            if isinstance(c, conversation.ToolResultContent)
        ]
        args = {key: pick(results) for key, pick in from_results.items()}
        return conversation.AssistantContent(
            agent_id="scripted", tool_calls=[llm.ToolInput(tool_name=name, tool_args=args)]
        )

    return step


async def test_scripted_llm_confirms_withdraws_and_cancels(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: RunningMarket
) -> None:
    """Propose-only autonomy through the LLM API: confirm, withdraw, cancel, stale confirm."""
    await change_options(hass, setup_integration, {CONF_AUTONOMY: AUTONOMY_PROPOSE})
    days = market.open_days()
    script: Script = [
        _call(f"{DOMAIN}__reserve", start=days[1].isoformat(), duration=2, kwh_per_day=3),
        _call_with(f"{DOMAIN}__confirm", proposal_id=lambda r: r[0]["result"]["proposal_id"]),
        _call(f"{DOMAIN}__reserve", start=days[4].isoformat(), duration=1, kwh_per_day=2),
        _call_with(f"{DOMAIN}__cancel", request_id=lambda r: r[2]["result"]["proposal_id"]),
        _call_with(f"{DOMAIN}__cancel", request_id=lambda r: r[1]["result"]["request_id"]),
        _call_with(f"{DOMAIN}__confirm", proposal_id=lambda r: r[0]["result"]["proposal_id"]),
        _paraphrase_error,
    ]
    _, result, content = await _converse(hass, setup_integration, script, "Reserve, then undo")

    proposed, confirmed, proposed_again, withdrawn, cancelled, stale = (
        tool_result_content_data(c)
        for c in content
        if isinstance(c, conversation.ToolResultContent)
    )
    assert proposed["result"]["kind"] == proposed_again["result"]["kind"] == "proposed"
    assert confirmed["success"] is True
    assert withdrawn["result"]["withdrawn_proposals"] == 1
    assert withdrawn["result"]["cancelled"] == []
    (request,) = cancelled["result"]["cancelled"]
    assert request["request_id"] == confirmed["result"]["request_id"]
    assert request["cancelled_kwh"] == 6.0
    assert stale == {
        "success": False,
        "error": "proposal_not_found",
        "message": stale["message"],
        "details": {"proposal_id": proposed["result"]["proposal_id"]},
    }
    assert proposed["result"]["proposal_id"] in stale["message"]
    assert result.response.speech["plain"]["speech"] == "proposal_not_found"

    body = await market.get("/api/v1/requests", setup_integration.data[CONF_TOKEN])
    (server,) = body["requests"]  # the withdrawn proposal never reached the market
    assert server["request_id"] == confirmed["result"]["request_id"]
    assert {o["status"] for o in server["orders"]} == {"cancelled"}
    status = await setup_integration.runtime_data.trading.async_status(language="en")
    assert status.proposals == ()


async def test_scripted_llm_is_told_the_first_open_day_and_sees_each_day(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    market_clock: Any,
    neighbour: Any,
) -> None:
    """Issue 17: a closed day fails with the first open day as data and the message in words;
    the status result lists each request's days with their fills."""
    market_clock.advance(hours=9)  # 19:00 in Berlin: trading for the 26th has closed
    first_open = market.first_open_day()
    await market.place(neighbour[1], "sell", first_open, 1, 5.0, 0.08)
    script: Script = [
        _call(f"{DOMAIN}__reserve", start="tomorrow", kwh_per_day=3.0),
        _call(f"{DOMAIN}__reserve", start=first_open.isoformat(), kwh_per_day=3.0),
        _call(f"{DOMAIN}__status"),
        _paraphrase,
    ]
    agent, _, content = await _converse(
        hass, setup_integration, script, "Reserve 3 kWh of storage for tomorrow"
    )
    closed, reserved, status = (
        tool_result_content_data(c)
        for c in content
        if isinstance(c, conversation.ToolResultContent)
    )
    assert "details.first_day" in agent.prompt
    assert closed["success"] is False
    assert closed["error"] == "start_day_closed"
    assert closed["details"]["first_day"] == first_open.isoformat() == "2026-11-27"
    assert "Friday 27 November" in closed["message"]
    assert "2026-11-2" not in closed["message"]
    assert reserved["success"] is True
    (request,) = status["result"]["requests"]
    assert request["days"] == [
        {
            "day": "2026-11-27",
            "requested_kwh": 3.0,
            "filled_kwh": 3.0,
            "avg_price": request["days"][0]["avg_price"],
        }
    ]
    assert request["days"][0]["avg_price"] is not None
