"""Training loss that makes under-triage cost more than over-triage.

loss = cross-entropy + ``cost_weight`` * expected misclassification cost, where the expected
cost is sum_j p_j * C[gold, j] under the model's softmax ``p`` and an asymmetric cost matrix
``C``: predicting a level ``d`` steps less urgent than gold (under-triage) costs
``under_weight * d``, ``d`` steps more urgent (over-triage) costs ``over_weight * d``.

Why: under-triage delays care for someone who needs it now; over-triage spends a little
clinician time. The cost term is also ordinal (two levels off costs twice one level off),
which is what quadratic kappa rewards. Cross-entropy stays in for a well-shaped,
calibratable probability output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from triage_app.core.acuity import NUM_LEVELS

#: Cost of one level of under-triage (prediction less urgent than gold).
UNDER_WEIGHT = 3.0
#: Cost of one level of over-triage.
OVER_WEIGHT = 1.0
#: Weight of the expected-cost term next to cross-entropy.
COST_WEIGHT = 0.3


def cost_matrix(
    num_levels: int = NUM_LEVELS, under_weight: float = UNDER_WEIGHT, over_weight: float = OVER_WEIGHT
) -> np.ndarray:
    """``C[gold, pred]`` for 0-based indices (index 0 = level 1, most urgent).

    Returns:
        A ``(num_levels, num_levels)`` float32 array with zeros on the diagonal.
    """
    idx = np.arange(num_levels)
    diff = idx[None, :] - idx[:, None]  # pred - gold; > 0 means less urgent = under-triage
    return np.where(diff > 0, under_weight * diff, over_weight * -diff).astype(np.float32)


def triage_loss(logits: Any, labels: Any, cost: Any, cost_weight: float = COST_WEIGHT) -> Any:
    """Cross-entropy plus the weighted expected cost (torch tensors in, scalar tensor out).

    Args:
        logits: ``(batch, levels)`` raw scores.
        labels: ``(batch,)`` 0-based gold indices.
        cost: ``(levels, levels)`` tensor from :func:`cost_matrix` on the logits' device.
        cost_weight: Weight of the expected-cost term.
    """
    import torch.nn.functional as F

    logits = logits.float()
    ce = F.cross_entropy(logits, labels)
    probs = logits.softmax(dim=-1)
    expected_cost = (probs * cost[labels]).sum(dim=-1).mean()
    return ce + cost_weight * expected_cost


__all__ = ["COST_WEIGHT", "OVER_WEIGHT", "UNDER_WEIGHT", "cost_matrix", "triage_loss"]
