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
from homeassistant.const import PERCENTAGE, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .agent.delivery import (
    VirtualBattery,
    committed_now_kwh,
    day_bounds,
    next_dispatch,
    reserve_target_now,
)
from .coordinator import CommunityStorageCoordinator
from .entity import CommunityStorageEntity
from .household.tariff_settings import household_tariff
from .market_client.models import CommunityStorageData, Side
from .runtime import CommunityStorageConfigEntry, CommunityStorageRuntime

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


def _monthly_eur(
    key: str, value_fn: Callable[[CommunityStorageData], Decimal]
) -> CommunityStorageSensorDescription:
    """A total of the community's current month, EUR (reset on the first)."""
    return CommunityStorageSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EUR,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=value_fn,
        last_reset_fn=_month_start,
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
    _monthly_eur("cost_this_month", lambda data: data.settlements.totals.paid_eur),
    _monthly_eur("earnings_this_month", lambda data: data.settlements.totals.earned_eur),
    _monthly_eur("energy_cost_this_month", lambda data: data.settlements.totals.energy_paid_eur),
    _monthly_eur(
        "energy_earnings_this_month", lambda data: data.settlements.totals.energy_earned_eur
    ),
    # The buyer's own export drawn back from a seller's reserve, settled at the community's
    # feed-in price beside the shared energy.
    CommunityStorageSensorDescription(
        key="own_credit_cost_this_month",
        translation_key="own_credit_cost_this_month",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EUR,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.settlements.totals.own_credit_paid_eur,
        last_reset_fn=_month_start,
    ),
    CommunityStorageSensorDescription(
        key="own_credit_earnings_this_month",
        translation_key="own_credit_earnings_this_month",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EUR,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda data: data.settlements.totals.own_credit_earned_eur,
        last_reset_fn=_month_start,
    ),
)


type DeliveryValue = Decimal | float | int | datetime | None


@dataclass(frozen=True, kw_only=True)
class DeliverySensorDescription(SensorEntityDescription):
    """A sensor of the delivery day: the seller's reserve or the buyer's virtual battery."""

    value_fn: Callable[[CommunityStorageRuntime], DeliveryValue]
    attributes_fn: Callable[[CommunityStorageRuntime], dict[str, object]] | None = None
    # Buyer sensors exist only when the grid meters are mapped.
    needs_meters: bool = False


def _buyer_sensor(
    key: str,
    value_fn: Callable[[CommunityStorageRuntime], DeliveryValue],
    device_class: SensorDeviceClass,
    state_class: SensorStateClass = SensorStateClass.TOTAL,
) -> DeliverySensorDescription:
    """A sensor of the buyer's virtual battery (kWh, or EUR when monetary): needs the meters."""
    monetary = device_class is SensorDeviceClass.MONETARY
    return DeliverySensorDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        native_unit_of_measurement=CURRENCY_EUR if monetary else UnitOfEnergy.KILO_WATT_HOUR,
        state_class=state_class,
        suggested_display_precision=2,
        value_fn=value_fn,
        needs_meters=True,
    )


def _next_dispatch_attributes(runtime: CommunityStorageRuntime) -> dict[str, object]:
    upcoming = next_dispatch(runtime.reserve.schedules, dt_util.utcnow())
    if upcoming is None:
        return {}
    return {
        "end": upcoming.dispatch_end.isoformat(),
        "day": upcoming.day.isoformat(),
        "kwh": upcoming.reserve_kwh,
        "target_soc": upcoming.target_soc_pct,
    }


def _reserve_attributes(runtime: CommunityStorageRuntime) -> dict[str, object]:
    current = runtime.reserve.current()
    if current is None:
        return {}
    return {"headroom_soc": current.headroom_soc_pct, "sold_kwh": current.sold_kwh}


def _today_kwh(
    figure: Callable[[VirtualBattery], float],
) -> Callable[[CommunityStorageRuntime], float]:
    """A kWh figure of today's virtual battery (0 on a day nothing was bought for)."""

    def value(runtime: CommunityStorageRuntime) -> float:
        battery = runtime.meter.today()
        return 0.0 if battery is None else round(figure(battery), 3)

    return value


def _cost_avoided_today(runtime: CommunityStorageRuntime) -> float:
    """What the drawn kWh would have cost at the household's tariff, hour by hour."""
    battery = runtime.meter.today()
    if battery is None:
        return 0.0
    zone = runtime.meter.zone()
    entry = runtime.meter.entry
    tariff = household_tariff(
        runtime.meter.hass,
        {**entry.data, **entry.options},
        day=dt_util.now(zone).date(),
        zone=zone,
    )
    return round(battery.saved_eur(tariff), 2)


def _shared_cost_today(runtime: CommunityStorageRuntime) -> float:
    """The shared energy drawn today at the community's energy price."""
    battery = runtime.meter.today()
    data = runtime.coordinator.data
    if battery is None or data is None:
        return 0.0
    return round(battery.shared_cost_eur(float(data.me.community.energy_price)), 2)


def _today_start(runtime: CommunityStorageRuntime) -> datetime:
    zone = runtime.meter.zone()
    return day_bounds(dt_util.now(zone).date(), zone)[0]


DELIVERY_SENSORS: tuple[DeliverySensorDescription, ...] = (
    DeliverySensorDescription(
        key="committed_storage",
        translation_key="committed_storage",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda runtime: committed_now_kwh(runtime.reserve.schedules, dt_util.utcnow()),
    ),
    DeliverySensorDescription(
        key="reserve_target",
        translation_key="reserve_target",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda runtime: reserve_target_now(runtime.reserve.schedules, dt_util.utcnow()),
        attributes_fn=_reserve_attributes,
    ),
    DeliverySensorDescription(
        key="next_dispatch",
        translation_key="next_dispatch",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda runtime: (
            None
            if (upcoming := next_dispatch(runtime.reserve.schedules, dt_util.utcnow())) is None
            else upcoming.dispatch_start
        ),
        attributes_fn=_next_dispatch_attributes,
    ),
    _buyer_sensor(
        "virtual_battery",
        _today_kwh(lambda battery: battery.state_kwh),
        SensorDeviceClass.ENERGY_STORAGE,
        SensorStateClass.MEASUREMENT,
    ),
    _buyer_sensor(
        "saved_today", _today_kwh(lambda battery: battery.drawn_kwh), SensorDeviceClass.ENERGY
    ),
    _buyer_sensor("cost_avoided_today", _cost_avoided_today, SensorDeviceClass.MONETARY),
    _buyer_sensor(
        "shared_energy_today",
        _today_kwh(lambda battery: battery.shared_drawn_kwh),
        SensorDeviceClass.ENERGY,
    ),
    _buyer_sensor("shared_energy_cost_today", _shared_cost_today, SensorDeviceClass.MONETARY),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CommunityStorageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One set of sensors per household; the buyer's delivery sensors only with grid meters."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    async_add_entities(CommunityStorageSensor(coordinator, description) for description in SENSORS)
    async_add_entities(
        DeliverySensor(runtime, description)
        for description in DELIVERY_SENSORS
        if runtime.meter.configured or not description.needs_meters
    )


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


class DeliverySensor(CommunityStorageEntity, SensorEntity):
    """A sensor of the delivery day, updated by the reserve keeper and the meters."""

    entity_description: DeliverySensorDescription

    def __init__(
        self, runtime: CommunityStorageRuntime, description: DeliverySensorDescription
    ) -> None:
        """Bind the description and the runtime's delivery parts."""
        super().__init__(runtime.coordinator, description)
        self._runtime = runtime

    async def async_added_to_hass(self) -> None:
        """Follow the reserve schedule's phases and the meters, not only the coordinator."""
        await super().async_added_to_hass()
        self.async_on_remove(self._runtime.reserve.async_add_listener(self.async_write_ha_state))
        self.async_on_remove(self._runtime.meter.async_add_listener(self.async_write_ha_state))

    @property
    def available(self) -> bool:
        """Computed here from the fills last fetched, so the server being down changes nothing:
        a seller's battery must still be released on time and a buyer's meters keep counting."""
        return self.coordinator.data is not None

    @property
    def native_value(self) -> DeliveryValue:
        """The description's value now."""
        return self.entity_description.value_fn(self._runtime)

    @property
    def extra_state_attributes(self) -> dict[str, object] | None:
        """The schedule's other figures, where the description has some."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self._runtime)

    @property
    def last_reset(self) -> datetime | None:
        """Start of today for the daily totals."""
        if self.entity_description.state_class is not SensorStateClass.TOTAL:
            return None
        return _today_start(self._runtime)
