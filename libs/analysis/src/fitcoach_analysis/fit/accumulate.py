"""FIT's accumulated values (compressed timestamps, compressed distance, hr.event_timestamp_12), vectorised."""

from __future__ import annotations

import numpy as np


def accumulate(
    keys: np.ndarray, raws: np.ndarray, is_reset: np.ndarray, reset_values: np.ndarray, bits: int
) -> np.ndarray:
    """fitdecode's ``_apply_compressed_accumulation`` over a whole sequence at once.

    Sorted by ``keys``; a reset sets the accumulator to its value, every other element moves it forward to
    the next value whose low ``bits`` equal its raw value: acc += (raw - acc) mod 2**bits. Returns the
    accumulator after each element, in the given (unsorted) order.
    """
    order = np.argsort(keys, kind="stable")
    raw = raws[order].astype(np.int64)
    reset = is_reset[order]
    base = reset_values[order].astype(np.int64)
    mask = (1 << bits) - 1
    low = np.where(reset, base & mask, raw & mask)
    prev_low = np.concatenate([[0], low[:-1]])
    delta = np.where(reset, 0, (raw - prev_low) & mask)
    # Before the first reset the accumulator starts at 0 (fitdecode's initial value).
    segment = np.maximum.accumulate(np.where(reset, np.arange(len(raw)), -1))
    csum = np.cumsum(delta)
    seg_start_csum = np.where(segment >= 0, csum[np.maximum(segment, 0)], 0)
    seg_base = np.where(segment >= 0, base[np.maximum(segment, 0)], 0)
    values = seg_base + csum - seg_start_csum
    out: np.ndarray = np.empty_like(values)
    out[order] = values
    return out
