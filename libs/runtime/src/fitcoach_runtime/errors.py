"""Domain errors. Service code raises these; the server interceptor maps them to gRPC status in one place."""

from __future__ import annotations

import asyncpg
import grpc


class DomainError(Exception):
    """A request that cannot be served as asked; the message is safe to show to the caller."""

    code = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self)


class InvalidArgument(DomainError):
    """The request is malformed."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    """Not found."""

    code = grpc.StatusCode.NOT_FOUND


class FailedPrecondition(DomainError):
    """The resource is not in a state that allows this."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(DomainError):
    """Not allowed (an operator-only call by someone who is not an operator)."""

    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    """Missing or invalid credentials."""

    code = grpc.StatusCode.UNAUTHENTICATED


class Unavailable(DomainError):
    """A dependency is temporarily unavailable; retry later."""

    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(DomainError):
    """The call took longer than allowed."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class ResourceExhausted(DomainError):
    """A limit of the caller's is reached (too many open streams, say)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


# A dependency failing in a way that a later attempt can outlive: the database restarting, shutting down, out
# of connections or aborting a transaction for a retry; a connection refused, reset or timed out.
_TRANSIENT = (
    asyncpg.PostgresConnectionError,  # 08: the connection failed or was lost mid-call
    asyncpg.OperatorInterventionError,  # 57: shutting down, starting up, crash recovery
    asyncpg.InsufficientResourcesError,  # 53: too many connections
    asyncpg.TransactionRollbackError,  # 40: serialization failure, deadlock
    # A pooled connection that just got the dying server's FATAL message but not yet its close: the next
    # query fails with "cannot switch to state 15; another operation (2) is in progress" (seen by the chaos
    # soak when PostgreSQL was killed). The pool drops that connection when it comes back.
    asyncpg.InternalClientError,
    ConnectionError,
    TimeoutError,
)
UNAVAILABLE_MESSAGE = "a service this call needs is temporarily unavailable; retry"


def is_transient(exc: BaseException) -> bool:
    """True when `exc` means "a dependency is briefly unavailable": the caller should get UNAVAILABLE (which
    clients retry) rather than INTERNAL (which they must not).

    Errors raised while handling such a failure count too: when the database dies inside a transaction, the
    rollback fails with InterfaceError("the underlying connection is closed"), which hides the first error as
    its __context__."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, _TRANSIENT):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
