"""Runs the trading agent inside Home Assistant: plan, submit, propose, cancel, report status.

The pure agent (``agent/``) decides; this facade feeds it live data (the market as the server
sees it now, the household's orders, the recorder's history, the configured battery and
options) and submits plans through the market client. What it must remember across restarts
is in ``records`` (typed, versioned in a ``Store``); what happens to the orders after
they are placed is followed by ``order_watch``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.util import dt as dt_util

from ..agent.battery import (
    BatteryReadings,
    BatterySpec,
    Commitment,
    battery_from_readings,
    commitment_of,
)
from ..agent.errors import (
    InvalidRequestError,
    MarketAccessRevokedError,
    MarketRejectedError,
    MarketUnavailableError,
    NoBatteryError,
    NothingToTradeError,
    ProposalNotFoundError,
    RequestNotFoundError,
    TradingError,
)
from ..agent.forecast import Forecast, Period, build_forecast
from ..agent.planner import (
    AWAY_REASONS,
    Preferences,
    ceil_price,
    floor_price,
    plan_request,
    price_cap,
    price_floor,
    validate_request,
)
from ..agent.plans import (
    CancelledRequest,
    CancelOutcome,
    DayFill,
    MarketDayStatus,
    PendingProposal,
    RequestStatus,
    StatusReport,
    TradeOutcome,
    TradePlan,
    TradeRequest,
    build_outcome,
)
from ..const import (
    AUTONOMY_PROPOSE,
    CONF_AUTONOMY,
    CONF_BATTERY_CAPACITY_ENTITY,
    CONF_BATTERY_CAPACITY_KWH,
    CONF_BATTERY_POWER_ENTITY,
    CONF_BATTERY_SOC_ENTITY,
    CONF_HIGH_PRICE_THRESHOLD,
    CONF_LOAD_ENTITY,
    CONF_MAX_BUY_PRICE,
    CONF_MIN_SELL_PRICE,
    CONF_PV_ENTITY,
    DEFAULT_AUTONOMY,
    DEFAULT_HIGH_PRICE_THRESHOLD,
    DEFAULT_MAX_BUY_PRICE,
    DEFAULT_MIN_SELL_PRICE,
)
from ..language.speak.explain import (
    cancel_speech,
    lang,
    outcome_speech,
    plan_speech,
    status_speech,
)
from ..market_client.client import (
    MarketAuthError,
    MarketClient,
    MarketConflictError,
    MarketError,
    MarketForbiddenError,
    MarketNotFoundError,
    MarketValidationError,
)
from ..market_client.models import Side
from .history import async_read_battery_readings, async_read_history
from .order_watch import OrderWatcher
from .records import BookKeeper, PeriodRecord, Proposal, RequestRecord, order_state
from .tariff_settings import household_tariff

if TYPE_CHECKING:
    from ..coordinator import CommunityStorageCoordinator
    from ..market_client.models import CommunityStorageData, MarketSnapshot, Request

_LOGGER = logging.getLogger(__name__)

# An order must be on the server before its day's gate closes; leave room for a slow round
# trip and a little clock skew.
GATE_MARGIN: Final = timedelta(minutes=2)
# Reasons whose days are unusual for the load profile and are left out of later forecasts.
UNUSUAL_BUY_REASONS: Final = frozenset({"renovation", "guests"})

__all__ = [
    "CancelOutcome",
    "InvalidRequestError",
    "MarketRejectedError",
    "MarketUnavailableError",
    "NoBatteryError",
    "NothingToTradeError",
    "ProposalNotFoundError",
    "RequestNotFoundError",
    "StatusReport",
    "TradeOutcome",
    "TradePlan",
    "TradeRequest",
    "TradingAgent",
    "TradingError",
]


def _opt_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _translate_market_error(err: MarketError) -> TradingError:
    """A client error as the agent error the user sees."""
    if isinstance(err, MarketValidationError | MarketForbiddenError | MarketConflictError):
        return MarketRejectedError(err.message, {"message": err.message})
    if isinstance(err, MarketAuthError):
        return MarketAccessRevokedError(err.message, {"error": err.message})
    return MarketUnavailableError(err.message, {"error": err.message})


class TradingAgent:
    """The household's trading agent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: MarketClient,
        coordinator: CommunityStorageCoordinator,
    ) -> None:
        """Keep the collaborators; nothing runs until async_start."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.coordinator = coordinator
        self._keeper = BookKeeper(hass, entry.entry_id)
        self._watcher = OrderWatcher(
            hass, entry, client, coordinator, self._keeper, propose_only=self._propose_only
        )
        self._battery_readings = BatteryReadings()

    # ----------------------------------------------------------------- lifecycle

    async def async_start(self) -> None:
        """Load recorded requests and start watching the coordinator."""
        await self._keeper.async_load()
        self._watcher.start()

    async def async_stop(self) -> None:
        """Stop watching; recorded requests stay in the Store."""
        self._watcher.stop()

    @property
    def recorded_requests(self) -> dict[str, RequestRecord]:
        """Every request the agent submitted, by server request id (read-only use)."""
        return dict(self._keeper.book.requests)

    @property
    def periods(self) -> tuple[Period, ...]:
        """Away and renovation periods the agent recorded."""
        return tuple(self._keeper.book.away_periods())

    # ----------------------------------------------------------------- inputs

    def _market_data(self) -> CommunityStorageData:
        data = self.coordinator.data
        if data is None or not self.coordinator.last_update_success:
            if isinstance(self.coordinator.last_exception, ConfigEntryAuthFailed):
                # The server answers but refuses the token: a reauth, not an outage, helps.
                raise MarketAccessRevokedError(
                    "The market server no longer accepts this household's token",
                    {"error": str(self.coordinator.last_exception)},
                )
            raise MarketUnavailableError(
                "The market server cannot be reached", {"error": "no data"}
            )
        return data

    @staticmethod
    def _first_open_day(data: CommunityStorageData) -> date:
        """The first day whose gate is open now, by the market's clock (the last snapshot's
        time plus what has passed since): tomorrow before the gate closure, later after it."""
        community = data.me.community
        zone = dt_util.get_time_zone(community.timezone) or dt_util.DEFAULT_TIME_ZONE
        market_now = data.market.generated_at + (dt_util.utcnow() - data.fetched_at)
        day = data.today + timedelta(days=1)
        for _ in range(community.gate_closure_days_before + 2):
            if community.gate_closure_of(day, zone) > market_now + GATE_MARGIN:
                break
            day += timedelta(days=1)
        return day

    def _market_failure(self, err: MarketError) -> TradingError:
        """The agent error for a failed market call; a rejected token also asks for reauth."""
        if isinstance(err, MarketAuthError):
            self.entry.async_start_reauth(self.hass)
        return _translate_market_error(err)

    def today(self) -> date:
        """Today in the community's time zone (as of the last refresh)."""
        return self._market_data().today

    def gate_closure_time(self) -> time | None:
        """The time of day trading for a day closes (community time), if the market said."""
        try:
            return self._market_data().me.community.gate_closure
        except TradingError:
            return None

    async def async_earnings_between(self, first: date, last: date) -> tuple[float, float]:
        """(earned, paid) in EUR settled for delivery days ``first`` to ``last`` inclusive."""
        months = sorted({(first.year, first.month), (last.year, last.month)})
        earned = paid = 0.0
        try:
            for year, month in months:
                ledger = await self.client.settlements(f"{year:04d}-{month:02d}")
                for entry in ledger.settlements:
                    if first <= entry.day <= last:
                        amount = float(entry.amount_eur)
                        earned += max(amount, 0.0)
                        paid += max(-amount, 0.0)
        except MarketError as err:
            raise self._market_failure(err) from err
        return round(earned, 2), round(paid, 2)

    def _config(self) -> dict[str, Any]:
        return {**self.entry.data, **self.entry.options}

    def battery_spec(self) -> BatterySpec | None:
        """The configured battery: a fixed capacity, or the capacity sensor's state."""
        config = self._config()
        capacity: float | None = None
        if config.get(CONF_BATTERY_CAPACITY_KWH):
            capacity = float(config[CONF_BATTERY_CAPACITY_KWH])
        elif entity_id := config.get(CONF_BATTERY_CAPACITY_ENTITY):
            state = self.hass.states.get(entity_id)
            try:
                capacity = float(state.state) if state is not None else None
            except ValueError:
                capacity = None
            if (
                capacity is not None
                and state is not None
                and state.attributes.get("unit_of_measurement") == "Wh"
            ):
                capacity /= 1000
        if capacity is None or capacity <= 0:
            return None
        # SoC limits and power from the mapped sensors' history (read before each plan).
        return battery_from_readings(capacity, self._battery_readings)

    async def async_read_battery(self, today: date) -> BatterySpec | None:
        """Refresh what the SoC and power sensors' history says, then the battery spec."""
        config = self._config()
        data = self._market_data()
        timezone = dt_util.get_time_zone(data.me.community.timezone) or dt_util.DEFAULT_TIME_ZONE
        self._battery_readings = await async_read_battery_readings(
            self.hass,
            soc_entity=config.get(CONF_BATTERY_SOC_ENTITY),
            power_entity=config.get(CONF_BATTERY_POWER_ENTITY),
            today=today,
            timezone=timezone,
        )
        return self.battery_spec()

    def _preferences(
        self, data: CommunityStorageData, market: MarketSnapshot, first_day: date
    ) -> Preferences:
        """The options, the household's tariff for the request's first day, the community's
        energy settings and what its deliveries measured."""
        config = self._config()
        community = data.me.community
        zone = dt_util.get_time_zone(community.timezone) or dt_util.DEFAULT_TIME_ZONE
        measured = market.delivery
        return Preferences(
            max_buy_price=float(config.get(CONF_MAX_BUY_PRICE, DEFAULT_MAX_BUY_PRICE)),
            min_sell_price=float(config.get(CONF_MIN_SELL_PRICE, DEFAULT_MIN_SELL_PRICE)),
            tariff=household_tariff(self.hass, config, day=first_day, zone=zone),
            energy_price=float(community.energy_price),
            grid_charging=community.grid_charging,
            community_feed_in_price=float(community.feed_in_price),
            community_efficiency=float(community.efficiency),
            max_sell_kwh_per_day=float(data.me.limits.max_sell_kwh_per_day),
            filled_per_kwh_sold=_opt_float(measured.filled_per_kwh_sold),
            shared_kwh_per_kwh_bought=_opt_float(measured.shared_kwh_per_kwh_bought),
            own_delivered_per_kwh_sold=_opt_float(data.me.delivery.delivered_per_kwh_sold),
            own_delivery_days=data.me.delivery.days,
        )

    def _high_price_threshold(self) -> float:
        return float(self._config().get(CONF_HIGH_PRICE_THRESHOLD, DEFAULT_HIGH_PRICE_THRESHOLD))

    def _propose_only(self) -> bool:
        return self._config().get(CONF_AUTONOMY, DEFAULT_AUTONOMY) == AUTONOMY_PROPOSE

    async def async_forecast(self, today: date | None = None) -> Forecast:
        """The load and PV forecast from tomorrow on, with the recorded periods left out."""
        data = self._market_data()
        today = today or data.today
        config = self._config()
        timezone = dt_util.get_time_zone(data.me.community.timezone) or dt_util.DEFAULT_TIME_ZONE
        history = await async_read_history(
            self.hass,
            load_entity=config.get(CONF_LOAD_ENTITY),
            pv_entity=config.get(CONF_PV_ENTITY),
            today=today,
            timezone=timezone,
        )
        return build_forecast(
            history,
            today,
            num_days=data.me.community.horizon_days + 1,
            excluded=self.periods,
        )

    async def async_commitments(self) -> list[Commitment]:
        """Every open or filled order of the household, read fresh from the server.

        Not from the coordinator: its data may be a refresh behind a request submitted a moment
        ago, and the battery check must count every order.
        """
        try:
            orders = await self.client.orders()
        except MarketError as err:
            raise self._market_failure(err) from err
        result = []
        for order in orders:
            commitment = commitment_of(
                day=order.day,
                side=str(order.side),
                status=str(order.status),
                volume_kwh=float(order.volume_kwh),
                filled_kwh=float(order.filled_kwh),
            )
            if commitment is not None:
                result.append(commitment)
        return result

    async def _async_fresh_market(self) -> MarketSnapshot:
        """The market's open days and prices as the server sees them now."""
        try:
            return await self.client.market()
        except MarketError as err:
            raise self._market_failure(err) from err

    # ----------------------------------------------------------------- public API

    async def async_plan(self, request: TradeRequest, *, language: str) -> TradePlan:
        """Plan a request without sending anything (dry run)."""
        data = self._market_data()
        validate_request(
            request,
            today=data.today,
            horizon_days=data.me.community.horizon_days,
            first_open_day=self._first_open_day(data),
        )
        forecast = await self.async_forecast(data.today)
        # Prices and open days are read fresh, like the commitments: the coordinator's snapshot
        # may be a minute old, and a price missing from it would put a sale on the market at
        # the floor while the neighbours already trade well above it.
        market = await self._async_fresh_market()
        fetched_at = dt_util.utcnow()
        # The market's clock decides, not ours: the server's time of the snapshot plus what has
        # passed since. A day whose gate closes within the margin is treated as closed, so an
        # order never arrives a moment too late and fails the whole request. The market lists
        # only open and recent days; the community's gate rule covers the rest.
        community = data.me.community
        zone = dt_util.get_time_zone(community.timezone) or dt_util.DEFAULT_TIME_ZONE

        def is_closed(day: date) -> bool:
            listed = market.day(day)
            if listed is not None and not listed.open:
                return True
            market_now = market.generated_at + (dt_util.utcnow() - fetched_at)
            return community.gate_closure_of(day, zone) <= market_now + GATE_MARGIN

        closed = [day for day in request.days if is_closed(day)]
        prices = {
            day.day: float(day.last_price)
            for day in market.days
            if day.last_price is not None and day.day in request.days
        }
        plan = plan_request(
            request,
            forecast,
            await self.async_read_battery(data.today),
            await self.async_commitments(),
            self._preferences(data, market, request.start_day),
            closed_days=closed,
            market_prices=prices,
        )
        # The operator's price bounds for this household win over everything.
        limits = data.me.limits
        if plan.side == "buy":
            limit = min(plan.limit_price, floor_price(float(limits.max_price)))
        else:
            limit = max(plan.limit_price, ceil_price(float(limits.min_price)))
        plan = replace(plan, limit_price=limit)
        return replace(plan, speech=plan_speech(plan, today=data.today, language=lang(language)))

    async def async_execute(self, request: TradeRequest, *, language: str) -> TradeOutcome:
        """Plan and submit a request, or propose it in "propose only" autonomy."""
        plan = await self.async_plan(request, language=language)
        if self._propose_only():
            proposal_id = uuid.uuid4().hex[:8]
            self._keeper.book.proposals[proposal_id] = Proposal(
                request=request,
                language=lang(language),
                created_at=dt_util.utcnow().isoformat(),
                total_kwh=plan.total_kwh,
                limit_price=plan.limit_price,
            )
            await self._keeper.async_save()
            outcome = TradeOutcome(kind="proposed", plan=plan, proposal_id=proposal_id)
            today = self._market_data().today
            return replace(
                outcome, speech=outcome_speech(outcome, today=today, language=lang(language))
            )
        return await self._async_submit(plan, language=lang(language))

    async def async_confirm(self, proposal_id: str, *, language: str) -> TradeOutcome:
        """Submit a pending proposal (re-planned on today's data, so the battery check holds)."""
        proposal = self._keeper.book.proposals.get(proposal_id)
        if proposal is None:
            raise ProposalNotFoundError(
                f"No pending proposal {proposal_id}", {"proposal_id": proposal_id}
            )
        plan = await self.async_plan(proposal.request, language=language)
        outcome = await self._async_submit(plan, language=lang(language))
        self._keeper.book.proposals.pop(proposal_id, None)
        await self._keeper.async_save()
        return outcome

    async def async_cancel(self, request_id: str | None = None, *, language: str) -> CancelOutcome:
        """Cancel one request's unfilled remainder, or every open request when no id is given."""
        language = lang(language)
        withdrawn = 0
        book = self._keeper.book
        if request_id is not None and request_id in book.proposals:
            del book.proposals[request_id]
            await self._keeper.async_save()
            outcome = CancelOutcome(cancelled=(), withdrawn_proposals=1)
            return replace(outcome, speech=cancel_speech(outcome, language=language))
        try:
            if request_id is not None:
                # A re-priced request lives on in its successors: cancel those too.
                targets = [await self.client.get_request(rid) for rid in book.lineage(request_id)]
            else:
                targets = [r for r in await self.client.requests() if r.open]
                withdrawn = len(book.proposals)
                book.proposals = {}
            cancelled = []
            for target in targets:
                active = [o for o in target.orders if o.active]
                if not active:
                    continue
                result = await self.client.cancel_request(target.request_id)
                cancelled.append(
                    CancelledRequest(
                        request_id=target.request_id,
                        side=str(target.side),  # type: ignore[arg-type]
                        cancelled_kwh=round(float(sum(o.remaining_kwh for o in active)), 1),
                        kept_filled_kwh=round(float(result.filled_kwh), 1),
                    )
                )
                book.forget_periods(target.request_id)
        except MarketNotFoundError as err:
            raise RequestNotFoundError(
                f"No request {request_id}", {"request_id": str(request_id)}
            ) from err
        except MarketError as err:
            raise self._market_failure(err) from err
        if request_id is not None and not cancelled:
            raise RequestNotFoundError(
                f"Request {request_id} has nothing left to cancel", {"request_id": request_id}
            )
        await self._keeper.async_save()
        await self.coordinator.async_request_refresh()
        outcome = CancelOutcome(cancelled=tuple(cancelled), withdrawn_proposals=withdrawn)
        return replace(outcome, speech=cancel_speech(outcome, language=language))

    async def async_cancel_where(
        self, *, day: date | None, side: Side | None, language: str
    ) -> CancelOutcome:
        """Cancel what is still open on one delivery day and/or of one side.

        "Cancel Friday's reservation" withdraws Friday's buy orders only; the request's other
        days stay on the market. Without a day, whole requests of that side are cancelled.
        """
        if day is None and side is None:
            return await self.async_cancel(None, language=language)
        cancelled: list[CancelledRequest] = []
        try:
            for request in await self.client.requests():
                if not request.open or (side is not None and str(request.side) != side):
                    continue
                if day is None:
                    active = [o for o in request.orders if o.active]
                    result = await self.client.cancel_request(request.request_id)
                    kept = float(result.filled_kwh)
                    self._keeper.book.forget_periods(request.request_id)
                else:
                    active = [o for o in request.orders if o.active and o.day == day]
                    kept = 0.0
                    for order in active:
                        kept += float((await self.client.cancel_order(order.order_id)).filled_kwh)
                if active:
                    cancelled.append(
                        CancelledRequest(
                            request_id=request.request_id,
                            side=side or request.side,
                            cancelled_kwh=round(float(sum(o.remaining_kwh for o in active)), 1),
                            kept_filled_kwh=round(kept, 1),
                        )
                    )
        except MarketError as err:
            raise self._market_failure(err) from err
        await self.coordinator.async_request_refresh()
        outcome = CancelOutcome(cancelled=tuple(cancelled))
        return replace(outcome, speech=cancel_speech(outcome, language=lang(language)))

    async def async_status(self, *, language: str) -> StatusReport:
        """Report the market and the household's own trades (fetched fresh)."""
        await self.coordinator.async_refresh()
        data = self._market_data()
        market = tuple(
            MarketDayStatus(
                day=day.day,
                last_price=None if day.last_price is None else float(day.last_price),
                open_buy_kwh=float(day.open_buy_kwh),
                open_sell_kwh=float(day.open_sell_kwh),
            )
            for day in data.market.days
            if day.open
        )
        requests = tuple(self._request_status(r) for r in data.requests if r.orders)
        proposals = tuple(
            PendingProposal(
                proposal_id=proposal_id,
                side=entry.request.side,
                first_day=entry.request.start_day,
                num_days=entry.request.num_days,
                total_kwh=entry.total_kwh,
                limit_price=entry.limit_price,
            )
            for proposal_id, entry in self._keeper.book.proposals.items()
        )
        totals = data.settlements.totals
        report = StatusReport(
            market=market,
            requests=requests,
            proposals=proposals,
            earned_eur_month=float(totals.earned_eur),
            paid_eur_month=float(totals.paid_eur),
        )
        return replace(report, speech=status_speech(report, language=lang(language)))

    def _request_status(self, request: Request) -> RequestStatus:
        recorded = self._keeper.book.requests.get(request.request_id)
        orders = [order_state(o) for o in request.orders]
        filled = sum(o.filled_kwh for o in orders)
        avg = (
            round(sum(o.filled_kwh * (o.avg_price or 0) for o in orders) / filled, 3)
            if filled
            else None
        )
        return RequestStatus(
            request_id=request.request_id,
            side=str(request.side),  # type: ignore[arg-type]
            reason=request.note if recorded is None else recorded.request.reason,
            first_day=min(o.day for o in orders),
            num_days=len(orders),
            requested_kwh=round(sum(o.volume_kwh for o in orders), 1),
            filled_kwh=round(filled, 1),
            avg_price=avg,
            open=request.open,
            days=tuple(
                DayFill(o.day, round(o.volume_kwh, 1), round(o.filled_kwh, 1), o.avg_price)
                for o in sorted(orders, key=lambda o: o.day)
            ),
        )

    # ----------------------------------------------------------------- submitting

    async def _async_submit(
        self,
        plan: TradePlan,
        *,
        language: str,
        client_request_id: str | None = None,
    ) -> TradeOutcome:
        """Send a plan as one request, record it, and say what filled right away."""
        client_request_id = client_request_id or str(uuid.uuid4())
        battery = self.battery_spec()
        try:
            created = await self.client.create_request(
                plan.side,
                limit_price=plan.limit_price,
                volumes={d.day: d.kwh for d in plan.trade_days},
                max_power_kw=battery.max_power_kw if battery is not None else None,
                note=plan.request.reason,
                client_request_id=client_request_id,
            )
        except MarketError as err:
            raise self._market_failure(err) from err

        orders = [order_state(o) for o in created.orders]
        record = RequestRecord(
            request_id=created.request_id,
            client_request_id=client_request_id,
            request=plan.request,
            language=language,
            created_at=dt_util.utcnow().isoformat(),
            floor=price_floor(plan) if plan.side == "sell" else None,
            cap=price_cap(plan) if plan.side == "buy" else None,
            sized_with_record=plan.energy.delivered_share if plan.side == "sell" else None,
        )
        # What filled in the round right after the submit is told in this reply, not again.
        for order in orders:
            record.progress(order.order_id).reported_kwh = order.filled_kwh
        self._keeper.book.requests[created.request_id] = record
        self._remember_period(plan, created.request_id)
        await self._keeper.async_save()
        outcome = build_outcome(
            plan,
            orders,
            request_id=created.request_id,
            client_request_id=client_request_id,
            high_price_threshold=self._high_price_threshold(),
        )
        data = self._market_data()
        await self.coordinator.async_request_refresh()
        return replace(outcome, speech=outcome_speech(outcome, today=data.today, language=language))

    def _remember_period(self, plan: TradePlan, request_id: str) -> None:
        reason = (plan.request.reason or "").strip().lower()
        kind = None
        if plan.side == "sell" and reason in AWAY_REASONS:
            kind = "away"
        elif plan.side == "buy" and reason in UNUSUAL_BUY_REASONS:
            kind = reason
        if kind is None:
            return
        days = plan.request.days
        self._keeper.book.periods.append(PeriodRecord(Period(days[0], days[-1], kind), request_id))
