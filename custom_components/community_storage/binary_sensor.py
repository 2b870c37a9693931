"""Binary sensor: whether the market server answers."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import CommunityStorageEntity
from .runtime import CommunityStorageConfigEntry

PARALLEL_UPDATES = 0

CONNECTION = BinarySensorEntityDescription(
    key="server_connection",
    translation_key="server_connection",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CommunityStorageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One connection sensor per household."""
    async_add_entities([ServerConnectionSensor(entry.runtime_data.coordinator, CONNECTION)])


class ServerConnectionSensor(CommunityStorageEntity, BinarySensorEntity):
    """On while the last refresh reached the server (a refused token still reached it: that
    needs a reauth, not a repair of the connection); itself always available."""

    @property
    def available(self) -> bool:
        """The connection state is known even when the server is not."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether the last refresh got an answer from the server."""
        return self.coordinator.server_answered
