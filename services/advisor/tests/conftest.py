"""A fake Gemini: a real HTTP server on 127.0.0.1 speaking the `models/{model}:generateContent` REST API.

The advisor reaches it through the real google-genai client (GEMINI_BASE_URL), so the SDK's request
building, response parsing and error mapping are all exercised. The fake checks every request the way we
want Gemini to see it — API key, structured-output schema, no user-controlled strings in the prompt — and
answers 400 with the violation when one fails, so a broken request can never look like a success.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from advisor_service.domain import AdviceRequest, Athlete, Workout
from advisor_service.gemini import GeminiCoach, GeminiConfig
from aiohttp import web
from fitcoach_analysis.load import FitnessDay, TrainingHistory

API_KEY = "fake-gemini-key-for-tests"
ADVICE_FIELDS = {"summary", "went_well", "to_improve", "next_session"}
# Strings that must never reach Gemini: file names, device names, and the injections tests try to smuggle.
FORBIDDEN = (
    ".fit",
    "garmin",
    "forerunner",
    "fenix",
    "edge 530",
    "ignore previous",
    "system prompt",
    "<script",
)

ADVICE_EN = {
    "summary": "A steady 10 km run at 5:00 /km with average heart rate 150 bpm.",
    "went_well": ["Even pacing", "Low decoupling (3.1%)"],
    "to_improve": ["Spend less time in zone 3"],
    "next_session": "40 min easy run in zone 2 tomorrow.",
}
ADVICE_KO = {
    "summary": "평균 심박 150 bpm으로 5:00 /km 페이스의 안정적인 10 km 러닝이었어요.",
    "went_well": ["고른 페이스"],
    "to_improve": ["존 3 시간을 줄이세요"],
    "next_session": "내일 존 2로 40분 편하게 달리세요.",
}
_PATH = re.compile(r"^/(v1|v1beta)/models/([^/:]+):generateContent$")
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


@dataclass
class Reply:
    """One scripted answer: an HTTP error status, a delay, or candidate text (raw, so it can be broken)."""

    status: int = 200
    text: str = json.dumps(ADVICE_EN)
    delay_s: float = 0.0


@dataclass
class Seen:
    api_version: str
    model: str
    body: dict[str, Any]
    answered: bool = False  # the fake sent its reply (after the scripted delay)

    @property
    def prompt(self) -> str:
        parts = [p.get("text", "") for c in self.body.get("contents", []) for p in c.get("parts", [])]
        system = self.body.get("systemInstruction", {}).get("parts", [])
        return "\n".join(parts + [p.get("text", "") for p in system])


@dataclass
class FakeGemini:
    # Handles for tests (they cannot import conftest under --import-mode=importlib).
    API_KEY = API_KEY
    ADVICE_EN = ADVICE_EN
    ADVICE_KO = ADVICE_KO
    FORBIDDEN = FORBIDDEN
    Reply = Reply

    url: str = ""
    replies: list[Reply] = field(default_factory=list)
    default: Reply = field(default_factory=Reply)
    requests: list[Seen] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        self.replies.clear()
        self.default = Reply()
        self.requests.clear()
        self.violations.clear()

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def _check(self, request: web.Request, body: dict[str, Any], prompt: str) -> list[str]:
        problems = []
        if request.headers.get("x-goog-api-key") != API_KEY:
            problems.append("missing or wrong x-goog-api-key")
        config = body.get("generationConfig", {})
        if config.get("responseMimeType") != "application/json":
            problems.append("responseMimeType is not application/json")
        schema = config.get("responseSchema") or config.get("responseJsonSchema") or {}
        if (
            set(schema.get("properties", {})) != ADVICE_FIELDS
            or set(schema.get("required", [])) != ADVICE_FIELDS
        ):
            problems.append(f"response schema does not describe the advice: {schema}")
        if not prompt.strip():
            problems.append("empty prompt")
        lowered = prompt.lower()
        problems += [f"forbidden string in prompt: {bad!r}" for bad in FORBIDDEN if bad in lowered]
        return problems

    async def handle(self, request: web.Request) -> web.Response:
        match = _PATH.match(request.path)
        if match is None:
            self.violations.append(f"unexpected path {request.path}")
            return _error(404)
        body = await request.json()
        seen = Seen(api_version=match[1], model=match[2], body=body)
        self.requests.append(seen)
        problems = self._check(request, body, seen.prompt)
        if problems:
            self.violations += problems
            return _error(400, "; ".join(problems))
        reply = self.replies.pop(0) if self.replies else self.default
        if reply.delay_s:
            # Wait for the delay, or until the session ends, so no handler outlives the server.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), reply.delay_s)
        seen.answered = True
        if reply.status != 200:
            return _error(reply.status)
        return web.json_response(
            {
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": reply.text}]}, "finishReason": "STOP"}
                ],
                "usageMetadata": {
                    "promptTokenCount": 500,
                    "candidatesTokenCount": 120,
                    "totalTokenCount": 620,
                },
                "modelVersion": seen.model,
            }
        )


def _error(status: int, message: str = "fake error") -> web.Response:
    error = {"code": status, "message": message, "status": _STATUS_NAMES.get(status, "UNKNOWN")}
    return web.json_response({"error": error}, status=status)


@contextlib.asynccontextmanager
async def serving_fake_gemini() -> AsyncIterator[FakeGemini]:
    """A FakeGemini answering on 127.0.0.1 (`.url`) until the block ends."""
    fake = FakeGemini()
    app = web.Application()
    app.router.add_post("/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    try:
        yield fake
    finally:
        fake.release.set()  # a handler still sleeping on a slow reply returns now
        await runner.cleanup()


@pytest.fixture(scope="session")
async def fake_gemini_server() -> AsyncIterator[FakeGemini]:
    async with serving_fake_gemini() as fake:
        yield fake


@pytest.fixture
def fake_gemini(fake_gemini_server: FakeGemini) -> FakeGemini:
    """The session's fake Gemini, with this test's script and records only."""
    fake_gemini_server.reset()
    return fake_gemini_server


@pytest.fixture
async def make_coach(fake_gemini: FakeGemini) -> AsyncIterator[Callable[..., Awaitable[GeminiCoach]]]:
    """Build GeminiCoaches pointed at the fake (fast timeouts by default); all closed after the test."""
    coaches: list[GeminiCoach] = []

    async def make(**overrides: Any) -> GeminiCoach:
        settings = {
            "api_key": API_KEY,
            "model": "gemini-2.5-flash",
            "base_url": fake_gemini.url,
            "timeout_s": 2.0,
            "retries": 2,
            "backoff_s": 0.05,
            "total_timeout_s": 10.0,
            **overrides,
        }
        coach = GeminiCoach(GeminiConfig(**settings))
        coaches.append(coach)
        return coach

    yield make
    for coach in coaches:
        await coach.aclose()


# An athlete with months of regular training: the load model means something.
ESTABLISHED = TrainingHistory(
    days_since_first_activity=180, active_days=95, weeks_with_data=26, days_since_previous_activity=2
)


def history(
    days: int = 35, *, end: dt.date = dt.date(2024, 5, 30), tsb_today: float = -8.0
) -> tuple[FitnessDay, ...]:
    """A plausible training history: alternating training and rest, CTL slowly rising."""
    out = []
    for i in range(days):
        day = end - dt.timedelta(days=days - 1 - i)
        ctl = 40 + 0.25 * i
        tsb = tsb_today if i == days - 1 else -5.0
        out.append(FitnessDay(date=day, load=70.0 if i % 2 else 0.0, ctl=ctl, atl=ctl - tsb, tsb=tsb))
    return tuple(out)


def run_request(language: str = "en", **workout: Any) -> AdviceRequest:
    numbers = {
        "sport": "running",
        "sub_sport": "road",
        "start_time": dt.datetime(2024, 5, 30, 6, 30, tzinfo=dt.UTC),
        "distance_m": 10_000.0,
        "timer_time_s": 3_050.0,
        "moving_time_s": 3_000.0,
        "avg_speed_mps": 3.333,
        "avg_hr_bpm": 150.0,
        "max_hr_bpm": 171.0,
        "ascent_m": 45.0,
        "training_load": 62.0,
        "decoupling_pct": 3.1,
        "hr_zone_seconds": (400.0, 1700.0, 700.0, 200.0, 0.0),
        **workout,
    }
    return AdviceRequest(
        workout=Workout(**numbers),
        recent_days=history(),
        athlete=Athlete(max_hr_bpm=190.0, rest_hr_bpm=48.0, threshold_hr_bpm=170.0),
        language=language,
        history=ESTABLISHED,
    )


@pytest.fixture
def make_history() -> Callable[..., tuple[FitnessDay, ...]]:
    return history


@pytest.fixture
def make_run() -> Callable[..., AdviceRequest]:
    return run_request
