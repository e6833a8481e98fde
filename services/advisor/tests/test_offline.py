"""The offline rule-based coach: same structure as Gemini, sport-aware rules, English and Korean."""

from __future__ import annotations

import dataclasses
import re

import pytest
from advisor_service.domain import AdviceRequest, AdviceText, Athlete, Workout
from advisor_service.offline import MAX_ITEMS, offline_advice

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _ride(history, **numbers) -> AdviceRequest:
    workout = {
        "sport": "cycling",
        "sub_sport": "road",
        "distance_m": 62_000.0,
        "moving_time_s": 7_200.0,
        "avg_speed_mps": 8.61,
        "avg_hr_bpm": 138.0,
        "avg_power_w": 190.0,
        "normalized_power_w": 196.0,
        "intensity_factor": 0.70,
        "training_load": 95.0,
        "decoupling_pct": 2.4,
        **numbers,
    }
    return AdviceRequest(workout=Workout(**workout), recent_days=history, athlete=Athlete(ftp_w=280.0))


def _swim(history, **numbers) -> AdviceRequest:
    workout = {
        "sport": "swimming",
        "sub_sport": "lap_swimming",
        "distance_m": 1_500.0,
        "moving_time_s": 2_420.0,
        "avg_speed_mps": 0.62,
        "training_load": 35.0,
        **numbers,
    }
    return AdviceRequest(workout=Workout(**workout), recent_days=history)


def _all_text(advice: AdviceText) -> str:
    return " ".join([advice.summary, *advice.went_well, *advice.to_improve, advice.next_session])


def _assert_shape(advice: AdviceText, language: str) -> None:
    assert advice.summary and advice.next_session
    assert 1 <= len(advice.went_well) <= MAX_ITEMS and 1 <= len(advice.to_improve) <= MAX_ITEMS
    text = _all_text(advice)
    if language == "ko":
        for part in (advice.summary, advice.next_session, *advice.went_well, *advice.to_improve):
            assert HANGUL.search(part), part
        assert not re.search(r"\b(the|and|your|Next)\b", text)  # no untranslated template left behind
    else:
        assert not HANGUL.search(text)
    assert "{" not in text and "}" not in text  # every placeholder was filled


@pytest.mark.parametrize("language", ["en", "ko"])
def test_run(make_run, language: str) -> None:
    advice = offline_advice(make_run(language=language))
    _assert_shape(advice, language)
    assert "10.00 km" in advice.summary and "5:00 /km" in advice.summary
    assert "TSB -8.0" in advice.summary
    # 3.1% decoupling over 50 minutes is a strength worth naming.
    assert any("3.1%" in item for item in advice.went_well)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_ride(make_history, language: str) -> None:
    advice = offline_advice(dataclasses.replace(_ride(make_history()), language=language))
    _assert_shape(advice, language)
    assert "62.00 km" in advice.summary and "31.0 km/h" in advice.summary
    assert any("1.03" in item for item in advice.went_well)  # even power: VI 196/190
    # An easy ride in decent form: next comes quality, with watts from the FTP.
    assert "252–266 W" in advice.next_session


@pytest.mark.parametrize("language", ["en", "ko"])
def test_swim(make_history, language: str) -> None:
    advice = offline_advice(dataclasses.replace(_swim(make_history()), language=language))
    _assert_shape(advice, language)
    assert "1500 m" in advice.summary and "2:41 /100 m" in advice.summary
    assert any("2:41 /100 m" in item for item in advice.to_improve)  # technique work for a slow pace
    assert any(("heart-rate" in item) or ("심박" in item) for item in advice.to_improve)  # no HR recorded
    assert "100 m" in advice.next_session
    faster = offline_advice(_swim(make_history(), avg_speed_mps=0.8))  # 2:05 /100 m: no technique hint
    assert not any("/100 m" in item for item in faster.to_improve)


def test_hard_session_on_deep_fatigue_means_rest(make_history) -> None:
    tired = make_history(tsb_today=-38.0)
    advice = offline_advice(_ride(tired, intensity_factor=0.97, training_load=210.0))
    assert "very hard" in advice.summary
    assert any("TSB -38.0" in item for item in advice.to_improve)
    assert any("load (210)" in item for item in advice.to_improve)  # 210 vs CTL 48
    assert advice.next_session.startswith("Take a rest day")


def test_hard_session_when_fresh_is_praised_and_followed_by_easy_work(make_history) -> None:
    advice = offline_advice(_ride(make_history(tsb_today=4.0), intensity_factor=0.9))
    assert any("TSB +4.0" in item for item in advice.went_well)
    assert advice.next_session.startswith("Next: a 60–90 min endurance ride")


def test_long_run_with_large_drift(make_run) -> None:
    advice = offline_advice(make_run(moving_time_s=6_600.0, decoupling_pct=12.5, distance_m=20_000.0))
    assert any("12.5%" in item and "zone 2" in item for item in advice.to_improve)
    assert any("1:50:00" in item for item in advice.went_well)  # long session recognised
    assert "zone 2 (below 151 bpm)" in advice.next_session  # 0.89 × threshold HR 170


def test_grey_zone_run(make_run) -> None:
    advice = offline_advice(make_run(hr_zone_seconds=(200.0, 1000.0, 1500.0, 300.0, 0.0)))
    assert any("50% of the time in zone 3" in item for item in advice.to_improve)


def test_short_decoupling_is_not_judged(make_run) -> None:
    advice = offline_advice(make_run(moving_time_s=1_200.0, timer_time_s=1_200.0, decoupling_pct=15.0))
    assert "15.0%" not in " ".join(advice.went_well + advice.to_improve)


def test_without_history_or_profile(make_run) -> None:
    request = dataclasses.replace(make_run(), recent_days=(), athlete=Athlete())
    advice = offline_advice(request)
    assert "no training history" in advice.summary
    assert any("profile" in item for item in advice.to_improve)
    _assert_shape(advice, "en")


def test_empty_workout_still_gets_advice() -> None:
    for language in ("en", "ko"):
        advice = offline_advice(AdviceRequest(workout=Workout(), language=language))
        _assert_shape(advice, language)


def test_deterministic(make_run) -> None:
    assert offline_advice(make_run(language="ko")) == offline_advice(make_run(language="ko"))
