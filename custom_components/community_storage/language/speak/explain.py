"""What the agent did and why, as short sentences carrying the numbers.

Pure functions of the plan and outcome dataclasses. They choose which sentence fits and fill in
its figures; the words of each language are the phrasebooks' (``phrases/en.py``,
``phrases/de.py``), error messages the integration's ``exceptions`` translations.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from ...agent.errors import TradingError
from ...agent.planner import AWAY_REASONS
from ...agent.plans import (
    CancelOutcome,
    OrderState,
    StatusReport,
    TradeOutcome,
    TradePlan,
)
from .error_texts import load_error_texts, render_error
from .phrases import lang, phrasebook
from .phrases.formatting import (
    fmt_day,
    fmt_eur,
    fmt_kwh,
    fmt_kwh_amount,
    fmt_month,
    fmt_price,
)

__all__ = [
    "cancel_speech",
    "days_phrase",
    "error_text",
    "expiry_speech",
    "fill_sentence",
    "fill_update_speech",
    "fmt_day",
    "fmt_eur",
    "fmt_kwh",
    "fmt_price",
    "lang",
    "outcome_speech",
    "period_phrase",
    "plan_speech",
    "proposal_speech",
    "reason_phrase",
    "record_cut_speech",
    "reprice_speech",
    "status_speech",
    "why_sentence",
]


def _say(language: str, key: str, **values: object) -> str:
    return phrasebook(language).explain[key].format(**values)


def _part(text: str) -> str:
    """An optional part of a sentence: its text after a space, or nothing."""
    return f" {text}" if text else ""


def _counted(language: str, key: str, count: int, **values: object) -> str:
    """The ``_one`` or ``_many`` form of a sentence about ``count`` things."""
    return _say(language, f"{key}_{'one' if count == 1 else 'many'}", count=count, **values)


def _side(side: str) -> str:
    return "buy" if side == "buy" else "sell"


def period_phrase(first: date, num_days: int, today: date, language: str) -> str:
    """ "for next week", "for tomorrow", or "for the 5 days from Monday 30 November"."""
    days_to_monday = (7 - today.weekday()) % 7 or 7
    if num_days == 7 and first == today + timedelta(days=days_to_monday):
        return _say(language, "period_next_week")
    if num_days == 1:
        if first == today + timedelta(days=1):
            return _say(language, "period_tomorrow")
        return _say(language, "period_day", day=fmt_day(first, language))
    return _say(language, "period_days", num_days=num_days, day=fmt_day(first, language))


def _reason_key(reason: str) -> str:
    return reason.strip().lower().replace(" ", "_")


def reason_phrase(reason: str | None, language: str) -> str:
    """ "to support your renovation plans", or the user's own words."""
    if not reason:
        return ""
    known = phrasebook(language).reasons.get(_reason_key(reason))
    return known or _say(language, "reason_own", reason=reason.strip())


def _reason_parts(reason: str | None, language: str) -> dict[str, str]:
    """The reason three ways: anywhere (``reason``), as a purpose or as a "while" clause.

    Sentences whose verb comes last in German put "während du verreist bist" after the verb, so
    they place ``purpose`` before it and ``clause`` after it; exactly one of the two is filled.
    """
    text = reason_phrase(reason, language)
    away = bool(reason) and _reason_key(reason or "") in AWAY_REASONS
    return {
        "reason": _part(text),
        "purpose": "" if away else _part(text),
        "clause": _say(language, "reason_clause", reason=text) if away and text else "",
    }


def _amount(volumes: list[float], language: str) -> str:
    """ "8 kWh", or "4 kWh to 8 kWh" when the days differ."""
    low, high = min(volumes), max(volumes)
    if abs(high - low) < 0.05:
        return fmt_kwh(high, language)
    return _say(language, "kwh_range", low=fmt_kwh(low, language), high=fmt_kwh(high, language))


def _when(plan: TradePlan, language: str) -> str:
    """ " in the evenings"; nothing for all day, which the explanation leaves unsaid."""
    time_of_day = plan.request.time_of_day
    if time_of_day is None or time_of_day == "all_day":
        return ""
    return _part(phrasebook(language).times_of_day.get(time_of_day, ""))


def _history_note(plan: TradePlan, language: str) -> str:
    basis = plan.forecast
    if not basis.fallback:
        return ""
    if basis.history_days == 0:
        return _say(language, "history_none")
    return _say(language, "history_some", days=basis.history_days)


def _why_buy(plan: TradePlan, need: float, language: str) -> str:
    days = plan.trade_days or plan.days
    extra = days[0].extra_kwh
    own = days[0].free_capacity_kwh
    text = _say(
        language,
        "why_buy",
        window=phrasebook(language).windows[plan.request.time_of_day or "evening"],
        need=fmt_kwh(need, language),
        extra=_say(language, "why_buy_extra", kwh=fmt_kwh(extra, language)) if extra else "",
        own=_say(language, "why_buy_own", kwh=fmt_kwh(own, language)) if own else "",
    )
    return " ".join(part for part in (text, fill_sentence(plan, language)) if part)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _fill_basis(plan: TradePlan, language: str) -> str:
    """Where the expected share of shared energy comes from: measured, or the month's guess."""
    energy = plan.energy
    pct = round(energy.fill_share * 100)
    if energy.fill_measured:
        return _say(language, "fill_measured", pct=pct)
    month = phrasebook(language).formats["months"].split()[plan.request.start_day.month - 1]
    key = "fill_assumed" if plan.side == "buy" else "fill_assumed_sell"
    return _say(language, key, pct=pct, month=month)


def _poor_day_clause(plan: TradePlan, language: str) -> str:
    """How a sale was sized on a poor day like the recent ones, when that lowered it."""
    share = plan.energy.poor_day_share
    if share is None:
        return ""
    return _say(language, "fill_poor_day", pct=round(share * 100))


def _buy_fill(plan: TradePlan, language: str) -> str:
    """What fills the bought capacity, what that energy costs, and what it saves."""
    days = plan.trade_days
    energy = plan.energy
    own = _mean([d.own_fill_kwh for d in days])
    shared = _mean([d.shared_kwh for d in days])
    amount = _mean([d.kwh for d in days])
    parts = []
    if own > 0:
        parts.append(_say(language, "fill_own", kwh=fmt_kwh(own, language)))
    if shared > 0:
        parts.append(
            _say(
                language,
                "fill_shared",
                kwh=fmt_kwh(shared, language),
                energy_price=fmt_price(energy.energy_price, language),
            )
        )
    sentences = []
    saving = _mean([d.saving_eur for d in days])
    grid = _say(language, "fill_grid") if energy.grid_charging and shared > 0 else ""
    if not parts:
        sentences.append(_say(language, "fill_none"))
    elif energy.loses_money:
        sentences.append(
            _say(language, "fill_buy_parts", parts=_say(language, "and").join(parts), grid=grid)
        )
    else:
        sentences.append(
            _say(
                language,
                "fill_buy",
                parts=_say(language, "and").join(parts),
                grid=grid,
                saving=fmt_eur(saving, language),
            )
        )
    if energy.loses_money:
        sentences.append(
            _say(
                language,
                "loses_money",
                used=fmt_kwh(own + shared, language),
                amount=fmt_kwh(amount, language),
                loss=fmt_eur(-saving, language),
            )
        )
    if any(d.note == "fill_limited" for d in days):
        sentences.append(
            _say(
                language,
                "fill_limited_buy",
                wanted=fmt_kwh(_mean([d.wanted_kwh for d in days]), language),
                basis=_fill_basis(plan, language),
                value=fmt_price(energy.shared_value, language),
                import_price=fmt_price(energy.import_price, language),
                energy_price=fmt_price(energy.energy_price, language),
                price=fmt_price(energy.capacity_price, language),
            )
        )
    elif shared > 0:
        basis = _fill_basis(plan, language)
        sentences.append(basis[:1].upper() + basis[1:] + ".")
    return " ".join(sentences)


def _sell_fill(plan: TradePlan, language: str) -> str:
    """What is expected to fill the sold capacity, and what the energy earns."""
    days = plan.trade_days
    energy = plan.energy
    parts = []
    for key, values in (
        ("sell_own", [d.own_fill_kwh for d in days]),
        ("sell_shared", [d.shared_kwh for d in days]),
        ("sell_grid", [d.grid_kwh for d in days]),
    ):
        if (kwh := _mean(values)) > 0:
            parts.append(_say(language, key, kwh=fmt_kwh(kwh, language)))
    sentences = []
    if parts:
        sentences.append(
            _say(
                language,
                "fill_sell",
                parts=_say(language, "and").join(parts),
                energy_price=fmt_price(energy.energy_price, language),
            )
        )
    if any(d.note == "record_limited" for d in days) and energy.delivered_share is not None:
        sentences.append(
            _say(
                language,
                "record_limited_sell",
                amount=fmt_kwh(_mean([d.kwh for d in days]), language),
                wanted=fmt_kwh(_mean([d.wanted_kwh for d in days]), language),
                days=str(energy.delivery_days),
                pct=round(energy.delivered_share * 100),
            )
        )
    elif any(d.note == "fill_limited" for d in days):
        sentences.append(
            _say(
                language,
                "fill_limited_sell",
                amount=fmt_kwh(_mean([d.kwh for d in days]), language),
                wanted=fmt_kwh(_mean([d.wanted_kwh for d in days]), language),
                basis=_fill_basis(plan, language) + _poor_day_clause(plan, language),
                grid=_say(
                    language,
                    "grid_loses" if energy.grid_charging else "grid_off",
                    energy_price=fmt_price(energy.energy_price, language),
                ),
            )
        )
    return " ".join(sentences)


def fill_sentence(plan: TradePlan, language: str) -> str:
    """What fills the traded capacity and what its energy costs or earns (nothing without
    trade days: a plan that trades nothing is an error, which says why itself)."""
    if not plan.trade_days:
        return ""
    return _buy_fill(plan, language) if plan.side == "buy" else _sell_fill(plan, language)


def why_sentence(plan: TradePlan, language: str) -> str:
    """The forecast and battery figures behind the volumes."""
    days = plan.trade_days or plan.days
    need = sum(d.need_kwh for d in days) / len(days)
    if plan.side == "buy":
        text = _why_buy(plan, need, language)
    else:
        # Nobody home: the house needs only its base load, which solar covers by day.
        away = (plan.request.reason or "").strip().lower() in AWAY_REASONS
        text = _say(
            language,
            "why_sell_away" if away else "why_sell",
            capacity=fmt_kwh(plan.usable_capacity_kwh, language),
            need=fmt_kwh(need, language),
        )
        text += _part(fill_sentence(plan, language))
    return text + _part(_history_note(plan, language))


def _days(days: list[date], language: str) -> str:
    return ", ".join(fmt_day(day, language) for day in days)


def _skipped_note(plan: TradePlan, language: str) -> str:
    skipped = [d for d in plan.days if d.kwh <= 0]
    if not skipped:
        return ""
    unfilled = [d.day for d in skipped if d.note in ("fill_limited", "record_limited")]
    groups: tuple[tuple[str, list[date]], ...]
    if plan.side == "sell":
        offered = [d.day for d in skipped if d.note == "fill_offered"]
        needed = [
            d.day
            for d in skipped
            if d.note not in ("fill_limited", "record_limited", "fill_offered")
        ]
        groups = (
            ("skipped_sell", needed),
            ("skipped_sell_unfilled", unfilled),
            ("skipped_sell_offered", offered),
        )
    else:
        selling = [d.day for d in skipped if d.note == "selling_that_day"]
        rest = [d.day for d in skipped if d.note not in ("selling_that_day", "fill_limited")]
        groups = (
            ("skipped_selling", selling),
            ("skipped_covered", rest),
            ("skipped_unfilled", unfilled),
        )
    return " ".join(_say(language, key, days=_days(days, language)) for key, days in groups if days)


def plan_speech(plan: TradePlan, *, today: date, language: str) -> str:
    """A dry run: what the agent would do."""
    days = plan.trade_days
    head = _say(
        language,
        f"plan_{_side(plan.side)}",
        amount=_amount([d.kwh for d in days], language),
        period=period_phrase(days[0].day, len(days), today, language),
        when=_when(plan, language),
        price=fmt_price(plan.limit_price, language),
        **_reason_parts(plan.request.reason, language),
    )
    return head + _part(why_sentence(plan, language)) + _part(_skipped_note(plan, language))


def proposal_speech(outcome: TradeOutcome, *, today: date, language: str) -> str:
    """A plan waiting for confirmation."""
    return _say(
        language,
        "proposal",
        plan=plan_speech(outcome.plan, today=today, language=language),
        proposal_id=outcome.proposal_id,
    )


def _filled_days(orders: tuple[OrderState, ...]) -> list[OrderState]:
    return [o for o in orders if o.filled_kwh > 0]


def _earn_span(num_days: int, language: str) -> str:
    """How long the sale earns for: " over the week", " over the 5 days", nothing for one day."""
    if num_days == 1:
        return ""
    if num_days == 7:
        return _say(language, "earn_span_week")
    return _say(language, "earn_span_days", num_days=num_days)


def _outcome_head(outcome: TradeOutcome, *, today: date, language: str) -> str:
    """The first sentences: what filled at which price, and what the agent keeps doing."""
    plan = outcome.plan
    side = _side(plan.side)
    if outcome.kind == "no_counterparty":
        return _say(
            language,
            f"waiting_{side}",
            amount=_amount([o.volume_kwh for o in outcome.orders], language),
            price=fmt_price(plan.limit_price, language),
        )
    price = outcome.avg_price
    assert price is not None
    filled = _filled_days(outcome.orders)
    num_days = len(outcome.orders)
    figures = {
        "amount": _amount([o.filled_kwh for o in filled], language),
        "price": fmt_price(price, language),
        "total": fmt_eur(outcome.total_eur, language),
        "num_days": num_days,
    }
    if outcome.kind == "filled":
        return _say(
            language,
            f"filled_{side}",
            period=period_phrase(filled[0].day, num_days, today, language),
            when=_when(plan, language),
            span=_earn_span(num_days, language),
            **figures,
            **_reason_parts(plan.request.reason, language),
        )
    if outcome.kind == "partial_days":
        return _say(language, f"partial_days_{side}", got=len(filled), **figures)
    requested = outcome.requested_kwh
    return _say(
        language,
        f"partial_volume_{side}",
        share=round(100 * outcome.filled_kwh / requested) if requested else 0,
        filled=fmt_kwh_amount(outcome.filled_kwh, language),
        requested=fmt_kwh(requested, language),
        **figures,
    )


def outcome_speech(outcome: TradeOutcome, *, today: date, language: str) -> str:
    """What happened right after submitting: full success or one of the alternative flows."""
    if outcome.kind == "proposed":
        return proposal_speech(outcome, today=today, language=language)
    head = _outcome_head(outcome, today=today, language=language)
    high = ""
    if outcome.high_price and outcome.plan.side == "buy" and outcome.avg_price is not None:
        high = _say(language, "high_price", price=fmt_price(outcome.avg_price, language))
    return head + _part(high) + _part(why_sentence(outcome.plan, language))


def fill_update_speech(
    *,
    side: str,
    day: date,
    new_kwh: float,
    price: float,
    filled_kwh: float,
    volume_kwh: float,
    language: str,
) -> str:
    """A later fill, for the follow-up notification."""
    return _say(
        language,
        f"fill_update_{_side(side)}",
        kwh=fmt_kwh(new_kwh, language),
        day=fmt_day(day, language),
        price=fmt_price(price, language),
        filled=fmt_kwh(filled_kwh, language),
        volume=fmt_kwh(volume_kwh, language),
    )


def expiry_speech(
    *, side: str, day: date, expired_kwh: float, filled_kwh: float, language: str
) -> str:
    """Gate closure: what did not fill for a day."""
    return _say(
        language,
        "expiry",
        day=fmt_day(day, language),
        expired=fmt_kwh(expired_kwh, language),
        what=phrasebook(language).order_words[_side(side)],
        filled=fmt_kwh(filled_kwh, language),
    )


def reprice_speech(*, side: str, day: date, old: float, new: float, language: str) -> str:
    """The remainder was re-priced within the user's limits."""
    return _say(
        language,
        "reprice",
        what=phrasebook(language).order_words[_side(side)],
        day=fmt_day(day, language),
        old=fmt_price(old, language),
        new=fmt_price(new, language),
    )


def days_phrase(days: list[date], language: str) -> str:
    """ "Saturday 12 December", "12-14 December", "30 November to 2 December" (with
    weekdays), or the days one by one when they are not one run."""
    days = sorted(days)
    first, last = days[0], days[-1]
    if len(days) == 1:
        return fmt_day(first, language)
    if (last - first).days != len(days) - 1:
        return _days(days, language)
    if (first.year, first.month) == (last.year, last.month):
        return _say(
            language,
            "days_span_month",
            first=first.day,
            last=last.day,
            month=fmt_month(first, language),
        )
    return _say(language, "days_span", first=fmt_day(first, language), last=fmt_day(last, language))


def record_cut_speech(
    cuts: list[tuple[date, float, float]],
    *,
    delivered_share: float,
    delivery_days: int,
    language: str,
) -> str:
    """An open offer cut to the household's fallen delivery record: ``cuts`` are (day, kWh
    offered before, kWh it keeps), said per day when every day is alike, else in total."""
    before = [kwh for _, kwh, _ in cuts]
    after = [kwh for _, _, kwh in cuts]
    alike = max(before) - min(before) < 0.05 and max(after) - min(after) < 0.05
    old, new = (before[0], after[0]) if alike else (sum(before), sum(after))
    basis = _counted(language, "record_basis", delivery_days, pct=round(delivered_share * 100))
    values = {
        "days": days_phrase([day for day, _, _ in cuts], language),
        "old": fmt_kwh(old, language),
        # One day's figure needs neither "a day" nor "in total".
        "each": "" if len(cuts) == 1 else _say(language, "each_day" if alike else "each_total"),
        "basis": basis,
    }
    if all(kwh < 0.05 for kwh in after):
        return _say(language, "record_withdrawn", **values)
    return _say(language, "record_cut", new=fmt_kwh(new, language), **values)


def cancel_speech(outcome: CancelOutcome, *, language: str) -> str:
    """What a cancel took off the market."""
    count = len(outcome.cancelled)
    if not count and not outcome.withdrawn_proposals:
        return _say(language, "cancel_nothing")
    parts = []
    if count:
        parts.append(
            _counted(language, "cancelled", count, kwh=fmt_kwh(outcome.cancelled_kwh, language))
        )
        if outcome.kept_filled_kwh:
            parts.append(
                _say(language, "cancel_kept", kwh=fmt_kwh(outcome.kept_filled_kwh, language))
            )
    if outcome.withdrawn_proposals:
        parts.append(_counted(language, "withdrawn", outcome.withdrawn_proposals))
    return " ".join(parts)


def status_speech(report: StatusReport, *, language: str) -> str:
    """The market price, the household's open trades and this month's money."""
    priced = next((d for d in report.market if d.last_price is not None), None)
    parts = [
        _say(
            language,
            "status_price",
            day=fmt_day(priced.day, language),
            price=fmt_price(priced.last_price or 0, language),
        )
        if priced is not None
        else _say(language, "status_no_price"),
        _counted(
            language,
            "status_requests",
            sum(1 for r in report.requests if r.open),
            bought=fmt_kwh(sum(r.filled_kwh for r in report.requests if r.side == "buy"), language),
            sold=fmt_kwh(sum(r.filled_kwh for r in report.requests if r.side == "sell"), language),
        ),
        _say(
            language,
            "status_month",
            earned=fmt_eur(report.earned_eur_month, language),
            paid=fmt_eur(report.paid_eur_month, language),
        ),
    ]
    if report.proposals:
        parts.append(_counted(language, "status_proposals", len(report.proposals)))
    return " ".join(parts)


def error_text(
    error: TradingError, *, language: str, texts: Mapping[str, str] | None = None
) -> str:
    """An agent error as a sentence: the integration's ``exceptions`` translation, filled in.

    Home Assistant code passes ``texts`` from its translation cache; without them the
    translation file is read (once per language), which belongs outside an event loop.
    """
    return render_error(error, texts if texts is not None else load_error_texts(language), language)
