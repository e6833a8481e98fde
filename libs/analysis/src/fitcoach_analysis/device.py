"""The device's own numbers, from `session` and `lap` message fields, in MetricSet names and units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Sports whose FIT cadence is strides per minute; shown as steps per minute (× 2) like the watch does.
STRIDE_SPORTS = frozenset({"running", "walking", "hiking"})


def scalar(value: Any) -> float | None:
    """A number from a FIT field value. Some devices write arrays for scalar fields (the FR255 writes
    `enhanced_avg_speed` as [value, 65.535]); the first element is the value, the rest is padding."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _first(fields: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        v = scalar(fields.get(name))
        if v is not None:
            return v
    return None


def _sensor(value: float | None) -> float | None:
    """Devices write 0 for heart rate / power / cadence when no sensor was paired: that is "absent"."""
    return None if not value else value


def cadence_factor(sport: str | None) -> float:
    return 2.0 if sport in STRIDE_SPORTS else 1.0


def device_metrics(fields: Mapping[str, Any], sport: str | None) -> dict[str, Any]:
    """MetricSet dict from a session or lap message (None where the device gave nothing)."""
    factor = cadence_factor(sport)

    def cadence(whole: str, fraction: str) -> float | None:
        # fitdecode names the field by its sport-specific subfield, e.g. avg_running_cadence for runs.
        c = _sensor(_first(fields, whole, whole.replace("_cadence", "_running_cadence")))
        if c is None:
            return None
        return (c + (_first(fields, fraction) or 0.0)) * factor

    return {
        "distance_m": _first(fields, "total_distance"),
        "timer_time_s": _first(fields, "total_timer_time"),
        "elapsed_time_s": _first(fields, "total_elapsed_time"),
        "moving_time_s": _first(fields, "total_moving_time"),
        "avg_speed_mps": _first(fields, "enhanced_avg_speed", "avg_speed"),
        "max_speed_mps": _first(fields, "enhanced_max_speed", "max_speed"),
        "avg_hr_bpm": _sensor(_first(fields, "avg_heart_rate")),
        "max_hr_bpm": _sensor(_first(fields, "max_heart_rate")),
        "ascent_m": _first(fields, "total_ascent"),
        "descent_m": _first(fields, "total_descent"),
        "avg_power_w": _sensor(_first(fields, "avg_power")),
        "max_power_w": _sensor(_first(fields, "max_power")),
        "normalized_power_w": _sensor(_first(fields, "normalized_power")),
        "avg_cadence": cadence("avg_cadence", "avg_fractional_cadence"),
        "max_cadence": cadence("max_cadence", "max_fractional_cadence"),
        "calories_kcal": _first(fields, "total_calories"),
        "min_altitude_m": _first(fields, "enhanced_min_altitude", "min_altitude"),
        "max_altitude_m": _first(fields, "enhanced_max_altitude", "max_altitude"),
        "avg_temperature_c": _first(fields, "avg_temperature"),
        "intensity_factor": _first(fields, "intensity_factor"),
        "tss": _first(fields, "training_stress_score"),
        "training_load_method": "",
    }
