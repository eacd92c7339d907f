"""Metric functions against numbers worked out by hand (derivations in the comments)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from triage_app.training import metrics as m

# Worked example, n = 8.
#   gold: 1 1 2 2 3 3 4 5
#   pred: 1 2 2 3 3 2 5 4
# Pairs: (1,1) ok, (1,2) UNDER, (2,2) ok, (2,3) UNDER, (3,3) ok, (3,2) over, (4,5) UNDER, (5,4) over.
# (Under-triage = predicted level number greater than gold.)
GOLD = [1, 1, 2, 2, 3, 3, 4, 5]
PRED = [1, 2, 2, 3, 3, 2, 5, 4]
# Rows = gold, columns = predicted.
HAND_CM = [
    [1, 1, 0, 0, 0],
    [0, 1, 1, 0, 0],
    [0, 1, 1, 0, 0],
    [0, 0, 0, 0, 1],
    [0, 0, 0, 1, 0],
]


def test_confusion_matrix_by_hand() -> None:
    assert m.confusion_matrix(GOLD, PRED).tolist() == HAND_CM


def test_rates_by_hand() -> None:
    assert m.accuracy(GOLD, PRED) == pytest.approx(3 / 8)  # 3 on the diagonal
    assert m.under_triage_rate(GOLD, PRED) == pytest.approx(3 / 8)  # 1->2, 2->3, 4->5
    assert m.over_triage_rate(GOLD, PRED) == pytest.approx(2 / 8)  # 3->2, 5->4
    # gold 1-2 cases predict 1, 2, 2, 3: three of four stay in 1-2.
    assert m.sensitivity_levels_1_2(GOLD, PRED) == pytest.approx(3 / 4)
    # tiers gold 0 0 0 0 1 1 1 2 vs pred 0 0 0 1 1 0 2 1: four agree.
    assert m.three_tier_accuracy(GOLD, PRED) == pytest.approx(4 / 8)


def test_per_level_and_macro_f1_by_hand() -> None:
    scores = m.per_level_scores(GOLD, PRED)
    # L1: tp 1, support 2, predicted 1 -> P 1, R 1/2, F1 2/3
    assert scores[1]["precision"] == pytest.approx(1.0)
    assert scores[1]["recall"] == pytest.approx(0.5)
    assert scores[1]["f1"] == pytest.approx(2 / 3)
    # L2: tp 1, support 2, predicted 3 -> P 1/3, R 1/2, F1 = 2*(1/6)/(5/6) = 0.4
    assert scores[2]["precision"] == pytest.approx(1 / 3)
    assert scores[2]["recall"] == pytest.approx(0.5)
    assert scores[2]["f1"] == pytest.approx(0.4)
    # L3: tp 1, support 2, predicted 2 -> 1/2, 1/2, 1/2
    assert scores[3]["f1"] == pytest.approx(0.5)
    # L4, L5: no hits -> 0
    assert scores[4] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 1}
    assert scores[5]["f1"] == 0.0
    # (2/3 + 0.4 + 0.5 + 0 + 0) / 5
    assert m.macro_f1(GOLD, PRED) == pytest.approx((2 / 3 + 0.4 + 0.5) / 5)


def test_weighted_kappa_by_hand() -> None:
    # Row marginals r = 2 2 2 1 1, column marginals c = 1 3 2 1 1, n = 8.
    # Linear: sum |i-j| r_i c_j = 28 + 16 + 16 + 12 + 18 = 90, so chance = 90 / (4 * 8);
    # observed = 5 off-by-one cases * 1/4 = 1.25 -> kappa = 1 - 1.25 / 2.8125 = 5/9.
    assert m.weighted_kappa(GOLD, PRED, "linear") == pytest.approx(5 / 9)
    # Quadratic: sum (i-j)^2 r_i c_j = 72 + 32 + 24 + 24 + 52 = 204, chance = 204 / (16 * 8);
    # observed = 5 * 1/16 -> kappa = 1 - (5/16) / (204/128) = 1 - 10/51 = 41/51.
    assert m.weighted_kappa(GOLD, PRED, "quadratic") == pytest.approx(41 / 51)
    with pytest.raises(ValueError):
        m.weighted_kappa(GOLD, PRED, "cubic")


def test_kappa_penalises_distant_errors_more() -> None:
    near = m.weighted_kappa([1, 2, 3, 4, 5], [2, 2, 3, 4, 5], "quadratic")
    far = m.weighted_kappa([1, 2, 3, 4, 5], [5, 2, 3, 4, 5], "quadratic")
    assert far < near


def test_ece_by_hand() -> None:
    gold = [1, 2, 3, 4]
    probs = [
        [0.9, 0.1, 0.0, 0.0, 0.0],  # conf 0.90, correct  -> bin 13 (0.867, 0.933]
        [0.05, 0.25, 0.7, 0.0, 0.0],  # conf 0.70, wrong  -> bin 10 (0.667, 0.733]
        [0.0, 0.35, 0.65, 0.0, 0.0],  # conf 0.65, correct -> bin 9 (0.600, 0.667]
        [0.0, 0.0, 0.1, 0.9, 0.0],  # conf 0.90, correct  -> bin 13
    ]
    # bin 13: 2/4 * |1 - 0.9| = 0.05; bin 10: 1/4 * |0 - 0.7| = 0.175; bin 9: 1/4 * |1 - 0.65| = 0.0875
    assert m.expected_calibration_error(gold, probs) == pytest.approx(0.3125)
    bins = m.reliability_bins(gold, probs)
    assert len(bins) == 15
    assert [b["count"] for b in bins if b["count"]] == [1, 1, 2]
    assert bins[13]["accuracy"] == 1.0 and bins[10]["accuracy"] == 0.0


def test_perfect_calibration_has_zero_ece() -> None:
    # Confidence 1.0 and always right.
    gold = [1, 3, 5]
    probs = np.eye(5)[[0, 2, 4]]
    assert m.expected_calibration_error(gold, probs) == pytest.approx(0.0)


def test_all_correct() -> None:
    gold = [1, 2, 3, 4, 5, 3, 2]
    out = m.compute_metrics(gold, gold)
    assert out["accuracy"] == 1.0
    assert out["under_triage_rate"] == 0.0 and out["over_triage_rate"] == 0.0
    assert out["sensitivity_levels_1_2"] == 1.0
    assert out["kappa_linear"] == pytest.approx(1.0)
    assert out["kappa_quadratic"] == pytest.approx(1.0)
    assert out["macro_f1"] == pytest.approx(1.0)
    assert out["ece"] is None and out["reliability"] is None


def test_level_absent_from_gold_and_pred() -> None:
    gold = [1, 2, 3, 4, 4]
    pred = [1, 2, 3, 4, 3]
    scores = m.per_level_scores(gold, pred)
    assert scores[5] == {"precision": None, "recall": None, "f1": None, "support": 0, "predicted": 0}
    # L3: tp 1, predicted 2 -> P 1/2, R 1, F1 2/3; L4: P 1, R 1/2, F1 2/3; L1, L2: 1.
    assert m.macro_f1(gold, pred) == pytest.approx((1 + 1 + 2 / 3 + 2 / 3) / 4)


def test_level_predicted_but_never_gold_counts_in_macro_f1() -> None:
    # Level 5 is predicted once but never gold: precision 0, recall 0 (support 0), F1 0.
    scores = m.per_level_scores([4, 4], [4, 5])
    assert scores[5]["f1"] == 0.0 and scores[5]["support"] == 0
    # L4: P 1, R 1/2, F1 2/3; L5: 0 -> macro 1/3
    assert m.macro_f1([4, 4], [4, 5]) == pytest.approx(1 / 3)


def test_single_level_everywhere_gives_kappa_one() -> None:
    assert m.weighted_kappa([3, 3, 3], [3, 3, 3], "quadratic") == 1.0


def test_sensitivity_none_without_urgent_cases() -> None:
    assert m.sensitivity_levels_1_2([3, 4, 5], [3, 4, 5]) is None


def test_compute_metrics_order_and_json() -> None:
    probs = np.full((8, 5), 0.2)
    out = m.compute_metrics(GOLD, PRED, probs)
    assert list(out)[0] == "under_triage_rate"
    assert list(out)[:3] == ["under_triage_rate", "over_triage_rate", "sensitivity_levels_1_2"]
    assert out["confusion_matrix"] == HAND_CM
    assert out["n"] == 8
    # Every top probability is 0.2; argmax is level 1, right for the 2 gold-1 cases -> |0.25 - 0.2|.
    assert out["ece"] == pytest.approx(0.05)
    json.dumps(out)  # JSON-ready: no numpy scalars or int keys


@pytest.mark.parametrize(
    ("gold", "pred"),
    [([1, 2], [1]), ([0, 2], [1, 2]), ([1, 6], [1, 2]), ([], []), ([1.5], [1])],
)
def test_bad_inputs_raise(gold: list[float], pred: list[float]) -> None:
    with pytest.raises(ValueError):
        m.compute_metrics(gold, pred)


def test_bad_probs_raise() -> None:
    with pytest.raises(ValueError):
        m.expected_calibration_error([1, 2], [[1.0, 0, 0, 0, 0]])


def test_agrees_with_scikit_learn_on_random_data() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(7)
    gold = rng.integers(1, 6, size=200)
    pred = np.clip(gold + rng.integers(-2, 3, size=200), 1, 5)
    labels = [1, 2, 3, 4, 5]
    assert m.weighted_kappa(gold, pred, "linear") == pytest.approx(
        sklearn_metrics.cohen_kappa_score(gold, pred, labels=labels, weights="linear")
    )
    assert m.weighted_kappa(gold, pred, "quadratic") == pytest.approx(
        sklearn_metrics.cohen_kappa_score(gold, pred, labels=labels, weights="quadratic")
    )
    assert m.macro_f1(gold, pred) == pytest.approx(sklearn_metrics.f1_score(gold, pred, average="macro"))
    assert m.confusion_matrix(gold, pred).tolist() == sklearn_metrics.confusion_matrix(gold, pred, labels=labels).tolist()
