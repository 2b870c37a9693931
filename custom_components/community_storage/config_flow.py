"""Config flow: join a community, map the household's sensors, set trading preferences."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util
from yarl import URL

from .agent.delivery import POWER_UNITS
from .agent.price_forecast import tariff_from_entity
from .agent.tariff_schedule import ScheduleError, parse_schedule
from .const import (
    AUTONOMY_ACT,
    AUTONOMY_PROPOSE,
    CONF_AUTONOMY,
    CONF_BATTERY_CAPACITY_ENTITY,
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_BATTERY_CONTROL_OPTION,
    CONF_BATTERY_POWER_ENTITY,
    CONF_BATTERY_SOC_ENTITY,
    CONF_DISCHARGE_CONTROL_ENTITY,
    CONF_DISCHARGE_CONTROL_OPTION,
    CONF_FEED_IN_PRICE,
    CONF_GRID_EXPORT_ENTITY,
    CONF_GRID_IMPORT_ENTITY,
    CONF_HIGH_PRICE_THRESHOLD,
    CONF_HOUSEHOLD_ID,
    CONF_HOUSEHOLD_NAME,
    CONF_INSTALL_SENTENCES,
    CONF_JOIN_CODE,
    CONF_LOAD_ENTITY,
    CONF_MAX_BUY_PRICE,
    CONF_MIN_SELL_PRICE,
    CONF_NOTIFY_ACTION,
    CONF_PRICE_ENTITY,
    CONF_PV_ENTITY,
    CONF_TARIFF_PRICE,
    CONF_TARIFF_SCHEDULE,
    CONF_TARIFF_SOURCE,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_AUTONOMY,
    DEFAULT_FEED_IN_PRICE,
    DEFAULT_HIGH_PRICE_THRESHOLD,
    DEFAULT_INSTALL_SENTENCES,
    DEFAULT_MAX_BUY_PRICE,
    DEFAULT_MIN_SELL_PRICE,
    DEFAULT_TARIFF_PRICE,
    DEFAULT_TARIFF_SOURCE,
    DOMAIN,
    TARIFF_PRICE_ENTITY,
    TARIFF_SCHEDULE,
    TARIFF_SOURCES,
)
from .market_client.client import (
    MarketAuthError,
    MarketClient,
    MarketConnectionError,
    MarketError,
    MarketJoinCodeExpiredError,
    MarketJoinCodeInvalidError,
    MarketJoinCodeUsedError,
    MarketResponseError,
    MarketServerError,
    MarketTooManyAttemptsError,
    MarketValidationError,
)
from .market_client.models import JoinCheck
from .repairs import SUPPORTED_API_VERSION

_LOGGER = logging.getLogger(__name__)

NOTIFY_DOMAIN: Final = "notify"

SENSOR_KEYS = (
    CONF_BATTERY_SOC_ENTITY,
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_CAPACITY_ENTITY,
    CONF_BATTERY_POWER_ENTITY,
    CONF_PV_ENTITY,
    CONF_LOAD_ENTITY,
    CONF_GRID_IMPORT_ENTITY,
    CONF_GRID_EXPORT_ENTITY,
)

_URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_PRICE_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=1, step=0.001, unit_of_measurement="EUR/kWh", mode=NumberSelectorMode.BOX
    )
)


def _sensor_selector(*device_classes: SensorDeviceClass) -> EntitySelector:
    """An entity selector for sensors of the given device classes."""
    return EntitySelector(
        EntitySelectorConfig(
            domain="sensor", device_class=[str(device_class) for device_class in device_classes]
        )
    )


SENSORS_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_BATTERY_SOC_ENTITY): _sensor_selector(SensorDeviceClass.BATTERY),
        vol.Optional(CONF_BATTERY_CAPACITY_KWH): NumberSelector(
            NumberSelectorConfig(
                min=0.1, max=1000, step=0.1, unit_of_measurement="kWh", mode=NumberSelectorMode.BOX
            )
        ),
        vol.Optional(CONF_BATTERY_CAPACITY_ENTITY): _sensor_selector(
            SensorDeviceClass.ENERGY_STORAGE, SensorDeviceClass.ENERGY
        ),
        vol.Optional(CONF_BATTERY_POWER_ENTITY): _sensor_selector(SensorDeviceClass.POWER),
        vol.Optional(CONF_PV_ENTITY): _sensor_selector(
            SensorDeviceClass.POWER, SensorDeviceClass.ENERGY
        ),
        vol.Optional(CONF_LOAD_ENTITY): _sensor_selector(
            SensorDeviceClass.POWER, SensorDeviceClass.ENERGY
        ),
        # Both meters together measure the virtual battery of capacity bought.
        vol.Optional(CONF_GRID_IMPORT_ENTITY): _sensor_selector(SensorDeviceClass.ENERGY),
        vol.Optional(CONF_GRID_EXPORT_ENTITY): _sensor_selector(SensorDeviceClass.ENERGY),
    }
)
# What a household pays per kWh (up to the tariff module's bound) and gets for feeding in.
_TARIFF_PRICE_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=2, step=0.001, unit_of_measurement="EUR/kWh", mode=NumberSelectorMode.BOX
    )
)
_SCHEDULE_SELECTOR = TextSelector(TextSelectorConfig(multiline=False))
_PRICE_ENTITY_SELECTOR = EntitySelector(EntitySelectorConfig(domain="sensor"))
_CONTROL_SELECTOR = EntitySelector(
    EntitySelectorConfig(domain=["number", "select", "input_number", "input_select"])
)
_SELECT_PREFIXES: Final = ("select.", "input_select.")
# Each battery control: its entity, the select option it sets, and the errors of that option.
_CONTROLS: Final = (
    (
        CONF_BATTERY_CONTROL_ENTITY,
        CONF_BATTERY_CONTROL_OPTION,
        "control_option_required",
        "unknown_control_option",
    ),
    (
        CONF_DISCHARGE_CONTROL_ENTITY,
        CONF_DISCHARGE_CONTROL_OPTION,
        "discharge_option_required",
        "unknown_discharge_option",
    ),
)


class UnsupportedServerError(Exception):
    """The server speaks another API version than this integration."""


class NotAMarketServerError(Exception):
    """Something answers at the URL, but not a market server (e.g. Home Assistant itself)."""


class InvalidUrlError(Exception):
    """The URL is not an absolute http(s) address."""


# The API's own prefix: users paste it from the docs, but the URL is the server's root.
_API_PREFIX: Final = "/api/v1"


def _normalise_url(url: str) -> str:
    """Strip blanks, trailing slashes and the API prefix, so one server has one spelling."""
    url = str(url).strip().rstrip("/")
    if url.lower().endswith(_API_PREFIX):
        url = url[: -len(_API_PREFIX)].rstrip("/")
    return url


def _check_url(url: str) -> None:
    """Refuse what is not an absolute http(s) URL before anything is sent."""
    try:
        parsed = URL(url)
    except ValueError as err:
        raise InvalidUrlError(url) from err
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidUrlError(url)


def _resolver_failed(err: Exception) -> bool:
    """Whether a non-network error came out of the DNS resolver (a broken aiodns/pycares pair
    raises TypeError for every host name): worth its own message, not "unexpected error"."""
    return any(
        part in frame.filename
        for frame in traceback.extract_tb(err.__traceback__)
        for part in ("/aiodns/", "/pycares/", "/aiohttp/resolver.py")
    )


def _entity_known(hass: HomeAssistant, entity_id: str) -> bool:
    """Home Assistant has the entity (a state, or a registry entry not loaded right now); the
    REST API takes any entity id the selector's pattern allows."""
    return (
        hass.states.get(entity_id) is not None
        or er.async_get(hass).async_get(entity_id) is not None
    )


def _sensor_errors(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """Every chosen sensor exists; a state of charge is meaningless without the capacity it is
    a share of."""
    missing = {
        key: "entity_not_found"
        for key in SENSOR_KEYS
        if key != CONF_BATTERY_CAPACITY_KWH
        and (entity_id := user_input.get(key))
        and not _entity_known(hass, str(entity_id))
    }
    if missing:
        return missing
    if user_input.get(CONF_BATTERY_SOC_ENTITY) and not (
        user_input.get(CONF_BATTERY_CAPACITY_KWH) or user_input.get(CONF_BATTERY_CAPACITY_ENTITY)
    ):
        return {"base": "capacity_required"}
    return {}


def _sensor_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Only the sensors the household chose; absent keys mean "not available"."""
    return {key: user_input[key] for key in SENSOR_KEYS if user_input.get(key) not in (None, "")}


async def _async_check_server(hass: HomeAssistant, url: str) -> None:
    """Reach the server and make sure it speaks our API version."""
    _check_url(url)
    try:
        health = await MarketClient(async_get_clientsession(hass), url).health()
    except (MarketConnectionError, MarketServerError):
        raise
    except MarketError as err:
        # A 404 (Home Assistant's own URL), a 401 or a page that is no health document.
        raise NotAMarketServerError(url) from err
    if health.api_version != SUPPORTED_API_VERSION:
        raise UnsupportedServerError(health.api_version)


def _connection_errors(err: Exception) -> dict[str, str]:
    """Map the errors every step shares to form errors."""
    if isinstance(err, InvalidUrlError):
        return {CONF_URL: "invalid_url"}
    if isinstance(err, NotAMarketServerError):
        return {CONF_URL: "not_market_server"}
    if isinstance(err, MarketConnectionError | MarketServerError | MarketResponseError):
        return {"base": "cannot_connect"}
    if isinstance(err, UnsupportedServerError):
        return {"base": "unsupported_version"}
    if isinstance(err, MarketJoinCodeInvalidError) or (
        isinstance(err, MarketValidationError) and err.field == "code"
    ):
        # Also a code the server refuses to read (too long, control characters).
        return {CONF_JOIN_CODE: "invalid_code"}
    if isinstance(err, MarketJoinCodeUsedError):
        return {CONF_JOIN_CODE: "code_used"}
    if isinstance(err, MarketJoinCodeExpiredError):
        return {CONF_JOIN_CODE: "code_expired"}
    if isinstance(err, MarketTooManyAttemptsError):
        return {"base": "too_many_attempts"}
    if isinstance(err, MarketAuthError):
        return {"base": "invalid_auth"}
    if _resolver_failed(err):
        _LOGGER.error("Home Assistant's DNS resolver failed", exc_info=err)
        return {CONF_URL: "resolver_failed"}
    _LOGGER.exception("Unexpected error talking to the market server", exc_info=err)
    return {"base": "unknown"}


class _CodeMissing(Exception):
    """The join code field was left blank (or only blanks)."""


class CommunityStorageConfigFlow(ConfigFlow, domain=DOMAIN):
    """Join a community with a one-time code; one entry per household."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing joined."""
        self._data: dict[str, Any] = {}
        self._title = ""
        self._code = ""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> CommunityStorageOptionsFlow:
        """Trading preferences."""
        return CommunityStorageOptionsFlow()

    async def _async_check_code(self, url: str, code: str) -> JoinCheck:
        """Check the server and whom the code joins; nothing is redeemed yet."""
        await _async_check_server(self.hass, url)
        return await MarketClient.check_join_code(async_get_clientsession(self.hass), url, code)

    async def _async_redeem(self, url: str, code: str) -> str:
        """Redeem the checked code: the household is joined from now on -> its token."""
        joined = await MarketClient.join(async_get_clientsession(self.hass), url, code)
        return joined.token

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Step 1: the server's URL and the join code from the operator (checked, not redeemed)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            url = _normalise_url(user_input[CONF_URL])
            code = str(user_input[CONF_JOIN_CODE]).strip()
            try:
                if not code:
                    raise _CodeMissing
                checked = await self._async_check_code(url, code)
                await self.async_set_unique_id(checked.household_id)
                if self.hass.config_entries.async_entry_for_domain_unique_id(
                    DOMAIN, checked.household_id
                ):
                    # Joining again with a rejoin code gives this household a new token: keep it.
                    token = await self._async_redeem(url, code)
                    self._abort_if_unique_id_configured(updates={CONF_URL: url, CONF_TOKEN: token})
            except _CodeMissing:
                errors = {CONF_JOIN_CODE: "code_required"}
            except AbortFlow:
                raise
            except Exception as err:  # every failure is a form error, never a 500
                errors = _connection_errors(err)
            else:
                self._code = code
                self._data = {
                    CONF_URL: url,
                    CONF_HOUSEHOLD_ID: checked.household_id,
                    CONF_HOUSEHOLD_NAME: checked.name,
                }
                self._title = f"{checked.name} ({checked.community})"
                return await self.async_step_sensors()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {vol.Required(CONF_URL): _URL_SELECTOR, vol.Required(CONF_JOIN_CODE): str}
                ),
                user_input,
            ),
            errors=errors,
        )

    async def async_step_sensors(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Step 2: the household's sensors (all optional); the code is redeemed only now, so
        a flow abandoned before this leaves the code usable."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _sensor_errors(self.hass, user_input)
            if not errors:
                try:
                    token = await self._async_redeem(self._data[CONF_URL], self._code)
                except Exception as err:  # every failure is a form error, never a 500
                    # The form has no code field: every error shows above the form.
                    errors = {"base": next(iter(_connection_errors(err).values()))}
                else:
                    return self.async_create_entry(
                        title=self._title,
                        data={**self._data, CONF_TOKEN: token, **_sensor_data(user_input)},
                    )
        return self.async_show_form(
            step_id="sensors",
            data_schema=self.add_suggested_values_to_schema(SENSORS_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"household": self._data[CONF_HOUSEHOLD_NAME]},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server rejected the token: ask for a rejoin code."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Redeem a rejoin code (``market-server households rejoin ID``) for a new token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url, code = entry.data[CONF_URL], str(user_input[CONF_JOIN_CODE]).strip()
            try:
                if not code:
                    raise _CodeMissing
                # Whose code it is comes first: another household's rejoin code must stay
                # unredeemed, or its Home Assistant would lose its token.
                checked = await self._async_check_code(url, code)
                if checked.household_id != entry.unique_id:
                    errors = {"base": "wrong_household"}
                else:
                    token = await self._async_redeem(url, code)
            except _CodeMissing:
                errors = {CONF_JOIN_CODE: "code_required"}
            except Exception as err:  # every failure is a form error, never a 500
                errors = _connection_errors(err)
            else:
                if not errors:
                    return self.async_update_reload_and_abort(
                        entry, data_updates={CONF_TOKEN: token, CONF_HOUSEHOLD_NAME: checked.name}
                    )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_JOIN_CODE): str}),
            errors=errors,
            description_placeholders={
                "household_id": entry.data[CONF_HOUSEHOLD_ID],
                "url": entry.data[CONF_URL],
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server's URL (same household, same token) or the sensors."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url = _normalise_url(user_input[CONF_URL])
            errors = _sensor_errors(self.hass, user_input)
            if not errors:
                try:
                    await _async_check_server(self.hass, url)
                    session = async_get_clientsession(self.hass)
                    me = await MarketClient(session, url, entry.data[CONF_TOKEN]).me()
                except Exception as err:  # every failure is a form error, never a 500
                    errors = _connection_errors(err)
                else:
                    # A token belongs to exactly one household, so no identity check is needed.
                    return self.async_update_reload_and_abort(
                        entry,
                        data={
                            CONF_URL: url,
                            CONF_TOKEN: entry.data[CONF_TOKEN],
                            CONF_HOUSEHOLD_ID: entry.data[CONF_HOUSEHOLD_ID],
                            CONF_HOUSEHOLD_NAME: me.name,
                            **_sensor_data(user_input),
                        },
                    )
        schema = vol.Schema({vol.Required(CONF_URL): _URL_SELECTOR}).extend(SENSORS_SCHEMA.schema)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input if user_input is not None else dict(entry.data)
            ),
            errors=errors,
        )


class CommunityStorageOptionsFlow(OptionsFlow):
    """Trading preferences: price limits, autonomy, follow-up notifications, sentences."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form with every preference."""
        errors: dict[str, str] = {}
        schedule_part = ""
        notify_actions = sorted(
            f"{NOTIFY_DOMAIN}.{service}"
            for service in self.hass.services.async_services_for_domain(NOTIFY_DOMAIN)
        )
        if user_input is not None:
            action = str(user_input.get(CONF_NOTIFY_ACTION) or "").strip()
            if action and action not in notify_actions:
                errors[CONF_NOTIFY_ACTION] = "unknown_notify_action"
            errors.update(self._control_errors(user_input))
            tariff_errors, schedule_part = self._tariff_errors(user_input)
            errors.update(tariff_errors)
            if not errors:
                options = {**user_input}
                for key in (
                    CONF_NOTIFY_ACTION,
                    CONF_BATTERY_CONTROL_ENTITY,
                    CONF_BATTERY_CONTROL_OPTION,
                    CONF_DISCHARGE_CONTROL_ENTITY,
                    CONF_DISCHARGE_CONTROL_OPTION,
                    CONF_TARIFF_SCHEDULE,
                    CONF_PRICE_ENTITY,
                ):
                    options.pop(key, None)
                # Only the tariff source's own setting is kept: a schedule or a price entity.
                if user_input[CONF_TARIFF_SOURCE] == TARIFF_SCHEDULE:
                    options[CONF_TARIFF_SCHEDULE] = str(user_input[CONF_TARIFF_SCHEDULE]).strip()
                elif user_input[CONF_TARIFF_SOURCE] == TARIFF_PRICE_ENTITY:
                    options[CONF_PRICE_ENTITY] = user_input[CONF_PRICE_ENTITY]
                if action:
                    options[CONF_NOTIFY_ACTION] = action
                # Only the controls chosen, and an option only for a select.
                for entity_key, option_key, _, _ in _CONTROLS:
                    if control := user_input.get(entity_key):
                        options[entity_key] = control
                        if control.startswith(_SELECT_PREFIXES):
                            options[option_key] = str(user_input[option_key]).strip()
                return self.async_create_entry(data=options)
        current = {
            CONF_MAX_BUY_PRICE: DEFAULT_MAX_BUY_PRICE,
            CONF_MIN_SELL_PRICE: DEFAULT_MIN_SELL_PRICE,
            CONF_HIGH_PRICE_THRESHOLD: DEFAULT_HIGH_PRICE_THRESHOLD,
            CONF_AUTONOMY: DEFAULT_AUTONOMY,
            CONF_INSTALL_SENTENCES: DEFAULT_INSTALL_SENTENCES,
            CONF_TARIFF_SOURCE: DEFAULT_TARIFF_SOURCE,
            CONF_TARIFF_PRICE: DEFAULT_TARIFF_PRICE,
            CONF_FEED_IN_PRICE: DEFAULT_FEED_IN_PRICE,
            **self.config_entry.options,
            **(user_input or {}),
        }
        schema = vol.Schema(
            {
                vol.Required(CONF_MAX_BUY_PRICE): _PRICE_SELECTOR,
                vol.Required(CONF_MIN_SELL_PRICE): _PRICE_SELECTOR,
                vol.Required(CONF_HIGH_PRICE_THRESHOLD): _PRICE_SELECTOR,
                vol.Required(CONF_AUTONOMY): SelectSelector(
                    SelectSelectorConfig(
                        options=[AUTONOMY_ACT, AUTONOMY_PROPOSE],
                        translation_key=CONF_AUTONOMY,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Optional(CONF_NOTIFY_ACTION): SelectSelector(
                    SelectSelectorConfig(
                        options=notify_actions,
                        custom_value=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(CONF_INSTALL_SENTENCES): BooleanSelector(),
                vol.Optional(CONF_BATTERY_CONTROL_ENTITY): _CONTROL_SELECTOR,
                vol.Optional(CONF_BATTERY_CONTROL_OPTION): str,
                vol.Optional(CONF_DISCHARGE_CONTROL_ENTITY): _CONTROL_SELECTOR,
                vol.Optional(CONF_DISCHARGE_CONTROL_OPTION): str,
                # Defaults: a household that never opens the tariff settings has the 2026
                # average fixed tariff.
                vol.Required(CONF_TARIFF_SOURCE, default=DEFAULT_TARIFF_SOURCE): SelectSelector(
                    SelectSelectorConfig(
                        options=list(TARIFF_SOURCES),
                        translation_key=CONF_TARIFF_SOURCE,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(CONF_TARIFF_PRICE, default=DEFAULT_TARIFF_PRICE): (
                    _TARIFF_PRICE_SELECTOR
                ),
                vol.Optional(CONF_TARIFF_SCHEDULE): _SCHEDULE_SELECTOR,
                vol.Optional(CONF_PRICE_ENTITY): _PRICE_ENTITY_SELECTOR,
                vol.Required(CONF_FEED_IN_PRICE, default=DEFAULT_FEED_IN_PRICE): _PRICE_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
            description_placeholders={"schedule_part": schedule_part},
        )

    def _tariff_errors(self, user_input: Mapping[str, Any]) -> tuple[dict[str, str], str]:
        """A schedule must read as periods and prices; a price entity must give prices.

        Returns the errors and the part of the schedule that is wrong (for the message).
        """
        source = user_input.get(CONF_TARIFF_SOURCE)
        if source == TARIFF_SCHEDULE:
            text = str(user_input.get(CONF_TARIFF_SCHEDULE) or "").strip()
            if not text:
                return {CONF_TARIFF_SCHEDULE: "schedule_required"}, ""
            try:
                parse_schedule(text, default=float(user_input[CONF_TARIFF_PRICE]))
            except ScheduleError as err:
                return {CONF_TARIFF_SCHEDULE: err.reason}, err.detail
        elif source == TARIFF_PRICE_ENTITY:
            entity_id = user_input.get(CONF_PRICE_ENTITY)
            if not entity_id:
                return {CONF_PRICE_ENTITY: "price_entity_required"}, ""
            state = self.hass.states.get(entity_id)
            readable = state is not None and (
                tariff_from_entity(
                    state=state.state,
                    attributes=state.attributes,
                    day=dt_util.now().date(),
                    zone=dt_util.get_default_time_zone(),
                    feed_in=float(user_input[CONF_FEED_IN_PRICE]),
                )
                is not None
            )
            if not readable:
                return {CONF_PRICE_ENTITY: "price_entity_unreadable"}, ""
        return {}, ""

    def _control_errors(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        """Each control chosen exists; a select needs one of its own options (the one that
        holds the charge, or the one that forces discharge); a discharge number is a power."""
        errors: dict[str, str] = {}
        for entity_key, option_key, option_required, unknown_option in _CONTROLS:
            control = str(user_input.get(entity_key) or "")
            if not control:
                continue
            if not _entity_known(self.hass, control):
                errors[entity_key] = "entity_not_found"
            elif control.startswith(_SELECT_PREFIXES):
                option = str(user_input.get(option_key) or "").strip()
                state = self.hass.states.get(control)
                known = state.attributes.get("options") if state is not None else None
                if not option:
                    errors[option_key] = option_required
                elif known is not None and option not in known:
                    errors[option_key] = unknown_option
            elif entity_key == CONF_DISCHARGE_CONTROL_ENTITY and self._power_unit(control) is None:
                errors[entity_key] = "discharge_unit"
        return errors

    def _power_unit(self, entity_id: str) -> str | None:
        """The unit (W or kW) of a number entity, from its state or its registry entry."""
        state = self.hass.states.get(entity_id)
        if state is not None:
            unit = state.attributes.get("unit_of_measurement")
        else:
            registered = er.async_get(self.hass).async_get(entity_id)
            unit = registered.unit_of_measurement if registered is not None else None
        return unit if unit in POWER_UNITS else None
