"""The reference decoder: fitdecode, one Python object per field (about 3 s of CPU per MB).

Kept as the yardstick the fast decoder is tested against, and as a fallback that is always available.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Callable
from typing import Any

import fitdecode
import numpy as np

from .assemble import FIT_EPOCH_S, RECORD_COLUMNS, SUMMARY_MESSAGES, RawActivity, assemble
from .hr import BeatCollector
from .model import DecodedActivity, InvalidFitFile


def message_fields(frame: fitdecode.FitDataMessage) -> dict[str, Any]:
    """name -> value for one data message, developer fields left out.

    A name can appear twice (``speed``'s component ``enhanced_speed`` next to a native ``enhanced_speed``);
    the first valid value wins, as ``get_value`` would return it when both are valid.
    """
    out: dict[str, Any] = {}
    for fd in frame.fields:
        if fd.field_def is not None and fd.field_def.is_dev:
            continue
        name = fd.name
        if out.get(name) is None:
            out[name] = fd.value
    return out


def raw_fields(frame: fitdecode.FitDataMessage) -> dict[int, Any]:
    """field number -> raw value (None = invalid) of the fields the message stores; the first valid wins."""
    out: dict[int, Any] = {}
    for fd in frame.fields:
        if fd.field_def is None or fd.field_def.is_dev:
            continue  # components and compressed-header timestamps are derived, not stored
        if out.get(fd.field_def.def_num) is None:
            out[fd.field_def.def_num] = fd.raw_value
    return out


def read_frames(data: bytes, visit: Callable[[Any], None]) -> list[str]:
    """Feed fitdecode's frames (default options) to ``visit``; return fitdecode's warnings (e.g. CRC).

    Any exception fitdecode raises (it raises more than FitError on mutated input) becomes InvalidFitFile;
    exceptions from ``visit`` itself are not disguised as bad files.
    """
    if not data:
        raise InvalidFitFile("empty file")
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        # fitdecode's reader makes no copy of its own: a BytesIO over the upload is enough.
        with fitdecode.FitReader(io.BytesIO(data)) as reader:
            frames = iter(reader)
            while True:
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                except Exception as exc:  # any failure inside fitdecode means "bad file"
                    raise InvalidFitFile(describe_error(exc)) from exc
                visit(frame)
    return [str(w.message) for w in recorded]


def describe_error(exc: BaseException) -> str:
    text = str(exc) or "unreadable data"
    if isinstance(exc, fitdecode.FitEOFError):
        return f"truncated ({text})"
    if isinstance(exc, fitdecode.FitError):
        return text
    # Anything else is a parser tripping over bad bytes: the reason is shown to the athlete, so it says what
    # is wrong with the file, not which Python exception fitdecode raised (that stays in the chained cause).
    return "corrupt data"


def number(value: Any) -> float:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return np.nan


def _timestamp_s(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, int) and not isinstance(value, bool):
        return float(FIT_EPOCH_S + value)  # device-relative time, kept on the same scale
    return np.nan


def decode_reference_raw(
    data: bytes, *, every_message: list[tuple[str, dict[str, Any]]] | None = None
) -> RawActivity:
    """fitdecode's view of ``data``; ``every_message`` (if given) receives (name, fields) of each data message."""
    headers: list[dict[str, Any]] = []
    messages: dict[str, list[dict[str, Any]]] = {name: [] for name in SUMMARY_MESSAGES}
    rows: dict[str, list[float]] = {name: [] for name in RECORD_COLUMNS}
    wanted = set(SUMMARY_MESSAGES)
    beats = BeatCollector()

    def visit(frame: Any) -> None:
        if isinstance(frame, fitdecode.FitHeader):
            headers.append(
                {
                    "header_size": frame.header_size,
                    "protocol_version": tuple(frame.proto_ver),
                    "profile_version": tuple(frame.profile_ver),
                    "data_size": frame.body_size,
                }
            )
        elif isinstance(frame, fitdecode.FitDataMessage):
            name = frame.name
            if every_message is not None:
                every_message.append((name, message_fields(frame)))
            if name == "record":
                fields = message_fields(frame)
                rows["timestamp"].append(_timestamp_s(fields.get("timestamp")))
                for column in RECORD_COLUMNS[1:]:
                    rows[column].append(number(fields.get(column)))
            elif name in wanted:
                messages[name].append(message_fields(frame))
            elif name == "hr":
                beats.add(raw_fields(frame), FIT_EPOCH_S)

    caught = read_frames(data, visit)
    if not headers:
        raise InvalidFitFile("no FIT header found")
    return RawActivity(
        headers=headers,
        messages=messages,
        records={name: np.asarray(values, dtype=np.float64) for name, values in rows.items()},
        record_count=len(rows["timestamp"]),
        warnings=caught,
        beats=beats.columns(),
    )


def decode_reference(data: bytes) -> DecodedActivity:
    """Decode with fitdecode (default options: a CRC mismatch is a warning, not an error)."""
    return assemble(decode_reference_raw(data))
