"""From raw logits to calibrated probabilities and a level (pure numpy, testable with canned logits).

Temperature scaling divides the logits by ``T`` before the softmax. The manifest's decision rule
then maps probabilities to a level:

- ``{"rule": "argmax"}``: the most probable level;
- ``{"rule": "cumulative_urgency", "threshold": t}`` (alias ``urgency_threshold``): the most
  urgent level ``L`` with ``P(level <= L) >= t``. A threshold below 0.5 biases towards urgency,
  trading over-triage for fewer under-triages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["calibrated_probabilities", "decide_level", "decide_levels"]


def calibrated_probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of ``logits / temperature`` over the last axis (numerically stable)."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    scaled = np.asarray(logits, dtype=np.float64) / float(temperature)
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def decide_level(probabilities: np.ndarray | list[float], decision: Mapping[str, Any] | None = None) -> int:
    """Apply the manifest's decision rule to one probability vector (index 0 = level 1).

    Returns:
        The level number, 1 (most urgent) to ``len(probabilities)``.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    rule = (decision or {}).get("rule", "argmax")
    if rule == "argmax":
        return int(np.argmax(probs)) + 1
    if rule in ("cumulative_urgency", "urgency_threshold"):
        threshold = float((decision or {}).get("threshold", 0.5))
        cumulative = np.cumsum(probs)
        # Small tolerance so a threshold of 1.0 is reachable despite float rounding.
        hits = np.nonzero(cumulative >= threshold - 1e-9)[0]
        return int(hits[0]) + 1 if hits.size else len(probs)
    raise ValueError(f"unknown decision rule {rule!r}")


def decide_levels(probabilities: np.ndarray, decision: Mapping[str, Any] | None = None) -> list[int]:
    """:func:`decide_level` for each row of a 2-D array."""
    return [decide_level(row, decision) for row in np.asarray(probabilities)]
