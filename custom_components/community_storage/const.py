"""Constants of the Community Storage Market integration."""

from typing import Final

DOMAIN: Final = "community_storage"

# The household's files in ``.storage``, one per kind and config entry; deleting the entry
# deletes them (``async_remove_entry``), so a household added again starts clean.
ENTRY_STORES: Final = ("trading", "virtual_battery", "reserve", "seller_export")


def entry_store_key(kind: str, entry_id: str) -> str:
    """The ``.storage`` key of one of an entry's stores (a kind of ``ENTRY_STORES``)."""
    return f"{DOMAIN}.{kind}.{entry_id}"


# Config entry data (set by the config flow).
CONF_URL: Final = "url"
CONF_TOKEN: Final = "token"
CONF_HOUSEHOLD_ID: Final = "household_id"
CONF_HOUSEHOLD_NAME: Final = "household_name"
CONF_BATTERY_SOC_ENTITY: Final = "battery_soc_entity"
CONF_BATTERY_CAPACITY_KWH: Final = "battery_capacity_kwh"
CONF_BATTERY_CAPACITY_ENTITY: Final = "battery_capacity_entity"
CONF_BATTERY_POWER_ENTITY: Final = "battery_power_entity"
CONF_PV_ENTITY: Final = "pv_entity"
CONF_LOAD_ENTITY: Final = "load_entity"
# Grid meters (total_increasing energy) for the virtual battery of bought capacity.
CONF_GRID_IMPORT_ENTITY: Final = "grid_import_entity"
CONF_GRID_EXPORT_ENTITY: Final = "grid_export_entity"

# Options (set in the options flow).
CONF_MAX_BUY_PRICE: Final = "max_buy_price"
CONF_MIN_SELL_PRICE: Final = "min_sell_price"
CONF_HIGH_PRICE_THRESHOLD: Final = "high_price_threshold"
CONF_AUTONOMY: Final = "autonomy"
CONF_NOTIFY_ACTION: Final = "notify_action"
CONF_INSTALL_SENTENCES: Final = "install_sentences"
# A number (minimum SoC) or select (mode) entity set to hold the reserve of sold capacity.
CONF_BATTERY_CONTROL_ENTITY: Final = "battery_control_entity"
# For a select: the option that holds the battery's charge.
CONF_BATTERY_CONTROL_OPTION: Final = "battery_control_option"
# A number (forced discharge / export power, W or kW) or select (mode) entity set in the
# dispatch window so that the held reserve leaves the house through the export meter.
CONF_DISCHARGE_CONTROL_ENTITY: Final = "discharge_control_entity"
# For a select: the option that forces the battery to discharge (e.g. "Force discharge").
CONF_DISCHARGE_CONTROL_OPTION: Final = "discharge_control_option"

# The household's tariff: where its import prices come from, the prices, and its feed-in.
CONF_TARIFF_SOURCE: Final = "tariff_source"
CONF_TARIFF_PRICE: Final = "tariff_price"  # fixed price; the schedule's price outside its periods
CONF_TARIFF_SCHEDULE: Final = "tariff_schedule"  # "22-6: 0.29, 17-21: 0.45"
CONF_PRICE_ENTITY: Final = "price_entity"  # Nord Pool, Tibber or EPEX Spot price sensor
CONF_FEED_IN_PRICE: Final = "feed_in_price"
TARIFF_FIXED: Final = "fixed"
TARIFF_SCHEDULE: Final = "time_of_use"
TARIFF_PRICE_ENTITY: Final = "price_entity"
TARIFF_SOURCES: Final = (TARIFF_FIXED, TARIFF_SCHEDULE, TARIFF_PRICE_ENTITY)

AUTONOMY_ACT: Final = "act"
AUTONOMY_PROPOSE: Final = "propose"

DEFAULT_MAX_BUY_PRICE: Final = 0.15
DEFAULT_MIN_SELL_PRICE: Final = 0.06
DEFAULT_HIGH_PRICE_THRESHOLD: Final = 0.11
DEFAULT_AUTONOMY: Final = AUTONOMY_ACT
DEFAULT_TARIFF_SOURCE: Final = TARIFF_FIXED
# The 2026 reference figures (``agent/tariff.py``).
DEFAULT_TARIFF_PRICE: Final = 0.37
DEFAULT_FEED_IN_PRICE: Final = 0.078
DEFAULT_INSTALL_SENTENCES: Final = True

EVENT_ORDER_UPDATE: Final = "community_storage_order_update"
EVENT_COMMITMENT_STARTED: Final = "community_storage_commitment_started"
EVENT_COMMITMENT_ENDED: Final = "community_storage_commitment_ended"

# Config flow only: the one-time join code from the operator (never stored).
CONF_JOIN_CODE: Final = "join_code"
