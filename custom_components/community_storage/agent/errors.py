"""Typed errors of the trading agent.

Each carries a translation key (the integration's ``exceptions`` section in strings.json) and the
placeholders for it, so the one boundary that shows it to a person (a service, an intent, an LLM
tool) can translate it. ``explain.error_text`` renders the same message in English or German for
callers that speak rather than raise.
"""

from __future__ import annotations

from collections.abc import Mapping


class TradingError(Exception):
    """Base of every error the agent raises on purpose."""

    translation_key: str = "trading_error"

    def __init__(
        self,
        message: str,
        placeholders: Mapping[str, str] | None = None,
        *,
        translation_key: str | None = None,
    ) -> None:
        """Keep an English message (for logs), the placeholders and a more specific key."""
        super().__init__(message)
        self.placeholders: dict[str, str] = dict(placeholders or {})
        if translation_key is not None:
            self.translation_key = translation_key


class InvalidRequestError(TradingError):
    """The request itself is unusable (bad days, volume or price); nothing was sent."""

    translation_key = "invalid_request"


class NoBatteryError(TradingError):
    """Selling needs a battery and none is configured."""

    translation_key = "no_battery"


class NothingToTradeError(TradingError):
    """The plan came out empty: no capacity left to offer, or no need to buy on any day."""

    translation_key = "nothing_to_trade"


class MarketUnavailableError(TradingError):
    """The market server could not be reached or answered with a server error."""

    translation_key = "market_unavailable"


class MarketAccessRevokedError(MarketUnavailableError):
    """The market server no longer accepts this household's token; Home Assistant asks to reauth."""

    translation_key = "market_access_revoked"


class MarketRejectedError(TradingError):
    """The market server refused the request (limits, gate closure, validation)."""

    translation_key = "market_rejected"


class ProposalNotFoundError(TradingError):
    """No pending proposal with that id (already confirmed, expired or never made)."""

    translation_key = "proposal_not_found"


class RequestNotFoundError(TradingError):
    """No recorded request with that id, or nothing open to cancel."""

    translation_key = "request_not_found"
