"""FIT profile facts for the fast decoder, taken from fitdecode's generated profile (not retyped).

fitdecode.profile is generated from the Garmin SDK's Profile.xlsx and is what the reference decoder uses,
so both decoders name, scale and offset every field identically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fitdecode import profile as fd_profile
from fitdecode import types as fd_types

MESSAGE_TYPES: dict[int, fd_types.MessageType] = fd_profile.MESSAGE_TYPES
BASE_TYPES: dict[int, fd_types.BaseType] = fd_types.BASE_TYPES
BYTE = fd_types.BASE_TYPE_BYTE
FIELD_NUM_TIMESTAMP = fd_profile.FIELD_NUM_TIMESTAMP
MESG_NUM_DEVELOPER_DATA_ID = fd_profile.MESG_NUM_DEVELOPER_DATA_ID
MESG_NUM_FIELD_DESCRIPTION = fd_profile.MESG_NUM_FIELD_DESCRIPTION
MESG_NUM_HR = fd_profile.MESG_NUM_HR
FIT_EPOCH_S = 631065600
FIT_DATETIME_MIN = 0x10000000


@dataclass(frozen=True)
class BaseInfo:
    """How one FIT base type sits in memory and which raw value means "invalid"."""

    base: fd_types.BaseType
    code: str  # numpy type code without byte order, e.g. "u2"
    invalid: int | None  # None: floats (NaN is invalid), strings and bytes


def _invalid_value(base: fd_types.BaseType) -> int | None:
    # fitdecode encodes "invalid" in each base type's parse(); find the candidate it rejects.
    if base.fmt in "fds" or base is BYTE:
        return None
    bits = base.size * 8
    for candidate in (0, (1 << bits) - 1, (1 << (bits - 1)) - 1):
        if base.parse(candidate) is None:
            return candidate
    raise AssertionError(f"no invalid value for {base.name}")


_CODES = {
    "B": "u1",
    "b": "i1",
    "H": "u2",
    "h": "i2",
    "I": "u4",
    "i": "i4",
    "Q": "u8",
    "q": "i8",
    "f": "f4",
    "d": "f8",
}


def base_info(base: fd_types.BaseType) -> BaseInfo:
    return _BASE_INFO[id(base)]


_BASE_INFO = {
    id(b): BaseInfo(b, _CODES.get(b.fmt, "S"), _invalid_value(b)) for b in [*BASE_TYPES.values(), BYTE]
}


def to_datetime(raw: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(FIT_EPOCH_S + raw, dt.UTC)


def process_value(type_name: str, value: Any) -> Any:
    """fitdecode's DefaultDataProcessor conversions, by FIT type name."""
    if value is None:
        return None
    if type_name == "bool":
        return bool(value)
    if type_name == "date_time":
        return to_datetime(value) if value >= FIT_DATETIME_MIN else value
    if type_name == "local_date_time":
        return to_datetime(value)
    if type_name == "localtime_into_day":
        if value >= 86400:
            return dt.time.max
        m, s = divmod(value, 60)
        h, m = divmod(m, 60)
        return dt.time(h, m, s)
    return value


#: Types whose processor compares the value with a number: fitdecode raises TypeError on arrays of them.
NUMERIC_PROCESSED_TYPES = frozenset({"date_time", "local_date_time", "localtime_into_day"})
