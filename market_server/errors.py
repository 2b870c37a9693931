"""Typed errors of the market: raised where the problem is known, made HTTP in http/responses."""

from __future__ import annotations


class MarketError(Exception):
    """An error a client can act on: a machine code, a sentence for people, maybe a field."""

    status = 400
    code = "validation_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    @property
    def headers(self) -> dict[str, str]:
        """Extra HTTP headers of the error response."""
        return {}

    def to_json(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidJSON(MarketError):
    code = "invalid_json"


class ValidationFailed(MarketError):
    code = "validation_error"


class UnsupportedMediaType(MarketError):
    status = 415
    code = "unsupported_media_type"


class LimitExceeded(MarketError):
    code = "limit_exceeded"


class GateClosed(MarketError):
    code = "gate_closed"


class Unauthorized(MarketError):
    status = 401
    code = "unauthorized"


class Forbidden(MarketError):
    status = 403
    code = "forbidden"


class HouseholdDisabled(MarketError):
    status = 403
    code = "household_disabled"


class NotFound(MarketError):
    status = 404
    code = "not_found"


class JoinCodeInvalid(MarketError):
    status = 404
    code = "join_code_invalid"


class JoinCodeExpired(MarketError):
    status = 410
    code = "join_code_expired"


class JoinThrottled(MarketError):
    """Too many failed joins from one address or with one code (join_throttle.py)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class JoinCodeUsed(MarketError):
    status = 409
    code = "join_code_used"


class IdempotencyConflict(MarketError):
    status = 409
    code = "idempotency_conflict"


class NothingToReprice(MarketError):
    """A re-price of a request with no open remainder on a day that can still be traded."""

    status = 409
    code = "nothing_to_reprice"


class OppositeOrderOpen(MarketError):
    """A household may not buy and sell for the same day: its orders would fill each other."""

    status = 409
    code = "opposite_order_open"


class NothingToReport(MarketError):
    """A delivery report for a day and side on which the household has no fills."""

    status = 409
    code = "nothing_to_report"


class MoreThanTraded(MarketError):
    """A delivery report above what the household traded that day on that side."""

    code = "more_than_traded"


class AlreadySettled(MarketError):
    """New delivery figures for a day whose settlement is already in the ledger."""

    status = 409
    code = "already_settled"


class BodyTooLarge(MarketError):
    status = 413
    code = "body_too_large"


class SettingsError(ValueError):
    """Invalid community settings (CLI `init`, harness overrides)."""
