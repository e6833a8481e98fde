"""run_service as a real process: serves, then SIGTERM → graceful stop → resources closed → exit 0."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import textwrap
import time

from fitcoach_runtime.grpc_client import insecure_channel
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICE = textwrap.dedent(
    """
    import sys
    from fitcoach_runtime.grpc_server import main_entry, run_service, start_server
    from fitcoach_runtime.settings import ServerSettings, load_settings

    async def build(resources):
        # Resources close in reverse order after the server stopped.
        resources.callback(print, "closed first-opened", flush=True)
        resources.callback(print, "closed last-opened", flush=True)
        return await start_server("127.0.0.1:0", [], verifier=None)

    async def main():
        settings = load_settings(ServerSettings)
        await run_service("demo", settings, build)

    main_entry(main)
    """
)


async def spawn(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVICE,
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigterm_stops_gracefully_and_logs_json() -> None:
    proc = await spawn({"SHUTDOWN_GRACE_S": "30", "LOG_FORMAT": "json"})
    assert proc.stderr is not None and proc.stdout is not None
    try:
        first = json.loads(await asyncio.wait_for(proc.stderr.readline(), 20))
        assert (first["msg"], first["service"], first["level"]) == ("demo serving", "demo", "info")
        async with insecure_channel(f"127.0.0.1:{first['port']}") as chan:
            reply = await health_pb2_grpc.HealthStub(chan).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rest, out = await asyncio.wait_for(asyncio.gather(proc.stderr.read(), proc.stdout.read()), 40)
        code = await proc.wait()
        elapsed = time.monotonic() - sent
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0
    # No calls in flight: it stops at once (well under a second) instead of waiting out the 30 s grace; the
    # bound is generous so that a loaded machine cannot fail it.
    assert elapsed < 15
    records = [json.loads(line) for line in rest.decode().splitlines()]  # every line is JSON
    assert [r["msg"] for r in records] == ["demo stopping", "demo stopped"]
    assert records[0]["grace_s"] == 30.0
    assert out.decode().splitlines() == ["closed last-opened", "closed first-opened"]


async def test_bad_configuration_exits_2_listing_every_problem() -> None:
    proc = await spawn({"LOG_FORMAT": "xml", "SHUTDOWN_GRACE_S": "soon"})
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert "SHUTDOWN_GRACE_S='soon'" in err.decode()
    assert "Traceback" not in err.decode()
