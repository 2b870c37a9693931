"""The battery controls of a demo house: its minimum state of charge and its forced discharge.

What a real inverter offers as "backup reserve" or "discharge limit", and as "forced discharge"
or "export power". The community storage integration maps them in its options
(``battery_control_entity``, ``discharge_control_entity``): it sets the minimum to the reserve
target of what the house sold for the day, and in the evening dispatch window the discharge
power that exports the reserve; the simulated battery obeys both (model.py).
"""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberMode, RestoreNumber
from homeassistant.const import PERCENTAGE, UnitOfPower
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
    """Both controls per house with a battery."""
    houses: dict[str, DemoHouse] = hass.data["demo_house"]
    with_battery = [house for house in houses.values() if house.profile.battery_kwh > 0]
    async_add_entities(
        [
            *(DemoBatteryMinimumSoc(house) for house in with_battery),
            *(DemoBatteryDischargePower(house) for house in with_battery),
        ]
    )


class DemoBatterySetting(RestoreNumber):
    """A setting of the simulated battery (an attribute of ``DemoHouse``), kept across restarts
    as the inverter would."""

    _attr_should_poll = False
    _attr_native_step = 1.0
    _attr_mode = NumberMode.BOX
    # The DemoHouse attribute this number is, and the words of its name and entity id.
    _setting: str
    _label: str

    def __init__(self, house: DemoHouse) -> None:
        """``number.house_battery_<label>`` for the house "House"."""
        self._house = house
        slug = self._label.replace(" ", "_")
        self._attr_name = f"{house.profile.name} battery {self._label}"
        self._attr_unique_id = f"demo_{house.key}_battery_{slug}"
        self.entity_id = f"number.{house.key}_battery_{slug}"

    async def async_added_to_hass(self) -> None:
        """Take the setting back from before a restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            setattr(self._house, self._setting, float(last.native_value))

    @property
    def native_value(self) -> float:
        """The battery's current setting."""
        return float(getattr(self._house, self._setting))

    async def async_set_native_value(self, value: float) -> None:
        """Set by the user or by the community storage integration."""
        setattr(self._house, self._setting, value)
        self.async_write_ha_state()


class DemoBatteryMinimumSoc(DemoBatterySetting):
    """The battery does not discharge below this state of charge (the reserve target)."""

    _attr_native_min_value = 0.0
    _attr_native_max_value = 100.0
    _attr_native_unit_of_measurement = PERCENTAGE
    _setting = "min_soc_pct"
    _label = "minimum state of charge"


class DemoBatteryDischargePower(DemoBatterySetting):
    """The battery discharges at least this fast (0: it follows the house), up to its power."""

    _attr_native_min_value = 0.0
    _attr_native_unit_of_measurement = UnitOfPower.WATT
    _attr_device_class = NumberDeviceClass.POWER
    _setting = "discharge_w"
    _label = "discharge power"

    def __init__(self, house: DemoHouse) -> None:
        """Up to the battery's own power."""
        super().__init__(house)
        self._attr_native_max_value = house.profile.battery_power_kw * 1000.0
