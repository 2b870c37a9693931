"""What differs between the Home Assistant releases we support (2025.4 to 2026.10), in one place.

Every difference is detected by looking for the feature itself, never by comparing version
numbers: a backport or a later removal then does the right thing on its own. Everything else in
the integration imports the names below instead of probing Home Assistant itself, so the day the
oldest supported release moves up, this module shrinks and nothing else changes.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant.components import calendar as calendar_component
from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import STATISTIC_UNIT_TO_UNIT_CONVERTER
from homeassistant.helpers import llm
from homeassistant.helpers.entity import EntityDescription
from homeassistant.util.json import JsonObjectType

if TYPE_CHECKING:
    from homeassistant.components.llm import LLMTools

# 2026.x: calendar entities take a CalendarEntityDescription (``initial_color``) and the
# calendar platform refuses plain EntityDescriptions; 2025.4 has no such class.
CalendarEntityDescription: Final[type[EntityDescription]] = getattr(
    calendar_component, "CalendarEntityDescription", EntityDescription
)


def _schema_codec() -> tuple[object, Callable[..., dict[str, Any]]]:
    """The sentinel a ``custom_serializer`` returns for "not mine, use the default", and the
    schema -> JSON schema converter LLM integrations use, from this release's library.

    Home Assistant converts tool schemas with voluptuous-openapi up to 2026.9 and with
    probatio from 2026.10 on; each release ships its own library (neither is ours to declare).
    """
    if importlib.util.find_spec("probatio") is not None:
        probatio = importlib.import_module("probatio")
        return probatio.UNSUPPORTED, probatio.to_openapi
    openapi = importlib.import_module("voluptuous_openapi")
    return openapi.UNSUPPORTED, openapi.convert


SCHEMA_UNSUPPORTED, _TO_OPENAPI = _schema_codec()


def schema_to_openapi(schema: Any, custom_serializer: Callable[[Any], Any] | None) -> Any:
    """A tool's parameters as the JSON schema an LLM integration sends the model."""
    return _TO_OPENAPI(schema, custom_serializer=custom_serializer)


def tool_result(data: JsonObjectType, *, error: bool = False) -> Any:
    """``llm.ToolResult`` where this Home Assistant has it (2026.x), else the plain dict.

    2026.x logs returning a dict as deprecated (an error from 2027.11); 2025.4 has no class.
    """
    result_cls = getattr(llm, "ToolResult", None)
    if result_cls is None:
        return data
    return result_cls(data=data, error=error)


def tool_result_data(result: Any) -> JsonObjectType:
    """The data of a tool's result, whichever of the two shapes above it has."""
    data = getattr(result, "data", result)
    return cast(JsonObjectType, data)


def tool_result_content_data(content: Any) -> JsonObjectType:
    """The data of a chat log's ``ToolResultContent``.

    2026.x: ``content.result`` is an ``llm.ToolResult`` (``tool_result`` is a deprecated
    alias that logs); 2025.4: ``content.tool_result`` is the dict itself.
    """
    if (result := getattr(content, "result", None)) is not None:
        return tool_result_data(result)
    return cast(JsonObjectType, content.tool_result)


def tool_annotations(*, read_only: bool) -> Any | None:
    """``llm.ToolAnnotations`` where this Home Assistant has it, else None (nothing to set)."""
    annotations_cls = getattr(llm, "ToolAnnotations", None)
    if annotations_cls is None:
        return None
    return annotations_cls(read_only=read_only)


def llm_tools_class() -> type[LLMTools] | None:
    """``LLMTools`` of the ``llm`` platform API (2026.8+), or None on older releases.

    Before 2026.8 the Assist API wraps every registered intent itself and no ``llm.py``
    platform is asked for tools.
    """
    if (cls := getattr(llm, "LLMTools", None)) is not None:
        return cast("type[LLMTools]", cls)
    try:
        module = importlib.import_module("homeassistant.components.llm")
    except ImportError:
        return None
    return cast("type[LLMTools] | None", getattr(module, "LLMTools", None))


# 2026.x: statistics metadata names the unit's converter class (``unit_class``); importing
# without it is deprecated and breaks in 2026.11. 2025.4's recorder does not know the field.
# (The TypedDict's key sets, not its __annotations__: those evaluate lazily on Python 3.14.)
STATISTICS_HAVE_UNIT_CLASS: Final = "unit_class" in (
    StatisticMetaData.__required_keys__ | StatisticMetaData.__optional_keys__
)


def statistic_metadata(
    statistic_id: str, unit: str | None, *, mean: bool, total: bool
) -> StatisticMetaData:
    """Metadata of recorder-sourced long-term statistics, in this release's shape.

    ``mean``: hourly mean/min/max (a power sensor); ``total``: a running sum (an energy meter).
    """
    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.ARITHMETIC if mean else StatisticMeanType.NONE,
        "has_sum": total,
        "name": None,
        "source": "recorder",
        "statistic_id": statistic_id,
        "unit_of_measurement": unit,
    }
    if STATISTICS_HAVE_UNIT_CLASS:
        # The recorder's own unit -> converter table: the class it would infer itself.
        converter = STATISTIC_UNIT_TO_UNIT_CONVERTER.get(unit)
        metadata["unit_class"] = converter.UNIT_CLASS if converter is not None else None
    return cast(StatisticMetaData, metadata)
