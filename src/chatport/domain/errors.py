"""Domain errors: every failure a use case can report, whatever door it came through.

Each surface maps these to its own status and body in one place (``http/errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One reason an input was refused: a machine code, words, and where."""

    code: str
    message: str
    path: tuple[str | int, ...]


class InvalidInput(DomainError):
    """The input breaks a rule of the domain (a bad value, a duplicate name)."""

    def __init__(self, message: str, problems: tuple[FieldProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class NotFound(DomainError):
    """No such resource for this user; another user's resource is reported the same way."""


class Conflict(DomainError):
    """The resource is in a state that does not allow the request."""


class AlreadyExists(Conflict):
    """A unique key (an id, a username) is already taken."""


class Unauthenticated(DomainError):
    """No valid session or token."""


class InvalidCredentials(Unauthenticated):
    """Wrong username or password; the message never says which."""


class Forbidden(DomainError):
    """Authenticated, but the role or the situation does not allow it."""


class RateLimited(DomainError):
    """Over a rate limit; ``retry_after`` is in seconds (at least 1)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(DomainError):
    """A backing service (database, Redis) could not be reached."""


class Overloaded(DomainError):
    """This instance is at its capacity for the work asked; another try may succeed."""


class CredentialsRequired(DomainError):
    """No usable provider key for this user and model."""


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used for another request."""


class TooLarge(DomainError):
    """More bytes than allowed: a body over the limit, or a user over their quota."""
