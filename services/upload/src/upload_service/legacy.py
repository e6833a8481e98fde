"""Reading the legacy system's FIT files: rows of a legacy PostgreSQL table and files in a folder.

The original design kept each activity's file either in the `activities` table (compressed `bytea`) or on
disk (`fit_file_path`). Sources here only ever read: the one write is the optional write-back of
fit_file_key / fit_file_status / fit_file_checksum, and it never touches the file bytes.

Compression is detected by magic bytes, not by names: gzip, zlib, bzip2 and xz are unpacked (never past the
upload size limit: a decompression bomb is a failed row, not an exhausted server); anything else — a raw FIT
file — passes through as it is, and the analyzer judges it like any upload.
"""

from __future__ import annotations

import asyncio
import bz2
import contextlib
import csv
import gzip
import io
import lzma
import os
import re
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from fitcoach_runtime.db import redact_dsn
from fitcoach_runtime.errors import FailedPrecondition, InvalidArgument

DEFAULT_TABLE = "activities"
DEFAULT_COLUMNS = {
    "id_column": "id",
    "user_column": "user_id",
    "path_column": "fit_file_path",
    "content_column": "fit_file_content",
}
WRITE_BACK_COLUMNS = ("fit_file_key", "fit_file_status", "fit_file_checksum")
WRITE_BACK_STATUS = "migrated"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_COMPRESSED_SUFFIXES = (".gz", ".gzip", ".zz", ".zlib", ".z", ".bz2", ".xz")


class ItemFailed(Exception):
    """One legacy row or file cannot be migrated; str = the reason reported beside its legacy id."""


@dataclass(frozen=True)
class LegacyItem:
    """One legacy row or file, before its bytes are read."""

    source: str  # e.g. "legacy.public.activities" or "dir:/srv/fit"
    legacy_id: str
    legacy_user: str  # the owner as the legacy system names it ("" for a folder: given by the operator)
    file_name: str
    key: Any = None  # the row's id value as the legacy database types it (for content and write-back)
    path: str | None = None  # file on disk, resolved
    has_content: bool = False


def _quote(name: str) -> str:
    """A possibly schema-qualified SQL identifier, quoted; InvalidArgument for anything else."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENTIFIER.fullmatch(p) for p in parts):
        raise InvalidArgument(f"{name!r} is not a table or column name")
    return ".".join(f'"{p}"' for p in parts)


def _zlib_reader(data: bytes) -> io.RawIOBase:
    """A file-like reader of a zlib stream (the standard library has none); truncation raises EOFError."""

    class Reader(io.RawIOBase):
        def __init__(self) -> None:
            self.unpacker = zlib.decompressobj()
            self.pending = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            while True:
                chunk = self.unpacker.decompress(self.pending, len(buffer))
                self.pending = self.unpacker.unconsumed_tail
                if chunk or self.unpacker.eof:
                    buffer[: len(chunk)] = chunk
                    return len(chunk)
                if not self.pending:
                    raise EOFError("the stream is truncated")

    return Reader()


def decompress(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The FIT bytes inside `data` and the format found ("gzip", "zlib", "bzip2", "xz" or "raw").

    ItemFailed for corrupt compressed data or more than `max_bytes` once unpacked."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return data, "raw"  # a FIT header: never mistaken for a compressed stream
    reader: Any
    if data[:2] == b"\x1f\x8b":
        kind, reader = "gzip", gzip.GzipFile(fileobj=io.BytesIO(data))  # several members are read too
    elif len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and (data[0] << 8 | data[1]) % 31 == 0:
        kind, reader = "zlib", io.BufferedReader(_zlib_reader(data))
    elif data[:3] == b"BZh":
        kind, reader = "bzip2", bz2.BZ2File(io.BytesIO(data))
    elif data[:6] == b"\xfd7zXZ\x00":
        kind, reader = "xz", lzma.LZMAFile(io.BytesIO(data))
    else:
        return data, "raw"
    try:
        with reader:
            out = reader.read(max_bytes + 1)  # bounded: a decompression bomb stops here
    except EOFError:
        raise ItemFailed(f"corrupt {kind} data: the stream is truncated") from None
    except (zlib.error, OSError, lzma.LZMAError, ValueError) as exc:
        raise ItemFailed(f"corrupt {kind} data: {exc}") from None
    if len(out) > max_bytes:
        raise ItemFailed(f"{kind} data unpacks to more than the {max_bytes} byte limit")
    return bytes(out), kind


def plain_name(name: str) -> str:
    """`run.fit.gz` → `run.fit`: the file name the athlete sees, without a compression suffix."""
    lowered = name.lower()
    for suffix in _COMPRESSED_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def read_file(path: str, max_bytes: int) -> bytes:
    """A legacy file's bytes (blocking: run it in a thread); ItemFailed when missing or unreadable."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes * 4 + 1024:  # compressed files are smaller; refuse before reading a monster
            raise ItemFailed(f"file is {size} bytes, far over the {max_bytes} byte limit: {path}")
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ItemFailed(f"file not found: {path}") from None
    except IsADirectoryError:
        raise ItemFailed(f"not a file: {path}") from None
    except OSError as exc:
        raise ItemFailed(f"cannot read {path}: {exc.strerror or exc}") from None


def parse_user_map_csv(text: str) -> dict[str, str]:
    """`legacy_user_id,user_id` lines (a header line is skipped) → mapping; InvalidArgument lists bad lines."""
    mapping: dict[str, str] = {}
    bad: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            bad.append(f"line {number}: expected 2 columns, got {len(row)}")
            continue
        legacy, user = row[0].strip(), row[1].strip()
        try:
            mapping[legacy] = str(uuid.UUID(user))
        except ValueError:
            if number == 1:
                continue  # a header
            bad.append(f"line {number}: {user!r} is not a user id")
    if bad:
        raise InvalidArgument("user map CSV: " + "; ".join(bad[:10]) + ("; ..." if len(bad) > 10 else ""))
    return mapping


class UserMap:
    """Legacy user id → Supabase user id: an explicit mapping first, else a legacy id that is a UUID as is."""

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping = dict(mapping or {})

    def resolve(self, legacy_user: str) -> str:
        mapped = self.mapping.get(legacy_user)
        if mapped is not None:
            return mapped
        try:
            return str(uuid.UUID(legacy_user))
        except ValueError:
            raise ItemFailed(f"legacy user {legacy_user!r} has no mapping to a user id") from None


@dataclass(frozen=True)
class TableSpec:
    """A legacy table and its column names (quoted and checked)."""

    name: str
    id_column: str = DEFAULT_COLUMNS["id_column"]
    user_column: str = DEFAULT_COLUMNS["user_column"]
    path_column: str = DEFAULT_COLUMNS["path_column"]
    content_column: str = DEFAULT_COLUMNS["content_column"]

    def __post_init__(self) -> None:
        for value in (self.name, self.id_column, self.user_column, self.path_column, self.content_column):
            _quote(value)


class LegacyDatabase:
    """A connection to the legacy PostgreSQL database (read-only but for the optional write-back)."""

    def __init__(self, conn: asyncpg.Connection, dsn: str, name: str) -> None:
        self.conn = conn
        self.dsn_shown = redact_dsn(dsn)
        self.name = name
        self._lock = asyncio.Lock()  # one connection: one query at a time

    @classmethod
    async def connect(cls, dsn: str) -> LegacyDatabase:
        try:
            conn = await asyncpg.connect(dsn, timeout=10, statement_cache_size=0)
        except (OSError, asyncpg.PostgresError, ValueError, TimeoutError) as exc:
            raise FailedPrecondition(
                f"cannot connect to the legacy database {redact_dsn(dsn)}: {exc}"
            ) from None
        name = await conn.fetchval("SELECT current_database()")
        return cls(conn, dsn, str(name))

    async def close(self) -> None:
        await self.conn.close()

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self._lock:
            try:
                return await self.conn.fetch(query, *args)
            except asyncpg.PostgresError as exc:
                raise FailedPrecondition(f"legacy database: {exc}") from None

    async def execute(self, query: str, *args: Any) -> None:
        async with self._lock:
            try:
                await self.conn.execute(query, *args)
            except asyncpg.PostgresError as exc:
                raise FailedPrecondition(f"legacy database: {exc}") from None

    async def user_map(self, query: str) -> dict[str, str]:
        """Rows (legacy_user_id, user_id) of an operator's query; InvalidArgument when they are not that."""
        rows = await self.fetch(query)
        mapping: dict[str, str] = {}
        for row in rows:
            if len(row) != 2:
                raise InvalidArgument("the user map query must return two columns: legacy_user_id, user_id")
            try:
                mapping[str(row[0])] = str(uuid.UUID(str(row[1])))
            except ValueError:
                raise InvalidArgument(
                    f"the user map query returned {row[1]!r}, which is not a user id"
                ) from None
        return mapping


class TableSource:
    """The rows of one legacy table."""

    def __init__(self, db: LegacyDatabase, spec: TableSpec, files_root: str = "") -> None:
        self.db = db
        self.spec = spec
        self.files_root = files_root
        schema_table = spec.name if "." in spec.name else f"public.{spec.name}"
        self.source = f"{db.name}.{schema_table}"
        self._table = _quote(spec.name)
        self._id = _quote(spec.id_column)

    def describe(self) -> str:
        return f"{self.db.dsn_shown} table {self.spec.name}"

    async def items(self) -> list[LegacyItem]:
        """Every row, without its bytes (ids, owners, paths and whether content is stored), in id order."""
        s = self.spec
        rows = await self.db.fetch(
            f"SELECT {self._id} AS key, {_quote(s.user_column)}::text AS legacy_user, "
            f"{_quote(s.path_column)}::text AS path, {_quote(s.content_column)} IS NOT NULL AS has_content "
            f"FROM {self._table} ORDER BY {self._id}"
        )
        return [self._item(row) for row in rows]

    def _item(self, row: asyncpg.Record) -> LegacyItem:
        legacy_id = str(row["key"])
        path = row["path"] or None
        if path is not None and not os.path.isabs(path) and self.files_root:
            path = os.path.join(self.files_root, path)
        name = os.path.basename(path) if path else f"{legacy_id}.fit"
        return LegacyItem(
            source=self.source,
            legacy_id=legacy_id,
            legacy_user=row["legacy_user"] or "",
            file_name=plain_name(name) or f"{legacy_id}.fit",
            key=row["key"],
            path=path,
            has_content=bool(row["has_content"]),
        )

    async def contents(self, keys: Sequence[Any]) -> dict[Any, bytes]:
        """The stored bytes of these rows (rows without content are left out)."""
        rows = await self.db.fetch(
            f"SELECT {self._id} AS key, {_quote(self.spec.content_column)} AS content FROM {self._table} "
            f"WHERE {self._id} = ANY($1) AND {_quote(self.spec.content_column)} IS NOT NULL",
            list(keys),
        )
        return {row["key"]: bytes(row["content"]) for row in rows}

    async def prepare_write_back(self) -> None:
        """Add the write-back columns when the table lacks them (the original migration plan's columns)."""
        for column in WRITE_BACK_COLUMNS:
            await self.db.execute(f"ALTER TABLE {self._table} ADD COLUMN IF NOT EXISTS {_quote(column)} text")

    async def write_back(self, rows: Iterable[tuple[Any, str, str]]) -> None:
        """(row id, object key, sha256) → fit_file_key, fit_file_status, fit_file_checksum; file bytes untouched."""
        for key, object_key, sha256 in rows:
            await self.db.execute(
                f'UPDATE {self._table} SET "fit_file_key" = $2, "fit_file_status" = $3, "fit_file_checksum" = $4 '
                f'WHERE {self._id} = $1 AND ("fit_file_key", "fit_file_status", "fit_file_checksum") '
                "IS DISTINCT FROM ($2, $3, $4)",
                key,
                object_key,
                WRITE_BACK_STATUS,
                sha256,
            )


class FolderSource:
    """Every regular file below a folder (hidden ones skipped); the legacy id is the path inside it."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise FailedPrecondition(f"not a folder on the upload service's host: {folder}")
        self.source = f"dir:{self.folder}"

    def describe(self) -> str:
        return f"folder {self.folder}"

    def _walk(self) -> list[LegacyItem]:
        items = []
        for path in sorted(self.folder.rglob("*")):
            relative = path.relative_to(self.folder)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            items.append(
                LegacyItem(
                    source=self.source,
                    legacy_id=relative.as_posix(),
                    legacy_user="",
                    file_name=plain_name(path.name),
                    path=str(path),
                )
            )
        return items

    async def items(self) -> list[LegacyItem]:
        return await asyncio.to_thread(self._walk)


async def open_sources(
    resources: contextlib.AsyncExitStack,
    *,
    dsn: str,
    tables: Sequence[TableSpec],
    from_dir: str,
    files_root: str,
    user_map_csv: str,
    user_map_query: str,
) -> tuple[list[TableSource | FolderSource], UserMap]:
    """The sources a migration request names, opened (connections closed by `resources`), and its user map.

    InvalidArgument for a request that does not make sense; FailedPrecondition when a source is unreachable."""
    if not dsn and not from_dir:
        raise InvalidArgument("name a legacy database (legacy_dsn) and/or a folder (from_dir)")
    if tables and not dsn:
        raise InvalidArgument("tables need a legacy database (legacy_dsn)")
    if user_map_query and not dsn:
        raise InvalidArgument("user_map_query runs on the legacy database: legacy_dsn is required")
    if user_map_csv and user_map_query:
        raise InvalidArgument("give the user map as CSV or as a query, not both")
    if files_root and not os.path.isabs(files_root):
        raise InvalidArgument("files_root must be an absolute path")
    mapping = parse_user_map_csv(user_map_csv) if user_map_csv else {}
    sources: list[TableSource | FolderSource] = []
    if dsn:
        db = await LegacyDatabase.connect(dsn)
        resources.push_async_callback(db.close)
        if user_map_query:
            mapping = await db.user_map(user_map_query)
        sources += [TableSource(db, spec, files_root) for spec in (tables or [TableSpec(DEFAULT_TABLE)])]
    if from_dir:
        sources.append(FolderSource(from_dir))
    return sources, UserMap(mapping)
