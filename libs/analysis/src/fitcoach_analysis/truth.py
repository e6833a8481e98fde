"""Metric truth: each computed value beside the device's own, with the difference and the verdict.

A FIT file carries the device's summary (`session` messages) and the samples it was computed from; FitCoach
recomputes the summary from the samples. This module is the one comparison of the two, shared by
`fitctl truth` (anyone's files) and the metric-truth tests (fixtures + corpus). A computed value is
compared only under the device's own definition (e.g. avg_speed_mps = distance / timer time, cadence and
power averages with zeros); the other honest definitions have names of their own and are not compared.

Tolerances are those of ../shared/design/METRICS.md, and ours (with why) for the metrics it leaves open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tolerance:
    """Within when |computed − device| ≤ max(relative · |device|, absolute)."""

    relative: float
    absolute: float
    text: str

    def bound(self, device: float) -> float:
        return max(self.relative * abs(device), self.absolute)


# Where a device stores a value in coarse units (whole watts, mm/s), half that unit is added: a 37 W
# average is any of 36.5-37.5 W before rounding, more than 1 % of it.
TOLERANCES: dict[str, Tolerance] = {
    "distance_m": Tolerance(0.005, 0.0, "±0.5 %"),
    "timer_time_s": Tolerance(0.01, 2.0, "±1 % or 2 s"),
    # Elapsed time is the span of the session's records: the same tolerance as timer time.
    "elapsed_time_s": Tolerance(0.01, 2.0, "±1 % or 2 s"),
    # Distance / timer time: ±1 %, or what 2 s of timer time (its tolerance) moves on a short leg.
    "avg_speed_mps": Tolerance(0.01, 0.0005, "±1 % or 2 s of timer time"),
    # Devices keep the raw maximum of 1 Hz data they may not record (smart recording): ±5 %.
    "max_speed_mps": Tolerance(0.05, 0.0005, "±5 %"),
    "avg_hr_bpm": Tolerance(0.0, 1.0, "±1 bpm"),
    "max_hr_bpm": Tolerance(0.0, 1.0, "±1 bpm"),
    "ascent_m": Tolerance(0.10, 10.0, "±10 % or 10 m"),
    "descent_m": Tolerance(0.10, 10.0, "±10 % or 10 m"),
    "avg_power_w": Tolerance(0.01, 0.5, "±1 %"),
    "max_power_w": Tolerance(0.01, 0.5, "±1 %"),
    "normalized_power_w": Tolerance(0.02, 0.5, "±2 %"),
    # Devices store whole rpm (strides: ×2 → steps), so 1 unit of rounding (2 for steps) plus 2 %.
    "avg_cadence": Tolerance(0.02, 2.0, "±2 % or 2"),
    "max_cadence": Tolerance(0.02, 2.0, "±2 % or 2"),
    "min_altitude_m": Tolerance(0.02, 2.0, "±2 % or 2 m"),
    "max_altitude_m": Tolerance(0.02, 2.0, "±2 % or 2 m"),
}
#: The metrics compared, in table order.
METRICS = tuple(TOLERANCES)
#: The session summary every device writes (the issue-11 set): the agreement target is over these; the
#: extremes (max speed, power and cadence, min/max altitude) are compared too and reported beside them.
SUMMARY_METRICS = (
    "distance_m",
    "timer_time_s",
    "elapsed_time_s",
    "avg_speed_mps",
    "avg_hr_bpm",
    "max_hr_bpm",
    "ascent_m",
    "descent_m",
    "avg_power_w",
    "normalized_power_w",
    "avg_cadence",
)
# Totals a device writes as 0 when it measured nothing (no speed sensor indoors, no altimeter, Zwift's
# descent): like a 0 heart rate or power, which device.py already reads as absent, a 0 here is no value.
_ZERO_IS_UNMEASURED = frozenset({"distance_m", "avg_speed_mps", "max_speed_mps", "ascent_m", "descent_m"})


@dataclass(frozen=True)
class Pair:
    """One (session, metric) comparison."""

    session: int  # 0-based index in the file
    sport: str
    metric: str
    device: float
    computed: float | None
    bound: float  # the largest |difference| within tolerance

    @property
    def difference(self) -> float | None:
        return None if self.computed is None else self.computed - self.device

    @property
    def within(self) -> bool:
        return self.difference is not None and abs(self.difference) <= self.bound

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "sport": self.sport,
            "metric": self.metric,
            "device": self.device,
            "computed": self.computed,
            "difference": self.difference,
            "tolerance": TOLERANCES[self.metric].text,
            "within": self.within,
        }


def session_pairs(index: int, session: Mapping[str, Any]) -> list[Pair]:
    """The pairs of one analysed session (a `Session` dict of `analyze`): every metric the device reports."""
    device, computed = session["device"], session["computed"]
    pairs = []
    for metric, tolerance in TOLERANCES.items():
        value = device.get(metric)
        if value is None or (value == 0 and metric in _ZERO_IS_UNMEASURED):
            continue
        mine = computed.get(metric)
        bound = tolerance.bound(value)
        if metric == "avg_speed_mps" and device.get("timer_time_s"):
            bound = max(bound, abs(value) * 2.0 / device["timer_time_s"])
        pairs.append(Pair(index, session.get("sport") or "", metric, value, mine, bound))
    return pairs


def result_pairs(result: Mapping[str, Any]) -> list[Pair]:
    """Every pair of an `analyze` result, session by session."""
    return [p for k, s in enumerate(result["sessions"]) for p in session_pairs(k, s)]


@dataclass
class Tally:
    within: int = 0
    total: int = 0

    def add(self, within: bool) -> None:
        self.within += within
        self.total += 1

    @property
    def share(self) -> float | None:
        return self.within / self.total if self.total else None


#: The rows of an agreement table after the metrics.
SUMMARY_TOTAL, ALL_TOTAL = "summary total", "all metrics"


def agreement(pairs: Iterable[Pair]) -> dict[str, Tally]:
    """Pairs within tolerance per metric (METRICS order, only metrics with pairs), then the total over
    SUMMARY_METRICS and the total over every metric."""
    per = {metric: Tally() for metric in METRICS}
    summary, everything = Tally(), Tally()
    for pair in pairs:
        per[pair.metric].add(pair.within)
        everything.add(pair.within)
        if pair.metric in SUMMARY_METRICS:
            summary.add(pair.within)
    table = {metric: tally for metric, tally in per.items() if tally.total}
    table[SUMMARY_TOTAL], table[ALL_TOTAL] = summary, everything
    return table


def agreement_table(tables: Mapping[str, Mapping[str, Tally]]) -> str:
    """A Markdown table: one row per metric, one column per named set of pairs (e.g. fixtures, corpus)."""
    rows = [m for m in (*METRICS, SUMMARY_TOTAL, ALL_TOTAL) if any(m in t for t in tables.values())]

    def cell(tally: Tally | None) -> str:
        if tally is None or not tally.total:
            return "-"
        return f"{tally.within}/{tally.total} ({100 * tally.within / tally.total:.1f} %)"

    lines = ["| metric | tolerance | " + " | ".join(tables) + " |", "|---|---|" + "---|" * len(tables)]
    for row in rows:
        label = row if row in TOLERANCES else f"**{row}**"
        text = TOLERANCES[row].text if row in TOLERANCES else ""
        lines.append(f"| {label} | {text} | " + " | ".join(cell(t.get(row)) for t in tables.values()) + " |")
    return "\n".join(lines)
