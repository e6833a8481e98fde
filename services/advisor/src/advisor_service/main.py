"""Wiring only: settings → Gemini coach (when a key is set) → advisor → gRPC server."""

from __future__ import annotations

from fitcoach.advisor.v1 import advisor_service_pb2_grpc
from fitcoach_runtime.grpc_server import GrpcService, RunningServer, ServiceResources, main_entry, run_service
from fitcoach_runtime.settings import load_settings

from advisor_service.gemini import GeminiCoach
from advisor_service.service import Advisor, AnswerMemo
from advisor_service.servicer import SERVICE_NAME, AdvisorServicer
from advisor_service.settings import AdvisorSettings


async def build(resources: ServiceResources, settings: AdvisorSettings) -> RunningServer:
    """Open the Gemini client (closed by `resources`) and serve AdvisorService."""
    online = None
    if settings.gemini.enabled:
        online = GeminiCoach(settings.gemini.config())
        resources.push_async_callback(online.aclose)
    return await resources.serve(
        settings.server.grpc_listen,
        [
            GrpcService(
                SERVICE_NAME,
                advisor_service_pb2_grpc.add_AdvisorServiceServicer_to_server,
                AdvisorServicer(Advisor(online, memo=AnswerMemo(settings.memo.size, settings.memo.ttl_s))),
            )
        ],
        # Called service-to-service by the analyzer only, never by end users, yet reachable through the
        # gateway: a pre-shared service token keeps strangers from spending the Gemini budget.
        verifier=settings.callers.verifier(),
        max_concurrent_rpcs=settings.server.max_concurrent_rpcs,
    )


async def main() -> None:
    settings = load_settings(AdvisorSettings)
    await run_service("advisor", settings.server, lambda resources: build(resources, settings))


def run() -> None:
    main_entry(main)
