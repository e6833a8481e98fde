"""Text rendering of metric sets: which rows appear, and how they read."""

from __future__ import annotations

from typing import Any

from fitctl.render import advice_lines, metric_lines, session_lines


def rows_of(metrics: dict[str, Any], sport: str) -> dict[str, str]:
    """The rows metric_lines renders for `metrics`, by label."""
    return dict(metric_lines(metrics, sport))


def test_w_bal_min_row_only_when_computed() -> None:
    ride = {"avg_power_w": 250.0, "max_power_w": 600.0, "normalized_power_w": 262.0}
    assert "W'bal min" not in rows_of(ride, "cycling")
    rows = rows_of({**ride, "w_bal_min_j": 14_000.0}, "cycling")
    assert rows["W'bal min"] == "14.0 kJ"
    assert rows["power"] == "avg 250 max 600 W, NP 262 W"
    # Below zero is shown as is: the athlete outperformed the profile's CP/W'.
    assert rows_of({"w_bal_min_j": -2_500.0}, "cycling")["W'bal min"] == "-2.5 kJ"


def test_laps_and_splits_read_in_the_sports_own_units() -> None:
    def session(sport: str) -> dict[str, object]:
        return {
            "sport": sport,
            "laps": [
                {
                    "index": 1,
                    "metrics": {
                        "distance_m": 10000.0,
                        "timer_time_s": 1200.0,
                        "avg_speed_mps": 25 / 3.6,
                        "avg_hr_bpm": 151.4,
                    },
                }
            ],
            "splits_km": [{"index": 1, "distance_m": 1000.0, "time_s": 300.0, "avg_hr_bpm": 149.6}],
        }

    ride = "\n".join(session_lines([session("cycling")]))
    assert "25.0 km/h" in ride and "12.0 km/h" in ride and "/km" not in ride
    assert "HR 151" in ride and "HR 150" in ride and "151.4" not in ride
    run = "\n".join(session_lines([session("running")]))
    assert "2:24 /km" in run and "5:00 /km" in run and "km/h" not in run
    swim = "\n".join(session_lines([session("swimming")]))
    assert "0:30 /100 m" in swim


def test_pace_is_moving_pace_with_the_timer_time_average_beside_it() -> None:
    run = {"avg_speed_mps": 1000 / 330, "moving_speed_mps": 1000 / 300, "gap_speed_mps": 1000 / 290}
    assert rows_of(run, "running")["pace"] == (
        "5:00 /km (5:30 /km with stops), grade-adjusted 4:50 /km   (12.0 km/h)"
    )
    # Without stops the two are the same number: shown once.
    assert rows_of({**run, "avg_speed_mps": 1000 / 300}, "running")["pace"].startswith("5:00 /km, ")
    ride = {"avg_speed_mps": 25 / 3.6, "moving_speed_mps": 30 / 3.6, "max_speed_mps": 60 / 3.6}
    assert rows_of(ride, "cycling")["speed"] == "30.0 km/h (max 60.0), 25.0 km/h with stops"
    # Files analysed before moving speed existed carry only the average.
    assert rows_of({"avg_speed_mps": 25 / 3.6}, "cycling")["speed"] == "25.0 km/h"


def test_averages_show_their_other_definition_when_it_differs() -> None:
    ride = {
        "avg_cadence": 88.0,
        "avg_cadence_nonzero": 88.0,
        "avg_cadence_with_zeros": 70.4,
        "max_cadence": 120.0,
        "avg_power_w": 180.0,
        "avg_power_nonzero_w": 215.0,
    }
    rows = rows_of(ride, "cycling")
    assert rows["cadence"] == "avg 88 max 120 /min (avg 70 with stops)"
    assert rows["power"] == "avg 180 W (avg 215 W while pedalling)"
    run = {"avg_cadence": 170.0, "avg_cadence_nonzero": 176.0, "avg_cadence_with_zeros": 170.0}
    assert rows_of(run, "running")["cadence"] == "avg 170 /min (avg 176 without stops)"
    same = {"avg_cadence": 170.0, "avg_cadence_nonzero": 170.4, "avg_cadence_with_zeros": 170.0}
    assert rows_of(same, "running")["cadence"] == "avg 170 /min"


def test_advice_labels_follow_the_advices_language() -> None:
    advice = {
        "summary": "요가 13분.",
        "went_well": ["꾸준해요."],
        "to_improve": ["호흡을 길게 하세요."],
        "next_session": "하루 이틀 뒤 요가 20–30분.",
        "language": "ko",
        "engine": "offline",
    }
    korean = "\n".join(advice_lines(advice, "ready"))
    assert "코칭 (offline)" in korean and "잘한 점:" in korean and "보완할 점:" in korean
    assert "다음 훈련: 하루 이틀 뒤 요가 20–30분." in korean
    for english in ("advice", "went well", "to improve", "next session"):
        assert english not in korean
    english = "\n".join(advice_lines({**advice, "language": "en"}, "ready"))
    assert "advice (offline)" in english and "went well:" in english and "next session:" in english


def test_dives_show_depth_and_time_under_water_not_speed() -> None:
    dive = {
        "distance_m": 632.9,
        "avg_speed_mps": 0.23,
        "timer_time_s": 2794.0,
        "max_depth_m": 28.622,
        "avg_depth_m": 14.081,
        "bottom_time_s": 133.6,
        "surface_interval_s": 1856.0,
        "dive_count": 2,
    }
    rows = rows_of(dive, "diving")
    assert rows["depth"] == "max 28.6 m, avg 14.1 m"
    assert rows["dives"] == "2, 2:14 under water, shortest surface interval 30:56"
    assert "distance" not in rows and "speed" not in rows and "pace" not in rows
    assert "depth" not in rows_of({"distance_m": 5000.0}, "running")
