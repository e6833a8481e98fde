"""Domain errors. Service code raises these; the server interceptor maps them to gRPC status in one place."""

from __future__ import annotations

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
