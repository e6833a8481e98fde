import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadCompleted(_message.Message):
    __slots__ = ("event_id", "activity_id", "user_id", "bucket", "object_key", "size_bytes", "sha256", "uploaded_at")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    OBJECT_KEY_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_AT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    activity_id: str
    user_id: str
    bucket: str
    object_key: str
    size_bytes: int
    sha256: str
    uploaded_at: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., user_id: _Optional[str] = ..., bucket: _Optional[str] = ..., object_key: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., uploaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
