"""The battery control of a demo house: its minimum state of charge.

What a real inverter offers as "backup reserve" or "discharge limit". The community storage
integration maps it in its options (``battery_control_entity``) and sets it to the reserve
target of what the house sold for the day; the simulated battery then keeps it (model.py).
"""

from __future__ import annotations

from homeassistant.components.number import NumberMode, RestoreNumber
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from .model import DemoHouse


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """One control per house with a battery."""
    houses: dict[str, DemoHouse] = hass.data["demo_house"]
    async_add_entities(
        DemoBatteryMinimumSoc(house) for house in houses.values() if house.profile.battery_kwh > 0
    )


class DemoBatteryMinimumSoc(RestoreNumber):
    """The battery does not discharge below this state of charge."""

    _attr_should_poll = False
    _attr_native_min_value = 0.0
    _attr_native_max_value = 100.0
    _attr_native_step = 1.0
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_mode = NumberMode.BOX

    def __init__(self, house: DemoHouse) -> None:
        """``number.house_battery_minimum_state_of_charge`` for the house "House"."""
        self._house = house
        self._attr_name = f"{house.profile.name} battery minimum state of charge"
        self._attr_unique_id = f"demo_{house.key}_battery_minimum_state_of_charge"
        self.entity_id = f"number.{house.key}_battery_minimum_state_of_charge"

    async def async_added_to_hass(self) -> None:
        """Keep the setting across a restart, as the inverter would."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self._house.min_soc_pct = float(last.native_value)

    @property
    def native_value(self) -> float:
        """The battery's current minimum state of charge."""
        return self._house.min_soc_pct

    async def async_set_native_value(self, value: float) -> None:
        """Set by the user or by the community storage integration (reserve target)."""
        self._house.min_soc_pct = value
        self.async_write_ha_state()
