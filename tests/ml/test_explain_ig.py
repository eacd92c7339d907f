"""IntegratedGradientsExplainer: completeness on a model small enough to reason about,
the tiny BERT path end to end, device choice (CUDA branch via monkeypatch) and lazy imports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")

from tests.conftest import DEFAULT_MODEL_DIR, requires_default_model  # noqa: E402
from tests.fakes import TINY_VOCAB, tiny_wordpiece_tokenizer  # noqa: E402
from triage_app.core.errors import DependencyError  # noqa: E402
from triage_app.ml import explain_ig  # noqa: E402
from triage_app.ml.explain_ig import IntegratedGradientsExplainer, resolve_device  # noqa: E402


class EmbeddingBagClassifier(torch.nn.Module):
    """logits = sum_t E[id_t] @ W over unmasked tokens: linear in the embeddings."""

    def __init__(self, dim: int = 4) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(0)
        self.embeddings = torch.nn.Embedding(len(TINY_VOCAB), dim)
        with torch.no_grad():
            self.embeddings.weight.copy_(torch.randn(len(TINY_VOCAB), dim, generator=gen))
            self.embeddings.weight[0].zero_()  # [PAD]
        self.head = torch.nn.Linear(dim, 5, bias=False)
        with torch.no_grad():
            self.head.weight.copy_(torch.randn(5, dim, generator=gen))

    def get_input_embeddings(self) -> torch.nn.Module:
        return self.embeddings

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        emb = self.embeddings(input_ids) * attention_mask[..., None]
        return self.head(emb.sum(dim=1))


def _probability(model: torch.nn.Module, ids: list[int], level: int, temperature: float) -> float:
    t = torch.tensor([ids])
    with torch.no_grad():
        return float(torch.softmax(model(t, torch.ones_like(t)) / temperature, -1)[0, level - 1])


def test_completeness_and_reported_delta_on_a_linear_model() -> None:
    model = EmbeddingBagClassifier().eval()
    explainer = IntegratedGradientsExplainer(model, tiny_wordpiece_tokenizer(), temperature=1.3, delta_threshold=1e-3)
    text = "chest pains and fever for days"
    explanation = explainer.explain_full(text, target_level=2)
    vocab = {w: i for i, w in enumerate(TINY_VOCAB)}
    body = [vocab[t] for t in ["chest", "pain", "##s", "and", "fever", "for", "days"]]
    p_x = _probability(model, [2, *body, 3], 2, 1.3)
    p_b = _probability(model, [2] + [0] * len(body) + [3], 2, 1.3)
    # captum's delta = sum(attributions) - (f(x) - f(baseline)); [CLS]/[SEP] attribute 0 here.
    assert sum(explanation.raw_scores) - (p_x - p_b) == pytest.approx(explanation.delta, abs=1e-6)
    assert abs(explanation.delta) <= 1e-3 and explanation.converged
    assert explanation.n_steps in explain_ig.DEFAULT_STEPS
    assert explanation.target_probability == pytest.approx(p_x, abs=1e-6)
    assert [a.word for a in explanation.attributions] == text.split()
    assert explainer.last_delta == explanation.delta


def test_adaptive_steps_warn_when_delta_stays_over(caplog: pytest.LogCaptureFixture) -> None:
    model = EmbeddingBagClassifier().eval()
    explainer = IntegratedGradientsExplainer(model, tiny_wordpiece_tokenizer(), steps=(2, 3), delta_threshold=0.0)
    with caplog.at_level("WARNING", logger="triage_app.ml.explain_ig"):
        explanation = explainer.explain_full("chest pain fever", 1)
    assert explanation.n_steps == 3 and not explanation.converged
    assert any("over the threshold" in r.getMessage() for r in caplog.records)
    assert "chest" not in caplog.text  # no text in logs


def test_tiny_bert_bundle_end_to_end(tiny_bundle_dir: Path) -> None:
    explainer = IntegratedGradientsExplainer.from_bundle(tiny_bundle_dir, device="cpu")
    assert explainer.temperature == 1.5 and explainer.device == "cpu"
    text = "[NAME_1]  c/o chest pain x2d,\nBP 90/60 T 38.9 😀 SpO2 88%"
    explanation = explainer.explain_full(text, target_level=3)
    words = [a.word for a in explanation.attributions]
    assert words == ["[NAME_1]", "c/o", "chest", "pain", "x2d", "BP", "90/60", "T", "38.9", "SpO2", "88%"]
    for a in explanation.attributions:
        assert text[a.start : a.end] == a.word and -1.0 <= a.score <= 1.0
    assert explanation.delta is not None and explanation.n_steps is not None
    assert explainer.explain_full(text, target_level=3) == explanation  # deterministic


def test_resolve_device_cuda_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Fake GPU")
    assert resolve_device("auto") == ("cuda", "CUDA (torch, Fake GPU)")
    assert resolve_device("cuda")[0] == "cuda"
    assert resolve_device("cpu")[0] == "cpu"


def test_resolve_device_falls_back_loudly(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with caplog.at_level("WARNING"):
        device, status = resolve_device("cuda")
    assert device == "cpu" and "fell back" in status
    assert "falling back to CPU" in caplog.text
    assert resolve_device("auto") == ("cpu", "CPU (torch; no CUDA device found)")


def test_from_bundle_moves_the_model_to_cuda(tiny_bundle_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tiny_bundle_dir
    moved: list[str] = []
    real_to = torch.nn.Module.to

    def fake_to(self: torch.nn.Module, *args: object, **kwargs: object) -> torch.nn.Module:
        if args and args[0] == "cuda":
            moved.append("cuda")
            return self
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Fake GPU")
    monkeypatch.setattr(torch.nn.Module, "to", fake_to)
    explainer = IntegratedGradientsExplainer.from_bundle(bundle, device="auto")
    assert moved == ["cuda"]
    assert explainer.device == "cuda" and explainer.device_status.startswith("CUDA")
    assert explainer.internal_batch_size == 64


def test_missing_captum_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    with pytest.raises(DependencyError, match="pip install captum"):
        explain_ig._import_captum_lig()


def test_missing_torch_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(DependencyError, match="pip install torch"):
        explain_ig._import_torch()


# --- the real default model (skipped when models/default is absent) ---------------------------

CLEAR_CASES = (
    "crushing chest pain radiating to left arm, sweaty and grey",
    "anaphylaxis after peanuts, lips swelling, stridor",
    "small splinter in finger, no other problems",
    "wants a sick note, no symptoms today",
    "found unresponsive, not breathing, CPR in progress",
    "sudden worst headache of her life, vomiting, stiff neck",
    "twisted ankle playing football, walking on it, wants an x-ray",
    "needs a repeat prescription for blood pressure tablets",
)
#: Share of clear cases whose most important word must get the same sign from both methods.
FIRST_WORD_AGREEMENT = 0.75
#: A word must move the target probability by at least this much (fast method) to count.
MATERIAL = 0.02


@pytest.mark.model
@requires_default_model
def test_fast_and_ig_agree_in_sign_on_top_words_of_the_default_model() -> None:
    """Occlusion and integrated gradients are different estimators and may disagree on words that
    act through interactions; they must agree on the word that matters most in most clear cases,
    and mostly agree on the rest. An IG score smaller than IG's own convergence delta has no
    determined sign (model 1.2.0 gave "splinter" -0.0005 at delta 0.007), so such a word is not
    counted either way. Known exception, model 1.3.x: in the chest-pain case, deleting "arm" drops
    P(level 2) by 0.38 (removal +0.38; with the optional presence mix +0.17) while IG, integrating
    from the all-[PAD] baseline, gives -0.05 at delta 0.002: "radiating to left arm" acts as a unit
    that removal sees whole.
    So the first word must agree in at least FIRST_WORD_AGREEMENT of the cases, not in every one."""
    from triage_app.ml.explain_fast import FastExplainer
    from triage_app.ml.runtime import load_classifier

    classifier = load_classifier(DEFAULT_MODEL_DIR, device="cpu")
    fast = FastExplainer.from_classifier(classifier)
    ig = IntegratedGradientsExplainer.from_bundle(DEFAULT_MODEL_DIR, device="cpu")
    agree = total = cases_with_determined_first = 0
    first_disagreements: list[tuple[str, str]] = []
    for text in CLEAR_CASES:
        level = classifier.predict_levels([text])[0]
        a = fast.explain_full(text, level)
        b = ig.explain_full(text, level)
        assert [w.word for w in a.attributions] == [w.word for w in b.attributions]
        top3 = sorted(range(len(a.raw_scores)), key=lambda i: -abs(a.raw_scores[i]))[:3]
        material = [i for i in top3 if abs(a.raw_scores[i]) >= MATERIAL]
        determined = [i for i in material if abs(b.raw_scores[i]) > abs(b.delta or 0.0)]
        if not material or material[0] not in determined:  # saturated, or IG's sign not determined
            continue
        cases_with_determined_first += 1
        first = material[0]
        if (a.raw_scores[first] > 0) != (b.raw_scores[first] > 0):
            first_disagreements.append((text, a.attributions[first].word))
        agree += sum((a.raw_scores[i] > 0) == (b.raw_scores[i] > 0) for i in determined)
        total += len(determined)
    assert cases_with_determined_first >= 4
    assert len(first_disagreements) <= (1 - FIRST_WORD_AGREEMENT) * cases_with_determined_first, first_disagreements
    assert agree / total >= 0.6, f"fast and IG agree in sign on only {agree} of {total} top words"
