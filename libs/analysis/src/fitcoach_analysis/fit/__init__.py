"""FIT decoding: bytes of an uploaded .fit file -> sessions, laps, events and per-record numpy samples.

``decode`` is the analyzer's decoder (fast.py: numpy columns, about 100x fitdecode); ``decode_reference``
decodes with fitdecode, the reference every other
decoder is tested against. Both raise only ``InvalidFitFile`` for bad input.
"""

from .fast import decode_fast
from .model import DecodedActivity, InvalidFitFile, NoActivityData, Samples, SessionData
from .reference import decode_reference

#: Inputs above this many bytes are refused before decoding (uploads are capped at 50 MiB).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def decode(
    data: bytes, *, max_messages: int = 2_000_000, max_bytes: int = DEFAULT_MAX_BYTES
) -> DecodedActivity:
    """Decode one upload; raises InvalidFitFile ("not a valid FIT file: ...") for anything unreadable."""
    if len(data) > max_bytes:
        raise InvalidFitFile(f"file too large ({len(data)} bytes > {max_bytes})")
    return decode_fast(data, max_messages=max_messages)


__all__ = [
    "DecodedActivity",
    "InvalidFitFile",
    "NoActivityData",
    "Samples",
    "SessionData",
    "decode",
    "decode_reference",
]
