"""Errors the domain raises; each carries a stable ``code`` that transports pass on to clients."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Input the rules refuse. ``field`` names the value at fault (the parameter's name,
    e.g. ``title``), so that a form can say what to correct in its own words."""

    code = "invalid"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class InvalidToken(DomainError):
    """A link or room token that is wrong, expired, already used, or made for something else."""

    code = "invalid_token"


class NotAllowed(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    """The thing changed under the caller: e.g. a request another volunteer already accepted."""

    code = "conflict"


class Unavailable(DomainError):
    """A service the change depends on is down; the change was not made. Try again later."""

    code = "unavailable"
