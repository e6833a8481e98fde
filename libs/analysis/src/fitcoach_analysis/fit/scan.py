"""One pass over a FIT file's bytes: headers, definitions and where every data message starts.

The loop touches each message once (a byte test, a list append, a jump by the definition's size); decoding
the values happens later, per definition, with numpy (records) or struct (the few summary messages). The
checks mirror fitdecode's reader, so a file one rejects the other rejects too.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from . import profile as p
from .crc import crc16, crc16_python
from .model import InvalidFitFile


@dataclass
class FieldSpec:
    def_num: int
    field: Any  # fitdecode profile Field, or None when the profile does not know the number
    base: Any  # fitdecode BaseType
    count: int  # number of base values in the field (1 = scalar); for strings, the byte length
    offset: int  # byte offset in the data message payload
    size: int  # bytes consumed
    plain: bool = False  # decodable without subfields, components or timestamp bookkeeping


@dataclass(eq=False)
class Definition:
    """One message layout; data messages read with it are gathered in ``rows`` (header byte offsets)."""

    gnum: int
    mesg_type: Any  # fitdecode MessageType or None
    endian: str
    fields: list[FieldSpec]
    dev_fields: list[FieldSpec]
    size: int  # payload bytes of one data message
    file_index: int
    rows: array[int] = field(default_factory=lambda: array("q"))  # int64, read by numpy without a copy
    runs: list[tuple[int, int, int]] = field(default_factory=list)  # (first offset, step, count) of runs
    table: np.ndarray | None = None  # all header offsets in file order, set at the end of the scan
    broken: str | None = None  # a reason fitdecode fails when reading a data message of this layout
    accumulates: bool = False  # has a component that accumulates (reset to 0 by each definition)
    layout_warnings: list[str] = field(default_factory=list)  # templates with {pos}
    _struct: struct.Struct | None = None

    @property
    def name(self) -> str:
        return self.mesg_type.name if self.mesg_type else f"unknown_{self.gnum}"

    def raw_values(self, buf: bytes, header_pos: int) -> list[Any]:
        """Parsed raw values of one data message, exactly as fitdecode's reader builds them."""
        if self._struct is None:
            fmt = "".join(f"{f.count}{f.base.fmt}" for f in (*self.fields, *self.dev_fields))
            self._struct = struct.Struct(self.endian + fmt)
        items = self._struct.unpack_from(buf, header_pos + 1)
        out: list[Any] = []
        i = 0
        for f in (*self.fields, *self.dev_fields):
            base = f.base
            if base.fmt == "s":
                out.append(base.parse(items[i]))
                i += 1
                continue
            chunk = items[i : i + f.count]
            i += f.count
            if base is p.BYTE:
                out.append(base.parse(chunk))
            elif f.count > 1:
                out.append(tuple(base.parse(v) for v in chunk))
            else:
                out.append(base.parse(chunk[0]))
        return out


@dataclass
class FitFile:
    """One FIT file of a (possibly chained) upload."""

    header: dict[str, Any]
    start: int  # offset of the header
    resets: dict[int, list[int]] = field(default_factory=dict)  # gnum -> definition offsets (accumulators)


@dataclass
class Scan:
    files: list[FitFile]
    definitions: list[Definition]
    message_count: int
    warnings: list[str]
    dev_values: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


class _DevRegistry:
    """Developer field types declared so far in one FIT file (fitdecode's ``_local_dev_types``)."""

    def __init__(self, warnings: list[str]) -> None:
        # Keyed like fitdecode's: a declaration without an index or field number is stored under None.
        self.types: dict[int | None, dict[int | None, Any]] = {}
        self.warnings = warnings
        self.version = 0  # bumped by each declaration: definitions read before it may differ

    def field_base(self, offset: int, local: int, gnum: int, index: int, num: int) -> Any:
        if index not in self.types:
            self.warnings.append(
                f"dev_data_index {index} not defined (looking up for field {num}; local_mesg_num: {local}; "
                f"global_mesg_num: {gnum}; chunk_offset: {offset}); adding dummy type..."
            )
            self.types[index] = {}
        fields = self.types[index]
        if num not in fields:
            self.warnings.append(
                f"no such field {num} for dev_data_index {index} (local_mesg_num: {local}; "
                f"global_mesg_num: {gnum}; chunk_offset: {offset}); defaulting to BYTE field type..."
            )
            fields[num] = p.BYTE
        return fields[num]

    def add_data_id(self, d: Definition, raw: list[Any], offset: int, local: int) -> None:
        value = _raw_by_name(d, raw, "developer_data_index")
        if value is _MISSING:
            self.warnings.append(
                f"'developer_data_index' (local_mesg_num: {local}; chunk_offset: {offset}); adding dummy dev data..."
            )
            index = None
        else:
            index = int(value)  # None raises TypeError, as in fitdecode
        self.types[index] = {}
        self.version += 1

    def add_field_description(self, d: Definition, raw: list[Any], offset: int, local: int) -> None:
        index = _raw_by_name(d, raw, "developer_data_index")
        num = _raw_by_name(d, raw, "field_definition_number")
        for name, value in (("developer_data_index", index), ("field_definition_number", num)):
            if value is _MISSING:
                self.warnings.append(
                    f"'{name}' (local_mesg_num: {local}; chunk_offset: {offset}); adding dummy dev data..."
                )
        index = None if index is _MISSING or index is None else int(index)
        num = None if num is _MISSING else num
        if index not in self.types:
            raise InvalidFitFile(f"FIT parsing error @ {offset}: developer_data_index {index} not defined")
        base_id = _raw_by_name(d, raw, "fit_base_type_id")
        base = p.BYTE if base_id is _MISSING or base_id is None else p.BASE_TYPES[base_id]
        self.types[index][num] = base
        self.version += 1


_MISSING = object()
#: The start of the warning for zero bytes after the last FIT file (followed by " @ <offset> (<n> bytes) ...").
PADDING_WARNING = "zero padding after the last FIT file"
HR_EVENT_TIMESTAMP = 9  # hr.event_timestamp: fitdecode counts hr.event_timestamp_12 from it
HR_EVENT_TIMESTAMP_12 = 10
_TOP3_BITS = bytes(b & 0xE0 for b in range(256))
_SINGLE_BYTES = [bytes([b]) for b in range(256)]
_MIN_PROBE, _MAX_PROBE = 16, 1 << 14  # look-ahead (messages) when a run of one message type starts / at most
#: Bytes scanned between two checks of the message-count cap.
_CHECK_EVERY = 1 << 20


class _DevRows:
    """Rows of a developer_data_id / field_description layout: decoded at once, later definitions need them."""

    def __init__(self, d: Definition, registry: _DevRegistry, buf: bytes, local: int) -> None:
        self.d, self.registry, self.buf, self.local = d, registry, buf, local

    def append(self, pos: int) -> None:
        d = self.d
        if pos + 1 + d.size > len(self.buf):
            raise InvalidFitFile(f"truncated (data message @ {pos})")
        d.rows.append(pos)
        raw = d.raw_values(self.buf, pos)
        if d.gnum == p.MESG_NUM_DEVELOPER_DATA_ID:
            self.registry.add_data_id(d, raw, pos, self.local)
        else:
            self.registry.add_field_description(d, raw, pos, self.local)


def _raw_by_name(d: Definition, raw: list[Any], name: str) -> Any:
    for f, value in zip(d.fields, raw, strict=False):
        if f.field is not None and f.field.name == name:
            return value
    return _MISSING


@lru_cache(maxsize=4096)
def _layout(
    fixed: bytes,
) -> tuple[int, Any, str, tuple[FieldSpec, ...], int, str | None, bool, tuple[str, ...]]:
    """The part of a definition that depends on its bytes alone (cached: devices repeat a few layouts)."""
    big = fixed[2] != 0
    endian = ">" if big else "<"
    gnum = int.from_bytes(fixed[3:5], "big" if big else "little")
    mesg_type = p.MESSAGE_TYPES.get(gnum)
    fields: list[FieldSpec] = []
    offset = 0
    broken = None
    accumulates = False
    layout_warnings: list[str] = []
    for k in range(fixed[5]):
        num, size, base_num = fixed[6 + 3 * k], fixed[7 + 3 * k], fixed[8 + 3 * k]
        prof = mesg_type.fields.get(num) if mesg_type else None
        base = p.BASE_TYPES.get(base_num, p.BYTE)
        if size % base.size:
            layout_warnings.append(
                f"invalid field size {size} in definition message @ {{pos}} for type {base.name} "
                f"(expected a multiple of {base.size})"
            )
            base = p.BYTE
        if size == 0:
            broken = "zero-size field"
        if prof is not None and prof.components and any(c.accumulate for c in prof.components):
            accumulates = True
        count = size if base.fmt == "s" else size // base.size
        plain = (
            prof is not None
            and not prof.subfields
            and not prof.components
            and num != p.FIELD_NUM_TIMESTAMP
            and not (gnum == p.MESG_NUM_HR and num in (HR_EVENT_TIMESTAMP, HR_EVENT_TIMESTAMP_12))
        )
        fields.append(FieldSpec(num, prof, base, count, offset, size, plain))
        offset += size
    return gnum, mesg_type, endian, tuple(fields), offset, broken, accumulates, tuple(layout_warnings)


def _definition(
    buf: bytes, pos: int, end: int, file_index: int, registry: _DevRegistry, warnings: list[str]
) -> tuple[Definition, int]:
    header = buf[pos]
    if pos + 6 > end:
        raise InvalidFitFile(f"truncated definition message @ {pos}")
    q = pos + 6 + 3 * buf[pos + 5]
    if q > end:
        raise InvalidFitFile(f"truncated definition message @ {pos}")
    gnum, mesg_type, endian, fields, offset, broken, accumulates, layout_warnings = _layout(buf[pos:q])
    warnings.extend(w.format(pos=pos) for w in layout_warnings)  # before the developer-field warnings
    dev_fields: list[FieldSpec] = []
    if header & 0x20:
        if q + 1 > end:
            raise InvalidFitFile(f"truncated definition message @ {pos}")
        ndev = buf[q]
        q += 1
        if q + 3 * ndev > end:
            raise InvalidFitFile(f"truncated definition message @ {pos}")
        for k in range(ndev):
            num, size, index = buf[q + 3 * k], buf[q + 3 * k + 1], buf[q + 3 * k + 2]
            base = registry.field_base(pos, header & 0x0F, gnum, index, num)
            # fitdecode reads int(size / base size) values: a size that is no multiple reads fewer bytes.
            count = size if base.fmt == "s" else int(size / base.size)
            used = count if base.fmt == "s" else count * base.size
            if used == 0:
                broken = "zero-size developer field"
            dev_fields.append(FieldSpec(num, None, base, count, offset, used))
            offset += used
        q += 3 * ndev
    d = Definition(gnum, mesg_type, endian, list(fields), dev_fields, offset, file_index, broken=broken)
    d.accumulates = accumulates
    d.layout_warnings = list(layout_warnings)
    return d, q


def _definition_bytes(buf: bytes, pos: int, header: int, registry: _DevRegistry) -> tuple[bytes, int]:
    """Cache key of a definition message: its bytes, and the developer types it was read with."""
    n = len(buf)
    end = pos + 6 + 3 * buf[pos + 5] if pos + 5 < n else n
    if header & 0x20:
        end = end + 1 + 3 * buf[end] if end < n else n
    return buf[pos:end], registry.version if header & 0x20 else 0


def scan(data: bytes, max_messages: int) -> Scan:
    buf = data
    n = len(buf)
    files: list[FitFile] = []
    definitions: list[Definition] = []
    warnings: list[str] = []
    count = 0  # definition messages; data messages are the rows and runs
    in_runs = 0
    pos = 0
    while pos < n:
        start = pos
        if files and buf[pos] == 0 and buf.count(0, pos) == n - pos:
            # Deliberately unlike fitdecode (which fails the whole file on a header it cannot read): zero
            # bytes that some devices and sync tools append after the last complete FIT file are padding,
            # not a further file. Anything else after it must be a valid FIT file.
            warnings.append(f"{PADDING_WARNING} @ {pos} ({n - pos} bytes) ignored")
            break
        if n - pos < 12:
            raise InvalidFitFile(f"truncated FIT header @ {pos}")
        header_size = buf[pos]
        if header_size < 12 or buf[pos + 8 : pos + 12] != b".FIT":
            raise InvalidFitFile(f"not a FIT file @ {pos}")
        if header_size not in (12, 14):
            raise InvalidFitFile(f"unsupported FIT header size {header_size} @ {pos}")
        if pos + header_size > n:
            raise InvalidFitFile(f"truncated FIT header @ {pos}")
        proto, profile_ver, data_size = struct.unpack_from("<BHI", buf, pos + 1)
        if header_size == 14:
            header_crc = int.from_bytes(buf[pos + 12 : pos + 14], "little")
            if header_crc and header_crc != crc16_python(buf[pos : pos + 12]):
                warnings.append(f"mismatching CRC in FIT header (header offset: {pos})")
        files.append(
            FitFile(
                header={
                    "header_size": header_size,
                    "protocol_version": (proto >> 4, proto & 0x0F),
                    "profile_version": (int(profile_ver / 100), int(profile_ver % 100)),
                    "data_size": data_size,
                },
                start=start,
            )
        )
        file_index = len(files) - 1
        registry = _DevRegistry(warnings)
        resets = files[-1].resets
        pos += header_size
        body_end = pos + data_size
        if body_end > n:
            # Checked once here rather than in the message loop below (the decoder's hot path), which
            # reads up to body_end: the athlete learns what is wrong, not that an index ran out.
            raise InvalidFitFile(
                f"truncated: the FIT header @ {pos - header_size} announces {data_size} bytes of data, "
                f"the file holds {n - pos}"
            )
        # Per local message number: the rows list to append to and the bytes to skip. Attribute lookups
        # per message would cost more than the rest of the loop.
        rows_of: list[Any] = [None] * 16
        runs_of: list[Any] = [None] * 16
        step_of = [0] * 16
        cache: dict[tuple[bytes, int], Definition] = {}
        last_kind = -1
        probe = _MIN_PROBE
        while pos < body_end:
            limit = min(body_end, pos + _CHECK_EVERY)
            while pos < limit:
                h = buf[pos]
                if h < 0x40:  # normal data message
                    k = h & 0x0F
                elif h >= 0x80:  # compressed timestamp header: local message 0-3
                    k = (h >> 5) & 3
                else:  # definition message
                    key = _definition_bytes(buf, pos, h, registry)
                    d = cache.get(key)
                    if d is None:
                        d, q = _definition(buf, pos, n, file_index, registry, warnings)
                        cache[key] = d
                        definitions.append(d)
                    else:
                        q = pos + len(key[0])
                        # fitdecode warns at every definition, not once per layout
                        warnings.extend(w.format(pos=pos) for w in d.layout_warnings)
                    if d.accumulates:
                        resets.setdefault(d.gnum, []).append(pos)
                    k = h & 0x0F
                    special = d.gnum in (p.MESG_NUM_DEVELOPER_DATA_ID, p.MESG_NUM_FIELD_DESCRIPTION)
                    rows_of[k] = _DevRows(d, registry, buf, k) if special else d.rows
                    runs_of[k] = d.runs
                    step_of[k] = 1 + d.size
                    pos = q
                    count += 1
                    last_kind = -1
                    continue
                rows = rows_of[k]
                if rows is None:
                    raise InvalidFitFile(f"FIT parsing error @ {pos}: local message {k} not defined")
                rows.append(pos)
                step = step_of[k]
                pos += step
                kind = h if h < 0x80 else h & 0xE0
                if kind == last_kind and rows is not None and type(rows) is array and pos < body_end:
                    # In a run of one message type: the next headers sit every `step` bytes. Read them all
                    # with one strided slice and take the prefix that repeats this header (compressed
                    # headers: its top 3 bits). Exact: any other message would break the prefix.
                    m = min(probe, (body_end - pos) // step)
                    heads = buf[pos : pos + step * m : step]
                    if h >= 0x80:
                        heads = heads.translate(_TOP3_BITS)
                    run = m - len(heads.lstrip(_SINGLE_BYTES[kind]))
                    if run:
                        runs_of[k].append((pos, step, run))
                        in_runs += run
                        pos += run * step
                    probe = min(probe * 4, _MAX_PROBE) if run == m else _MIN_PROBE
                last_kind = kind
            if count + in_runs + sum(len(d.rows) for d in definitions) > max_messages:
                raise InvalidFitFile(f"too many messages (> {max_messages})")
        if pos > n:
            raise InvalidFitFile(f"truncated (expected {pos - n} more bytes @ {n})")
        if pos > body_end:
            raise InvalidFitFile(f"message crosses the end of the data @ {body_end}")
        if pos + 2 > n:
            raise InvalidFitFile(f"truncated (file CRC missing @ {pos})")
        read_crc = int.from_bytes(buf[pos : pos + 2], "little")
        computed = crc16(memoryview(buf)[start:pos])
        if read_crc != computed:
            warnings.append(
                f"mismatching CRC in FIT footer (footer offset: {pos}; read crc: {read_crc}; expected crc: {computed})"
            )
        pos += 2
    data_messages = 0
    for d in definitions:
        table = np.frombuffer(d.rows, dtype=np.int64)
        if d.runs:
            spans = [
                np.arange(first, first + step * run, step, dtype=np.int64) for first, step, run in d.runs
            ]
            table = np.sort(np.concatenate([table, *spans]))
        d.table = table
        if d.broken and len(table):
            raise InvalidFitFile(f"{d.broken} in the definition of {d.name}")
        data_messages += len(table)
    return Scan(files, definitions, count + data_messages, warnings)
