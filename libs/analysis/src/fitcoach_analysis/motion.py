"""Distance, moving time and speed of one session.

Two averages of speed are honest and both are reported: `avg_speed_mps` is the device's (distance / timer
time, what the session's `avg_speed` holds; a pool swim's is over its swimming lengths), and
`moving_speed_mps` is distance / moving time, which the athlete sees as moving pace (Strava's pace). The
maximum is likewise the device's (`max_speed_mps`: the highest recorded sample) beside a robust one that
caps single-sample GPS spikes (`robust_max_speed_mps`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import pace, times
from .distance import cumulative_distance_m
from .series import Array, finite_max, has_values
from .swim import PoolSwim
from .times import Clock


@dataclass
class Motion:
    metrics: dict[str, Any]  # distance_m, moving_time_s, the speeds (MetricSet names)
    cumulative_m: Array | None  # distance at each sample (None without distance or GPS)
    speed_mps: Array  # per-sample speed (derived from distance when the records have none)
    moving: NDArray[np.bool_]  # per-sample moving state


def motion_metrics(
    clock: Clock,
    distance_m: Array,
    speed_mps: Array,
    lat_deg: Array,
    lon_deg: Array,
    activity: Array,
    sport: str | None,
    *,
    session_start_s: float | None,
    odometer: tuple[float | None, float | None] = (None, None),
    pool: PoolSwim | None = None,
) -> Motion:
    """`activity` (power, else cadence) tells moving from stopped where there is no speed (indoors).
    `odometer` is the record distance when the leg began and ended (distance.leg_odometers)."""
    t = clock.time_s
    cum, source = cumulative_distance_m(distance_m, lat_deg, lon_deg, t, session_start_s, odometer[0])
    if not has_values(speed_mps) and cum is not None and cum[-1] > 0:
        # A distance counter that never moves (rowing machine without a link) says nothing about speed.
        speed_mps = pace.speed_from_distance(cum, t)
    stop_go = times.SWIM_STOP_GO_MPS if sport == "swimming" else (times.STOP_SPEED_MPS, times.GO_SPEED_MPS)
    moving = times.moving_mask(t.size, speed_mps if has_values(speed_mps) else None, activity, *stop_go)
    moving_s = float(clock.weights[moving].sum())
    distance = float(cum[-1]) if cum is not None else None
    last = distance_m[np.isfinite(distance_m)]
    if distance is not None and source == "record" and odometer[1] is not None and odometer[1] > last[-1]:
        distance += odometer[1] - float(last[-1])  # covered after the leg's last record, before it ended
    timer_s = clock.timer_s
    max_speed = finite_max(speed_mps)
    robust_max = pace.robust_max(speed_mps) if max_speed is not None else None
    if pool is not None:
        # The watch's own lengths: it averages over the swimming lengths, rests at the wall left out.
        distance, moving_s, timer_s = pool.distance_m, pool.swimming_s, pool.swimming_s
        max_speed = robust_max = pool.max_speed_mps
    return Motion(
        metrics={
            "distance_m": distance,
            "moving_time_s": moving_s,
            "avg_speed_mps": distance / timer_s if distance is not None and timer_s > 0 else None,
            "moving_speed_mps": distance / moving_s if distance is not None and moving_s > 0 else None,
            "max_speed_mps": max_speed,
            "robust_max_speed_mps": robust_max,
        },
        cumulative_m=cum,
        speed_mps=speed_mps,
        moving=moving,
    )
