"""Long complaints: overlapping windows, most urgent window wins.

A text longer than the model's ``max_length`` is split into windows of ``max_length - 2``
content tokens (room for [CLS] and [SEP]) that overlap by ``overlap`` tokens, so a sentence cut
at one window's edge appears whole in the next. Every window is classified; the text gets the
probabilities of the window whose decided level is the most urgent (ties: the window giving
that level the highest probability). So a red-flag sentence at the end of a long note still
drives the result, which head-only truncation would silently drop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["DEFAULT_OVERLAP_FRACTION", "pick_most_urgent", "window_spans"]

DEFAULT_OVERLAP_FRACTION = 0.25


def window_spans(n_tokens: int, content_len: int, overlap: int | None = None) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` covering ``n_tokens`` content tokens.

    Args:
        n_tokens: Number of content tokens (without special tokens).
        content_len: Content tokens per window (``max_length - 2``).
        overlap: Tokens shared by neighbouring windows; default a quarter of ``content_len``.

    Returns:
        At least one span (``(0, 0)`` for an empty text); the last span ends at ``n_tokens``.
    """
    if content_len < 1:
        raise ValueError("content_len must be >= 1")
    if overlap is None:
        overlap = int(content_len * DEFAULT_OVERLAP_FRACTION)
    overlap = max(0, min(overlap, content_len - 1))
    if n_tokens <= content_len:
        return [(0, n_tokens)]
    step = content_len - overlap
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + content_len, n_tokens)
        spans.append((start, end))
        if end >= n_tokens:
            break
        start += step
    # Keep the last window full-length: it then sees as much context as any other.
    last_start = max(0, n_tokens - content_len)
    spans[-1] = (last_start, n_tokens)
    return spans


def pick_most_urgent(
    window_probs: np.ndarray, decide: Callable[[np.ndarray], int], owners: Sequence[int], n_texts: int
) -> tuple[np.ndarray, list[int]]:
    """Aggregate per-window probabilities into one vector per text.

    Args:
        window_probs: ``(n_windows, n_levels)`` calibrated probabilities.
        decide: Maps one probability vector to a level (the manifest's decision rule).
        owners: For each window, the index of its text.
        n_texts: Number of texts.

    Returns:
        ``(probs, chosen)``: ``(n_texts, n_levels)`` probabilities and, per text, the index of the
        window that won.
    """
    best: list[tuple[int, float, int] | None] = [None] * n_texts
    for w, owner in enumerate(owners):
        level = decide(window_probs[w])
        key = (level, -float(window_probs[w][level - 1]), w)
        if best[owner] is None or key < best[owner]:  # type: ignore[operator]
            best[owner] = key
    chosen = []
    for i, entry in enumerate(best):
        if entry is None:
            raise ValueError(f"text {i} has no window")
        chosen.append(entry[2])
    return np.asarray(window_probs)[chosen], chosen
