"""gRPC server bootstrap shared by every service.

`start_server` gives each service the same server: health (grpc.health.v1) and reflection, message-size and
keepalive limits, and one interceptor that authenticates callers, maps domain errors to status codes and
counts requests for Prometheus. `run_service` is the whole life of a service process: logging, metrics
endpoint, resources opened in one AsyncExitStack, SIGTERM → NOT_SERVING → graceful stop → resources closed in
reverse order.

Every service's `main.py` follows one pattern:

    async def build(resources: ServiceResources, settings: XSettings) -> RunningServer:
        ...open what the service needs with `resources` (closed in reverse order at exit), start background
        work with `resources.run_in_background(...)` or `resources.on_shutdown(...)`, and finish with
        `return await resources.serve(listen, [GrpcService(...)], verifier=...)`
    async def main() -> None:
        settings = load_settings(XSettings)
        await run_service("x", settings.server, lambda resources: build(resources, settings))
    def run() -> None:
        main_entry(main)

Tests call `build` with their own settings inside `async with ServiceResources() as resources:`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, cast

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import Counter, Histogram, start_http_server

from .auth import Principal, Verifier, set_principal
from .db import redact_dsn
from .errors import (
    UNAVAILABLE_MESSAGE,
    DeadlineExceeded,
    DomainError,
    InvalidArgument,
    PermissionDenied,
    Unauthenticated,
    is_transient,
)
from .logging import bind_log_context, configure_logging
from .settings import ServerSettings, SettingsError

log = logging.getLogger(__name__)

MAX_RECEIVE_BYTES = 4 * 1024 * 1024  # no file bytes travel over gRPC: requests are small
MAX_SEND_BYTES = 16 * 1024 * 1024  # a full activity with chart streams stays far below this
SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
    ("grpc.max_send_message_length", MAX_SEND_BYTES),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    # gRPC sets SO_REUSEPORT by default: a second process on the same port would silently share the
    # traffic (a stale replica, two `make run`s). A taken port must be a start-up error instead.
    ("grpc.so_reuseport", 0),
]
# A unary call is answered or cut within MAX_UNARY_S (the gateway's route timeout), whatever deadline its
# client sent; its one request message must arrive within REQUEST_WAIT_S of the call's start (a real client
# sends it with the headers: only a stalled or hostile one takes longer).
MAX_UNARY_S = 60.0
REQUEST_WAIT_S = 10.0
ALWAYS_PUBLIC = (health.SERVICE_NAME, reflection.SERVICE_NAME, "grpc.reflection.v1.ServerReflection")
# Every RPC of these services needs an operator (Principal.is_operator), on whichever server serves it:
# checked here, once, so no servicer can forget it. Each call is logged with who made it.
OPERATOR_SERVICES = ("fitcoach.ops.v1.OpsService",)
AUDIT_MAX_CHARS = 300

# grpc's type stubs describe the handlers of the threaded server; under grpc.aio the same fields hold
# coroutine functions (or async generator functions) that take an aio context.
ServicerContext = grpc.aio.ServicerContext[Any, Any]
AioUnaryBehavior = Callable[[Any, ServicerContext], Awaitable[Any]]
AioStreamBehavior = Callable[[Any, ServicerContext], AsyncIterable[Any] | Awaitable[None]]

REQUESTS = Counter("fitcoach_grpc_requests_total", "gRPC requests served", ["method", "code"])
LATENCY = Histogram("fitcoach_grpc_request_seconds", "gRPC request latency", ["method"])


@dataclass
class GrpcService:
    """One gRPC service to serve: its full name, the generated add-function and the servicer."""

    name: str
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    service_names: tuple[str, ...]

    async def stop(self, grace: float | None = 5.0, drain: float = 0.0) -> None:
        """Report NOT_SERVING, keep serving for `drain` seconds so balancers that health-check us (Envoy)
        notice and send new calls elsewhere, then refuse new calls and let in-flight ones finish within
        `grace`."""
        await self.enter_shutdown(drain)
        await self.server.stop(grace)

    async def enter_shutdown(self, drain: float = 0.0) -> None:
        """The first half of stop(): NOT_SERVING, then `drain` seconds of still serving."""
        await self.health.enter_graceful_shutdown()
        if drain > 0:
            await asyncio.sleep(drain)


class ServiceResources(AsyncExitStack):
    """What a service process opened (closed in reverse order at exit), plus its background work.

    Background work (a queue consumer, say) is stopped with `on_shutdown` callbacks *before* the gRPC server
    stops: once told to stop, the process must not take new work during the server's grace period, while
    the server still answers the calls already in flight. The callbacks also run when the stack closes
    without an explicit shutdown(), so a test using it as a plain exit stack stops work first too.
    """

    def __init__(self) -> None:
        super().__init__()
        self._on_shutdown: list[Callable[[], Awaitable[object]]] = []

    def on_shutdown(self, callback: Callable[..., Awaitable[object]], /, *args: Any) -> None:
        self._on_shutdown.append(functools.partial(callback, *args))

    def run_in_background(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `work` as a task for the life of the service; it is cancelled at shutdown (with the other
        background work, before the server's grace period)."""
        task = asyncio.create_task(work, name=name)
        self.on_shutdown(_cancel, task)
        return task

    def run_every(self, interval_s: float, work: Callable[[], Awaitable[object]], name: str) -> None:
        """Run `work` every `interval_s` seconds in the background (first at once); a failing round is
        logged and the next one tried, so a database outage only pauses it."""

        async def loop() -> None:
            while True:
                try:
                    await work()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("%s failed; trying again in %.0f s: %s", name, interval_s, exc)
                await asyncio.sleep(interval_s)

        self.run_in_background(loop(), name)

    async def serve(self, listen: str, services: Sequence[GrpcService], **options: Any) -> RunningServer:
        """`start_server(listen, services, **options)`, stopped when the stack closes.

        The stop is registered last, so it runs first on the way out: before the resources its handlers
        use. After run_service's graceful stop it is a no-op.
        """
        running = await start_server(listen, services, **options)
        self.push_async_callback(running.server.stop, 0)
        return running

    async def shutdown(self) -> None:
        """Run the on_shutdown callbacks, last registered first; each runs once."""
        while self._on_shutdown:
            await self._on_shutdown.pop()()

    async def __aexit__(self, *exc: Any) -> bool | None:
        # Pushed last, so it unwinds first; the exit stack still closes every resource if it fails.
        self.push_async_callback(self.shutdown)
        return await super().__aexit__(*exc)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _bearer(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str) and value.lower().startswith("bearer "):
            return value[7:].strip()
    return None


def _message_name(deserializer: Callable[[bytes], Any] | None) -> str:
    """The protobuf type a generated deserializer (`Message.FromString`) reads, for error messages."""
    descriptor = getattr(getattr(deserializer, "__self__", None), "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", "") or "request message")


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    """Authentication, request reading, domain-error → status mapping and request metrics, for every RPC.

    Every FitCoach RPC takes one request message. grpc.aio's own unary paths misbehave with hostile
    clients: a call that ends without a message (HTTP/2 END_STREAM, no DATA) is dropped without any status,
    so the call and its `maximum_concurrent_rpcs` slot stay taken until the client leaves; and a body that
    does not parse answers UNKNOWN "Unexpected <class DecodeError>..." with an error log per request. So the
    handlers are registered as *request-streaming* with raw bytes, and this interceptor reads the one message
    itself: authentication first (an anonymous caller never waits for anything), then the message within
    `request_wait_s` (none → INVALID_ARGUMENT, too late → DEADLINE_EXCEEDED), parsed here (garbage →
    INVALID_ARGUMENT). A unary call as a whole is cut at `max_unary_s`, whatever deadline its client sent.
    """

    def __init__(
        self,
        verifier: Verifier | None,
        public_services: Sequence[str],
        *,
        request_wait_s: float = REQUEST_WAIT_S,
        max_unary_s: float = MAX_UNARY_S,
    ) -> None:
        self.verifier = verifier
        self.public = tuple(public_services)
        self.request_wait_s = request_wait_s
        self.max_unary_s = max_unary_s

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        method = details.method
        service = method.lstrip("/").split("/")[0]
        if handler is None:
            return handler
        # Public services skip authentication only: their requests are read the same way (health is public
        # and must not hang on a body-less call either), their domain errors still need mapping, and their
        # unexpected errors must still answer "internal error" rather than grpc's "Unexpected <exc>: <msg>".
        needs_auth = self.verifier is not None and service not in (*self.public, *ALWAYS_PUBLIC)
        deserialize = handler.request_deserializer
        message_name = _message_name(deserialize)
        request_wait_s = self.request_wait_s

        operator_only = service in OPERATOR_SERVICES

        async def enter(context: ServicerContext) -> Any:
            """Authenticates the caller, then reads and parses the one request message (and, for an
            operator-only service, lets only operators on, logging who asked for what)."""
            principal = None
            if needs_auth:
                token = _bearer(context.invocation_metadata())
                if token is None:
                    raise Unauthenticated("missing bearer token")
                assert self.verifier is not None
                principal = await self.verifier.verify(token)
                set_principal(principal)
            try:
                raw = await asyncio.wait_for(context.read(), request_wait_s)
            except TimeoutError:
                raise DeadlineExceeded(
                    f"the request message did not arrive within {request_wait_s:g} s"
                ) from None
            if raw is grpc.aio.EOF:
                raise InvalidArgument("the call carried no request message")
            if deserialize is None:
                request = raw
            else:
                try:
                    request = deserialize(raw)
                except Exception:  # DecodeError, or anything else a parser raises on hostile bytes
                    raise InvalidArgument(f"the request is not a valid {message_name}") from None
            if operator_only and principal is not None:
                audit_operator_call(method, principal, request)
            return request

        async def fail(context: ServicerContext, exc: BaseException) -> None:
            if isinstance(exc, DomainError):
                REQUESTS.labels(method, exc.code.name).inc()
                await context.abort(exc.code, exc.message)
            if type(exc) is NotImplementedError:
                # The generated base servicer's answer for a method this server does not serve (OpsService
                # is split between two servers; the gateway routes each method to the one serving it).
                REQUESTS.labels(method, "UNIMPLEMENTED").inc()
                await context.abort(grpc.StatusCode.UNIMPLEMENTED, "this server does not serve this method")
            if is_transient(exc):
                REQUESTS.labels(method, "UNAVAILABLE").inc()
                log.warning("a dependency is unavailable in %s: %r", method, exc)
                await context.abort(grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)
            REQUESTS.labels(method, "INTERNAL").inc()
            log.error("unhandled error in %s", method, exc_info=exc)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")

        if handler.unary_unary is not None:
            behavior = cast(AioUnaryBehavior, handler.unary_unary)
            max_unary_s = self.max_unary_s

            async def unary(_requests: object, context: ServicerContext) -> Any:
                started = time.perf_counter()
                limit = asyncio.timeout(max_unary_s)
                try:
                    async with limit:
                        response = await behavior(await enter(context), context)
                except grpc.aio.AbortError:
                    raise
                except TimeoutError as exc:
                    if not limit.expired():
                        await fail(context, exc)
                    await fail(
                        context,
                        DeadlineExceeded(
                            f"the call took longer than the server's limit of {max_unary_s:g} s"
                        ),
                    )
                    raise  # unreachable: abort raises
                except Exception as exc:
                    await fail(context, exc)
                    raise  # unreachable: abort raises
                finally:
                    LATENCY.labels(method).observe(time.perf_counter() - started)
                REQUESTS.labels(method, "OK").inc()
                return response

            return grpc.stream_unary_rpc_method_handler(unary, None, handler.response_serializer)
        if handler.unary_stream is not None:
            stream_behavior = cast(AioStreamBehavior, handler.unary_stream)

            async def stream(_requests: object, context: ServicerContext) -> AsyncIterator[Any]:
                try:
                    result = stream_behavior(await enter(context), context)
                    if isinstance(result, AsyncIterable):
                        async for item in result:
                            yield item
                    else:  # a servicer that sends with `await context.write(...)` and returns nothing
                        await result
                except grpc.aio.AbortError:
                    raise
                except Exception as exc:
                    await fail(context, exc)
                    raise
                REQUESTS.labels(method, "OK").inc()

            return grpc.stream_stream_rpc_method_handler(stream, None, handler.response_serializer)
        return handler  # client/bidi streaming: not used by FitCoach


def audit_operator_call(method: str, principal: Principal, request: Any) -> None:
    """Refuse `method` to anyone but an operator; log every attempt with who made it and what was asked.

    The request is logged as JSON with DSN passwords removed; every later line of the call carries the
    operator's id (log_context), so a replay's or migration's own log lines say who started it."""
    fields: dict[str, Any] = {"method": method, "operator": principal.user_id}
    if not principal.is_operator:
        log.warning("operator call refused", extra={"fields": fields})
        raise PermissionDenied("this call needs an operator")
    bind_log_context(operator=principal.user_id)
    try:
        asked = json_format.MessageToDict(request, preserving_proto_field_name=True)
    except (TypeError, AttributeError):  # not a protobuf message (tests with plain handlers)
        asked = {}
    except (json_format.Error, ValueError):  # a value JSON cannot show (a Duration's nanos out of range)
        asked = {"unprintable": str(request)[:AUDIT_MAX_CHARS]}
    for key, value in asked.items():
        if "dsn" in key and isinstance(value, str):
            asked[key] = redact_dsn(value)
        elif isinstance(value, str) and len(value) > AUDIT_MAX_CHARS:  # a pasted CSV, say
            asked[key] = f"<{len(value)} characters>"
    log.info("operator call", extra={"fields": {**fields, "request": asked}})


async def start_server(
    listen: str,
    services: Sequence[GrpcService],
    *,
    verifier: Verifier | None,
    public_services: Sequence[str] = (),
    reflect_services: Sequence[str] | None = None,
    max_concurrent_rpcs: int | None = 1000,
    max_unary_s: float = MAX_UNARY_S,
    request_wait_s: float = REQUEST_WAIT_S,
) -> RunningServer:
    """Build, bind and start a server; port 0 in `listen` picks a free port (read it from `.port`).

    `verifier` checks the bearer token of every non-public RPC: a `TokenVerifier` for user JWTs, a
    `ServiceTokenVerifier` for a service only other services call, None for no authentication at all.
    """
    server = grpc.aio.server(
        interceptors=[
            ServiceInterceptor(
                verifier, public_services, request_wait_s=request_wait_s, max_unary_s=max_unary_s
            )
        ],
        options=SERVER_OPTIONS,
        maximum_concurrent_rpcs=max_concurrent_rpcs,
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = tuple(s.name for s in services)
    for service in services:
        service.add_to_server(service.servicer, server)
    reflection.enable_server_reflection(
        (
            *(reflect_services if reflect_services is not None else names),
            health.SERVICE_NAME,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    port = server.add_insecure_port(listen)
    if port == 0:
        raise OSError(f"cannot bind gRPC server to {listen}")
    await server.start()
    for name in ("", *names):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return RunningServer(server=server, port=port, health=health_servicer, service_names=names)


async def run_service(
    name: str,
    settings: ServerSettings,
    build: Callable[[ServiceResources], Awaitable[RunningServer]],
) -> None:
    """Run a service until SIGTERM/SIGINT: the body of every service's main().

    Stopping goes NOT_SERVING → drain → background work stops (ServiceResources.on_shutdown) → the server
    refuses new calls and finishes in-flight ones within the grace → resources close in reverse order.
    """
    configure_logging(name, settings.log_level, settings.log_format)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if settings.metrics_listen:
        host, _, port = settings.metrics_listen.rpartition(":")
        start_http_server(int(port), addr=host or "0.0.0.0")
    async with ServiceResources() as resources:
        running = await build(resources)
        log.info(
            "%s serving", name, extra={"fields": {"port": running.port, "services": running.service_names}}
        )
        await stop.wait()
        log.info(
            "%s stopping",
            name,
            extra={"fields": {"grace_s": settings.shutdown_grace_s, "drain_s": settings.shutdown_drain_s}},
        )
        await running.enter_shutdown(settings.shutdown_drain_s)
        await resources.shutdown()
        await running.server.stop(settings.shutdown_grace_s)
    log.info("%s stopped", name)


def main_entry(coro_factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Console-script entry: run the service; a configuration error exits 2 with a readable message."""
    try:
        asyncio.run(coro_factory())
    except SettingsError as exc:
        print(f"fitcoach: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass  # SIGINT before the handlers were installed: nothing to clean up yet
