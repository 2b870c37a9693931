"""An offer placed before the household's own delivery record fell is cut to that record:
through a real Home Assistant and the real market server, the battery holds too little on a
delivery day, the integration reports it, the day settles, and on the next refresh the
watcher cuts the household's open holiday offer and tells it why."""

from __future__ import annotations

import math
from datetime import timedelta

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.community_storage.agent.plans import TradeRequest
from custom_components.community_storage.const import (
    CONF_BATTERY_CONTROL_ENTITY,
    CONF_BATTERY_SOC_ENTITY,
    EVENT_ORDER_UPDATE,
)
from custom_components.community_storage.household.notifications import notification_id
from custom_components.community_storage.market_client.models import Side
from tests.market_harness import RunningMarket

from .delivery_day import (
    CONTROL,
    DAY,
    Clocks,
    battery_control,
    local,
    set_up,
    trade_the_day,
    unload,
)


async def test_an_open_offer_is_cut_when_the_battery_delivered_little(
    hass: HomeAssistant,
    joined_entry: MockConfigEntry,
    market: RunningMarket,
    neighbour: tuple[str, str],
    clocks: Clocks,
) -> None:
    await battery_control(hass)
    hass.config_entries.async_update_entry(
        joined_entry, options={CONF_BATTERY_CONTROL_ENTITY: CONTROL}
    )
    token = await trade_the_day(market, joined_entry, neighbour[1], "sell", 5.0)
    await set_up(hass, joined_entry)
    agent = joined_entry.runtime_data.trading
    coordinator = joined_entry.runtime_data.coordinator

    # Two weeks ahead, with nothing on record yet: a holiday offer nobody takes yet.
    days = market.open_days()[-3:]
    outcome = await agent.async_execute(
        TradeRequest(Side.SELL, days[0], 3, reason="holiday"), language="en"
    )
    assert outcome.kind == "no_counterparty"
    assert [d.isoformat() for d in days] == ["2026-12-07", "2026-12-08", "2026-12-09"]
    offered = [o.volume_kwh for o in outcome.orders]
    assert len(set(offered)) == 1 and offered[0] >= 1.0
    assert agent.recorded_requests[outcome.request_id].sized_with_record is None

    # The 26th: the battery charged to 20 % only, so at 17:00 it held 0.95 kWh of the 5 sold;
    # after midnight the integration reports that, the buyer reports, the day settles.
    soc_entity = joined_entry.data[CONF_BATTERY_SOC_ENTITY]
    await clocks.move_to(local(DAY, 0))
    soc = hass.states.get(soc_entity)
    assert soc is not None
    hass.states.async_set(soc_entity, "20", soc.attributes)
    await clocks.move_to(local(DAY, 17))
    await clocks.move_to(local(DAY + timedelta(days=1), 0, 5))
    deliveries = (await market.get("/api/v1/deliveries", token))["deliveries"]
    assert [(d["day"], d["side"], d["kwh"]) for d in deliveries] == [("2026-11-26", "sell", 0.95)]
    await market.report_delivery(neighbour[1], DAY, "buy", 0.0, client_report_id="nb-buy")
    await market.settle()
    me = await market.get("/api/v1/me", token)
    assert me["delivery"] == {"days": 1, "delivered_per_kwh_sold": 0.19}

    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    # 19 % of each day's volume, down to the 0.1 kWh step.
    kept = [math.floor(kwh * 0.19 * 10 + 1e-6) / 10 for kwh in offered]
    (cut,) = [e.data for e in events if e.data["type"] == "cut_to_record"]
    requests = {
        r["request_id"]: r for r in (await market.get("/api/v1/requests", token))["requests"]
    }
    old = requests[outcome.request_id]
    assert [o["status"] for o in old["orders"]] == ["cancelled"] * 3
    new = requests[cut["new_request_id"]]
    record = agent.recorded_requests[outcome.request_id]
    assert new["client_request_id"] == f"{record.client_request_id}-c1"
    assert [(o["day"], o["volume_kwh"], o["limit_price"], o["status"]) for o in new["orders"]] == [
        (day.isoformat(), kwh, outcome.orders[0].limit_price, "open")
        for day, kwh in zip(days, kept, strict=True)
    ]
    successor = agent.recorded_requests[cut["new_request_id"]]
    assert (successor.parent, successor.sized_with_record) == (outcome.request_id, 0.19)
    assert record.cut == 1
    assert cut["message"] == (
        f"I've reduced your offer for 7-9 December from {offered[0]:g} kWh to {kept[0]:g} kWh "
        "a day: on your last selling day your battery delivered 19% of what it sold."
    )
    assert (cut["before_kwh"], cut["after_kwh"]) == (offered, kept)
    notification = persistent_notification._async_get_or_create_notifications(hass)[
        notification_id(outcome.request_id)
    ]
    assert notification["message"] == cut["message"]

    # The record holds: the next refresh cuts nothing more.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert len([e for e in events if e.data["type"] == "cut_to_record"]) == 1

    await unload(hass, joined_entry)
