"""FitCoach's analysis library: FIT decoding and workout metrics. Pure functions, no I/O, no gRPC.

`analyze(data)` is the entry point; each metric family has its own module (times, distance, pace,
elevation, heart_rate, power, efficiency, splits, efforts, swim, dive, load, streams) usable on plain arrays.
"""

from .activity import ANALYZER_VERSION, analyze, analyze_decoded, drop_none, merged_metrics, summarize
from .fit import InvalidFitFile, NoActivityData
from .load import FitnessDay, TrainingHistory, fitness_trend, training_history, training_load
from .profile import AthleteProfile, ResolvedProfile, resolve_profile

__all__ = [
    "ANALYZER_VERSION",
    "AthleteProfile",
    "FitnessDay",
    "InvalidFitFile",
    "NoActivityData",
    "ResolvedProfile",
    "TrainingHistory",
    "analyze",
    "analyze_decoded",
    "drop_none",
    "fitness_trend",
    "merged_metrics",
    "resolve_profile",
    "summarize",
    "training_history",
    "training_load",
]
