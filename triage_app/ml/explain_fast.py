"""Fast word attributions: perturbation (word ablation) over the runtime's ONNX model.

Shown on every case. Word-level feature ablation (captum's ``FeatureAblation`` algorithm with a
word feature mask, written in numpy so the fast path never imports torch or captum: their
import alone took ~4 s on first use) runs over the word tokens of the explained window:
ablating a word replaces *all* its subword tokens with ``[PAD]`` (the same reference token IG
uses as its baseline; the attention mask stays 1 so only the content changes). A word's score
is how much the calibrated probability of the target level drops when the word is removed, so
positive = supports the target. The unablated input is evaluated once and the ablated copies are
batched (``perturbations_per_eval`` per call) into a few calls of the runtime's ``logits_for_ids``.
Then, for notes explained word by word, a few greedy deletion steps (``deletion_steps``): the
strongest word is deleted for good and the rest re-scored, so evidence that another word
duplicates ("radiating" and "sweaty" both pointing to a cardiac cause) is not scored near zero.

What is explained: the deployed model, the same one that suggests the level. An optional int8
*proxy* (``ml.explain_proxy``: the deployed ONNX dynamically quantized in memory, ~2x faster per
row) can score the ablation differences instead; the suggested level and the probability shown
always come from the deployed model. The proxy is OFF by default (``DEFAULT_INT8_PROXY``): on
model 1.1.0 it ranked words less faithfully to the deployed model (comprehensiveness 0.319 vs
0.333, top word the same in 83 % of cases) and still missed 150 ms at the default budget
(benchmarks/RESULTS_explain.md). Enable it per explainer with ``int8_proxy=True``; it then
approximates the deployed model's word scores, and falls back to the deployed model (logged)
when it is still building or could not be built.

The explainer depends on a callable and a tokenizer-like object only (STYLE habit 7);
:meth:`FastExplainer.from_classifier` wires it to a loaded runtime classifier.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.errors import InputError
from triage_app.core.results import WordAttribution
from triage_app.ml.batching import pad_batch
from triage_app.ml.explain_proxy import LazyProxy, build_int8_proxy
from triage_app.ml.word_spans import (
    EncodedText,
    Explanation,
    LogitsFn,
    SpecialIds,
    TokenizerLike,
    Window,
    choose_window,
    encode_words,
    make_windows,
    private_tokenizer,
    softmax,
    target_index_for,
    to_attributions,
    window_input,
)

log = logging.getLogger(__name__)

ABLATIONS = ("pad", "mask", "delete")
#: Default ablation budget per explanation: notes up to this many words are explained exactly
#: (one ablation per word); longer ones coarse-to-fine, which bounds the cost of a long note
#: (a 60-word note: ~300-350 ms on the 2-core CPU, over the 150 ms target; typical notes of
#: ~19 words ~90 ms; see benchmarks/RESULTS_explain.md).
DEFAULT_MAX_EVALS = 24
TARGETS = ("probability", "logit")
#: Coarse groups end at a clause boundary (",", ".", ";", ":") when one lies within this many words
#: of the equal-size split point, so a group is a phrase ("BP 90/60", "sats 88% on air"). On 40
#: long dev notes (median 34 words, model 1.3.0, budget 24) this raised comprehensiveness from
#: 0.596 to 0.628 and lowered sufficiency from 0.106 to 0.091 (exact ablation: 0.692 / 0.117).
CLAUSE_SNAP = 2
#: Words whose following "." is not a clause boundary.
ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "pt", "vs", "approx"})
#: Weight of the word-alone (presence) score in the fast explanation; 0 = removal only (captum's
#: FeatureAblation). Measured with model 1.3.1: 0.3 raises comprehensiveness (benchmark 0.576 ->
#: 0.602, TI 0.622) and sufficiency (0.021 -> -0.053), but a word alone is off-distribution for the
#: model ("minutes" alone gives P(level 2) 0.84, "chest" alone 0.02, the empty input 0.41), so on the
#: screen generic words ("the", "minutes") were shown as supporting and "chest" as arguing against
#: an emergent chest-pain suggestion. A clinician reads single words, so removal only stays the
#: default; the mix is an option (``presence_weight``).
DEFAULT_PRESENCE_WEIGHT = 0.0
#: Greedy deletion steps after leave-one-out, for notes explained word by word (at most
#: ``max_evals`` words). A confident model hides redundant evidence from leave-one-out: in
#: "sudden severe headache, worst of her life, neck stiffness" removing one supporting word barely
#: moves the probability because the others still carry it. Deleting the strongest word for good
#: and re-scoring the rest shows the next layer of evidence. Chosen on 60 dev notes (model 1.3.1;
#: TI 0.618, IG 0.616 on the same notes): leave-one-out 0.585; with a word's largest positive drop
#: over the contexts (negative scores from the note as written) 1 step 0.600, 2 steps 0.611,
#: **3 steps 0.618**, 4 steps 0.617. Scoring each word by its drop in the last reduced note reached
#: 0.629 but showed words as arguing against the level for what they did in a note the clinician
#: never wrote ("pregnant" -0.56 and "vaginal" -0.54 against an emergent suggestion for bleeding in
#: pregnancy once "pain" was deleted), so it was not adopted; a regression over random deletions
#: was worse (0.560-0.579).
DEFAULT_DELETION_STEPS = 3
#: Most model rows one word-by-word explanation may use with its deletion steps, per word of
#: ``max_evals``: three passes of a ``DEFAULT_MAX_EVALS``-word note, so a short note never costs
#: much more than the coarse-to-fine explanation of a long one (25 rows of a 60-word note ~ 72 rows
#: of a 24-word note).
DELETION_ROWS_PER_WORD_BUDGET = 3
#: A step stops when the strongest remaining drop is below this share of the largest drop seen.
DELETION_MIN_RELATIVE_DROP = 1e-3
#: Relative gap that keeps a chosen word above the next one (invisible on screen).
DELETION_ORDER_GAP = 1e-9
#: Whether :meth:`FastExplainer.from_classifier` scores ablations on the int8 proxy by default.
#: Off: measured against the deployed model 1.1.0 it lost 0.014 comprehensiveness (bar: 0.01)
#: and needed 165-190 ms at budget 24 (bar: 150); see docs/agents/explain-decisions.md.
DEFAULT_INT8_PROXY = False


def proxy_for(classifier: Any, *, background: bool = True, temp_dir: Path | None = None) -> LazyProxy | None:
    """A :class:`LazyProxy` over ``classifier``'s ONNX file, or None where a proxy does not apply.

    Applies to a CPU onnxruntime classifier (``onnx_file``; not the torch backend, and not CUDA,
    where the fp32 model is already fast and the CPU int8 kernels would be slower).
    """
    onnx_file = getattr(classifier, "onnx_file", None)
    if onnx_file is None or str(getattr(classifier, "device_status", "")).startswith("GPU"):
        return None
    return LazyProxy(lambda: build_int8_proxy(Path(onnx_file), temp_dir=temp_dir), background=background)


class FastExplainer:
    """Word-level FeatureAblation over a ``logits_fn(input_ids, attention_mask)`` callable.

    Args:
        logits_fn: Raw logits (before temperature) for int64 ``(batch, seq)`` arrays.
        tokenizer: A ``tokenizers.Tokenizer`` or anything with ``encode``/``token_to_id``.
        max_length: Tokens per model input, including [CLS] and [SEP].
        temperature: Calibration temperature (probabilities are ``softmax(logits / T)``).
        labels: Output index -> level label (default "1".."5").
        ablation: "pad" (default) or "mask": the token that replaces an ablated word's tokens;
            "delete": the word's tokens are removed and the rest shift left (the question the
            comprehensiveness metric asks; measured, not the default: see explain-decisions.md).
        target: "probability" (default; calibrated probability of the target level) or
            "logit" (the raw logit; attributions of a linear model then equal its weights).
        perturbations_per_eval: Ablated copies per call of ``logits_fn``.
        max_evals: Most ablated copies per explanation (None = one per word, exact). Above it,
            coarse-to-fine ablation keeps the cost bounded for long notes.
        clause_groups: Cut the coarse groups at clause boundaries near the equal-size split
            points (default) rather than at the split points themselves.
        presence_weight: Weight of the *presence* score (the target value of the word alone,
            ``[CLS] word [SEP]``, minus that of ``[CLS] [SEP]``) mixed into the removal score:
            ``score = (1 - w) * removal + w * presence``. Removal alone (w = 0, captum's
            FeatureAblation) misses words that are redundant with each other on a confident model:
            deleting one of them changes little. The two are the two ends of the coalitions a
            Shapley value averages over. Default :data:`DEFAULT_PRESENCE_WEIGHT`.
        deletion_steps: Greedy deletion steps after leave-one-out, for notes explained word by
            word (0 = leave-one-out only, captum's FeatureAblation exactly). Each step deletes
            the word with the largest score for good and re-scores every word still present in
            the note without it, which reveals evidence that leave-one-out misses because
            another word carries the same meaning. Every word scores the largest drop it showed
            in any of the notes when positive, else its leave-one-out score; the chosen words
            stay on top in the order they were deleted (raised where needed to just above the
            words after them). On a model that is additive in
            the target (``target="logit"`` on a linear model) the scores equal leave-one-out.
            Default :data:`DEFAULT_DELETION_STEPS`.
        proxy: Optional :class:`~triage_app.ml.explain_proxy.LazyProxy` (or anything whose
            ``get()`` returns an object with ``logits_for_ids`` or None). When it is ready, the
            ablation *deltas* are computed on the proxy (its own unablated row plus the ablated
            rows, one batch); the target probability still comes from ``logits_fn``. When it is
            not ready or failed, everything runs on ``logits_fn`` as before.
    """

    method = "fast"

    def __init__(
        self,
        logits_fn: LogitsFn,
        tokenizer: TokenizerLike,
        *,
        max_length: int = 128,
        temperature: float = 1.0,
        labels: Sequence[str] | None = None,
        ablation: str = "pad",
        target: str = "probability",
        perturbations_per_eval: int = 32,
        max_evals: int | None = DEFAULT_MAX_EVALS,
        proxy: Any | None = None,
        clause_groups: bool = True,
        presence_weight: float = DEFAULT_PRESENCE_WEIGHT,
        deletion_steps: int = DEFAULT_DELETION_STEPS,
    ) -> None:
        if ablation not in ABLATIONS:
            raise ValueError(f"ablation must be one of {ABLATIONS}")
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}")
        self._logits_fn = logits_fn
        self._tokenizer = private_tokenizer(tokenizer)
        self._special = SpecialIds.from_tokenizer(self._tokenizer)
        self.max_length = int(max_length)
        self.temperature = float(temperature)
        self.labels = tuple(labels) if labels else None
        self.ablation = ablation
        self.target = target
        self.perturbations_per_eval = max(1, int(perturbations_per_eval))
        self.max_evals = None if max_evals is None else max(2, int(max_evals))
        self.calls = 0
        self.proxy_calls = 0
        self._proxy = proxy
        self.clause_groups = bool(clause_groups)
        if not 0.0 <= presence_weight <= 1.0:
            raise ValueError("presence_weight must be within 0-1")
        self.presence_weight = float(presence_weight)
        if deletion_steps < 0:
            raise ValueError("deletion_steps must be 0 or more")
        self.deletion_steps = int(deletion_steps)
        self._ablation_fn: LogitsFn | None = None
        #: Which model scored the last explanation's ablations: "deployed" or "int8 proxy".
        self.last_ablation_model = "deployed"
        self.last_explanation: Explanation | None = None

    @classmethod
    def from_classifier(cls, classifier: Any, *, int8_proxy: bool = DEFAULT_INT8_PROXY, **kwargs: Any) -> FastExplainer:
        """Wire to a runtime classifier (``logits_for_ids``, ``tokenizer``, ``temperature``, ``max_length``).

        Args:
            classifier: A loaded runtime classifier.
            int8_proxy: Score ablations on an int8-compute copy of the classifier's CPU ONNX
                model, built in the background (see :func:`proxy_for`); ignored when a
                ``proxy`` is passed or the classifier has no CPU ONNX session.
            **kwargs: Passed to the constructor.
        """
        if int8_proxy and "proxy" not in kwargs:
            kwargs["proxy"] = proxy_for(classifier)
        labels = None
        bundle = getattr(classifier, "bundle", None)
        manifest = getattr(bundle, "manifest", None)
        if isinstance(manifest, dict):
            labels = manifest.get("labels")
        return cls(
            classifier.logits_for_ids,
            classifier.tokenizer,
            max_length=int(getattr(classifier, "max_length", 128)),
            temperature=float(getattr(classifier, "temperature", 1.0)),
            labels=labels,
            **kwargs,
        )

    @property
    def ablation_id(self) -> int:
        if self.ablation == "mask" and self._special.mask is not None:
            return self._special.mask
        return self._special.pad

    def explain(self, text: str, target_level: int) -> list[WordAttribution]:
        """Word attributions towards ``target_level`` (Explainer protocol)."""
        return list(self.explain_full(text, target_level).attributions)

    def explain_full(self, text: str, target_level: int) -> Explanation:
        """Attributions plus raw scores and the explained window."""
        started = time.perf_counter()
        calls_before = self.calls
        target_index = target_index_for(target_level, self.labels)
        encoded = encode_words(text, self._tokenizer)
        windows = make_windows(encoded, self.max_length)
        window, _ = (
            (windows[0], None)
            if len(windows) == 1
            else choose_window(encoded, windows, self._special, self._counted_logits, target_index, self.temperature)
        )
        proxy = self._proxy.get() if self._proxy is not None else None
        self._ablation_fn = proxy.logits_for_ids if proxy is not None else None
        self.last_ablation_model = "deployed" if proxy is None else "int8 proxy"
        raw, target_value = self._ablate(encoded, window, target_index)
        if self.presence_weight > 0:
            presence = self._presence(encoded, window, target_index)
            raw = [(1 - self.presence_weight) * r + self.presence_weight * q for r, q in zip(raw, presence)]
        explanation = Explanation(
            attributions=to_attributions(encoded.words, raw),
            raw_scores=tuple(raw),
            target_level=int(target_level),
            method=self.method,
            window=window,
            target_probability=target_value if self.target == "probability" else None,
        )
        self.last_explanation = explanation
        log.debug(
            "fast explanation: %d words, %d windows, %d model calls, ablations on %s, %.1f ms",
            len(encoded.words),
            len(windows),
            self.calls - calls_before,
            self.last_ablation_model,
            (time.perf_counter() - started) * 1000,
        )
        return explanation

    def _presence(self, encoded: EncodedText, window: Window, target_index: int) -> list[float]:
        """Per word of the window: target value of ``[CLS] word [SEP]`` minus that of ``[CLS] [SEP]``.

        One batch of short rows (the other words are deleted, not replaced, so each row is a few
        tokens long and the batch costs about as much as two or three full-length rows). Always on
        the deployed model, also when an int8 proxy scores the removals: the rows are cheap, and
        the deployed file's rows do not depend on what they are batched with.
        """
        rows: list[list[int]] = [[self._special.cls, self._special.sep]]
        words: list[int] = []
        tokens_of: dict[int, list[int]] = {}
        for t in range(window.token_start, window.token_end):
            w = encoded.token_word[t]
            if w >= 0:
                tokens_of.setdefault(w, []).append(encoded.token_ids[t])
        for w, tokens in tokens_of.items():
            words.append(w)
            rows.append([self._special.cls, *tokens, self._special.sep])
        ids, mask = pad_batch(rows, self._special.pad)
        values = self._score(self._counted_logits(ids, mask))[:, target_index].astype(np.float64)
        out = [0.0] * len(encoded.words)
        for w, v in zip(words, values[1:]):
            out[w] = float(v - values[0])
        return out

    def _counted_logits(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.asarray(self._logits_fn(ids, mask))

    def _counted_proxy_logits(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.proxy_calls += 1
        assert self._ablation_fn is not None
        return np.asarray(self._ablation_fn(ids, mask))

    def _score(self, logits: np.ndarray) -> np.ndarray:
        if self.target == "logit":
            return np.asarray(logits, dtype=np.float64)
        return softmax(logits, self.temperature)

    def _ablate(self, encoded: EncodedText, window: Window, target_index: int) -> tuple[list[float], float]:
        """Raw per-word scores (0 outside the window) and the unablated target value.

        Word-level leave-one-out when the window has at most ``max_evals`` words. Otherwise
        coarse-to-fine: contiguous word groups first (``max_evals // 2`` of them, cut at clause
        boundaries where one is near: :func:`clause_groups`), then the
        groups with the largest |score| are refined word by word with the rest of the budget;
        words of unrefined groups share their group's score equally.
        """
        token_range = range(window.token_start, window.token_end)
        window_words = list(dict.fromkeys(encoded.token_word[t] for t in token_range if encoded.token_word[t] >= 0))
        if not window_words:
            raise InputError("text", "None of the words could be tokenized.", "Check the text is readable.")
        raw = [0.0] * len(encoded.words)
        budget = self.max_evals
        if budget is None or len(window_words) <= budget:
            scores, base, _ = self._ablate_groups(encoded, window, target_index, [[w] for w in window_words])
            if self.deletion_steps:
                scores = self._deletion_path(encoded, window, target_index, window_words, scores)
            for word, score in zip(window_words, scores):
                raw[word] = score
            return raw, base
        n_groups = max(1, budget // 2)
        if self.clause_groups:
            groups = clause_groups(encoded, window_words, n_groups)
        else:
            groups = [list(g) for g in np.array_split(np.asarray(window_words), n_groups) if len(g)]
        group_scores, base, reference = self._ablate_groups(encoded, window, target_index, groups)
        left = budget - len(groups)
        refine: list[int] = []
        for g in sorted(range(len(groups)), key=lambda i: -abs(group_scores[i])):
            size = len(groups[g])
            if size == 1:
                continue  # already exact
            if size <= left:
                refine.append(g)
                left -= size
        for g, group in enumerate(groups):
            for word in group:
                raw[int(word)] = group_scores[g] / len(group)
        fine_words = [int(w) for g in sorted(refine) for w in groups[g]]
        if fine_words:
            fine_scores, _, _ = self._ablate_groups(encoded, window, target_index, [[w] for w in fine_words], base, reference)
            for word, score in zip(fine_words, fine_scores):
                raw[word] = score
        return raw, base

    def _ablate_groups(
        self,
        encoded: EncodedText,
        window: Window,
        target_index: int,
        groups: Sequence[Sequence[int]],
        base: float | None = None,
        reference: float | None = None,
    ) -> tuple[list[float], float, float]:
        """Word-group FeatureAblation (captum's algorithm, in numpy over the ONNX model).

        Each group becomes one copy of the ``[CLS] window [SEP]`` input with all the tokens of
        its words replaced by the ablation token; every other token (other words, punctuation,
        special tokens) stays as it is. A group's score is the unablated target value minus the
        ablated one. The unablated input is evaluated first, alone, unless ``base`` is given.

        With a ready proxy, ``base`` (the value reported) still comes from the deployed model, but
        the differences are taken on the proxy: its unablated row goes first in the same batch as
        the ablated rows (``reference``, reused by the refine stage), so a group's score is
        ``proxy(unablated) - proxy(ablated)`` and no bias between the two models enters it.

        Returns:
            The score of each group, the unablated target value (deployed model) and the
            unablated value the differences were taken from.
        """
        template = window_input(encoded, window, self._special)
        word_positions = self._word_positions(encoded, window)
        positions = [[p for word in group for p in word_positions.get(int(word), [])] for group in groups]
        if base is None:
            # Alone, as captum does: with a dynamically quantized model a row's logits depend on
            # the rows it is batched with, so this keeps the scores identical to captum's.
            base = float(self._score(self._counted_logits(template[None, :], np.ones((1, len(template)), dtype=np.int64)))[0, target_index])
        on_proxy = self._ablation_fn is not None
        if not on_proxy:
            reference = base
        elif reference is None:
            positions = [[], *positions]  # the proxy's own unablated row goes first
        rows, masks = self._ablated_rows(template, positions)
        values = self._values(rows, masks, target_index)
        if reference is None:
            reference, values = float(values[0]), values[1:]
        return [float(reference - v) for v in values], base, reference

    def _word_positions(self, encoded: EncodedText, window: Window) -> dict[int, list[int]]:
        """Model-input positions (after [CLS]) of each word's tokens in the window."""
        positions: dict[int, list[int]] = {}
        for offset, token_index in enumerate(range(window.token_start, window.token_end)):
            word = encoded.token_word[token_index]
            if word >= 0:
                positions.setdefault(int(word), []).append(offset + 1)  # +1 for [CLS]
        return positions

    def _ablated_rows(self, template: np.ndarray, position_sets: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """One copy of ``template`` per position set, with those positions ablated."""
        rows = np.repeat(template[None, :], len(position_sets), axis=0)
        masks = np.ones_like(rows)
        ablation_id = int(self.ablation_id)
        for r, pos in enumerate(position_sets):
            if self.ablation == "delete":
                kept = np.delete(template, list(pos))
                rows[r] = ablation_id
                rows[r, : len(kept)] = kept
                masks[r, len(kept) :] = 0
            else:
                rows[r, list(pos)] = ablation_id
        return rows, masks

    def _values(self, rows: np.ndarray, masks: np.ndarray, target_index: int) -> np.ndarray:
        """Target value of every row: on the proxy in one call when one is ready (it batches
        internally), else on the deployed model ``perturbations_per_eval`` rows per call."""
        if self._ablation_fn is not None:
            return self._score(self._counted_proxy_logits(rows, masks))[:, target_index].astype(np.float64)
        values = np.empty(len(rows), dtype=np.float64)
        step = self.perturbations_per_eval
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            scores = self._score(self._counted_logits(chunk, masks[start : start + step]))
            values[start : start + len(chunk)] = scores[:, target_index]
        return values

    def _deletion_path(
        self, encoded: EncodedText, window: Window, target_index: int, words: Sequence[int], first: Sequence[float]
    ) -> list[float]:
        """Scores after up to ``deletion_steps`` greedy deletions (see the class docstring).

        ``first`` holds the leave-one-out scores of ``words``. Step by step, the word with the
        largest current score is deleted for good (it is *chosen*), and every word still present
        is re-scored as the drop its own removal causes in the note without the chosen words.
        Every word scores the largest drop it showed in any of these notes when that is
        positive, else its leave-one-out score: a word is shown as arguing *against* the level
        only for what it does in the note as written (a reduced note is a context the clinician
        never wrote). Chosen words stay on top in deletion order: raised where needed to just
        above every word after them (a relative gap of ``DELETION_ORDER_GAP``). Steps stop when no
        word supports the level any more (below ``DELETION_MIN_RELATIVE_DROP`` of the largest
        drop), or when the next step would pass ``DELETION_ROWS_PER_WORD_BUDGET`` x ``max_evals``
        model rows.
        """
        template = window_input(encoded, window, self._special)
        positions = self._word_positions(encoded, window)
        loo = {int(w): float(s) for w, s in zip(words, first)}
        current, largest = dict(loo), dict(loo)
        chosen: list[int] = []
        rows_used = len(words) + 1
        row_budget = DELETION_ROWS_PER_WORD_BUDGET * (self.max_evals or DEFAULT_MAX_EVALS)
        for _ in range(self.deletion_steps):
            remaining = [int(w) for w in words if w not in chosen]
            if len(remaining) < 2 or rows_used + len(remaining) > row_budget:
                break
            best = max(remaining, key=lambda w: current[w])
            if current[best] <= DELETION_MIN_RELATIVE_DROP * max(largest.values()):
                break  # nothing left that supports the target level (or only rounding noise)
            chosen.append(best)
            context = [p for w in chosen for p in positions[w]]
            rest = [w for w in remaining if w != best]
            rows, masks = self._ablated_rows(template, [context] + [context + positions[w] for w in rest])
            rows_used += len(rows)
            values = self._values(rows, masks, target_index)
            for w, v in zip(rest, values[1:]):
                current[w] = float(values[0] - v)
                largest[w] = max(largest[w], current[w])
        # Every word: its largest drop when positive, else what it does in the note as written.
        score = {w: (largest[w] if largest[w] > 0 else loo[w]) for w in loo}
        floor = max((score[w] for w in score if w not in chosen), default=0.0)
        for w in reversed(chosen):
            # Keep the deletion order on top with a gap far below what the display shows.
            score[w] = max(score[w], floor + max(abs(floor), 1e-300) * DELETION_ORDER_GAP)
            floor = score[w]
        return [score[int(w)] for w in words]


def clause_groups(encoded: EncodedText, words: Sequence[int], n_groups: int) -> list[list[int]]:
    """``words`` cut into about ``n_groups`` contiguous groups that end at clause boundaries where possible.

    The equal-size split points move by at most :data:`CLAUSE_SNAP` words to just after a word
    followed by ",", ".", ";" or ":" in the text, nearest first; groups never come out empty.
    """
    words = list(words)
    n = len(words)
    if n_groups <= 1 or n <= 1:
        return [words]
    text = encoded.text

    def ends_clause(i: int) -> bool:  # a cut after words[i]
        span = encoded.words[words[i]]
        gap = text[span.end : encoded.words[words[i + 1]].start] if i + 1 < n else text[span.end :]
        if "\n" in gap:
            return True  # one item per line
        rest = gap.lstrip()
        if not rest or rest[0] not in ",.;:":
            return False
        return not (rest[0] == "." and span.word.lower() in ABBREVIATIONS)

    cuts: list[int] = []
    for k in range(1, n_groups):
        ideal = round(k * n / n_groups)
        best = ideal
        for delta in sorted(range(-CLAUSE_SNAP, CLAUSE_SNAP + 1), key=abs):
            cut = ideal + delta
            if 0 < cut < n and (not cuts or cut > cuts[-1]) and ends_clause(cut - 1):
                best = cut
                break
        if 0 < best < n and (not cuts or best > cuts[-1]):
            cuts.append(best)
    bounds = [0, *cuts, n]
    return [words[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


__all__ = ["ABLATIONS", "CLAUSE_SNAP", "DEFAULT_INT8_PROXY", "DEFAULT_PRESENCE_WEIGHT", "DEFAULT_MAX_EVALS", "TARGETS", "FastExplainer", "clause_groups", "proxy_for"]
