"""The Gemini prompt, built from numbers only.

Every line below is either a constant of this module or a formatted number; the only words that come from
the request are the sport and sub-sport, and those were reduced to a closed allow-list in `domain`. There is
no path by which a file name or a device string could reach Gemini: the request cannot carry them.

The prompt carries the same reading of the numbers as the offline coach (`facts`): how much history there
is, and the load model's numbers only once they mean something, so Gemini is not misled by a ratio of 42.
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain import AdviceRequest, SportFamily
from .facts import BASELINE_DAYS, BASELINE_WEEKS, DiveKind, Facts, clock, derive, distance_text, speed_text

PROMPT_VERSION = "gemini-prompt-v2"

# The history shown day by day; older days only count through CTL/ATL and the weekly sums.
DAYS_SHOWN = 14

_LANGUAGE_RULE = {
    "en": "Write every text field in English.",
    "ko": "Write every text field in Korean (한국어), in a friendly polite style (해요체).",
}

_SYSTEM = """\
You are an experienced coach reviewing one workout of an athlete: endurance sports, strength and mobility
work, and diving.
You receive only numbers: the workout as measured by a sports watch or dive computer, the athlete's
physiological settings when known, how much training history exists, and — once that history is long
enough to mean something — the daily training load (CTL = fitness, 42-day average; ATL = fatigue, 7-day
average; TSB = form = CTL - ATL). Ground every statement in these numbers and quote the ones you rely on.
Never invent values that are not given; when an important number is missing, say what it would tell you.
Follow the coaching notes: they say what the history allows you to judge and in which terms to speak of
this sport. Keep warnings in proportion to the session and the athlete's state: a light session never calls
for rest. Do not give medical diagnoses.
Answer with JSON matching the response schema:
- summary: two or three sentences on what the workout was and how it fits the athlete's history.
- went_well: one to four short, specific points.
- to_improve: one to four short, specific points.
- next_session: one concrete session for next time, in this sport's own terms (for endurance: type,
  duration, intensity as zone, pace or power), and when to do it.
{language_rule}"""

_FAMILY_NOTES = {
    SportFamily.STRENGTH: "This is a strength, yoga or mobility session: speak of duration, effort and what "
    "the session is for; do not mention pace, speed or distance; suggest a next session of the same kind or "
    "an easy aerobic one.",
    SportFamily.DIVE: "This is a dive session: judge it by depth, time under water and surface intervals; do "
    "not mention pace, speed, distance, heart-rate zones or training load (heart rate drops under water); "
    "suggest a next session that suits diving and its safety rules.",
    SportFamily.MULTISPORT: "This activity holds several sports: do not quote one pace or speed for all of it.",
    SportFamily.OTHER: "This sport is not an endurance sport FitCoach knows: do not quote a pace or speed.",
}
_DIVE_KINDS = {
    DiveKind.FREEDIVE: "breath-hold (freediving): surface intervals of at least twice the dive time",
    DiveKind.SCUBA: "scuba: slow ascents, safety stops, surface interval before the next dive and flying",
    DiveKind.SNORKEL: "snorkelling: short breath-hold dives from the surface",
}


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    version: str = PROMPT_VERSION


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def _workout_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    w = request.workout
    lines = [f"- sport: {w.sport} (sub-sport: {w.sub_sport}; family: {facts.family.value})"]
    if w.start_time is not None:
        lines.append(f"- start (UTC): {w.start_time.strftime('%Y-%m-%d %H:%M')}")
    if w.distance_m is not None and facts.family.has_distance:
        lines.append(f"- distance: {distance_text(facts.family, w.distance_m)}")
    if w.timer_time_s is not None:
        lines.append(f"- timer time: {clock(w.timer_time_s)}")
    if w.moving_time_s is not None and facts.family.endurance:
        lines.append(f"- moving time: {clock(w.moving_time_s)}")
    if (speed := speed_text(facts)) is not None:
        lines.append(f"- average {'speed' if facts.speed_kmh else 'pace'}: {speed}")
    if w.avg_hr_bpm is not None:
        share = f" ({_pct(facts.avg_hr_pct_max)} of max HR)" if facts.avg_hr_pct_max else ""
        lines.append(f"- average heart rate: {w.avg_hr_bpm:.0f} bpm{share}")
    if w.max_hr_bpm is not None:
        lines.append(f"- maximum heart rate: {w.max_hr_bpm:.0f} bpm")
    if w.ascent_m is not None and facts.family.endurance:
        lines.append(f"- ascent: {w.ascent_m:.0f} m")
    if w.avg_power_w is not None:
        lines.append(f"- average power: {w.avg_power_w:.0f} W")
    if w.normalized_power_w is not None:
        lines.append(f"- normalized power: {w.normalized_power_w:.0f} W")
    if facts.variability_index is not None:
        lines.append(f"- variability index (NP / average power): {facts.variability_index:.2f}")
    if w.intensity_factor is not None:
        lines.append(f"- intensity factor: {w.intensity_factor:.2f}")
    if w.training_load is not None and facts.family is not SportFamily.DIVE:
        lines.append(f"- training load: {w.training_load:.0f} ({facts.session_load.value} session)")
    if w.decoupling_pct is not None and facts.family.endurance:
        lines.append(f"- aerobic decoupling: {w.decoupling_pct:.1f}%")
    if facts.zone_shares and facts.family is not SportFamily.DIVE:
        zones = ", ".join(
            f"Z{i} {_pct(share)} ({clock(seconds)})"
            for i, (share, seconds) in enumerate(zip(facts.zone_shares, w.hr_zone_seconds, strict=True), 1)
        )
        lines.append(f"- time in heart-rate zones: {zones}")
    return lines + _dive_lines(request, facts)


def _dive_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    w = request.workout
    lines = []
    if facts.dive_kind is not None:
        lines.append(f"- kind of diving: {_DIVE_KINDS[facts.dive_kind]}")
    if w.dive_count is not None:
        lines.append(f"- dives: {w.dive_count}")
    if w.max_depth_m is not None:
        lines.append(f"- maximum depth: {w.max_depth_m:.1f} m")
    if w.avg_depth_m is not None:
        lines.append(f"- average depth under water: {w.avg_depth_m:.1f} m")
    if w.bottom_time_s is not None:
        lines.append(f"- time under water, all dives: {clock(w.bottom_time_s)}")
    if facts.avg_dive_s is not None and (w.dive_count or 0) > 1:
        lines.append(f"- average dive: {clock(facts.avg_dive_s)}")
    if w.surface_interval_s is not None:
        lines.append(f"- shortest surface interval between dives: {clock(w.surface_interval_s)}")
    return lines


def _athlete_lines(request: AdviceRequest) -> list[str]:
    a = request.athlete
    known = [
        ("maximum heart rate", a.max_hr_bpm, "bpm"),
        ("resting heart rate", a.rest_hr_bpm, "bpm"),
        ("lactate threshold heart rate", a.threshold_hr_bpm, "bpm"),
        ("functional threshold power", a.ftp_w, "W"),
    ]
    lines = [f"- {name}: {value:.0f} {unit}" for name, value, unit in known if value is not None]
    return lines or ["- nothing known"]


def _history_lines(facts: Facts) -> list[str]:
    history = facts.history
    if history.active_days == 1:
        return ["- this is the athlete's first recorded activity"]
    previous = history.days_since_previous_activity
    return [
        f"- first recorded activity: {history.days_since_first_activity} days before this one",
        f"- days with training: {history.active_days}",
        f"- 7-day blocks with training, counted back from this day: {history.weeks_with_data}",
        f"- days since the previous activity: {previous}",
    ]


def _load_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    shown = request.recent_days[-DAYS_SHOWN:]
    if facts.today is None:  # no baseline yet: the days' own loads are real, the averages are not
        days = [f"{d.date.isoformat()}: {d.load:.0f}" for d in shown if d.load > 0]
        lines = ["date: load (days with training only)", *days] if days else ["- no load recorded"]
        if facts.load_7d is not None:
            lines.append(f"- load in the last 7 days: {facts.load_7d:.0f}")
        if facts.training_days_14d is not None:
            lines.append(f"- days with training in the last 14 days: {facts.training_days_14d}")
        return lines
    lines = ["date: load, CTL, ATL, TSB"]
    lines += [f"{d.date.isoformat()}: {d.load:.0f}, {d.ctl:.1f}, {d.atl:.1f}, {d.tsb:+.1f}" for d in shown]
    lines.append(f"- today: CTL {facts.today.ctl:.1f}, ATL {facts.today.atl:.1f}, TSB {facts.today.tsb:+.1f}")
    if facts.ctl_change_7d is not None:
        lines.append(f"- CTL change over 7 days: {facts.ctl_change_7d:+.1f}")
    if facts.ctl_change_28d is not None:
        lines.append(f"- CTL change over 28 days: {facts.ctl_change_28d:+.1f}")
    if facts.load_7d is not None:
        previous = f" (previous 7 days: {facts.load_prev_7d:.0f})" if facts.load_prev_7d is not None else ""
        lines.append(f"- load in the last 7 days: {facts.load_7d:.0f}{previous}")
    if facts.training_days_14d is not None:
        lines.append(f"- days with training in the last 14 days: {facts.training_days_14d}")
    if facts.load_vs_ctl is not None and not facts.returning:
        lines.append(f"- this workout's load / CTL: {facts.load_vs_ctl:.2f}")
    return lines


def _notes(facts: Facts) -> list[str]:
    """What the numbers allow: the same limits the offline coach keeps to."""
    notes = [f"- length for this sport: {facts.length.value}"]
    if facts.intensity.value != "unknown":
        notes.append(f"- intensity: {facts.intensity.value} (judged from {facts.intensity_basis})")
    if facts.family is not SportFamily.DIVE:
        if not facts.baseline_ready:
            notes.append(
                f"- the baseline is still being built: the load model needs about {BASELINE_DAYS} days of history "
                f"with training in at least {BASELINE_WEEKS} of its weeks before CTL, ATL and TSB mean anything. "
                "Say so, judge this session on its own (duration, intensity from the zones, decoupling, "
                "pacing), and make no judgment of fitness, fatigue or form and no rest advice based on them."
            )
        elif facts.returning:
            notes.append(
                f"- the athlete is back after {facts.history.days_since_previous_activity} days without "
                "training: recommend a gradual return (mostly easy weeks), neither rest nor hard sessions yet."
            )
        if facts.session_load.value == "light":
            notes.append("- this was a light session: it is no reason to recommend rest.")
    if facts.family in _FAMILY_NOTES:
        notes.append(f"- {_FAMILY_NOTES[facts.family]}")
    return notes


def build_prompt(request: AdviceRequest) -> Prompt:
    facts = derive(request)
    sections = [
        ("Workout", _workout_lines(request, facts)),
        ("Athlete", _athlete_lines(request)),
        ("Training history", _history_lines(facts)),
    ]
    if facts.family is not SportFamily.DIVE:
        title = f"Training load, last {DAYS_SHOWN} days" + (
            "" if facts.baseline_ready else " (no CTL/ATL/TSB yet)"
        )
        sections.append((title, _load_lines(request, facts)))
    sections.append(("Coaching notes", _notes(facts)))
    user = "\n\n".join(f"{title}:\n" + "\n".join(lines) for title, lines in sections)
    system = _SYSTEM.format(language_rule=_LANGUAGE_RULE[request.language])
    return Prompt(system=system, user=user)
