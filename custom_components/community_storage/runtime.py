"""Typed runtime data of a loaded config entry.

Imports run one way: this module imports the parts it holds, and the platforms, services and
LLM tools import this module for the entry type. The held parts (coordinator, trading agent,
delivery) never import it: they take a plain ``ConfigEntry``, as they read only its data and
options, never ``runtime_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import CommunityStorageCoordinator
from .delivery.reporter import DeliveryReporter
from .delivery.seller_reserve import ReserveKeeper
from .delivery.virtual_battery import VirtualBatteryMeter
from .household.agent import TradingAgent
from .market_client.client import MarketClient


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
