"""Protobuf messages → plain Python values for JSON and display. The one place enums become names.

Rules, applied to every message the same way: enum values become lower-case names without their type prefix
(`ACTIVITY_STATUS_ANALYZED` → `"analyzed"`, `ENGINE_OFFLINE` → `"offline"`, UNSPECIFIED → None); fields
with presence that are unset, empty strings and unset sub-messages become None, so a JSON reader sees every
field name; timestamps become ISO 8601 strings in UTC.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, cast

from fitcoach.activity.v1 import activity_service_pb2 as activity_pb
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

FINAL_STATUSES = frozenset({"failed", "duplicate"})
SETTLED_ADVICE = frozenset({"ready", "failed"})


def _enum_prefix(enum: EnumDescriptor) -> str:
    # ActivityStatus → ACTIVITY_STATUS_ (buf's ENUM_VALUE_PREFIX rule guarantees this shape).
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"


def enum_name(enum: EnumDescriptor, number: int) -> str | None:
    """`"analyzed"` for ACTIVITY_STATUS_ANALYZED; None for the UNSPECIFIED zero value; the number if unknown."""
    value = enum.values_by_number.get(number)
    if value is None:
        return str(number)  # a newer server may send values this client does not know yet
    name = value.name.removeprefix(_enum_prefix(enum)).lower()
    return None if name == "unspecified" else name


def status_name(number: int) -> str | None:
    return enum_name(activity_pb.ActivityStatus.DESCRIPTOR, number)


def advice_status_name(number: int) -> str | None:
    return enum_name(activity_pb.AdviceStatus.DESCRIPTOR, number)


def is_final(status: str | None, advice_status: str | None) -> bool:
    """The states WatchActivity ends on: failed, duplicate, or analyzed with the advice settled."""
    return status in FINAL_STATUSES or (status == "analyzed" and advice_status in SETTLED_ADVICE)


def timestamp_iso(ts: Timestamp) -> str:
    return ts.ToDatetime().isoformat() + "Z"


def _scalar(field: FieldDescriptor, value: Any) -> Any:
    # enum_type / message_type are set exactly for enum / message fields.
    if field.enum_type is not None:
        return enum_name(field.enum_type, value)
    if field.message_type is not None:
        if field.message_type.full_name == Timestamp.DESCRIPTOR.full_name:
            return timestamp_iso(value)
        return to_plain(value)
    if isinstance(value, str) and value == "":
        return None
    return value


def to_plain(message: Message, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every field of `message` by its proto name (see the module rules), except those in `skip`."""
    out: dict[str, Any] = {}
    # The type stubs keep upb's descriptor classes apart from google.protobuf.descriptor's; at run time these
    # are the same classes (isinstance holds), so the public type is the honest one.
    descriptor = cast(Descriptor, message.DESCRIPTOR)
    for field in descriptor.fields:
        if field.name in skip:
            continue
        value = getattr(message, field.name)
        if field.is_repeated:
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                out[field.name] = dict(value)
            else:
                out[field.name] = [_scalar(field, item) for item in value]
        elif field.has_presence and not message.HasField(field.name):
            out[field.name] = None
        else:
            out[field.name] = _scalar(field, value)
    return out


def metrics_dict(metrics: activity_pb.MetricSet) -> dict[str, Any]:
    """All MetricSet fields by name, None when unset."""
    return to_plain(metrics)


def advice_dict(activity: activity_pb.Activity) -> dict[str, Any] | None:
    return to_plain(activity.advice) if activity.HasField("advice") else None


def session_brief(session: activity_pb.Session) -> dict[str, Any]:
    """What a one-line-per-file JSON reader wants of a session; `fitctl show --json` has everything."""
    return {
        "sport": session.sport or None,
        "sub_sport": session.sub_sport or None,
        "start_time": timestamp_iso(session.start_time) if session.HasField("start_time") else None,
        "laps": len(session.laps),
        "splits_km": len(session.splits_km),
    }


# Chart streams can hold thousands of points per series: left out of JSON unless asked for.
SESSION_SKIP = frozenset({"streams"})


def activity_dict(
    activity: activity_pb.Activity, *, full: bool = False, streams: bool = False
) -> dict[str, Any]:
    """The activity as the JSON object fitctl prints; `full` adds sessions with laps, splits and zones."""
    out: dict[str, Any] = {
        "activity_id": activity.activity_id or None,
        "file": activity.file_name or None,
        "status": status_name(activity.status),
        "advice_status": advice_status_name(activity.advice_status),
        "error": activity.failure_reason or None,
        "duplicate_of": activity.duplicate_of or None,
        "sport": activity.sport or None,
        "start_time": timestamp_iso(activity.start_time) if activity.HasField("start_time") else None,
        "device": activity.device or None,
        "size_bytes": activity.size_bytes,
        "sha256": activity.sha256 or None,
        "record_count": activity.record_count,
        "analyzer_version": activity.analyzer_version or None,
        "times": to_plain(activity.times) if activity.HasField("times") else None,
        "metrics": metrics_dict(activity.summary) if activity.HasField("summary") else None,
        "sessions": [
            to_plain(s, skip=frozenset() if streams else SESSION_SKIP) if full else session_brief(s)
            for s in activity.sessions
        ],
        "advice": advice_dict(activity),
    }
    return out


def _finite(value: Any) -> Any:
    # JSON has no NaN (chart streams mark missing samples with it): emit null instead of invalid JSON.
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"  # protobuf's JSON spelling (a histogram's last bound)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def json_line(value: Any) -> str:
    """One compact, valid JSON document on one line."""
    return json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
