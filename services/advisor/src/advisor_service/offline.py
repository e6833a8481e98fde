"""The offline coach: the same advice structure as Gemini, from rules over the numbers, in English or Korean.

It answers when no API key is configured, when the caller asks for it, and whenever Gemini fails, so an
athlete always gets advice. The rules follow common endurance-coaching practice: judge intensity from IF,
heart-rate zones or heart rate; read aerobic decoupling on sessions long enough for it to mean something;
read form from TSB and the ramp of CTL; compare the session's load with the athlete's fitness.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import AdviceRequest, AdviceText, SportFamily
from .facts import Facts, Intensity, Length, clock, derive, distance_text, speed_text

OFFLINE_RULES_VERSION = "offline-rules-v1"
MAX_ITEMS = 4

# Decoupling needs a steady stretch of aerobic work; on shorter sessions warm-up noise dominates it.
_DECOUPLING_MIN_S = 40 * 60

_T: dict[str, dict[str, str]] = {
    # summary
    "intro_distance": {
        "en": "{sport} of {distance} in {duration}{speed}.",
        "ko": "{sport} {distance}, {duration}{speed}.",
    },
    "intro_duration": {"en": "{sport} of {duration}.", "ko": "{sport} {duration}."},
    "intro_bare": {"en": "{sport} recorded.", "ko": "{sport} 기록이에요."},
    "speed": {"en": " at {value}", "ko": " (평균 {value})"},
    "intensity": {
        "en": "Intensity was {level} (judged from {basis}){hr}.",
        "ko": "운동 강도는 '{level}' 수준이었어요({basis} 기준{hr}).",
    },
    "intensity_hr": {"en": ", average heart rate {hr} bpm", "ko": ", 평균 심박 {hr} bpm"},
    "form": {
        "en": "You went into it with CTL {ctl} and TSB {tsb}: {form}.",
        "ko": "CTL {ctl}, TSB {tsb}로 {form}에서 한 운동이에요.",
    },
    "no_history": {
        "en": "There is no training history yet to put it in context.",
        "ko": "아직 훈련 기록이 없어 최근 부하와 비교할 수 없어요.",
    },
    # went well
    "decoupling_good": {
        "en": "Steady aerobic engine: heart rate drifted only {dec}% against your output.",
        "ko": "유산소 지구력이 안정적이에요: 출력 대비 심박 드리프트가 {dec}%에 그쳤어요.",
    },
    "easy_disciplined": {
        "en": "You kept an easy day easy: {share} of the time in zones 1–2.",
        "ko": "쉬운 날을 제대로 쉽게 보냈어요: 시간의 {share}를 존 1–2에서 보냈어요.",
    },
    "quality_when_fresh": {
        "en": "Hard work done in reasonable form (TSB {tsb}), when quality sessions pay off most.",
        "ko": "컨디션이 괜찮을 때(TSB {tsb}) 고강도 훈련을 해서 효과가 커요.",
    },
    "even_power": {
        "en": "Very even power (variability index {vi}): efficient pacing.",
        "ko": "파워가 매우 고르게 유지됐어요(VI {vi}): 효율적인 페이스 조절이에요.",
    },
    "long_done": {
        "en": "A long session of {duration} builds the endurance every other session rests on.",
        "ko": "{duration}의 장거리 훈련으로 모든 훈련의 바탕이 되는 지구력을 다졌어요.",
    },
    "steady_build": {
        "en": "Fitness is building steadily: CTL {ctl7} over the last 7 days.",
        "ko": "체력이 꾸준히 오르고 있어요: 최근 7일간 CTL {ctl7}.",
    },
    "consistent": {
        "en": "Consistent training: {days} of the last 14 days had a session.",
        "ko": "꾸준해요: 최근 14일 중 {days}일 훈련했어요.",
    },
    "climbing": {
        "en": "Plenty of climbing ({ascent} m, {climb} m per km): good strength work.",
        "ko": "오르막이 많았어요({ascent} m, km당 {climb} m): 근력에 좋은 자극이에요.",
    },
    "completed": {
        "en": "You got the session done and recorded it: consistency is what builds fitness.",
        "ko": "훈련을 마치고 기록까지 남겼어요: 꾸준함이 체력을 만들어요.",
    },
    # to improve
    "decoupling_moderate": {
        "en": "Heart rate drifted {dec}% against output: pace the start more evenly and drink and fuel on "
        "longer sessions.",
        "ko": "출력 대비 심박이 {dec}% 올랐어요(드리프트): 초반 페이스를 더 고르게 하고, 긴 훈련에서는 "
        "수분과 에너지를 보충하세요.",
    },
    "decoupling_high": {
        "en": "Large heart-rate drift ({dec}%): at this duration the aerobic base is the limiter, so add "
        "more long, easy zone 2 work.",
        "ko": "심박 드리프트가 커요({dec}%): 이 시간대에서는 유산소 기반이 부족해요. 길고 편한 존 2 훈련을 "
        "늘리세요.",
    },
    "grey_zone": {
        "en": "{share} of the time in zone 3, the grey zone: make easy days easier and hard days harder.",
        "ko": "시간의 {share}가 존 3(애매한 강도)이었어요: 쉬운 날은 더 쉽게, 힘든 날은 더 확실하게 하세요.",
    },
    "deep_fatigue": {
        "en": "Form is very low (TSB {tsb}): fatigue is piling up faster than you absorb it.",
        "ko": "컨디션 지표(TSB {tsb})가 매우 낮아요: 피로가 회복보다 빠르게 쌓이고 있어요.",
    },
    "hard_on_fatigue": {
        "en": "A hard session on accumulated fatigue (TSB {tsb}) gives less benefit and more risk: "
        "schedule hard days when you are fresher.",
        "ko": "피로가 쌓인 상태(TSB {tsb})의 고강도 훈련은 효과는 적고 위험은 커요: 힘든 훈련은 컨디션이 "
        "좋을 때 하세요.",
    },
    "ramp_fast": {
        "en": "Fitness is ramping fast (CTL {ctl7} in 7 days); more than about 5–7 a week raises the risk "
        "of injury and illness.",
        "ko": "체력(CTL)이 7일 만에 {ctl7} 변했어요: 주당 5–7 이상 오르면 부상과 질병 위험이 커져요.",
    },
    "big_load": {
        "en": "This session's load ({load}) was {ratio}× your fitness (CTL {ctl}): plan a day or two of "
        "easy training.",
        "ko": "이번 훈련 부하({load})가 체력(CTL {ctl})의 {ratio}배였어요: 하루 이틀은 가볍게 훈련하세요.",
    },
    "uneven_power": {
        "en": "Uneven power (variability index {vi}): surges cost more energy than steady riding, so "
        "smooth out the efforts.",
        "ko": "파워 변동이 커요(VI {vi}): 급가속은 고른 주행보다 에너지를 더 써요. 더 고르게 밟아 보세요.",
    },
    "inconsistent": {
        "en": "Only {days} training days in the last 14: regular shorter sessions build fitness faster "
        "than occasional big ones.",
        "ko": "최근 14일 중 훈련한 날이 {days}일뿐이에요: 가끔 하는 긴 훈련보다 짧더라도 규칙적인 훈련이 "
        "체력을 더 빨리 키워요.",
    },
    "detraining": {
        "en": "You are very fresh (TSB {tsb}): fitness fades without regular load, so it is time to build.",
        "ko": "충분히 쉬었어요(TSB {tsb}): 꾸준한 부하가 없으면 체력이 줄어요. 다시 훈련량을 늘릴 때예요.",
    },
    "swim_technique": {
        "en": "Swim pace {pace}: short technique sets (drills, 25–50 m repeats with full rest) pay off "
        "quickest.",
        "ko": "수영 페이스 {pace}: 드릴과 25–50 m 반복 같은 짧은 기술 훈련이 가장 빨리 효과를 내요.",
    },
    "no_hr": {
        "en": "No heart-rate data: wear a heart-rate sensor so intensity and drift can be judged.",
        "ko": "심박 데이터가 없어요: 심박계를 착용하면 강도와 드리프트를 판단할 수 있어요.",
    },
    "set_profile": {
        "en": "Set your maximum and threshold heart rate in your profile so zones and intensity are "
        "judged accurately.",
        "ko": "프로필에 최대 심박과 역치 심박을 설정하면 존과 강도를 더 정확히 판단할 수 있어요.",
    },
    "add_structure": {
        "en": "Give each next session a clear purpose (easy, long or hard) so each one does its job.",
        "ko": "다음 훈련마다 목적(회복, 장거리, 고강도)을 분명히 정해 보세요.",
    },
    # next session
    "next_rest": {
        "en": "Take a rest day or do {recovery} tomorrow; resume hard training once TSB is back above -10.",
        "ko": "내일은 쉬거나 {recovery} 하세요. TSB가 -10 이상으로 회복되면 다시 강도 훈련을 하세요.",
    },
    "next_easy": {
        "en": "Next: {session}, keeping heart rate in zone 2{cap}.",
        "ko": "다음 훈련: {session}, 심박은 존 2{cap}로 유지하세요.",
    },
    "next_quality": {
        "en": "Next: {session}. You are fresh enough for quality.",
        "ko": "다음 훈련: {session}. 강도 훈련을 소화할 컨디션이에요.",
    },
    "next_absorb": {
        "en": "Next: {session}, keeping heart rate in zone 2{cap}, to absorb the recent load before the "
        "next hard day.",
        "ko": "다음 훈련: {session}, 심박은 존 2{cap}로 유지하며 다음 강도 훈련 전에 최근 부하를 흡수하세요.",
    },
    "hr_cap": {"en": " (below {bpm} bpm)", "ko": "(심박 {bpm} bpm 이하)"},
}

_SPORT_NAMES = {
    "running": ("Run", "러닝"),
    "walking": ("Walk", "걷기"),
    "hiking": ("Hike", "하이킹"),
    "cycling": ("Ride", "라이딩"),
    "e_biking": ("E-bike ride", "전기자전거 라이딩"),
    "swimming": ("Swim", "수영"),
}
_OTHER_SPORT = ("Workout", "운동")

_LEVELS = {
    Intensity.EASY: ("easy", "가벼움"),
    Intensity.MODERATE: ("moderate", "중간"),
    Intensity.HARD: ("hard", "높음"),
    Intensity.VERY_HARD: ("very hard", "매우 높음"),
}
_BASES = {
    "IF": ("intensity factor", "강도 계수(IF)"),
    "HR zones": ("heart-rate zones", "심박 존"),
    "threshold HR": ("threshold heart rate", "역치 심박"),
    "max HR": ("maximum heart rate", "최대 심박"),
}

# (English, Korean) session descriptions per sport family.
_RECOVERY = {
    SportFamily.RUN: ("an easy 20–30 min jog in zone 1", "존 1에서 20–30분 가볍게 조깅을"),
    SportFamily.RIDE: ("an easy 30–45 min spin in zone 1", "존 1에서 30–45분 가볍게 페달링을"),
    SportFamily.SWIM: ("20–30 min of relaxed technique swimming", "20–30분 편한 기술 수영을"),
    SportFamily.OTHER: ("20–30 min of light movement and mobility", "20–30분 가벼운 움직임과 스트레칭을"),
}
_EASY = {
    SportFamily.RUN: ("a 40–50 min easy run", "40–50분 편한 러닝"),
    SportFamily.RIDE: ("a 60–90 min endurance ride", "60–90분 지구력 라이딩"),
    SportFamily.SWIM: ("a 30–40 min aerobic swim (e.g. 4×400 m steady)", "30–40분 유산소 수영(예: 400 m × 4 꾸준히)"),
    SportFamily.OTHER: ("a 40 min easy aerobic session", "40분 편한 유산소 운동"),
}  # fmt: skip
_QUALITY = {
    SportFamily.RUN: (
        "after a 15 min warm-up, 5×4 min in zone 4 with 3 min easy jogging between",
        "15분 워밍업 후 존 4로 4분 × 5회, 사이에 3분 조깅",
    ),
    SportFamily.RIDE: (
        "after a 15 min warm-up, 3×10 min in zone 4 with 5 min easy between",
        "15분 워밍업 후 존 4로 10분 × 3회, 사이에 5분 가볍게",
    ),
    SportFamily.SWIM: (
        "after a 400 m warm-up, 8×100 m at threshold effort with 20 s rest",
        "400 m 워밍업 후 역치 강도로 100 m × 8회, 20초 휴식",
    ),
    SportFamily.OTHER: (
        "a 30 min session with 6×2 min hard and 2 min easy",
        "2분 강하게 + 2분 가볍게 × 6회를 포함한 30분 운동",
    ),
}
_QUALITY_FTP = (
    "after a 15 min warm-up, 3×10 min at {lo}–{hi} W (90–95% of FTP) with 5 min easy between",
    "15분 워밍업 후 {lo}–{hi} W(FTP의 90–95%)로 10분 × 3회, 사이에 5분 가볍게",
)


@dataclass
class _Writer:
    language: str
    went_well: list[str] = field(default_factory=list)
    to_improve: list[str] = field(default_factory=list)

    def text(self, key: str, **params: object) -> str:
        return _T[key][self.language].format(**params)

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.language == "en" else pair[1]

    def good(self, key: str, **params: object) -> None:
        self.went_well.append(self.text(key, **params))

    def improve(self, key: str, **params: object) -> None:
        self.to_improve.append(self.text(key, **params))


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def _form(facts: Facts, w: _Writer) -> str:
    assert facts.today is not None
    tsb = facts.today.tsb
    if tsb < -30:
        return w.pick(("very fatigued", "피로가 매우 큰 상태"))
    if tsb < -10:
        return w.pick(("in a productive training block", "훈련 효과가 쌓이는 구간"))
    if tsb <= 5:
        return w.pick(("balanced", "균형 잡힌 상태"))
    if tsb <= 25:
        return w.pick(("fresh", "회복된 상태"))
    return w.pick(("very fresh, fitness may be slipping", "오래 쉬어 체력이 줄 수 있는 상태"))


def _summary(request: AdviceRequest, facts: Facts, w: _Writer) -> str:
    workout = request.workout
    sport = w.pick(_SPORT_NAMES.get(workout.sport, _OTHER_SPORT))
    speed = speed_text(facts)
    speed_part = w.text("speed", value=speed) if speed else ""
    if workout.distance_m and facts.duration_s:
        distance = distance_text(facts.family, workout.distance_m)
        parts = [
            w.text(
                "intro_distance",
                sport=sport,
                distance=distance,
                duration=clock(facts.duration_s),
                speed=speed_part,
            )
        ]
    elif facts.duration_s:
        parts = [w.text("intro_duration", sport=sport, duration=clock(facts.duration_s))]
    else:
        parts = [w.text("intro_bare", sport=sport)]
    if facts.intensity in _LEVELS:
        hr = w.text("intensity_hr", hr=f"{workout.avg_hr_bpm:.0f}") if workout.avg_hr_bpm else ""
        parts.append(
            w.text(
                "intensity",
                level=w.pick(_LEVELS[facts.intensity]),
                basis=w.pick(_BASES[facts.intensity_basis]),
                hr=hr,
            )
        )
    if facts.today is not None:
        parts.append(
            w.text("form", ctl=f"{facts.today.ctl:.0f}", tsb=_signed(facts.today.tsb), form=_form(facts, w))
        )
    else:
        parts.append(w.text("no_history"))
    return " ".join(parts)


def _rate(request: AdviceRequest, facts: Facts, w: _Writer) -> None:
    """Add went-well and to-improve points, most important first."""
    workout = request.workout
    hard = facts.intensity in (Intensity.HARD, Intensity.VERY_HARD)
    tsb = facts.today.tsb if facts.today is not None else None
    long_enough = (facts.duration_s or 0) >= _DECOUPLING_MIN_S

    # Fatigue first: it decides what the athlete should do next.
    if tsb is not None and tsb < -30:
        w.improve("deep_fatigue", tsb=_signed(tsb))
    elif hard and tsb is not None and tsb < -20:
        w.improve("hard_on_fatigue", tsb=_signed(tsb))
    if facts.load_vs_ctl is not None and facts.load_vs_ctl > 2 and facts.today is not None:
        w.improve(
            "big_load",
            load=f"{workout.training_load:.0f}",
            ratio=f"{facts.load_vs_ctl:.1f}",
            ctl=f"{facts.today.ctl:.0f}",
        )
    if facts.ctl_change_7d is not None and facts.ctl_change_7d > 7:
        w.improve("ramp_fast", ctl7=_signed(facts.ctl_change_7d))
    elif facts.ctl_change_7d is not None and 1 <= facts.ctl_change_7d <= 7:
        w.good("steady_build", ctl7=_signed(facts.ctl_change_7d))

    if workout.decoupling_pct is not None and long_enough:
        dec = f"{workout.decoupling_pct:.1f}"
        if workout.decoupling_pct < 5:
            w.good("decoupling_good", dec=dec)
        elif workout.decoupling_pct < 10:
            w.improve("decoupling_moderate", dec=dec)
        else:
            w.improve("decoupling_high", dec=dec)

    easy_share, grey_share = facts.easy_share, facts.grey_share
    if facts.intensity is Intensity.EASY and easy_share is not None and easy_share >= 0.8:
        w.good("easy_disciplined", share=_pct(easy_share))
    if not hard and grey_share is not None and grey_share >= 0.35:
        w.improve("grey_zone", share=_pct(grey_share))
    if hard and tsb is not None and tsb >= -10:
        w.good("quality_when_fresh", tsb=_signed(tsb))

    vi = facts.variability_index
    if facts.family is SportFamily.RIDE and vi is not None:
        if vi <= 1.05:
            w.good("even_power", vi=f"{vi:.2f}")
        elif vi > 1.15:
            w.improve("uneven_power", vi=f"{vi:.2f}")

    if facts.length is Length.LONG and facts.duration_s:
        w.good("long_done", duration=clock(facts.duration_s))
    climb_threshold = {SportFamily.RUN: 20, SportFamily.RIDE: 15}.get(facts.family)
    if climb_threshold and facts.climb_m_per_km is not None and facts.climb_m_per_km >= climb_threshold:
        w.good("climbing", ascent=f"{workout.ascent_m:.0f}", climb=f"{facts.climb_m_per_km:.0f}")
    if facts.pace_s_per_100m is not None and facts.pace_s_per_100m > 150:
        w.improve("swim_technique", pace=f"{clock(facts.pace_s_per_100m)} /100 m")

    days = facts.training_days_14d
    if days is not None and len(request.recent_days) >= 14:
        if days >= 8:
            w.good("consistent", days=days)
        elif days <= 3:
            w.improve("inconsistent", days=days)
    if tsb is not None and tsb > 25:
        w.improve("detraining", tsb=_signed(tsb))

    if workout.avg_hr_bpm is None:
        w.improve("no_hr")
    elif request.athlete.max_hr_bpm is None and request.athlete.threshold_hr_bpm is None:
        w.improve("set_profile")

    if not w.went_well:
        w.good("completed")
    if not w.to_improve:
        w.improve("add_structure")


def _zone2_cap(request: AdviceRequest, w: _Writer) -> str:
    athlete = request.athlete
    if athlete.threshold_hr_bpm:
        bpm = athlete.threshold_hr_bpm * 0.89  # top of zone 2 in Friel's LTHR zones
    elif athlete.max_hr_bpm:
        bpm = athlete.max_hr_bpm * 0.75
    else:
        return ""
    return w.text("hr_cap", bpm=f"{bpm:.0f}")


def _next_session(request: AdviceRequest, facts: Facts, w: _Writer) -> str:
    tsb = facts.today.tsb if facts.today is not None else None
    family = facts.family
    if (tsb is not None and tsb < -30) or (facts.load_vs_ctl is not None and facts.load_vs_ctl > 2):
        return w.text("next_rest", recovery=w.pick(_RECOVERY[family]))
    cap = _zone2_cap(request, w)
    if facts.intensity in (Intensity.HARD, Intensity.VERY_HARD) or facts.length is Length.LONG:
        return w.text("next_easy", session=w.pick(_EASY[family]), cap=cap)
    if tsb is None or tsb >= -10:
        ftp = request.athlete.ftp_w
        if family is SportFamily.RIDE and ftp:
            session = w.pick(_QUALITY_FTP).format(lo=f"{ftp * 0.90:.0f}", hi=f"{ftp * 0.95:.0f}")
        else:
            session = w.pick(_QUALITY[family])
        return w.text("next_quality", session=session)
    return w.text("next_absorb", session=w.pick(_EASY[family]), cap=cap)


def offline_advice(request: AdviceRequest) -> AdviceText:
    """Rule-based advice in the request's language; deterministic for the same numbers."""
    facts = derive(request)
    writer = _Writer(request.language)
    summary = _summary(request, facts, writer)
    _rate(request, facts, writer)
    return AdviceText(
        summary=summary,
        went_well=writer.went_well[:MAX_ITEMS],
        to_improve=writer.to_improve[:MAX_ITEMS],
        next_session=_next_session(request, facts, writer),
    )
