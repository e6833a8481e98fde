"""Request fuzzing for every FitCoach RPC: the RPCs are discovered from the generated descriptors (a new
service or method is fuzzed without touching the tests), and Hypothesis builds request messages field by
field from each request type's descriptor, biased towards the values that broke things before: dates at
year 1 and 9999, forged page tokens, odd UUID spellings, huge and negative numbers, NaN, unknown enum
values, long and odd strings, and raw bytes that are no protobuf at all."""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
import uuid
from dataclasses import dataclass
from typing import Any

import fitcoach
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st


@dataclass(frozen=True)
class Rpc:
    path: str  # "/fitcoach.activity.v1.ActivityService/GetActivity"
    request: type[Message]
    server_streaming: bool
    client_streaming: bool

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 2)[-2].rsplit(".", 1)[-1] + "." + self.path.rsplit("/", 1)[-1]


def fitcoach_rpcs() -> list[Rpc]:
    """Every RPC of every service in the generated `fitcoach.*` packages (imports each *_pb2 module)."""
    methods: dict[str, MethodDescriptor] = {}
    for module in pkgutil.walk_packages(fitcoach.__path__, "fitcoach."):
        if module.name.endswith("_pb2"):
            for service in importlib.import_module(module.name).DESCRIPTOR.services_by_name.values():
                for method in service.methods:
                    methods[f"/{service.full_name}/{method.name}"] = method
    return [
        Rpc(
            path=path,
            request=message_factory.GetMessageClass(method.input_type),
            server_streaming=method.server_streaming,
            client_streaming=method.client_streaming,
        )
        for path, method in sorted(methods.items())
    ]


def page_token(created_at: Any, activity_id: Any) -> str:
    """A page token shaped as ListActivities issues them (base64url JSON), holding whatever values are given."""
    raw = json.dumps({"c": created_at, "i": activity_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_ONE_ID = uuid.UUID(int=0x1234_5678_9ABC_4DEF_8123_4567_89AB_CDEF)
HOSTILE_STRINGS = [
    "", " ", "0001-01-01", "9999-12-31", "20200101", "2020-02-30", "2020-13-01", "1969-12-31", "2199-12-31",
    "2200-01-01", "2020-01-01T00:00:00+14:00", str(_ONE_ID), str(_ONE_ID).upper(), f"{{{_ONE_ID}}}",
    f"urn:uuid:{_ONE_ID}", _ONE_ID.hex, "00000000-0000-0000-0000-000000000000", "not-a-uuid", "../../etc/passwd",
    "a" * 10_000, "\x00", "\u202e\u0000\ud7ff", "😀" * 50, "null", "{}", "%s%n", "' OR 1=1 --", "x" * 300,
    page_token("0001-01-01T00:00:00+14:00", str(_ONE_ID)), page_token("9999-12-31T23:59:59-14:00", str(_ONE_ID)),
    page_token("2020-01-01T00:00:00", str(_ONE_ID)), page_token(12, [1]), "garbage!", "en", "ko", "zz",
]  # fmt: skip
_INT32 = [0, 1, -1, 2**31 - 1, -(2**31), 100, 101, 99]
_INT64 = [*_INT32, 2**63 - 1, -(2**63), 50 * 1024 * 1024, 50 * 1024 * 1024 + 1]
_FLOATS = [0.0, -0.0, 1e308, -1e308, float("nan"), float("inf"), float("-inf"), 5e-324, 185.0, 2**53]


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=40))
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.one_of(
            st.sampled_from(_FLOATS),
            st.floats(
                allow_nan=True, allow_infinity=True, width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64
            ),
        )
    if kind == FieldDescriptor.TYPE_ENUM:
        # proto3 enums are open: any int32 travels, not only the declared values.
        declared = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(declared), st.sampled_from(_INT32), st.integers(-(2**31), 2**31 - 1))
    if kind in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
        return st.one_of(st.sampled_from(_INT64), st.integers(-(2**63), 2**63 - 1))
    if kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    return st.one_of(st.sampled_from(_INT32), st.integers(-(2**31), 2**31 - 1))  # int32 kinds


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def message_fields(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of field name → value for `descriptor`; any subset of the fields is set."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.message_type is not None and not _is_map(field):
            if field.message_type.full_name == "google.protobuf.Timestamp":
                value: st.SearchStrategy[Any] = st.fixed_dictionaries(
                    {"seconds": st.integers(-62135596800, 253402300799), "nanos": st.integers(0, 999_999_999)}
                )
            elif depth >= 2:
                continue
            else:
                value = message_fields(field.message_type, depth + 1)
        elif _is_map(field):
            key, val = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            value = st.dictionaries(_scalar(key), _scalar(val), max_size=3)
        else:
            value = _scalar(field)
        if field.is_repeated and not _is_map(field):
            value = st.lists(value, max_size=4)
        parts[field.name] = value
    return st.fixed_dictionaries({}, optional=parts)


def _fill(message: Message, values: dict[str, Any]) -> None:
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        if _is_map(field):
            getattr(message, name).update(value)
        elif field.message_type is not None:
            if field.is_repeated:
                for item in value:
                    _fill(getattr(message, name).add(), item)
            else:
                _fill(getattr(message, name), value)
                getattr(message, name).SetInParent()
        elif field.is_repeated:
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)


def request_bodies(rpc: Rpc) -> st.SearchStrategy[bytes]:
    """Serialized requests for `rpc`: mostly well-formed messages with hostile values, some raw bytes that
    are no valid message of any kind (truncated varints, wrong wire types, lengths past the end)."""

    def build(values: dict[str, Any]) -> bytes:
        message = rpc.request()
        _fill(message, values)
        return message.SerializeToString()

    well_formed = message_fields(rpc.request.DESCRIPTOR).map(build)
    malformed = st.one_of(
        st.binary(max_size=64),
        st.sampled_from(
            [b"\xff\xff\xff\xff", b"\x0a\x05ab", b"\x08" + b"\xff" * 11, b"\x0f", b"\x0a\xff\xff\xff\xff\x0f"]
        ),
    )
    return st.one_of(well_formed, well_formed, well_formed, malformed)
