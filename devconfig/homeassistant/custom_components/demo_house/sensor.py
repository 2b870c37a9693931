"""Sensors of the demo house, updated every 30 seconds from the simulation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import dt as dt_util

from .model import DemoHouse, Reading

UPDATE_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True, kw_only=True)
class DemoHouseSensorDescription(SensorEntityDescription):
    """A demo house sensor: where its value comes from."""

    value_fn: Callable[[DemoHouse, Reading], float]


SENSORS: tuple[DemoHouseSensorDescription, ...] = (
    DemoHouseSensorDescription(
        key="battery_state_of_charge",
        name="Demo house battery state of charge",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda _house, reading: reading.soc_pct,
    ),
    DemoHouseSensorDescription(
        key="battery_capacity",
        name="Demo house battery capacity",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        value_fn=lambda house, _reading: house.profile.battery_kwh,
    ),
    DemoHouseSensorDescription(
        key="battery_power",
        name="Demo house battery power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda _house, reading: reading.battery_w,
    ),
    DemoHouseSensorDescription(
        key="pv_power",
        name="Demo house PV power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda _house, reading: reading.pv_w,
    ),
    DemoHouseSensorDescription(
        key="house_load",
        name="Demo house load",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda _house, reading: reading.load_w,
    ),
    DemoHouseSensorDescription(
        key="pv_energy",
        name="Demo house PV energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        value_fn=lambda _house, reading: reading.pv_kwh_total,
    ),
    DemoHouseSensorDescription(
        key="house_energy",
        name="Demo house load energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        value_fn=lambda _house, reading: reading.load_kwh_total,
    ),
)


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the sensors and advance the house on a timer."""
    house: DemoHouse = hass.data["demo_house"]
    entities = [DemoHouseSensor(house, description) for description in SENSORS]
    async_add_entities(entities)

    @callback
    def _tick(now: datetime) -> None:
        house.advance(dt_util.utcnow())
        for entity in entities:
            entity.async_write_ha_state()

    async_track_time_interval(hass, _tick, UPDATE_INTERVAL, cancel_on_shutdown=True)


class DemoHouseSensor(SensorEntity):
    """One sensor of the demo house."""

    entity_description: DemoHouseSensorDescription
    _attr_should_poll = False

    def __init__(self, house: DemoHouse, description: DemoHouseSensorDescription) -> None:
        """Bind the sensor to the house."""
        self._house = house
        self.entity_description = description
        self._attr_unique_id = f"demo_house_{description.key}"
        self.entity_id = f"sensor.demo_house_{description.key}"

    @property
    def native_value(self) -> float:
        """The current value from the last simulation step."""
        return self.entity_description.value_fn(self._house, self._house.reading)
