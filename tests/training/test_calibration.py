"""Calibration, decision rule, loss and batching: checked on numbers small enough to verify by hand."""

from __future__ import annotations

import random

import numpy as np
import pytest

from triage_app.training.calibration import (
    decide_levels,
    fit_decision,
    fit_temperature,
    fit_uncertainty,
    softmax,
    summary_metrics,
)
from triage_app.training.losses import cost_matrix
from triage_app.training.train import bucket_batches, head_tail_ids, pad_batch


def test_cumulative_urgency_rule_by_hand() -> None:
    probs = np.array([
        [0.10, 0.30, 0.40, 0.15, 0.05],  # cumulative 0.10 0.40 0.80 ...
        [0.00, 0.05, 0.10, 0.25, 0.60],  # cumulative 0.00 0.05 0.15 0.40 1.00
    ])
    assert decide_levels(probs, {"rule": "argmax"}).tolist() == [3, 5]
    assert decide_levels(probs, {"rule": "cumulative_urgency", "threshold": 0.5}).tolist() == [3, 5]
    assert decide_levels(probs, {"rule": "cumulative_urgency", "threshold": 0.4}).tolist() == [2, 4]
    assert decide_levels(probs, {"rule": "cumulative_urgency", "threshold": 0.1}).tolist() == [1, 3]
    with pytest.raises(ValueError):
        decide_levels(probs, {"rule": "vibes"})


def test_fit_temperature_recovers_the_generating_temperature() -> None:
    rng = np.random.default_rng(0)
    true_t = 2.5
    logits = rng.normal(0, 3.0, size=(4000, 5))
    probs = softmax(logits, true_t)
    levels = np.array([rng.choice(5, p=p) + 1 for p in probs])
    assert fit_temperature(logits, levels) == pytest.approx(true_t, rel=0.1)


def test_fit_decision_keeps_argmax_when_under_triage_is_already_low() -> None:
    probs = np.eye(5)[[0, 1, 2, 3, 4] * 10] * 0.9 + 0.02
    levels = np.array([1, 2, 3, 4, 5] * 10)
    decision, metrics = fit_decision(probs, levels)
    assert decision == {"rule": "argmax"}
    assert metrics["under_triage_rate"] == 0.0


def test_fit_decision_lowers_the_threshold_to_cut_under_triage() -> None:
    # Gold level 2, but the model leans to 3 (p3=0.55 > p2=0.40): argmax under-triages all 20.
    # 80 easy cases are right either way. Threshold <= 0.45 turns the 20 into level 2.
    hard = np.tile([0.02, 0.40, 0.55, 0.02, 0.01], (20, 1))
    easy = np.tile([0.01, 0.01, 0.02, 0.06, 0.90], (80, 1))
    probs = np.vstack([hard, easy])
    levels = np.array([2] * 20 + [5] * 80)
    decision, metrics = fit_decision(probs, levels, target_under=0.05)
    assert decision["rule"] == "cumulative_urgency"
    # Level 2 needs t <= 0.42 (P(<=2) of the hard cases); level 5 for the easy ones needs t > 0.10.
    # Among equally accurate thresholds the highest (closest to the median rule) wins.
    assert decision["threshold"] == pytest.approx(0.42)
    assert decide_levels(hard, decision).tolist() == [2] * 20
    assert decide_levels(easy, decision).tolist() == [5] * 80
    assert metrics["under_triage_rate"] == 0.0 and metrics["accuracy"] == 1.0


def test_fit_uncertainty_flags_the_low_confidence_cases() -> None:
    confident = np.tile([0.9, 0.025, 0.025, 0.025, 0.025], (80, 1))
    unsure = np.tile([0.35, 0.3, 0.2, 0.1, 0.05], (20, 1))
    probs = np.vstack([confident, unsure])
    levels = np.array([1] * 80 + [3] * 20)  # the unsure ones are all wrong
    cut = fit_uncertainty(probs, levels, {"rule": "argmax"}, target_accuracy=0.95)["min_top_probability"]
    assert 0.35 < cut <= 0.9


def test_summary_metrics_by_hand() -> None:
    gold = [1, 2, 3, 4, 5, 2]
    pred = [1, 3, 3, 3, 5, 2]  # one under-triage (2->3), one over-triage (4->3)
    m = summary_metrics(gold, pred)
    assert list(m)[0] == "under_triage_rate"
    assert m["under_triage_rate"] == pytest.approx(1 / 6)
    assert m["over_triage_rate"] == pytest.approx(1 / 6)
    assert m["sensitivity_levels_1_2"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(4 / 6)


def test_cost_matrix_charges_under_triage_more() -> None:
    c = cost_matrix(5, under_weight=3.0, over_weight=1.0)
    assert c[0, 0] == 0 and c[1, 2] == 3.0 and c[2, 1] == 1.0 and c[0, 4] == 12.0 and c[4, 0] == 4.0


def test_triage_loss_penalises_under_triage_more_than_over_triage() -> None:
    torch = pytest.importorskip("torch")
    from triage_app.training.losses import triage_loss

    cost = torch.from_numpy(cost_matrix())
    gold = torch.tensor([2])  # level 3
    under = torch.tensor([[0.0, 0.0, 2.0, 4.0, 0.0]])  # mass on level 4
    over = torch.tensor([[0.0, 4.0, 2.0, 0.0, 0.0]])  # mass on level 2, mirror image
    assert float(triage_loss(under, gold, cost)) > float(triage_loss(over, gold, cost))


def test_head_tail_truncation_keeps_both_ends() -> None:
    ids = list(range(100))
    kept = head_tail_ids(ids, max_length=32, head_fraction=2 / 3)
    assert len(kept) == 30
    assert kept[:20] == list(range(20)) and kept[20:] == list(range(90, 100))
    assert head_tail_ids([1, 2, 3], max_length=32) == [1, 2, 3]


def test_bucket_batches_cover_every_index_once_and_group_lengths() -> None:
    rng = random.Random(0)
    lengths = [rng.randint(3, 200) for _ in range(1000)]
    batches = bucket_batches(lengths, 16, random.Random(1))
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches])
    assert spread < 40  # random batches of 16 would spread ~170 tokens
    assert batches == bucket_batches(lengths, 16, random.Random(1))


def test_pad_batch_is_dynamic() -> None:
    ids, mask = pad_batch([[101, 5, 102], [101, 102]], pad_id=0)
    assert ids.tolist() == [[101, 5, 102], [101, 102, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


def test_an_accurate_model_still_flags_its_least_confident_cases() -> None:
    rng = np.random.default_rng(1)
    levels = rng.integers(1, 6, 400)
    top = np.where(np.arange(400) < 300, 0.95, 0.45)  # 300 confident, 100 hesitant
    probs = np.full((400, 5), 0.0)
    probs[np.arange(400), levels - 1] = top
    wrong = np.arange(300, 340)  # 40 of the hesitant cases put the top on the wrong level
    probs[wrong] = 0.0
    probs[wrong, (levels[wrong] % 5)] = 0.45
    probs += (1 - probs.sum(axis=1, keepdims=True)) / 5
    # Overall accuracy 90 %, above the fixed 85 % target: the cut must still flag the hesitant cases.
    cut = fit_uncertainty(probs, levels, {"rule": "argmax"})["min_top_probability"]
    assert 0.45 < cut <= 0.95
    assert np.mean(probs.max(axis=1) < cut) == pytest.approx(0.25)


def test_uncertainty_cut_does_not_flag_the_maximum_when_errors_are_spread_evenly() -> None:
    rng = np.random.default_rng(5)
    levels = rng.integers(1, 6, 700)
    top = rng.uniform(0.55, 0.99, 700)
    probs = np.full((700, 5), 0.0)
    wrong = rng.random(700) < 0.05  # 95 % accurate, errors at every confidence
    labels = np.where(wrong, levels % 5 + 1, levels)
    probs[np.arange(700), labels - 1] = top
    probs += (1 - probs.sum(axis=1, keepdims=True)) / 5
    cut = fit_uncertainty(probs, levels, {"rule": "argmax"})["min_top_probability"]
    assert np.mean(probs.max(axis=1) < cut) < 0.15  # not the 30 % cap
