"""Sensors: the next day's clearing price and the household's own trades."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import CommunityStorageCoordinator
from .entity import CommunityStorageEntity
from .models import CommunityStorageData, Side
from .runtime import CommunityStorageConfigEntry

# The platform only reads coordinator data; the coordinator serialises the fetches.
PARALLEL_UPDATES = 0

CURRENCY_EUR = "EUR"
PRICE_UNIT = f"{CURRENCY_EUR}/{UnitOfEnergy.KILO_WATT_HOUR}"


def _next_day_price(data: CommunityStorageData) -> Decimal | None:
    day = data.market.day(data.today + timedelta(days=1))
    return None if day is None else day.last_price


def _month_start(data: CommunityStorageData) -> datetime:
    """Midnight of the first day of the community's current month (the totals' reset)."""
    timezone = dt_util.get_time_zone(data.me.community.timezone) or dt_util.DEFAULT_TIME_ZONE
    return datetime(data.today.year, data.today.month, 1, tzinfo=timezone)


@dataclass(frozen=True, kw_only=True)
class CommunityStorageSensorDescription(SensorEntityDescription):
    """A sensor whose value is a function of the coordinator's data."""

    value_fn: Callable[[CommunityStorageData], Decimal | int | None]
    last_reset_fn: Callable[[CommunityStorageData], datetime] | None = None


def _filled_kwh(key: str, side: Side, *, days_ahead: int) -> CommunityStorageSensorDescription:
    """Capacity the household reserved (buy) or sold (sell) and got filled, for one day."""
    return CommunityStorageSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data: data.filled_kwh(data.today + timedelta(days=days_ahead), side),
    )


SENSORS: tuple[CommunityStorageSensorDescription, ...] = (
    CommunityStorageSensorDescription(
        key="next_day_price",
        translation_key="next_day_price",
        # A capacity price per kWh is not a monetary amount, so it has no device class.
        native_unit_of_measurement=PRICE_UNIT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
        value_fn=_next_day_price,
    ),
    _filled_kwh("reserved_today", Side.BUY, days_ahead=0),
    _filled_kwh("reserved_tomorrow", Side.BUY, days_ahead=1),
    _filled_kwh("sold_today", Side.SELL, days_ahead=0),
    _filled_kwh("sold_tomorrow", Side.SELL, days_ahead=1),
    CommunityStorageSensorDescription(
        key="open_orders",
        translation_key="open_orders",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.open_orders),
    ),
    CommunityStorageSensorDescription(
        key="cost_this_month",
        translation_key="cost_this_month",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EUR,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.settlements.totals.paid_eur,
        last_reset_fn=_month_start,
    ),
    CommunityStorageSensorDescription(
        key="earnings_this_month",
        translation_key="earnings_this_month",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EUR,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.settlements.totals.earned_eur,
        last_reset_fn=_month_start,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CommunityStorageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One set of sensors per household."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(CommunityStorageSensor(coordinator, description) for description in SENSORS)


class CommunityStorageSensor(CommunityStorageEntity, SensorEntity):
    """A sensor described by a ``CommunityStorageSensorDescription``."""

    entity_description: CommunityStorageSensorDescription

    def __init__(
        self,
        coordinator: CommunityStorageCoordinator,
        description: CommunityStorageSensorDescription,
    ) -> None:
        """Bind the description."""
        super().__init__(coordinator, description)

    @property
    def native_value(self) -> Decimal | int | None:
        """The description's value of the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def last_reset(self) -> datetime | None:
        """Start of the month for the monthly totals."""
        if self.entity_description.last_reset_fn is None:
            return None
        return self.entity_description.last_reset_fn(self.coordinator.data)
