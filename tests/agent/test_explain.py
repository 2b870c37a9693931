"""Explanations in English and German for every flow, on plain plan and outcome data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.community_storage.agent.errors import (
    InvalidRequestError,
    MarketRejectedError,
    NoBatteryError,
)
from custom_components.community_storage.agent.plans import (
    CancelledRequest,
    CancelOutcome,
    DayPlan,
    EnergyBasis,
    ForecastBasis,
    MarketDayStatus,
    OrderState,
    PendingProposal,
    PriceBasis,
    RequestStatus,
    StatusReport,
    TradeOutcome,
    TradePlan,
    TradeRequest,
    build_outcome,
    classify,
)
from custom_components.community_storage.language.speak.error_texts import load_error_texts
from custom_components.community_storage.language.speak.explain import (
    cancel_speech,
    days_phrase,
    error_text,
    expiry_speech,
    fill_update_speech,
    outcome_speech,
    plan_speech,
    proposal_speech,
    record_cut_speech,
    reprice_speech,
    status_speech,
)

TODAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 30)
# A fixed 0.37 tariff, the default energy price; sellers delivered 95 % of what they sold.
ENERGY = EnergyBasis(
    energy_price=0.12,
    import_price=0.37,
    feed_in=0.078,
    fill_share=0.95,
    fill_measured=True,
    own_value=0.283,
    shared_value=0.25,
    capacity_price=0.08,
)


def _plan(
    side: str, kwh: float, limit: float, reason: str | None, *, history_days: int = 28
) -> TradePlan:
    request = TradeRequest(side, MONDAY, 7, time_of_day=None, reason=reason)  # type: ignore[arg-type]
    days = tuple(
        DayPlan(
            MONDAY + timedelta(days=i), kwh, 4.5, 0.0, 3.0 if side == "buy" else 0.0, 0.0,
            own_fill_kwh=2.0, shared_kwh=kwh - 2.0, saving_eur=1.19,
        )
        for i in range(7)
    )  # fmt: skip
    return TradePlan(
        request=request,
        days=days,
        limit_price=limit,
        price=PriceBasis(0.283, limit, "user"),
        forecast=ForecastBasis(history_days, history_days < 7, 0, 9.8, 1.2),
        usable_capacity_kwh=13.5,
        energy=ENERGY,
    )


def _orders(plan: TradePlan, fills: list[float], price: float | None) -> list[OrderState]:
    return [
        OrderState(
            f"or_{i}", d.day, d.kwh, plan.limit_price,
            "filled" if f >= d.kwh else ("partially_filled" if f else "open"),
            f, price if f else None,
        )
        for i, (d, f) in enumerate(zip(plan.days, fills, strict=True))
    ]  # fmt: skip


def _outcome(
    plan: TradePlan, fills: list[float], price: float | None, threshold: float = 0.11
) -> TradeOutcome:
    return build_outcome(
        plan, _orders(plan, fills, price), request_id="rq_1", client_request_id="c1",
        high_price_threshold=threshold,
    )  # fmt: skip


def test_buy_full_success_en_de() -> None:
    plan = _plan("buy", 8.0, 0.15, "renovation")
    outcome = _outcome(plan, [8.0] * 7, 0.07)
    assert outcome.kind == "filled"
    en = outcome_speech(outcome, today=TODAY, language="en")
    assert en.startswith(
        "I've reserved 8 kWh of storage capacity per day for next week at EUR 0.07/kWh "
        "to support your renovation plans. That's EUR 3.92 in total."
    )
    assert "4.5 kWh per day" in en  # the forecast figure behind it
    de = outcome_speech(outcome, today=TODAY, language="de-DE")
    assert de.startswith(
        "Ich habe 8 kWh pro Tag Speicherkapazität für nächste Woche zu 0,07 EUR/kWh für deine "
        "Renovierungsarbeiten reserviert. Das kostet insgesamt 3,92 EUR."
    )


def test_sell_full_success_en_de() -> None:
    plan = _plan("sell", 12.0, 0.06, "holiday")
    outcome = _outcome(plan, [12.0] * 7, 0.09)
    en = outcome_speech(outcome, today=TODAY, language="en")
    assert en.startswith(
        "I've sold 12 kWh of your storage capacity per day for next week while you're away. "
        "You'll earn EUR 0.09/kWh for a total of EUR 7.56 over the week."
    )
    assert "13.5 kWh usable" in en
    de = outcome_speech(outcome, today=TODAY, language="de")
    assert "Du verdienst 0,09 EUR/kWh, insgesamt 7,56 EUR in dieser Woche." in de


def test_away_sale_says_the_empty_house_only_needs_its_base_load() -> None:
    away = _plan("sell", 12.0, 0.06, "holiday")
    en = outcome_speech(_outcome(away, [12.0] * 7, 0.09), today=TODAY, language="en")
    assert "still needs" not in en
    assert "base load (fridge, standby)" in en
    assert "I keep 4.5 kWh in reserve for the nights" in en
    de = outcome_speech(_outcome(away, [12.0] * 7, 0.09), today=TODAY, language="de")
    assert "braucht davon noch" not in de
    assert "Grundlast" in de and "behalte ich 4,5 kWh als Reserve" in de
    # At home the house does still need part of the battery, and the reply says so.
    home = _plan("sell", 6.0, 0.06, None)
    at_home = outcome_speech(_outcome(home, [6.0] * 7, 0.09), today=TODAY, language="en")
    assert "still needs about 4.5 kWh of it per day" in at_home


def test_partial_days() -> None:
    plan = _plan("buy", 8.0, 0.15, "renovation")
    outcome = _outcome(plan, [8.0] * 5 + [0.0, 0.0], 0.08)
    assert outcome.kind == "partial_days"
    en = outcome_speech(outcome, today=TODAY, language="en")
    assert "I was able to reserve storage for 5 of the 7 days" in en
    assert "EUR 3.20 in total" in en
    assert "I'll continue monitoring the market" in en
    de = outcome_speech(outcome, today=TODAY, language="de")
    assert "für 5 der 7 Tage" in de


def test_partial_volume() -> None:
    plan = _plan("sell", 12.0, 0.06, "holiday")
    outcome = _outcome(plan, [8.4] * 7, 0.09)
    assert outcome.kind == "partial_volume"
    en = outcome_speech(outcome, today=TODAY, language="en")
    assert "We were able to sell 70% of your available storage capacity" in en
    assert "58.8 of 84 kWh" in en
    assert "I'll keep offering the remainder." in en
    assert "70 % deiner verfügbaren Speicherkapazität" in outcome_speech(
        outcome, today=TODAY, language="de"
    )


def test_high_price_only_for_buys_above_threshold() -> None:
    plan = _plan("buy", 8.0, 0.15, "renovation")
    outcome = _outcome(plan, [8.0] * 7, 0.12, threshold=0.11)
    assert outcome.high_price
    en = outcome_speech(outcome, today=TODAY, language="en")
    assert "I reserved storage at EUR 0.12/kWh due to limited availability during peak hours." in en
    assert "knapper Verfügbarkeit" in outcome_speech(outcome, today=TODAY, language="de")
    assert not _outcome(plan, [8.0] * 7, 0.10, threshold=0.11).high_price
    sell = _plan("sell", 12.0, 0.06, "holiday")
    assert not _outcome(sell, [12.0] * 7, 0.2).high_price


def test_no_counterparty() -> None:
    sell = _plan("sell", 12.0, 0.06, "holiday")
    outcome = _outcome(sell, [0.0] * 7, None)
    assert outcome.kind == "no_counterparty"
    en = outcome_speech(outcome, today=TODAY, language="en")
    assert en.startswith("No buyers are currently available. I'll continue monitoring demand")
    assert "12 kWh per day on offer at EUR 0.06/kWh or more" in en
    assert "Gerade gibt es keine Käufer" in outcome_speech(outcome, today=TODAY, language="de")
    buy = _outcome(_plan("buy", 8.0, 0.15, None), [0.0] * 7, None)
    assert "No sellers are currently available" in outcome_speech(buy, today=TODAY, language="en")


def test_short_history_is_mentioned() -> None:
    plan = _plan("buy", 8.0, 0.15, "guests", history_days=3)
    en = plan_speech(plan, today=TODAY, language="en")
    assert en.startswith(
        "I would reserve 8 kWh of storage capacity per day for next week "
        "at up to EUR 0.15/kWh for your guests."
    )
    assert "based on 3 days of history" in en
    assert "auf 3 Tagen Verlauf" in plan_speech(plan, today=TODAY, language="de")


def test_period_phrases() -> None:
    plan = _plan("buy", 8.0, 0.15, None)
    tomorrow = TradePlan(
        request=TradeRequest("buy", TODAY + timedelta(days=1), 1),
        days=(DayPlan(TODAY + timedelta(days=1), 2.5, 2.5, 0, 0, 0),),
        limit_price=0.1, price=plan.price, forecast=plan.forecast, usable_capacity_kwh=0.0,
    )  # fmt: skip
    assert "2.5 kWh of storage capacity per day for tomorrow" in plan_speech(
        tomorrow, today=TODAY, language="en"
    )
    later = _plan("buy", 8.0, 0.15, None)
    text = plan_speech(later, today=TODAY - timedelta(days=7), language="en")
    assert "for the 7 days from Monday 30 November" in text
    assert "für die 7 Tage ab Montag, 30. November" in plan_speech(
        later, today=TODAY - timedelta(days=7), language="de"
    )


def test_follow_up_sentences() -> None:
    en = fill_update_speech(
        side="sell",
        day=MONDAY,
        new_kwh=4.0,
        price=0.09,
        filled_kwh=10.0,
        volume_kwh=12.0,
        language="en",
    )
    assert en == "Another 4 kWh was sold for Monday 30 November at EUR 0.09/kWh (10 kWh of 12 kWh)."
    de = expiry_speech(side="buy", day=MONDAY, expired_kwh=2.5, filled_kwh=5.5, language="de")
    assert "2,5 kWh deines Gebots sind verfallen" in de


def test_an_offer_cut_to_the_record_says_the_days_the_volumes_and_the_record() -> None:
    december = [date(2026, 12, 12) + timedelta(days=i) for i in range(3)]
    cuts = [(day, 6.0, 2.0) for day in december]
    assert record_cut_speech(cuts, delivered_share=0.3, delivery_days=6, language="en") == (
        "I've reduced your offer for 12-14 December from 6 kWh to 2 kWh a day: on your last 6 "
        "selling days your battery delivered 30% of what it sold."
    )
    assert record_cut_speech(cuts, delivered_share=0.3, delivery_days=6, language="de") == (
        "Ich habe dein Angebot für den 12. bis 14. Dezember von 6 kWh auf 2 kWh pro Tag "
        "verringert: An deinen letzten 6 Verkaufstagen hat dein Akku 30 % dessen geliefert, was "
        "er verkauft hat."
    )
    # Days that differ are said in total; nothing kept is a withdrawal; one day on record.
    uneven = [(MONDAY, 6.0, 0.0), (MONDAY + timedelta(days=2), 5.0, 0.0)]
    assert record_cut_speech(uneven, delivered_share=0.0, delivery_days=1, language="en") == (
        "I've withdrawn your offer for Monday 30 November, Wednesday 2 December (11 kWh in "
        "total): on your last selling day your battery delivered 0% of what it sold."
    )
    assert ": An deinem letzten Verkaufstag hat dein Akku 0 %" in record_cut_speech(
        uneven, delivered_share=0.0, delivery_days=1, language="de"
    )


def test_days_phrases() -> None:
    assert days_phrase([MONDAY], "en") == "Monday 30 November"
    assert days_phrase([MONDAY + timedelta(days=1), MONDAY], "en") == (
        "Monday 30 November to Tuesday 1 December"
    )
    assert days_phrase([MONDAY, MONDAY + timedelta(days=1)], "de") == (
        "Montag, 30. November bis Dienstag, 1. Dezember"
    )


def test_cancel_and_status() -> None:
    outcome = CancelOutcome(cancelled=(CancelledRequest("rq_1", "sell", 36.0, 48.0),))
    assert cancel_speech(outcome, language="en") == (
        "I've cancelled 1 request and taken 36 kWh off the market. "
        "The 48 kWh already traded stays in place."
    )
    assert cancel_speech(CancelOutcome(()), language="de") == "Es gab nichts zu stornieren."
    report = StatusReport(
        market=(MarketDayStatus(MONDAY, 0.085, 10.0, 4.0),),
        requests=(RequestStatus("rq_1", "sell", "holiday", MONDAY, 7, 84.0, 84.0, 0.09, False),),
        earned_eur_month=7.56,
    )
    en = status_speech(report, language="en")
    assert "The last price for Monday 30 November was EUR 0.085/kWh." in en
    assert "This month you earned EUR 7.56" in en
    assert report.as_dict()["next_price"] == 0.085


@pytest.mark.parametrize("language", ["en", "de"])
def test_error_texts(language: str) -> None:
    assert set(load_error_texts("en")) == set(load_error_texts("de"))
    err = InvalidRequestError(
        "x", {"num_days": "20", "max_days": "14"}, translation_key="invalid_num_days"
    )
    assert "20" in error_text(err, language=language) and "14" in error_text(err, language=language)
    texts = load_error_texts(language)
    assert error_text(NoBatteryError("x"), language=language) == texts["no_battery"]
    rejected = MarketRejectedError("x", {"message": "Gate closed."})
    assert error_text(rejected, language=language).endswith("Gate closed.")


def test_error_texts_come_from_the_translations_the_caller_passes() -> None:
    """Home Assistant passes its cached translations; unknown keys or placeholders fall back."""
    texts = {"trading_error": "Generic.", "invalid_num_days": "At most {max_days} days."}
    err = InvalidRequestError("x", {"max_days": "14"}, translation_key="invalid_num_days")
    assert error_text(err, language="de", texts=texts) == "At most 14 days."
    assert error_text(NoBatteryError("x"), language="en", texts=texts) == "Generic."
    unfilled = InvalidRequestError("x", {}, translation_key="invalid_num_days")
    assert error_text(unfilled, language="en", texts=texts) == "Generic."
    assert error_text(unfilled, language="de-AT") == load_error_texts("de")["trading_error"]


def test_classify_and_as_dict_are_json_ready() -> None:
    import json

    plan = _plan("buy", 8.0, 0.15, "renovation")
    outcome = _outcome(plan, [8.0] * 7, 0.07)
    data = json.loads(json.dumps(outcome.as_dict()))
    assert data["filled_kwh"] == 56.0 and data["total_eur"] == 3.92
    assert data["plan"]["days"][0]["day"] == "2026-11-30"
    assert classify([]) == "no_counterparty"


def _shaped_plan(
    side: str,
    kwhs: list[float],
    *,
    reason: str | None = None,
    time_of_day: str | None = None,
    start: date = MONDAY,
    notes: list[str] | None = None,
    extra: float = 0.0,
    own: float = 0.0,
    history_days: int = 28,
) -> TradePlan:
    """A plan with its own volumes per day (0 for a skipped day) and forecast figures."""
    request = TradeRequest(side, start, len(kwhs), time_of_day=time_of_day, reason=reason)  # type: ignore[arg-type]
    days = tuple(
        DayPlan(
            start + timedelta(days=i), kwh, 4.5 + i / 10, 1.0 + i, extra, own,
            (notes or [])[i] if notes else "estimate",
            own_fill_kwh=min(kwh, 1.0 + i), shared_kwh=max(0.0, kwh - 1.0 - i),
            wanted_kwh=kwh, saving_eur=round(0.2 * kwh, 2),
        )
        for i, kwh in enumerate(kwhs)
    )  # fmt: skip
    return TradePlan(
        request=request,
        days=days,
        limit_price=0.15 if side == "buy" else 0.06,
        price=PriceBasis(0.283, None, "computed"),
        forecast=ForecastBasis(history_days, history_days < 7, 0, 9.8, 1.2),
        usable_capacity_kwh=13.5,
        energy=replace(ENERGY, fill_measured=False, fill_share=0.19),
    )


SKIPPED = ["estimate", "selling_that_day", "covered", "estimate", "estimate"]
REPORT = StatusReport(
    market=(
        MarketDayStatus(MONDAY - timedelta(days=1), None, 0, 0),
        MarketDayStatus(MONDAY, 0.085, 10, 4),
    ),
    requests=(
        RequestStatus("rq_1", "sell", "holiday", MONDAY, 7, 84.0, 50.0, 0.09, True),
        RequestStatus("rq_2", "buy", None, MONDAY, 2, 10.0, 6.0, 0.12, True),
    ),
    proposals=(PendingProposal("pr_1", "buy", MONDAY, 7, 56.0, 0.15),) * 2,
    earned_eur_month=7.56,
    paid_eur_month=1.2,
)  # fmt: skip
QUIET = StatusReport(
    market=(MarketDayStatus(MONDAY, None, 1, 2),),
    requests=(RequestStatus("rq_3", "buy", None, MONDAY, 3, 12.0, 0.0, None, True),),
    proposals=(PendingProposal("pr_1", "buy", MONDAY, 7, 56.0, 0.15),),
)
CANCELLED = CancelledRequest("rq_2", "buy", 4.5, 0.0)

# Every sentence of every flow, word for word in both languages (the paths the tests above only
# sample); the snapshot was taken before the words moved into the phrasebooks and must not move.
WORD_FOR_WORD: dict[str, Callable[[str], str]] = {
    "sell plan while away": lambda lg: plan_speech(
        _shaped_plan("sell", [8.0] * 7, reason="holiday"), today=TODAY, language=lg
    ),
    "buy plan for tomorrow evening, own words": lambda lg: plan_speech(
        _shaped_plan(
            "buy",
            [8.0],
            reason="Gäste kommen",
            time_of_day="evening",
            start=TODAY + timedelta(days=1),
        ),
        today=TODAY,
        language=lg,
    ),
    "buy plan without history, range, extra and own battery": lambda lg: plan_speech(
        _shaped_plan(
            "buy",
            [4.0, 6.5, 8.0],
            extra=2.0,
            own=3.0,
            history_days=0,
            start=MONDAY + timedelta(days=3),
        ),
        today=TODAY,
        language=lg,
    ),
    "sell plan with skipped days": lambda lg: plan_speech(
        _shaped_plan("sell", [8.0, 0.0, 0.0, 8.0, 8.0], notes=SKIPPED), today=TODAY, language=lg
    ),
    "buy plan skipping days offered and covered": lambda lg: plan_speech(
        _shaped_plan("buy", [8.0, 0.0, 0.0, 8.0, 8.0], reason="guests", notes=SKIPPED),
        today=TODAY,
        language=lg,
    ),
    "proposal": lambda lg: proposal_speech(
        TradeOutcome("proposed", _shaped_plan("sell", [8.0] * 7, reason="ev"), proposal_id="pr_1"),
        today=TODAY,
        language=lg,
    ),
    "sale over three days while away": lambda lg: outcome_speech(
        _outcome(
            _shaped_plan("sell", [8.0] * 3, reason="holiday", start=MONDAY + timedelta(days=3)),
            [8.0] * 3,
            0.07,
        ),
        today=TODAY,
        language=lg,
    ),
    "sale for one day": lambda lg: outcome_speech(
        _outcome(_shaped_plan("sell", [8.0], start=TODAY + timedelta(days=1)), [8.0], 0.07),
        today=TODAY,
        language=lg,
    ),
    "reservation in the mornings": lambda lg: outcome_speech(
        _outcome(
            _shaped_plan("buy", [8.0] * 7, reason="renovation", time_of_day="morning"),
            [8.0] * 7,
            0.07,
        ),
        today=TODAY,
        language=lg,
    ),
    "sale on some days": lambda lg: outcome_speech(
        _outcome(_shaped_plan("sell", [8.0] * 5, reason="guests"), [8.0] * 4 + [0.0], 0.08),
        today=TODAY,
        language=lg,
    ),
    "part of the volume reserved": lambda lg: outcome_speech(
        _outcome(_shaped_plan("buy", [8.0] * 7), [5.6] * 7, 0.09), today=TODAY, language=lg
    ),
    "no sellers": lambda lg: outcome_speech(
        _outcome(_shaped_plan("buy", [8.0] * 7), [0.0] * 7, None), today=TODAY, language=lg
    ),
    "high price": lambda lg: outcome_speech(
        _outcome(_shaped_plan("buy", [8.0] * 7), [8.0] * 7, 0.2), today=TODAY, language=lg
    ),
    "later fill of a reservation": lambda lg: fill_update_speech(
        side="buy", day=MONDAY, new_kwh=4, price=0.09, filled_kwh=10.25, volume_kwh=12, language=lg
    ),
    "offer expired": lambda lg: expiry_speech(
        side="sell", day=MONDAY, expired_kwh=2.5, filled_kwh=5.5, language=lg
    ),
    "bid re-priced": lambda lg: reprice_speech(
        side="buy", day=MONDAY, old=0.1, new=0.125, language=lg
    ),
    "offer re-priced": lambda lg: reprice_speech(
        side="sell", day=MONDAY, old=0.1, new=0.125, language=lg
    ),
    "offer cut to the record": lambda lg: record_cut_speech(
        [(MONDAY + timedelta(days=i), 6.0, 1.8) for i in range(3)],
        delivered_share=0.3,
        delivery_days=6,
        language=lg,
    ),
    "offer withdrawn for the record": lambda lg: record_cut_speech(
        [(MONDAY, 4.5, 0.0)], delivered_share=0.02, delivery_days=3, language=lg
    ),
    "two cancelled, three proposals withdrawn": lambda lg: cancel_speech(
        CancelOutcome((CANCELLED, CANCELLED), 3), language=lg
    ),
    "one proposal withdrawn": lambda lg: cancel_speech(CancelOutcome((), 1), language=lg),
    "one cancelled, nothing traded": lambda lg: cancel_speech(
        CancelOutcome((CANCELLED,)), language=lg
    ),
    "status with two of everything": lambda lg: status_speech(REPORT, language=lg),
    "status without a price": lambda lg: status_speech(QUIET, language=lg),
}


@pytest.mark.parametrize("flow", list(WORD_FOR_WORD))
def test_every_flow_word_for_word(flow: str, snapshot: SnapshotAssertion) -> None:
    assert {language: WORD_FOR_WORD[flow](language) for language in ("en", "de")} == snapshot
