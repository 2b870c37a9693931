"""Diagnostics: the household's data with the token, URL and names redacted."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.community_storage.const import CONF_TOKEN
from custom_components.community_storage.market_client.models import Side
from tests.market_harness import RunningMarket

# Server ids are random; numbering them in order of appearance keeps the snapshot stable.
_ID = re.compile(
    r"^((hh|rq|or|fl|fi|rd|ro|le|st|en)_[A-Za-z0-9_-]+"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def _stable(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _stable(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_stable(item, ids) for item in value]
    if isinstance(value, str) and _ID.match(value):
        kind = value.split("_")[0] if "_" in value else "uuid"
        return ids.setdefault(value, f"<{kind} {len(ids) + 1}>")
    return value


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    snapshot: SnapshotAssertion,
) -> None:
    """Secrets and names never leave; the trades and the market are all there."""
    await market.place(neighbour[1], "sell", date(2026, 11, 26), 1, 10.0, 0.07)
    await setup_integration.runtime_data.client.create_request(
        Side.BUY,
        start_day=date(2026, 11, 26),
        num_days=1,
        kwh_per_day=4.0,
        limit_price=0.08,
        note="Miller's sauna",
    )
    await setup_integration.runtime_data.coordinator.async_refresh()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_integration)
    text = json.dumps(diagnostics)
    for secret in (setup_integration.data[CONF_TOKEN], market.url, "Miller", "sauna"):
        assert secret not in text
    assert diagnostics["data"]["requests"][0]["orders"][0]["filled_kwh"] == "4.0"
    diagnostics["data"].pop("fetched_at")
    assert _stable(diagnostics, {}) == snapshot
