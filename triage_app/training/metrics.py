"""Triage metrics in pure numpy: what the evaluation report and the model card quote.

Levels are ESI numbers 1 (most urgent) to 5. "Under-triage" means the predicted level
number is *greater* than the gold one (the patient would wait too long); it is the
first key of :func:`compute_metrics` because it is the number that matters most.

Conventions (written down because libraries differ):

* Per-level precision/recall/F1 are 0.0 when their denominator is 0 but the level occurs in
  gold or predictions; a level absent from both is reported with ``None`` and left out of
  macro-F1 (as scikit-learn does with ``labels`` drawn from the data).
* Weighted kappa uses weights ``|i-j|/(K-1)`` (linear) or ``(i-j)^2/(K-1)^2`` (quadratic)
  with K = 5. When chance disagreement is 0 (gold and predictions all one and the same
  level) agreement is perfect and kappa is reported as 1.0.
* Expected calibration error: 15 equal-width bins on the top probability, bin b holds
  confidences in ``(b/15, (b+1)/15]`` (a confidence of exactly 0 goes to the first bin);
  a prediction is "correct" when the most probable level equals gold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

NUM_LEVELS = 5
LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
ECE_BINS = 15
#: 3-tier grouping: emergent (1–2), urgent (3–4), non-urgent (5).
TIERS: dict[int, int] = {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}


def _levels(values: Sequence[int] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of levels.")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) and not np.all(np.mod(arr, 1) == 0)):
        raise ValueError(f"{name} must hold whole levels 1–5.")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 1 or arr.max() > NUM_LEVELS):
        raise ValueError(f"{name} must hold levels 1–5; found {int(arr.min())}–{int(arr.max())}.")
    return arr


def _pair(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g = _levels(gold, "gold")
    p = _levels(pred, "pred")
    if g.shape != p.shape:
        raise ValueError(f"gold has {g.size} levels but pred has {p.size}.")
    if g.size == 0:
        raise ValueError("No cases to score.")
    return g, p


def confusion_matrix(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> np.ndarray:
    """5×5 counts; row = gold level − 1, column = predicted level − 1."""
    g, p = _pair(gold, pred)
    cm = np.zeros((NUM_LEVELS, NUM_LEVELS), dtype=np.int64)
    np.add.at(cm, (g - 1, p - 1), 1)
    return cm


def accuracy(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    """Fraction of cases whose predicted level equals gold."""
    g, p = _pair(gold, pred)
    return float(np.mean(g == p))


def per_level_scores(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> dict[int, dict[str, Any]]:
    """Precision, recall, F1 and support for each level (None when the level never occurs)."""
    cm = confusion_matrix(gold, pred)
    out: dict[int, dict[str, Any]] = {}
    for i, level in enumerate(LEVELS):
        tp = int(cm[i, i])
        support = int(cm[i, :].sum())
        predicted = int(cm[:, i].sum())
        if support == 0 and predicted == 0:
            out[level] = {"precision": None, "recall": None, "f1": None, "support": 0, "predicted": 0}
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[level] = {"precision": precision, "recall": recall, "f1": f1, "support": support, "predicted": predicted}
    return out


def macro_f1(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    """Unweighted mean F1 over the levels that occur in gold or predictions."""
    scores = [s["f1"] for s in per_level_scores(gold, pred).values() if s["f1"] is not None]
    return float(np.mean(scores))


def weighted_kappa(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray, weights: str = "quadratic") -> float:
    """Cohen's kappa with ``"linear"`` or ``"quadratic"`` disagreement weights over levels 1–5."""
    cm = confusion_matrix(gold, pred).astype(np.float64)
    idx = np.arange(NUM_LEVELS, dtype=np.float64)
    diff = np.abs(idx[:, None] - idx[None, :]) / (NUM_LEVELS - 1)
    if weights == "linear":
        w = diff
    elif weights == "quadratic":
        w = diff**2
    else:
        raise ValueError(f"weights must be 'linear' or 'quadratic', not {weights!r}.")
    n = cm.sum()
    expected = np.outer(cm.sum(axis=1), cm.sum(axis=0)) / n
    chance = float((w * expected).sum())
    observed = float((w * cm).sum())
    if chance == 0.0:
        return 1.0
    return 1.0 - observed / chance


def under_triage_rate(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    """Fraction of all cases predicted *less* urgent than gold (level number greater)."""
    g, p = _pair(gold, pred)
    return float(np.mean(p > g))


def over_triage_rate(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    """Fraction of all cases predicted *more* urgent than gold (level number smaller)."""
    g, p = _pair(gold, pred)
    return float(np.mean(p < g))


def sensitivity_levels_1_2(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float | None:
    """Of the gold level 1–2 cases, the fraction predicted 1 or 2 (None when there are none)."""
    g, p = _pair(gold, pred)
    high = g <= 2
    if not high.any():
        return None
    return float(np.mean(p[high] <= 2))


def three_tier_accuracy(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    """Accuracy after grouping levels into 1–2 / 3–4 / 5."""
    g, p = _pair(gold, pred)
    tier = np.array([0, TIERS[1], TIERS[2], TIERS[3], TIERS[4], TIERS[5]])
    return float(np.mean(tier[g] == tier[p]))


def _probs(probs: Sequence[Sequence[float]] | np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(probs, dtype=np.float64)
    if arr.shape != (n, NUM_LEVELS):
        raise ValueError(f"probs must have shape ({n}, {NUM_LEVELS}); got {arr.shape}.")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1 + 1e-6:
        raise ValueError("probs must be finite probabilities in [0, 1].")
    return arr


def reliability_bins(
    gold: Sequence[int] | np.ndarray, probs: Sequence[Sequence[float]] | np.ndarray, n_bins: int = ECE_BINS
) -> list[dict[str, float | int]]:
    """Per-bin count, mean confidence and accuracy of the top probability (for ECE and plots)."""
    g = _levels(gold, "gold")
    p = _probs(probs, g.size)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) + 1) == g
    idx = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    bins: list[dict[str, float | int]] = []
    for b in range(n_bins):
        mask = idx == b
        count = int(mask.sum())
        bins.append(
            {
                "lower": b / n_bins,
                "upper": (b + 1) / n_bins,
                "count": count,
                "confidence": float(conf[mask].mean()) if count else 0.0,
                "accuracy": float(correct[mask].mean()) if count else 0.0,
            }
        )
    return bins


def expected_calibration_error(
    gold: Sequence[int] | np.ndarray, probs: Sequence[Sequence[float]] | np.ndarray, n_bins: int = ECE_BINS
) -> float:
    """Count-weighted mean |accuracy − confidence| over equal-width top-probability bins."""
    bins = reliability_bins(gold, probs, n_bins)
    n = sum(int(b["count"]) for b in bins)
    if n == 0:
        raise ValueError("No cases to score.")
    return float(sum(int(b["count"]) / n * abs(float(b["accuracy"]) - float(b["confidence"])) for b in bins))


def compute_metrics(
    gold: Sequence[int] | np.ndarray,
    pred: Sequence[int] | np.ndarray,
    probs: Sequence[Sequence[float]] | np.ndarray | None = None,
) -> dict[str, Any]:
    """All evaluation numbers in one JSON-ready dict, ``under_triage_rate`` first.

    Args:
        gold: Gold levels 1–5.
        pred: Predicted levels 1–5 (after the bundle's decision rule, or the system's final level).
        probs: Calibrated probabilities, shape (n, 5); ``ece`` and ``reliability`` are None without them.

    Returns:
        A dict whose keys start with ``under_triage_rate``, ``over_triage_rate``,
        ``sensitivity_levels_1_2``; ``per_level`` is keyed by the level as a string.
    """
    g, p = _pair(gold, pred)
    per_level = per_level_scores(g, p)
    bins = reliability_bins(g, probs) if probs is not None else None
    return {
        "under_triage_rate": under_triage_rate(g, p),
        "over_triage_rate": over_triage_rate(g, p),
        "sensitivity_levels_1_2": sensitivity_levels_1_2(g, p),
        "accuracy": accuracy(g, p),
        "three_tier_accuracy": three_tier_accuracy(g, p),
        "macro_f1": macro_f1(g, p),
        "kappa_linear": weighted_kappa(g, p, "linear"),
        "kappa_quadratic": weighted_kappa(g, p, "quadratic"),
        "ece": expected_calibration_error(g, probs) if probs is not None else None,
        "n": int(g.size),
        "per_level": {str(level): scores for level, scores in per_level.items()},
        "confusion_matrix": confusion_matrix(g, p).tolist(),
        "reliability": bins,
    }


__all__ = [
    "ECE_BINS",
    "LEVELS",
    "NUM_LEVELS",
    "TIERS",
    "accuracy",
    "compute_metrics",
    "confusion_matrix",
    "expected_calibration_error",
    "macro_f1",
    "over_triage_rate",
    "per_level_scores",
    "reliability_bins",
    "sensitivity_levels_1_2",
    "three_tier_accuracy",
    "under_triage_rate",
    "weighted_kappa",
]
