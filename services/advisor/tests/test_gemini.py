"""The Gemini path through the real google-genai client against the fake Gemini HTTP server."""

from __future__ import annotations

import dataclasses
import json
import socket
import time

import pytest
from advisor_service.domain import Engine
from advisor_service.gemini import GeminiError
from advisor_service.prompt import PROMPT_VERSION
from advisor_service.service import RESERVE_S, Advisor
from prometheus_client import REGISTRY


async def test_happy_path_parses_structured_advice(fake_gemini, make_coach, make_run) -> None:
    advisor = Advisor(await make_coach(model="gemini-2.5-flash"))

    advice = await advisor.generate(make_run())

    assert fake_gemini.violations == []
    assert advice.engine is Engine.GEMINI
    assert advice.model == "gemini-2.5-flash"
    assert advice.prompt_version == PROMPT_VERSION
    assert advice.fallback_reason == ""
    assert advice.text.model_dump() == fake_gemini.ADVICE_EN
    [seen] = fake_gemini.requests
    assert seen.model == "gemini-2.5-flash"
    # The prompt carries the workout and the training-load grounding.
    assert "10.00 km" in seen.prompt and "5:00 /km" in seen.prompt
    assert "CTL" in seen.prompt and "TSB -8.0" in seen.prompt
    assert "Write every text field in English." in seen.prompt


async def test_korean_request_asks_for_korean_and_accepts_it(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.script(fake_gemini.Reply(text=json.dumps(fake_gemini.ADVICE_KO)))
    advice = await Advisor(await make_coach()).generate(make_run(language="ko"))

    assert advice.engine is Engine.GEMINI
    assert advice.language == "ko"
    assert advice.text.summary == fake_gemini.ADVICE_KO["summary"]
    assert "Korean (한국어)" in fake_gemini.requests[0].prompt


async def test_english_answer_to_korean_request_falls_back(fake_gemini, make_coach, make_run) -> None:
    advice = await Advisor(await make_coach()).generate(make_run(language="ko"))

    assert advice.engine is Engine.OFFLINE
    assert advice.fallback_reason == "Gemini did not answer in Korean"
    assert "러닝" in advice.text.summary


async def test_429_then_success_is_retried(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.script(fake_gemini.Reply(status=429))
    advice = await Advisor(await make_coach(retries=2)).generate(make_run())

    assert advice.engine is Engine.GEMINI
    assert len(fake_gemini.requests) == 2
    assert fake_gemini.violations == []


async def test_500_forever_falls_back_after_all_attempts(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.default = fake_gemini.Reply(status=500)
    advice = await Advisor(await make_coach(retries=2)).generate(make_run())

    assert advice.engine is Engine.OFFLINE
    assert advice.fallback_reason == "Gemini answered HTTP 500"
    assert advice.model == ""
    assert len(fake_gemini.requests) == 3  # the first attempt and two retries


async def test_400_is_not_retried(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.default = fake_gemini.Reply(status=400)
    advice = await Advisor(await make_coach(retries=2)).generate(make_run())

    assert advice.fallback_reason == "Gemini answered HTTP 400"
    assert len(fake_gemini.requests) == 1


async def test_slow_gemini_times_out_within_bounded_time(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.default = fake_gemini.Reply(delay_s=5.0)
    advisor = Advisor(await make_coach(timeout_s=0.3, retries=1))
    advice = await advisor.generate(make_run())

    assert advice.engine is Engine.OFFLINE
    assert advice.fallback_reason == "Gemini timed out"
    assert len(fake_gemini.requests) == 2  # timeouts are retried too
    # Both attempts were given up on before Gemini's 5 s answer came (an order, not a wall-clock bound).
    assert not any(seen.answered for seen in fake_gemini.requests)


async def test_total_budget_caps_all_attempts(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.default = fake_gemini.Reply(delay_s=5.0)
    advisor = Advisor(await make_coach(timeout_s=0.3, retries=8, total_timeout_s=0.7))
    advice = await advisor.generate(make_run())

    assert advice.fallback_reason == "Gemini timed out"
    # Nine 0.3 s attempts were allowed; the 0.7 s budget leaves room for three at most (fewer on a slow
    # machine), and none of them waited for Gemini's answer.
    assert 1 <= len(fake_gemini.requests) <= 3
    assert not any(seen.answered for seen in fake_gemini.requests)


async def test_caller_deadline_ends_the_gemini_attempt(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.default = fake_gemini.Reply(delay_s=30.0)
    advisor = Advisor(await make_coach(timeout_s=20.0, retries=0, total_timeout_s=20.0))

    started = time.perf_counter()
    advice = await advisor.generate(make_run(), time_left_s=0.8)

    assert advice.engine is Engine.OFFLINE and advice.fallback_reason == "Gemini timed out"
    assert len(fake_gemini.requests) == 1 and not fake_gemini.requests[0].answered
    # Cut at 0.8 s - RESERVE_S; the bound only tells the caller's deadline from Gemini's own 20 s timeout,
    # and is generous so a loaded machine cannot fail it.
    assert time.perf_counter() - started < 10


async def test_caller_deadline_keeps_the_reserve_for_the_offline_coach(
    fake_gemini, make_coach, make_run
) -> None:
    advisor = Advisor(await make_coach())
    # A caller with no more than the reserve left: Gemini is not even asked, the offline coach answers.
    advice = await advisor.generate(make_run(), time_left_s=RESERVE_S)

    assert advice.engine is Engine.OFFLINE
    assert advice.fallback_reason == "no time left to ask Gemini"
    assert fake_gemini.requests == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "Gemini returned invalid advice"),
        (json.dumps({"summary": "only a summary"}), "Gemini returned invalid advice"),
        (
            json.dumps({**{"summary": "x", "went_well": [], "to_improve": ["a"], "next_session": "y"}}),
            "invalid",
        ),
        ("", "Gemini returned no text"),
    ],
)
async def test_malformed_answer_falls_back(fake_gemini, make_coach, make_run, text, reason) -> None:
    fake_gemini.default = fake_gemini.Reply(text=text)
    advice = await Advisor(await make_coach()).generate(make_run())

    assert advice.engine is Engine.OFFLINE
    assert reason in advice.fallback_reason
    assert len(fake_gemini.requests) == 1  # a bad answer is not a transient failure


async def test_unreachable_gemini_falls_back(make_coach, make_run) -> None:
    # A port nothing listens on: connection refused, retried, then the offline coach.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    coach = await make_coach(base_url=f"http://127.0.0.1:{port}", retries=1)
    advice = await Advisor(coach).generate(make_run())

    assert advice.engine is Engine.OFFLINE
    assert advice.fallback_reason.startswith("Gemini unreachable")


async def test_coach_raises_gemini_error_directly(fake_gemini, make_coach, make_run) -> None:
    fake_gemini.default = fake_gemini.Reply(status=503)
    coach = await make_coach(retries=0)

    with pytest.raises(GeminiError, match="HTTP 503"):
        await coach.write(make_run())


async def test_no_key_and_offline_only_never_call_gemini(fake_gemini, make_coach, make_run) -> None:
    no_key = await Advisor(None).generate(make_run())
    forced = await Advisor(await make_coach()).generate(dataclasses.replace(make_run(), offline_only=True))

    assert (no_key.engine, no_key.fallback_reason) == (Engine.OFFLINE, "no API key")
    assert (forced.engine, forced.fallback_reason) == (Engine.OFFLINE, "offline requested")
    assert fake_gemini.requests == []
    assert no_key.input_hash == forced.input_hash  # offline_only picks a coach; it is not an input


async def test_engine_counter_tracks_fallbacks(fake_gemini, make_coach, make_run) -> None:
    def count(engine: str, reason: str) -> float:
        value = REGISTRY.get_sample_value("fitcoach_advice_total", {"engine": engine, "reason": reason})
        return value or 0.0

    before = (count("gemini", ""), count("offline", "Gemini answered HTTP 503"))
    advisor = Advisor(await make_coach(retries=0))
    await advisor.generate(make_run())
    fake_gemini.default = fake_gemini.Reply(status=503)
    await advisor.generate(make_run())

    assert (count("gemini", ""), count("offline", "Gemini answered HTTP 503")) == (
        before[0] + 1,
        before[1] + 1,
    )
