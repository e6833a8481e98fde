"""Heart rate from hr messages: the beats' times and the merge into records, against the Garmin FIT SDK."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import numpy as np
import pytest
from fitcoach_analysis.fit import decode
from fitcoach_analysis.fit.assemble import FIT_EPOCH_S, RawActivity, assemble
from fitcoach_analysis.fit.fast import decode_fast_raw
from fitcoach_analysis.fit.hr import BeatCollector, _carry_gaps, beat_series, merge, unpack_12
from fitcoach_stack.fixtures import FIT as FIXTURES
from garmin_fit_sdk import Decoder, Stream
from garmin_fit_sdk.hr_mesg_utils import expand_heart_rates, merge_heart_rates

WITH_HR_MESSAGES = ["swim-pool-fr735xt-chained-hr.fit", "triathlon-fr920xt-chained.fit"]


@cache
def sdk(name: str) -> dict[str, list[dict[str, Any]]]:
    """The FIT SDK's messages, heart rates merged into the records (its default)."""
    data = bytearray((FIXTURES / name).read_bytes())
    messages, errors = Decoder(Stream.from_byte_array(data)).read(merge_heart_rates=True)
    assert errors == []
    return messages


@pytest.mark.parametrize("name", WITH_HR_MESSAGES)
def test_beat_times_are_the_sdks(name: str) -> None:
    expanded = expand_heart_rates(sdk(name)["hr_mesgs"])
    times, bpm = _carry_gaps(*beat_series(decode_fast_raw((FIXTURES / name).read_bytes()).beats))
    assert len(times) == len(expanded) > 15000
    assert np.array_equal(bpm, [e["heart_rate"] for e in expanded])
    # the SDK counts seconds from the FIT epoch: the same instants to float rounding
    assert np.allclose(times - FIT_EPOCH_S, [e["timestamp"] for e in expanded], rtol=0, atol=1e-6)


def test_pool_swim_records_get_the_sdks_merged_heart_rate() -> None:
    (session,) = decode((FIXTURES / "swim-pool-fr735xt-chained-hr.fit").read_bytes()).sessions
    records = sdk("swim-pool-fr735xt-chained-hr.fit")["record_mesgs"]
    assert [r["timestamp"].timestamp() for r in records] == session.samples.time_s.tolist()
    assert [r["heart_rate"] for r in records] == session.samples.heart_rate_bpm.tolist()


def test_open_water_swim_replaces_the_few_live_values_other_legs_keep_theirs() -> None:
    # The strap sent 6 live values (of 349 records) at the surface; its stored beats cover the whole swim.
    name = "triathlon-fr920xt-chained.fit"
    activity = decode((FIXTURES / name).read_bytes())
    swim = activity.sessions[0]
    sdk_hr = {r["timestamp"].timestamp(): r.get("heart_rate") for r in sdk(name)["record_mesgs"]}
    assert swim.samples.heart_rate_bpm.tolist() == [sdk_hr[t] for t in swim.samples.time_s.tolist()]
    assert abs(np.mean(swim.samples.heart_rate_bpm) - swim.fields["avg_heart_rate"]) < 1
    # the bike leg's records have HR of their own: untouched although beats overlap its start
    bike = activity.sessions[2]
    assert bike.sport == "cycling" and np.isfinite(bike.samples.heart_rate_bpm).all()
    own = decode_fast_raw((FIXTURES / name).read_bytes()).records
    inside = np.isin(own["timestamp"], bike.samples.time_s)
    assert np.array_equal(own["heart_rate"][inside], bike.samples.heart_rate_bpm)


# --- hand-made beats -------------------------------------------------------------------------------------

T0 = 900_000_000  # FIT seconds (2018-07-09)


def _packed(clocks: list[int]) -> tuple[int, ...]:
    whole = sum((c & 0xFFF) << (12 * k) for k, c in enumerate(clocks))
    return tuple(whole.to_bytes(12, "little"))


def _beats(messages: list[dict[int, Any]]) -> dict[str, np.ndarray]:
    collector = BeatCollector()
    for raw in messages:
        collector.add(raw, FIT_EPOCH_S)
    return collector.columns()


def test_unpack_12_and_invalid_bytes() -> None:
    assert unpack_12(_packed([1, 4095, 0, 7, 8, 9, 10, 4000])) == (1, 4095, 0, 7, 8, 9, 10, 4000)
    assert unpack_12(None) == ()


def test_packed_clocks_accumulate_across_12_bit_wraps_from_the_anchor() -> None:
    anchor_clock = 5 * 4096 + 4000  # 12-bit part 4000: the next beats wrap
    clocks = [anchor_clock + 512 * (k + 1) for k in range(8)]
    beats = _beats(
        [
            {9: 1234, 6: 90},  # before any anchor: no time, dropped
            {253: T0, 0: 16384, 9: anchor_clock, 6: 100},  # anchor at T0 + 0.5 s
            {10: _packed(clocks), 6: tuple(range(101, 109))},
        ]
    )
    times, bpm = beat_series(beats)
    start = FIT_EPOCH_S + T0 + 0.5
    assert bpm.tolist() == list(range(100, 109))
    assert times.tolist() == [start + 0.5 * k for k in range(9)]


def test_session_without_records_gets_a_1hz_time_base_from_the_beats() -> None:
    clocks = [1024 * (k + 1) for k in range(8)]  # one beat a second after the anchor
    beats = _beats(
        [{253: T0, 9: 0, 6: 120}, {10: _packed(clocks), 6: (121, 122, 123, 124, 125, 126, 127, 128)}]
    )
    start = dt.datetime.fromtimestamp(FIT_EPOCH_S + T0, dt.UTC)
    session = {"sport": "swimming", "start_time": start, "timestamp": start, "total_elapsed_time": 10.0}
    raw = RawActivity(
        headers=[{}],
        messages={"session": [session]},
        records={"timestamp": np.empty(0)},
        record_count=0,
        beats=beats,
    )
    (decoded,) = assemble(raw).sessions
    samples = decoded.samples
    # the last beat has no later beat to close its second (the SDK's rule): 8 seconds, T0 .. T0 + 7; a
    # second holds its beat and 3 carries of the one before (250 ms steps): 120, then b - 0.75 → b - 1
    assert (samples.time_s - FIT_EPOCH_S - T0).tolist() == list(range(8))
    assert samples.heart_rate_bpm.tolist() == [120, *range(120, 127)]
    assert np.isnan(samples.distance_m).all() and np.isnan(samples.speed_mps).all()


def test_merge_matches_the_sdk_on_irregular_beats_and_records() -> None:
    rng = np.random.default_rng(7)
    beats_t = np.cumsum(rng.uniform(0.05, 1.4, 400))  # FIT seconds after T0, gaps above and below 250 ms
    beats_bpm = rng.integers(60, 190, beats_t.size).astype(np.float64)
    records = np.unique(np.round(np.cumsum(rng.choice([0.0, 1.0, 1.0, 2.0, 5.0], 200)))) + 1.0
    clocks = np.round(beats_t * 1024).astype(int)
    hr_mesgs = [{"timestamp": T0, "fractional_timestamp": 0.0, "event_timestamp": 0.0, "filtered_bpm": 60}]
    hr_mesgs += [
        {
            "event_timestamp": (clocks[i : i + 8] / 1024).tolist(),
            "filtered_bpm": beats_bpm[i : i + 8].tolist(),
        }
        for i in range(0, clocks.size, 8)
    ]
    record_mesgs: list[dict[str, Any]] = [{"timestamp": T0 + r} for r in records]
    merge_heart_rates(hr_mesgs, record_mesgs)
    expected = [m.get("heart_rate", np.nan) for m in record_mesgs]
    times = np.concatenate([[0.0], clocks / 1024]) + FIT_EPOCH_S + T0
    merged = merge(records + FIT_EPOCH_S + T0, times, np.concatenate([[60.0], beats_bpm]))
    assert np.array_equal(merged, np.asarray(expected, np.float64), equal_nan=True)
    assert np.isfinite(merged).sum() > 100
