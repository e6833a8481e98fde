"""Wiring only: settings → Gemini coach (when a key is set) → advisor → gRPC server."""

from __future__ import annotations

from contextlib import AsyncExitStack

from fitcoach.advisor.v1 import advisor_service_pb2_grpc
from fitcoach_runtime.grpc_server import GrpcService, RunningServer, main_entry, run_service, start_server

from advisor_service.gemini import GeminiCoach
from advisor_service.service import Advisor
from advisor_service.servicer import SERVICE_NAME, AdvisorServicer
from advisor_service.settings import AdvisorSettings
from advisor_service.settings import load as load_advisor_settings


async def start(resources: AsyncExitStack, settings: AdvisorSettings) -> RunningServer:
    """Open the Gemini client (closed by `resources`) and serve AdvisorService."""
    online = None
    if settings.gemini.enabled:
        online = GeminiCoach(settings.gemini.config())
        resources.push_async_callback(online.aclose)
    server = await start_server(
        settings.server.grpc_listen,
        [
            GrpcService(
                SERVICE_NAME,
                advisor_service_pb2_grpc.add_AdvisorServiceServicer_to_server,
                AdvisorServicer(Advisor(online)),
            )
        ],
        # Called service-to-service by the analyzer only, never by end users, yet reachable through the
        # gateway: a pre-shared service token keeps strangers from spending the Gemini budget.
        verifier=settings.callers.verifier(),
        max_concurrent_rpcs=settings.server.max_concurrent_rpcs,
    )
    # Stops first on the way out, before the Gemini client it uses; a no-op after run_service's stop.
    resources.push_async_callback(server.stop, 0)
    return server


async def serve() -> None:
    settings = load_advisor_settings()
    await run_service("advisor", settings.server, lambda resources: start(resources, settings))


def run() -> None:
    main_entry(serve)
