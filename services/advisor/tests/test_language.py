"""Grammar helpers: English plurals and Korean particles chosen by how the word before them is read."""

from __future__ import annotations

import pytest
from advisor_service.language import count, particles, word_ending


def test_count_agrees_with_the_number() -> None:
    assert count(1, "training day", "training days") == "1 training day"
    assert count(2, "dive", "dives") == "2 dives"
    assert count(0, "dive", "dives") == "0 dives"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("러닝[을/를]", "러닝을"),  # 닝 ends in ㅇ
        ("요가[을/를]", "요가를"),  # 가: no final consonant
        ("TSB -8.0[으로/로]", "TSB -8.0으로"),  # 영
        ("TSB +2.5[으로/로]", "TSB +2.5로"),  # 오
        ("TSB -11.1[으로/로]", "TSB -11.1로"),  # 일 ends in ㄹ: 로
        ("CTL 10[이에요/예요]", "CTL 10이에요"),  # 십
        ("CTL 25[이에요/예요]", "CTL 25예요"),  # 오
        ("CTL 100[이에요/예요]", "CTL 100이에요"),  # 백
        ("150 bpm[이에요/예요]", "150 bpm이에요"),  # 엠
        ("5 km[이에요/예요]", "5 km예요"),  # 킬로미터
        ("존 2(심박 151 bpm 이하)[으로/로]", "존 2(심박 151 bpm 이하)로"),  # the word before the bracket
        ("체력(CTL)[은/는]", "체력(CTL)은"),
        ("CTL[이/가]", "CTL이"),  # 엘
        ("TSB[이/가]", "TSB가"),  # 비
        ("물[으로/로]", "물로"),  # ㄹ takes 로
    ],
)
def test_particles(text: str, expected: str) -> None:
    assert particles(text) == expected


def test_text_without_brackets_is_unchanged() -> None:
    assert particles("Ride of 62.00 km (avg 31.0 km/h).") == "Ride of 62.00 km (avg 31.0 km/h)."
    assert word_ending("") is False
