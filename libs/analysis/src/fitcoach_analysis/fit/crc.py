"""The FIT CRC (CRC-16/ARC: reflected polynomial 0xA001, initial value 0), computed with numpy.

A CRC is sequential byte by byte, so the bytes are split into K lanes of L bytes that are stepped together
(one 65536-entry table lookup per 2 bytes, vectorised across lanes), then the K lane CRCs are folded: with
initial value 0 the CRC is linear, so crc(A + B) = advance(crc(A), len(B)) ^ crc(B), and "advance by L zero
bytes" is a 16-bit linear map stored as two 256-entry tables.
"""

from __future__ import annotations

from functools import cache

import numpy as np


def _byte_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[i] = crc
    return table


_TABLE = _byte_table()
_BLOCK_BYTES = 1 << 19


def crc16_python(data: bytes | memoryview, crc: int = 0) -> int:
    """Byte-at-a-time CRC, for short inputs (headers) where numpy's per-call cost dominates."""
    table = _TABLE.tolist()
    for byte in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _step_lanes(crc: np.ndarray, columns: np.ndarray) -> np.ndarray:
    for column in columns:  # one row of the (L, K) matrix = the j-th byte of every lane
        crc = (crc >> 8) ^ _TABLE[(crc ^ column) & 0xFF]
    return crc


def _word_table() -> np.ndarray:
    """Register after two bytes, indexed by register ^ (byte0 | byte1 << 8): a 16-bit step is one lookup."""
    register = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    return _step_lanes(register, np.zeros((2, 1), dtype=np.uint8))


_WORDS = _word_table()


def _step_lanes_words(crc: np.ndarray, words: np.ndarray) -> np.ndarray:
    for word in words:
        crc = _WORDS[crc ^ word]
    return crc


@cache
def _advance_tables(lane_bytes: int) -> tuple[list[int], list[int]]:
    """Where L zero bytes take a CRC register, for its low byte and its high byte separately."""
    start = np.concatenate([np.arange(256, dtype=np.uint16), np.arange(256, dtype=np.uint16) << 8])
    advanced = _step_lanes(start, np.zeros((lane_bytes, 1), dtype=np.uint8))
    return advanced[:256].tolist(), advanced[256:].tolist()


def crc16(data: bytes | memoryview | np.ndarray) -> int:
    """CRC-16 of ``data`` as the FIT protocol defines it (same result as fitdecode.utils.compute_crc)."""
    raw = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    n = raw.size
    if n < 256:
        return crc16_python(raw.tobytes())
    # L a power of two near sqrt(n): L/2 numpy steps over K lanes, then K Python folds. The bytes before
    # the first whole lane start the fold, so the data is never copied.
    lane_bytes = 1 << max(6, (int(np.sqrt(n)) // 2).bit_length() - 1)
    head = n % lane_bytes
    lanes = n // lane_bytes
    # Little-endian 16-bit words: byte j in the low half, byte j + 1 in the high half, as the register sees them.
    words = raw[head:].view("<u2").reshape(lanes, lane_bytes // 2)
    lane_crcs: list[int] = []
    per_block = max(1, _BLOCK_BYTES // lane_bytes)  # transpose a block at a time: fast steps, little memory
    for first in range(0, lanes, per_block):
        block = np.ascontiguousarray(words[first : first + per_block].T)
        lane_crcs += _step_lanes_words(np.zeros(block.shape[1], dtype=np.uint16), block).tolist()
    low, high = _advance_tables(lane_bytes)
    crc = crc16_python(raw[:head].tobytes())
    for lane_crc in lane_crcs:
        crc = low[crc & 0xFF] ^ high[crc >> 8] ^ lane_crc
    return crc
