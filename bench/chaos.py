"""The chaos soak: 1,000 uploads (good and broken files) while services, Envoy, NATS and PostgreSQL are
SIGKILLed and started again at random; then what became of every upload.

    .venv/bin/python bench/chaos.py [-n 1000] [--concurrency 8] [--cluster] [--seed N]

Starts its own stack in a temporary folder (embedded servers only: the chaos loop must be able to kill
them): one of each part, or with `--cluster` the shape past one machine (a 3-node NATS JetStream cluster
holding the stream 3 times, two upload and two analyzer replicas behind Envoy), where a NATS kill takes one
node and an analyzer kill one replica. Prints the ledger (fitcoach_stack.soak): every good file analyzed
exactly once, every broken one failed with its reason, nothing stuck, no object missing, the outbox empty, the
advisor asked at most once per activity — "LOST 0, DOUBLED 0" is the bar. Exits 1 otherwise.
"""

from __future__ import annotations

import os

# The chaos loop forks (restarts) while the upload client's gRPC threads run: nothing to prepare in the child.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import argparse  # after the gRPC setting above, before anything imports grpc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fitcoach_stack.chaos import ChaosMonkey
from fitcoach_stack.fixtures import FIT
from fitcoach_stack.soak import plan_uploads, run_soak
from fitcoach_stack.stack import CLUSTER_SHAPE, Stack

# Redeliveries after a killed analyzer come after the ack wait: 10 s instead of 60 keeps the settling short.
SOAK_SERVICE_ENV = {"CONSUMER_ACK_WAIT_S": "10"}
# Only embedded servers can be killed: the developer's DATABASE_URL etc. must not point the stack elsewhere.
EXTERNAL = ("DATABASE_URL", "NATS_URL", "S3_ENDPOINT_URL", "R2_ACCOUNT_ID")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="uploads (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="uploads at once (default 8)")
    parser.add_argument(
        "--rate", type=float, default=6.0, help="uploads started per second (default 6: chaos all along)"
    )
    parser.add_argument("--cluster", action="store_true", help="3 NATS nodes, 2 upload + 2 analyzer replicas")
    parser.add_argument("--seed", type=int, default=None, help="chaos seed (default: random, printed)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (logs) afterwards")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    env = {k: v for k, v in os.environ.items() if k not in EXTERNAL}
    shape = CLUSTER_SHAPE if args.cluster else {}
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"chaos soak: {args.n} uploads, {args.rate:g}/s, concurrency {args.concurrency}, "
          f"{'cluster' if args.cluster else 'single node'}, seed {seed}; load before: {load}", flush=True)  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="fitcoach-chaos-"))
    started = time.monotonic()
    with Stack(root, env=env, durable=False, service_env=SOAK_SERVICE_ENV, **shape) as stack:
        print(f"stack ready in {time.monotonic() - started:.1f} s ({root})", flush=True)
        monkey = ChaosMonkey(stack, seed=seed)
        ledger = run_soak(
            stack,
            plan_uploads(FIT, args.n, seed=seed),
            concurrency=args.concurrency,
            rate_per_s=args.rate,
            monkey=monkey,
        )
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(ledger.text())
    for kill in monkey.kills:
        print(f"  kill {kill.part:<10} at {kill.at_s:6.1f} s, down {kill.down_s:.1f} s, ready again after "
              f"{kill.restart_s:.1f} s")  # fmt: skip
    print(f"total {time.monotonic() - started:.0f} s; load after: {load}")
    if not args.keep and ledger.lost == 0 and ledger.doubled == 0:
        subprocess.run(["rm", "-rf", str(root)], check=False)
    else:
        print(f"data and logs kept in {root}")
    return 0 if ledger.lost == 0 and ledger.doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
