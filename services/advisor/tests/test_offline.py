"""The offline rule-based coach: same structure as Gemini, sport-aware rules, English and Korean."""

from __future__ import annotations

import dataclasses
import re

import pytest
from advisor_service.domain import AdviceRequest, AdviceText, Athlete, Workout
from advisor_service.offline import MAX_ITEMS, offline_advice
from fitcoach_analysis.load import TrainingHistory

# Months of regular training: the load model means something (the scenario suite covers new athletes).
ESTABLISHED = TrainingHistory(
    days_since_first_activity=180, active_days=95, weeks_with_data=26, days_since_previous_activity=2
)

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
    return AdviceRequest(
        workout=Workout(**workout), recent_days=history, athlete=Athlete(ftp_w=280.0), history=ESTABLISHED
    )


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
    return AdviceRequest(workout=Workout(**workout), recent_days=history, history=ESTABLISHED)


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
    assert advice.next_session.startswith("A 60–90 min endurance ride")


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
    request = dataclasses.replace(make_run(), recent_days=(), athlete=Athlete(), history=None)
    advice = offline_advice(request)
    assert "first activity" in advice.summary and "CTL" not in _all_text(advice)
    assert any("profile" in item for item in advice.to_improve)
    _assert_shape(advice, "en")


def test_empty_workout_still_gets_advice() -> None:
    for language in ("en", "ko"):
        advice = offline_advice(AdviceRequest(workout=Workout(), language=language))
        _assert_shape(advice, language)


def test_deterministic(make_run) -> None:
    assert offline_advice(make_run(language="ko")) == offline_advice(make_run(language="ko"))


def _text(advice: AdviceText) -> str:
    return _all_text(advice).lower()


def test_a_light_session_on_deep_fatigue_is_praised_not_followed_by_rest(make_history) -> None:
    tired = make_history(tsb_today=-38.0)
    advice = offline_advice(_ride(tired, training_load=25.0, moving_time_s=2_400.0, intensity_factor=0.6))
    assert any("light session" in item and "TSB -38.0" in item for item in advice.went_well)
    assert "rest day" not in _text(advice)
    assert not any("TSB -38.0" in item for item in advice.to_improve)  # no fatigue warning for it


def test_warnings_grow_with_the_sessions_load(make_history) -> None:
    history = make_history(tsb_today=-8.0)  # CTL 48.5, decent form
    moderate = offline_advice(_ride(history, training_load=95.0))  # twice CTL, but a normal session
    assert not any("×" in item for item in moderate.to_improve)
    big = offline_advice(_ride(history, training_load=120.0, intensity_factor=0.8))  # heavy: 2.5× CTL
    assert any("load (120) was 2.5× your fitness (CTL 48)" in item for item in big.to_improve)
    assert not big.next_session.startswith("Take a rest day")  # easy days, not rest
    huge = offline_advice(_ride(history, training_load=160.0, intensity_factor=0.8))  # 3.3× CTL
    assert huge.next_session.startswith("Take a rest day")


def test_a_new_athlete_gets_no_ratio_no_form_and_no_rest(make_history) -> None:
    first = TrainingHistory(
        days_since_first_activity=0, active_days=1, weeks_with_data=1, days_since_previous_activity=None
    )
    day = make_history(1)  # CTL after one day is load / 42: the ratio would read 42
    for language in ("en", "ko"):
        request = dataclasses.replace(
            _ride(day, training_load=210.0, intensity_factor=0.97), history=first, language=language
        )
        advice = offline_advice(request)
        _assert_shape(advice, language)
        text = _text(advice)
        assert "ctl" not in text and "tsb" not in text and "×" not in text and "배였" not in text
        assert "rest day" not in text and "쉬거나" not in text
    english = offline_advice(dataclasses.replace(_ride(day, training_load=210.0), history=first))
    assert "first activity" in english.summary
    assert any("big session (load 210)" in item for item in english.to_improve)


def test_a_few_weeks_in_the_baseline_is_still_being_built(make_history) -> None:
    weeks = TrainingHistory(
        days_since_first_activity=20, active_days=9, weeks_with_data=3, days_since_previous_activity=2
    )
    advice = offline_advice(dataclasses.replace(_ride(make_history(21)), history=weeks))
    assert "(9 training days since your first activity 20 days ago)" in advice.summary
    korean = offline_advice(dataclasses.replace(_ride(make_history(21)), history=weeks, language="ko"))
    assert "첫 운동 후 20일 동안 9일 훈련" in korean.summary


def test_a_return_after_weeks_off_is_welcomed_back_gradually(make_history) -> None:
    back = dataclasses.replace(ESTABLISHED, days_since_previous_activity=42)
    history = make_history(tsb_today=30.0)
    advice = offline_advice(dataclasses.replace(_ride(history, training_load=110.0), history=back))
    assert "first session in 42 days" in advice.summary
    assert any("42 days off" in item for item in advice.went_well)
    assert any("10%" in item for item in advice.to_improve)
    assert "rest day" not in _text(advice) and "×" not in _text(advice)
    assert advice.next_session.startswith("An easy 30–45 min spin in zone 1 in a day or two")
    assert "2–3 weeks back mostly easy" in advice.next_session


def test_two_training_days_in_fourteen_read_as_a_plural(make_history) -> None:
    days = tuple(
        dataclasses.replace(d, load=70.0 if i in (0, 10, 24, 34) else 0.0)
        for i, d in enumerate(make_history())
    )
    advice = offline_advice(_ride(days))
    assert any(item.startswith("Only 2 training days in the last 14") for item in advice.to_improve)
    korean = offline_advice(dataclasses.replace(_ride(days), language="ko"))
    assert any("훈련한 날이 2일뿐이에요" in item for item in korean.to_improve)


def test_korean_particles_follow_the_number_before_them(make_history) -> None:
    heavy = offline_advice(dataclasses.replace(_ride(make_history(tsb_today=-8.0)), language="ko"))
    assert "TSB -8.0으로" in heavy.summary  # 영 ends in a consonant
    fresh = offline_advice(dataclasses.replace(_ride(make_history(tsb_today=2.5)), language="ko"))
    assert "TSB +2.5로" in fresh.summary  # 오 ends in a vowel


@pytest.mark.parametrize("language", ["en", "ko"])
def test_yoga_and_strength_are_coached_in_their_own_terms(make_history, language: str) -> None:
    yoga = AdviceRequest(
        workout=Workout(
            sport="training", sub_sport="yoga", timer_time_s=779.0, avg_hr_bpm=102.0, training_load=3.0
        ),
        recent_days=make_history(
            tsb_today=-38.0
        ),  # even deeply fatigued: a 13-minute yoga session is no reason to rest
        history=ESTABLISHED,
        language=language,
    )
    advice = offline_advice(yoga)
    _assert_shape(advice, language)
    text = _text(advice)
    for word in ("/km", "km/h", "pace", "페이스", "rest day", "쉬거나", "×"):
        assert word not in text
    assert ("13 min" if language == "en" else "13분") in advice.summary
    assert ("yoga" if language == "en" else "요가") in advice.next_session.lower()
    weights = offline_advice(
        dataclasses.replace(
            yoga,
            workout=Workout(
                sport="training", sub_sport="strength_training", timer_time_s=4_800.0, training_load=12.0
            ),
        )
    )
    assert ("48 hours" if language == "en" else "48시간") in weights.next_session
    assert ("1 h 20 min" if language == "en" else "1시간 20분") in weights.summary


@pytest.mark.parametrize("language", ["en", "ko"])
def test_dives_are_judged_by_depth_and_surface_intervals(language: str) -> None:
    freedive = AdviceRequest(
        workout=Workout(
            sport="diving", sub_sport="apnea_diving", timer_time_s=2_794.0, distance_m=633.0, avg_speed_mps=0.23,
            max_depth_m=28.6, avg_depth_m=14.1, bottom_time_s=133.6, surface_interval_s=1_856.0, dive_count=2,
        ),
        language=language,
    )  # fmt: skip
    advice = offline_advice(freedive)
    _assert_shape(advice, language)
    text = _text(advice)
    assert "28.6 m" in advice.summary and "2:14" in advice.summary
    for word in ("km", "pace", "페이스", "zone", "존 ", "rest day", "baseline", "기준"):
        assert word not in text
    assert any("30:56" in item for item in advice.went_well)  # rested far longer than twice the dive
    hurried = offline_advice(
        dataclasses.replace(freedive, workout=dataclasses.replace(freedive.workout, surface_interval_s=90.0))
    )
    assert any("1:30" in item and "1:07" in item for item in hurried.to_improve)  # < 2 × 67 s average dive
    scuba = offline_advice(
        dataclasses.replace(
            freedive,
            workout=Workout(sport="diving", sub_sport="multi_gas_diving", timer_time_s=3_165.0, max_depth_m=17.6,
                            avg_depth_m=11.3, bottom_time_s=3_103.5, dive_count=1),
        )
    )  # fmt: skip
    assert "51:44" in scuba.summary and "17.6 m" in scuba.summary
    assert ("safety stop" if language == "en" else "안전 정지") in " ".join(scuba.to_improve)
    assert ("flying" if language == "en" else "비행") in scuba.next_session
