"""Which loaded household a request is for: the one rule for sentences, intents and LLM tools.

With one household it is that one. With more, in this order: the household named in the words
said, the household whose devices share the speaker's area, then the kind of request (selling and
"did my battery sell?" go to the household with the larger battery, reserving and asking about or
cancelling a reservation to the one with the smaller), and otherwise the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN
from ..language.understand.spoken_text import tokens as tokenise
from ..market_client.models import Side

if TYPE_CHECKING:
    from ..household.agent import TradingAgent

# What a request leans to when no name or area decides: a sale, a purchase, or neither.
type Leaning = Side | None


@dataclass(frozen=True, slots=True)
class Household:
    """A loaded household entry and its trading agent."""

    entry: ConfigEntry[Any]
    trading: TradingAgent


def loaded_households(hass: HomeAssistant) -> list[Household]:
    """Every loaded household, in Home Assistant's order of entries."""
    return [
        Household(entry, entry.runtime_data.trading)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        if getattr(entry, "runtime_data", None) is not None
    ]


def _area_of(hass: HomeAssistant, device_id: str | None) -> str | None:
    if device_id is None or (device := dr.async_get(hass).async_get(device_id)) is None:
        return None
    return device.area_id


def _entry_areas(hass: HomeAssistant, entry: ConfigEntry[Any]) -> set[str]:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return {d.area_id for d in devices if d.area_id is not None}


def _battery_kwh(household: Household) -> float:
    spec = household.trading.battery_spec()
    return spec.capacity_kwh if spec is not None else 0.0


def choose_household(
    hass: HomeAssistant,
    households: Sequence[Household],
    *,
    text: str | None,
    speaker_devices: Iterable[str | None] = (),
    leaning: Leaning = None,
) -> Household | None:
    """The household a request is for (see the module's docstring for the rules).

    ``speaker_devices`` are the satellite and device the request came from, most specific
    first; ``leaning`` is what the request is about when neither a name nor an area decides.
    """
    if len(households) <= 1:
        return households[0] if households else None
    words = set(tokenise(text or ""))
    named = [h for h in households if set(tokenise(h.entry.title)) & words]
    if len(named) == 1:
        return named[0]
    speaker_area = next(
        (area for device in speaker_devices if (area := _area_of(hass, device)) is not None), None
    )
    if speaker_area is not None:
        here = [h for h in households if speaker_area in _entry_areas(hass, h.entry)]
        if len(here) == 1:
            return here[0]
    if leaning == Side.SELL:
        return max(households, key=_battery_kwh)
    if leaning == Side.BUY:
        return min(households, key=_battery_kwh)
    return households[0]
