"""Metric truth: computed values against the device's own, on the fixtures and the corpus of other devices.

Every (file, session, metric) pair is compared by fitcoach_analysis.truth (the comparison `fitctl truth`
runs too). A pair out of tolerance must be listed in metric_truth_misses.toml with its reason, and a listed
pair must really miss (one that starts agreeing is removed, so the list stays true); the README's agreement
table must be the one these pairs give.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach_analysis import InvalidFitFile, analyze, drop_none
from fitcoach_analysis.device import cadence_factor
from fitcoach_analysis.truth import (
    SUMMARY_METRICS,
    TOLERANCES,
    Pair,
    agreement,
    agreement_table,
    result_pairs,
)
from fitcoach_stack.fixtures import FIT, FIT_CORPUS, REPOSITORY, fixture_path
from google.protobuf import json_format

FIXTURE_FILES = sorted(p.name for p in FIT.glob("*.fit"))
CORPUS_FILES = sorted(p.name for p in FIT_CORPUS.glob("*.fit"))
# broken-bad-crc.fit has intact data and only a wrong file CRC: the decoder accepts it with a warning
# (as fitdecode's default reader does), so it is analysed like any valid file.
VALID = [f for f in FIXTURE_FILES if not f.startswith("broken-") or f == "broken-bad-crc.fit"]
BROKEN = [f for f in FIXTURE_FILES if f not in VALID]
# A synthetic benchmark file whose session message does not describe its records at all.
SYNTHETIC = {
    "stress-bryton-100k-records-synthetic.fit": "synthetic benchmark file: the session says 32 172 m and "
    "30 877 s elapsed, its records cover 406 m over 99 997 s; only used for speed and size limits",
}
COMPARED = {"fixtures": [f for f in VALID if f not in SYNTHETIC], "corpus": CORPUS_FILES}
ALL_COMPARED = [f for files in COMPARED.values() for f in files]
MISSES_FILE = Path(__file__).with_name("metric_truth_misses.toml")
README = REPOSITORY / "README.md"


@cache
def analyzed(name: str) -> dict[str, Any]:
    return analyze(fixture_path(name).read_bytes())


@cache
def pairs(name: str) -> list[Pair]:
    return result_pairs(analyzed(name))


@cache
def misses() -> dict[tuple[str, int, str], dict[str, Any]]:
    """(file, session, metric) -> its [[miss]] entry, from metric_truth_misses.toml."""
    data = tomllib.loads(MISSES_FILE.read_text())
    out: dict[tuple[str, int, str], dict[str, Any]] = {}
    for entry in data["miss"]:
        assert entry["reason"] in data["reason"], f"{entry['file']}: unknown reason {entry['reason']!r}"
        for metric in entry["metrics"]:
            key = (entry["file"], entry["session"], metric)
            assert key not in out, f"{key} is listed twice"
            out[key] = entry
    return out


def test_file_lists_are_complete() -> None:
    assert len(FIXTURE_FILES) == 24 and len(BROKEN) == 7 and "broken-bad-crc.fit" in VALID
    assert len(CORPUS_FILES) == 80 and not set(FIXTURE_FILES) & set(CORPUS_FILES)


def test_misses_file_names_real_pairs_and_only_known_reasons() -> None:
    data = tomllib.loads(MISSES_FILE.read_text())
    assert {r["kind"] for r in data["reason"].values()} <= {"device", "ours"}
    used = {entry["reason"] for entry in data["miss"]}
    assert used == set(data["reason"]), "every reason is used, every used reason is defined"
    for file, session, metric in misses():
        assert file in ALL_COMPARED, file
        assert (session, metric) in {(p.session, p.metric) for p in pairs(file)}, (file, session, metric)


@pytest.mark.parametrize("name", ALL_COMPARED)
def test_each_pair_agrees_or_is_a_listed_miss(name: str) -> None:
    unlisted, stale, wrong_alternative = [], [], []
    for p in pairs(name):
        entry = misses().get((name, p.session, p.metric))
        if not p.within and entry is None:
            unlisted.append(
                f"session {p.session} {p.metric}: device {p.device} vs computed {p.computed} "
                f"(tolerance {TOLERANCES[p.metric].text})"
            )
        if p.within and entry is not None:
            stale.append(f"session {p.session} {p.metric}: now within tolerance, remove it from the misses")
        if entry is not None and "agrees" in entry:
            # The reason says our other definition matches the device: it must.
            other = analyzed(name)["sessions"][p.session]["computed"].get(entry["agrees"])
            if other is None or abs(other - p.device) > p.bound:
                wrong_alternative.append(f"session {p.session} {entry['agrees']} = {other} vs {p.device}")
    assert not unlisted and not stale and not wrong_alternative, "\n".join(
        unlisted + stale + wrong_alternative
    )


def agreement_tables() -> dict[str, Any]:
    by_set = {label: [p for f in files for p in pairs(f)] for label, files in COMPARED.items()}
    tables = {label: agreement(ps) for label, ps in by_set.items()}
    tables["fixtures + corpus"] = agreement([p for ps in by_set.values() for p in ps])
    return tables


def test_readme_shows_this_agreement_table() -> None:
    expected = agreement_table(agreement_tables())
    block = re.search(
        r"<!-- metric-truth-table -->\n(.*?)\n<!-- /metric-truth-table -->", README.read_text(), re.S
    )
    assert block is not None, "README.md lacks the metric-truth table markers"
    assert block.group(1) == expected, f"README.md's agreement table is stale; it is now:\n{expected}"


def test_readme_counts_the_summary_misses_by_kind() -> None:
    # The README's argument for the figure it reaches (how many misses are ours, how many the devices')
    # must be the one the misses file gives.
    kinds = {name: r["kind"] for name, r in tomllib.loads(MISSES_FILE.read_text())["reason"].items()}
    count = {"ours": 0, "device": 0}
    for name in ALL_COMPARED:
        for p in pairs(name):
            if p.metric in SUMMARY_METRICS and not p.within:
                count[kinds[misses()[(name, p.session, p.metric)]["reason"]]] += 1
    text = " ".join(README.read_text().split())
    total = count["ours"] + count["device"]
    assert f"Of the {total} summary misses, {count['ours']} are ours" in text
    assert f"The other {count['device']} depend on what the file does not hold" in text


def test_device_values_are_read_as_fitdecode_reads_them() -> None:
    # SESSIONS.json holds what fitdecode reads from each corpus session: our decoder reads the same device
    # numbers, so a disagreement is never a misread summary. (fitdecode names a run's cadence
    # avg_running_cadence, which SESSIONS.json leaves out; device.py reads both names.)
    names = {
        "total_distance": "distance_m",
        "total_timer_time": "timer_time_s",
        "total_elapsed_time": "elapsed_time_s",
        "avg_speed": "avg_speed_mps",
        "max_speed": "max_speed_mps",
        "avg_heart_rate": "avg_hr_bpm",
        "max_heart_rate": "max_hr_bpm",
        "total_ascent": "ascent_m",
        "total_descent": "descent_m",
        "avg_power": "avg_power_w",
        "max_power": "max_power_w",
        "normalized_power": "normalized_power_w",
        "avg_cadence": "avg_cadence",
        "total_calories": "calories_kcal",
    }
    absent_when_zero = {"avg_hr_bpm", "max_hr_bpm", "avg_power_w", "max_power_w", "normalized_power_w"}
    sessions = json.loads((FIT_CORPUS / "SESSIONS.json").read_text())
    assert sorted(sessions) == CORPUS_FILES
    compared = 0
    for name in CORPUS_FILES:
        ours = analyzed(name)["sessions"]
        assert len(ours) == len(sessions[name]["sessions"]), name
        for session, theirs in zip(ours, sessions[name]["sessions"], strict=True):
            assert session["sport"] == theirs["sport"], name
            for field, metric in names.items():
                value = theirs[field]
                value = value[0] if isinstance(value, list) else value
                if value is None or (value == 0 and metric in absent_when_zero):
                    continue
                if metric == "avg_cadence":
                    value *= cadence_factor(session["sport"])  # + fractional cadence, in device.py
                    assert session["device"][metric] == pytest.approx(value, abs=1.0), (name, metric)
                else:
                    assert session["device"][metric] == pytest.approx(value), (name, metric)
                compared += 1
    assert compared > 900


def test_synthetic_file_is_analysed_but_not_compared() -> None:
    (session,) = analyzed("stress-bryton-100k-records-synthetic.fit")["sessions"]
    assert session["computed"]["elapsed_time_s"] > 3 * session["device"]["elapsed_time_s"]
    assert analyzed("stress-bryton-100k-records-synthetic.fit")["record_count"] == 99998


@pytest.mark.parametrize("name", [*VALID, *CORPUS_FILES])
def test_invariants(name: str) -> None:
    result = analyzed(name)
    assert result["sessions"], "every valid file has at least one session"
    for s in result["sessions"]:
        c = s["computed"]
        if c.get("timer_time_s") is not None:
            assert 0 <= c["moving_time_s"] <= c["timer_time_s"] + 1e-6
            assert c["timer_time_s"] <= c["elapsed_time_s"] + 2.0
        assert c["calories_kcal"] is None  # calories: the device's number only (METRICS.md)
        if c.get("avg_speed_mps") is not None:
            # The device's definition (over timer time; a pool swim's over its swimming lengths), and the
            # moving speed (when anything moved) never below it.
            if s["swim"] is None:
                assert c["avg_speed_mps"] == pytest.approx(c["distance_m"] / c["timer_time_s"])
            if c["moving_speed_mps"] is not None:
                assert c["moving_speed_mps"] >= c["avg_speed_mps"] - 1e-9
        if c.get("max_speed_mps") is not None:
            assert c["robust_max_speed_mps"] <= c["max_speed_mps"]
        if c.get("avg_cadence") is not None and s["swim"] is None:
            assert c["avg_cadence"] in (c["avg_cadence_with_zeros"], c["avg_cadence_nonzero"])
        assert c["training_load_method"] in {"tss", "hrtss", "duration"}
        assert c["training_load"] is not None and c["training_load"] >= 0


@pytest.mark.parametrize("name", [*VALID, *CORPUS_FILES])
def test_result_is_json_and_parses_into_the_protos(name: str) -> None:
    result = analyzed(name)
    json.dumps(result, allow_nan=False)  # strict JSON: no NaN/Infinity anywhere
    for s in result["sessions"]:
        message = json_format.ParseDict(drop_none(s), pb.Session())
        assert message.sport == s["sport"]
        assert len(message.laps) == len(s["laps"])
        if s["computed"].get("moving_speed_mps") is not None:
            assert message.computed.moving_speed_mps == pytest.approx(s["computed"]["moving_speed_mps"])
        assert len(message.streams.elapsed_s) <= 500
    summary = json_format.ParseDict(drop_none(result["summary"]), pb.MetricSet())
    assert summary.training_load_method == result["summary"]["training_load_method"]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_files_raise_invalid_fit_file(name: str) -> None:
    with pytest.raises(InvalidFitFile, match=r"^not a valid FIT file: "):
        analyze((FIT / name).read_bytes())
