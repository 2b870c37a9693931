"""Explanations in English and German for every flow, on plain plan and outcome data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custom_components.community_storage.agent.errors import (
    InvalidRequestError,
    MarketRejectedError,
    NoBatteryError,
)
from custom_components.community_storage.agent.explain import (
    ERROR_TEXTS,
    cancel_speech,
    error_text,
    expiry_speech,
    fill_update_speech,
    outcome_speech,
    plan_speech,
    status_speech,
)
from custom_components.community_storage.agent.outcome import build_outcome, classify
from custom_components.community_storage.agent.request import (
    CancelledRequest,
    CancelOutcome,
    DayPlan,
    ForecastBasis,
    MarketDayStatus,
    OrderState,
    PriceBasis,
    RequestStatus,
    StatusReport,
    TradePlan,
    TradeRequest,
)

TODAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 30)


def _plan(
    side: str, kwh: float, limit: float, reason: str | None, *, history_days: int = 28
) -> TradePlan:
    request = TradeRequest(side, MONDAY, 7, time_of_day=None, reason=reason)  # type: ignore[arg-type]
    days = tuple(
        DayPlan(MONDAY + timedelta(days=i), kwh, 4.5, 0.0, 3.0 if side == "buy" else 0.0, 0.0)
        for i in range(7)
    )
    return TradePlan(
        request=request,
        days=days,
        limit_price=limit,
        price=PriceBasis(0.283, limit, "user"),
        forecast=ForecastBasis(history_days, history_days < 7, 0, 9.8, 1.2),
        usable_capacity_kwh=13.5,
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


def _outcome(plan: TradePlan, fills: list[float], price: float | None, threshold: float = 0.11):
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
    assert set(ERROR_TEXTS["en"]) == set(ERROR_TEXTS["de"])
    err = InvalidRequestError(
        "x", {"num_days": "20", "max_days": "14"}, translation_key="invalid_num_days"
    )
    assert "20" in error_text(err, language=language) and "14" in error_text(err, language=language)
    assert error_text(NoBatteryError("x"), language=language) == ERROR_TEXTS[language]["no_battery"]
    rejected = MarketRejectedError("x", {"message": "Gate closed."})
    assert error_text(rejected, language=language).endswith("Gate closed.")


def test_classify_and_as_dict_are_json_ready() -> None:
    import json

    plan = _plan("buy", 8.0, 0.15, "renovation")
    outcome = _outcome(plan, [8.0] * 7, 0.07)
    data = json.loads(json.dumps(outcome.as_dict()))
    assert data["filled_kwh"] == 56.0 and data["total_eur"] == 3.92
    assert data["plan"]["days"][0]["day"] == "2026-11-30"
    assert classify([]) == "no_counterparty"
