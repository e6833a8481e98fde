"""The analyzer's configuration, read from the environment once at start."""

from __future__ import annotations

import os
from dataclasses import dataclass

from fitcoach_runtime.auth import check_service_tokens
from fitcoach_runtime.settings import (
    MIB,
    AuthSettings,
    DatabaseSettings,
    NatsSettings,
    ServerSettings,
    StorageSettings,
    env_field,
)

# Most of an event's time is waiting (object store, database, advisor), not decoding: a few events per core
# keep the decode workers busy.
EVENTS_PER_CORE = 4


def available_cores() -> int:
    """CPUs this process may run on: its affinity mask, narrowed by a cgroup v2 CPU quota (containers)."""
    cores = len(os.sched_getaffinity(0))
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()
        if quota != "max":
            cores = min(cores, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 CPU controller: the affinity mask is all there is
    return cores


@dataclass(frozen=True)
class DecodeSettings:
    """Limits of the worker process that decodes one file (a bad file must hurt only itself)."""

    timeout_s: float = env_field("DECODE_TIMEOUT_S", 60.0)
    memory_mb: int = env_field("DECODE_MEMORY_MB", 1024)
    max_bytes: int = env_field("MAX_UPLOAD_BYTES", 50 * MIB)
    stream_points: int = env_field("CHART_STREAM_POINTS", 500)
    # Long-lived worker processes; 0: one per available core (decoding is the analyzer's CPU-bound part).
    workers: int = env_field("DECODE_WORKERS", 0)
    # A worker is replaced after this many jobs, so leaks and fragmentation cannot build up.
    worker_max_jobs: int = env_field("DECODE_WORKER_MAX_JOBS", 1000)

    @property
    def pool_size(self) -> int:
        """How many decode worker processes run."""
        return self.workers or available_cores()

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError("DECODE_WORKERS must be 0 (one per core) or more")
        if self.worker_max_jobs < 1:
            raise ValueError("DECODE_WORKER_MAX_JOBS must be at least 1")
        if self.timeout_s <= 0:
            raise ValueError("DECODE_TIMEOUT_S must be positive")
        if self.memory_mb < 64:
            raise ValueError("DECODE_MEMORY_MB must be at least 64")
        if self.max_bytes <= 0:
            raise ValueError("MAX_UPLOAD_BYTES must be positive")


@dataclass(frozen=True)
class ConsumerSettings:
    """The durable JetStream pull consumer `analyzer` and its retry policy."""

    durable: str = env_field("CONSUMER_DURABLE", "analyzer")
    ack_wait_s: float = env_field("CONSUMER_ACK_WAIT_S", 60.0)
    # After this many deliveries an infrastructure failure is recorded as a dead letter and the message
    # terminated. JetStream itself redelivers without limit, so a delivery that cannot write its dead letter
    # (PostgreSQL down) is retried instead of vanishing.
    max_deliver: int = env_field("CONSUMER_MAX_DELIVER", 8)
    # Events in flight at once; 0: EVENTS_PER_CORE per available core, so the downloads, database writes and
    # advisor calls of some events overlap the decoding of others (see `in_flight`).
    concurrency: int = env_field("CONSUMER_CONCURRENCY", 0)
    fetch_timeout_s: float = env_field("CONSUMER_FETCH_TIMEOUT_S", 5.0)
    nak_base_delay_s: float = env_field("CONSUMER_NAK_BASE_DELAY_S", 2.0)
    nak_max_delay_s: float = env_field("CONSUMER_NAK_MAX_DELAY_S", 300.0)
    enabled: bool = env_field("CONSUMER_ENABLED", True)
    # One delivery at a time works on an activity, under a lease renewed every third of this; an analyzer that
    # dies leaves its lease to run out, then the next delivery takes the activity over.
    lease_s: float = env_field("ANALYSIS_LEASE_S", 30.0)

    def __post_init__(self) -> None:
        if self.ack_wait_s < 1:
            raise ValueError("CONSUMER_ACK_WAIT_S must be at least 1")
        if self.max_deliver < 1:
            raise ValueError("CONSUMER_MAX_DELIVER must be at least 1")
        if self.lease_s < 1:
            raise ValueError("ANALYSIS_LEASE_S must be at least 1")
        if self.concurrency < 0:
            raise ValueError("CONSUMER_CONCURRENCY must be 0 (sized from the cores) or more")

    @property
    def in_flight(self) -> int:
        """How many events the consumer works on at once."""
        return self.concurrency or EVENTS_PER_CORE * available_cores()


@dataclass(frozen=True)
class AdvisorSettings:
    """Where the advisor runs and how long advice may take."""

    addr: str = env_field("ADVISOR_ADDR")
    # Sent as `authorization: Bearer` on every call: one of the advisor's ADVISOR_SERVICE_TOKENS.
    service_token: str = env_field("ADVISOR_SERVICE_TOKEN", secret=True)
    timeout_s: float = env_field("ADVISOR_TIMEOUT_S", 30.0)
    attempts: int = env_field("ADVISOR_ATTEMPTS", 3)
    history_days: int = env_field("ADVISOR_HISTORY_DAYS", 28)

    def __post_init__(self) -> None:
        check_service_tokens([self.service_token], "ADVISOR_SERVICE_TOKEN")


@dataclass(frozen=True)
class OpsSettings:
    """Operators' features: replay pace and the R2 prices of the cost estimate."""

    # Jobs a replay or re-drive runs at once (each waits for live work to be idle first).
    replay_concurrency: int = env_field("REPLAY_CONCURRENCY", 1)
    # The original design's R2 prices (egress is free on R2).
    price_storage_gb_month: float = env_field("R2_PRICE_STORAGE_GB_MONTH", 0.015)
    price_class_a_per_million: float = env_field("R2_PRICE_CLASS_A_PER_MILLION", 4.50)
    price_class_b_per_million: float = env_field("R2_PRICE_CLASS_B_PER_MILLION", 0.36)

    def __post_init__(self) -> None:
        if not 1 <= self.replay_concurrency <= 16:
            raise ValueError("REPLAY_CONCURRENCY must be between 1 and 16")
        if (
            min(self.price_storage_gb_month, self.price_class_a_per_million, self.price_class_b_per_million)
            < 0
        ):
            raise ValueError("R2_PRICE_* cannot be negative")


@dataclass(frozen=True)
class AnalyzerSettings:
    """Everything `python -m analyzer_service` reads from the environment."""

    server: ServerSettings
    database: DatabaseSettings
    nats: NatsSettings
    storage: StorageSettings
    auth: AuthSettings
    advisor: AdvisorSettings
    decode: DecodeSettings
    consumer: ConsumerSettings
    ops: OpsSettings
    watch_poll_s: float = env_field("WATCH_POLL_S", 5.0)
    # How often rows of activities their owners deleted are purged (reads hide them at once regardless).
    deleted_purge_interval_s: float = env_field("DELETED_PURGE_INTERVAL_S", 30.0)
    # A watch ends after this long (clients reopen it); the gateway's own cut for the route is a little longer.
    watch_max_duration_s: float = env_field("WATCH_MAX_DURATION_S", 900.0)
    watch_max_per_user: int = env_field("WATCH_MAX_PER_USER", 10)

    def __post_init__(self) -> None:
        if self.watch_max_duration_s <= 0 or self.watch_max_per_user <= 0:
            raise ValueError("WATCH_MAX_DURATION_S and WATCH_MAX_PER_USER must be positive")
