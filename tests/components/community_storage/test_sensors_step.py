"""Issue 21, item 8: the sensors step refuses an entity that does not exist, also when the flow
is driven over Home Assistant's REST API (whose selector check takes any well-formed id)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.community_storage.const import (
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_SOC_ENTITY,
    CONF_JOIN_CODE,
    CONF_PV_ENTITY,
    CONF_URL,
    DOMAIN,
)
from tests.market_harness import RunningMarket

FLOWS = "/api/config/config_entries/flow"


async def test_an_unknown_entity_is_refused_over_rest(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    market: RunningMarket,
    demo_sensors: dict[str, str],
) -> None:
    code = await market.add_household("Miller", 10.0)
    # The integration (and its dependencies' routes) before Home Assistant serves HTTP.
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    response = await client.post(FLOWS, json={"handler": DOMAIN})
    assert response.status == 200
    flow_id = (await response.json())["flow_id"]
    response = await client.post(
        f"{FLOWS}/{flow_id}", json={CONF_URL: market.url, CONF_JOIN_CODE: code}
    )
    result = await response.json()
    assert result["step_id"] == "sensors", result

    response = await client.post(
        f"{FLOWS}/{flow_id}",
        json={
            CONF_BATTERY_SOC_ENTITY: "sensor.no_such_battery",
            CONF_BATTERY_CAPACITY_KWH: 10,
            CONF_PV_ENTITY: demo_sensors[CONF_PV_ENTITY],
        },
    )
    assert response.status == 200
    result = await response.json()
    assert result["type"] == "form"
    assert result["errors"] == {CONF_BATTERY_SOC_ENTITY: "entity_not_found"}
    assert hass.config_entries.async_entries(DOMAIN) == []

    response = await client.post(
        f"{FLOWS}/{flow_id}",
        json={
            CONF_BATTERY_SOC_ENTITY: demo_sensors[CONF_BATTERY_SOC_ENTITY],
            CONF_BATTERY_CAPACITY_KWH: 10,
            CONF_PV_ENTITY: demo_sensors[CONF_PV_ENTITY],
        },
    )
    result = await response.json()
    assert result["type"] == "create_entry", result
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    assert entry.data[CONF_BATTERY_SOC_ENTITY] == demo_sensors[CONF_BATTERY_SOC_ENTITY]
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
