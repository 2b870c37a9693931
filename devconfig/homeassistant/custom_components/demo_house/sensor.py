"""Sensors of the demo households, updated every 30 seconds from the simulation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

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

from custom_components.community_storage.agent.tariff import dynamic_day_ahead
from neighbourhood.profiles import TIMEZONE

from .model import DemoHouse, Reading

UPDATE_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True, kw_only=True)
class DemoHouseSensorDescription(SensorEntityDescription):
    """A demo house sensor: where its value comes from."""

    value_fn: Callable[[DemoHouse, Reading], float]
    # Only households with a battery have it.
    battery: bool = False


# What a sensor measures: (device class, state class, unit).
type Kind = tuple[SensorDeviceClass, SensorStateClass, str]
_SOC: Kind = (SensorDeviceClass.BATTERY, SensorStateClass.MEASUREMENT, PERCENTAGE)
_STORAGE: Kind = (
    SensorDeviceClass.ENERGY_STORAGE,
    SensorStateClass.MEASUREMENT,
    UnitOfEnergy.KILO_WATT_HOUR,
)
_POWER: Kind = (SensorDeviceClass.POWER, SensorStateClass.MEASUREMENT, UnitOfPower.WATT)
# A meter's running total, as the energy dashboard wants it.
_METER: Kind = (
    SensorDeviceClass.ENERGY,
    SensorStateClass.TOTAL_INCREASING,
    UnitOfEnergy.KILO_WATT_HOUR,
)


def _sensor(
    key: str,
    name: str,
    kind: Kind,
    value_fn: Callable[[DemoHouse, Reading], float],
    *,
    battery: bool = False,
) -> DemoHouseSensorDescription:
    device_class, state_class, unit = kind
    return DemoHouseSensorDescription(
        key=key,
        name=name,
        battery=battery,
        device_class=device_class,
        state_class=state_class,
        native_unit_of_measurement=unit,
        value_fn=value_fn,
    )


SENSORS: tuple[DemoHouseSensorDescription, ...] = (
    _sensor(
        "battery_state_of_charge",
        "battery state of charge",
        _SOC,
        lambda _house, reading: reading.soc_pct,
        battery=True,
    ),
    _sensor(
        "battery_capacity",
        "battery capacity",
        _STORAGE,
        lambda house, _reading: house.profile.battery_kwh,
        battery=True,
    ),
    _sensor(
        "battery_power",
        "battery power",
        _POWER,
        lambda _house, reading: reading.battery_w,
        battery=True,
    ),
    _sensor("pv_power", "PV power", _POWER, lambda _house, reading: reading.pv_w),
    _sensor("load", "load", _POWER, lambda _house, reading: reading.load_w),
    _sensor("pv_energy", "PV energy", _METER, lambda _house, reading: reading.pv_kwh_total),
    _sensor("load_energy", "load energy", _METER, lambda _house, reading: reading.load_kwh_total),
    _sensor(
        "grid_import_energy",
        "grid import energy",
        _METER,
        lambda _house, reading: reading.grid_import_kwh_total,
    ),
    _sensor(
        "grid_export_energy",
        "grid export energy",
        _METER,
        lambda _house, reading: reading.grid_export_kwh_total,
    ),
)


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the sensors and advance the house on a timer."""
    houses: dict[str, DemoHouse] = hass.data["demo_house"]
    entities = [
        DemoHouseSensor(house, description)
        for house in houses.values()
        for description in SENSORS
        if house.profile.battery_kwh > 0 or not description.battery
    ]
    price = DemoPriceSensor()
    async_add_entities([*entities, price])

    @callback
    def _tick(now: datetime) -> None:
        moment = dt_util.utcnow()
        for house in houses.values():
            house.advance(moment)
        for entity in entities:
            entity.async_write_ha_state()
        price.async_write_ha_state()

    async_track_time_interval(hass, _tick, UPDATE_INTERVAL, cancel_on_shutdown=True)


class DemoHouseSensor(SensorEntity):
    """One sensor of the demo house."""

    entity_description: DemoHouseSensorDescription
    _attr_should_poll = False

    def __init__(self, house: DemoHouse, description: DemoHouseSensorDescription) -> None:
        """Bind the sensor to its household: "House load" is ``sensor.house_load``."""
        self._house = house
        self.entity_description = description
        self._attr_name = f"{house.profile.name} {description.name}"
        self._attr_unique_id = f"demo_{house.key}_{description.key}"
        self.entity_id = f"sensor.{house.key}_{description.key}"

    @property
    def native_value(self) -> float:
        """The current value from the last simulation step."""
        return self.entity_description.value_fn(self._house, self._house.reading)


def day_prices(day: date) -> list[dict[str, object]]:
    """One local day of the demo's dynamic tariff in the Nord Pool shape: hourly
    ``{"start", "end", "value"}`` with the German day-ahead curve of that month plus fees."""
    tariff = dynamic_day_ahead(day.month)
    start = datetime.combine(day, time(0), tzinfo=TIMEZONE)
    # In UTC steps, so a daylight saving day has its 23 or 25 hours.
    first = start.astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TIMEZONE).astimezone(UTC)
    prices = []
    moment = first
    while moment < end:
        hour = moment.astimezone(TIMEZONE).hour
        prices.append(
            {
                "start": moment.astimezone(TIMEZONE).isoformat(),
                "end": (moment + timedelta(hours=1)).astimezone(TIMEZONE).isoformat(),
                "value": tariff.import_price(hour),
            }
        )
        moment += timedelta(hours=1)
    return prices


class DemoPriceSensor(SensorEntity):
    """The street's dynamic electricity price (as a Nord Pool sensor shows it): the current
    hour's price, today's and tomorrow's hourly prices in ``raw_today`` / ``raw_tomorrow``.

    The House's tariff reads it (options: price sensor); the shape is ``agent/tariff.py``'s
    ``dynamic_day_ahead``: cheap at night, a midday dip, the evening peak.
    """

    _attr_should_poll = False
    _attr_name = "Electricity price"
    _attr_unique_id = "demo_electricity_price"
    _attr_native_unit_of_measurement = "EUR/kWh"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 3

    def __init__(self) -> None:
        """A sensor of the whole street."""
        self.entity_id = "sensor.electricity_price"

    @property
    def native_value(self) -> float:
        """The price of the current local hour."""
        now = dt_util.utcnow().astimezone(TIMEZONE)
        return dynamic_day_ahead(now.month).import_price(now.hour)

    @property
    def extra_state_attributes(self) -> dict[str, object]:
        """Today's and tomorrow's hourly prices (Nord Pool's attribute names)."""
        today = dt_util.utcnow().astimezone(TIMEZONE).date()
        return {
            "raw_today": day_prices(today),
            "raw_tomorrow": day_prices(today + timedelta(days=1)),
        }
