"""Re-fitting the decision rule on a tuning set, for the model alone or model + safety rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from triage_app.core.intake import Intake
from triage_app.training.recalibrate import fit_decision_with_floor, rule_floor_levels


def _probs(rows: list[list[float]]) -> np.ndarray:
    p = np.asarray(rows, dtype=float)
    return p / p.sum(axis=1, keepdims=True)


# Four level-1 cases the model calls level 3 with some level-1 mass, and six level-5 cases it gets right.
PROBS = _probs([[0.3, 0.0, 0.7, 0.0, 0.0]] * 4 + [[0.0, 0.0, 0.0, 0.1, 0.9]] * 6)
GOLD = np.asarray([1] * 4 + [5] * 6)


def test_model_alone_needs_a_protective_threshold() -> None:
    decision, metrics = fit_decision_with_floor(PROBS, GOLD, None)
    assert decision["rule"] == "cumulative_urgency" and decision["threshold"] <= 0.3
    assert metrics["under_triage_rate"] == 0.0 and metrics["accuracy"] == 1.0


def test_rules_floor_lets_argmax_stand_when_the_rules_catch_the_misses() -> None:
    floor = np.asarray([1] * 4 + [5] * 6)  # the rules require level 1 for the first four
    decision, metrics = fit_decision_with_floor(PROBS, GOLD, floor, max_model_under=1.0)
    assert decision == {"rule": "argmax"}
    assert metrics["under_triage_rate"] == 0.0


def test_model_alone_guard_still_binds_with_a_floor() -> None:
    floor = np.asarray([1] * 4 + [5] * 6)
    decision, _ = fit_decision_with_floor(PROBS, GOLD, floor, max_model_under=0.0)
    assert decision["rule"] == "cumulative_urgency"  # argmax alone under-triages 40 %


def test_rule_floor_levels_from_real_rules() -> None:
    intakes = [
        Intake.from_dict({"text": "cardiac arrest, CPR in progress", "age": 60}),
        Intake.from_dict({"text": "needs a repeat prescription", "age": 40}),
        Intake.from_dict({"text": "feels unwell", "age": 40, "vitals": {"spo2": 84}}),
    ]
    floors = rule_floor_levels(intakes)
    assert floors[0] == 1 and floors[1] == 5 and floors[2] <= 2


def test_export_refuses_to_tune_on_the_test_set(tmp_path: Path) -> None:
    from triage_app.cli import main
    from triage_app.training.pipeline import HANDWRITTEN_TEST

    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "manifest.json").write_text("{}", encoding="utf-8")
    code = main(["--data-dir", str(tmp_path / "d"), "export", "--model", str(bundle), "--tune-data", str(HANDWRITTEN_TEST)])
    assert code != 0


@pytest.mark.model
def test_recalibrating_the_default_bundle_on_the_dev_set(tmp_path: Path) -> None:
    import json
    import shutil

    from tests.conftest import DEFAULT_MODEL_DIR
    from triage_app.ml.bundle import load_bundle
    from triage_app.training.recalibrate import recalibrate_bundle

    if not (DEFAULT_MODEL_DIR / "manifest.json").is_file():
        pytest.skip("no default bundle")
    work = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, work)
    from triage_app.training.data_io import HANDWRITTEN_DEV_SETS, existing
    from triage_app.training.evaluate import read_cases

    dev = existing(HANDWRITTEN_DEV_SETS)
    manifest = recalibrate_bundle(work, dev, say=lambda _: None)
    assert manifest["calibration"]["cases"] == sum(len(read_cases(p).cases) for p in dev)  # pooled
    assert manifest["calibration"]["data"] == " + ".join(p.name for p in dev)
    search = manifest["calibration"]["cross_validation"]
    assert search["tried"][-1]["under_triage_rate"] <= 0.05  # out of fold, with the safety rules
    assert search["tried"][-1]["in_sample_target"] == search["in_sample_target"]
    load_bundle(work)  # hashes rewritten
    assert json.loads((work / "manifest.json").read_text())["temperature"] == manifest["temperature"]


def test_per_boundary_thresholds_agree_between_training_and_runtime() -> None:
    from triage_app.ml.decision import decide_levels as runtime_levels
    from triage_app.training.calibration import decide_levels as training_levels

    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(5), size=400)
    for decision in ({"rule": "cumulative_urgency", "threshold": 0.2},
                     {"rule": "cumulative_urgency", "thresholds": [0.2, 0.2, 0.2, 0.6]},
                     {"rule": "cumulative_urgency", "thresholds": [0.1, 0.3, 0.5, 0.9]}):
        assert list(training_levels(probs, decision)) == runtime_levels(probs, decision)


def test_a_higher_4_5_threshold_lets_level_5_through_and_keeps_1_to_3() -> None:
    from triage_app.ml.decision import decide_level

    probs = [0.02, 0.03, 0.05, 0.30, 0.60]  # cumulative 0.02, 0.05, 0.10, 0.40, 1.0
    assert decide_level(probs, {"rule": "cumulative_urgency", "threshold": 0.2}) == 4
    assert decide_level(probs, {"rule": "cumulative_urgency", "thresholds": [0.2, 0.2, 0.2, 0.5]}) == 5
    assert decide_level([0.25, 0.05, 0.1, 0.2, 0.4], {"rule": "cumulative_urgency", "thresholds": [0.2, 0.2, 0.2, 0.5]}) == 1


def test_fit_prefers_the_per_boundary_rule_only_when_it_is_more_accurate() -> None:
    # Level-5 cases with 25 % on level 4 and level-1 cases with only 15 % on level 1: no single
    # threshold gets both right (level 1 needs t <= 0.15, level 5 needs t > 0.25).
    probs = _probs([[0.0, 0.0, 0.0, 0.25, 0.75]] * 6 + [[0.15, 0.0, 0.85, 0.0, 0.0]] * 4)
    gold = np.asarray([5] * 6 + [1] * 4)
    decision, metrics = fit_decision_with_floor(probs, gold, None)
    assert "thresholds" in decision and decision["thresholds"][3] > decision["thresholds"][0]
    assert metrics["accuracy"] == 1.0 and metrics["under_triage_rate"] == 0.0


def test_bundle_rejects_malformed_per_boundary_thresholds(tmp_path: Path) -> None:
    import json

    from tests.ml.model_fixtures import build_tiny_bundle
    from triage_app.core.errors import ModelError
    from triage_app.ml.bundle import load_bundle
    from triage_app.training.bundle_writer import finalize_bundle

    bundle = build_tiny_bundle(tmp_path / "b", int8=False)
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("files", None)
    manifest.pop("sha256", None)
    manifest["decision"] = {"rule": "cumulative_urgency", "thresholds": [0.2, 0.2]}
    finalize_bundle(bundle, manifest)
    with pytest.raises(ModelError, match="per-boundary"):
        load_bundle(bundle)


def _noisy_probs(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    gold = np.arange(n) % 5 + 1
    logits = np.eye(5)[gold - 1] * 2.0 + rng.normal(0.0, noise, size=(n, 5))
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True), gold


def test_cross_validated_fit_tightens_until_out_of_fold_safety_holds() -> None:
    from triage_app.training.recalibrate import CV_TARGETS, fit_decision_cross_validated

    probs, gold = _noisy_probs(250, 0.8, seed=1)  # fitted to exactly 5 %, it under-triages 6 % out of fold
    decision, metrics, search = fit_decision_cross_validated(probs, gold, None)
    tried = search["tried"]
    assert len(tried) >= 2 and search["in_sample_target"] < 0.05
    assert [t["in_sample_target"] for t in tried] == list(CV_TARGETS[: len(tried)])
    # Every target before the chosen one failed out of fold (with 95 % confidence); the chosen one passed.
    assert all(t["under_triage_bound"] > 0.05 or t["sensitivity_bound"] < 0.95 for t in tried[:-1])
    assert tried[-1]["under_triage_bound"] <= 0.05 and tried[-1]["sensitivity_bound"] >= 0.95
    assert tried[-1]["in_sample_target"] == search["in_sample_target"]
    assert all(t["under_triage_bound"] >= t["under_triage_rate"] for t in tried)
    # Without the confidence bounds the point estimates decide, and the search stops no later.
    _, _, loose = fit_decision_cross_validated(probs, gold, None, z=None)
    assert loose["in_sample_target"] >= search["in_sample_target"]
    assert loose["tried"][-1]["under_triage_rate"] <= 0.05
    # The shipped rule is the in-sample fit at the chosen target.
    assert (decision, metrics) == fit_decision_with_floor(probs, gold, None, target_under=search["in_sample_target"])
    assert metrics["under_triage_rate"] <= search["in_sample_target"]


def test_cross_validated_fit_keeps_the_target_when_the_model_is_clean() -> None:
    from triage_app.training.recalibrate import cross_validated_safety, fit_decision_cross_validated

    probs, gold = _noisy_probs(250, 0.05, seed=4)  # argmax is always right
    decision, _, search = fit_decision_cross_validated(probs, gold, None)
    assert search["in_sample_target"] == 0.05 and len(search["tried"]) == 1
    assert decision == {"rule": "argmax"}
    cv = cross_validated_safety(probs, gold, None, 0.05)
    assert cv == {"under_triage_rate": 0.0, "sensitivity_levels_1_2": 1.0, "accuracy": 1.0}
    assert cross_validated_safety(probs, gold, None, 0.05, seed=9) == cv


def test_safety_first_choice_prefers_the_model_that_under_triages_less_out_of_fold() -> None:
    from triage_app.training.recalibrate import candidate_safety, safety_first_key

    rng = np.random.default_rng(0)
    gold = np.repeat(np.arange(1, 6), 40)
    sharp = np.full((len(gold), 5), 0.02)
    sharp[np.arange(len(gold)), gold - 1] = 0.92  # right every time
    vague = sharp.copy()
    flipped = rng.choice(len(gold), 60, replace=False)
    vague[flipped] = np.roll(sharp[flipped], 1, axis=1)  # a confident level-too-low call for 30 % of cases
    safe, risky = candidate_safety(sharp, gold, None), candidate_safety(vague, gold, None)
    assert safe["cv_under_triage"] == 0.0 and safe["cv_accuracy"] == 1.0
    assert risky["cv_under_triage"] > 0.0 or risky["cv_accuracy"] < 1.0
    assert safety_first_key(safe) > safety_first_key(risky)
    # Safety outranks accuracy: a slightly less accurate model that under-triages less wins.
    assert safety_first_key({"cv_under_triage": 0.03, "cv_accuracy": 0.70}) > safety_first_key(
        {"cv_under_triage": 0.05, "cv_accuracy": 0.85})
    # Under-triage within the same 1 % is a tie, broken by accuracy.
    assert safety_first_key({"cv_under_triage": 0.041, "cv_accuracy": 0.80}) > safety_first_key(
        {"cv_under_triage": 0.039, "cv_accuracy": 0.78})


@pytest.mark.parametrize("which", [0, 1, 2])
def test_export_refuses_to_tune_on_any_test_set(tmp_path: Path, which: int) -> None:
    from triage_app.cli import main
    from triage_app.training.data_io import HANDWRITTEN_TEST_SETS

    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "manifest.json").write_text("{}", encoding="utf-8")
    test_set = HANDWRITTEN_TEST_SETS[which]
    if not test_set.is_file():
        pytest.skip(f"{test_set.name} is not in this checkout")
    code = main(["--data-dir", str(tmp_path / "d"), "export", "--model", str(bundle), "--tune-data", "dev",
                 "--tune-data", str(test_set)])
    assert code != 0
    assert json.loads((bundle / "manifest.json").read_text(encoding="utf-8")) == {}  # untouched


def test_wilson_bounds_by_hand() -> None:
    from triage_app.training.recalibrate import wilson_bounds

    low, high = wilson_bounds(0, 100)  # no events: the upper bound is z^2 / (n + z^2)
    assert low == 0.0 and high == pytest.approx(1.645**2 / (100 + 1.645**2))
    low, high = wilson_bounds(50, 100)
    assert (low, high) == (pytest.approx(0.4188, abs=1e-4), pytest.approx(0.5812, abs=1e-4))
    low, high = wilson_bounds(17, 700)  # 2.4 % under-triage out of fold on 700 cases
    assert 0.015 < low < 0.0243 < high < 0.036


def test_too_few_cases_for_the_bounds_fall_back_to_point_estimates_and_say_so() -> None:
    from triage_app.training.recalibrate import fit_decision_cross_validated, min_cases_for_bounds

    assert min_cases_for_bounds() == 52  # 1.645^2 * 0.95 / 0.05 = 51.4
    probs, gold = _noisy_probs(100, 0.05, seed=4)  # perfect, but only 40 cases at levels 1-2
    decision, _, search = fit_decision_cross_validated(probs, gold, None)
    assert search["confidence_z"] is None and "too few cases" in search["note"]
    assert search["in_sample_target"] == 0.05 and search["met"] is True and decision == {"rule": "argmax"}


def test_a_rule_that_never_meets_the_criterion_is_reported() -> None:
    from triage_app.training.recalibrate import fit_decision_cross_validated

    gold = np.arange(400) % 5 + 1
    probs = np.full((400, 5), 0.0025)
    probs[np.arange(400), np.minimum(gold, 4)] = 0.99  # confidently one level too low (level 5 stays 5)
    _, _, search = fit_decision_cross_validated(probs, gold, None)
    assert search["met"] is False and "no in-sample target met" in search["note"]
    assert search["in_sample_target"] == min(t["in_sample_target"] for t in search["tried"])


def test_export_refuses_a_missing_test_file(tmp_path: Path) -> None:
    from triage_app.cli import main

    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "manifest.json").write_text("{}", encoding="utf-8")
    code = main(["--data-dir", str(tmp_path / "d"), "export", "--model", str(bundle), "--test-data", str(tmp_path / "nope.jsonl")])
    assert code != 0
    assert json.loads((bundle / "manifest.json").read_text(encoding="utf-8")) == {}
