"""Numbers, money and days as the household's language writes them ("7,5 kWh", "0,07 EUR/kWh")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import phrasebook


def fmt_number(value: float | Decimal, places: int, language: str | None) -> str:
    """A number with a fixed count of decimals and the language's decimal point."""
    decimal_point = phrasebook(language).formats["decimal_point"]
    return f"{value:.{places}f}".replace(".", decimal_point)


def fmt_kwh_amount(value: float, language: str | None) -> str:
    """A volume's number alone, to one decimal that is dropped when zero: "8", "7.5" / "7,5"."""
    text = f"{round(value, 1):.1f}".removesuffix(".0")
    return text.replace(".", phrasebook(language).formats["decimal_point"])


def fmt_kwh(value: float, language: str | None) -> str:
    """A volume: "8 kWh", "7.5 kWh" / "7,5 kWh"."""
    return phrasebook(language).formats["kwh"].format(amount=fmt_kwh_amount(value, language))


def fmt_price(value: float, language: str | None) -> str:
    """A price per kWh: "EUR 0.07/kWh" / "0,07 EUR/kWh" (three decimals only when needed)."""
    text = fmt_number(value, 3, language)
    if text.endswith("0"):
        text = text[:-1]
    return phrasebook(language).formats["price"].format(amount=text)


def fmt_eur(value: float, language: str | None) -> str:
    """Money to the cent: "EUR 7.56" / "7,56 EUR"."""
    return phrasebook(language).formats["eur"].format(amount=fmt_number(value, 2, language))


def fmt_month(day: date, language: str | None) -> str:
    """The month a day falls in, by name: "November" (the same word in German)."""
    return phrasebook(language).formats["months"].split()[day.month - 1]


def fmt_day(day: date, language: str | None) -> str:
    """A day with weekday: "Monday 30 November" / "Montag, 30. November"."""
    formats = phrasebook(language).formats
    return formats["day"].format(
        weekday=formats["weekdays"].split()[day.weekday()],
        day=day.day,
        month=formats["months"].split()[day.month - 1],
    )
