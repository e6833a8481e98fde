"""The fast decoder: record messages become numpy columns, the few summary messages Python dicts.

Pipeline: ``scan`` finds every message; timestamps of compressed-timestamp headers are accumulated for the
whole file at once; each record layout is gathered with one fancy-index over a structured-dtype view of the
bytes and turned into float64 columns (invalid → NaN, scale/offset, components such as enhanced_speed or
compressed_speed_distance, accumulated distance); summary messages go through ``message_dict``, a port of
fitdecode's per-field rules; ``hr`` messages (strap HR stored during swims) become beat columns, one
gather per layout. ``assemble`` then builds the same DecodedActivity as the reference decoder.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import profile as p
from .accumulate import accumulate as _accumulate
from .assemble import RECORD_COLUMNS, SUMMARY_MESSAGES, RawActivity, assemble
from .hr import HR_COLUMNS, MAX_BEATS, MESG_NUM_HR, BeatCollector, empty_beats
from .model import DecodedActivity, InvalidFitFile
from .rows import RowState, message_dict
from .scan import Definition, FieldSpec, Scan, scan

_RECORD = 20
#: hr fields the beats are read from (timestamp, fractional_timestamp, time256, filtered_bpm, event_timestamp,
#: event_timestamp_12) and the number of 12-bit clock values event_timestamp_12 packs.
_HR_FIELDS = frozenset({253, 0, 1, 6, 9, 10})
_HR_PACKED = 8
#: An accumulating record component waiting for the file-wide pass: (column name, fitdecode component field,
#: rows, raw values, valid, the columns of its layout to fill).
_PendingAccumulation = tuple[str, Any, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]


# --- timestamps ------------------------------------------------------------------------------------------


def _compressed_timestamps(s: Scan, buf: np.ndarray, tables: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Raw timestamp of every compressed-header message, per definition id."""
    if not any((buf[rows] >= 0x80).any() for rows in tables.values()):
        return {}
    keys, raws, resets, values, owners = [], [], [], [], []
    for f in s.files:  # every FIT file starts with the accumulator at 0
        keys.append(np.array([2 * f.start], dtype=np.int64))
        raws.append(np.zeros(1, np.int64))
        resets.append(np.ones(1, bool))
        values.append(np.zeros(1, np.int64))
        owners.append(np.full(1, -1))
    for i, d in enumerate(s.definitions):
        if i not in tables:
            continue
        rows = tables[i]
        headers = buf[rows]
        ts_field = next((f for f in d.fields if f.def_num == p.FIELD_NUM_TIMESTAMP), None)
        if ts_field is not None:
            field = _field_raw(d, ts_field, buf, rows)
            if field is not None:
                raw, valid = field
                keys.append(2 * rows[valid])
                raws.append(np.zeros(int(valid.sum()), np.int64))
                resets.append(np.ones(int(valid.sum()), bool))
                values.append(raw[valid].astype(np.int64))
                owners.append(np.full(int(valid.sum()), -1))
        compressed = (headers & 0x80) != 0
        if compressed.any():
            keys.append(2 * rows[compressed] + 1)  # after the message's own timestamp field
            raws.append((headers[compressed] & 0x1F).astype(np.int64))
            resets.append(np.zeros(int(compressed.sum()), bool))
            values.append(np.zeros(int(compressed.sum()), np.int64))
            owners.append(np.full(int(compressed.sum()), i))
    owner = np.concatenate(owners)
    if not (owner >= 0).any():
        return {}
    acc = _accumulate(
        np.concatenate(keys), np.concatenate(raws), np.concatenate(resets), np.concatenate(values), 5
    )
    out: dict[int, np.ndarray] = {}
    for i in np.unique(owner[owner >= 0]):
        out[int(i)] = acc[owner == i]  # in row order: keys of one definition are increasing
    return out


# --- vectorised field access -----------------------------------------------------------------------------


def _at(buf: np.ndarray, dtype: np.dtype, starts: np.ndarray) -> np.ndarray:
    """Values of ``dtype`` starting at each byte offset in ``starts``: one gather, no per-byte index."""
    every_offset = np.ndarray(shape=(buf.size - dtype.itemsize + 1,), dtype=dtype, buffer=buf, strides=(1,))
    values: np.ndarray = every_offset[starts]
    return values


def _gather_rows(d: Definition, buf: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Every row of a layout in one gather, as a structured array with a column per scalar numeric field."""
    names, formats, offsets = [], [], []
    for k, f in enumerate(d.fields):
        info = p.base_info(f.base)
        if f.count == 1 and info.code != "S" and f.base is not p.BYTE:
            names.append(f"f{k}")
            formats.append(d.endian + info.code)
            offsets.append(1 + f.offset)
    dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": 1 + d.size})
    return _at(buf, dtype, rows)


def _field_raw(
    d: Definition, f: FieldSpec, buf: np.ndarray, rows: np.ndarray, gathered: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, valid) of a scalar numeric field at each row; None for arrays, strings, bytes."""
    info = p.base_info(f.base)
    if f.count != 1 or info.code == "S" or f.base is p.BYTE:
        return None
    dtype = np.dtype(d.endian + info.code)
    if gathered is not None:
        values = gathered[f"f{d.fields.index(f)}"]
    else:
        values = _at(buf, dtype, rows + (1 + f.offset))
    if info.invalid is None:
        valid = ~np.isnan(values)
    else:
        valid = values != np.array(info.invalid).astype(dtype)
    return values, valid


def _bytes_le(buf: np.ndarray, rows: np.ndarray, f: FieldSpec) -> np.ndarray:
    """A byte-array field as one little-endian integer (what fitdecode's ComponentField.render does)."""
    b = buf[(rows + 1 + f.offset)[:, None] + np.arange(f.count)].astype(np.uint64)
    whole: np.ndarray = (b << (8 * np.arange(f.count, dtype=np.uint64))).sum(axis=1, dtype=np.uint64)
    return whole


def _scale(values: np.ndarray, scale: Any, offset: Any) -> np.ndarray:
    out = values.astype(np.float64)
    if scale:
        out = out / float(scale)
    if offset:
        out = out - offset
    return out


class _NeedsRowPath(Exception):
    """A record layout the vectorised path does not cover; its rows go through message_dict instead."""


def _fill(out: dict[str, np.ndarray], name: str, values: np.ndarray, valid: np.ndarray) -> None:
    """Give ``name`` these values where it has none yet (fitdecode: the first valid field of a name wins)."""
    column = out.get(name)
    if column is None:
        out[name] = np.where(valid, values, np.nan)
    else:
        empty = np.isnan(column) & valid
        column[empty] = values[empty]


def _record_columns(
    d: Definition,
    buf: np.ndarray,
    rows: np.ndarray,
    ts: np.ndarray | None,
    accum: list[_PendingAccumulation],
) -> dict[str, np.ndarray]:
    """The RECORD_COLUMNS of one record layout present in it; NaN where a row has no valid value."""
    out: dict[str, np.ndarray] = {}
    wanted = set(RECORD_COLUMNS)
    gathered = _gather_rows(d, buf, rows)
    for f in d.fields:
        prof = f.field
        if prof is None:
            continue
        if prof.subfields:
            raise _NeedsRowPath
        name_targets = prof.name in wanted
        cmp_targets = [c for c in prof.components or () if d.mesg_type.fields[c.def_num].name in wanted]
        if not name_targets and not cmp_targets:
            continue
        if prof.type.name in p.NUMERIC_PROCESSED_TYPES and f.count != 1:
            raise _NeedsRowPath
        if f.base is p.BYTE and f.count <= 8 and not name_targets:
            whole = _bytes_le(buf, rows, f)
            valid = (buf[(rows + 1 + f.offset)[:, None] + np.arange(f.count)] != 0xFF).any(axis=1)
            width = 8 * f.count
        else:
            field = _field_raw(d, f, buf, rows, gathered)
            if field is None:
                raise _NeedsRowPath
            whole, valid = field
            width = 64
        for c in cmp_targets:
            if c.bit_offset >= width:
                continue  # fitdecode skips a component beyond the field's bytes
            name = d.mesg_type.fields[c.def_num].name
            raw = (whole.astype(np.uint64) >> np.uint64(c.bit_offset)) & np.uint64((1 << c.bits) - 1)
            if c.accumulate:
                # Accumulated across all record layouts in file order: done by the caller.
                accum.append((name, c, rows, raw, valid, out))
                continue
            _fill(out, name, _scale(raw, c.scale, c.offset), valid)
        if name_targets:
            if prof.type.enum:
                valid = valid & ~np.isin(whole, list(prof.type.enum))  # enum names are not numbers
            _fill(out, prof.name, _scale(whole, prof.scale, prof.offset), valid)
    if ts is not None:
        _fill(out, "timestamp", ts, ~np.isnan(ts))
    if "timestamp" in out:
        out["timestamp"] += p.FIT_EPOCH_S
    else:
        out["timestamp"] = np.full(len(rows), np.nan)
    return out


# --- whole file ------------------------------------------------------------------------------------------


def _row_table(s: Scan) -> dict[int, np.ndarray]:
    return {i: d.table for i, d in enumerate(s.definitions) if d.table is not None and len(d.table)}


def iter_messages(
    data: bytes, *, names: set[str] | None = None, max_messages: int = 2_000_000
) -> Iterator[tuple[Definition, int, dict[str, Any]]]:
    """(definition, header offset, message dict) of every data message in file order, via the row path."""
    s = scan(data, max_messages)
    buf = np.frombuffer(data, dtype=np.uint8)
    tables = _row_table(s)
    ts = _compressed_timestamps(s, buf, tables)
    yield from _summary_messages(s, data, buf, tables, ts, names)


def _summary_messages(
    s: Scan,
    data: bytes,
    buf: np.ndarray,
    tables: dict[int, np.ndarray],
    ts: dict[int, np.ndarray],
    names: set[str] | None,
) -> Iterator[tuple[Definition, int, dict[str, Any]]]:
    events: list[tuple[int, int, int]] = []  # (offset, kind, definition id); kind 0 = accumulator reset
    for f in s.files:
        for gnum, offsets in f.resets.items():
            events.extend((o, 0, -1 - gnum) for o in offsets)
    for i, d in enumerate(s.definitions):
        if i in tables and (names is None or d.name in names):
            events.extend((int(o), 1, i) for o in tables[i])
    events.sort()
    # offset -> timestamp of compressed-header messages, for the layouts read here only
    compressed_at = {
        i: dict(zip(tables[i][buf[tables[i]] >= 0x80].tolist(), ts[i].tolist(), strict=True))
        for i in {ident for _, kind, ident in events if kind == 1 and ident in ts}
    }
    state = RowState()
    file_starts = [f.start for f in s.files]
    current_file = -1
    for offset, kind, ident in events:
        while current_file + 1 < len(file_starts) and offset >= file_starts[current_file + 1]:
            current_file += 1
            state = RowState()
        if kind == 0:
            state.accumulators.pop(-1 - ident, None)
            continue
        d = s.definitions[ident]
        raw = d.raw_values(data, offset)
        yield d, offset, message_dict(d, raw, compressed_at.get(ident, {}).get(offset), state)


def _records(
    s: Scan, data: bytes, buf: np.ndarray, tables: dict[int, np.ndarray], ts: dict[int, np.ndarray]
) -> tuple[dict[str, np.ndarray], int]:
    parts: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    accum: list[_PendingAccumulation] = []
    slow: list[int] = []
    for i, d in enumerate(s.definitions):
        if d.gnum != _RECORD or i not in tables:
            continue
        rows = tables[i]
        tsd = None
        if i in ts:
            tsd = np.full(len(rows), np.nan)
            tsd[buf[rows] >= 0x80] = ts[i]
        try:
            parts.append((rows, _record_columns(d, buf, rows, tsd, accum)))
        except _NeedsRowPath:
            slow.append(i)
    if accum:
        _apply_record_accumulation(s, accum)
    if slow:
        parts.append(_slow_records(s, data, buf, tables, ts, slow))
    if not parts:
        return {"timestamp": np.empty(0)}, 0
    if len(parts) == 1:  # one record layout: rows are in file order already
        return parts[0][1], len(parts[0][0])
    offsets = np.concatenate([r for r, _ in parts])
    order = np.argsort(offsets, kind="stable")
    columns = {
        name: np.concatenate([c[name] if name in c else np.full(len(r), np.nan) for r, c in parts])[order]
        for name in RECORD_COLUMNS
        if any(name in c for _, c in parts)
    }
    return columns, len(offsets)


def _apply_record_accumulation(s: Scan, accum: list[_PendingAccumulation]) -> None:
    """Accumulating components (compressed_speed_distance → distance) across layouts, in file order."""
    by_component: dict[int, list[_PendingAccumulation]] = {}
    for item in accum:
        by_component.setdefault(item[1].def_num, []).append(item)
    resets = np.asarray(sorted(o for f in s.files for o in [f.start, *f.resets.get(_RECORD, [])]), np.int64)
    for items in by_component.values():
        c = items[0][1]
        keys = np.concatenate([resets * 2] + [rows[valid] * 2 + 1 for _, _, rows, _, valid, _ in items])
        raws = np.concatenate(
            [np.zeros(len(resets), np.int64)] + [raw[valid].astype(np.int64) for *_, raw, valid, _ in items]
        )
        is_reset = np.concatenate(
            [np.ones(len(resets), bool)] + [np.zeros(int(v.sum()), bool) for *_, v, _ in items]
        )
        acc = _accumulate(keys, raws, is_reset, np.zeros(len(keys), np.int64), c.bits)[len(resets) :]
        start = 0
        for name, comp, rows, _raw, valid, out in items:
            k = int(valid.sum())
            values = np.full(len(rows), np.nan)
            values[valid] = _scale(acc[start : start + k], comp.scale, comp.offset)
            start += k
            _fill(out, name, values, valid)


def _slow_records(
    s: Scan,
    data: bytes,
    buf: np.ndarray,
    tables: dict[int, np.ndarray],
    ts: dict[int, np.ndarray],
    ids: list[int],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from .reference import number

    rows_all: list[int] = []
    cols: dict[str, list[float]] = {name: [] for name in RECORD_COLUMNS}
    wanted = set(ids)
    state = RowState()
    for i in sorted(wanted):
        d = s.definitions[i]
        comp = {}
        if i in ts:
            comp = dict(zip(tables[i][buf[tables[i]] >= 0x80].tolist(), ts[i].tolist(), strict=True))
        for offset in tables[i].tolist():
            fields = message_dict(d, d.raw_values(data, offset), comp.get(offset), state)
            rows_all.append(offset)
            t: Any = fields.get("timestamp")  # a datetime, a raw FIT number or None
            cols["timestamp"].append(
                t.timestamp()
                if hasattr(t, "timestamp")
                else (p.FIT_EPOCH_S + t if isinstance(t, int) else np.nan)
            )
            for name in RECORD_COLUMNS[1:]:
                cols[name].append(number(fields.get(name)))
    return np.asarray(rows_all, np.int64), {k: np.asarray(v, np.float64) for k, v in cols.items()}


def _hr_beats(s: Scan, data: bytes, buf: np.ndarray, tables: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    """Beats of every hr message (hr.HR_COLUMNS), in file order: vectorised per layout, odd layouts per row."""
    hr_defs = [i for i, d in enumerate(s.definitions) if d.gnum == MESG_NUM_HR and i in tables]
    if not hr_defs:
        return empty_beats()
    parts: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    slow = BeatCollector()
    for i in hr_defs:
        d, rows = s.definitions[i], tables[i]
        try:
            parts.append(_hr_layout_beats(d, buf, rows))
        except _NeedsRowPath:
            for offset in rows.tolist():
                raw: dict[int, Any] = {}
                for f, value in zip(d.fields, d.raw_values(data, offset), strict=False):
                    if raw.get(f.def_num) is None:
                        raw[f.def_num] = value
                slow.add(raw, p.FIT_EPOCH_S, offset)
    if slow.keys:
        parts.append((np.asarray(slow.keys, np.int64), slow.columns()))
    if len(parts) == 1 and not slow.keys:
        return parts[0][1]  # one vectorised layout: file order already
    order = np.argsort(np.concatenate([k for k, _ in parts]), kind="stable")
    return {name: np.concatenate([c[name] for _, c in parts])[order] for name in HR_COLUMNS}


def _hr_layout_beats(
    d: Definition, buf: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """BeatCollector.add over every row of one hr layout at once: (ordering keys, beat columns)."""
    fields: dict[int, FieldSpec] = {}
    for f in d.fields:
        if f.def_num in fields and f.def_num in _HR_FIELDS:
            raise _NeedsRowPath  # a repeated field: "first valid value wins" per row
        fields.setdefault(f.def_num, f)
    n = len(rows)

    def numbers(num: int) -> np.ndarray | None:
        """(rows, count) float64 values of an integer field, NaN where invalid; None when absent."""
        f = fields.get(num)
        if f is None:
            return None
        info = p.base_info(f.base)
        if f.base is p.BYTE or info.invalid is None:
            raise _NeedsRowPath  # bytes, strings and floats are no clock, bpm or time here
        dtype = np.dtype(d.endian + info.code)
        # one gather of the field's bytes, read as (rows, count) values
        values = buf[(rows + 1 + f.offset)[:, None] + np.arange(f.count * f.base.size)].view(dtype)
        return np.where(values != np.array(info.invalid).astype(dtype), values.astype(np.float64), np.nan)

    ts, fraction, time256 = (numbers(num) for num in (253, 0, 1))
    if any(v is not None and v.shape[1] != 1 for v in (ts, fraction, time256)):
        raise _NeedsRowPath
    anchor = np.full(n, np.nan)
    if ts is not None:
        frac = np.zeros(n)
        if time256 is not None:
            frac = np.where(np.isfinite(time256[:, 0]), time256[:, 0] / 256.0, frac)
        if fraction is not None:
            frac = np.where(np.isfinite(fraction[:, 0]), fraction[:, 0] / 32768.0, frac)
        anchor = (p.FIT_EPOCH_S + ts[:, 0]) + frac
    native = numbers(9)
    native = np.empty((n, 0)) if native is None else native
    bpm = numbers(6)
    bpm = np.empty((n, 0)) if bpm is None else bpm
    packed = np.empty((n, 0))
    use_packed = np.zeros(n, bool)
    f12 = fields.get(10)
    if f12 is not None:
        if f12.base is not p.BYTE:
            raise _NeedsRowPath
        count = min(_HR_PACKED, f12.count * 8 // 12)
        b = buf[(rows + 1 + f12.offset)[:, None] + np.arange(f12.count)]
        use_packed = (b != 0xFF).any(axis=1)
        # every 3 bytes hold two 12-bit values, low bits first: (b0 | b1.low << 8), (b1.high | b2 << 4)
        triples = b[:, : 3 * ((count + 1) // 2)].astype(np.int64).reshape(n, -1, 3)
        pairs = np.stack(
            [triples[..., 0] | (triples[..., 1] & 0xF) << 8, triples[..., 1] >> 4 | triples[..., 2] << 4],
            axis=2,
        )
        packed = pairs.reshape(n, -1)[:, :count].astype(np.float64)
    width = max(native.shape[1], packed.shape[1])

    def pad(a: np.ndarray) -> np.ndarray:
        """``a`` cut or NaN-padded to ``width`` columns (np.pad costs 40 µs a call)."""
        if a.shape[1] == width:
            return a
        out = np.full((n, width), np.nan)
        out[:, : min(width, a.shape[1])] = a[:, :width]
        return out

    clock = np.where(use_packed[:, None], pad(packed), pad(native))
    beats_bpm = pad(bpm)
    anchors = np.full((n, width), np.nan)
    if width:
        anchors[:, 0] = anchor
    keys = rows[:, None] * MAX_BEATS + np.arange(width)
    keep = np.isfinite(clock)
    return keys[keep], {
        "clock": clock[keep],
        "packed": np.broadcast_to(use_packed[:, None], clock.shape)[keep],
        "bpm": beats_bpm[keep],
        "anchor_s": anchors[keep],
    }


def decode_fast_raw(data: bytes, *, max_messages: int = 2_000_000) -> RawActivity:
    if not data:
        raise InvalidFitFile("empty file")
    try:
        return _decode_fast_raw(data, max_messages)
    except InvalidFitFile:
        raise
    except (struct.error, TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        # Values fitdecode also fails on (a None inside an array with components, an array of date_time ...)
        # The reason is shown to the athlete; the Python exception stays in the chained cause for logs.
        raise InvalidFitFile("corrupt data") from exc


def _reject_what_fitdecode_cannot_process(s: Scan, buf: np.ndarray, tables: dict[int, np.ndarray]) -> None:
    """fitdecode fails (TypeError) on a date/time-typed field holding an array, bytes or a string.

    decode() skips messages it does not need, so this is checked for every layout, by value where the
    outcome depends on it (all-0xFF bytes and empty strings are "invalid", which fitdecode accepts).
    """
    for i, d in enumerate(s.definitions):
        if i not in tables:
            continue
        for f in d.fields:
            if f.field is None or f.field.type.name not in p.NUMERIC_PROCESSED_TYPES:
                continue
            if f.base is not p.BYTE and f.base.fmt != "s" and f.count == 1:
                continue
            rows = tables[i]
            if f.base is p.BYTE:
                present = (buf[(rows + 1 + f.offset)[:, None] + np.arange(f.count)] != 0xFF).any()
            elif f.base.fmt == "s":
                present = (buf[rows + 1 + f.offset] != 0).any()
            else:
                present = True
            if present:
                raise InvalidFitFile(f"{d.name}.{f.field.name}: a date/time field holds an array or text")


def _decode_fast_raw(data: bytes, max_messages: int) -> RawActivity:
    s = scan(data, max_messages)
    if not s.files:
        raise InvalidFitFile("no FIT header found")
    buf = np.frombuffer(data, dtype=np.uint8)
    tables = _row_table(s)
    _reject_what_fitdecode_cannot_process(s, buf, tables)
    ts = _compressed_timestamps(s, buf, tables)
    messages: dict[str, list[dict[str, Any]]] = {name: [] for name in SUMMARY_MESSAGES}
    # device_info (hundreds of messages in some files) only names the device when file_id is missing.
    wanted = set(SUMMARY_MESSAGES) - {"device_info"}
    for d, _offset, fields in _summary_messages(s, data, buf, tables, ts, wanted):
        messages[d.name].append(fields)
    if not messages["file_id"]:
        for d, _offset, fields in _summary_messages(s, data, buf, tables, ts, {"device_info"}):
            messages[d.name].append(fields)
    records, count = _records(s, data, buf, tables, ts)
    return RawActivity(
        beats=_hr_beats(s, data, buf, tables),
        headers=[f.header for f in s.files],
        messages=messages,
        records=records,
        record_count=count,
        warnings=s.warnings,
    )


def decode_fast(data: bytes, *, max_messages: int = 2_000_000) -> DecodedActivity:
    return assemble(decode_fast_raw(data, max_messages=max_messages))
