"""Runtime classifier: decision rules and windowing on canned logits, device choice by monkeypatch,
and the real ONNX/torch paths on the tiny random bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import DEFAULT_MODEL_DIR, requires_default_model
from tests.ml.model_fixtures import write_manifest
from triage_app.ml import runtime
from triage_app.ml.bundle import load_bundle
from triage_app.ml.decision import calibrated_probabilities, decide_level
from triage_app.ml.long_text import pick_most_urgent, window_spans
from triage_app.ml.runtime import OnnxClassifier, load_classifier, plan_device

# --- decision rule and calibration (pure) ---------------------------------------------------


@pytest.mark.parametrize(
    ("probs", "decision", "level"),
    [
        ([0.1, 0.2, 0.4, 0.2, 0.1], {"rule": "argmax"}, 3),
        ([0.1, 0.2, 0.4, 0.2, 0.1], None, 3),
        ([0.0, 0.0, 0.0, 0.1, 0.9], {"rule": "argmax"}, 5),
        # P(<=1)=0.1, P(<=2)=0.3 >= 0.3 -> level 2 although argmax is 3
        ([0.1, 0.2, 0.4, 0.2, 0.1], {"rule": "cumulative_urgency", "threshold": 0.3}, 2),
        ([0.1, 0.2, 0.4, 0.2, 0.1], {"rule": "cumulative_urgency", "threshold": 0.5}, 3),
        ([0.1, 0.2, 0.4, 0.2, 0.1], {"rule": "urgency_threshold", "threshold": 0.05}, 1),
        ([0.1, 0.2, 0.4, 0.2, 0.1], {"rule": "cumulative_urgency", "threshold": 1.0}, 5),
    ],
)
def test_decision_rules(probs: list[float], decision: dict[str, Any] | None, level: int) -> None:
    assert decide_level(probs, decision) == level


def test_temperature_flattens_but_keeps_order() -> None:
    logits = np.array([[4.0, 1.0, 0.0, -1.0, -2.0]])
    p1 = calibrated_probabilities(logits, 1.0)[0]
    p3 = calibrated_probabilities(logits, 3.0)[0]
    assert p1.sum() == pytest.approx(1.0) and p3.sum() == pytest.approx(1.0)
    assert p3[0] < p1[0]
    assert list(np.argsort(p1)) == list(np.argsort(p3))
    expected = np.exp(logits[0] / 3.0) / np.exp(logits[0] / 3.0).sum()
    assert np.allclose(p3, expected)


@pytest.mark.parametrize(("n", "content", "overlap"), [(0, 30, 7), (10, 30, 7), (30, 30, 7), (31, 30, 7), (200, 30, 7), (1000, 126, 31)])
def test_window_spans_cover_everything_with_overlap(n: int, content: int, overlap: int) -> None:
    spans = window_spans(n, content, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == n
    covered = set()
    for start, end in spans:
        assert end - start <= content
        covered.update(range(start, end))
    assert covered == set(range(n))
    for (_s1, e1), (s2, _) in zip(spans, spans[1:]):
        assert e1 - s2 >= overlap  # neighbours share at least `overlap` tokens


def test_most_urgent_window_wins() -> None:
    probs = np.array(
        [
            [0.0, 0.1, 0.2, 0.3, 0.4],  # text 0, window 0 -> 5
            [0.6, 0.1, 0.1, 0.1, 0.1],  # text 0, window 1 -> 1
            [0.1, 0.1, 0.6, 0.1, 0.1],  # text 1 -> 3
        ]
    )
    agg, chosen = pick_most_urgent(probs, lambda p: decide_level(p), [0, 0, 1], 2)
    assert chosen == [1, 2]
    assert np.allclose(agg[0], probs[1])


# --- device planning ------------------------------------------------------------------------


@pytest.fixture
def tiny_bundle(tiny_bundle_dir: Path) -> Any:
    return load_bundle(tiny_bundle_dir)


@pytest.mark.parametrize(
    ("requested", "providers", "gpu", "torch_cuda", "backend", "device", "fallback", "status_part"),
    [
        ("cpu", ["CUDAExecutionProvider", "CPUExecutionProvider"], True, True, "onnx", "cpu", False, "device set to cpu"),
        ("auto", ["CPUExecutionProvider"], False, False, "onnx", "cpu", False, "no GPU found"),
        ("auto", ["CUDAExecutionProvider", "CPUExecutionProvider"], True, False, "onnx", "cuda", False, "onnxruntime CUDA"),
        ("auto", ["CPUExecutionProvider"], True, True, "torch", "cuda", False, "torch CUDA"),
        ("auto", ["CPUExecutionProvider"], True, False, "onnx", "cpu", True, "GPU is present but"),
        ("cuda", ["CPUExecutionProvider"], False, False, "onnx", "cpu", True, "CUDA requested but no GPU found: using CPU (onnxruntime int8)"),
        ("cuda", ["CPUExecutionProvider"], True, False, "onnx", "cpu", True, "CUDA requested but GPU found but neither"),
        ("cuda", ["CUDAExecutionProvider", "CPUExecutionProvider"], True, True, "onnx", "cuda", False, "GPU"),
    ],
)
def test_plan_device(
    monkeypatch: pytest.MonkeyPatch,
    tiny_bundle: Any,
    requested: str,
    providers: list[str],
    gpu: bool,
    torch_cuda: bool,
    backend: str,
    device: str,
    fallback: bool,
    status_part: str,
) -> None:
    monkeypatch.setattr(runtime, "_ort_providers", lambda: providers)
    monkeypatch.setattr(runtime, "_gpu_present", lambda: gpu)
    monkeypatch.setattr(runtime, "_torch_cuda_available", lambda: torch_cuda)
    plan = plan_device(requested, tiny_bundle)
    assert (plan.backend, plan.device, plan.fallback) == (backend, device, fallback)
    assert status_part in plan.status


def test_plan_device_rejects_unknown(tiny_bundle: Any) -> None:
    from triage_app.core.errors import ModelError

    with pytest.raises(ModelError, match="tpu"):
        plan_device("tpu", tiny_bundle)


class _FakeSession:
    def __init__(self, providers: list[str]) -> None:
        self._providers = providers

    def get_providers(self) -> list[str]:
        return self._providers

    def get_inputs(self) -> list[Any]:
        return [type("I", (), {"name": n})() for n in ("input_ids", "attention_mask")]

    def run(self, _outputs: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [np.zeros((feeds["input_ids"].shape[0], 5), dtype=np.float32)]


@pytest.mark.parametrize(
    ("active", "status_part"),
    [(["CUDAExecutionProvider", "CPUExecutionProvider"], "GPU"), (["CPUExecutionProvider"], "could not start it: using CPU")],
)
def test_onnx_cuda_session_status_is_honest(
    monkeypatch: pytest.MonkeyPatch, tiny_bundle: Any, active: list[str], status_part: str
) -> None:
    seen: dict[str, Any] = {}

    def fake_session(path: Path, providers: list[str]) -> _FakeSession:
        seen["path"], seen["providers"] = path, providers
        return _FakeSession(active)

    monkeypatch.setattr(runtime, "_make_ort_session", fake_session)
    clf = OnnxClassifier(tiny_bundle, "GPU (onnxruntime CUDA, fp32): test", device="cuda")
    assert seen["providers"][0] == "CUDAExecutionProvider"
    assert seen["path"].name == "model.onnx"  # fp32 on GPU, not the int8 CPU model
    assert status_part in clf.device_status
    assert clf.predict_proba(["x"])[0] == pytest.approx([0.2] * 5)


def test_load_classifier_cuda_without_gpu_falls_back_loudly(
    monkeypatch: pytest.MonkeyPatch, tiny_bundle_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runtime, "_gpu_present", lambda: False)
    monkeypatch.setattr(runtime, "_ort_providers", lambda: ["CPUExecutionProvider"])
    with caplog.at_level("WARNING", logger="triage_app.ml.runtime"):
        clf = load_classifier(tiny_bundle_dir, "cuda")
    assert clf.device_status.startswith("CUDA requested but no GPU found: using CPU")
    assert any("fallback" in r.getMessage() for r in caplog.records)


# --- real ONNX / torch on the tiny bundle ----------------------------------------------------


@pytest.fixture(scope="module")
def cpu_classifier(tiny_bundle_dir: Path) -> OnnxClassifier:
    clf = load_classifier(tiny_bundle_dir, "cpu")
    assert isinstance(clf, OnnxClassifier)
    return clf


def test_predict_proba_is_calibrated_and_batch_consistent(cpu_classifier: OnnxClassifier) -> None:
    texts = ["chest pain radiating to the arm", "sore throat for two days", "ankle sprain playing football"]
    batch = cpu_classifier.predict_proba(texts)
    assert len(batch) == 3
    for probs in batch:
        assert len(probs) == 5 and sum(probs) == pytest.approx(1.0, abs=1e-6)
        assert all(0.0 <= p <= 1.0 for p in probs)
    singles = [cpu_classifier.predict_proba([t])[0] for t in texts]
    # Dynamic int8 quantises activations with a per-batch scale, so batch mates shift results
    # slightly; padding itself is masked (the fp32 test below checks equality tightly).
    assert np.allclose(batch, singles, atol=2e-3)
    assert cpu_classifier.predict_levels(texts) == [decide_level(p) for p in batch]
    assert cpu_classifier.predict_proba([]) == []


def test_probabilities_follow_temperature(cpu_classifier: OnnxClassifier) -> None:
    enc = cpu_classifier.preprocess(["headache since this morning"])
    logits = cpu_classifier.logits_for_ids(enc.input_ids, enc.attention_mask)
    assert logits.shape == (1, 5)
    expected = calibrated_probabilities(logits, cpu_classifier.temperature)[0]
    assert cpu_classifier.predict_proba(["headache since this morning"])[0] == pytest.approx(list(expected), abs=1e-6)


def test_public_attributes(cpu_classifier: OnnxClassifier) -> None:
    assert cpu_classifier.max_length == 32
    assert cpu_classifier.temperature == pytest.approx(1.5)
    assert cpu_classifier.info.name == "tiny-test"
    assert "CPU (onnxruntime int8)" in cpu_classifier.device_status
    assert cpu_classifier.onnx_file.name == "model.int8.onnx"
    upper = cpu_classifier.tokenizer.encode("CHEST PAIN").ids
    assert upper == cpu_classifier.tokenizer.encode("chest pain").ids
    assert upper[0] == 101 and upper[-1] == 102


def test_preprocess_windows_long_text(cpu_classifier: OnnxClassifier) -> None:
    text = " ".join(["cough"] * 100)
    enc = cpu_classifier.preprocess([text, "short"])
    assert enc.input_ids.shape[1] <= cpu_classifier.max_length
    assert enc.owners.count(0) > 1 and enc.owners.count(1) == 1
    assert all(row[0] == 101 for row in enc.input_ids)


def test_red_flag_at_end_of_long_note_drives_the_result(cpu_classifier: OnnxClassifier, monkeypatch: pytest.MonkeyPatch) -> None:
    arrest_id = cpu_classifier.tokenizer.token_to_id("arrest")

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # Canned model: level 1 if the window contains "arrest", else level 5.
        out = np.tile(np.array([0.0, 0.0, 0.0, 0.0, 5.0], dtype=np.float32), (ids.shape[0], 1))
        out[(ids == arrest_id).any(axis=1)] = [5.0, 0.0, 0.0, 0.0, 0.0]
        return out

    monkeypatch.setattr(cpu_classifier, "_forward", forward)
    filler = "Patient came in with a mild cough and runny nose, otherwise well. " * 20
    note = filler + "Collapsed in the waiting room, cardiac arrest."
    pred = cpu_classifier.predict([note])[0]
    assert pred.windows > 3
    assert pred.level == 1
    assert pred.window == pred.windows - 1  # the last window decided
    # Head-only truncation would have missed it:
    enc = cpu_classifier.preprocess([note])
    first = forward(enc.input_ids[:1], enc.attention_mask[:1])
    assert decide_level(calibrated_probabilities(first)[0]) == 5


def test_torch_backend_matches_onnx_fp32(tiny_bundle_dir: Path) -> None:
    bundle = load_bundle(tiny_bundle_dir)
    torch_clf = runtime.TorchClassifier(bundle, "CPU (torch): test", device="cpu")
    onnx_clf = runtime.OnnxClassifier.__new__(runtime.OnnxClassifier)
    runtime.BaseClassifier.__init__(onnx_clf, bundle, "fp32")
    onnx_clf._session = runtime._make_ort_session(bundle.onnx_path("fp32"), ["CPUExecutionProvider"])
    onnx_clf._input_names = [i.name for i in onnx_clf._session.get_inputs()]
    texts = ["chest pain", "a much longer complaint about abdominal pain and vomiting since yesterday"]
    enc = torch_clf.preprocess(texts)
    a = torch_clf.logits_for_ids(enc.input_ids, enc.attention_mask)
    b = onnx_clf.logits_for_ids(enc.input_ids, enc.attention_mask)
    assert np.allclose(a, b, atol=1e-4)


def test_bundle_without_int8_runs_fp32(tiny_bundle_copy: Path) -> None:
    (tiny_bundle_copy / "model.int8.onnx").unlink()
    write_manifest(tiny_bundle_copy)
    clf = load_classifier(tiny_bundle_copy, "cpu")
    assert "onnxruntime fp32" in clf.device_status
    texts = ["x", "a longer complaint of chest pain and shortness of breath"]
    batch = clf.predict_proba(texts)
    singles = [clf.predict_proba([t])[0] for t in texts]
    assert np.allclose(batch, singles, atol=1e-5)  # right padding is masked out exactly


def test_head_tail_keeps_the_end_but_only_windows_keep_the_middle(cpu_classifier: OnnxClassifier, monkeypatch: pytest.MonkeyPatch) -> None:
    arrest_id = cpu_classifier.tokenizer.token_to_id("arrest")

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.0, 0.0, 0.0, 5.0], dtype=np.float32), (ids.shape[0], 1))
        out[(ids == arrest_id).any(axis=1)] = [5.0, 0.0, 0.0, 0.0, 0.0]
        return out

    monkeypatch.setattr(cpu_classifier, "_forward", forward)
    filler = "Mild cough and runny nose, otherwise well. " * 15
    end_note = filler + "Then cardiac arrest."
    middle_note = filler + "Brief cardiac arrest. " + filler
    try:
        cpu_classifier.long_text = "head_tail"
        enc = cpu_classifier.preprocess([end_note])
        assert enc.input_ids.shape == (1, cpu_classifier.max_length)
        assert cpu_classifier.predict_levels([end_note, middle_note]) == [1, 5]
        cpu_classifier.long_text = "windows"
        assert cpu_classifier.predict_levels([end_note, middle_note]) == [1, 1]
    finally:
        cpu_classifier.long_text = "windows"


# --- the committed real bundle (skipped when models/default is absent) ------------------------


@pytest.mark.model
@requires_default_model
def test_default_bundle_loads_and_predicts() -> None:
    clf = load_classifier(DEFAULT_MODEL_DIR, "cpu")
    assert clf.bundle.labels == ("1", "2", "3", "4", "5")
    texts = [
        "found unresponsive, not breathing, CPR in progress",
        "crushing central chest pain radiating to left arm, sweaty, 40 minutes",
        "requesting a repeat prescription for his usual inhaler, well",
    ]
    preds = clf.predict(texts)
    for pred in preds:
        assert sum(pred.probabilities) == pytest.approx(1.0, abs=1e-5)
        assert pred.level == decide_level(pred.probabilities, clf.decision)
    # Sanity, not accuracy: the arrest is more urgent than the prescription request.
    assert preds[0].level < preds[2].level
    assert clf.device_status.startswith("CPU (")  # no GPU here, and it says which backend


@pytest.mark.model
@requires_default_model
def test_default_bundle_long_note_with_late_red_flag() -> None:
    from triage_app.core.intake import Intake
    from triage_app.core.rules import default_rules

    clf = load_classifier(DEFAULT_MODEL_DIR, "cpu")
    repeats = clf.max_length // 8  # each filler sentence is over 16 wordpieces: at least two windows
    note = "Mild cough and runny nose for a week, eating and drinking, otherwise well. " * repeats + "Then collapsed and now unresponsive."
    pred = clf.predict([note])[0]
    assert pred.windows > 1
    final = min([pred.level] + [e.min_level for e in default_rules().evaluate(Intake(note))])
    assert final == 1


def test_logits_for_ids_keeps_tokens_after_a_masked_middle(cpu_classifier: OnnxClassifier) -> None:
    enc = cpu_classifier.preprocess(["chest pain radiating to the left arm with sweating"])
    ids, mask = enc.input_ids.copy(), enc.attention_mask.copy()
    mask[0, 2:4] = 0  # a perturbation that hides two middle tokens
    padded_ids = np.concatenate([ids, np.zeros((1, 5), dtype=np.int64)], axis=1)
    padded_mask = np.concatenate([mask, np.zeros((1, 5), dtype=np.int64)], axis=1)
    direct = cpu_classifier._forward(ids, mask)
    assert np.allclose(cpu_classifier.logits_for_ids(padded_ids, padded_mask), direct, atol=1e-5)


@pytest.mark.parametrize(("value", "threads"), [(None, 0), ("", 0), ("1", 1), (" 4 ", 4)])
def test_ort_threads_from_environment(monkeypatch: pytest.MonkeyPatch, value: str | None, threads: int) -> None:
    if value is None:
        monkeypatch.delenv(runtime.ORT_THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(runtime.ORT_THREADS_ENV, value)
    assert runtime.ort_threads() == threads


@pytest.mark.parametrize("value", ["two", "-1", "1000"])
def test_bad_ort_threads_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from triage_app.core.errors import ModelError

    monkeypatch.setenv(runtime.ORT_THREADS_ENV, value)
    with pytest.raises(ModelError, match=runtime.ORT_THREADS_ENV):
        runtime.ort_threads()
