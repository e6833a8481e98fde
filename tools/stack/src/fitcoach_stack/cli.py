"""`fitcoach-stack run` (make run): the whole system locally on free ports until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from fitcoach_stack.fixtures import FIT
from fitcoach_stack.process import ServerStartError
from fitcoach_stack.stack import CLUSTER_SHAPE, SERVICES, ServiceExited, Stack, server_kinds


def _ready_message(stack: Stack) -> str:
    fixtures = FIT
    example = next(iter(sorted(fixtures.glob("run-*.fit"))), None) if fixtures.is_dir() else None
    # Shown as the repository's make-run user types it (../shared/...), not as this machine's absolute path.
    shown = os.path.relpath(example, Path.cwd()) if example is not None else "FILE.fit"
    upload = f".venv/bin/fitctl upload {shown} --wait"
    metrics = "  ".join(f"{name} {stack.metrics_url(name)}" for name in stack.metrics_ports)
    return (
        f"FitCoach ready: {stack.gateway_url}\n"
        f"  open: {stack.gateway_url}/ in a browser (the web app; dev mode signs you in as the dev user)\n"
        f"  try:  {upload}\n"
        f"        node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --list-services "
        f"{stack.gateway_url}\n"
        f"        grpcurl -plaintext {stack.gateway_address} list\n"
        f"        .venv/bin/fitctl admin stats          (operators: stats, cost, replay, migrate ...)\n"
        f"  metrics: {metrics or 'none'}\n"
        f"  endpoints: {stack.env_file}   logs: {stack.logs_dir}/   Ctrl-C stops everything\n"
    )


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handlers first: a Ctrl-C during startup still stops whatever already started (in `finally`).
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stack = Stack(
        Path(args.data_dir),
        services=args.services,
        cors_origins=args.cors_origin or ("http://localhost:5173", "http://127.0.0.1:5173"),
        web=not args.no_web,
        **(CLUSTER_SHAPE if args.cluster else {}),
    )
    code = 0
    try:
        print("fitcoach-stack: starting servers and services ...", file=sys.stderr, flush=True)
        stack.start()
        kinds = ", ".join(f"{k} {v}" for k, v in server_kinds(stack).items())
        timings = ", ".join(f"{k} {v:.2f}s" for k, v in stack.timings.items())
        print(f"fitcoach-stack: {kinds}; {timings}", file=sys.stderr, flush=True)
        print(_ready_message(stack), end="", flush=True)
        while not stop.wait(0.5):
            stack.check_services()
    except (ServerStartError, ServiceExited) as err:
        print(f"fitcoach-stack: {err}", file=sys.stderr, flush=True)
        code = 1
    finally:
        # Further Ctrl-C while stopping would leave half-stopped servers: finish the shutdown first.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        started = time.monotonic()
        stack.stop()
        print(f"fitcoach-stack: stopped ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fitcoach-stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="start everything and wait for Ctrl-C")
    run_p.add_argument("--data-dir", default=".fitcoach", help="data, logs and stack.env (default .fitcoach)")
    run_p.add_argument(
        "--services",
        nargs="*",
        default=list(SERVICES),
        choices=SERVICES,
        help="services to start (default all; none = servers and gateway only)",
    )
    run_p.add_argument(
        "--cors-origin", action="append", help="browser origin allowed by the gateway (repeat)"
    )
    run_p.add_argument(
        "--no-web", action="store_true", help="do not serve the web app (no `make web` build needed)"
    )
    run_p.add_argument(
        "--cluster",
        action="store_true",
        help="the shape past one machine: a 3-node NATS JetStream cluster (stream replicated 3 times), "
        "2 upload and 2 analyzer replicas behind Envoy (make run-cluster)",
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
