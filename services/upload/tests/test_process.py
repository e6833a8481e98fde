"""`python -m upload_service` as an operator runs it: env config, health, SIGTERM → clean exit."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import TYPE_CHECKING

from fitcoach_runtime.grpc_client import insecure_channel
from fitcoach_stack.pytest_plugin import env_for
from grpc_health.v1 import health_pb2, health_pb2_grpc
from upload_service.main import SERVICE_NAME

if TYPE_CHECKING:
    from fitcoach_stack.service_process import ServiceProcess


async def test_runs_as_a_module_and_stops_on_sigterm(upload_process: ServiceProcess) -> None:
    port = await upload_process.start()
    async with insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=5
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    upload_process.send(signal.SIGTERM)
    # Idle, it stops in about a second; the bound only keeps a hung stop from holding the test.
    assert await upload_process.exit_code(within_s=30) == 0, upload_process.tail()
    assert [r["msg"] for r in upload_process.records()][-1] == "upload stopped"


async def test_refuses_to_start_with_a_broken_configuration(upload_env):
    env = {k: v for k, v in upload_env.items() if k not in ("DATABASE_URL", "R2_BUCKET_NAME")}
    env["MAX_UPLOAD_BYTES"] = "lots"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "upload_service", env=env_for(env), stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    for problem in ("DATABASE_URL is required", "R2_BUCKET_NAME is required", "MAX_UPLOAD_BYTES='lots'"):
        assert problem in err.decode()
