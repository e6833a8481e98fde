"""The per-message path: one data message's raw values -> a dict, by fitdecode's rules.

Used for the few summary messages decode() needs (sessions, laps, events ...) and for record layouts the
vectorised path does not cover; the differential test runs it over every message of every fixture.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import profile as p
from .model import InvalidFitFile
from .scan import HR_EVENT_TIMESTAMP, HR_EVENT_TIMESTAMP_12, Definition


def _resolve_subfield(prof: Any, d: Definition, raw: list[Any]) -> tuple[Any, Any]:
    if prof.subfields:
        for sub in prof.subfields:
            for ref in sub.ref_fields:
                for f, value in zip(d.fields, raw, strict=False):
                    if f.def_num == ref.def_num and ref.raw_value == value:
                        return sub, prof
    return prof, None


def _scale_value(prof: Any, value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_scale_value(prof, v) for v in value)
    if isinstance(value, int | float):
        if prof.scale:
            value = float(value) / prof.scale
        if prof.offset:
            value = value - prof.offset
    return value


def _accumulated(raw: int, acc: int, bits: int) -> int:
    mask = (1 << bits) - 1
    value = raw + (acc & ~mask)
    if raw < (acc & mask):
        value += 1 << bits
    return value


class RowState:
    """What fitdecode carries from one message to the next within a FIT file."""

    def __init__(self) -> None:
        self.accumulators: dict[int, dict[int, int]] = {}
        self.last_timestamp: Any = 0  # last valid ``timestamp`` field (hr.event_timestamp_12 counts from it)
        self.hr_start: Any = 0


def message_dict(d: Definition, raw: list[Any], compressed_ts: int | None, state: RowState) -> dict[str, Any]:
    """name -> value of one data message, as reference.message_fields gives it for fitdecode's frame."""
    out: dict[str, Any] = {}
    accumulators = state.accumulators
    is_hr = d.gnum == p.MESG_NUM_HR

    def put(name: str, type_name: str, value: Any) -> None:
        if out.get(name) is None:
            out[name] = p.process_value(type_name, value)

    for f, value in zip(d.fields, raw, strict=False):
        prof = f.field
        if f.plain:  # the common case, without subfields, components or timestamp bookkeeping
            enum = prof.type.enum
            if enum is not None and value in enum:
                value = enum[value]
            elif value is not None and (prof.scale or prof.offset):
                value = _scale_value(prof, value)
            if out.get(prof.name) is None:
                out[prof.name] = p.process_value(prof.type.name, value)
            continue
        if prof is None:
            if f.def_num == p.FIELD_NUM_TIMESTAMP and value is not None:
                state.last_timestamp = value
            put(f"unknown_{f.def_num}", f.base.name, value)
            continue
        prof, _parent = _resolve_subfield(prof, d, raw)
        for c in prof.components or ():
            if value is None:
                cmp_raw = None
            elif isinstance(value, tuple):
                if c.bit_offset and c.bit_offset >= len(value) << 3:
                    continue
                whole = 0
                for byte in reversed(value):
                    whole = (whole << 8) + byte  # None in an array raises TypeError, as in fitdecode
                cmp_raw = (whole >> c.bit_offset) & ((1 << c.bits) - 1)
            else:
                cmp_raw = (value >> c.bit_offset) & ((1 << c.bits) - 1) if isinstance(value, int) else value
            if c.accumulate and cmp_raw is not None:
                acc = accumulators.setdefault(d.gnum, {})
                cmp_raw = _accumulated(cmp_raw, acc.get(c.def_num, 0), c.bits)
                acc[c.def_num] = cmp_raw
            cmp_value = _scale_value(c, cmp_raw)
            cmp_field, _ = _resolve_subfield(d.mesg_type.fields[c.def_num], d, raw)
            cmp_value = cmp_field.render(cmp_value)
            if is_hr and f.def_num == HR_EVENT_TIMESTAMP_12:
                if not state.hr_start > 0:
                    raise InvalidFitFile("hr.event_timestamp_12 before any hr.event_timestamp")
                cmp_value += state.hr_start  # fitdecode adds it to every component, valid or not
            put(cmp_field.name, cmp_field.type.name, cmp_value)
        decoded = _scale_value(prof, prof.render(value))
        if f.def_num == p.FIELD_NUM_TIMESTAMP and value is not None:
            state.last_timestamp = decoded
        elif is_hr and f.def_num == HR_EVENT_TIMESTAMP:
            state.hr_start = state.last_timestamp
        put(prof.name, prof.type.name, decoded)
    if compressed_ts is not None:
        put("timestamp", "date_time", compressed_ts)
    if is_hr and any(f.def_num == HR_EVENT_TIMESTAMP_12 for f in d.fields):
        # fitdecode's process_message_hr: event_timestamp values become datetimes
        value = out.get("event_timestamp")
        if value is not None:
            out["event_timestamp"] = dt.datetime.fromtimestamp(p.FIT_EPOCH_S + value, dt.UTC)
    return out
