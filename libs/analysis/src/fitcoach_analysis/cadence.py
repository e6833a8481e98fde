"""Cadence averages with and without zeros, and which of the two a device reports as its average.

A zero cadence is a pause in the motion (coasting on a bike, standing at a light, gliding off a wall).
Both averages are honest and both are reported (`avg_cadence_with_zeros`, `avg_cadence_nonzero`); the one
under the device's name (`avg_cadence`) is the one devices put in the session message:

- pedalling (cycling): without zeros, the default of Garmin's "Data Averaging" setting for cadence (the
  setting can change it, and the file does not say when it did), and what Stages and TrainerRoad report;
- every other sport (running, walking, swimming, rowing, skiing): with zeros;
- a multisport transition: the rule of the leg before it (the watch keeps averaging as it did).

Measured on the fixtures and the corpus (tolerance ±2 % or 2): 21 of 23 Garmin rides match without zeros,
21 of 23 Garmin runs and 6 of 7 swims with them, 7 of 10 transitions with the rule above; the other makers'
rides split half and half (libs/analysis/tests/metric_truth_misses.toml lists each that does not match).
"""

from __future__ import annotations

from typing import Any

from .series import Array, finite_max, has_values, weighted_mean
from .swim import PoolSwim

PEDALLING_SPORTS = frozenset({"cycling", "e_biking"})


def device_leaves_out_zeros(sport: str | None, previous_sport: str | None = None) -> bool:
    """Whether the device's average cadence for this sport leaves zeros out."""
    if sport == "transition":
        sport = previous_sport
    return sport in PEDALLING_SPORTS


def cadence_metrics(
    cadence: Array,
    weights: Array,
    sport: str | None,
    previous_sport: str | None = None,
    pool: PoolSwim | None = None,
) -> dict[str, Any]:
    """avg_cadence (the device's definition), both honest averages, and the maximum; timer-time weighted.

    A pool swim's stroke rate is the lengths' (the watch counts strokes per length; its records carry
    none, or a few).
    """
    out: dict[str, Any] = dict.fromkeys(("avg_cadence", "avg_cadence_with_zeros", "avg_cadence_nonzero"))
    out["max_cadence"] = None
    if has_values(cadence):
        out["avg_cadence_with_zeros"] = weighted_mean(cadence, weights)
        out["avg_cadence_nonzero"] = weighted_mean(cadence, weights, cadence > 0)
        leaves_out = device_leaves_out_zeros(sport, previous_sport)
        out["avg_cadence"] = out["avg_cadence_nonzero" if leaves_out else "avg_cadence_with_zeros"]
        out["max_cadence"] = finite_max(cadence)
    if pool is not None and pool.avg_cadence is not None:
        out |= {"avg_cadence": pool.avg_cadence, "max_cadence": pool.max_cadence}
    return out
