"""Grammar the advice's templates cannot fix in advance: English plurals and Korean particles.

A Korean particle depends on the sound that ends the word before it (를 after a vowel, 을 after a consonant;
로 after a vowel or ㄹ, 으로 after other consonants). Templates write both forms in brackets, "{sport}[을/를]",
and `particles` picks one from the text that ends up before it: a Hangul syllable, a number as Koreans read
it (10 is 십, 100 is 백), or a unit or Latin letter as it is pronounced. No maintained library on PyPI does
this for numbers and units, and the rule fits in this module.
"""

from __future__ import annotations

import re

# Word endings by how they are read: True = ends in a consonant (batchim), "ㄹ" = ends in ㄹ, False = vowel.
_Ending = bool | str
_DIGITS: dict[str, _Ending] = {
    "0": True,  # 영
    "1": "ㄹ",  # 일
    "2": False,  # 이
    "3": True,  # 삼
    "4": False,  # 사
    "5": False,  # 오
    "6": True,  # 육
    "7": "ㄹ",  # 칠
    "8": "ㄹ",  # 팔
    "9": False,  # 구
}
# A round number ends in the name of its power of ten: 십 (ㅂ), 백 (ㄱ), 천 (ㄴ), 만 (ㄴ).
_TENS: dict[int, _Ending] = {1: True, 2: True, 3: True, 4: True}
# Units and symbols after a number, as read aloud.
_UNITS: dict[str, _Ending] = {
    "%": False,  # 퍼센트
    "m": False,  # 미터
    "km": False,  # 킬로미터
    "km/h": False,  # 킬로미터
    "bpm": True,  # 비피엠
    "W": False,  # 와트
}
# English letter names: L (엘) and R (알) end in ㄹ, M (엠) and N (엔) in another consonant.
_LETTERS: dict[str, _Ending] = {"l": "ㄹ", "r": "ㄹ", "m": True, "n": True}

_PARTICLE = re.compile(r"\[([^\]/]+)/([^\]/]+)\]")
_NUMBER_AT_END = re.compile(r"(\d+)(?:\.(\d+))?$")


def _hangul_ending(char: str) -> _Ending:
    final = (ord(char) - 0xAC00) % 28
    if final == 0:
        return False
    return "ㄹ" if final == 8 else True


def _number_ending(integer: str, fraction: str | None) -> _Ending:
    if fraction:  # 2.5 is read 이 점 오: the last digit decides
        return _DIGITS[fraction[-1]]
    if integer.strip("0") == "":
        return True  # 영
    zeros = len(integer) - len(integer.rstrip("0"))
    if zeros == 0:
        return _DIGITS[integer[-1]]
    return _TENS.get(zeros, True)


def word_ending(text: str) -> _Ending:
    """How `text` ends when read aloud in Korean."""
    text = text.rstrip()
    while text.endswith(")") and "(" in text:  # "러닝(5 km)" is read up to "러닝" for the particle
        text = text[: text.rindex("(")].rstrip()
    if not text:
        return False
    last = text[-1]
    if "\uac00" <= last <= "\ud7a3":
        return _hangul_ending(last)
    for unit, ending in _UNITS.items():
        if text.endswith(unit) and _NUMBER_AT_END.search(text[: -len(unit)].rstrip()):
            return ending
    number = _NUMBER_AT_END.search(text)
    if number:
        return _number_ending(number[1], number[2])
    return _LETTERS.get(last.lower(), False)


def _choose(after_consonant: str, after_vowel: str, ending: _Ending) -> str:
    if after_consonant in ("으로", "으로는") and ending == "ㄹ":
        return after_vowel  # 로 after ㄹ: 일로, 칠로
    return after_consonant if ending else after_vowel


def particles(text: str) -> str:
    """Resolve every "[consonant form/vowel form]" in `text` by the word just before it."""
    out: list[str] = []
    position = 0
    for match in _PARTICLE.finditer(text):
        out.append(text[position : match.start()])
        out.append(_choose(match[1], match[2], word_ending("".join(out))))
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def count(number: int, one: str, many: str) -> str:
    """ "1 dive", "2 dives": the English noun that agrees with the number."""
    return f"{number} {one if number == 1 else many}"
