"""The one base class of the integration's entities: one device per household."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_HOUSEHOLD_ID, CONF_HOUSEHOLD_NAME, DOMAIN
from .coordinator import CommunityStorageCoordinator


class CommunityStorageEntity(CoordinatorEntity[CommunityStorageCoordinator]):
    """An entity of one household's market membership."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: CommunityStorageCoordinator, description: EntityDescription
    ) -> None:
        """Unique id from the household id and the description's key."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        household_id: str = entry.data[CONF_HOUSEHOLD_ID]
        self.entity_description = description
        self._attr_unique_id = f"{household_id}_{description.key}"
        community = coordinator.data.me.community.name if coordinator.data else None
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, household_id)},
            name=entry.data[CONF_HOUSEHOLD_NAME],
            manufacturer="Community Storage Market",
            model=community,
            sw_version=coordinator.server_version,
            configuration_url=coordinator.client.url,
            entry_type=DeviceEntryType.SERVICE,
        )
