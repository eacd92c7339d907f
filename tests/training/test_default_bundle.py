"""The committed default bundle: hashes verify, size stays lean, and it still meets its recorded test metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DEFAULT_MODEL_DIR, requires_default_model
from triage_app.ml.bundle_format import FORBIDDEN_SUFFIXES, bundle_digest, compute_file_hashes

pytestmark = [pytest.mark.model, requires_default_model]

DATA_DIR = Path(__file__).resolve().parents[2] / "triage_app" / "training" / "data"
#: Allowed drift from the recorded metrics (thread scheduling and ORT versions can flip a near-tie).
TOLERANCE = 0.02
MAX_BUNDLE_BYTES = 80 * 1024 * 1024


@pytest.fixture(scope="module")
def manifest() -> dict[str, object]:
    return json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text(encoding="utf-8"))


def test_hashes_verify_and_no_pickles(manifest: dict[str, object]) -> None:
    from triage_app.ml.bundle import load_bundle

    bundle = load_bundle(DEFAULT_MODEL_DIR)  # raises ModelError on any mismatch
    assert bundle.sha256 == manifest["sha256"]
    assert manifest["files"] == compute_file_hashes(DEFAULT_MODEL_DIR)
    assert manifest["sha256"] == bundle_digest(manifest["files"])  # type: ignore[arg-type]
    assert not [p for p in DEFAULT_MODEL_DIR.rglob("*") if p.suffix in FORBIDDEN_SUFFIXES]


def test_bundle_is_lean(manifest: dict[str, object]) -> None:
    total = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.rglob("*") if p.is_file())
    assert total <= MAX_BUNDLE_BYTES, f"bundle is {total / 1e6:.1f} MB"


def test_manifest_records_what_the_runtime_needs(manifest: dict[str, object]) -> None:
    onnx = manifest["onnx"]
    assert isinstance(onnx, dict)
    assert onnx["opset"] >= 17
    assert (DEFAULT_MODEL_DIR / onnx["default"]).is_file()
    assert (onnx["default"] == "model.int8.onnx") == (onnx["int8_agreement"] >= 0.99)
    assert manifest["labels"] == ["1", "2", "3", "4", "5"]
    assert manifest["input_format_version"] == 1
    assert float(manifest["temperature"]) > 0  # type: ignore[arg-type]
    test = manifest["metrics"]["test"]  # type: ignore[index]
    assert list(test)[0] == "under_triage_rate"
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "GENERATED" in card


def _recorded_test_sets(manifest: dict[str, object]) -> list[tuple[Path, dict[str, float]]]:
    metrics = manifest["metrics"]  # type: ignore[index]
    sets = [(DATA_DIR / metrics["test"]["dataset"], metrics["test"])]  # type: ignore[index]
    sets += [(DATA_DIR / extra["dataset"], extra["model"]) for extra in metrics.get("more_tests", [])]  # type: ignore[union-attr]
    return sets


def test_records_every_hand_written_test_set_newest_first(manifest: dict[str, object]) -> None:
    names = [path.name for path, _ in _recorded_test_sets(manifest)]
    assert names == ["handwritten_test_3.jsonl", "handwritten_test_2.jsonl", "handwritten_test.jsonl"]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_still_meets_recorded_metrics_on_the_handwritten_sets(manifest: dict[str, object], which: int) -> None:
    from triage_app.ml.runtime import load_classifier
    from triage_app.training.metrics import compute_metrics

    path, recorded = _recorded_test_sets(manifest)[which]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    clf = load_classifier(DEFAULT_MODEL_DIR, device="cpu")
    predictions = clf.predict([r["text"] for r in rows])
    probs = np.asarray([p.probabilities for p in predictions])
    levels = [p.level for p in predictions]
    now = compute_metrics([int(r["level"]) for r in rows], levels, probs)
    assert now["n"] == recorded["n"], "the test set changed: re-export the bundle to re-record its metrics"
    assert now["under_triage_rate"] <= recorded["under_triage_rate"] + TOLERANCE
    assert now["sensitivity_levels_1_2"] >= recorded["sensitivity_levels_1_2"] - TOLERANCE
    assert now["accuracy"] >= recorded["accuracy"] - TOLERANCE
    assert now["kappa_quadratic"] >= recorded["kappa_quadratic"] - TOLERANCE
