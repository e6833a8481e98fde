"""The athlete profile: thresholds and settings the metrics depend on, checked for plausibility."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from fitcoach_analysis.profile import AthleteProfile
from fitcoach_runtime.errors import InvalidArgument

if TYPE_CHECKING:
    from .repository import Repository


@dataclass(frozen=True)
class ProfileLimits:
    """Plausible ranges: a typo (1900 bpm) must not silently wreck every zone and load."""

    max_hr_bpm: tuple[float, float] = (100.0, 250.0)
    rest_hr_bpm: tuple[float, float] = (25.0, 120.0)
    threshold_hr_bpm: tuple[float, float] = (80.0, 240.0)
    ftp_w: tuple[float, float] = (30.0, 2000.0)
    threshold_pace_s_per_km: tuple[float, float] = (120.0, 1200.0)
    critical_power_w: tuple[float, float] = (50.0, 700.0)
    w_prime_j: tuple[float, float] = (1000.0, 60000.0)
    weight_kg: tuple[float, float] = (20.0, 300.0)


def validate_profile(profile: AthleteProfile) -> AthleteProfile:
    limits = ProfileLimits()
    problems = []
    for name, (low, high) in asdict(limits).items():
        value = getattr(profile, name)
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            problems.append(f"{name} must be between {low:g} and {high:g}")
    if (
        profile.max_hr_bpm is not None
        and profile.rest_hr_bpm is not None
        and profile.rest_hr_bpm >= profile.max_hr_bpm
    ):
        problems.append("rest_hr_bpm must be below max_hr_bpm")
    if (
        profile.max_hr_bpm is not None
        and profile.threshold_hr_bpm is not None
        and profile.threshold_hr_bpm > profile.max_hr_bpm
    ):
        problems.append("threshold_hr_bpm must not exceed max_hr_bpm")
    if profile.language not in ("", "en", "ko"):
        problems.append("language must be en or ko")
    if profile.units not in ("", "metric", "imperial"):
        problems.append("units must be metric or imperial")
    if profile.sex not in (None, "male", "female"):
        problems.append("sex must be male or female")
    if problems:
        raise InvalidArgument("; ".join(problems))
    return profile


class ProfileService:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    async def get(self, user_id: str) -> AthleteProfile:
        return await self.repo.profile(user_id) or AthleteProfile(language="")

    async def update(self, user_id: str, profile: AthleteProfile) -> AthleteProfile:
        await self.repo.save_profile(user_id, validate_profile(profile))
        return await self.get(user_id)
