"""The fast decoder against fitdecode, the reference: same messages, same values, same verdict on bad bytes.

One deliberate difference in verdict: zero bytes after the last complete FIT file (padding some devices and
sync tools append) are ignored with a warning, where fitdecode fails the whole file on the "header" they
make; anything else after the last file is rejected by both (test_fit_decode.py). No difference in the
values compared here. Both decoders leave developer fields out (FitCoach does not use them), and decode()
reads only the summary messages it needs besides the records; the message-by-message comparison below
therefore runs the fast decoder's per-message path over every message.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import numpy as np
import pytest
from fitcoach_analysis.fit import InvalidFitFile, decode, decode_reference
from fitcoach_analysis.fit.assemble import RECORD_COLUMNS, RawActivity, assemble
from fitcoach_analysis.fit.crc import crc16
from fitcoach_analysis.fit.fast import decode_fast_raw, iter_messages
from fitcoach_analysis.fit.reference import decode_reference_raw
from fitcoach_analysis.fit.scan import PADDING_WARNING
from fitcoach_stack.fixtures import FIT as FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SUMMARY: dict[str, Any] = json.loads((FIXTURES / "SUMMARY.json").read_text())
VALID = sorted(n for n, s in SUMMARY.items() if s["exception_default"] is None and s["num_fit_headers"] > 0)


@cache
def reference(name: str) -> tuple[RawActivity, list[tuple[str, dict[str, Any]]]]:
    """fitdecode's decoding of a fixture, once per test session (it costs ~3 s/MB)."""
    every: list[tuple[str, dict[str, Any]]] = []
    raw = decode_reference_raw((FIXTURES / name).read_bytes(), every_message=every)
    return raw, every


@pytest.mark.parametrize("name", VALID)
def test_every_field_of_every_message_matches_fitdecode(name: str) -> None:
    _, expected = reference(name)
    actual = [(d.name, fields) for d, _, fields in iter_messages((FIXTURES / name).read_bytes())]
    assert (
        len(actual)
        == len(expected)
        == SUMMARY[name]["record_count"]
        + sum(c for m, c in SUMMARY[name]["msg_counts"].items() if m != "record")
    )
    for i, ((name_a, fields_a), (name_e, fields_e)) in enumerate(zip(actual, expected, strict=True)):
        assert name_a == name_e, i
        assert fields_a == fields_e, (
            i,
            name_e,
            {k for k in fields_a.keys() | fields_e.keys() if fields_a.get(k) != fields_e.get(k)},
        )


@pytest.mark.parametrize("name", VALID)
def test_vectorised_record_columns_match_fitdecode(name: str) -> None:
    expected, _ = reference(name)
    actual = decode_fast_raw((FIXTURES / name).read_bytes())
    assert actual.record_count == expected.record_count
    all_missing = np.full(expected.record_count, np.nan)
    for column in RECORD_COLUMNS:
        # the fast decoder leaves out a column no record layout has; the reference fills it with NaN
        values = actual.records.get(column, all_missing)
        assert np.array_equal(values, expected.records[column], equal_nan=True), column
    assert actual.warnings == expected.warnings
    assert actual.headers == expected.headers
    # the beats of hr messages (vectorised per layout) against the ones read from fitdecode's raw values
    assert actual.beats.keys() == expected.beats.keys()
    for column, values in expected.beats.items():
        assert np.array_equal(actual.beats[column], values, equal_nan=True), column


@pytest.mark.parametrize("name", VALID)
def test_decode_equals_decode_reference(name: str) -> None:
    expected, _ = reference(name)
    assert decode((FIXTURES / name).read_bytes()) == assemble(expected)


def test_crc_matches_fitdecode_on_every_fixture() -> None:
    from fitdecode.utils import compute_crc

    for name in ("run-fr70-footpod-compressed-ts.fit", "broken-bad-crc.fit", "cycle-zwift-virtual.fit"):
        data = (FIXTURES / name).read_bytes()
        assert crc16(data) == compute_crc(data)
    assert crc16(b"123456789") == 0xBB3D  # the CRC-16/ARC check value


# --- fuzzing: mutated real files -------------------------------------------------------------------------

SEEDS = ["broken-bad-crc.fit", "run-fr70-footpod-compressed-ts.fit", "chained-two-activities-fenix5.fit"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray((FIXTURES / draw(st.sampled_from(SEEDS))).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "truncate", "delete", "insert", "pad"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x40, 0x0E]))
        elif kind == "truncate":
            del data[at:]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            data += bytes(draw(st.integers(1, 64)))
        if not data:
            break
    return bytes(data)


PYTHON_EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|struct\.error")


def _outcome(decoder: Any, data: bytes) -> Any:
    try:
        return decoder(data)
    except InvalidFitFile as exc:
        assert str(exc).startswith("not a valid FIT file: ")
        # The reason is shown to the athlete: no Python exception names ("IndexError: index out of range").
        assert not PYTHON_EXCEPTION_NAME.search(str(exc)), str(exc)
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated())
def test_mutated_files_get_the_same_verdict_and_values(data: bytes) -> None:
    # Anything but InvalidFitFile escaping either decoder fails the test.
    expected = _outcome(decode_reference, data)
    actual = _outcome(decode, data)
    padding = _padding_offset(actual)
    if padding is not None:
        # The deliberate difference: fitdecode reads the file without its zero padding exactly as we read
        # the padded one (less the warning saying so).
        assert not any(data[padding:])
        expected = _outcome(decode_reference, data[:padding])
        assert expected is not None and actual is not None
        actual.warnings = actual.warnings[:-1]
    assert (actual is None) == (expected is None)
    if expected is not None:
        assert actual == expected


def _padding_offset(activity: Any) -> int | None:
    """Where the zero padding starts, from the decoder's warning (None without padding)."""
    warnings = activity.warnings if activity is not None else []
    found = [w for w in warnings if w.startswith(PADDING_WARNING)]
    return int(found[0].split("@ ")[1].split(" ")[0]) if found else None


def _retype_record_field(data: bytes, field_num: int, base_type: int, message: str = "record") -> bytes:
    """The file with one field's base type changed in every definition of a message (sizes unchanged)."""
    import fitdecode

    out = bytearray(data)
    reader = fitdecode.FitReader(data, keep_raw_chunks=True, check_crc=fitdecode.CrcCheck.DISABLED)
    with reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDefinitionMessage) and frame.name == message:
                for i, field_def in enumerate(frame.field_defs):
                    if field_def.def_num == field_num:
                        out[frame.chunk.offset + 6 + 3 * i + 2] = base_type
    return bytes(out)


@pytest.mark.parametrize(("field_num", "base_type"), [(3, 0x0D), (3, 0x07), (253, 0x0D)])
def test_unusual_record_layouts_take_the_per_message_path_with_the_same_result(
    field_num: int, base_type: int
) -> None:
    # heart_rate stored as a byte array or a string: the vectorised record path hands such layouts to the
    # per-message path, which must still agree with fitdecode. A timestamp stored as bytes: both reject.
    data = _retype_record_field((FIXTURES / "broken-bad-crc.fit").read_bytes(), field_num, base_type)
    assert data != (FIXTURES / "broken-bad-crc.fit").read_bytes()
    expected = _outcome(decode_reference, data)
    assert _outcome(decode, data) == expected
    if expected is not None:
        assert expected.record_count == 17


def test_unusual_hr_layouts_take_the_per_message_path_with_the_same_result() -> None:
    # filtered_bpm stored as bytes: the vectorised hr path hands the layouts to the per-message one; the
    # beats are the same values, so the merged heart rate must not change.
    name = "swim-pool-fr735xt-chained-hr.fit"
    original = (FIXTURES / name).read_bytes()
    data = _retype_record_field(original, 6, 0x0D, message="hr")
    assert data != original
    expected = decode_reference(data)
    assert decode(data) == expected
    assert expected.sessions[0].samples == decode(original).sessions[0].samples
    assert np.isfinite(expected.sessions[0].samples.heart_rate_bpm).all()
