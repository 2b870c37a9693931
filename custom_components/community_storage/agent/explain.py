"""What the agent did and why, as short English and German sentences carrying the numbers.

Pure functions of the plan and outcome dataclasses; German uses the informal "du" like Home
Assistant's own German texts. Languages other than German get English.
"""

# Whole sentences read better unbroken than split at column 100.
# ruff: noqa: E501

from __future__ import annotations

from datetime import date, timedelta

from .errors import TradingError
from .planner import AWAY_REASONS
from .request import (
    CancelOutcome,
    OrderState,
    StatusReport,
    TradeOutcome,
    TradePlan,
)

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ),
}  # fmt: skip
_REASONS = {
    "en": {
        "renovation": "to support your renovation plans",
        "guests": "for your guests",
        "home_office": "for your home office days",
        "ev": "to charge your electric car",
        "holiday": "while you're away",
        "away": "while you're away",
        "vacation": "while you're away",
    },
    "de": {
        "renovation": "für deine Renovierungsarbeiten",
        "guests": "für deinen Besuch",
        "home_office": "für deine Homeoffice-Tage",
        "ev": "zum Laden deines Elektroautos",
        "holiday": "während du verreist bist",
        "away": "während du verreist bist",
        "vacation": "während du verreist bist",
    },
}
_TIMES = {
    "en": {
        "morning": "in the mornings",
        "afternoon": "in the afternoons",
        "evening": "in the evenings",
        "night": "at night",
        "all_day": "",
    },
    "de": {
        "morning": "morgens",
        "afternoon": "nachmittags",
        "evening": "abends",
        "night": "nachts",
        "all_day": "",
    },
}


_WINDOW_NAMES = {
    "en": {
        "morning": "In the mornings",
        "afternoon": "In the afternoons",
        "evening": "In the evenings",
        "night": "At night",
        "all_day": "Over the day",
    },
    "de": {
        "morning": "Morgens",
        "afternoon": "Nachmittags",
        "evening": "Abends",
        "night": "Nachts",
        "all_day": "Über den Tag",
    },
}


def _de_reason(reason: str, verb: str) -> tuple[str, ...]:
    """German word order: a "während ..." clause follows the verb after a comma."""
    if reason.startswith("während"):
        return (verb.removesuffix(".") + ",", reason + ".")
    return (reason, verb)


def lang(language: str | None) -> str:
    """``de`` for any German locale, else ``en``."""
    return "de" if (language or "").lower().startswith("de") else "en"


def fmt_kwh(value: float, language: str) -> str:
    """A volume: "8 kWh", "7.5 kWh" / "7,5 kWh"."""
    text = f"{round(value, 1):.1f}".removesuffix(".0")
    return (text.replace(".", ",") if language == "de" else text) + " kWh"


def fmt_price(value: float, language: str) -> str:
    """A price per kWh: "EUR 0.07/kWh" / "0,07 EUR/kWh" (three decimals only when needed)."""
    text = f"{value:.3f}"
    if text.endswith("0"):
        text = text[:-1]
    if language == "de":
        return text.replace(".", ",") + " EUR/kWh"
    return f"EUR {text}/kWh"


def fmt_eur(value: float, language: str) -> str:
    """Money to the cent: "EUR 7.56" / "7,56 EUR"."""
    text = f"{value:.2f}"
    return text.replace(".", ",") + " EUR" if language == "de" else f"EUR {text}"


def fmt_day(day: date, language: str) -> str:
    """A day with weekday: "Monday 30 November" / "Montag, 30. November"."""
    weekday = _WEEKDAYS[language][day.weekday()]
    month = _MONTHS[language][day.month - 1]
    if language == "de":
        return f"{weekday}, {day.day}. {month}"
    return f"{weekday} {day.day} {month}"


def period_phrase(first: date, num_days: int, today: date, language: str) -> str:
    """ "for next week", "for tomorrow", or "for the 5 days from Monday 30 November"."""
    days_to_monday = (7 - today.weekday()) % 7 or 7
    if num_days == 7 and first == today + timedelta(days=days_to_monday):
        return "für nächste Woche" if language == "de" else "for next week"
    if num_days == 1:
        if first == today + timedelta(days=1):
            return "für morgen" if language == "de" else "for tomorrow"
        return (
            f"für {fmt_day(first, language)}"
            if language == "de"
            else f"for {fmt_day(first, language)}"
        )
    if language == "de":
        return f"für die {num_days} Tage ab {fmt_day(first, language)}"
    return f"for the {num_days} days from {fmt_day(first, language)}"


def reason_phrase(reason: str | None, language: str) -> str:
    """ "to support your renovation plans", or the user's own words."""
    if not reason:
        return ""
    key = reason.strip().lower().replace(" ", "_")
    known = _REASONS[language].get(key)
    if known:
        return known
    return f"für: {reason.strip()}" if language == "de" else f"for: {reason.strip()}"


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def per_day_phrase(volumes: list[float], language: str, noun: str = "") -> str:
    """ "8 kWh per day" or "8 kWh <noun> per day", or a range when the days differ."""
    low, high = min(volumes), max(volumes)
    unit = "pro Tag" if language == "de" else "per day"
    if abs(high - low) < 0.05:
        amount = fmt_kwh(high, language)
    elif language == "de":
        amount = f"{fmt_kwh(low, language)} bis {fmt_kwh(high, language)}"
    else:
        amount = f"{fmt_kwh(low, language)} to {fmt_kwh(high, language)}"
    return _join(amount, noun, unit)


def _history_note(plan: TradePlan, language: str) -> str:
    basis = plan.forecast
    if basis.fallback:
        if basis.history_days == 0:
            return (
                "Da noch kein Verlauf vorliegt, habe ich ein Standardprofil eines Haushalts verwendet."
                if language == "de"
                else "With no history yet, I used a standard household profile."
            )
        return (
            f"Die Prognose beruht auf {basis.history_days} Tagen Verlauf, ergänzt um ein Standardprofil."
            if language == "de"
            else f"The forecast is based on {basis.history_days} days of history, completed with a standard profile."
        )
    return ""


def why_sentence(plan: TradePlan, language: str) -> str:
    """The forecast and battery figures behind the volumes."""
    days = plan.trade_days or plan.days
    need = sum(d.need_kwh for d in days) / len(days)
    if plan.side == "buy":
        extra = days[0].extra_kwh
        own = days[0].free_capacity_kwh
        surplus = sum(d.pv_surplus_kwh for d in days) / len(days)
        if language == "de":
            window = _WINDOW_NAMES["de"][plan.request.time_of_day or "evening"]
            text = f"{window} brauchst du voraussichtlich {fmt_kwh(need, language)} pro Tag"
            if extra:
                text += f", davon etwa {fmt_kwh(extra, language)} zusätzlich"
            if own:
                text += f"; dein eigener Speicher deckt {fmt_kwh(own, language)}"
            text += f". Tagsüber erwarte ich {fmt_kwh(surplus, language)} Solarüberschuss pro Tag"
            text += ", den Rest lädt günstiger Strom."
        else:
            window = _WINDOW_NAMES["en"][plan.request.time_of_day or "evening"]
            text = f"{window} you're expected to need {fmt_kwh(need, language)} per day"
            if extra:
                text += f", including about {fmt_kwh(extra, language)} extra"
            if own:
                text += f"; your own battery covers {fmt_kwh(own, language)}"
            text += f". I expect {fmt_kwh(surplus, language)} of daytime solar surplus per day"
            text += "; cheap energy covers the rest."
    elif (plan.request.reason or "").strip().lower() in AWAY_REASONS:
        # Nobody home: the house needs only its base load, which solar covers by day.
        text = (
            f"Da niemand zu Hause ist, braucht das Haus nur seine Grundlast (Kühlschrank, "
            f"Standby); tagsüber deckt sie die Solaranlage. Von "
            f"{fmt_kwh(plan.usable_capacity_kwh, language)} nutzbarer Kapazität behalte ich "
            f"{fmt_kwh(need, language)} als Reserve für die Nacht und biete den Rest an."
            if language == "de"
            else f"With nobody home, the house only draws its base load (fridge, standby), "
            f"and solar covers that by day. Of your {fmt_kwh(plan.usable_capacity_kwh, language)} "
            f"usable, I keep {fmt_kwh(need, language)} in reserve for the nights and offer the rest."
        )
    elif language == "de":
        text = (
            f"Dein Speicher hat {fmt_kwh(plan.usable_capacity_kwh, language)} nutzbare Kapazität; "
            f"das Haus braucht davon noch etwa {fmt_kwh(need, language)} pro Tag."
        )
    else:
        text = (
            f"Your battery has {fmt_kwh(plan.usable_capacity_kwh, language)} usable; the house "
            f"still needs about {fmt_kwh(need, language)} of it per day."
        )
    return _join(text, _history_note(plan, language))


def _skipped_note(plan: TradePlan, language: str) -> str:
    skipped = [d for d in plan.days if d.kwh <= 0]
    if not skipped:
        return ""
    names = ", ".join(fmt_day(d.day, language) for d in skipped)
    if plan.side == "sell":
        if language == "de":
            return f"Für {names} biete ich nichts an, weil du den Speicher dann selbst brauchst."
        return f"I'm not offering anything for {names} because you need the battery then."
    selling = [d for d in skipped if d.note == "selling_that_day"]
    rest = [d for d in skipped if d.note != "selling_that_day"]
    sentences = []
    if selling:
        on = ", ".join(fmt_day(d.day, language) for d in selling)
        sentences.append(
            f"Für {on} kaufe ich nichts, weil du deinen Speicher an diesen Tagen selbst anbietest."
            if language == "de"
            else f"I didn't buy for {on} because you're offering your own battery on those days."
        )
    if rest:
        names = ", ".join(fmt_day(d.day, language) for d in rest)
        sentences.append(
            f"Für {names} ist nichts mehr nötig."
            if language == "de"
            else f"Nothing more is needed for {names}."
        )
    return _join(*sentences)


def plan_speech(plan: TradePlan, *, today: date, language: str) -> str:
    """A dry run: what the agent would do."""
    language = lang(language)
    days = plan.trade_days
    per_day = per_day_phrase([d.kwh for d in days], language)
    period = period_phrase(days[0].day, len(days), today, language)
    when = _TIMES[language].get(plan.request.time_of_day or "", "")
    reason = reason_phrase(plan.request.reason, language)
    price = fmt_price(plan.limit_price, language)
    if plan.side == "buy":
        if language == "de":
            head = _join(
                "Ich würde",
                per_day,
                "Speicherkapazität",
                period,
                when,
                f"für höchstens {price}",
                reason,
                "reservieren.",
            )
        else:
            head = (
                _join(
                    "I would reserve",
                    per_day_phrase([d.kwh for d in days], language, "of storage capacity"),
                    period,
                    when,
                    f"at up to {price}",
                    reason,
                )
                + "."
            )
    elif language == "de":
        head = _join(
            "Ich würde",
            per_day,
            "deiner Speicherkapazität",
            period,
            f"ab {price}",
            *_de_reason(reason, "anbieten."),
        )
    else:
        head = (
            _join(
                "I would offer",
                per_day_phrase([d.kwh for d in days], language, "of your storage capacity"),
                period,
                f"at {price} or more",
                reason,
            )
            + "."
        )
    return _join(head, why_sentence(plan, language), _skipped_note(plan, language))


def proposal_speech(outcome: TradeOutcome, *, today: date, language: str) -> str:
    """A plan waiting for confirmation."""
    language = lang(language)
    base = plan_speech(outcome.plan, today=today, language=language)
    if language == "de":
        return f"{base} Soll ich das so machen? Bestätige den Vorschlag {outcome.proposal_id}."
    return f"{base} Shall I go ahead? Confirm proposal {outcome.proposal_id}."


def _filled_days(orders: tuple[OrderState, ...]) -> list[OrderState]:
    return [o for o in orders if o.filled_kwh > 0]


def outcome_speech(outcome: TradeOutcome, *, today: date, language: str) -> str:
    """What happened right after submitting: full success or one of the alternative flows."""
    language = lang(language)
    if outcome.kind == "proposed":
        return proposal_speech(outcome, today=today, language=language)
    plan = outcome.plan
    buy = plan.side == "buy"
    reason = reason_phrase(plan.request.reason, language)
    when = _TIMES[language].get(plan.request.time_of_day or "", "")
    filled = _filled_days(outcome.orders)
    price = outcome.avg_price
    total = outcome.total_eur
    num_days = len(outcome.orders)
    de = language == "de"

    if outcome.kind == "no_counterparty":
        limit = fmt_price(plan.limit_price, language)
        per_day = per_day_phrase([o.volume_kwh for o in outcome.orders], language)
        if buy:
            head = (
                f"Gerade bietet niemand Speicher an. Ich beobachte den Markt weiter und reserviere "
                f"{per_day}, sobald jemand anbietet, für höchstens {limit}."
                if de
                else f"No sellers are currently available. I'll continue monitoring the market and "
                f"reserve {per_day} as soon as someone offers storage, at up to {limit}."
            )
        else:
            head = (
                f"Gerade gibt es keine Käufer. Ich beobachte die Nachfrage weiter und biete "
                f"{per_day} ab {limit} an."
                if de
                else f"No buyers are currently available. I'll continue monitoring demand and keep "
                f"{per_day} on offer at {limit} or more."
            )
        return _join(head, why_sentence(plan, language))

    assert price is not None
    per_day = per_day_phrase([o.filled_kwh for o in filled], language)
    price_text = fmt_price(price, language)
    period = period_phrase(filled[0].day, num_days, today, language)

    if outcome.kind == "filled":
        if buy:
            head = (
                _join(
                    f"Ich habe {per_day} Speicherkapazität",
                    period,
                    when,
                    f"zu {price_text}",
                    reason,
                    "reserviert.",
                )
                + f" Das kostet insgesamt {fmt_eur(total, language)}."
                if de
                else _join(
                    "I've reserved",
                    per_day_phrase([o.filled_kwh for o in filled], language, "of storage capacity"),
                    period,
                    when,
                    f"at {price_text}",
                    reason,
                )
                + f". That's {fmt_eur(total, language)} in total."
            )
        else:
            over = "over the week" if num_days == 7 else f"over the {num_days} days"
            if num_days == 1:
                over = ""
            head = (
                _join(
                    f"Ich habe {per_day} deiner Speicherkapazität",
                    period,
                    *_de_reason(reason, "verkauft."),
                )
                + f" Du verdienst {price_text}, insgesamt {fmt_eur(total, language)}"
                + (" in dieser Woche." if num_days == 7 else ".")
                if de
                else _join(
                    "I've sold",
                    per_day_phrase(
                        [o.filled_kwh for o in filled], language, "of your storage capacity"
                    ),
                    period,
                    reason,
                )
                + f". You'll earn {price_text} for a total of {fmt_eur(total, language)}"
                + (f" {over}." if over else ".")
            )
    elif outcome.kind == "partial_days":
        got = len(filled)
        if buy:
            head = (
                f"Ich konnte für {got} der {num_days} Tage Speicher reservieren ({per_day} zu {price_text}, "
                f"insgesamt {fmt_eur(total, language)}). Für die übrigen Tage beobachte ich den Markt weiter."
                if de
                else f"I was able to reserve storage for {got} of the {num_days} days ({per_day} at "
                f"{price_text}, {fmt_eur(total, language)} in total). I'll continue monitoring the market "
                "for the remaining days."
            )
        else:
            head = (
                f"Ich konnte deinen Speicher für {got} der {num_days} Tage verkaufen ({per_day} zu {price_text}, "
                f"insgesamt {fmt_eur(total, language)}). Für die übrigen Tage biete ich weiter an."
                if de
                else f"I was able to sell storage for {got} of the {num_days} days ({per_day} at "
                f"{price_text}, {fmt_eur(total, language)} in total). I'll keep offering the remaining days."
            )
    else:  # partial_volume
        share = (
            round(100 * outcome.filled_kwh / outcome.requested_kwh) if outcome.requested_kwh else 0
        )
        of = "von" if de else "of"
        amounts = f"{fmt_kwh(outcome.filled_kwh, language).removesuffix(' kWh')} {of} {fmt_kwh(outcome.requested_kwh, language)}"
        if buy:
            head = (
                f"Wir konnten {share} % des benötigten Speichers reservieren ({amounts} zu {price_text}). "
                "Für den Rest biete ich weiter."
                if de
                else f"We were able to reserve {share}% of the storage you need ({amounts} at "
                f"{price_text}). I'll keep bidding for the remainder."
            )
        else:
            head = (
                f"Wir konnten {share} % deiner verfügbaren Speicherkapazität verkaufen ({amounts} zu "
                f"{price_text}). Den Rest biete ich weiter an."
                if de
                else f"We were able to sell {share}% of your available storage capacity ({amounts} at "
                f"{price_text}). I'll keep offering the remainder."
            )
    high = ""
    if outcome.high_price and buy:
        high = (
            f"Der Preis liegt wegen knapper Verfügbarkeit zu Spitzenzeiten bei {price_text}."
            if de
            else f"I reserved storage at {price_text} due to limited availability during peak hours."
        )
    return _join(head, high, why_sentence(plan, language))


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
    language = lang(language)
    if language == "de":
        verb = "reserviert" if side == "buy" else "verkauft"
        return (
            f"Für {fmt_day(day, language)} wurden weitere {fmt_kwh(new_kwh, language)} zu "
            f"{fmt_price(price, language)} {verb} ({fmt_kwh(filled_kwh, language)} von "
            f"{fmt_kwh(volume_kwh, language)})."
        )
    verb = "reserved" if side == "buy" else "sold"
    return (
        f"Another {fmt_kwh(new_kwh, language)} was {verb} for {fmt_day(day, language)} at "
        f"{fmt_price(price, language)} ({fmt_kwh(filled_kwh, language)} of {fmt_kwh(volume_kwh, language)})."
    )


# What the household's order is called, by language and by "is it a buy".
_ORDER_WORD: dict[str, dict[bool, str]] = {
    "en": {True: "bid", False: "offer"},
    "de": {True: "Gebot", False: "Angebot"},
}


def expiry_speech(
    *, side: str, day: date, expired_kwh: float, filled_kwh: float, language: str
) -> str:
    """Gate closure: what did not fill for a day."""
    language = lang(language)
    what = _ORDER_WORD[language][side == "buy"]
    if language == "de":
        return (
            f"Der Handel für {fmt_day(day, language)} ist geschlossen: {fmt_kwh(expired_kwh, language)} deines "
            f"{what}s sind verfallen, {fmt_kwh(filled_kwh, language)} wurden gehandelt."
        )
    return (
        f"Trading for {fmt_day(day, language)} has closed: {fmt_kwh(expired_kwh, language)} of your {what} "
        f"expired unfilled, {fmt_kwh(filled_kwh, language)} was traded."
    )


def reprice_speech(*, side: str, day: date, old: float, new: float, language: str) -> str:
    """The remainder was re-priced within the user's limits."""
    language = lang(language)
    what = _ORDER_WORD[language][side == "buy"]
    if language == "de":
        return (
            f"Der Markt hat sich bewegt: Ich habe dein {what} für {fmt_day(day, language)} von "
            f"{fmt_price(old, language)} auf {fmt_price(new, language)} angepasst."
        )
    return (
        f"The market moved: I re-priced your {what} for {fmt_day(day, language)} from "
        f"{fmt_price(old, language)} to {fmt_price(new, language)}."
    )


def cancel_speech(outcome: CancelOutcome, *, language: str) -> str:
    """What a cancel took off the market."""
    language = lang(language)
    count = len(outcome.cancelled)
    if not count and not outcome.withdrawn_proposals:
        return (
            "Es gab nichts zu stornieren." if language == "de" else "There was nothing to cancel."
        )
    parts = []
    if count:
        if language == "de":
            parts.append(
                f"Ich habe {count} Auftrag storniert"
                if count == 1
                else f"Ich habe {count} Aufträge storniert"
            )
            parts[-1] += f" und {fmt_kwh(outcome.cancelled_kwh, language)} vom Markt genommen."
            if outcome.kept_filled_kwh:
                parts.append(
                    f"Bereits gehandelte {fmt_kwh(outcome.kept_filled_kwh, language)} bleiben bestehen."
                )
        else:
            noun = "request" if count == 1 else "requests"
            parts.append(
                f"I've cancelled {count} {noun} and taken {fmt_kwh(outcome.cancelled_kwh, language)} off the market."
            )
            if outcome.kept_filled_kwh:
                parts.append(
                    f"The {fmt_kwh(outcome.kept_filled_kwh, language)} already traded stays in place."
                )
    if outcome.withdrawn_proposals:
        parts.append(
            f"{_count(outcome.withdrawn_proposals, 'offenen Vorschlag', 'offene Vorschläge')} verworfen."
            if language == "de"
            else f"Withdrew {_count(outcome.withdrawn_proposals, 'pending proposal', 'pending proposals')}."
        )
    return _join(*parts)


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def status_speech(report: StatusReport, *, language: str) -> str:
    """The market price, the household's open trades and this month's money."""
    language = lang(language)
    de = language == "de"
    parts = []
    priced = next((d for d in report.market if d.last_price is not None), None)
    if priced is not None:
        parts.append(
            f"Der letzte Preis für {fmt_day(priced.day, language)} war {fmt_price(priced.last_price or 0, language)}."
            if de
            else f"The last price for {fmt_day(priced.day, language)} was {fmt_price(priced.last_price or 0, language)}."
        )
    else:
        parts.append("Es gibt noch keinen Marktpreis." if de else "There is no market price yet.")
    open_requests = [r for r in report.requests if r.open]
    bought = sum(r.filled_kwh for r in report.requests if r.side == "buy")
    sold = sum(r.filled_kwh for r in report.requests if r.side == "sell")
    if de:
        parts.append(
            f"Du hast {_count(len(open_requests), 'offenen Auftrag', 'offene Aufträge')}; reserviert {fmt_kwh(bought, language)}, "
            f"verkauft {fmt_kwh(sold, language)}."
        )
        parts.append(
            f"Diesen Monat: {fmt_eur(report.earned_eur_month, language)} verdient, "
            f"{fmt_eur(report.paid_eur_month, language)} bezahlt."
        )
    else:
        parts.append(
            f"You have {_count(len(open_requests), 'open request', 'open requests')}; {fmt_kwh(bought, language)} reserved and "
            f"{fmt_kwh(sold, language)} sold."
        )
        parts.append(
            f"This month you earned {fmt_eur(report.earned_eur_month, language)} and paid "
            f"{fmt_eur(report.paid_eur_month, language)}."
        )
    if report.proposals:
        parts.append(
            f"{_count(len(report.proposals), 'Vorschlag wartet', 'Vorschläge warten')} auf deine Bestätigung."
            if de
            else f"{_count(len(report.proposals), 'proposal awaits', 'proposals await')} your confirmation."
        )
    return _join(*parts)


_ERRORS = {
    "en": {
        "invalid_side": "I can only buy or sell storage capacity.",
        "invalid_num_days": "A request can cover 1 to {max_days} days, not {num_days}.",
        "start_day_closed": "Trading for {start_day} has closed; the first day I can trade is {first_day}.",
        "beyond_horizon": "The market only trades {horizon_days} days ahead; {last_day} is too far out.",
        "invalid_kwh_per_day": "The amount per day must be above 0 and at most {max_kwh} kWh.",
        "invalid_price_limit": "The price limit must be above 0 and at most {max_price} EUR/kWh.",
        "invalid_time_of_day": "I don't know the time of day {time_of_day}.",
        "no_battery": "Selling storage needs a battery, and none is configured for this household.",
        "nothing_to_offer": "There is no capacity left to offer: your battery is already committed or needed on those days.",
        "nothing_to_buy": "There is nothing to buy: your own battery already covers what you need on those days.",
        "nothing_to_buy_offering": "There is nothing to buy: on some of those days you're offering your own battery, and on the others it already covers what you need.",
        "buying_while_selling": "You're offering your own battery on those days, so I didn't buy storage for them. Cancel that offer first if you need storage then.",
        "market_unavailable": "The market server can't be reached right now. Nothing was sent; please try again later.",
        "market_access_revoked": "The market server no longer accepts this household's access. Nothing was sent; please reauthenticate the integration with a new join code from your operator.",
        "market_rejected": "The market refused the request: {message}",
        "proposal_not_found": "There is no pending proposal {proposal_id}.",
        "request_not_found": "There is no open request {request_id}.",
        "trading_error": "Something went wrong with the trade.",
        "invalid_request": "That request can't be traded as it is.",
        "nothing_to_trade": "There is nothing to trade on those days.",
    },
    "de": {
        "invalid_side": "Ich kann Speicherkapazität nur kaufen oder verkaufen.",
        "invalid_num_days": "Ein Auftrag kann 1 bis {max_days} Tage umfassen, nicht {num_days}.",
        "start_day_closed": "Der Handel für {start_day} ist geschlossen; der erste handelbare Tag ist {first_day}.",
        "beyond_horizon": "Der Markt handelt nur {horizon_days} Tage im Voraus; {last_day} liegt zu weit in der Zukunft.",
        "invalid_kwh_per_day": "Die Menge pro Tag muss über 0 und höchstens {max_kwh} kWh sein.",
        "invalid_price_limit": "Das Preislimit muss über 0 und höchstens {max_price} EUR/kWh sein.",
        "invalid_time_of_day": "Die Tageszeit {time_of_day} kenne ich nicht.",
        "no_battery": "Zum Verkaufen braucht es einen Speicher, und für diesen Haushalt ist keiner eingerichtet.",
        "nothing_to_offer": "Es ist keine Kapazität mehr frei: Dein Speicher ist an diesen Tagen schon vergeben oder wird gebraucht.",
        "nothing_to_buy": "Es gibt nichts zu kaufen: Dein eigener Speicher deckt an diesen Tagen schon deinen Bedarf.",
        "nothing_to_buy_offering": "Es gibt nichts zu kaufen: An einigen dieser Tage bietest du deinen eigenen Speicher an, und an den übrigen deckt er schon deinen Bedarf.",
        "buying_while_selling": "An diesen Tagen bietest du deinen eigenen Speicher an, deshalb habe ich dafür keinen Speicher gekauft. Storniere zuerst das Angebot, wenn du dann Speicher brauchst.",
        "market_unavailable": "Der Marktserver ist gerade nicht erreichbar. Es wurde nichts gesendet; bitte versuche es später erneut.",
        "market_access_revoked": "Der Marktserver akzeptiert den Zugang dieses Haushalts nicht mehr. Es wurde nichts gesendet; bitte authentifiziere die Integration mit einem neuen Beitrittscode deines Betreibers neu.",
        "market_rejected": "Der Markt hat den Auftrag abgelehnt: {message}",
        "proposal_not_found": "Es gibt keinen offenen Vorschlag {proposal_id}.",
        "request_not_found": "Es gibt keinen offenen Auftrag {request_id}.",
        "trading_error": "Beim Handeln ist etwas schiefgelaufen.",
        "invalid_request": "Dieser Auftrag lässt sich so nicht handeln.",
        "nothing_to_trade": "An diesen Tagen gibt es nichts zu handeln.",
    },
}


def error_text(error: TradingError, *, language: str) -> str:
    """An agent error as a sentence (the same texts as the ``exceptions`` translations)."""
    texts = _ERRORS[lang(language)]
    template = texts.get(error.translation_key, texts["trading_error"])
    try:
        return template.format(**error.placeholders)
    except KeyError:
        return texts["trading_error"]


ERROR_TEXTS = _ERRORS
