"""The int8 explanation proxy: building it, using it for ablation deltas only, falling back."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import BagOfWordsLogits, tiny_wordpiece_tokenizer
from triage_app.core.errors import ModelError
from triage_app.core.paths import resolve_paths
from triage_app.ml.explain_fast import FastExplainer, proxy_for
from triage_app.ml.explain_proxy import Int8Proxy, LazyProxy, build_int8_proxy
from triage_app.ml.runtime import load_classifier

DEPLOYED = {
    "chest": [2.0, 1.0, 0.0, 0.0, 0.0],
    "pain": [1.5, 0.5, 0.0, 0.0, 0.0],
    "no": [-1.0, 0.0, 0.0, 0.5, 0.5],
    "fever": [0.0, 0.5, 1.0, 0.0, 0.0],
}
# A different model: the explanation must take its deltas from this one when it is the proxy.
PROXY = {
    "chest": [0.5, 0.0, 0.0, 0.0, 0.0],
    "pain": [3.0, 0.0, 0.0, 0.0, 0.0],
    "no": [0.0, 0.0, 0.0, 0.0, 0.0],
    "fever": [-2.0, 0.0, 0.0, 0.0, 0.0],
}
TEXT = "chest pain, no fever"


class ReadyProxy:
    """A LazyProxy stand-in that is always ready."""

    def __init__(self, logits_fn: object) -> None:
        self.logits_for_ids = logits_fn

    def get(self) -> ReadyProxy:
        return self


def make(logits_fn: object, **kwargs: object) -> FastExplainer:
    kwargs.setdefault("presence_weight", 0.0)  # the proxy replaces the removal deltas only
    kwargs.setdefault("deletion_steps", 0)  # row counts below are for the removal stage
    return FastExplainer(logits_fn, tiny_wordpiece_tokenizer(), max_length=64, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "max_evals", "proxy_rows"),
    [
        (TEXT, None, 1 + 4),  # exact: unablated + one row per word, one batch
        (TEXT, 2, 1 + 1),  # coarse only: one group of 4 words, no budget left to refine it
        ("chest pain no fever no fever chest", 5, 1 + 2 + 3),  # groups of 4 and 3, then refine 3 words
    ],
)
def test_deltas_come_from_the_proxy_and_the_probability_from_the_deployed_model(
    text: str, max_evals: int | None, proxy_rows: int
) -> None:
    deployed, proxy_model = BagOfWordsLogits(DEPLOYED), BagOfWordsLogits(PROXY)
    with_proxy = make(deployed, proxy=ReadyProxy(proxy_model), max_evals=max_evals).explain_full(text, 1)
    proxy_only = make(BagOfWordsLogits(PROXY), max_evals=max_evals).explain_full(text, 1)
    deployed_only = make(BagOfWordsLogits(DEPLOYED), max_evals=max_evals).explain_full(text, 1)
    assert with_proxy.raw_scores == pytest.approx(proxy_only.raw_scores)
    assert with_proxy.raw_scores != pytest.approx(deployed_only.raw_scores)
    assert with_proxy.target_probability == pytest.approx(deployed_only.target_probability)
    # the deployed model saw only the unablated input; every ablated row went to the proxy
    assert [shape[0] for shape in deployed.calls] == [1]
    assert sum(shape[0] for shape in proxy_model.calls) == proxy_rows


def test_deletion_steps_also_run_on_the_proxy() -> None:
    deployed, proxy_model = BagOfWordsLogits(DEPLOYED), BagOfWordsLogits(PROXY)
    with_proxy = make(deployed, proxy=ReadyProxy(proxy_model), deletion_steps=2).explain_full(TEXT, 1)
    proxy_only = make(BagOfWordsLogits(PROXY), deletion_steps=2).explain_full(TEXT, 1)
    assert with_proxy.raw_scores == pytest.approx(proxy_only.raw_scores)
    assert [shape[0] for shape in deployed.calls] == [1]
    # removal: unablated + 4 words; step 1: context + 3 words; step 2: context + 2 words
    assert [shape[0] for shape in proxy_model.calls] == [5, 4, 3]


def test_a_failed_build_falls_back_to_the_deployed_model(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> object:
        raise ModelError("proxy could not be built", "nothing")

    lazy = LazyProxy(broken, background=False)
    explainer = make(BagOfWordsLogits(DEPLOYED), proxy=lazy)
    with caplog.at_level(logging.WARNING, logger="triage_app.ml.explain_proxy"):
        explanation = explainer.explain_full(TEXT, 1)
    reference = make(BagOfWordsLogits(DEPLOYED)).explain_full(TEXT, 1)
    assert explanation.raw_scores == pytest.approx(reference.raw_scores)
    assert explainer.last_ablation_model == "deployed"
    assert lazy.error == "ModelError" and not lazy.ready
    assert any("explanation proxy unavailable (ModelError)" in r.getMessage() for r in caplog.records)


def test_a_proxy_still_building_is_not_waited_for() -> None:
    import threading

    release = threading.Event()

    def slow() -> object:
        release.wait(10)
        return ReadyProxy(BagOfWordsLogits(PROXY))

    lazy = LazyProxy(slow, background=True)
    explainer = make(BagOfWordsLogits(DEPLOYED), proxy=lazy)
    first = explainer.explain_full(TEXT, 1)
    assert explainer.last_ablation_model == "deployed"
    release.set()
    assert lazy.wait(10) and lazy.ready
    second = explainer.explain_full(TEXT, 1)
    assert explainer.last_ablation_model == "int8 proxy"
    assert first.raw_scores != pytest.approx(second.raw_scores)


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_build_on_the_tiny_bundle_tracks_the_fp32_model_and_leaves_no_files(
    tiny_bundle_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnxruntime as ort

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    app_tmp = resolve_paths().temp_dir
    bundle_before = _listing(tiny_bundle_dir)

    proxy = build_int8_proxy(tiny_bundle_dir / "model.onnx", temp_dir=app_tmp, threads=1)

    assert isinstance(proxy, Int8Proxy)
    assert _listing(system_tmp) == [] and _listing(app_tmp) == []
    assert _listing(tiny_bundle_dir) == bundle_before
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 5000, size=(6, 12)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = np.ones_like(ids)
    session = ort.InferenceSession(str(tiny_bundle_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    fp32 = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    got = proxy.logits_for_ids(ids, mask)
    assert got.shape == fp32.shape
    assert not np.array_equal(got, fp32)  # it really is a different (quantized) graph
    assert np.abs(got - fp32).max() < 0.1 * np.abs(fp32).max()


def test_from_classifier_uses_the_proxy_of_the_bundle(tiny_bundle_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "app-tmp"))
    classifier = load_classifier(tiny_bundle_dir, device="cpu")
    explainer = FastExplainer.from_classifier(classifier, int8_proxy=True)
    assert explainer._proxy is not None and explainer._proxy.wait(60)
    text = "severe chest pain and shortness of breath"
    explanation = explainer.explain_full(text, 2)
    assert explainer.last_ablation_model == "int8 proxy"
    assert len(explanation.attributions) == 7
    assert _listing(tmp_path / "app-tmp") == []
    plain = FastExplainer.from_classifier(classifier, int8_proxy=False)
    assert plain._proxy is None
    assert plain.explain_full(text, 2).target_probability == pytest.approx(explanation.target_probability)


def test_corrupt_onnx_raises_model_error_and_lazy_proxy_swallows_it(tmp_path: Path) -> None:
    bad = tmp_path / "model.int8.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ModelError):
        build_int8_proxy(bad, temp_dir=tmp_path / "tmp")
    assert _listing(tmp_path / "tmp") == []
    lazy = LazyProxy(lambda: build_int8_proxy(bad, temp_dir=tmp_path / "tmp"), background=False)
    assert lazy.get() is None and lazy.error == "ModelError"


def test_proxy_for_skips_torch_and_gpu_classifiers() -> None:
    class TorchLike:
        device_status = "CPU (torch): device set to cpu"

    class GpuOnnx:
        onnx_file = Path("model.onnx")
        device_status = "GPU (onnxruntime CUDA, fp32): device auto, CUDA found"

    class CpuOnnx:
        onnx_file = Path("model.int8.onnx")
        device_status = "CPU (onnxruntime int8): device auto, no GPU found"

    assert proxy_for(TorchLike()) is None
    assert proxy_for(GpuOnnx()) is None
    assert isinstance(proxy_for(CpuOnnx(), background=False), LazyProxy)


def test_delete_ablation_removes_the_word_and_shifts_the_rest() -> None:
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    model = BagOfWordsLogits(DEPLOYED)

    def recording(ids: np.ndarray, mask: np.ndarray) -> object:
        seen.append((np.asarray(ids).copy(), np.asarray(mask).copy()))
        return model(ids, mask)

    explainer = make(recording, ablation="delete", target="logit", max_evals=None)
    explanation = explainer.explain_full("chest pain no", 1)
    # on a bag-of-words model deleting a word removes exactly its weight, as [PAD] does
    assert explanation.raw_scores == pytest.approx((2.0, 1.5, -1.0))
    ids, mask = seen[-1]
    full = seen[0][0][0]
    assert ids.shape == (3, len(full))
    for row, row_mask, dropped in zip(ids, mask, range(1, 4)):  # word i sits at position i (+[CLS])
        kept = np.delete(full, dropped)
        assert list(row[: len(kept)]) == list(kept)
        assert list(row_mask) == [1] * len(kept) + [0]
