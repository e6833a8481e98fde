"""A stand-in service process for launcher tests: `fake_service.py NAME [serve|exit|die-on-sigusr1]`.

serve: grpc.health.v1 SERVING for NAME's FitCoach service on $GRPC_LISTEN until SIGTERM; writes the env it
got to $FAKE_ENV_DIR/NAME.json. exit: prints a line and exits 3 at once. die-on-sigusr1: serves until the test
sends SIGUSR1 (whenever the stack is up, however long that took), then prints a line and exits 4.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICE = {
    "upload": "fitcoach.upload.v1.UploadService",
    "analyzer": "fitcoach.activity.v1.ActivityService",
    "advisor": "fitcoach.advisor.v1.AdvisorService",
}


def write_env(name: str) -> None:
    with open(os.path.join(os.environ["FAKE_ENV_DIR"], f"{name}.json"), "w") as f:
        json.dump(dict(os.environ), f)


async def serve(name: str, mode: str) -> int:
    # Handlers first: the stack may see SERVING, and a test signal us, the moment health says so.
    stop, die = asyncio.Event(), asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if mode == "die-on-sigusr1":
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, die.set)
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(os.environ["GRPC_LISTEN"])
    await server.start()
    for service in ("", SERVICE[name]):
        await servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    await asyncio.to_thread(write_env, name)
    print(f"{name} serving on {os.environ['GRPC_LISTEN']}", flush=True)
    if mode == "die-on-sigusr1":
        await die.wait()
        print(f"{name}: fatal: lost the database", flush=True)
        return 4
    await stop.wait()
    await server.stop(1)
    return 0


def main() -> int:
    name, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "serve"
    if mode == "exit":
        print(f"{name}: SettingsError: DATABASE_URL is required", flush=True)
        return 3
    return asyncio.run(serve(name, mode))


if __name__ == "__main__":
    sys.exit(main())
