"""The offline coach: the same advice structure as Gemini, from rules over the numbers, in English or Korean.

It answers when no API key is configured, when the caller asks for it, and whenever Gemini fails, so an
athlete always gets advice. The rules follow common coaching practice, in each sport family's own terms:
endurance sessions are judged by intensity (IF, heart-rate zones or heart rate), aerobic decoupling on
sessions long enough for it to mean something, pacing and length; strength and mobility sessions by what
they are for; dives by depth, time under water and surface intervals. Form (TSB), the ramp of CTL and the
session's load against fitness are read only once the history is long enough for them to mean something
(see `facts.BASELINE_DAYS`), and warnings grow with the session's load: a light session never calls for rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import AdviceRequest, AdviceText, SportFamily
from .facts import DiveKind, Facts, Intensity, Length, SessionLoad, clock, derive, distance_text, speed_text
from .language import count, particles
from .texts import (
    ACTIVITY_NAMES,
    BASES,
    EASY,
    FORMS,
    LEVELS,
    NOUNS,
    OTHER_SPORT,
    PHRASES,
    QUALITY,
    QUALITY_FTP,
    RECOVERY,
    SPORT_NAMES,
)

OFFLINE_RULES_VERSION = "offline-rules-v2"
MAX_ITEMS = 4

# Decoupling needs a steady stretch of aerobic work; on shorter sessions warm-up noise dominates it.
_DECOUPLING_MIN_S = 40 * 60
# A session this far above the athlete's fitness calls for easy days after it; this far, for a rest day.
_BIG_LOAD_RATIO = 2.0
_REST_LOAD_RATIO = 3.0
# Freedivers rest at the surface at least twice as long as each dive.
_SURFACE_TO_DIVE = 2.0
_HEAVY = (SessionLoad.HEAVY, SessionLoad.VERY_HEAVY)
_HARD = (Intensity.HARD, Intensity.VERY_HARD)


@dataclass
class _Writer:
    language: str
    went_well: list[str] = field(default_factory=list)
    to_improve: list[str] = field(default_factory=list)

    def text(self, key: str, **params: object) -> str:
        return particles(PHRASES[key][self.language].format(**params))

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.language == "en" else pair[1]

    def count(self, number: int, noun: str) -> str:
        """ "3 training days" in English; the bare number in Korean, whose templates add the counter (일, 회)."""
        return count(number, *NOUNS[noun]) if self.language == "en" else str(number)

    def minutes(self, seconds: float) -> str:
        """ "1 h 20 min" / "1시간 20분": how a session that is not a race against the clock reads."""
        hours, minutes = divmod(max(1, round(seconds / 60)), 60)
        if self.language == "en":
            return f"{hours} h {minutes} min" if hours else f"{minutes} min"
        return f"{hours}시간 {minutes}분" if hours else f"{minutes}분"

    def good(self, key: str, **params: object) -> None:
        self.went_well.append(self.text(key, **params))

    def improve(self, key: str, **params: object) -> None:
        self.to_improve.append(self.text(key, **params))


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def _form(tsb: float, w: _Writer) -> str:
    if tsb < -30:
        return w.pick(FORMS["very fatigued"])
    if tsb < -10:
        return w.pick(FORMS["productive"])
    if tsb <= 5:
        return w.pick(FORMS["balanced"])
    if tsb <= 25:
        return w.pick(FORMS["fresh"])
    return w.pick(FORMS["very fresh"])


def _named(names: dict[str, tuple[str, str]], request: AdviceRequest) -> tuple[str, str] | None:
    """The workout's entry in `names`: its sub-sport says more than its sport, so it is looked up first."""
    return names.get(request.workout.sub_sport) or names.get(request.workout.sport)


def _sport_name(request: AdviceRequest, w: _Writer) -> str:
    return w.pick(_named(SPORT_NAMES, request) or OTHER_SPORT)


def _mobility_activity(request: AdviceRequest) -> tuple[str, str] | None:
    """Yoga, pilates, mobility, breathing (the strength family's calm side) as named in a sentence; None for
    other sessions."""
    return _named(ACTIVITY_NAMES, request)


def _intro(request: AdviceRequest, facts: Facts, w: _Writer) -> str:
    workout, sport = request.workout, _sport_name(request, w)
    if facts.family is SportFamily.DIVE:
        return _dive_intro(request, facts, w, sport)
    if not facts.duration_s:
        return w.text("intro_bare", sport=sport)
    if facts.family is SportFamily.STRENGTH:
        return w.text("intro_session", sport=sport, duration=w.minutes(facts.duration_s))
    if workout.distance_m and facts.family.has_distance:
        speed = speed_text(facts)
        return w.text(
            "intro_distance",
            sport=sport,
            distance=distance_text(facts.family, workout.distance_m),
            duration=clock(facts.duration_s),
            speed=w.text("speed", value=speed) if speed else "",
        )
    return w.text("intro_duration", sport=sport, duration=clock(facts.duration_s))


def _dive_intro(request: AdviceRequest, facts: Facts, w: _Writer, sport: str) -> str:
    workout = request.workout
    if workout.max_depth_m is None or not workout.dive_count or workout.bottom_time_s is None:
        duration = w.minutes(facts.duration_s) if facts.duration_s else ""
        return (
            w.text("intro_duration", sport=sport, duration=duration)
            if duration
            else w.text("intro_bare", sport=sport)
        )
    depth = f"{workout.max_depth_m:.1f}"
    if facts.dive_kind is DiveKind.SCUBA:
        average = w.text("scuba_average", depth=f"{workout.avg_depth_m:.1f}") if workout.avg_depth_m else ""
        return w.text(
            "scuba_summary", sport=sport, under=clock(workout.bottom_time_s), depth=depth, average=average
        )
    return w.text(
        "dives_summary",
        sport=sport,
        duration=w.minutes(facts.duration_s or workout.bottom_time_s),
        dives=w.count(workout.dive_count, "dive"),
        depth=depth,
        under=clock(workout.bottom_time_s),
    )


def _context(facts: Facts, w: _Writer) -> str | None:
    """Where the session sits in the athlete's history: the baseline being built, a return, or the form."""
    if facts.family is SportFamily.DIVE:
        return None  # the load model says nothing about a dive
    history = facts.history
    if history.active_days == 1:
        return w.text("first_activity")
    if not facts.baseline_ready:
        return w.text(
            "baseline_building",
            active=w.count(history.active_days, "training_day"),
            since=w.count(history.days_since_first_activity, "day"),
        )
    assert facts.today is not None
    if facts.returning:
        drop = facts.ctl_change_28d
        return w.text(
            "returning",
            gap=history.days_since_previous_activity,
            ctl=f"{facts.today.ctl:.0f}",
            drop=w.text("returning_drop", drop=f"{-drop:.1f}") if drop is not None and drop <= -1 else "",
        )
    return w.text(
        "form", ctl=f"{facts.today.ctl:.0f}", tsb=_signed(facts.today.tsb), form=_form(facts.today.tsb, w)
    )


def _summary(request: AdviceRequest, facts: Facts, w: _Writer) -> str:
    parts = [_intro(request, facts, w)]
    workout = request.workout
    if facts.intensity.value in LEVELS:
        hr = w.text("intensity_hr", hr=f"{workout.avg_hr_bpm:.0f}") if workout.avg_hr_bpm else ""
        parts.append(
            w.text(
                "intensity",
                level=w.pick(LEVELS[facts.intensity.value]),
                basis=w.pick(BASES[facts.intensity_basis]),
                hr=hr,
            )
        )
    context = _context(facts, w)
    if context:
        parts.append(context)
    return " ".join(parts)


def _rate_state(request: AdviceRequest, facts: Facts, w: _Writer) -> None:
    """Form, fatigue and load against fitness: only with a baseline, and in proportion to the session."""
    workout, tsb = request.workout, facts.tsb
    hard = facts.intensity in _HARD
    if facts.returning:
        w.good("returned", gap=facts.history.days_since_previous_activity)
        w.improve("return_gradually")
        return
    if not facts.baseline_ready:
        if facts.session_load in _HEAVY and facts.family.endurance and workout.training_load is not None:
            w.improve("new_big_session", load=f"{workout.training_load:.0f}")
        return
    assert facts.today is not None and tsb is not None
    if tsb < -30:
        if facts.session_load.at_least_moderate:
            w.improve("deep_fatigue", tsb=_signed(tsb))
        else:
            w.good("light_when_tired", tsb=_signed(tsb))
    elif hard and tsb < -20 and facts.session_load.at_least_moderate:
        w.improve("hard_on_fatigue", tsb=_signed(tsb))
    ratio = facts.load_vs_ctl
    if ratio is not None and ratio >= _BIG_LOAD_RATIO and facts.session_load in _HEAVY:
        w.improve(
            "big_load",
            load=f"{workout.training_load:.0f}",
            ratio=f"{ratio:.1f}",
            ctl=f"{facts.today.ctl:.0f}",
        )
    if facts.ctl_change_7d is not None and facts.ctl_change_7d > 7:
        w.improve("ramp_fast", ctl7=_signed(facts.ctl_change_7d))
    elif facts.ctl_change_7d is not None and 1 <= facts.ctl_change_7d <= 7:
        w.good("steady_build", ctl7=_signed(facts.ctl_change_7d))


def _rate_endurance(request: AdviceRequest, facts: Facts, w: _Writer) -> None:
    workout, tsb = request.workout, facts.tsb
    hard = facts.intensity in _HARD
    if workout.decoupling_pct is not None and (facts.duration_s or 0) >= _DECOUPLING_MIN_S:
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
    if hard and tsb is not None and tsb >= -10 and not facts.returning:
        w.good("quality_when_fresh", tsb=_signed(tsb))

    vi = facts.variability_index
    if facts.family is SportFamily.RIDE and vi is not None:
        if vi <= 1.05:
            w.good("even_power", vi=f"{vi:.2f}")
        elif vi > 1.15:
            w.improve("uneven_power", vi=f"{vi:.2f}")

    if facts.length is Length.LONG and facts.duration_s:
        w.good("long_done", duration=clock(facts.duration_s))
    climb_threshold = {SportFamily.RUN: 20, SportFamily.WALK: 20, SportFamily.RIDE: 15}.get(facts.family)
    if climb_threshold and facts.climb_m_per_km is not None and facts.climb_m_per_km >= climb_threshold:
        w.good("climbing", ascent=f"{workout.ascent_m:.0f}", climb=f"{facts.climb_m_per_km:.0f}")
    if facts.pace_s_per_100m is not None and facts.pace_s_per_100m > 150:
        w.improve("swim_technique", pace=f"{clock(facts.pace_s_per_100m)} /100 m")


def _rate_strength(request: AdviceRequest, facts: Facts, w: _Writer) -> None:
    duration = w.minutes(facts.duration_s) if facts.duration_s else None
    activity = _mobility_activity(request)
    if activity:
        if duration:
            w.good("mobility_done", duration=duration, activity=w.pick(activity))
        w.improve("mobility_progress")
    else:
        if duration:
            w.good("strength_done", duration=duration)
        w.improve("strength_progress")


def _rate_dive(request: AdviceRequest, facts: Facts, w: _Writer) -> None:
    workout = request.workout
    if workout.max_depth_m is None or not workout.dive_count:
        w.improve("no_depth")
        return
    depth = f"{workout.max_depth_m:.1f}"
    if facts.dive_kind is DiveKind.SCUBA:
        if workout.bottom_time_s is not None and workout.avg_depth_m is not None:
            w.good("scuba_logged", under=clock(workout.bottom_time_s), depth=f"{workout.avg_depth_m:.1f}")
        w.improve("scuba_ascent")
        return
    interval, dive = workout.surface_interval_s, facts.avg_dive_s
    if interval is not None and dive:
        if interval >= _SURFACE_TO_DIVE * dive:
            w.good("recovered_well", interval=clock(interval), dive=clock(dive))
        else:
            w.improve("short_surface", interval=clock(interval), dive=clock(dive))
    if not w.went_well:
        w.good("dives_logged", dives=w.count(workout.dive_count, "dive"), depth=depth)
    w.improve("freedive_safety")


def _rate(request: AdviceRequest, facts: Facts, w: _Writer) -> None:
    """Add went-well and to-improve points, most important first."""
    if facts.family is SportFamily.DIVE:
        _rate_dive(request, facts, w)
        return
    _rate_state(request, facts, w)
    if facts.family is SportFamily.STRENGTH:
        _rate_strength(request, facts, w)
    else:
        _rate_endurance(request, facts, w)

    days = facts.training_days_14d
    if days is not None and not facts.returning:
        if days >= 8 and not (facts.tsb is not None and facts.tsb < -30):  # no praise for digging a hole
            w.good("consistent", days=days)
        elif days <= 3:
            w.improve("inconsistent", days=w.count(days, "training_day"))
    tsb = facts.tsb
    if tsb is not None and tsb > 25 and not facts.returning:
        w.improve("detraining", tsb=_signed(tsb))

    if facts.family is not SportFamily.STRENGTH:
        if request.workout.avg_hr_bpm is None:
            w.improve("no_hr")
        elif request.athlete.max_hr_bpm is None and request.athlete.threshold_hr_bpm is None:
            w.improve("set_profile")
    if not facts.baseline_ready:
        w.improve("build_routine")

    if not w.went_well:
        w.good("first_step" if facts.history.active_days == 1 else "completed")
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


def _needs_rest(facts: Facts) -> bool:
    """A rest day: only with a baseline, never after a light session, never on a comeback."""
    if not facts.baseline_ready or facts.returning or not facts.session_load.at_least_moderate:
        return False
    deep_fatigue = facts.tsb is not None and facts.tsb < -30
    huge = (
        facts.load_vs_ctl is not None
        and facts.load_vs_ctl >= _REST_LOAD_RATIO
        and facts.session_load in _HEAVY
    )
    return deep_fatigue or huge


def _next_session(request: AdviceRequest, facts: Facts, w: _Writer) -> str:
    family = facts.family
    if family is SportFamily.DIVE:
        if facts.dive_kind is DiveKind.SCUBA:
            return w.text("next_scuba")
        return w.text("next_snorkel" if facts.dive_kind is DiveKind.SNORKEL else "next_freedive")
    if family is SportFamily.STRENGTH:
        activity = _mobility_activity(request)
        return w.text("next_mobility", activity=w.pick(activity)) if activity else w.text("next_strength")
    if _needs_rest(facts):
        return w.text("next_rest", recovery=w.pick(RECOVERY[family]))
    cap = _zone2_cap(request, w)
    easy = w.pick(EASY[family])
    if facts.returning:  # the gentlest session of the sport: the body has to get used to training again
        return w.text("next_return", recovery=w.pick(RECOVERY[family]))
    hard_or_long = facts.intensity in _HARD or facts.length is Length.LONG or facts.session_load in _HEAVY
    if not facts.baseline_ready:
        return w.text("next_easy" if hard_or_long else "next_build", session=easy, cap=cap)
    if hard_or_long:
        return w.text("next_easy", session=easy, cap=cap)
    if facts.tsb is not None and facts.tsb >= -10:
        ftp = request.athlete.ftp_w
        if family is SportFamily.RIDE and ftp:
            session = w.pick(QUALITY_FTP).format(lo=f"{ftp * 0.90:.0f}", hi=f"{ftp * 0.95:.0f}")
        else:
            session = w.pick(QUALITY[family])
        return w.text("next_quality", session=session)
    return w.text("next_absorb", session=easy, cap=cap)


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
        next_session=_capitalized(_next_session(request, facts, writer)),
    )


def _capitalized(text: str) -> str:
    """Sessions are written to sit inside sentences ("a 40 min easy run"); the suggestion starts one."""
    return text[:1].upper() + text[1:]
