"""A legacy FitCoach database like the original design's, made from the fixture corpus: what the legacy
migration is tested and measured against.

The original design kept each activity's FIT file in `activities.fit_file_content` (compressed bytea) or on
disk (`fit_file_path`); 330 files, about 46 MB. `create_legacy_database` builds that shape in an empty
PostgreSQL database: real files from ../shared/fixtures/fit-corpus (each copy made unique by another profile
version in its header, with the CRCs recomputed: still a valid FIT file with the same activity), stored gzip-, zlib- or un-compressed in the table, or as plain and gzipped
files on disk, owned by users whose legacy ids are UUIDs or integers (mapped by a CSV, one left unmapped),
plus the trouble a real migration meets: a missing file, corrupt gzip and zlib data, a row with no file at
all, and rows holding the same file as an earlier row of the same owner. `expected` says what a correct
migration reports.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from fitcoach_analysis.fit.crc import crc16

from fitcoach_stack.fixtures import FIT_CORPUS

# The corpus has one ~1 MB outlier; without it 330 files come to about 46 MB, the original design's scale.
MAX_FILE_BYTES = 600_000
UUID_USERS = ("3f9e2c1a-6b7d-4e8f-9a0b-1c2d3e4f5a6b", "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
              "0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f")  # fmt: skip
MAPPED_USERS = {"17": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "42": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"}
UNMAPPED_USER = "99"
STORAGE_CYCLE = (
    "gzip",
    "gzip",
    "gzip",
    "gzip",
    "zlib",
    "zlib",
    "zlib",
    "raw",
    "raw",
    "file",
    "file",
    "file-gz",
)


@dataclass
class LegacyRow:
    id: int
    legacy_user: str
    storage: str  # gzip | zlib | raw | file | file-gz | missing | corrupt-gzip | corrupt-zlib | nothing
    fit: bytes | None  # the FIT bytes inside (None when there are none to find)
    duplicate_of: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.fit or b"").hexdigest()


@dataclass
class Expected:
    """What a correct first migration of the table reports."""

    migrated: int = 0
    duplicates: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # legacy id → a word its reason contains
    fit_bytes: int = 0


@dataclass
class LegacyDataset:
    dsn: str
    table: str
    files_dir: Path
    rows: list[LegacyRow]
    user_map_csv: str
    expected: Expected

    def user_id(self, row: LegacyRow) -> str | None:
        if row.legacy_user in MAPPED_USERS:
            return MAPPED_USERS[row.legacy_user]
        return None if row.legacy_user == UNMAPPED_USER else row.legacy_user


def unique_copy(fit: bytes, copy: int) -> bytes:
    """`fit` with its header's profile version moved by `copy` and its CRCs recomputed: different bytes (a
    different sha256), the same valid activity. copy 0 is the file itself."""
    if copy == 0:
        return fit
    data = bytearray(fit)
    (profile,) = struct.unpack_from("<H", data, 2)
    struct.pack_into("<H", data, 2, (profile + copy) % 0x10000)
    if data[0] == 14 and data[12:14] != b"\0\0":  # a 14-byte header carries its own CRC (0 = not computed)
        struct.pack_into("<H", data, 12, crc16(bytes(data[:12])))
    struct.pack_into("<H", data, len(data) - 2, crc16(bytes(data[:-2])))
    return bytes(data)


def corpus_files() -> list[bytes]:
    paths = sorted(p for p in FIT_CORPUS.glob("*.fit") if p.stat().st_size <= MAX_FILE_BYTES)
    if not paths:
        raise FileNotFoundError(f"no fixture corpus at {FIT_CORPUS}")
    return [p.read_bytes() for p in paths]


def _rows(count: int) -> list[LegacyRow]:
    files = corpus_files()
    owners = [*UUID_USERS, *MAPPED_USERS]
    rows: list[LegacyRow] = []
    # The troublemakers first, so a small test dataset has them too; ids are 1-based like a serial column.
    specials = ["missing", "corrupt-gzip", "corrupt-zlib", "nothing", "unmapped", "unmapped", "unmapped"]
    duplicates = 4
    plain = count - len(specials) - duplicates
    for i in range(plain):
        copy, index = divmod(i, len(files))
        rows.append(
            LegacyRow(
                id=len(rows) + 1,
                legacy_user=owners[i % len(owners)],
                storage=STORAGE_CYCLE[i % len(STORAGE_CYCLE)],
                fit=unique_copy(files[index], copy),  # unique bytes per row, each a valid FIT file
            )
        )
    for n in range(duplicates):  # the same bytes as an earlier row of the same owner, stored another way
        original = rows[n * 7 % plain]
        storage = ("zlib", "raw", "gzip", "file")[n % 4]
        rows.append(LegacyRow(len(rows) + 1, original.legacy_user, storage, original.fit, original.id))
    for n, kind in enumerate(specials):
        fit = unique_copy(files[n % len(files)], 50)  # bytes no other row has
        if kind == "unmapped":
            rows.append(LegacyRow(len(rows) + 1, UNMAPPED_USER, "gzip", fit))
        else:
            rows.append(LegacyRow(len(rows) + 1, UUID_USERS[n % len(UUID_USERS)], kind, fit))
    return rows


def _stored(row: LegacyRow, files_dir: Path) -> tuple[str | None, bytes | None]:
    """(fit_file_path, fit_file_content) of a row."""
    assert row.fit is not None
    match row.storage:
        case "gzip":
            return None, gzip.compress(row.fit, compresslevel=6, mtime=0)
        case "zlib":
            return None, zlib.compress(row.fit, 6)
        case "raw":
            return None, row.fit
        case "file" | "file-gz":
            suffix = ".fit.gz" if row.storage == "file-gz" else ".fit"
            path = files_dir / f"{row.legacy_user}" / f"activity-{row.id}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(row.fit, mtime=0) if row.storage == "file-gz" else row.fit)
            return str(path), None
        case "missing":
            return str(files_dir / "lost" / f"activity-{row.id}.fit"), None
        case "corrupt-gzip":
            broken = bytearray(gzip.compress(row.fit, mtime=0))
            broken[len(broken) // 2] ^= 0xFF
            return None, bytes(broken)
        case "corrupt-zlib":
            return None, zlib.compress(row.fit)[: len(row.fit) // 4]
        case "nothing":
            return None, None
    raise ValueError(row.storage)


def expected_outcome(rows: list[LegacyRow]) -> Expected:
    """What a correct first migration of these rows reports."""
    expected = Expected()
    reasons = {"missing": "not found", "corrupt-gzip": "corrupt gzip", "corrupt-zlib": "corrupt zlib",
               "nothing": "neither"}  # fmt: skip
    for row in rows:
        if row.storage in reasons:
            expected.failed[str(row.id)] = reasons[row.storage]
        elif row.legacy_user == UNMAPPED_USER:
            expected.failed[str(row.id)] = "no mapping"
        elif row.duplicate_of is not None:
            expected.duplicates += 1
        else:
            expected.migrated += 1
            expected.fit_bytes += len(row.fit or b"")
    return expected


def _records(rows: list[LegacyRow], files_dir: Path) -> list[tuple[int, str, str | None, bytes | None]]:
    """The table rows (compressing, and writing the files on disk)."""
    files_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for row in rows:
        path, content = _stored(row, files_dir)
        records.append((row.id, row.legacy_user, path, content))
    return records


async def create_legacy_database(
    dsn: str, files_dir: Path, *, rows: int = 330, table: str = "activities"
) -> LegacyDataset:
    """Fill the (empty) database at `dsn` with a legacy `table` of `rows` rows; files go under `files_dir`."""
    legacy_rows = _rows(rows)
    records = await asyncio.to_thread(_records, legacy_rows, files_dir)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            f"""
            CREATE TABLE {table} (
                id               bigint PRIMARY KEY,
                user_id          text NOT NULL,
                fit_file_path    text,
                fit_file_content bytea,
                created_at       timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        await conn.copy_records_to_table(
            table, records=records, columns=["id", "user_id", "fit_file_path", "fit_file_content"]
        )
    finally:
        await conn.close()
    user_map = "legacy_user_id,user_id\n" + "".join(f"{k},{v}\n" for k, v in MAPPED_USERS.items())
    return LegacyDataset(dsn, table, files_dir, legacy_rows, user_map, expected_outcome(legacy_rows))


def legacy_folder(folder: Path, dataset: LegacyDataset, owner: str = UUID_USERS[0]) -> dict[str, int]:
    """A folder of loose files for `owner`: two plain, two gzipped, one zlib, and one that duplicates a
    table row of the same owner. Returns the expected counts {"migrated": 5, "duplicates": 1}."""
    files = corpus_files()
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(5):
        fit = unique_copy(files[(n * 13) % len(files)], 100 + n)  # bytes no table row has
        name, data = [
            (f"run-{n}.fit", fit),
            (f"ride-{n}.fit.gz", gzip.compress(fit, mtime=0)),
            (f"swim-{n}.FIT.zz", zlib.compress(fit)),
        ][n % 3]
        (folder / name).write_bytes(data)
    twin = next(
        r for r in dataset.rows if r.legacy_user == owner and r.duplicate_of is None and r.storage == "raw"
    )
    sub = folder / "older"
    sub.mkdir(exist_ok=True)
    (sub / f"copy-of-{twin.id}.fit").write_bytes(twin.fit or b"")
    (folder / ".hidden.fit").write_bytes(b"skipped: hidden files are not legacy data")
    return {"migrated": 5, "duplicates": 1}


def new_user() -> str:
    return str(uuid.uuid4())
