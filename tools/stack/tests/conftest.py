"""Stand-in gRPC backends for gateway tests: each serves one FitCoach service (answering every call with
FAILED_PRECONDITION "served by <name>", so a test sees which upstream Envoy picked), grpc.health.v1, and
reflection listing all three FitCoach services (the contract the gateway's reflection route relies on)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
from fitcoach.activity.v1 import activity_service_pb2
from fitcoach.advisor.v1 import advisor_service_pb2
from fitcoach.upload.v1 import upload_service_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

SERVICES = {
    "upload": upload_service_pb2.DESCRIPTOR.services_by_name["UploadService"],
    "analyzer": activity_service_pb2.DESCRIPTOR.services_by_name["ActivityService"],
    "advisor": advisor_service_pb2.DESCRIPTOR.services_by_name["AdvisorService"],
}
ALL_FITCOACH = tuple(s.full_name for s in SERVICES.values())


def _handler(name: str, method: Any) -> grpc.RpcMethodHandler:
    from google.protobuf import message_factory

    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"served by {name}")

    async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        for _ in range(2):
            yield response_cls()
        await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"served by {name}")

    if method.server_streaming:
        return grpc.unary_stream_rpc_method_handler(
            stream, request_cls.FromString, response_cls.SerializeToString
        )
    return grpc.unary_unary_rpc_method_handler(unary, request_cls.FromString, response_cls.SerializeToString)


async def _start_backends() -> tuple[list[grpc.aio.Server], dict[str, int]]:
    servers, ports = [], {}
    for name, service in SERVICES.items():
        server = grpc.aio.server()
        handlers = {m.name: _handler(name, m) for m in service.methods}
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(service.full_name, handlers)])
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection(
            (*ALL_FITCOACH, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        ports[name] = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        for svc in ("", service.full_name):
            await health_servicer.set(svc, health_pb2.HealthCheckResponse.SERVING)
        servers.append(server)
    return servers, ports


@pytest.fixture(scope="session")
def fake_backends() -> Iterator[dict[str, int]]:
    """{"upload": port, "analyzer": port, "advisor": port} of stand-in servers running on their own event
    loop in a thread, so they answer while a sync test (httpx, buf subprocess) blocks the test's loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-backends", daemon=True)
    thread.start()
    servers, ports = asyncio.run_coroutine_threadsafe(_start_backends(), loop).result(timeout=30)
    yield ports
    for server in servers:
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()
