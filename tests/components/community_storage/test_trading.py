"""The trading agent inside Home Assistant against a real market server on 127.0.0.1.

History comes from real recorder statistics; counterparties are real households placing real
orders through the market's HTTP API; clearing is the server's (ASSUME) round right after each
submit. Every expectation about volumes, prices and totals is read back from the server.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.community_storage.agent.errors import (
    MarketAccessRevokedError,
    NoBatteryError,
    NothingToTradeError,
    ProposalNotFoundError,
    RequestNotFoundError,
)
from custom_components.community_storage.agent.forecast import Period
from custom_components.community_storage.agent.plans import TradeOutcome, TradeRequest
from custom_components.community_storage.compat import statistic_metadata
from custom_components.community_storage.const import (
    AUTONOMY_PROPOSE,
    CONF_AUTONOMY,
    CONF_BATTERY_CAPACITY_ENTITY,
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_POWER_ENTITY,
    CONF_BATTERY_SOC_ENTITY,
    CONF_HOUSEHOLD_ID,
    CONF_HOUSEHOLD_NAME,
    CONF_LOAD_ENTITY,
    CONF_NOTIFY_ACTION,
    CONF_PV_ENTITY,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
    EVENT_ORDER_UPDATE,
)
from custom_components.community_storage.household.agent import TradingAgent
from custom_components.community_storage.household.notifications import notification_id
from custom_components.community_storage.language.speak.explain import (
    error_text,
    fmt_day,
    period_phrase,
)
from custom_components.community_storage.market_client.client import MarketClient
from tests.market_harness import MutableClock, running_market

from .conftest import change_options
from .seed_history import DAILY_LOAD_KWH, async_seed_history


def _agent(entry: MockConfigEntry) -> TradingAgent:
    return entry.runtime_data.trading


async def _seed(hass: HomeAssistant, entry: MockConfigEntry, **kwargs: Any) -> date:
    today = _agent(entry).today()
    await async_seed_history(
        hass,
        load_entity=entry.data[CONF_LOAD_ENTITY],
        pv_entity=entry.data[CONF_PV_ENTITY],
        today=today,
        **kwargs,
    )
    return today


async def _server_requests(market: Any, entry: MockConfigEntry) -> list[dict[str, Any]]:
    body = await market.get("/api/v1/requests", entry.data[CONF_TOKEN])
    return list(body["requests"])


def _first_day(market: Any) -> date:
    """A delivery day safely inside the gate whatever the time of day the test runs."""
    return market.open_days()[1]


async def _seeded_first_day(hass: HomeAssistant, entry: MockConfigEntry, market: Any) -> date:
    """The household's history seeded; the first delivery day safely inside the gate."""
    await _seed(hass, entry)
    return _first_day(market)


async def _trade(entry: MockConfigEntry, request: TradeRequest) -> TradeOutcome:
    """The household's trading agent carries out ``request``, speaking English."""
    return await _agent(entry).async_execute(request, language="en")


async def _without_battery(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    data = {k: v for k, v in entry.data.items() if k != CONF_BATTERY_CAPACITY_KWH}
    hass.config_entries.async_update_entry(entry, data=data)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def test_forecast_reads_recorder_statistics(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    await _seed(hass, setup_integration)
    forecast = await _agent(setup_integration).async_forecast()
    assert forecast.history_days == 14
    assert not forecast.fallback
    assert forecast.daily_load_kwh == pytest.approx(DAILY_LOAD_KWH, rel=0.05)
    assert forecast.daily_pv_kwh == pytest.approx(3.0, rel=0.02)


async def test_forecast_reads_energy_meter_statistics(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    await _seed(hass, setup_integration, load_as_energy=True)
    forecast = await _agent(setup_integration).async_forecast()
    assert forecast.history_days == 14
    assert forecast.daily_load_kwh == pytest.approx(DAILY_LOAD_KWH, rel=0.05)


async def test_sell_while_away_fills_and_explains(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(neighbour[1], "buy", start, 7, 12.0, 0.09)
    agent = _agent(setup_integration)
    outcome = await agent.async_execute(
        TradeRequest("sell", start, 7, reason="holiday"), language="en"
    )
    (server,) = await _server_requests(market, setup_integration)
    assert server["request_id"] == outcome.request_id
    orders = server["orders"]
    assert [o["day"] for o in orders] == [(start + timedelta(days=i)).isoformat() for i in range(7)]
    # Away means away: of the usable capacity (10 kWh less the 10 % reserve assumed without
    # SoC history) less what the empty house keeps for its nights, only what is expected to
    # fill: the empty house's own solar surplus and the community's expected share (nothing
    # measured yet: the month's assumption).
    # (November's assumption, then December's: the days may differ.)
    assert [o["volume_kwh"] for o in orders] == [d.kwh for d in outcome.plan.days]
    for day in outcome.plan.days:
        assert day.kwh == pytest.approx(day.own_fill_kwh + day.shared_kwh, abs=0.11)
        assert day.own_fill_kwh > 0 and day.kwh < day.wanted_kwh and day.note == "fill_limited"
    assert "a day rather than the" in outcome.speech
    assert all(d.need_kwh < 2.0 for d in outcome.plan.days)
    assert all(o["status"] == "filled" for o in orders)
    assert all(o["limit_price"] == 0.06 for o in orders)  # the user's minimum sets the ask
    total = sum(o["filled_kwh"] * o["avg_price"] for o in orders)
    price = orders[0]["avg_price"]
    assert outcome.kind == "filled"
    period = period_phrase(start, 7, agent.today(), "en")
    low, high = min(d.kwh for d in outcome.plan.days), max(d.kwh for d in outcome.plan.days)
    amount = f"{low:g} kWh" if low == high else f"{low:g} kWh to {high:g} kWh"
    assert outcome.speech.startswith(
        f"I've sold {amount} of your storage capacity per day {period} while you're away."
    )
    assert f"You'll earn EUR {price:.2f}/kWh for a total of EUR {total:.2f} over the week." in (
        outcome.speech
    )
    assert "9 kWh usable" in outcome.speech
    assert "still needs" not in outcome.speech
    assert "base load (fridge, standby)" in outcome.speech
    # The away week is remembered and left out of the next forecast's normal profile.
    forecast = await agent.async_forecast()
    assert Period(start, start + timedelta(days=6), "away") in forecast.excluded_periods


async def test_a_sale_is_priced_from_the_market_now_not_from_the_last_refresh(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    """Neighbours trade after Home Assistant's last poll: the ask is their price, not the floor."""
    start = await _seeded_first_day(hass, setup_integration, market)
    seller = (await market.join_household("Keen seller"))[1]
    await market.place(seller, "sell", start, 7, 2.0, 0.09)
    await market.place(neighbour[1], "buy", start, 7, 12.0, 0.10)
    coordinator = setup_integration.runtime_data.coordinator
    # Home Assistant's snapshot predates the neighbours' trades: no price in it yet.
    snapshot = coordinator.data.market.day(start)
    assert snapshot is None or snapshot.last_price is None

    outcome = await _trade(setup_integration, TradeRequest("sell", start, 7, reason="holiday"))
    (server,) = await _server_requests(market, setup_integration)
    assert outcome.plan.price.inputs["market_price"] == 0.09
    assert all(o["limit_price"] == 0.09 for o in server["orders"])
    # Sold into the standing bids at the going price, not at the household's floor (0.06).
    assert all(o["status"] == "filled" and o["avg_price"] == 0.09 for o in server["orders"])


async def test_battery_limits_come_from_the_soc_and_power_history(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    today = await _seed(hass, setup_integration)
    timezone = dt_util.get_default_time_zone()
    soc_rows, power_rows = [], []
    for hour in range(7 * 24):
        start = dt_util.as_utc(
            datetime(today.year, today.month, today.day, tzinfo=timezone)
        ) - timedelta(hours=7 * 24 - hour)
        # The battery swings between its 5 % floor and 95 % top at up to 3.2 kW.
        soc = 5.0 + 90.0 * (hour % 24) / 23
        watts = 3200.0 if hour % 24 == 12 else -800.0
        soc_rows.append({"start": start, "mean": soc, "min": soc, "max": soc})
        power_rows.append({"start": start, "mean": watts, "min": watts, "max": watts})
    entry = setup_integration
    for key, unit, rows in (
        (CONF_BATTERY_SOC_ENTITY, "%", soc_rows),
        (CONF_BATTERY_POWER_ENTITY, "W", power_rows),
    ):
        metadata = statistic_metadata(entry.data[key], unit, mean=True, total=False)
        async_import_statistics(hass, metadata, rows)
    await async_wait_recording_done(hass)
    start = _first_day(market)
    await market.place(neighbour[1], "buy", start, 1, 12.0, 0.09)
    outcome = await _trade(entry, TradeRequest("sell", start, 1, reason="holiday"))
    # 10 kWh between 5 % and 95 %: 9 kWh usable, read from the SoC sensor's history.
    assert outcome.plan.usable_capacity_kwh == 9.0
    battery = _agent(entry).battery_spec()
    assert battery is not None and battery.max_power_kw == 3.2
    (server,) = await _server_requests(market, entry)
    assert server["max_power_kw"] == 3.2


async def test_buy_for_renovation_partial_days(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    await _without_battery(hass, setup_integration)
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(neighbour[1], "sell", start, 5, 10.0, 0.07)
    outcome = await _trade(
        setup_integration, TradeRequest("buy", start, 7, time_of_day="evening", reason="renovation")
    )
    (server,) = await _server_requests(market, setup_integration)
    orders = server["orders"]
    assert len(orders) == 7
    # Evening demand of a 10 kWh/day household (about 3 kWh) plus 5 kWh of power tools; of
    # that only what its own export and the expected shared energy fill is bought.
    for order, planned in zip(orders, outcome.plan.days, strict=True):
        assert order["volume_kwh"] == planned.kwh
        assert 7.5 <= planned.wanted_kwh <= 9.0
        assert 0 < planned.kwh == pytest.approx(planned.own_fill_kwh + planned.shared_kwh, abs=0.5)
        assert planned.extra_kwh == 5.0
        assert order["limit_price"] == 0.15  # the value of shifting is capped by the option
    assert [o["status"] for o in orders] == ["filled"] * 5 + ["open"] * 2
    total = sum(o["filled_kwh"] * o["avg_price"] for o in orders if o["avg_price"])
    assert outcome.kind == "partial_days"
    assert "I was able to reserve storage for 5 of the 7 days" in outcome.speech
    assert f"EUR {total:.2f} in total" in outcome.speech
    assert "I'll continue monitoring the market for the remaining days." in outcome.speech


async def test_sell_partial_volume(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(neighbour[1], "buy", start, 7, 6.0, 0.10)
    outcome = await _trade(
        setup_integration, TradeRequest("sell", start, 7, kwh_per_day=8.0, reason="holiday")
    )
    (server,) = await _server_requests(market, setup_integration)
    filled = sum(o["filled_kwh"] for o in server["orders"])
    volume = sum(o["volume_kwh"] for o in server["orders"])
    assert all(o["status"] == "partially_filled" for o in server["orders"])
    assert outcome.kind == "partial_volume"
    share = round(100 * filled / volume)
    assert f"We were able to sell {share}% of your available storage capacity" in outcome.speech
    assert "I'll keep offering the remainder." in outcome.speech


async def test_buy_high_price_with_explicit_volume(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(neighbour[1], "sell", start, 7, 10.0, 0.12)
    outcome = await _trade(
        setup_integration, TradeRequest("buy", start, 7, kwh_per_day=8.0, reason="renovation")
    )
    (server,) = await _server_requests(market, setup_integration)
    assert [o["volume_kwh"] for o in server["orders"]] == [8.0] * 7
    assert all(o["status"] == "filled" and o["avg_price"] == 0.12 for o in server["orders"])
    assert outcome.kind == "filled" and outcome.high_price
    assert outcome.speech.startswith("I've reserved 8 kWh of storage capacity per day for")
    assert "at EUR 0.12/kWh to support your renovation plans. That's EUR 6.72 in total." in (
        outcome.speech
    )
    assert "I reserved storage at EUR 0.12/kWh due to limited availability during peak hours." in (
        outcome.speech
    )


async def test_no_buyers_then_a_later_fill_notifies(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    agent = _agent(setup_integration)
    outcome = await agent.async_execute(
        TradeRequest("sell", start, 3, kwh_per_day=6.0, reason="holiday"), language="de"
    )
    assert outcome.kind == "no_counterparty"
    assert outcome.speech.startswith("Gerade gibt es keine Käufer.")
    assert "6 kWh pro Tag ab 0,06 EUR/kWh" in outcome.speech
    events = async_capture_events(hass, EVENT_ORDER_UPDATE)

    await market.place(neighbour[1], "buy", start, 3, 4.0, 0.08)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    fills = [e.data for e in events if e.data["type"] == "fill"]
    assert len(fills) == 3
    assert {e["order"]["filled_kwh"] for e in fills} == {4.0}
    assert all(e["request_id"] == outcome.request_id for e in fills)
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    note = notifications[notification_id(outcome.request_id)]
    assert "weitere 4 kWh zu 0,06 EUR/kWh verkauft (4 kWh von 6 kWh)" in note["message"]
    # A second look at the same data announces nothing twice.
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert len([e for e in events if e.data["type"] == "fill"]) == 3


async def test_overlapping_requests_never_exceed_the_battery(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    agent = _agent(setup_integration)
    first = await agent.async_execute(
        TradeRequest("sell", start, 5, kwh_per_day=8.0, reason="holiday"), language="en"
    )
    second = await agent.async_execute(
        TradeRequest("sell", start + timedelta(days=3), 4, kwh_per_day=9.5), language="en"
    )
    # The overlapping days had at most the room the house keeps for itself left: they were
    # topped up to the battery at most, the two new days offered in full.
    assert {d.note for d in second.plan.days[:2]} <= {"fully_committed", "capped_by_battery"}
    assert all(d.kwh < 2.0 for d in second.plan.days[:2])
    with pytest.raises(NothingToTradeError):
        await agent.async_execute(TradeRequest("sell", start, 3, kwh_per_day=2.0), language="en")
    per_day: dict[str, float] = {}
    for request in await _server_requests(market, setup_integration):
        for order in request["orders"]:
            per_day[order["day"]] = per_day.get(order["day"], 0.0) + order["volume_kwh"]
    assert len(await _server_requests(market, setup_integration)) == 2
    # Never more on any day than the battery's usable capacity (10 kWh less its reserve).
    assert max(per_day.values()) <= first.plan.usable_capacity_kwh + 1e-9
    assert len(per_day) == 7


async def test_no_sale_on_a_day_the_household_buys_for(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    agent = _agent(setup_integration)
    await agent.async_execute(TradeRequest("buy", start, 1, kwh_per_day=3.0), language="en")
    outcome = await agent.async_execute(TradeRequest("sell", start, 2), language="en")
    assert [o.day for o in outcome.orders] == [start + timedelta(days=1)]
    assert outcome.plan.days[0].note == "household_needs_it"


async def test_sell_without_battery_sends_nothing(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    await _without_battery(hass, setup_integration)
    with pytest.raises(NoBatteryError):
        await _agent(setup_integration).async_execute(
            TradeRequest("sell", _first_day(market), 2), language="en"
        )
    assert await _server_requests(market, setup_integration) == []


async def test_short_history_is_said(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    await _seed(hass, setup_integration, days=3)
    plan = await _agent(setup_integration).async_plan(
        TradeRequest("sell", _first_day(market), 2, reason="holiday"), language="en"
    )
    assert plan.forecast.fallback and plan.forecast.history_days == 3
    assert "based on 3 days of history" in plan.speech
    assert await _server_requests(market, setup_integration) == []


async def test_propose_mode_waits_for_confirmation(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    await change_options(hass, setup_integration, {CONF_AUTONOMY: AUTONOMY_PROPOSE})
    await _seed(hass, setup_integration)
    agent = _agent(setup_integration)
    proposed = await agent.async_execute(
        TradeRequest("sell", _first_day(market), 2, reason="holiday"), language="en"
    )
    assert proposed.kind == "proposed" and proposed.proposal_id
    assert "Shall I go ahead?" in proposed.speech
    assert await _server_requests(market, setup_integration) == []
    status = await agent.async_status(language="en")
    assert [p.proposal_id for p in status.proposals] == [proposed.proposal_id]

    confirmed = await agent.async_confirm(proposed.proposal_id, language="en")
    (server,) = await _server_requests(market, setup_integration)
    assert server["request_id"] == confirmed.request_id
    assert [o["volume_kwh"] for o in server["orders"]] == [d.kwh for d in proposed.plan.days]
    with pytest.raises(ProposalNotFoundError):
        await agent.async_confirm(proposed.proposal_id, language="en")


async def test_restart_keeps_recorded_requests_and_keeps_watching(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    outcome = await _trade(
        setup_integration, TradeRequest("sell", start, 2, kwh_per_day=5.0, reason="holiday")
    )
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert setup_integration.state is ConfigEntryState.LOADED
    agent = _agent(setup_integration)
    assert outcome.request_id in agent.recorded_requests
    assert Period(start, start + timedelta(days=1), "away") in agent.periods

    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    await market.place(neighbour[1], "buy", start, 1, 5.0, 0.08)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert [e.data["order"]["day"] for e in events] == [start.isoformat()]


async def test_cancel_all_takes_the_remainder_off_the_market(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(neighbour[1], "buy", start, 1, 2.0, 0.08)
    agent = _agent(setup_integration)
    outcome = await agent.async_execute(
        TradeRequest("sell", start, 3, kwh_per_day=5.0, reason="holiday"), language="en"
    )
    cancelled = await agent.async_cancel(language="en")
    assert cancelled.cancelled_kwh == 13.0 and cancelled.kept_filled_kwh == 2.0
    assert cancelled.speech == (
        "I've cancelled 1 request and taken 13 kWh off the market. "
        "The 2 kWh already traded stays in place."
    )
    (server,) = await _server_requests(market, setup_integration)
    assert server["request_id"] == outcome.request_id
    assert [o["status"] for o in server["orders"]] == ["cancelled"] * 3
    assert agent.periods == ()
    nothing = await agent.async_cancel(language="en")
    assert nothing.speech == "There was nothing to cancel."


async def _an_offer_above_a_falling_market(
    hass: HomeAssistant, entry: MockConfigEntry, market: Any, neighbour: Any
) -> tuple[TradingAgent, TradeOutcome, date, str, str]:
    """The agent offers 4 kWh at the going 0.10 and nobody takes it; the market can fall."""
    await _seed(hass, entry)
    day = _first_day(market)
    _, buyer = await market.join_household("Weber")
    _, cheap_seller = await market.join_household("Fischer")
    await market.place(neighbour[1], "sell", day, 1, 2.0, 0.10)
    await market.place(buyer, "buy", day, 1, 2.0, 0.10)
    await entry.runtime_data.coordinator.async_refresh()
    agent = _agent(entry)
    outcome = await agent.async_execute(
        TradeRequest("sell", day, 1, kwh_per_day=4.0, reason="holiday"), language="en"
    )
    assert outcome.kind == "no_counterparty"
    return agent, outcome, day, buyer, cheap_seller


async def test_unfilled_offer_is_repriced_within_the_floor(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    offer = await _an_offer_above_a_falling_market(hass, setup_integration, market, neighbour)
    agent, outcome, day, buyer, cheap_seller = offer
    assert outcome.orders[0].limit_price == 0.1  # asks the going price, above the 0.06 floor

    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    # The market moves down: a cheaper seller meets a lower bid at 0.065.
    await market.place(cheap_seller, "sell", day, 1, 3.0, 0.065)
    await market.place(buyer, "buy", day, 1, 3.0, 0.07)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    repriced = [e.data for e in events if e.data["type"] == "repriced"]
    assert len(repriced) == 1
    assert repriced[0]["old_price"] == 0.1 and repriced[0]["new_price"] == 0.065
    requests = {r["request_id"]: r for r in await _server_requests(market, setup_integration)}
    assert requests[outcome.request_id]["orders"][0]["status"] == "cancelled"
    new = requests[repriced[0]["new_request_id"]]["orders"][0]
    assert new["limit_price"] == 0.065 and new["volume_kwh"] == 4.0
    # Already at the market price: the next refresh leaves it alone.
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert len([e for e in events if e.data["type"] == "repriced"]) == 1
    # Cancelling the original request also cancels the re-priced remainder.
    cancelled = await agent.async_cancel(outcome.request_id, language="en")
    assert [c.request_id for c in cancelled.cancelled] == [repriced[0]["new_request_id"]]
    requests = {r["request_id"]: r for r in await _server_requests(market, setup_integration)}
    assert requests[repriced[0]["new_request_id"]]["orders"][0]["status"] == "cancelled"


async def _set_open_limit(market: Any, entry: MockConfigEntry, kwh: float) -> None:
    status, reply = await market.request(
        "POST",
        f"/api/v1/operator/households/{entry.data[CONF_HOUSEHOLD_ID]}/limits",
        token=market.operator_token,
        json={"max_open_kwh": kwh},
    )
    assert status == 200, reply


async def test_a_refused_reprice_leaves_the_offer_on_the_market_and_is_tried_again(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    neighbour: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server refuses the move: the offer stays as it was, and the next look moves it."""
    offer = await _an_offer_above_a_falling_market(hass, setup_integration, market, neighbour)
    agent, outcome, day, buyer, cheap_seller = offer
    # The operator lowers the household's open-volume limit below the offer: moving it (a new
    # order of 4 kWh) is refused, inside the server's transaction.
    await _set_open_limit(market, setup_integration, 3.0)
    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    await market.place(cheap_seller, "sell", day, 1, 3.0, 0.065)
    await market.place(buyer, "buy", day, 1, 3.0, 0.07)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert not [e for e in events if e.data["type"] == "repriced"]
    assert f"Re-pricing request {outcome.request_id} failed" in caplog.text
    (server,) = await _server_requests(market, setup_integration)
    assert [(o["status"], o["limit_price"], o["volume_kwh"]) for o in server["orders"]] == [
        ("open", 0.1, 4.0)
    ]
    record = agent.recorded_requests[outcome.request_id]
    assert record.repriced == 0

    # Allowed again: the next refresh moves it, under the first re-price's client id.
    await _set_open_limit(market, setup_integration, 50.0)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    (repriced,) = [e.data for e in events if e.data["type"] == "repriced"]
    requests = {r["request_id"]: r for r in await _server_requests(market, setup_integration)}
    new = requests[repriced["new_request_id"]]
    assert new["client_request_id"] == f"{record.client_request_id}-r1"
    assert [(o["limit_price"], o["volume_kwh"]) for o in new["orders"]] == [(0.065, 4.0)]
    assert requests[outcome.request_id]["orders"][0]["status"] == "cancelled"
    assert agent.recorded_requests[outcome.request_id].repriced == 1


async def test_records_of_the_first_store_version_are_migrated(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    neighbour: Any,
    hass_storage: dict[str, Any],
) -> None:
    """A Store written by version 1 (``seen``/``closed``, keys missing) loads as version 2."""
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(neighbour[1], "buy", start, 1, 2.0, 0.09)
    outcome = await _trade(
        setup_integration, TradeRequest("sell", start, 2, kwh_per_day=5.0, reason="holiday")
    )
    first_order = outcome.orders[0]
    assert first_order.filled_kwh == 2.0
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    key = f"{DOMAIN}.trading.{setup_integration.entry_id}"
    request = TradeRequest("sell", start, 2, kwh_per_day=5.0, reason="holiday")
    # What version 1 wrote for this request (without the keys it added later).
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "requests": {
                outcome.request_id: {
                    "request_id": outcome.request_id,
                    "client_request_id": outcome.client_request_id,
                    "request": request.as_dict(),
                    "created_at": "2026-11-30T10:00:00+00:00",
                    "floor": 0.06,
                    "seen": {first_order.order_id: 2.0},
                    "closed": [],
                }
            },
            "periods": [
                {
                    "first": start.isoformat(),
                    "last": (start + timedelta(days=1)).isoformat(),
                    "kind": "away",
                    "request_id": outcome.request_id,
                }
            ],
        },
    }
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await hass.async_block_till_done()
    agent = _agent(setup_integration)
    record = agent.recorded_requests[outcome.request_id]
    assert record.progress(first_order.order_id).reported_kwh == 2.0
    assert (record.floor, record.cap, record.repriced, record.parent) == (0.06, None, 0, None)
    assert record.language == "en"
    assert Period(start, start + timedelta(days=1), "away") in agent.periods

    # The two kWh told before the upgrade are not told again; the new one is.
    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    await market.place(neighbour[1], "buy", start, 1, 1.0, 0.09)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    fills = [e.data for e in events if e.data["type"] == "fill"]
    assert [(f["order"]["day"], f["new_kwh"]) for f in fills] == [(start.isoformat(), 1.0)]
    assert hass_storage[key]["version"] == 2
    stored = hass_storage[key]["data"]["requests"][outcome.request_id]
    assert stored["orders"][first_order.order_id] == {
        "reported_kwh": 3.0,
        "expiry_reported": False,
    }


async def test_gate_closure_reports_what_expired(
    hass: HomeAssistant, tmp_path: Any, socket_enabled: None, demo_sensors: dict[str, str]
) -> None:
    clock = MutableClock(datetime.now(UTC))
    async with running_market(
        tmp_path, clock=clock, name="Sonnenweg", timezone="Europe/Berlin"
    ) as market:
        await hass.config.async_set_time_zone("Europe/Berlin")
        code = await market.add_household("Miller", 10.0)
        joined = await MarketClient.join(async_get_clientsession(hass), market.url, code)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Miller",
            unique_id=joined.household_id,
            data={
                CONF_URL: market.url,
                CONF_TOKEN: joined.token,
                CONF_HOUSEHOLD_ID: joined.household_id,
                CONF_HOUSEHOLD_NAME: "Miller",
                CONF_BATTERY_CAPACITY_KWH: 10.0,
                **demo_sensors,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        _, buyer = await market.join_household("Schmidt")
        day = market.open_days()[0]
        agent = _agent(entry)
        outcome = await agent.async_execute(
            TradeRequest("sell", day, 1, kwh_per_day=5.0, reason="holiday"), language="en"
        )
        await market.place(buyer, "buy", day, 1, 2.0, 0.08)
        events = async_capture_events(hass, EVENT_ORDER_UPDATE)

        (server,) = await _server_requests(market, entry)
        gate = datetime.fromisoformat(server["orders"][0]["gate_closure"])
        clock.set(gate + timedelta(minutes=1))
        summary = await market.clear()
        assert summary["expired"] == 1
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()

        assert [e.data["type"] for e in events] == ["fill", "expired"]
        assert events[1].data["expired_kwh"] == 3.0
        notifications = persistent_notification._async_get_or_create_notifications(hass)
        message = notifications[notification_id(outcome.request_id)]["message"]
        assert message == (
            f"Trading for {fmt_day(day, 'en')} has closed: 3 kWh of your offer expired unfilled, "
            "2 kWh was traded."
        )
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def _sell_filled_with_notify_action(
    hass: HomeAssistant, entry: MockConfigEntry, market: Any, neighbour: Any, action: str
) -> TradeOutcome:
    """Offer 3 kWh for the first open day with follow-ups to ``action``; a neighbour buys it."""
    await change_options(hass, entry, {CONF_NOTIFY_ACTION: action})
    start = _first_day(market)
    outcome = await _trade(entry, TradeRequest("sell", start, 1, kwh_per_day=3.0, reason="holiday"))
    await market.place(neighbour[1], "buy", start, 1, 3.0, 0.08)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    return outcome


async def test_follow_up_also_goes_to_the_notify_action(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    assert await async_setup_component(hass, "notify", {})
    outcome = await _sell_filled_with_notify_action(
        hass, setup_integration, market, neighbour, "notify.persistent_notification"
    )
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    ours = notifications.pop(notification_id(outcome.request_id))
    # The notify action made a second notification with the same title and message.
    (via_notify,) = notifications.values()
    assert via_notify["message"] == ours["message"]
    assert via_notify["title"] == "Community storage market"
    assert ours["message"].startswith("Another 3 kWh was sold for")


@pytest.mark.parametrize("broken", ["gone", "failing"])
async def test_a_broken_notify_action_does_not_stop_the_follow_up(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    neighbour: Any,
    caplog: pytest.LogCaptureFixture,
    broken: str,
) -> None:
    """A notify action that vanished or fails is logged; notification and event still go out."""
    calls: list[ServiceCall] = []

    async def _failing(call: ServiceCall) -> None:
        calls.append(call)
        raise HomeAssistantError("phone unreachable")

    if broken == "failing":
        hass.services.async_register("notify", "mobile_app_phone", _failing)
    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    outcome = await _sell_filled_with_notify_action(
        hass, setup_integration, market, neighbour, "notify.mobile_app_phone"
    )

    assert [e.data["type"] for e in events] == ["fill"]
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert notifications[notification_id(outcome.request_id)]["message"].startswith(
        "Another 3 kWh was sold for"
    )
    if broken == "failing":
        (call,) = calls
        assert call.data["message"] == events[0].data["message"]
        assert "notify.mobile_app_phone failed: phone unreachable" in caplog.text
    else:
        assert "notify.mobile_app_phone configured for follow-ups does not exist" in caplog.text


async def test_capacity_from_a_sensor_in_wh(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    hass.states.async_set(
        "sensor.battery_capacity", "13500", {"unit_of_measurement": "Wh", "device_class": "energy"}
    )
    data = {k: v for k, v in setup_integration.data.items() if k != CONF_BATTERY_CAPACITY_KWH}
    data[CONF_BATTERY_CAPACITY_ENTITY] = "sensor.battery_capacity"
    hass.config_entries.async_update_entry(setup_integration, data=data)
    await hass.async_block_till_done()
    plan = await _agent(setup_integration).async_plan(
        TradeRequest("sell", _first_day(market), 1, reason="holiday"), language="en"
    )
    # 13.5 kWh with the 10 % reserve assumed while the SoC sensor has no history.
    assert plan.usable_capacity_kwh == 12.2
    assert "Of your 12.2 kWh usable" in plan.speech
    hass.states.async_set("sensor.battery_capacity", "unavailable")
    with pytest.raises(NoBatteryError):
        await _agent(setup_integration).async_plan(
            TradeRequest("sell", _first_day(market), 1), language="en"
        )


async def test_orders_placed_elsewhere_count_against_the_battery(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    """An order the coordinator has not seen yet (placed a moment ago) still counts."""
    start = await _seeded_first_day(hass, setup_integration, market)
    await market.place(setup_integration.data[CONF_TOKEN], "sell", start, 2, 7.0, 0.2)
    plan = await _agent(setup_integration).async_plan(
        TradeRequest("sell", start, 3, reason="holiday"), language="en"
    )
    # 9 kWh usable (10 % reserve assumed) less the 7 kWh already offered elsewhere.
    assert [d.free_capacity_kwh for d in plan.days] == [2.0, 2.0, 9.0]
    # What is free (before asking what fills it): the 2 kWh left less the house's own need.
    assert plan.days[0].wanted_kwh == pytest.approx(2.0 - plan.days[0].need_kwh, abs=0.05)
    assert plan.days[1].wanted_kwh == plan.days[0].wanted_kwh
    assert plan.days[2].wanted_kwh > 7.0
    assert all(d.kwh <= d.wanted_kwh for d in plan.days)


async def test_a_revoked_token_asks_for_reauth_and_places_nothing(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    """The server rejects the token mid-conversation: the agent fails, the entry asks to reauth."""
    _, new_token = await market.redeem(await market.rejoin_code(setup_integration.unique_id))
    agent = _agent(setup_integration)

    with pytest.raises(MarketAccessRevokedError) as err:
        await agent.async_execute(
            TradeRequest("sell", _first_day(market), 1, kwh_per_day=2.0), language="en"
        )
    assert "reauthenticate" in error_text(err.value, language="en")
    assert "neuen Beitrittscode" in error_text(err.value, language="de")
    with pytest.raises(MarketAccessRevokedError):
        await agent.async_cancel(None, language="en")
    await hass.async_block_till_done()

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    requests = await market.get("/api/v1/requests", new_token)
    assert requests["requests"] == []


async def test_a_filled_request_has_nothing_to_cancel_and_is_forgotten_weeks_later(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    neighbour: Any,
    market_clock: MutableClock,
) -> None:
    """Cancelling a filled request is refused; 35 days after delivery the Store drops it."""
    start = _first_day(market)
    await market.place(neighbour[1], "buy", start, 1, 3.0, 0.08)
    agent = _agent(setup_integration)
    outcome = await agent.async_execute(
        TradeRequest("sell", start, 1, kwh_per_day=3.0, reason="holiday"), language="en"
    )
    assert outcome.kind == "filled"
    with pytest.raises(RequestNotFoundError) as err:
        await agent.async_cancel(outcome.request_id, language="en")
    assert err.value.translation_key == "request_not_found"
    (server,) = await _server_requests(market, setup_integration)
    assert [o["status"] for o in server["orders"]] == ["filled"]

    coordinator = setup_integration.runtime_data.coordinator
    # The community's today becomes the delivery day plus 35 days (KEEP_DAYS): still kept.
    market_clock.advance(days=(start - coordinator.data.today).days + 35)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.data.today == start + timedelta(days=35)
    assert outcome.request_id in agent.recorded_requests
    market_clock.advance(days=1)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert outcome.request_id not in agent.recorded_requests


async def test_a_bid_at_its_cap_is_not_raised_when_the_market_clears_above_it(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, neighbour: Any
) -> None:
    """A buy already bids the most the household pays: a dearer market leaves the bid alone."""
    day = _first_day(market)
    agent = _agent(setup_integration)
    outcome = await agent.async_execute(
        TradeRequest("buy", day, 1, kwh_per_day=3.0, reason="renovation"), language="en"
    )
    assert outcome.kind == "no_counterparty"
    assert outcome.orders[0].limit_price == 0.15  # the max buy price option caps the bid

    events = async_capture_events(hass, EVENT_ORDER_UPDATE)
    _, buyer = await market.join_household("Weber")
    await market.place(neighbour[1], "sell", day, 1, 2.0, 0.16)
    await market.place(buyer, "buy", day, 1, 2.0, 0.17)
    await setup_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    market_day = setup_integration.runtime_data.coordinator.data.market.day(day)
    assert market_day is not None and float(market_day.last_price) > 0.15

    assert events == []
    (server,) = await _server_requests(market, setup_integration)
    assert server["request_id"] == outcome.request_id
    assert [(o["status"], o["limit_price"]) for o in server["orders"]] == [("open", 0.15)]


@pytest.mark.parametrize("sensors", [(), (CONF_LOAD_ENTITY,)])
async def test_households_without_pv_or_load_sensors_still_get_a_forecast(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any, sensors: tuple[str, ...]
) -> None:
    """No PV sensor: no PV in the forecast. No load sensor either: the standard profile."""
    today = await _seed(hass, setup_integration)  # 14 days of load and PV in the recorder
    data = {
        k: v
        for k, v in setup_integration.data.items()
        if k not in {CONF_LOAD_ENTITY, CONF_PV_ENTITY}
    }
    hass.config_entries.async_update_entry(
        setup_integration, data=data | {s: setup_integration.data[s] for s in sensors}
    )
    plan = await _agent(setup_integration).async_plan(
        TradeRequest("sell", today + timedelta(days=2), 1, reason="holiday"), language="en"
    )
    assert plan.forecast.daily_pv_kwh == 0.0
    if sensors:
        assert plan.forecast.history_days == 14 and not plan.forecast.fallback
        assert plan.forecast.daily_load_kwh == pytest.approx(DAILY_LOAD_KWH, rel=0.05)
    else:
        assert plan.forecast.history_days == 0 and plan.forecast.fallback
        assert "standard household profile" in plan.speech


async def test_a_day_whose_gate_is_about_to_close_is_skipped(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    market_clock: MutableClock,
) -> None:
    """One minute before tomorrow's gate closure the agent leaves tomorrow out.

    The server would refuse the whole request if one order arrived after its gate; the agent
    judges by the market's clock (not Home Assistant's) and keeps a margin.
    """
    tomorrow = market.open_days()[0]
    coordinator = setup_integration.runtime_data.coordinator
    gate = coordinator.data.market.day(tomorrow).gate_closure
    market_clock.set(gate - timedelta(minutes=1))
    await coordinator.async_refresh()
    assert coordinator.data.market.day(tomorrow).open  # still open on the server

    outcome = await _trade(
        setup_integration, TradeRequest("sell", tomorrow, 3, kwh_per_day=2.0, reason="holiday")
    )

    (server,) = await _server_requests(market, setup_integration)
    assert [o["day"] for o in server["orders"]] == [
        (tomorrow + timedelta(days=i)).isoformat() for i in (1, 2)
    ]
    assert outcome.request_id == server["request_id"]
    assert outcome.plan is not None
    first = outcome.plan.days[0]
    assert (first.day, first.note) == (tomorrow, "gate_closed")


async def test_a_request_starting_on_a_day_just_closed_trades_the_rest(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    market: Any,
    market_clock: MutableClock,
) -> None:
    """A week said just after tomorrow's gate closed: the other six days still trade."""
    tomorrow = market.open_days()[0]
    coordinator = setup_integration.runtime_data.coordinator
    gate = coordinator.data.market.day(tomorrow).gate_closure
    market_clock.set(gate + timedelta(minutes=5))
    await coordinator.async_refresh()

    outcome = await _trade(
        setup_integration, TradeRequest("sell", tomorrow, 7, kwh_per_day=2.0, reason="holiday")
    )

    (server,) = await _server_requests(market, setup_integration)
    assert [o["day"] for o in server["orders"]] == [
        (tomorrow + timedelta(days=i)).isoformat() for i in range(1, 7)
    ]
    assert outcome.plan is not None
    assert outcome.plan.days[0].note == "gate_closed"


async def test_the_sellers_ask_floor_counts_the_communitys_feed_in_price(
    hass: HomeAssistant, setup_integration: MockConfigEntry, market: Any
) -> None:
    """A delivered kWh earns at least the community's feed-in price (own credit): the seller's
    computed ask floor reads it from GET /api/v1/me and falls by as much as it rises."""
    await _seed(hass, setup_integration)
    start = _first_day(market)
    agent = _agent(setup_integration)
    request = TradeRequest("sell", start, 2, kwh_per_day=2.0, reason="holiday")
    default = await agent.async_plan(request, language="en")
    assert default.price.inputs["community_feed_in_price"] == 0.078  # the server's default
    await market.change_settings(feed_in_price=0.1)
    await setup_integration.runtime_data.coordinator.async_refresh()
    dearer = await agent.async_plan(request, language="en")
    assert dearer.price.inputs["community_feed_in_price"] == 0.1
    assert dearer.price.computed == pytest.approx(default.price.computed - 0.022, abs=0.0011)
