"""Coaching that makes sense for every athlete, checked on athletes built from real sessions.

Each scenario (tests/support/athletes.py) is advised in English and Korean by the offline coach, and its
Gemini prompt is built, through the same code the analyzer and the advisor run. What is checked: no rest
orders for a fresh athlete, no load ratio or form reading before the load model means something, every
number the advice quotes exists in its input, the next session fits the sport and the athlete's state, and
the prompt carries the facts Gemini needs (and not the ones that mean nothing yet).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from advisor_service import texts
from advisor_service.facts import Facts, clock, derive
from advisor_service.offline import MAX_ITEMS
from support.athletes import LANGUAGES, SCENARIOS, Advised, advise

HANGUL = re.compile(r"[\uac00-\ud7a3]")
NUMBER = re.compile(r"\d+(?:[.:]\d+)*")
# Words of a rest order, and of a load-versus-fitness or form reading, in both languages.
REST = re.compile(r"rest day|take a rest|쉬거나|휴식일")
LOAD_MODEL = re.compile(r"CTL|TSB|ATL|×|배였|fitness \(|체력\(")
SPEED = re.compile(r"/km|/100 m|/500 m|km/h|\bpace\b|페이스|\bkm\b")


@pytest.fixture(scope="module")
async def advised() -> dict[tuple[str, str], Advised]:
    return {(s.name, language): await advise(s, language) for s in SCENARIOS for language in LANGUAGES}


def _text(a: Advised) -> str:
    return " ".join([a.advice.summary, *a.advice.went_well, *a.advice.to_improve, a.advice.next_session])


def _each(advised: dict[tuple[str, str], Advised], *names: str) -> Iterator[tuple[str, str, Advised]]:
    for (name, language), a in advised.items():
        if not names or name in names:
            yield name, language, a


# --- what every scenario must get right ------------------------------------------------------------------


def test_every_advice_is_whole_and_in_its_language(advised: dict[tuple[str, str], Advised]) -> None:
    for name, language, a in _each(advised):
        advice = a.advice
        assert 1 <= len(advice.went_well) <= MAX_ITEMS and 1 <= len(advice.to_improve) <= MAX_ITEMS, name
        parts = [advice.summary, *advice.went_well, *advice.to_improve, advice.next_session]
        for part in parts:
            assert ("{" not in part) and ("[" not in part), (
                name,
                part,
            )  # placeholders and particles resolved
            assert bool(HANGUL.search(part)) == (language == "ko"), (name, language, part)
        if language == "en":
            assert not re.search(r"\b1 (days|training days|dives|weeks)\b", _text(a)), name
        assert a.request.language == language
        assert ("in Korean" if language == "ko" else "in English") in a.prompt.system


def _template_numbers() -> set[str]:
    """Numbers the coach's own sentences hold ("3–4 sessions", "zone 2", "6 weeks")."""
    found: set[str] = set()
    tables = [value for name, value in vars(texts).items() if name.isupper()]  # the phrase book's constants
    for value in tables:
        strings: list[str] = []
        if isinstance(value, dict):
            for item in value.values():
                strings += list(item.values()) if isinstance(item, dict) else list(item)
        elif isinstance(value, tuple):
            strings += [v for v in value if isinstance(v, str)]
        for string in strings:
            found |= set(NUMBER.findall(string))
    return found


def _forms(value: float) -> set[str]:
    """The ways the coach may print a number it was given or derived: rounded, as a clock, in minutes."""
    v = abs(value)
    minutes = max(1, round(v / 60))
    return {
        f"{v:.0f}", f"{v:.1f}", f"{v:.2f}", clock(v), str(minutes), *map(str, divmod(minutes, 60)),
        f"{v * 100:.0f}", f"{v / 1000:.2f}", f"{v * 3.6:.1f}",
    }  # fmt: skip


def _numbers_in(value: object) -> Iterator[float]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield float(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _numbers_in(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _numbers_in(item)


def _allowed_numbers(a: Advised, facts: Facts) -> set[str]:
    athlete = a.request.athlete
    derived: list[float] = list(_numbers_in(a.request)) + list(_numbers_in(facts))
    if facts.speed_kmh or facts.pace_s_per_km or facts.pace_s_per_100m or facts.pace_s_per_500m:
        speed = a.request.workout.avg_speed_mps or 0.0
        derived += [1000 / speed, 100 / speed, 500 / speed] if speed else []
    # The zone 2 ceiling and FTP range the coach computes from the profile (offline._zone2_cap, QUALITY_FTP).
    derived += [x * k for x, k in ((athlete.threshold_hr_bpm, 0.89), (athlete.max_hr_bpm, 0.75)) if x]
    derived += [athlete.ftp_w * k for k in (0.90, 0.95)] if athlete.ftp_w else []
    allowed = _template_numbers()
    for value in derived:
        allowed |= _forms(value)
    return allowed


def test_every_number_the_advice_quotes_exists_in_its_input(advised: dict[tuple[str, str], Advised]) -> None:
    for name, language, a in _each(advised):
        facts = derive(a.request)
        quoted = set(NUMBER.findall(_text(a)))
        unexplained = quoted - _allowed_numbers(a, facts)
        assert not unexplained, f"{name} [{language}] quotes {sorted(unexplained)}: {_text(a)}"


def test_no_rest_orders_unless_fatigue_calls_for_them(advised: dict[tuple[str, str], Advised]) -> None:
    # New athletes, a productive block, a comeback (fresh by definition), yoga and dives: none is told to rest.
    fresh = ("new-athlete", "steady-build", "comeback", "yoga-strength", "freediver", "scuba")
    for name, language, a in _each(advised, *fresh):
        assert not REST.search(_text(a).lower()), (name, language, _text(a))


def test_a_new_athlete_gets_no_load_ratio_and_no_form_reading(
    advised: dict[tuple[str, str], Advised],
) -> None:
    for name, language, a in _each(advised, "new-athlete", "scuba", "freediver"):
        assert not derive(a.request).baseline_ready, name
        assert not LOAD_MODEL.search(_text(a)), (name, language, _text(a))
    for language in LANGUAGES:
        summary = advised[("new-athlete", language)].advice.summary
        assert ("first activity" if language == "en" else "첫 운동") in summary
        assert ("6 weeks" if language == "en" else "6주") in summary


def test_the_overreached_athlete_is_told_to_rest_and_why(advised: dict[tuple[str, str], Advised]) -> None:
    for language in LANGUAGES:
        a = advised[("overreached", language)]
        facts = derive(a.request)
        assert facts.baseline_ready and facts.tsb is not None and facts.tsb < -30
        assert REST.search(a.advice.next_session.lower())
        assert any(f"TSB {facts.tsb:+.1f}" in item for item in a.advice.to_improve)
        assert not any(("Consistent" in item or "꾸준해요" in item) for item in a.advice.went_well)


def test_an_established_athlete_is_read_against_the_load_model(
    advised: dict[tuple[str, str], Advised],
) -> None:
    for name, _language, a in _each(advised, "steady-build", "overreached", "triathlete", "yoga-strength"):
        facts = derive(a.request)
        assert facts.baseline_ready and facts.today is not None, name
        assert f"CTL {facts.today.ctl:.0f}" in a.advice.summary, name


def test_the_comeback_is_welcomed_back_gradually(advised: dict[tuple[str, str], Advised]) -> None:
    for language in LANGUAGES:
        a = advised[("comeback", language)]
        gap = a.request.history.days_since_previous_activity if a.request.history else None
        assert gap == 43
        assert ("first session in 43 days" if language == "en" else "43일 만의 운동") in a.advice.summary
        assert ("2–3 weeks" if language == "en" else "2–3주") in a.advice.next_session
        assert not re.search(r"×|배였|zone 4|존 4", _text(a))  # no ratio against a decayed CTL, no intervals


# Words the next session must hold: it suits the sport (and, for the overreached rider, the state).
NEXT_SESSION = {
    "new-athlete": {"en": ("run", "zone 2"), "ko": ("러닝", "존 2")},
    "steady-build": {"en": ("run",), "ko": ("러닝",)},
    "overreached": {"en": ("rest day", "spin"), "ko": ("쉬거나", "페달링")},
    "comeback": {"en": ("jog",), "ko": ("조깅",)},
    "triathlete": {"en": ("swimming or spinning",), "ko": ("수영이나 페달링",)},
    "yoga-strength": {"en": ("yoga",), "ko": ("요가",)},
    "freediver": {"en": ("depth", "breath-hold"), "ko": ("수심", "숨 참기")},
    "scuba": {"en": ("dive computer", "flying"), "ko": ("다이브 컴퓨터", "비행")},
}


def test_the_next_session_fits_the_sport_and_the_state(advised: dict[tuple[str, str], Advised]) -> None:
    assert set(NEXT_SESSION) == {s.name for s in SCENARIOS}
    for name, language, a in _each(advised):
        for word in NEXT_SESSION[name][language]:
            assert word in a.advice.next_session.lower(), (name, language, a.advice.next_session)


def test_yoga_and_dives_are_coached_in_their_own_terms(advised: dict[tuple[str, str], Advised]) -> None:
    for name, language, a in _each(advised, "yoga-strength", "freediver", "scuba"):
        assert not SPEED.search(_text(a)), (name, language, _text(a))
    for name, _language, a in _each(advised, "freediver", "scuba"):
        workout = a.request.workout
        assert workout.max_depth_m is not None and workout.dive_count, name  # from the FIT dive messages
        assert f"{workout.max_depth_m:.1f} m" in a.advice.summary, name
    for language in LANGUAGES:
        freediver = advised[("freediver", language)]
        # The two deep dives of the Descent Mk1 file, 30:56 apart at the surface.
        assert "28.6 m" in freediver.advice.summary and "2:14" in freediver.advice.summary
        assert any("30:56" in item for item in freediver.advice.went_well)


# --- what Gemini is told ---------------------------------------------------------------------------------


def test_every_prompt_carries_the_history(advised: dict[tuple[str, str], Advised]) -> None:
    for name, _language, a in _each(advised):
        history, user = a.request.history, a.prompt.user
        assert history is not None, name
        if history.active_days == 1:
            assert "this is the athlete's first recorded activity" in user, name
        else:
            assert (
                f"first recorded activity: {history.days_since_first_activity} days before this one" in user
            )
            assert f"days with training: {history.active_days}" in user, name
            assert f"counted back from this day: {history.weeks_with_data}" in user, name
            assert f"days since the previous activity: {history.days_since_previous_activity}" in user, name


def test_prompts_leave_out_what_means_nothing_yet(advised: dict[tuple[str, str], Advised]) -> None:
    for name, _language, a in _each(advised):
        facts, user = derive(a.request), a.prompt.user
        numbers_of_the_load_model = re.search(r"(CTL|ATL|TSB) [-+]?\d|load / CTL", user)
        if facts.baseline_ready:
            assert numbers_of_the_load_model, name
            assert "the baseline is still being built" not in user, name
        else:
            assert not numbers_of_the_load_model, (name, user)
            if facts.family.value != "dive":
                assert "the baseline is still being built" in user, name
    overreached = advised[("overreached", "en")].prompt.user
    assert "this workout's load / CTL: 2.46" in overreached and "TSB -129.5" in overreached
    comeback = advised[("comeback", "en")].prompt.user
    assert "back after 43 days without training" in comeback and "load / CTL" not in comeback


def test_prompts_speak_each_sports_terms(advised: dict[tuple[str, str], Advised]) -> None:
    yoga = advised[("yoga-strength", "en")].prompt.user
    assert "family: strength" in yoga and "do not mention pace, speed or distance" in yoga
    assert not re.search(r"^- (distance|average pace|average speed)", yoga, re.MULTILINE)
    assert "this was a light session: it is no reason to recommend rest" in yoga
    dive = advised[("freediver", "en")].prompt.user
    for line in ("- dives: 2", "- maximum depth: 28.6 m", "- time under water, all dives: 2:14",
                 "- shortest surface interval between dives: 30:56", "breath-hold"):  # fmt: skip
        assert line in dive
    assert not re.search(
        r"^- (distance|average pace|average speed|training load|time in heart-rate)", dive, re.M
    )
    scuba = advised[("scuba", "en")].prompt.user
    assert "- kind of diving: scuba" in scuba and "- maximum depth: 17.6 m" in scuba
    triathlon = advised[("triathlete", "en")].prompt.user
    assert (
        "family: multisport" in triathlon
        and "average pace" not in triathlon
        and "average speed" not in triathlon
    )
