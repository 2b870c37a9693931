"""The household's tariff, as set in the options, is what the agent values a trade with.

One test per tariff source through a real Home Assistant and the real market server: a fixed
price, a time-of-use schedule and a price entity (Tibber's attribute shape). Each gives the
evening a different import price, and the bid limit (what a kWh of shared energy saves: the
import price less the community's energy price) follows it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.community_storage.agent.plans import TradeRequest
from custom_components.community_storage.const import (
    CONF_FEED_IN_PRICE,
    CONF_MAX_BUY_PRICE,
    CONF_PRICE_ENTITY,
    CONF_TARIFF_PRICE,
    CONF_TARIFF_SCHEDULE,
    CONF_TARIFF_SOURCE,
)

from .test_trading import _agent, _first_day, _seed, _without_battery


def _tibber(first: Any, evening: float) -> dict[str, Any]:
    """A Tibber price sensor's ``today`` / ``tomorrow``: 0.30 all day, ``evening`` 17-22 h."""
    zone = dt_util.get_default_time_zone()
    days = {}
    for name, day in (("today", first - timedelta(days=1)), ("tomorrow", first)):
        start = datetime.combine(day, time(0), tzinfo=zone)
        days[name] = [
            {
                "total": evening if 17 <= hour < 22 else 0.30,
                "startsAt": (start + timedelta(hours=hour)).isoformat(),
            }
            for hour in range(24)
        ]
    return days


@pytest.mark.parametrize(
    ("source", "evening"),
    [
        ({CONF_TARIFF_SOURCE: "fixed", CONF_TARIFF_PRICE: 0.25}, 0.25),
        (
            {
                CONF_TARIFF_SOURCE: "time_of_use",
                CONF_TARIFF_SCHEDULE: "22-6: 0.22, 17-22: 0.41",
                CONF_TARIFF_PRICE: 0.33,
            },
            0.41,
        ),
        ({CONF_TARIFF_SOURCE: "price_entity", CONF_PRICE_ENTITY: "sensor.tibber_price"}, 0.29),
    ],
    ids=["fixed", "time_of_use", "price_entity"],
)
async def test_the_bid_follows_the_households_tariff(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    source: dict[str, Any],
    evening: float,
) -> None:
    await _without_battery(hass, setup_integration)
    await _seed(hass, setup_integration)
    start = _first_day(market)
    hass.states.async_set(
        "sensor.tibber_price",
        "0.31",
        {"unit_of_measurement": "EUR/kWh", **_tibber(start, 0.29)},
    )
    hass.config_entries.async_update_entry(
        setup_integration,
        options={CONF_MAX_BUY_PRICE: 0.5, CONF_FEED_IN_PRICE: 0.078, **source},
    )
    plan = await _agent(setup_integration).async_plan(
        TradeRequest("buy", start, 2, time_of_day="evening", kwh_per_day=6.0), language="en"
    )
    assert plan.energy.import_price == pytest.approx(evening)
    assert plan.energy.energy_price == 0.12  # the community's, from GET /api/v1/me
    assert plan.energy.shared_value == pytest.approx(evening - 0.12)
    # The bid: what a kWh of shared energy saves at this tariff, below the user's 0.5.
    assert plan.limit_price == pytest.approx(round(evening - 0.12, 3), abs=0.0011)
    assert plan.price.source == "computed"
    assert plan.price.inputs["import_price"] == pytest.approx(evening)
    # The reply names what fills the capacity and what its energy costs.
    assert "as shared energy at EUR 0.12/kWh" in plan.speech
