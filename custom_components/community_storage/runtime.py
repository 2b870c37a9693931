"""Typed runtime data of a loaded config entry.

Kept apart from ``__init__`` so that ``trading.py``, the platforms and the services can import
the entry type without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api import MarketClient

if TYPE_CHECKING:
    from .coordinator import CommunityStorageCoordinator
    from .metering import VirtualBatteryMeter
    from .reporting import DeliveryReporter
    from .reserve import ReserveKeeper
    from .trading import TradingAgent


@dataclass
class CommunityStorageRuntime:
    """What a loaded household entry holds: client, coordinator, trading agent and delivery."""

    client: MarketClient
    coordinator: CommunityStorageCoordinator
    trading: TradingAgent
    reserve: ReserveKeeper
    meter: VirtualBatteryMeter
    reporter: DeliveryReporter


type CommunityStorageConfigEntry = ConfigEntry[CommunityStorageRuntime]
