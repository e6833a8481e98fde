"""The analyzer's domain values: plain dataclasses shared by the service, repository and servicer."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class FileRejected(Exception):
    """The file itself cannot be analyzed (bad bytes, too big, wrong checksum, decoder limits); str = reason."""


class AnalysisBug(Exception):
    """Our analysis code failed on a file (not the file's fault); str = details for operators, never users."""


class ActivityBusy(Exception):
    """Another delivery holds the activity's lease (or took it over from this one): try again later."""

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"another delivery is working on this activity; retry in {retry_in_s:.1f} s")
        self.retry_in_s = retry_in_s


class AdvisorUnavailable(Exception):
    """The advisor did not answer within the attempts allowed (an infrastructure fault, retried later)."""


class ClaimOutcome(enum.Enum):
    """What a delivery still has to do for its activity, as Postgres decides."""

    ANALYZE = "analyze"  # not analyzed by this version yet, or failed by our own bug (now marked analyzing)
    ADVISE = "advise"  # metrics stored, advice still pending
    DONE = "done"  # settled by this version: nothing to do but ack
    BUSY = "busy"  # another delivery holds the lease: come back when it ends
    DELETED = "deleted"  # the owner deleted the activity: nothing to do but ack


class FailureKind(enum.Enum):
    """Why an activity is `failed` (analyzer.activities.failure_kind)."""

    BAD_FILE = "bad_file"  # the file cannot be analyzed: final
    INTERNAL_ERROR = (
        "internal_error"  # our analysis code raised: analyzed again by a later delivery or replay
    )
    GAVE_UP = "gave_up"  # infrastructure kept failing (dead letter): analyzed again by a replay


@dataclass(frozen=True)
class Claim:
    """A delivery's claim on an activity: what to do, under which lease."""

    outcome: ClaimOutcome
    token: str = ""  # the lease this delivery holds (ANALYZE, ADVISE)
    retry_in_s: float = 0.0  # BUSY: when the other delivery's lease runs out


@dataclass(frozen=True)
class UploadJob:
    """What an UploadCompleted event asks the analyzer to do."""

    activity_id: str
    user_id: str
    bucket: str
    object_key: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime | None = None  # when the upload was verified (stage delays are measured from it)


@dataclass(frozen=True)
class AnalysisResult:
    """One analysis of one activity by one analyzer version, as stored."""

    activity_id: str
    user_id: str
    analyzer_version: str
    sport: str
    sub_sport: str
    start_time: dt.datetime | None
    local_offset_s: int
    local_date: dt.date | None
    record_count: int
    device: str
    training_load: float | None
    summary: dict[str, Any]
    sessions: list[dict[str, Any]]
    warnings: list[Any]
    profile: dict[str, Any]


@dataclass(frozen=True)
class AdviceRecord:
    """Stored advice; `advice` is fitcoach.advisor.v1.Advice as JSON."""

    request_hash: str
    input_hash: str
    engine: str
    model: str
    prompt_version: str
    language: str
    advice: dict[str, Any]
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class AdviceRequest:
    """Numbers only (no file names or device strings): what the advisor may see."""

    language: str
    workout: dict[str, Any]
    recent_days: list[dict[str, Any]]
    athlete: dict[str, Any]
    history: dict[str, Any] = field(default_factory=dict)  # TrainingHistory field names


@dataclass(frozen=True)
class ActivityRecord:
    """An activity as the owner sees it: upload row, analysis state, current result, latest advice."""

    activity_id: str
    user_id: str
    file_name: str
    size_bytes: int
    sha256: str
    upload_status: str | None  # pending | uploaded | duplicate (None: no upload row)
    analysis_status: str | None  # analyzing | analyzed | failed (None: not seen by the analyzer)
    failure_reason: str
    failure_kind: str | None  # FailureKind value when failed
    advice_status: str | None
    duplicate_of: str
    created_at: dt.datetime | None
    uploaded_at: dt.datetime | None
    analysis_started_at: dt.datetime | None
    analyzed_at: dt.datetime | None
    advised_at: dt.datetime | None
    failed_at: dt.datetime | None
    analyzer_version: str
    sport: str
    start_time: dt.datetime | None
    local_offset_s: int
    record_count: int
    device: str
    summary: dict[str, Any]
    sessions: list[dict[str, Any]] = field(default_factory=list)
    advice: AdviceRecord | None = None
    legacy_id: str = ""  # the legacy row or file a migration made it from

    @property
    def status(self) -> str:
        """Effective status: the analyzer's state when it has one, else the upload's."""
        return self.analysis_status or self.upload_status or "pending"

    @property
    def is_final(self) -> bool:
        if self.status in ("failed", "duplicate"):
            return True
        return self.status == "analyzed" and self.advice_status in ("ready", "failed")

    @property
    def changed_at(self) -> dt.datetime | None:
        stamps = [
            self.created_at,
            self.uploaded_at,
            self.analysis_started_at,
            self.analyzed_at,
            self.advised_at,
            self.failed_at,
        ]
        present = [s for s in stamps if s is not None]
        return max(present) if present else None

    def watch_key(self) -> tuple[str, str | None, str]:
        """What a watcher sees change."""
        return (self.status, self.advice_status, self.failure_reason)


@dataclass(frozen=True)
class ListCursor:
    """Keyset position of ListActivities: the last row of the previous page."""

    created_at: dt.datetime
    activity_id: str


@dataclass(frozen=True)
class DailyLoad:
    date: dt.date
    load: float


@dataclass(frozen=True)
class DeadLetter:
    """An event the analyzer gave up on, with its stream sequence so an operator can replay it."""

    stream: str
    stream_seq: int
    subject: str
    activity_id: str
    user_id: str
    num_delivered: int
    error: str
    payload: bytes

    @property
    def reason_for_user(self) -> str:
        return f"analysis gave up after {self.num_delivered} attempts (a temporary fault); an operator can replay it"
