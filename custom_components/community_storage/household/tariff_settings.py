"""The household's tariff from its options: a fixed price, a time-of-use schedule or a price
entity (``agent/price_forecast.py`` reads the entity's forecast), with its feed-in price.

A price entity that is missing or says nothing usable falls back to the fixed price option, and
the log says so once: the agent keeps trading on the figure the household last gave.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, tzinfo
from typing import Any

from homeassistant.core import HomeAssistant

from ..agent.price_forecast import tariff_from_entity
from ..agent.tariff import Tariff, fixed
from ..agent.tariff_schedule import ScheduleError, parse_schedule
from ..const import (
    CONF_FEED_IN_PRICE,
    CONF_PRICE_ENTITY,
    CONF_TARIFF_PRICE,
    CONF_TARIFF_SCHEDULE,
    CONF_TARIFF_SOURCE,
    DEFAULT_FEED_IN_PRICE,
    DEFAULT_TARIFF_PRICE,
    DEFAULT_TARIFF_SOURCE,
    TARIFF_PRICE_ENTITY,
    TARIFF_SCHEDULE,
)

_LOGGER = logging.getLogger(__name__)
_warned: set[str] = set()


def household_tariff(
    hass: HomeAssistant, config: Mapping[str, Any], *, day: date, zone: tzinfo
) -> Tariff:
    """The tariff the household configured, as it stands for ``day``."""
    price = float(config.get(CONF_TARIFF_PRICE, DEFAULT_TARIFF_PRICE))
    feed_in = float(config.get(CONF_FEED_IN_PRICE, DEFAULT_FEED_IN_PRICE))
    source = config.get(CONF_TARIFF_SOURCE, DEFAULT_TARIFF_SOURCE)
    if source == TARIFF_SCHEDULE:
        try:
            return parse_schedule(
                str(config.get(CONF_TARIFF_SCHEDULE, "")), default=price, feed_in=feed_in
            )
        except ScheduleError:
            # The options flow refuses a bad schedule; an entry edited by hand may hold one.
            _warn_once("schedule", "The tariff schedule cannot be read; using the fixed price")
    elif source == TARIFF_PRICE_ENTITY:
        entity_id = str(config.get(CONF_PRICE_ENTITY) or "")
        state = hass.states.get(entity_id) if entity_id else None
        if state is not None:
            tariff = tariff_from_entity(
                state=state.state,
                attributes=state.attributes,
                day=day,
                zone=zone,
                feed_in=feed_in,
            )
            if tariff is not None:
                return tariff
        _warn_once(entity_id, f"The price entity {entity_id!r} has no price; using the fixed price")
    return fixed(price, feed_in)


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        _LOGGER.warning(message)
