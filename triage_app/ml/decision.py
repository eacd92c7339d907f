"""From raw logits to calibrated probabilities and a level (pure numpy, testable with canned logits).

Temperature scaling divides the logits by ``T`` before the softmax. The manifest's decision rule
then maps probabilities to a level:

- ``{"rule": "argmax"}``: the most probable level;
- ``{"rule": "cumulative_urgency", "threshold": t}`` (alias ``urgency_threshold``): the most
  urgent level ``L`` with ``P(level <= L) >= t``. A threshold below 0.5 biases towards urgency,
  trading over-triage for fewer under-triages.
- the same with ``"thresholds": [t1, t2, t3, t4]``: one threshold per boundary (``t_L`` is used for
  ``P(level <= L)``). A single low threshold almost never lets a case reach level 5 (that needs
  ``P(5) > 1 - t``); a higher ``t4`` lets the 4/5 boundary, where under-triage costs least, sit
  nearer the most probable level while levels 1-3 stay protected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["calibrated_probabilities", "decide_level", "decide_level_array", "decide_levels"]


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
    return int(decide_level_array(np.asarray(probabilities, dtype=np.float64)[None, :], decision)[0])


def decide_levels(probabilities: np.ndarray, decision: Mapping[str, Any] | None = None) -> list[int]:
    """:func:`decide_level` for each row of a 2-D array."""
    return [int(level) for level in decide_level_array(probabilities, decision)]


def decide_level_array(probabilities: np.ndarray, decision: Mapping[str, Any] | None = None) -> np.ndarray:
    """The decision rule for each row of ``(n, levels)`` probabilities, as an int array of levels.

    The one implementation: the runtime and the trainer's calibration both use it, so a rule is
    fitted exactly as it is later applied.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError("probabilities must be a 2-D array (cases x levels)")
    rule = (decision or {}).get("rule", "argmax")
    if rule == "argmax":
        return probs.argmax(axis=1) + 1
    if rule in ("cumulative_urgency", "urgency_threshold"):
        k = probs.shape[1]
        per_boundary = (decision or {}).get("thresholds")
        if per_boundary is not None:
            limits = np.ones(k, dtype=np.float64)  # the last level always qualifies
            limits[: k - 1] = np.asarray(per_boundary, dtype=np.float64)[: k - 1]
        else:
            limits = np.full(k, float((decision or {}).get("threshold", 0.5)))
        # Small tolerance so a threshold of 1.0 is reachable despite float rounding.
        reached = np.cumsum(probs, axis=1) >= limits[None, :] - 1e-9
        reached[:, -1] = True
        return reached.argmax(axis=1) + 1
    raise ValueError(f"unknown decision rule {rule!r}")
