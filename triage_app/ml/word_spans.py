"""Words of the shown text, their character offsets, and the tokens that make them up.

Both explainers (:mod:`triage_app.ml.explain_fast`, :mod:`triage_app.ml.explain_ig`) attribute
at *word* level in the exact (redacted) text on screen. This module is their shared, model-free
part: it segments the text into words, maps subword tokens onto those words by character
offsets, cuts long texts into windows on word boundaries, and turns raw per-word scores into
normalised :class:`~triage_app.core.results.WordAttribution` objects.

What counts as one word (see ``docs/agents/explain-decisions.md``):

- a redaction placeholder such as ``[NAME_1]`` or ``[DATE_2]``;
- a number with its separators and unit: ``38.9``, ``90/60``, ``88%``, ``38.9C``, ``10:30``;
- letters and digits joined by ``-``, ``'`` or ``/``: ``x2d``, ``SpO2``, ``short-of-breath``,
  ``n/v``, ``pt's``.

Punctuation, symbols and emoji are not words: they get no attribution and are never ablated.
Special tokens ([CLS], [SEP], [PAD]) never appear in the output.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from triage_app.core.errors import InputError, ModelError
from triage_app.core.results import WordAttribution
from triage_app.ml.batching import pad_batch

#: Placeholder written by the redactor, e.g. ``[NAME_1]``; always one word.
PLACEHOLDER_PATTERN = r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\]"
_NUMBER = r"\d+(?:[.,:/]\d+)+[^\W_]*%?"
_WORD = r"[^\W_]+(?:['\u2019\-/][^\W_]+)*%?"
WORD_RE = re.compile(rf"{PLACEHOLDER_PATTERN}|{_NUMBER}|{_WORD}")

#: ``logits_fn(input_ids, attention_mask) -> logits`` for int64 arrays of shape (batch, seq).
LogitsFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class TokenEncoding(Protocol):
    """What an encoding from :meth:`TokenizerLike.encode` offers (as ``tokenizers.Encoding``)."""

    @property
    def ids(self) -> list[int]: ...

    @property
    def offsets(self) -> list[tuple[int, int]]: ...


class TokenizerLike(Protocol):
    """The part of ``tokenizers.Tokenizer`` the explainers use; a test can pass a small fake."""

    def encode(self, sequence: str, add_special_tokens: bool = True) -> Any: ...

    def token_to_id(self, token: str) -> int | None: ...


@dataclass(frozen=True)
class WordSpan:
    """One word of the shown text: ``text[start:end] == word``."""

    start: int
    end: int
    word: str


@dataclass(frozen=True)
class SpecialIds:
    """Token ids of the special tokens the explainers need."""

    cls: int
    sep: int
    pad: int
    mask: int | None = None

    @classmethod
    def from_tokenizer(cls, tokenizer: TokenizerLike) -> SpecialIds:
        """Look up [CLS], [SEP], [PAD] and [MASK]; ModelError when one of the first three is missing."""
        found = {name: tokenizer.token_to_id(f"[{name}]") for name in ("CLS", "SEP", "PAD", "MASK")}
        missing = [name for name in ("CLS", "SEP", "PAD") if found[name] is None]
        if missing:
            raise ModelError(
                f"The model's tokenizer has no {', '.join('[' + m + ']' for m in missing)} token.",
                "Use a BERT-style bundle (WordPiece tokenizer with [CLS]/[SEP]/[PAD]).",
            )
        return cls(cls=int(found["CLS"]), sep=int(found["SEP"]), pad=int(found["PAD"]), mask=found["MASK"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class EncodedText:
    """The text's content tokens (no special tokens) and which word each belongs to.

    Attributes:
        text: The exact text that was encoded.
        words: The words of ``text``.
        token_ids: Content token ids, in order.
        token_word: For each token, the index into ``words``, or -1 (punctuation, emoji).
    """

    text: str
    words: tuple[WordSpan, ...]
    token_ids: tuple[int, ...]
    token_word: tuple[int, ...]


@dataclass(frozen=True)
class Window:
    """A run of content tokens ``[token_start, token_end)`` that fits one model input."""

    token_start: int
    token_end: int


@dataclass(frozen=True)
class Explanation:
    """Word attributions plus what is needed to judge them.

    Attributions holds *every* word of the text in order; words outside the explained
    window score 0.

    Attributes:
        attributions: Normalised to [-1, 1]; positive supports ``target_level``.
        raw_scores: The unnormalised score of each word (change in the target quantity).
        target_level: Acuity level 1..5 that was explained.
        method: "fast" or "ig".
        window: The content-token window explained (the whole text when it fits one).
        delta: IG convergence delta on the target quantity (None for "fast").
        n_steps: IG steps used (None for "fast").
        converged: False when IG's delta stayed over the threshold at the largest n_steps.
        target_probability: Calibrated probability of ``target_level`` for the explained window.
    """

    attributions: tuple[WordAttribution, ...]
    raw_scores: tuple[float, ...]
    target_level: int
    method: str
    window: Window
    delta: float | None = None
    n_steps: int | None = None
    converged: bool = True
    target_probability: float | None = None


def split_words(text: str) -> tuple[WordSpan, ...]:
    """Segment ``text`` into words with character offsets (see the module docstring)."""
    return tuple(WordSpan(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text))


def private_tokenizer(tokenizer: TokenizerLike) -> TokenizerLike:
    """A copy of ``tokenizer`` with truncation and padding switched off.

    Bundled tokenizer.json files often truncate and pad to ``max_length``; the explainers need
    every content token and do their own windowing, without touching the runtime's tokenizer.
    """
    if not (hasattr(tokenizer, "no_truncation") or hasattr(tokenizer, "no_padding")):
        return tokenizer
    own = copy.deepcopy(tokenizer)
    if hasattr(own, "no_truncation"):
        own.no_truncation()
    if hasattr(own, "no_padding"):
        own.no_padding()
    return own


def encode_words(text: str, tokenizer: TokenizerLike) -> EncodedText:
    """Tokenize ``text`` without special tokens and map every token to its word.

    A token belongs to the word that contains its first character. Tokens with an empty
    offset (special tokens some tokenizers add anyway) are dropped.

    Raises:
        InputError: When the text has no words at all.
    """
    words = split_words(text)
    if not words:
        raise InputError("text", "There is no word to explain in the text.", "Enter the presenting complaint.")
    char_word = np.full(len(text) + 1, -1, dtype=np.int64)
    for index, span in enumerate(words):
        char_word[span.start : span.end] = index
    encoding = tokenizer.encode(text, add_special_tokens=False)
    ids: list[int] = []
    owners: list[int] = []
    for token_id, (start, end) in zip(encoding.ids, encoding.offsets):
        if end <= start:
            continue
        ids.append(int(token_id))
        owners.append(int(char_word[start]) if start < len(text) else -1)
    return EncodedText(text=text, words=words, token_ids=tuple(ids), token_word=tuple(owners))


def make_windows(encoded: EncodedText, max_length: int) -> list[Window]:
    """Cut the content tokens into windows of at most ``max_length - 2`` tokens.

    A single window when the text fits. Otherwise windows start and end on word boundaries
    and overlap by about half, so each word is seen with context on both sides somewhere.
    """
    capacity = max_length - 2
    if capacity < 1:
        raise ModelError(f"The model's max_length ({max_length}) is too small.", "Rebuild the bundle with max_length >= 8.")
    n = len(encoded.token_ids)
    if n <= capacity:
        return [Window(0, n)]
    # Token positions where a new word starts (a window may only begin or end there).
    starts = [i for i in range(n) if encoded.token_word[i] >= 0 and (i == 0 or encoded.token_word[i] != encoded.token_word[i - 1])]
    boundaries = sorted(set(starts) | {0, n})
    windows: list[Window] = []
    begin = 0
    while True:
        end = max((b for b in boundaries if begin < b <= begin + capacity), default=min(begin + capacity, n))
        windows.append(Window(begin, end))
        if end >= n:
            break
        nxt = max((b for b in boundaries if begin < b <= begin + capacity // 2), default=end)
        begin = nxt if nxt > begin else end
    return windows


def window_input(encoded: EncodedText, window: Window, special: SpecialIds) -> np.ndarray:
    """``[CLS] tokens [SEP]`` for one window, as an int64 array of shape (seq,)."""
    body = encoded.token_ids[window.token_start : window.token_end]
    return np.asarray([special.cls, *body, special.sep], dtype=np.int64)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature`` (numerically stable)."""
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def choose_window(
    encoded: EncodedText,
    windows: Sequence[Window],
    special: SpecialIds,
    logits_fn: LogitsFn,
    target_index: int,
    temperature: float,
) -> tuple[Window, float]:
    """The window with the highest calibrated probability of the target (one batched call)."""
    ids, mask = pad_batch([window_input(encoded, w, special) for w in windows], special.pad)
    probs = softmax(logits_fn(ids, mask), temperature)[:, target_index]
    best = int(np.argmax(probs))
    return windows[best], float(probs[best])


def normalise(raw: Sequence[float], eps: float = 1e-12) -> list[float]:
    """Divide by the largest absolute score, so the strongest word is +1 or -1."""
    arr = np.asarray(raw, dtype=np.float64)
    top = float(np.max(np.abs(arr))) if arr.size else 0.0
    if top <= eps:
        return [0.0] * len(arr)
    return [float(np.clip(v / top, -1.0, 1.0)) for v in arr]


def to_attributions(words: Sequence[WordSpan], raw: Sequence[float]) -> tuple[WordAttribution, ...]:
    """Pair each word with its normalised score."""
    return tuple(WordAttribution(w.start, w.end, w.word, s) for w, s in zip(words, normalise(raw)))


def target_index_for(level: int, labels: Sequence[str] | None = None) -> int:
    """Output index of acuity ``level`` (labels "1".."5" map level L to index L-1)."""
    if not 1 <= int(level) <= 5:
        raise InputError("target_level", f"Target level must be 1 to 5, got {level}.")
    if labels:
        try:
            return [str(label) for label in labels].index(str(int(level)))
        except ValueError:
            raise ModelError(f"The model has no output for level {level}.", "Check the bundle's labels.") from None
    return int(level) - 1


__all__ = [
    "EncodedText",
    "Explanation",
    "LogitsFn",
    "PLACEHOLDER_PATTERN",
    "SpecialIds",
    "TokenEncoding",
    "TokenizerLike",
    "WORD_RE",
    "Window",
    "WordSpan",
    "choose_window",
    "encode_words",
    "make_windows",
    "normalise",
    "private_tokenizer",
    "softmax",
    "target_index_for",
    "to_attributions",
    "window_input",
]
