"""decode() on every fixture, checked against what SUMMARY.json says fitdecode reads from each file."""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cache
from typing import Any

import numpy as np
import pytest
from fitcoach_analysis.fit import DecodedActivity, InvalidFitFile, decode, decode_reference
from fitcoach_analysis.fit.model import SAMPLE_FIELDS
from fitcoach_stack.fixtures import FIT as FIXTURES

SUMMARY: dict[str, Any] = json.loads((FIXTURES / "SUMMARY.json").read_text())
# Files the default fitdecode reader accepts (broken-bad-crc.fit only warns) vs. those it rejects; the
# empty file raises nothing in fitdecode but is no activity either.
VALID = sorted(
    name for name, s in SUMMARY.items() if s["exception_default"] is None and s["num_fit_headers"] > 0
)
BROKEN = sorted(set(SUMMARY) - set(VALID))


@cache
def decoded(name: str) -> DecodedActivity:
    return decode((FIXTURES / name).read_bytes())


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, int):  # device-relative FIT time, counted from the FIT epoch
        return dt.datetime.fromtimestamp(631065600 + value, dt.UTC)
    return dt.datetime.fromisoformat(value)


def test_fixture_lists_cover_both_kinds() -> None:
    assert "broken-bad-crc.fit" in VALID and "broken-empty.fit" in BROKEN
    assert len(VALID) == 17 and len(BROKEN) == 7


@pytest.mark.parametrize("name", VALID)
def test_counts_match_fitdecode(name: str) -> None:
    expected, activity = SUMMARY[name], decoded(name)
    assert activity.record_count == expected["record_count"]
    assert len(activity.sessions) == expected["num_sessions"]
    assert len(activity.headers) == expected["num_fit_headers"]
    assert len(activity.file_ids) == len(expected["file_id"])
    assert sum(len(s.laps) for s in activity.sessions) == expected["lap_msgs"]
    assert sum(len(s.lengths) for s in activity.sessions) == expected["length_msgs"]
    assert [h["data_size"] for h in activity.headers] == [h["body_size"] for h in expected["fit_headers"]]


@pytest.mark.parametrize("name", VALID)
def test_session_values_match_the_device(name: str) -> None:
    expected = sorted(SUMMARY[name]["sessions"], key=lambda s: _as_datetime(s["start_time"]))
    for session, device in zip(decoded(name).sessions, expected, strict=True):
        fields = session.fields
        assert session.sport == device["sport"]
        assert session.sub_sport == device.get("sub_sport")
        assert fields["start_time"] == _as_datetime(device["start_time"])
        assert fields["start_time"].tzinfo is not None
        for key in (
            "total_distance",
            "total_elapsed_time",
            "total_timer_time",
            "avg_heart_rate",
            "total_calories",
        ):
            assert fields.get(key) == device.get(key), key
        # enhanced values are preferred and scalar, even where the file stores an array (FR255)
        if device.get("enhanced_avg_speed") is not None:
            enhanced = device["enhanced_avg_speed"]
            enhanced = enhanced[0] if isinstance(enhanced, list) else enhanced
            assert fields["avg_speed"] == fields["enhanced_avg_speed"] == enhanced


def _window_start(fields: dict[str, Any]) -> float:
    start = fields["start_time"].timestamp()
    end = fields["timestamp"].timestamp() if fields.get("timestamp") else start
    if end > start and fields.get("total_elapsed_time") is not None:
        start = min(start, end - fields["total_elapsed_time"])
    return start


@pytest.mark.parametrize("name", VALID)
def test_samples_are_aligned_sorted_and_inside_their_session(name: str) -> None:
    activity = decoded(name)
    total = 0
    for i, session in enumerate(activity.sessions):
        samples = session.samples
        arrays = [getattr(samples, f) for f in SAMPLE_FIELDS]
        assert all(a.dtype == np.float64 and a.shape == (len(samples),) for a in arrays)
        assert np.all(np.diff(samples.time_s) >= 0)
        if len(samples):
            assert samples.time_s[0] >= _window_start(session.fields)
            if i + 1 < len(activity.sessions):
                assert samples.time_s[-1] < _window_start(activity.sessions[i + 1].fields)
        total += len(samples)
    assert total <= activity.record_count
    # every fixture's records fall inside its sessions, but for a handful recorded before the first start
    assert total >= activity.record_count - 2


@pytest.mark.parametrize("name", VALID)
def test_streams_present_as_summary_says(name: str) -> None:
    expected = dict(SUMMARY[name]["records_with"])
    # HR also comes from hr messages (straps storing beats during swims), merged into the samples.
    expected["heart_rate"] += SUMMARY[name]["msg_counts"].get("hr", 0)
    merged = {
        f: np.concatenate([getattr(s.samples, f) for s in decoded(name).sessions]) for f in SAMPLE_FIELDS
    }
    for stream, field in (
        ("heart_rate_bpm", "heart_rate"),
        ("power_w", "power"),
        ("lat_deg", "position_lat"),
    ):
        assert (np.count_nonzero(~np.isnan(merged[stream])) > 0) == (expected[field] > 0), stream
    lat = merged["lat_deg"][~np.isnan(merged["lat_deg"])]
    assert np.all(np.abs(lat) <= 90)


def test_record_values_are_scaled_like_fitdecode() -> None:
    samples = decoded("run-fenix2-gps-hr.fit").sessions[0].samples
    derived = SUMMARY["run-fenix2-gps-hr.fit"]["record_derived"]
    assert np.nanmax(samples.heart_rate_bpm) == derived["rec_max_hr"]
    assert math.isclose(np.nanmax(samples.distance_m), derived["rec_last_distance_m"], abs_tol=0.01)
    assert 40 < np.nanmean(samples.lat_deg) < 60 and np.nanmax(samples.speed_mps) < 10


def test_compressed_timestamps_accumulate() -> None:
    activity = decoded("run-fr70-footpod-compressed-ts.fit")
    times = activity.sessions[0].samples.time_s
    assert not np.isnan(times).any() and len(np.unique(times)) > 700
    # device-relative start (no real date in the file) → no local offset can be derived
    assert activity.local_offset_s is None
    span = times[-1] - times[0]
    assert abs(span - activity.sessions[0].fields["total_elapsed_time"]) < 5


def test_pool_swim_takes_heart_rate_from_the_chained_hrm_files() -> None:
    # No record carries heart_rate: every record gets the beats of the hr messages since the one before.
    (session,) = decoded("swim-pool-fr735xt-chained-hr.fit").sessions
    assert session.sub_sport == "lap_swimming" and len(session.lengths) == 166
    hr = session.samples.heart_rate_bpm
    assert len(hr) == 4376 and np.isfinite(hr).all()
    assert np.max(hr) == session.fields["max_heart_rate"] == 161
    assert np.all(hr == np.round(hr)) and 60 < np.min(hr) < np.mean(hr) < 150


def test_multisport_sessions_are_ordered_and_split() -> None:
    activity = decoded("triathlon-fr255-session-first.fit")
    starts = [s.fields["start_time"] for s in activity.sessions]
    assert starts == sorted(starts)
    assert [s.sport for s in activity.sessions] == [
        "swimming",
        "transition",
        "cycling",
        "transition",
        "running",
    ]


def test_chained_files_keep_both_file_ids_and_device() -> None:
    activity = decoded("chained-two-activities-fenix5.fit")
    assert len(activity.file_ids) == 2 and len(activity.headers) == 2
    assert activity.device == {"manufacturer": "garmin", "product": "fenix5", "serial_number": 3945849289}
    assert [s.sport for s in activity.sessions] == ["running", "cycling"]


def test_local_offset_from_activity_message() -> None:
    assert decoded("broken-bad-crc.fit").local_offset_s == -7 * 3600
    assert decoded("run-fenix2-gps-hr.fit").local_offset_s == 2 * 3600


def test_bad_crc_is_a_warning_not_an_error() -> None:
    activity = decoded("broken-bad-crc.fit")
    assert any("CRC" in w for w in activity.warnings)
    assert activity.record_count == 17


@pytest.mark.parametrize("name", BROKEN)
def test_broken_files_raise_one_clear_error(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    for decoder in (decode, decode_reference):
        with pytest.raises(InvalidFitFile) as info:
            decoder(data)
        assert str(info.value).startswith("not a valid FIT file: ")
        assert len(str(info.value)) > len("not a valid FIT file: ") + 3


def test_a_file_cut_short_says_it_is_truncated() -> None:
    # Regression: the header promises more data than the file holds; the reason said "corrupt data" (an
    # index running off the end) where the athlete needs to hear that the file was cut short.
    with pytest.raises(InvalidFitFile, match=r"truncated: the FIT header @ 0 announces \d+ bytes of data"):
        decode((FIXTURES / "broken-truncated.fit").read_bytes())


def test_caps_refuse_oversized_input() -> None:
    data = (FIXTURES / "run-fr70-footpod-compressed-ts.fit").read_bytes()
    with pytest.raises(InvalidFitFile, match="too large"):
        decode(data, max_bytes=1000)
    with pytest.raises(InvalidFitFile, match="too many messages"):
        decode(data, max_messages=100)


# Zero padding after the last complete FIT file: accepted with a warning, deliberately unlike fitdecode.
CHAINED = "chained-two-activities-fenix5.fit"


@pytest.mark.parametrize("pad", [1, 11, 12, 4096])
def test_zero_padding_after_the_last_file_is_ignored_with_a_warning(pad: int) -> None:
    data = (FIXTURES / CHAINED).read_bytes()
    plain, padded = decode(data), decode(data + bytes(pad))
    assert padded.warnings == [
        *plain.warnings,
        f"zero padding after the last FIT file @ {len(data)} ({pad} bytes) ignored",
    ]
    padded.warnings = plain.warnings
    assert padded == plain


@pytest.mark.parametrize(
    "tail",
    [
        bytes(20) + b"\x01",
        b"\x0e" + bytes(13),
        b"\x0e.FIT",
        bytes(3) + (FIXTURES / "broken-truncated.fit").read_bytes(),
    ],
    ids=["zeros then a byte", "a header size then zeros", "a short header", "zeros then a broken file"],
)
def test_anything_but_zeros_after_the_last_file_is_still_an_error(tail: bytes) -> None:
    with pytest.raises(InvalidFitFile, match=r"^not a valid FIT file: "):
        decode((FIXTURES / CHAINED).read_bytes() + tail)


def test_fitdecode_rejects_the_padding_fitcoach_accepts() -> None:
    # The one deliberate difference from the reference decoder (see test_fit_differential.py).
    with pytest.raises(InvalidFitFile, match=r"^not a valid FIT file: "):
        decode_reference((FIXTURES / CHAINED).read_bytes() + bytes(16))
