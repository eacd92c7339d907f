"""int8 export recipes: block quantization, load-time folding, recipe choice on calibration texts, gate fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from triage_app.training import export as export_mod  # noqa: E402
from triage_app.training import pipeline  # noqa: E402
from triage_app.training.export import (  # noqa: E402
    FALLBACK_RECIPE,
    QUANT_RECIPES,
    WEIGHT_ONLY_BLOCK,
    QuantRecipe,
    block_quantize,
    quantize_int8,
)


def _tiny_fp32_onnx(tmp_path: Path) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.ml.model_fixtures import build_tiny_bundle

    return build_tiny_bundle(tmp_path / "tiny", int8=False) / "model.onnx"


def _run(path: Path, ids: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    wanted = {i.name for i in session.get_inputs()}
    return session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})[0]


IDS = np.array([[101, 2023, 2003, 1037, 3231, 102], [101, 3280, 2078, 999, 7592, 102]], dtype=np.int64)


def test_block_quantize_error_is_within_half_a_step_per_block() -> None:
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(64, 6)).astype(np.float32)
    weight[3, 2] = 40.0  # one outlier only coarsens its own block
    q, scale = block_quantize(weight)
    assert q.dtype == np.int8 and q.shape == (64 // WEIGHT_ONLY_BLOCK, WEIGHT_ONLY_BLOCK, 6)
    assert scale.shape == (64 // WEIGHT_ONLY_BLOCK, 1, 6)
    restored = (q.astype(np.float32) * scale).reshape(weight.shape)
    steps = np.repeat(scale[:, 0, :], WEIGHT_ONLY_BLOCK, axis=0)
    assert np.all(np.abs(restored - weight) <= steps / 2 + 1e-6)
    assert scale[1, 0, 2] < scale[0, 0, 2] / 5  # the second block of column 2 keeps a fine step


def test_block_quantize_uses_one_block_when_the_size_does_not_divide() -> None:
    weight = np.arange(-24, 24, dtype=np.float32).reshape(16, 3)
    q, scale = block_quantize(weight)
    assert q.shape == (1, 16, 3) and scale.shape == (1, 1, 3)
    assert np.abs(q).max(axis=(0, 1)).tolist() == [127, 127, 127]  # each column uses its full range


def test_every_recipe_loads_and_tracks_fp32(tmp_path: Path) -> None:
    fp32 = _tiny_fp32_onnx(tmp_path)
    reference = _run(fp32, IDS)
    for i, recipe in enumerate((*QUANT_RECIPES, FALLBACK_RECIPE)):
        out = quantize_int8(fp32, tmp_path / f"q{i}.onnx", recipe)
        logits = _run(out, IDS)
        assert logits.shape == reference.shape
        # Random tiny weights: loose bound, but a broken graph (wrong axis, scale) is far off.
        assert np.abs(logits - reference).max() < 0.25 * (np.abs(reference).max() + 1), recipe.name


def test_folded_recipe_stores_int8_and_equals_the_dequantized_fp32_model(tmp_path: Path) -> None:
    import onnx
    from onnx import numpy_helper

    fp32 = _tiny_fp32_onnx(tmp_path)
    folded = quantize_int8(fp32, tmp_path / "folded.onnx", QuantRecipe("folded", folded=True))
    graph = onnx.load(str(folded)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # No fp32 MatMul weight or word-embedding table is left on disk.
    for node in graph.node:
        if node.op_type == "MatMul":
            assert node.input[1] not in inits or inits[node.input[1]].dtype != np.float32
    assert any(v.dtype == np.int8 and v.shape[0] == 30522 for v in inits.values())
    # Reference: the fp32 model with every quantized weight replaced by its dequantized value.
    model = onnx.load(str(fp32))
    for init in model.graph.initializer:
        arr = numpy_helper.to_array(init)
        consumers = [n for n in model.graph.node if init.name in n.input]
        if arr.dtype != np.float32:
            continue
        if arr.ndim == 2 and consumers and all(n.op_type == "MatMul" and n.input[1] == init.name for n in consumers):
            q, scale = block_quantize(arr)
            init.CopyFrom(numpy_helper.from_array((q.astype(np.float32) * scale).reshape(arr.shape), init.name))
        elif any(n.op_type == "Gather" and "word_embeddings" in n.name for n in consumers):
            row = np.abs(arr).max(axis=1) / 127.0
            row[row == 0] = 1.0
            deq = np.clip(np.round(arr / row[:, None]), -127, 127) * row[:, None]
            init.CopyFrom(numpy_helper.from_array(deq.astype(np.float32), init.name))
    manual = tmp_path / "manual.onnx"
    onnx.save(model, str(manual))
    np.testing.assert_allclose(_run(folded, IDS), _run(manual, IDS), atol=1e-4)


# --- recipe choice and the gate, with canned logits (no model) --------------------------------

REFERENCE = np.array([[3.0, 0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 3.0, 0.0]] * 40, dtype=np.float32)


def _flip(n_flips: int, logits: np.ndarray = REFERENCE) -> np.ndarray:
    out = logits.copy()
    out[:n_flips] = np.roll(out[:n_flips], 1, axis=1)
    return out


class _Canned:
    """Fakes for quantize_int8 / onnx_logits: each recipe name maps to (calibration flips, parity flips)."""

    def __init__(self, flips: dict[str, tuple[int, int]]) -> None:
        self.flips = flips
        self.quantized: list[str] = []
        self.by_path: dict[str, str] = {}

    def quantize(self, fp32_path: Path, out_path: Path, recipe: QuantRecipe) -> Path:
        out_path.write_bytes(b"x" * 10)
        self.quantized.append(recipe.name)
        self.by_path[str(out_path)] = recipe.name
        return out_path

    def logits(self, path: Path, ids: list[list[int]], pad_id: int, batch_size: int = 64) -> np.ndarray:
        name = self.by_path.get(str(path))
        if name is None:  # the fp32 export
            return REFERENCE[: len(ids)].copy()
        calibration = len(ids) == len(REFERENCE)
        return _flip(self.flips[name][0 if calibration else 1])[: len(ids)]


def _patch(monkeypatch: pytest.MonkeyPatch, canned: _Canned) -> None:
    monkeypatch.setattr(pipeline, "quantize_int8", canned.quantize)
    monkeypatch.setattr(pipeline, "onnx_logits", canned.logits)
    monkeypatch.setattr(pipeline, "batch_logits", lambda model, ids, pad, dev: REFERENCE[: len(ids)].copy())

    def fake_export(model: Any, out_path: Path, **_: Any) -> Path:
        out_path.write_bytes(b"y" * 1000)
        return out_path

    monkeypatch.setattr(pipeline, "export_onnx", fake_export)


def _choose(tmp_path: Path) -> tuple[Any, Path, tuple[dict[str, Any], ...]]:
    """Choose among the (patched) recipes on REFERENCE as the calibration texts, argmax rule."""
    return pipeline.choose_int8_recipe(
        tmp_path / "fp32.onnx", [[1]] * len(REFERENCE), REFERENCE, 0, 1.0, {"rule": "argmax"}, "val", tmp_path, lambda s: None)


def test_choice_takes_the_fastest_candidate_that_passes_on_calibration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [r.name for r in QUANT_RECIPES]
    canned = _Canned({names[0]: (12, 0), names[1]: (0, 0), names[2]: (0, 0)})
    _patch(monkeypatch, canned)
    recipe, path, rows = _choose(tmp_path)
    assert recipe.name == names[1]
    assert canned.quantized == names[:2]  # stopped at the first that passed
    assert [r["recipe"] for r in rows] == names[:2]
    assert rows[0]["argmax_agreement"] == pytest.approx(1 - 12 / len(REFERENCE))


def test_choice_without_a_passing_candidate_takes_the_most_faithful(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [r.name for r in QUANT_RECIPES]
    canned = _Canned({names[0]: (30, 0), names[1]: (5, 0), names[2]: (9, 0)})
    _patch(monkeypatch, canned)
    recipe, _, rows = _choose(tmp_path)
    assert recipe.name == names[1] and len(rows) == len(names)


def test_gate_failure_falls_back_loudly_to_more_faithful_recipes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [r.name for r in QUANT_RECIPES]
    # The fastest passes on calibration but fails on the parity set; the next one fails too; weight-only passes.
    canned = _Canned({names[0]: (0, 20), names[1]: (0, 10), names[2]: (0, 10), FALLBACK_RECIPE.name: (0, 0)})
    _patch(monkeypatch, canned)
    staging = tmp_path / "staging"
    staging.mkdir()
    lines: list[str] = []
    gate = pipeline.export_with_parity_gate(
        object(), [[1]] * 60, 0, 1.0, {"rule": "argmax"}, "parity", staging, tmp_path, lines.append,
        calibration_ids=[[1]] * len(REFERENCE), calibration_name="val")
    assert gate.recipe == FALLBACK_RECIPE and gate.fell_back
    assert gate.default_onnx == "model.int8.onnx" and (staging / "model.int8.onnx").is_file()
    assert gate.int8_report.agreement == 1.0
    assert sum("WARNING" in line and "falling back" in line for line in lines) == 3
    entry = pipeline.onnx_manifest_entry(gate, "parity")
    assert entry["int8_recipe"] == FALLBACK_RECIPE.name and entry["int8_recipe_fallback"] is True
    assert entry["int8_selection"]["candidates"][0]["recipe"] == names[0]


def test_gate_passing_first_time_does_not_fall_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [r.name for r in QUANT_RECIPES]
    canned = _Canned({names[0]: (20, 0), names[1]: (20, 0), names[2]: (0, 0)})
    _patch(monkeypatch, canned)
    staging = tmp_path / "staging"
    staging.mkdir()
    lines: list[str] = []
    gate = pipeline.export_with_parity_gate(
        object(), [[1]] * 60, 0, 1.0, {"rule": "argmax"}, "parity", staging, tmp_path, lines.append,
        calibration_ids=[[1]] * len(REFERENCE))
    assert gate.recipe.name == names[2] and not gate.fell_back
    assert not any("falling back" in line for line in lines)
    assert FALLBACK_RECIPE.name not in canned.quantized


def test_reexport_of_a_tiny_bundle_records_the_recipe_and_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.ml.model_fixtures import build_tiny_bundle
    from triage_app.ml.runtime import load_classifier

    bundle = build_tiny_bundle(tmp_path / "tiny", int8=False)
    test = tmp_path / "t.jsonl"
    test.write_text("\n".join(json.dumps({"text": t, "level": 1 + i % 5}) for i, t in enumerate(
        ["chest pain and sweating", "needs a repeat prescription", "fell off a ladder, wrist swollen",
         "fever 39 in a 2 month old", "c/o sore throat x2d"] * 4)) + "\n", encoding="utf-8")
    texts = ["short of breath since this morning", "rash on both arms", "[NAME] took 20 tablets"] * 10
    monkeypatch.setattr(pipeline, "calibration_texts", lambda n=0, seed=0: texts)
    lines: list[str] = []
    manifest = pipeline.reexport_bundle(bundle, test_path=test, say=lines.append)
    onnx_info = manifest["onnx"]
    known = {r.name for r in (*QUANT_RECIPES, FALLBACK_RECIPE)}
    assert onnx_info["int8_recipe"] in known
    assert onnx_info["int8_selection"]["dataset"].endswith("(30 cases)")
    assert 1 <= len(onnx_info["int8_selection"]["candidates"]) <= len(QUANT_RECIPES)
    assert {"argmax_agreement", "decision_agreement", "max_prob_diff"} <= set(onnx_info["int8_selection"]["candidates"][0])
    assert any(line.startswith("candidate ") for line in lines) and any(line.startswith("gate ") for line in lines)
    clf = load_classifier(bundle, device="cpu")
    assert len(clf.predict_levels(["chest pain", "refill"])) == 2


def test_recipe_names_are_distinct_and_fallback_is_weight_only() -> None:
    names = [r.name for r in (*QUANT_RECIPES, FALLBACK_RECIPE)]
    assert len(set(names)) == len(names)
    assert FALLBACK_RECIPE.weight_only and FALLBACK_RECIPE.accuracy_level == 0
    assert export_mod.quantize_int8 is quantize_int8


def test_spread_subset_spans_the_whole_list() -> None:
    items = [[level] for level in (1,) * 50 + (2,) * 50 + (3,) * 50 + (4,) * 50 + (5,) * 50]
    picked = pipeline.spread_subset(items, 20)
    assert len(picked) == 20 and {p[0] for p in picked} == {1, 2, 3, 4, 5}
    assert pipeline.spread_subset(items[:7], 20) == items[:7]
