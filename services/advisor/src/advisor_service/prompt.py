"""The Gemini prompt, built from numbers only.

Every line below is either a constant of this module or a formatted number; the only words that come from
the request are the sport and sub-sport, and those were reduced to a closed allow-list in `domain`. There is
no path by which a file name or a device string could reach Gemini: the request cannot carry them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain import AdviceRequest
from .facts import Facts, clock, derive, distance_text, speed_text

PROMPT_VERSION = "gemini-prompt-v1"

# The history shown day by day; older days only count through CTL/ATL and the weekly sums.
DAYS_SHOWN = 14

_LANGUAGE_RULE = {
    "en": "Write every text field in English.",
    "ko": "Write every text field in Korean (한국어), in a friendly polite style (해요체).",
}

_SYSTEM = """\
You are an experienced endurance coach reviewing one workout of an athlete.
You receive only numbers: the workout as measured by a sports watch, the athlete's physiological settings
when known, and the recent daily training load (CTL = fitness, 42-day average; ATL = fatigue, 7-day average;
TSB = form = CTL - ATL). Ground every statement in these numbers and quote the ones you rely on. Never
invent values that are not given; when an important number is missing, say what it would tell you.
Judge the workout in the context of the recent training load: a hard session on deep fatigue is different
from the same session when fresh. Do not give medical diagnoses.
Answer with JSON matching the response schema:
- summary: two or three sentences on what the workout was and how it fits the recent training.
- went_well: one to four short, specific points.
- to_improve: one to four short, specific points.
- next_session: one concrete session for next time (type, duration, intensity as zone, pace or power) and
  when to do it given the current form.
{language_rule}"""


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    version: str = PROMPT_VERSION


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def _workout_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    w = request.workout
    lines = [f"- sport: {w.sport} (sub-sport: {w.sub_sport})"]
    if w.start_time is not None:
        lines.append(f"- start (UTC): {w.start_time.strftime('%Y-%m-%d %H:%M')}")
    if w.distance_m is not None:
        lines.append(f"- distance: {distance_text(facts.family, w.distance_m)}")
    if w.timer_time_s is not None:
        lines.append(f"- timer time: {clock(w.timer_time_s)}")
    if w.moving_time_s is not None:
        lines.append(f"- moving time: {clock(w.moving_time_s)}")
    if (speed := speed_text(facts)) is not None:
        lines.append(f"- average {'speed' if facts.speed_kmh else 'pace'}: {speed}")
    if w.avg_hr_bpm is not None:
        share = f" ({_pct(facts.avg_hr_pct_max)} of max HR)" if facts.avg_hr_pct_max else ""
        lines.append(f"- average heart rate: {w.avg_hr_bpm:.0f} bpm{share}")
    if w.max_hr_bpm is not None:
        lines.append(f"- maximum heart rate: {w.max_hr_bpm:.0f} bpm")
    if w.ascent_m is not None:
        lines.append(f"- ascent: {w.ascent_m:.0f} m")
    if w.avg_power_w is not None:
        lines.append(f"- average power: {w.avg_power_w:.0f} W")
    if w.normalized_power_w is not None:
        lines.append(f"- normalized power: {w.normalized_power_w:.0f} W")
    if facts.variability_index is not None:
        lines.append(f"- variability index (NP / average power): {facts.variability_index:.2f}")
    if w.intensity_factor is not None:
        lines.append(f"- intensity factor: {w.intensity_factor:.2f}")
    if w.training_load is not None:
        lines.append(f"- training load: {w.training_load:.0f}")
    if w.decoupling_pct is not None:
        lines.append(f"- aerobic decoupling: {w.decoupling_pct:.1f}%")
    if facts.zone_shares:
        zones = ", ".join(
            f"Z{i} {_pct(share)} ({clock(seconds)})"
            for i, (share, seconds) in enumerate(zip(facts.zone_shares, w.hr_zone_seconds, strict=True), 1)
        )
        lines.append(f"- time in heart-rate zones: {zones}")
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


def _load_lines(request: AdviceRequest, facts: Facts) -> list[str]:
    if facts.today is None:
        return ["- no training history available"]
    lines = ["date: load, CTL, ATL, TSB"]
    lines += [
        f"{d.date.isoformat()}: {d.load:.0f}, {d.ctl:.1f}, {d.atl:.1f}, {d.tsb:+.1f}"
        for d in request.recent_days[-DAYS_SHOWN:]
    ]
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
    if facts.load_vs_ctl is not None:
        lines.append(f"- this workout's load / CTL: {facts.load_vs_ctl:.2f}")
    return lines


def build_prompt(request: AdviceRequest) -> Prompt:
    facts = derive(request)
    reading = [f"- length for this sport: {facts.length.value}"]
    if facts.intensity.value != "unknown":
        reading.append(f"- intensity: {facts.intensity.value} (judged from {facts.intensity_basis})")
    sections = [
        ("Workout", _workout_lines(request, facts)),
        ("Athlete", _athlete_lines(request)),
        (f"Training load, last {DAYS_SHOWN} days shown", _load_lines(request, facts)),
        ("Pre-computed reading of the numbers", reading),
    ]
    user = "\n\n".join(f"{title}:\n" + "\n".join(lines) for title, lines in sections)
    system = _SYSTEM.format(language_rule=_LANGUAGE_RULE[request.language])
    return Prompt(system=system, user=user)
