"""The athlete's settings that metrics depend on, and the defaults used when they are unset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Sex = Literal["male", "female"]

# Defaults when the athlete has not told us. They are population figures, so every metric that used one
# says so in `defaults_used` (the athlete sees why their zones may look off).
DEFAULT_MAX_HR_BPM = 190.0
DEFAULT_REST_HR_BPM = 60.0
# Lactate threshold heart rate is commonly ~90 % of max heart rate.
DEFAULT_THRESHOLD_HR_FRACTION = 0.9


@dataclass(frozen=True, slots=True)
class AthleteProfile:
    """What the athlete told us; None = unknown. Mirrors `fitcoach.activity.v1.AthleteProfile`."""

    max_hr_bpm: float | None = None
    rest_hr_bpm: float | None = None
    threshold_hr_bpm: float | None = None
    ftp_w: float | None = None
    threshold_pace_s_per_km: float | None = None
    sex: Sex | None = None
    language: str = "en"
    critical_power_w: float | None = None
    w_prime_j: float | None = None
    weight_kg: float | None = None
    # How the athlete reads numbers: "metric", "imperial" or "" (not chosen). Display only.
    units: str = ""


@dataclass(frozen=True, slots=True)
class ResolvedProfile:
    """The values the formulas use; `notes` names each default that replaced an unset value."""

    max_hr_bpm: float
    rest_hr_bpm: float
    threshold_hr_bpm: float
    ftp_w: float | None
    sex: Sex
    threshold_hr_is_default: bool = False
    # No population default exists for CP and W' (they vary several-fold between athletes), so W'bal is
    # computed only when the athlete gave both.
    critical_power_w: float | None = None
    w_prime_j: float | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def trimp_constants(self) -> tuple[float, float]:
        """Banister's weighting (a, b) in a·e^(b·HRr): men 0.64/1.92, women 0.86/1.67."""
        return (0.86, 1.67) if self.sex == "female" else (0.64, 1.92)


def resolve_profile(
    profile: AthleteProfile | None, observed_max_hr_bpm: float | None = None
) -> ResolvedProfile:
    """Fill unset values with defaults, noting each one.

    A default max HR below what the athlete actually reached in this session would put heart-rate reserve
    above 100 %, so the observed maximum is used instead when it is higher.
    """
    p = profile or AthleteProfile()
    notes: dict[str, str] = {}
    max_hr = p.max_hr_bpm
    if max_hr is None:
        if observed_max_hr_bpm is not None and observed_max_hr_bpm > DEFAULT_MAX_HR_BPM:
            max_hr = float(observed_max_hr_bpm)
            notes["max_hr_bpm"] = f"max_hr_bpm={max_hr:g} (highest heart rate in this session)"
        else:
            max_hr = DEFAULT_MAX_HR_BPM
            notes["max_hr_bpm"] = f"max_hr_bpm={max_hr:g} (default)"
    rest_hr = p.rest_hr_bpm
    if rest_hr is None:
        rest_hr = DEFAULT_REST_HR_BPM
        notes["rest_hr_bpm"] = f"rest_hr_bpm={rest_hr:g} (default)"
    threshold_hr = p.threshold_hr_bpm
    threshold_default = threshold_hr is None
    if threshold_hr is None:
        threshold_hr = round(DEFAULT_THRESHOLD_HR_FRACTION * max_hr, 1)
        notes["threshold_hr_bpm"] = f"threshold_hr_bpm={threshold_hr:g} (90% of max_hr_bpm)"
    sex: Sex = p.sex or "male"
    if p.sex is None:
        notes["sex"] = "sex=male (TRIMP constants 0.64/1.92 by default)"
    return ResolvedProfile(
        max_hr_bpm=float(max_hr),
        rest_hr_bpm=float(rest_hr),
        threshold_hr_bpm=float(threshold_hr),
        ftp_w=p.ftp_w,
        sex=sex,
        threshold_hr_is_default=threshold_default,
        critical_power_w=p.critical_power_w,
        w_prime_j=p.w_prime_j,
        notes=notes,
    )
