"""Text rendering of metric sets: which rows appear, and how they read."""

from __future__ import annotations

from fitctl.render import metric_lines


def test_w_bal_min_row_only_when_computed() -> None:
    ride = {"avg_power_w": 250.0, "max_power_w": 600.0, "normalized_power_w": 262.0}
    assert "W'bal min" not in dict(metric_lines(ride, "cycling"))
    rows = dict(metric_lines({**ride, "w_bal_min_j": 14_000.0}, "cycling"))
    assert rows["W'bal min"] == "14.0 kJ"
    assert rows["power"] == "avg 250 max 600 W, NP 262 W"
    # Below zero is shown as is: the athlete outperformed the profile's CP/W'.
    assert dict(metric_lines({"w_bal_min_j": -2_500.0}, "cycling"))["W'bal min"] == "-2.5 kJ"
