"""Dynamic padding of token-id rows into the ``(input_ids, attention_mask)`` pair every model call takes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pad_batch(id_lists: Sequence[Sequence[int]], pad_id: int, *, min_width: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pad to the longest row in the batch (dynamic padding).

    Returns:
        ``input_ids`` and ``attention_mask`` as int64 arrays of shape ``(rows, width)``.
    """
    width = max((len(ids) for ids in id_lists), default=0)
    width = max(width, min_width)
    input_ids = np.full((len(id_lists), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(id_lists), width), dtype=np.int64)
    for row, ids in enumerate(id_lists):
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    return input_ids, mask


__all__ = ["pad_batch"]
