"""W' balance (Skiba differential model): hand-worked values, gaps and pauses, and the vectorised
recurrence against a plain per-second loop."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from fitcoach_analysis import AthleteProfile, analyze
from fitcoach_analysis.fit.model import SAMPLE_FIELDS, Samples
from fitcoach_analysis.power import w_bal_min, w_prime_balance
from fitcoach_analysis.series import to_elapsed_seconds
from fitcoach_analysis.session import compute_metrics
from fitcoach_stack.fixtures import FIT as FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = 1_500_000_000.0
CP = 250.0
W_PRIME = 20_000.0


def _loop(power: list[float], cp: float, w_prime: float) -> list[float]:
    """The model one second at a time, as written: deplete by (P − CP) above CP, else let the deficit
    W' − W'bal decay at rate (CP − P) / W' over the second."""
    balance, out = w_prime, []
    for p in power:
        if p > cp:
            balance -= p - cp
        else:
            balance = w_prime - (w_prime - balance) * math.exp(-(cp - p) / w_prime)
        out.append(balance)
    return out


def test_constant_power_below_cp_keeps_w_prime_full() -> None:
    bal = w_prime_balance(np.full(3600, 240.0), CP, W_PRIME)
    assert bal.tolist() == [W_PRIME] * 3600
    assert w_bal_min(np.full(3600, CP), CP, W_PRIME) == W_PRIME  # at CP nothing is spent either


def test_a_minute_at_cp_plus_100_spends_6000_joules() -> None:
    power = np.concatenate((np.full(300, 200.0), np.full(60, CP + 100), np.full(10, 200.0)))
    bal = w_prime_balance(power, CP, W_PRIME)
    # 100 W over CP for 60 s = 6000 J, spent linearly: 100 J each second.
    assert bal[300:360] == pytest.approx(W_PRIME - 100.0 * np.arange(1, 61), rel=1e-12)
    assert w_bal_min(power, CP, W_PRIME) == pytest.approx(14_000.0, rel=1e-12)


def test_recovery_after_the_block_follows_the_model() -> None:
    # 60 s at CP + 100 (deficit 6000 J), then 60 s at CP − 100: the deficit decays at (CP − P)/W'
    # = 100/20000 = 0.5 % per second, so after k s it is 6000·e^(−0.005·k); the first second recovers
    # ≈ 6000·0.005 = 30 J, and after the minute 6000·e^(−0.3) = 4444.9 J are still missing.
    power = np.concatenate((np.full(60, CP + 100), np.full(60, CP - 100)))
    bal = w_prime_balance(power, CP, W_PRIME)
    k = np.arange(1, 61)
    assert bal[60:] == pytest.approx(W_PRIME - 6000.0 * np.exp(-0.005 * k), rel=1e-12)
    assert bal[60] - bal[59] == pytest.approx(30.0, abs=0.1)
    assert bal[-1] == pytest.approx(W_PRIME - 4444.9, abs=0.05)
    # Harder recovery (0 W) is faster: rate CP/W' = 1.25 % per second.
    easy = w_prime_balance(np.concatenate((np.full(60, CP + 100), np.zeros(60))), CP, W_PRIME)
    assert easy[-1] == pytest.approx(W_PRIME - 6000.0 * math.exp(-250 * 60 / W_PRIME), rel=1e-12)
    assert easy[-1] > bal[-1]


def test_a_second_block_starts_from_the_unrecovered_balance() -> None:
    power = np.concatenate((np.full(60, CP + 100), np.full(120, 0.0), np.full(60, CP + 100)))
    left = 6000.0 * math.exp(-CP * 120 / W_PRIME)  # deficit still open when the second block starts
    assert w_bal_min(power, CP, W_PRIME) == pytest.approx(W_PRIME - left - 6000.0, rel=1e-12)


def test_balance_goes_negative_when_the_profile_underestimates_the_athlete() -> None:
    assert w_bal_min(np.full(300, CP + 100), CP, W_PRIME) == pytest.approx(-10_000.0)


def test_no_power_or_no_cp_or_w_prime_gives_none() -> None:
    assert w_bal_min(np.zeros(0), CP, W_PRIME) is None
    assert w_bal_min(np.full(10, 300.0), None, W_PRIME) is None
    assert w_bal_min(np.full(10, 300.0), CP, None) is None


def test_long_recovery_with_a_large_cp_to_w_prime_ratio_stays_finite() -> None:
    # 10 h at 0 W with CP 700 W, W' 1000 J: the recovery factors multiply down to e^(−25200), far below
    # float64, which the chunked evaluation must survive; a final 10 s block then spends exactly 1000 J.
    power = np.concatenate((np.full(10, 800.0), np.zeros(36_000), np.full(10, 800.0)))
    bal = w_prime_balance(power, 700.0, 1000.0)
    assert np.isfinite(bal).all()
    assert bal[36_009] == pytest.approx(1000.0, abs=1e-9)  # fully recovered
    assert bal[-1] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    power=st.lists(
        st.one_of(st.floats(0, 1500, allow_nan=False), st.sampled_from([0.0, 240.0, 250.0, 260.0])),
        min_size=1,
        max_size=400,
    ),
    cp=st.floats(50, 700),
    w_prime=st.floats(1000, 60_000),
)
def test_vectorised_balance_matches_the_per_second_loop(
    power: list[float], cp: float, w_prime: float
) -> None:
    got = w_prime_balance(np.array(power), cp, w_prime)
    assert got == pytest.approx(_loop(power, cp, w_prime), rel=1e-9, abs=1e-6 * w_prime)


# --- resampling: pauses and recording gaps are zero power ----------------------------------------------


def test_elapsed_resampling_zeroes_pauses_gaps_and_missing_readings() -> None:
    # 1 Hz 0..9 s, a missing reading at 3 s, a smart-recording sample every 4 s from 10 to 22 s, then a
    # 30 s silence inside a running timer (a recording gap) and one sample at 52 s; the timer is stopped
    # from 25 to 40 s.
    t = T0 + np.concatenate((np.arange(10.0), [10.0, 14.0, 18.0, 22.0, 52.0]))
    p = np.concatenate((np.full(10, 300.0), [310.0, 320.0, 330.0, 340.0, 350.0]))
    p[3] = np.nan
    intervals = np.array([[T0, T0 + 25], [T0 + 40, T0 + 53]])
    out = to_elapsed_seconds(t, p, intervals, max_hold_s=10.0)
    assert out.size == 53  # wall-clock seconds 0..52, the pause kept in
    assert out[3] == 0.0 and out[2] == 300.0
    assert out[10:22].tolist() == [310.0] * 4 + [320.0] * 4 + [330.0] * 4  # smart recording holds
    assert out[22:25].tolist() == [340.0] * 3
    assert out[25:40].tolist() == [0.0] * 15  # timer stopped
    assert out[40:52].tolist() == [0.0] * 12  # running, but 340 W was read 18+ s ago: a gap
    assert out[52] == 350.0


def _ev(offset: float, kind: str) -> dict[str, object]:
    return {"event": "timer", "event_type": kind, "timestamp": datetime.fromtimestamp(T0 + offset, UTC)}


def _metrics(t: np.ndarray, p: np.ndarray, events: list[dict[str, object]], profile: AthleteProfile):
    nan = np.full(t.size, np.nan)
    samples = Samples(**{name: nan for name in SAMPLE_FIELDS} | {"time_s": t, "power_w": p})
    computed, extras = compute_metrics(
        samples, sport="cycling", start_s=float(t[0]), events=events, profile=profile
    )
    return computed, extras


def test_a_pause_between_two_blocks_counts_as_recovery() -> None:
    # 60 s at 350 W, timer stopped for 300 s, 60 s at 350 W. Cutting the pause out (as NP does) would give
    # 8000 J; the athlete rested, so the deficit decays at CP/W' for 300 s before the second block.
    t = T0 + np.concatenate((np.arange(60.0), np.arange(360.0, 420.0)))
    p = np.full(120, CP + 100)
    events = [_ev(0, "start"), _ev(60, "stop"), _ev(360, "start"), _ev(420, "stop")]
    profile = AthleteProfile(critical_power_w=CP, w_prime_j=W_PRIME)
    computed, extras = _metrics(t, p, events, profile)
    left = 6000.0 * math.exp(-CP * 300 / W_PRIME)
    assert computed["w_bal_min_j"] == pytest.approx(W_PRIME - left - 6000.0, rel=1e-9)
    assert not any("critical" in d or "w_prime" in d for d in extras["defaults_used"])


def test_w_bal_needs_both_cp_and_w_prime_and_never_defaults_them() -> None:
    t = T0 + np.arange(120.0)
    p = np.full(120, 400.0)
    for profile in (AthleteProfile(), AthleteProfile(critical_power_w=CP), AthleteProfile(w_prime_j=W_PRIME)):
        computed, extras = _metrics(t, p, [], profile)
        assert computed["w_bal_min_j"] is None
        assert not any("critical" in d or "w_prime" in d for d in extras["defaults_used"])


def test_real_ride_with_cp_and_w_prime() -> None:
    data = (FIXTURES / "cycle-edge810-vector-power.fit").read_bytes()
    profile = AthleteProfile(ftp_w=280, critical_power_w=280, w_prime_j=20_000)
    (s,) = analyze(data, profile, stream_points=20)["sessions"]
    low = s["computed"]["w_bal_min_j"]
    assert low is not None and low < 20_000  # the ride's best minute is far above 280 W
    # A higher CP leaves more in the tank; without CP/W' the field stays unset.
    (easier,) = analyze(data, AthleteProfile(critical_power_w=320, w_prime_j=20_000), stream_points=20)[
        "sessions"
    ]
    assert easier["computed"]["w_bal_min_j"] > low
    (none,) = analyze(data, AthleteProfile(ftp_w=280), stream_points=20)["sessions"]
    assert none["computed"]["w_bal_min_j"] is None
