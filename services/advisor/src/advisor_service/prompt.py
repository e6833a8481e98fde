"""The Gemini prompt, built from numbers only.

Every line below is either a constant of this module or a formatted number; the only words that come from
the request are the sport and sub-sport, and those were reduced to a closed allow-list in `domain`. There is
no path by which a file name or a device string could reach Gemini: the request cannot carry them.

The prompt carries the same reading of the numbers as the offline coach (`facts`): how much history there
is, and the load model's numbers only once they mean something, so Gemini is not misled by a ratio of 42.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from .domain import AdviceRequest, SportFamily
from .facts import BASELINE_DAYS, BASELINE_WEEKS, DiveKind, Facts, clock, derive, distance_text, speed_text

PROMPT_VERSION = "gemini-prompt-v2"

T = TypeVar("T")

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


def _known(*facts: tuple[str, str | None]) -> list[str]:
    """A `- name: value` line for each fact the prompt has a value for."""
    return [f"- {name}: {value}" for name, value in facts if value is not None]


def _shown(value: T | None, text: Callable[[T], str], *, when: bool = True) -> str | None:
    """`value` as `text` writes it; None when it was not measured, or means nothing here (`when` false)."""
    return text(value) if value is not None and when else None


def _workout_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    w = request.workout
    endurance, dive = facts.family.endurance, facts.family is SportFamily.DIVE
    hr_share = f" ({_pct(facts.avg_hr_pct_max)} of max HR)" if facts.avg_hr_pct_max else ""
    zones = None
    if facts.zone_shares and not dive:
        zones = ", ".join(
            f"Z{i} {_pct(share)} ({clock(seconds)})"
            for i, (share, seconds) in enumerate(zip(facts.zone_shares, w.hr_zone_seconds, strict=True), 1)
        )

    def session_load(load: float) -> str:
        return f"{load:.0f} ({facts.session_load.value} session)"

    return [
        f"- sport: {w.sport} (sub-sport: {w.sub_sport}; family: {facts.family.value})",
        *_known(
            ("start (UTC)", _shown(w.start_time, lambda t: t.strftime("%Y-%m-%d %H:%M"))),
            (
                "distance",
                _shown(w.distance_m, partial(distance_text, facts.family), when=facts.family.has_distance),
            ),
            ("timer time", _shown(w.timer_time_s, clock)),
            ("moving time", _shown(w.moving_time_s, clock, when=endurance)),
            (f"average {'speed' if facts.speed_kmh else 'pace'}", speed_text(facts)),
            ("average heart rate", _shown(w.avg_hr_bpm, lambda bpm: f"{bpm:.0f} bpm{hr_share}")),
            ("maximum heart rate", _shown(w.max_hr_bpm, "{:.0f} bpm".format)),
            ("ascent", _shown(w.ascent_m, "{:.0f} m".format, when=endurance)),
            ("average power", _shown(w.avg_power_w, "{:.0f} W".format)),
            ("normalized power", _shown(w.normalized_power_w, "{:.0f} W".format)),
            ("variability index (NP / average power)", _shown(facts.variability_index, "{:.2f}".format)),
            ("intensity factor", _shown(w.intensity_factor, "{:.2f}".format)),
            ("training load", _shown(w.training_load, session_load, when=not dive)),
            ("aerobic decoupling", _shown(w.decoupling_pct, "{:.1f}%".format, when=endurance)),
            ("time in heart-rate zones", zones),
        ),
        *_dive_lines(request, facts),
    ]


def _dive_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    w = request.workout
    return _known(
        ("kind of diving", _shown(facts.dive_kind, _DIVE_KINDS.__getitem__)),
        ("dives", _shown(w.dive_count, str)),
        ("maximum depth", _shown(w.max_depth_m, "{:.1f} m".format)),
        ("average depth under water", _shown(w.avg_depth_m, "{:.1f} m".format)),
        ("time under water, all dives", _shown(w.bottom_time_s, clock)),
        ("average dive", _shown(facts.avg_dive_s, clock, when=(w.dive_count or 0) > 1)),
        ("shortest surface interval between dives", _shown(w.surface_interval_s, clock)),
    )


def _athlete_lines(request: AdviceRequest) -> list[str]:
    a = request.athlete
    lines = _known(
        ("maximum heart rate", _shown(a.max_hr_bpm, "{:.0f} bpm".format)),
        ("resting heart rate", _shown(a.rest_hr_bpm, "{:.0f} bpm".format)),
        ("lactate threshold heart rate", _shown(a.threshold_hr_bpm, "{:.0f} bpm".format)),
        ("functional threshold power", _shown(a.ftp_w, "{:.0f} W".format)),
    )
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
    training_days = ("days with training in the last 14 days", _shown(facts.training_days_14d, str))
    if facts.today is None:  # no baseline yet: the days' own loads are real, the averages are not
        days = [f"{d.date.isoformat()}: {d.load:.0f}" for d in shown if d.load > 0]
        return [
            *(["date: load (days with training only)", *days] if days else ["- no load recorded"]),
            *_known(("load in the last 7 days", _shown(facts.load_7d, "{:.0f}".format)), training_days),
        ]
    previous = f" (previous 7 days: {facts.load_prev_7d:.0f})" if facts.load_prev_7d is not None else ""
    return [
        "date: load, CTL, ATL, TSB",
        *(f"{d.date.isoformat()}: {d.load:.0f}, {d.ctl:.1f}, {d.atl:.1f}, {d.tsb:+.1f}" for d in shown),
        f"- today: CTL {facts.today.ctl:.1f}, ATL {facts.today.atl:.1f}, TSB {facts.today.tsb:+.1f}",
        *_known(
            ("CTL change over 7 days", _shown(facts.ctl_change_7d, "{:+.1f}".format)),
            ("CTL change over 28 days", _shown(facts.ctl_change_28d, "{:+.1f}".format)),
            ("load in the last 7 days", _shown(facts.load_7d, lambda load: f"{load:.0f}{previous}")),
            training_days,
            (
                "this workout's load / CTL",
                _shown(facts.load_vs_ctl, "{:.2f}".format, when=not facts.returning),
            ),
        ),
    ]


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
