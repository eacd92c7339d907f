"""FastExplainer on a bag-of-words linear model whose attributions are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import BagOfWordsLogits, tiny_wordpiece_tokenizer
from triage_app.core.protocols import Explainer
from triage_app.ml.explain_fast import FastExplainer

# weight of each token for levels 1..5
WEIGHTS = {
    "chest": [2.0, 1.0, 0.0, 0.0, 0.0],
    "pain": [1.5, 0.5, 0.0, 0.0, 0.0],
    "##s": [0.25, 0.0, 0.0, 0.0, 0.0],
    "no": [-1.0, 0.0, 0.0, 0.5, 0.5],
    "fever": [0.0, 0.5, 1.0, 0.0, 0.0],
    "90": [0.5, 0.0, 0.0, 0.0, 0.0],
    "60": [0.75, 0.0, 0.0, 0.0, 0.0],
    "/": [0.125, 0.0, 0.0, 0.0, 0.0],
    "mild": [-0.5, -0.25, 0.0, 1.0, 0.0],
    "name": [0.0, 0.0, 0.0, 0.0, 3.0],
    "1": [0.0, 0.0, 0.0, 0.0, 1.0],
    ",": [9.0, 0.0, 0.0, 0.0, 0.0],  # punctuation is never ablated, so this must not show up
}


def make(model: BagOfWordsLogits, **kwargs: object) -> FastExplainer:
    """Removal scores only (captum's FeatureAblation) unless a test asks for the presence mix or
    the deletion path."""
    kwargs.setdefault("presence_weight", 0.0)
    kwargs.setdefault("deletion_steps", 0)
    return FastExplainer(model, tiny_wordpiece_tokenizer(), max_length=64, **kwargs)  # type: ignore[arg-type]


def test_logit_attributions_equal_the_weights() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    text = "chest pains, no fever, BP 90/60 [NAME_1] mild"
    explanation = make(model, target="logit").explain_full(text, target_level=1)
    by_word = dict(zip((a.word for a in explanation.attributions), explanation.raw_scores))
    expected = {
        "chest": 2.0,
        "pains": 1.5 + 0.25,  # subwords of one word ablated together
        "no": -1.0,
        "fever": 0.0,
        "BP": 0.0,
        "90/60": 0.5 + 0.125 + 0.75,  # one word: "90" "/" "60"
        "[NAME_1]": 0.0,  # placeholder is one word; weighs 0 for level 1
        "mild": -0.5,
    }
    assert by_word == pytest.approx(expected)
    top = max(abs(v) for v in expected.values())
    assert [a.score for a in explanation.attributions] == pytest.approx([expected[w] / top for w in expected])


def _p(tokens: list[str], level: int, temperature: float = 1.0) -> float:
    logits = np.sum([WEIGHTS.get(t, [0.0] * 5) for t in tokens], axis=0) / temperature
    e = np.exp(logits - logits.max())
    return float(e[level - 1] / e.sum())


def _without(tokens: list[str], drop: set[str]) -> list[str]:
    return [t for t in tokens if t not in drop]


def test_deletion_path_matches_a_hand_computed_greedy_deletion() -> None:
    """Two steps: delete the strongest word, re-score the rest without it, twice."""
    model = BagOfWordsLogits(WEIGHTS)
    tokens = {"chest": ["chest"], "pain": ["pain"], "90/60": ["90", "/", "60"], "no": ["no"], "fever": ["fever"]}
    words = list(tokens)
    explanation = make(model, deletion_steps=2).explain_full("chest pain 90/60 no fever", target_level=1)

    def p1(present: list[str]) -> float:
        return _p([t for w in present for t in tokens[w]], 1)

    def drop(context: set[str], word: str) -> float:
        kept = [w for w in words if w not in context]
        return p1(kept) - p1([w for w in kept if w != word])

    loo = {w: drop(set(), w) for w in words}
    first = max(loo, key=loo.__getitem__)
    step1 = {w: drop({first}, w) for w in words if w != first}
    second = max(step1, key=step1.__getitem__)
    step2 = {w: drop({first, second}, w) for w in words if w not in (first, second)}
    # chest first; then 90/60 (1.375 for level 1) beats pain (1.5, but also 0.5 for level 2)
    assert (first, second) == ("chest", "90/60")
    # other words: their largest drop in any of the three notes when positive, else leave-one-out
    expected = {}
    for w in step2:
        largest = max(loo[w], step1[w], step2[w])
        expected[w] = largest if largest > 0 else loo[w]
    # chosen words: their largest drop too, raised (by a relative 1e-9) to keep the deletion order
    expected[second] = max(loo[second], step1[second], max(expected.values()))
    expected[first] = max(loo[first], expected[second])
    got = dict(zip((a.word for a in explanation.attributions), explanation.raw_scores))
    assert got == pytest.approx(expected, abs=1e-8)
    assert sorted(got, key=lambda w: -got[w])[:2] == ["chest", "90/60"]  # deletion order on top
    # "no" argues against level 1 in the note as written and keeps that score.
    assert got["no"] == pytest.approx(loo["no"]) and loo["no"] < 0


def test_deletion_path_reveals_evidence_that_leave_one_out_misses_on_a_saturated_note() -> None:
    """With "chest" twice, level 1 is near-certain: removing one supporting word alone moves the
    probability little; once the strongest words are deleted, the others show their weight."""
    model = BagOfWordsLogits(WEIGHTS)
    text = "chest chest pain 90/60 no fever"
    loo = make(model).explain_full(text, 1).raw_scores
    path = make(model, deletion_steps=2).explain_full(text, 1).raw_scores
    words = ["chest", "chest", "pain", "90/60", "no", "fever"]
    for i, word in enumerate(words):
        if word in ("chest", "pain", "90/60"):
            assert path[i] > loo[i] + 0.1, word  # each supporting word shows more than alone
        else:
            assert path[i] == pytest.approx(loo[i])  # words against keep their score


def test_deletion_path_equals_leave_one_out_on_an_additive_target() -> None:
    """In logit space the bag-of-words model is additive: every context gives the same drop."""
    model = BagOfWordsLogits(WEIGHTS)
    text = "chest pains, no fever, BP 90/60 [NAME_1] mild"
    plain = make(model, target="logit").explain_full(text, target_level=1).raw_scores
    calls_plain = len(model.calls)
    path = make(model, target="logit", deletion_steps=3).explain_full(text, target_level=1).raw_scores
    assert len(model.calls) - calls_plain > calls_plain  # the steps ran (more batches than leave-one-out)
    assert path == pytest.approx(plain, abs=1e-6)


def test_deletion_path_stops_when_nothing_supports_the_level() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    # "mild" and "no" both push away from level 1: no word supports it, so no word is deleted.
    scores = make(model, deletion_steps=2).explain_full("mild no", target_level=1).raw_scores
    assert len(model.calls) == 2  # unablated + one leave-one-out batch, no deletion step
    assert all(s < 0 for s in scores)


def test_a_late_deletion_never_hides_a_word_leave_one_out_shows() -> None:
    """Once the level's probability has collapsed, the next word's drop is ~0; the word keeps
    its largest drop (here its leave-one-out score) instead of showing as 0."""
    strong = {k: [12 * x for x in v] for k, v in WEIGHTS.items()}
    model = BagOfWordsLogits(strong)
    text = "chest pain 90/60 no fever mild"
    loo = make(model).explain_full(text, 1).raw_scores
    for steps in (1, 2, 3):
        path = make(model, deletion_steps=steps).explain_full(text, 1)
        for i, a in enumerate(path.attributions):
            if loo[i] > 0:
                assert path.raw_scores[i] >= loo[i] - 1e-12, (steps, a.word)


def test_the_order_gap_is_relative_on_a_saturated_note() -> None:
    """Equal words on a saturated note display equal, not stepped by an absolute gap."""
    strong = {k: [4 * x for x in v] for k, v in WEIGHTS.items()}
    explanation = make(BagOfWordsLogits(strong), deletion_steps=3).explain_full(
        "chest chest chest chest chest pain pain 90/60 no", 1
    )
    chest = [a.score for a in explanation.attributions if a.word == "chest"]
    assert max(chest) - min(chest) < 1e-6  # (with a 1e-6 absolute gap they showed 0.89 / 0.78 / 0.67)


def test_deletion_steps_stay_within_the_row_budget() -> None:
    from triage_app.ml.explain_fast import DEFAULT_MAX_EVALS, DELETION_ROWS_PER_WORD_BUDGET

    row_budget = DELETION_ROWS_PER_WORD_BUDGET * DEFAULT_MAX_EVALS

    model = BagOfWordsLogits(WEIGHTS)
    text = " ".join(["chest", "pain", "fever"] * (DEFAULT_MAX_EVALS // 3))  # 24 words, all supporting level 1 or 2
    make(model, deletion_steps=10, max_evals=DEFAULT_MAX_EVALS).explain_full(text, 2)
    rows = sum(shape[0] for shape in model.calls)
    assert DEFAULT_MAX_EVALS + 1 < rows <= row_budget  # some steps ran, within the budget


def test_placeholder_is_one_feature() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    explanation = make(model, target="logit").explain_full("[NAME_1] chest", target_level=5)
    assert [a.word for a in explanation.attributions] == ["[NAME_1]", "chest"]
    assert explanation.raw_scores == pytest.approx((3.0 + 1.0, 0.0))


def test_probability_target_matches_hand_softmax() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    text = "chest pain no fever"
    temperature = 1.7
    explanation = make(model, temperature=temperature).explain_full(text, target_level=2)

    def p2(tokens: list[str]) -> float:
        logits = np.sum([WEIGHTS.get(t, [0.0] * 5) for t in tokens], axis=0) / temperature
        e = np.exp(logits - logits.max())
        return float(e[1] / e.sum())

    full = ["chest", "pain", "no", "fever"]
    expected = [p2(full) - p2(full[:i] + full[i + 1 :]) for i in range(4)]
    assert explanation.raw_scores == pytest.approx(expected, abs=1e-6)
    assert explanation.target_probability == pytest.approx(p2(full), abs=1e-6)
    assert all(-1.0 <= a.score <= 1.0 for a in explanation.attributions)
    assert max(abs(a.score) for a in explanation.attributions) == pytest.approx(1.0)


def test_offsets_point_into_the_exact_text() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    text = "Pt  [NAME_1]\n\tchest pain 😀 x2d, BP 90/60; T 38.9 SpO2 88%!!"
    attributions = make(model).explain(text, target_level=1)
    words = [a.word for a in attributions]
    assert words == ["Pt", "[NAME_1]", "chest", "pain", "x2d", "BP", "90/60", "T", "38.9", "SpO2", "88%"]
    for a in attributions:
        assert text[a.start : a.end] == a.word


def test_deterministic() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    explainer = make(model)
    text = "chest pains no fever mild"
    assert explainer.explain(text, 1) == explainer.explain(text, 1)


def test_perturbations_are_batched_into_few_calls() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    text = " ".join(["chest", "pain", "no", "fever", "mild"] * 12)  # 60 words
    make(model, perturbations_per_eval=32, max_evals=None).explain(text, 1)
    assert len(model.calls) == 3  # the unablated input, then 32 + 28 ablated copies
    assert [shape[0] for shape in model.calls] == [1, 32, 28]


def test_long_text_explains_the_window_that_drove_the_decision() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    text = " ".join(["mild"] * 40 + ["chest", "pain"] + ["mild"] * 40)
    explainer = FastExplainer(model, tiny_wordpiece_tokenizer(), max_length=12, target="logit")
    explanation = explainer.explain_full(text, target_level=1)
    window_words = {w for w in range(82) if explanation.raw_scores[w] != 0.0}
    assert {40, 41} <= window_words  # "chest pain" is inside the explained window
    assert len(window_words) <= 10
    assert len(explanation.attributions) == 82


def test_budget_is_exact_up_to_max_evals_and_bounded_above() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    short = " ".join(["chest", "pain", "no", "fever", "mild"] * 4)  # 20 words
    exact = make(model, target="logit", max_evals=None).explain_full(short, 1)
    assert make(model, target="logit", max_evals=24).explain_full(short, 1) == exact
    long = " ".join(["chest", "pain", "no", "fever", "mild"] * 12)  # 60 words
    model.calls.clear()
    budgeted = make(model, target="logit", max_evals=24).explain_full(long, 1)
    assert sum(shape[0] for shape in model.calls) <= 24 + 1  # ablations + one unablated pass (reused by the refine stage)
    # A linear model is additive: groups score the sum of their words, and refined words are exact.
    assert sum(budgeted.raw_scores) == pytest.approx(sum(make(model, target="logit", max_evals=None).explain_full(long, 1).raw_scores))
    strongest = max(range(60), key=lambda i: abs(budgeted.raw_scores[i]))
    assert budgeted.attributions[strongest].word == "chest"


def test_mask_ablation_uses_the_mask_token() -> None:
    weights = dict(WEIGHTS, **{"[MASK]": [1.0, 0.0, 0.0, 0.0, 0.0]})
    model = BagOfWordsLogits(weights)
    explanation = make(model, target="logit", ablation="mask").explain_full("chest", 1)
    assert explanation.raw_scores == pytest.approx((2.0 - 1.0,))


def test_satisfies_the_explainer_protocol() -> None:
    assert isinstance(make(BagOfWordsLogits(WEIGHTS)), Explainer)


class _FakeClassifier:
    def __init__(self) -> None:
        self.logits_for_ids = BagOfWordsLogits(WEIGHTS)
        self.tokenizer = tiny_wordpiece_tokenizer()
        self.temperature = 2.0
        self.max_length = 32

        class _Bundle:
            manifest = {"labels": ["5", "4", "3", "2", "1"]}

        self.bundle = _Bundle()


def test_from_classifier_reads_temperature_and_labels() -> None:
    explainer = FastExplainer.from_classifier(_FakeClassifier(), target="logit")
    assert explainer.temperature == 2.0 and explainer.max_length == 32
    # labels are reversed: level 1 is output index 4 ("name" and "1" weigh 3.0 + 1.0 there)
    assert explainer.explain_full("[NAME_1]", target_level=1).raw_scores == pytest.approx((4.0,))


def test_fast_path_imports_neither_torch_nor_captum() -> None:
    """The fast explainer runs in numpy over the ONNX callable (torch/captum cost ~4 s to import)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tests.fakes import BagOfWordsLogits, tiny_wordpiece_tokenizer\n"
        "from triage_app.ml.explain_fast import FastExplainer\n"
        "e = FastExplainer(BagOfWordsLogits({'chest': [1.0, 0, 0, 0, 0]}), tiny_wordpiece_tokenizer(), max_length=64)\n"
        "assert e.explain('chest pain', 1)\n"
        "print(sorted(m for m in ('torch', 'captum') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_coarse_groups_end_at_clause_boundaries_near_the_split_points() -> None:
    from triage_app.ml.explain_fast import clause_groups
    from triage_app.ml.word_spans import encode_words

    text = "crushing chest pain since this morning, sweaty and grey, BP 90/60, HR 120 at rest, took aspirin at home"
    encoded = encode_words(text, tiny_wordpiece_tokenizer())
    words = list(range(len(encoded.words)))
    groups = clause_groups(encoded, words, 4)
    assert [w for g in groups for w in g] == words  # a partition, in order
    ends = [encoded.words[g[-1]].word for g in groups]
    assert ends[:3] == ["morning", "grey", "rest"]  # each group closes a clause
    # Without a clause boundary within reach, the equal-size split stands.
    plain = encode_words(" ".join(["chest"] * 12), tiny_wordpiece_tokenizer())
    assert [len(g) for g in clause_groups(plain, list(range(12)), 3)] == [4, 4, 4]
    assert clause_groups(plain, list(range(12)), 1) == [list(range(12))]


def test_clause_groups_keep_the_budget_and_the_additivity() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    long = ", ".join(" ".join(["chest", "pain", "no", "fever", "mild"][: 2 + i % 4]) for i in range(12))  # 42 words, one window
    for clause in (True, False):
        model.calls.clear()
        budgeted = make(model, target="logit", max_evals=24, clause_groups=clause).explain_full(long, 1)
        assert sum(shape[0] for shape in model.calls) <= 24 + 1
        exact = make(model, target="logit", max_evals=None).explain_full(long, 1)
        assert sum(budgeted.raw_scores) == pytest.approx(sum(exact.raw_scores))



def test_presence_mix_matches_hand_softmax() -> None:
    """score = 0.7 x (drop when the word is removed) + 0.3 x (target probability of the word alone minus empty)."""
    from triage_app.ml.explain_fast import DEFAULT_PRESENCE_WEIGHT

    assert DEFAULT_PRESENCE_WEIGHT == 0.0  # removal only by default (see the constant's comment)
    model = BagOfWordsLogits(WEIGHTS)
    temperature = 1.7
    explanation = make(model, temperature=temperature, presence_weight=0.3).explain_full(
        "chest pain no fever", target_level=2)

    def p2(tokens: list[str]) -> float:
        logits = np.sum([WEIGHTS.get(t, [0.0] * 5) for t in tokens], axis=0) / temperature if tokens else np.zeros(5)
        e = np.exp(logits - logits.max())
        return float(e[1] / e.sum())

    full = ["chest", "pain", "no", "fever"]
    removal = [p2(full) - p2(full[:i] + full[i + 1 :]) for i in range(4)]
    presence = [p2([w]) - p2([]) for w in full]
    w = 0.3
    assert explanation.raw_scores == pytest.approx([(1 - w) * r + w * q for r, q in zip(removal, presence)], abs=1e-6)
    assert explanation.target_probability == pytest.approx(p2(full), abs=1e-6)


def test_presence_rows_are_short_and_one_batch() -> None:
    model = BagOfWordsLogits(WEIGHTS)
    text = " ".join(["chest", "pain", "no", "fever", "mild"] * 4)  # 20 words
    make(model, presence_weight=0.3, max_evals=None).explain(text, 1)
    full_width = 20 + 2
    presence_calls = [shape for shape in model.calls if shape[1] < full_width]
    assert presence_calls == [(21, 3)]  # [CLS] [SEP], then [CLS] word [SEP] for each of the 20 words
    assert sum(shape[0] for shape in model.calls if shape[1] == full_width) == 1 + 20


def test_presence_credits_words_that_are_redundant_for_removal() -> None:
    """Two words that each alone push level 1 to saturation: removing either changes little; presence sees both."""
    weights = {"chest": [9.0, 0.0, 0.0, 0.0, 0.0], "pain": [9.0, 0.0, 0.0, 0.0, 0.0], "mild": [0.0, 0.0, 0.0, 1.0, 0.0]}
    model = BagOfWordsLogits(weights)
    removal = make(model).explain_full("chest pain mild", target_level=1).raw_scores
    mixed = make(model, presence_weight=0.3).explain_full("chest pain mild", target_level=1).raw_scores
    assert abs(removal[0]) < 0.01 and abs(removal[1]) < 0.01  # saturated: removal alone barely sees them
    assert mixed[0] > 0.2 and mixed[1] > 0.2 and mixed[2] < mixed[0]
    with pytest.raises(ValueError):
        make(model, presence_weight=1.5)


def test_clause_groups_cut_at_line_breaks_but_not_after_titles() -> None:
    from triage_app.ml.explain_fast import clause_groups
    from triage_app.ml.word_spans import encode_words

    tok = tiny_wordpiece_tokenizer()
    lines = encode_words("chest pain mild\nno fever today\nBP 90/60 now", tok)
    groups = clause_groups(lines, list(range(len(lines.words))), 3)
    assert [[lines.words[w].word for w in g] for g in groups] == [["chest", "pain", "mild"], ["no", "fever", "today"], ["BP", "90/60", "now"]]
    titled = encode_words("seen by Dr. Smith today chest pain", tok)
    words = list(range(len(titled.words)))
    assert all(titled.words[g[-1]].word != "Dr" for g in clause_groups(titled, words, 2))
