"""Human-readable text for activities (the JSON shape lives in convert.py; this only formats it)."""

from __future__ import annotations

import textwrap
from typing import Any

# Sports whose speed reads better as a pace (min/km); swims use min/100 m; everything else km/h.
PACE_SPORTS = frozenset({"running", "walking", "hiking", "trail_running", "training"})
SWIM_SPORTS = frozenset({"swimming"})
# Dives are read by depth and time under water; their surface distance and speed mean nothing.
DIVE_SPORTS = frozenset({"diving", "snorkeling"})
# The advice's own labels, in the language the advice is written in.
ADVICE_LABELS = {
    "en": {
        "advice": "advice",
        "went_well": "went well",
        "to_improve": "to improve",
        "next_session": "next session",
    },
    "ko": {"advice": "코칭", "went_well": "잘한 점", "to_improve": "보완할 점", "next_session": "다음 훈련"},
}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def distance(metres: float | None) -> str:
    if metres is None:
        return "-"
    return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"


def pace(speed_mps: float | None, per_m: float = 1000.0) -> str:
    if not speed_mps:
        return "-"
    return duration(per_m / speed_mps)


def rate(speed_mps: float | None, sport: str | None) -> str:
    """A lap's or split's speed the way the sport reads it: pace for runs, /100 m for swims, else km/h."""
    if not speed_mps:
        return "-"
    if sport in SWIM_SPORTS:
        return f"{pace(speed_mps, 100.0)} /100 m"
    if sport in PACE_SPORTS or sport is None:
        return f"{pace(speed_mps)} /km"
    return f"{speed_mps * 3.6:.1f} km/h"


def _hr(bpm: float | None) -> str:
    return f"HR {bpm:.0f}" if bpm else ""


def speed_line(metrics: dict[str, Any], sport: str | None) -> str | None:
    """Moving pace (or speed) first, as athletes read it, then the average over timer time (the device's)
    when stops make them differ; grade-adjusted pace for runs."""
    avg, moving, top = (
        metrics.get("avg_speed_mps"),
        metrics.get("moving_speed_mps"),
        metrics.get("max_speed_mps"),
    )
    main = moving or avg
    if not main:
        return None
    with_stops = avg if moving and avg and abs(moving - avg) > 0.005 * moving else None
    kmh = f"{main * 3.6:.1f} km/h" + (f" (max {top * 3.6:.1f})" if top else "")
    if sport in SWIM_SPORTS:
        stops = f" ({pace(with_stops, 100.0)} /100 m with rests)" if with_stops else ""
        return f"{pace(main, 100.0)} /100 m{stops}   ({kmh})"
    if sport in PACE_SPORTS or sport is None:
        stops = f" ({pace(with_stops)} /km with stops)" if with_stops else ""
        gap = metrics.get("gap_speed_mps")
        grade = f", grade-adjusted {pace(gap)} /km" if gap else ""
        return f"{pace(main)} /km{stops}{grade}   ({kmh})"
    return kmh + (f", {with_stops * 3.6:.1f} km/h with stops" if with_stops else "")


def _other(value: float | None, shown: float | None, text: str) -> str:
    """`text` with the other definition of an average, when it differs from the one shown by 1 or more."""
    if value is None or shown is None or abs(value - shown) < 1.0:
        return ""
    return text.format(value)


def _pair(avg: float | None, top: float | None, unit: str) -> str | None:
    if avg is None and top is None:
        return None
    parts = []
    if avg is not None:
        parts.append(f"avg {avg:.0f}")
    if top is not None:
        parts.append(f"max {top:.0f}")
    return " ".join(parts) + f" {unit}"


def _power_line(m: dict[str, Any]) -> str | None:
    power = _pair(m.get("avg_power_w"), m.get("max_power_w"), "W")
    if power is not None and m.get("normalized_power_w"):
        power += f", NP {m['normalized_power_w']:.0f} W"
    if power is not None:
        power += _other(m.get("avg_power_nonzero_w"), m.get("avg_power_w"), " (avg {:.0f} W while pedalling)")
    return power


def _cadence_line(m: dict[str, Any]) -> str | None:
    """The device's average cadence, and the other average (with or without zeros) when it differs."""
    cadence = _pair(m.get("avg_cadence"), m.get("max_cadence"), "/min")
    if cadence is None:
        return None
    shown = m.get("avg_cadence")
    if shown is not None and shown == m.get("avg_cadence_nonzero"):
        return cadence + _other(m.get("avg_cadence_with_zeros"), shown, " (avg {:.0f} with stops)")
    return cadence + _other(m.get("avg_cadence_nonzero"), shown, " (avg {:.0f} without stops)")


def _depth_line(m: dict[str, Any]) -> str | None:
    if m.get("max_depth_m") is None:
        return None
    average = f", avg {m['avg_depth_m']:.1f} m" if m.get("avg_depth_m") is not None else ""
    return f"max {m['max_depth_m']:.1f} m{average}"


def _dives_line(m: dict[str, Any]) -> str | None:
    if not m.get("dive_count"):
        return None
    parts = [str(m["dive_count"])]
    if m.get("bottom_time_s") is not None:
        parts.append(f"{duration(m['bottom_time_s'])} under water")
    if m.get("surface_interval_s") is not None:
        parts.append(f"shortest surface interval {duration(m['surface_interval_s'])}")
    return ", ".join(parts)


def metric_lines(metrics: dict[str, Any] | None, sport: str | None) -> list[tuple[str, str]]:
    """(label, value) rows for the headline numbers that are present."""
    if not metrics:
        return []
    m = metrics
    dive = sport in DIVE_SPORTS
    rows: list[tuple[str, str | None]] = [
        ("distance", distance(m["distance_m"]) if m.get("distance_m") is not None and not dive else None),
        (
            "time",
            None
            if m.get("timer_time_s") is None and m.get("moving_time_s") is None
            else f"moving {duration(m.get('moving_time_s'))}  timer {duration(m.get('timer_time_s'))}"
            + (f"  elapsed {duration(m['elapsed_time_s'])}" if m.get("elapsed_time_s") is not None else ""),
        ),
        (
            "pace" if sport in PACE_SPORTS | SWIM_SPORTS or sport is None else "speed",
            None if dive else speed_line(m, sport),
        ),
        ("depth", _depth_line(m)),
        ("dives", _dives_line(m)),
        ("heart rate", _pair(m.get("avg_hr_bpm"), m.get("max_hr_bpm"), "bpm")),
        ("power", _power_line(m)),
        # Lowest W' balance (set only when the athlete's profile has CP and W'); negative = went deeper
        # than the profile allows.
        ("W'bal min", None if m.get("w_bal_min_j") is None else f"{m['w_bal_min_j'] / 1000:.1f} kJ"),
        ("cadence", _cadence_line(m)),
        (
            "ascent",
            None
            if m.get("ascent_m") is None
            else f"{m['ascent_m']:.0f} m"
            + (f"  (descent {m['descent_m']:.0f} m)" if m.get("descent_m") else ""),
        ),
        ("calories", None if m.get("calories_kcal") is None else f"{m['calories_kcal']:.0f} kcal"),
        (
            "load",
            None
            if m.get("training_load") is None
            else f"{m['training_load']:.0f} ({m.get('training_load_method') or '?'})",
        ),
    ]
    return [(label, value) for label, value in rows if value]


def _bullets(items: list[str], indent: str) -> list[str]:
    lines = []
    for item in items:
        wrapped = textwrap.wrap(item, width=96, initial_indent=f"{indent}- ", subsequent_indent=f"{indent}  ")
        lines.extend(wrapped or [f"{indent}-"])
    return lines


def advice_lines(advice: dict[str, Any] | None, advice_status: str | None) -> list[str]:
    if not advice:
        return [f"  advice: {advice_status}"] if advice_status and advice_status != "ready" else []
    engine = advice.get("engine") or "?"
    coach = f"{engine}" + (f", {advice['model']}" if advice.get("model") else "")
    if advice.get("fallback_reason"):
        coach += f"; {advice['fallback_reason']}"
    labels = ADVICE_LABELS.get(advice.get("language") or "en", ADVICE_LABELS["en"])
    lines = [f"  {labels['advice']} ({coach}):"]
    if advice.get("summary"):
        lines += textwrap.wrap(advice["summary"], width=98, initial_indent="    ", subsequent_indent="    ")
    for key in ("went_well", "to_improve"):
        if advice.get(key):
            lines.append(f"    {labels[key]}:")
            lines += _bullets(advice[key], "      ")
    if advice.get("next_session"):
        lines += textwrap.wrap(
            advice["next_session"],
            width=98,
            initial_indent=f"    {labels['next_session']}: ",
            subsequent_indent="      ",
        )
    return lines


def activity_text(item: dict[str, Any], *, details: bool = False) -> str:
    """A block of text for one activity dict (convert.activity_dict, or an upload result)."""
    status = item.get("status") or "?"
    title = f"{item.get('file') or '?'}: {status}"
    if item.get("duplicate"):
        title += " (already uploaded)"
    if item.get("activity_id"):
        title += f"  [{item['activity_id']}]"
    lines = [title]
    if item.get("error"):
        lines.append(f"  error: {item['error']}")
    about = [v for v in (item.get("sport"), item.get("start_time"), item.get("device")) if v]
    if about:
        lines.append("  " + " · ".join(about))
    rows = metric_lines(item.get("metrics"), item.get("sport"))
    lines += [f"  {label:<11} {value}" for label, value in rows]
    if details:
        lines += session_lines(item.get("sessions") or [])
    lines += advice_lines(item.get("advice"), item.get("advice_status"))
    return "\n".join(lines)


def session_lines(sessions: list[dict[str, Any]]) -> list[str]:
    """Laps and km splits of full session dicts (fitctl show)."""
    lines: list[str] = []
    for number, session in enumerate(sessions, 1):
        sport = session.get("sport")
        if len(sessions) > 1:
            lines.append(f"  session {number}: {session.get('sport') or '?'}")
            lines += [
                f"    {label:<11} {value}"
                for label, value in metric_lines(session.get("computed"), session.get("sport"))
            ]
        laps = session.get("laps") or []
        if isinstance(laps, list) and laps:
            lines.append("  laps:")
            for lap in laps:
                m = lap.get("metrics") or {}
                lines.append(
                    f"    {lap.get('index') or '?':>3}  {distance(m.get('distance_m')):>9}  "
                    f"{duration(m.get('timer_time_s')):>8}  {rate(m.get('avg_speed_mps'), sport):>12}  "
                    f"{_hr(m.get('avg_hr_bpm'))}"
                )
        splits = session.get("splits_km") or []
        if isinstance(splits, list) and splits:
            lines.append("  km splits:")
            for split in splits:
                metres, seconds = split.get("distance_m"), split.get("time_s")
                speed = metres / seconds if metres and seconds else None
                lines.append(
                    f"    {split.get('index') or '?':>3}  {distance(metres):>9}  "
                    f"{duration(seconds):>8}  {rate(speed, sport):>12}  {_hr(split.get('avg_hr_bpm'))}"
                )
    return lines


def list_table(items: list[dict[str, Any]]) -> str:
    header = f"{'activity id':<36}  {'start (UTC)':<19}  {'sport':<10}  {'distance':>9}  {'time':>8}  {'status':<10}  file"
    rows = [header]
    for item in items:
        m = item.get("metrics") or {}
        start = (item.get("start_time") or "")[:19].replace("T", " ")
        rows.append(
            f"{item.get('activity_id') or '':<36}  {start:<19}  {(item.get('sport') or '-'):<10}  "
            f"{distance(m.get('distance_m')):>9}  {duration(m.get('timer_time_s')):>8}  "
            f"{item.get('status') or '?':<10}  {item.get('file') or ''}"
        )
    return "\n".join(rows)
