"""Calibration fitted on validation: temperature, the urgency decision rule, the uncertainty flag.

All functions take numpy logits/probabilities with column ``i`` = level ``i + 1`` and gold
levels 1-5, so they can be tested with canned numbers. Never fit these on the test set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from triage_app.core.acuity import NUM_LEVELS
from triage_app.ml.decision import decide_level_array

#: Under-triage the decision rule aims to stay under, on validation.
TARGET_UNDER_TRIAGE = 0.05
#: Accuracy the confident set must reach before a case is not flagged "uncertain".
TARGET_CONFIDENT_ACCURACY = 0.85
#: Never flag more than this share of validation cases as uncertain.
MAX_UNCERTAIN_FRACTION = 0.3
#: The confident set must also beat the overall accuracy by this much, so an accurate model still
#: flags its weakest cases (model 1.3.0 is 86 % accurate on the dev sets, above the fixed 85 %, and
#: without this its cut fell to 0.2: nothing flagged).
CONFIDENT_ACCURACY_MARGIN = 0.05
#: A top probability below this is always flagged (capped by ``MAX_UNCERTAIN_FRACTION``): with
#: calibrated probabilities the suggestion is then more likely wrong than right.
MIN_UNCERTAIN_CUT = 0.5


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature``."""
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _nll(logits: np.ndarray, labels0: np.ndarray, temperature: float) -> float:
    probs = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(labels0)), labels0], 1e-12, None))))


def fit_temperature(logits: np.ndarray, levels: Sequence[int]) -> float:
    """Temperature minimising validation NLL (grid on log T, then golden-section refinement).

    Returns:
        T in [0.05, 20]; divide logits by T before the softmax.
    """
    labels0 = np.asarray(levels, dtype=np.int64) - 1
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 61))
    losses = [_nll(logits, labels0, t) for t in grid]
    best = int(np.argmin(losses))
    lo, hi = np.log(grid[max(best - 1, 0)]), np.log(grid[min(best + 1, len(grid) - 1)])
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    for _ in range(40):
        if _nll(logits, labels0, np.exp(a)) < _nll(logits, labels0, np.exp(b)):
            hi = b
        else:
            lo = a
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    return float(np.exp((lo + hi) / 2))


def decide_levels(probs: np.ndarray, decision: dict[str, Any]) -> np.ndarray:
    """Apply a manifest decision rule to calibrated probabilities (the runtime's own function).

    Returns:
        Levels 1-5 as an int array.
    """
    return decide_level_array(probs, decision)


def summary_metrics(levels: Sequence[int], predicted: Sequence[int], probs: np.ndarray | None = None) -> dict[str, float]:
    """The headline metrics, under-triage first (used for fitting and for the manifest).

    Args:
        levels: Gold levels 1-5.
        predicted: Predicted levels 1-5.
        probs: Calibrated probabilities, for ECE (skipped when None).
    """
    gold = np.asarray(levels, dtype=np.int64)
    pred = np.asarray(predicted, dtype=np.int64)
    n = max(len(gold), 1)
    urgent = gold <= 2
    out: dict[str, float] = {
        "under_triage_rate": float(np.sum(pred > gold) / n),
        "over_triage_rate": float(np.sum(pred < gold) / n),
        "sensitivity_levels_1_2": float(np.mean(pred[urgent] <= 2)) if urgent.any() else float("nan"),
        "accuracy": float(np.mean(pred == gold)) if len(gold) else float("nan"),
        "kappa_quadratic": quadratic_kappa(gold, pred),
        "macro_f1": macro_f1(gold, pred),
        "three_tier_accuracy": float(np.mean(_tier(pred) == _tier(gold))) if len(gold) else float("nan"),
    }
    if probs is not None:
        out["ece"] = expected_calibration_error(np.asarray(probs), gold)
    out["n"] = float(len(gold))
    return out


def _tier(levels: np.ndarray) -> np.ndarray:
    return np.where(levels <= 2, 1, np.where(levels <= 4, 2, 3))


def quadratic_kappa(gold: np.ndarray, pred: np.ndarray, k: int = NUM_LEVELS) -> float:
    """Cohen's kappa with quadratic weights over levels 1..k."""
    conf = np.zeros((k, k), dtype=np.float64)
    for g, p in zip(gold, pred):
        conf[g - 1, p - 1] += 1
    total = conf.sum()
    if total == 0:
        return float("nan")
    idx = np.arange(k)
    weights = (idx[:, None] - idx[None, :]) ** 2 / (k - 1) ** 2
    expected = np.outer(conf.sum(axis=1), conf.sum(axis=0)) / total
    denom = float((weights * expected).sum())
    return 1.0 - float((weights * conf).sum()) / denom if denom > 0 else 1.0


def macro_f1(gold: np.ndarray, pred: np.ndarray, k: int = NUM_LEVELS) -> float:
    """Unweighted mean F1 over the levels present in gold or prediction."""
    scores = []
    for level in range(1, k + 1):
        tp = np.sum((pred == level) & (gold == level))
        fp = np.sum((pred == level) & (gold != level))
        fn = np.sum((pred != level) & (gold == level))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else float("nan")


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE with equal-width bins."""
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) + 1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(conf[mask].mean() - correct[mask].mean())
    return float(ece)


def fit_decision(
    probs: np.ndarray, levels: Sequence[int], target_under: float = TARGET_UNDER_TRIAGE
) -> tuple[dict[str, Any], dict[str, float]]:
    """Choose argmax or a cumulative-urgency threshold on validation.

    Keeps argmax when it already meets ``target_under``; otherwise takes the threshold with
    the best accuracy among those meeting it (or, if none does, the one with the lowest
    under-triage, ties broken by accuracy).

    Returns:
        The manifest ``decision`` dict and the validation metrics under it.
    """
    gold = np.asarray(levels, dtype=np.int64)
    argmax = {"rule": "argmax"}
    base = summary_metrics(gold, decide_levels(probs, argmax))
    if base["under_triage_rate"] <= target_under:
        return argmax, base
    candidates = []
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        decision = {"rule": "cumulative_urgency", "threshold": float(t)}
        m = summary_metrics(gold, decide_levels(probs, decision))
        candidates.append((decision, m))
    meeting = [(d, m) for d, m in candidates if m["under_triage_rate"] <= target_under]
    if meeting:
        decision, m = max(meeting, key=lambda dm: (dm[1]["accuracy"], dm[0]["threshold"]))
    else:
        decision, m = min(candidates, key=lambda dm: (dm[1]["under_triage_rate"], -dm[1]["accuracy"]))
    return decision, m


def fit_uncertainty(
    probs: np.ndarray,
    levels: Sequence[int],
    decision: dict[str, Any],
    target_accuracy: float = TARGET_CONFIDENT_ACCURACY,
    max_fraction: float = MAX_UNCERTAIN_FRACTION,
) -> dict[str, float]:
    """Smallest top-probability cut whose confident set reaches the target accuracy.

    Cases below the cut are flagged "uncertain, check carefully". The target is the larger of
    ``target_accuracy`` and the overall accuracy plus ``CONFIDENT_ACCURACY_MARGIN``; the cut is
    at least ``MIN_UNCERTAIN_CUT``, and capped so at most ``max_fraction`` of validation cases
    are flagged.
    """
    gold = np.asarray(levels, dtype=np.int64)
    pred = decide_levels(probs, decision)
    top = np.asarray(probs).max(axis=1)
    cap = float(np.quantile(top, max_fraction)) if len(top) else 0.0
    if len(top):
        accuracy = float(np.mean(pred == gold))
        # Half the remaining errors at most, so an already accurate model can still reach it.
        target_accuracy = max(target_accuracy, accuracy + min(CONFIDENT_ACCURACY_MARGIN, (1 - accuracy) / 2))
    chosen = min(MIN_UNCERTAIN_CUT, cap)  # when no cut reaches the target: flag only the coin-flips
    for p in np.round(np.arange(MIN_UNCERTAIN_CUT, 0.951, 0.01), 2):
        keep = top >= p
        if keep.any() and np.mean(pred[keep] == gold[keep]) >= target_accuracy:
            chosen = float(p)
            break
    return {"min_top_probability": round(min(chosen, cap), 4)}


__all__ = [
    "TARGET_UNDER_TRIAGE",
    "decide_levels",
    "expected_calibration_error",
    "fit_decision",
    "fit_temperature",
    "fit_uncertainty",
    "macro_f1",
    "quadratic_kappa",
    "softmax",
    "summary_metrics",
]
