"""Detailed word attributions: captum LayerIntegratedGradients on the torch weights.

On request only (slower than :mod:`triage_app.ml.explain_fast`). Integrated gradients run over
the word-embedding layer of the bundle's ``model.safetensors`` (loaded with transformers'
``BertForSequenceClassification``, local files only). The baseline is ``[CLS] [PAD]… [SEP]``
with the same attention mask as the input. The target is the calibrated probability of the
target level, as in the fast method, so both speak the same units.

``n_steps`` is adaptive: 20, then 50, 100, 200 until the convergence delta
(``sum(attributions) - (f(x) - f(baseline))``) is within ``delta_threshold``; the delta is
reported with every explanation and a warning is logged when it stays over.

torch, captum and transformers are imported inside the functions that need them; a missing
one raises :class:`~triage_app.core.errors.DependencyError` naming the install.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.errors import DependencyError, InputError, ModelError
from triage_app.core.results import WordAttribution
from triage_app.ml.word_spans import (
    EncodedText,
    Explanation,
    SpecialIds,
    TokenizerLike,
    Window,
    choose_window,
    encode_words,
    make_windows,
    private_tokenizer,
    target_index_for,
    to_attributions,
    window_input,
)

log = logging.getLogger(__name__)

#: n_steps tried in order until the convergence delta is under the threshold.
DEFAULT_STEPS: tuple[int, ...] = (20, 50, 100, 200)
#: Largest acceptable |delta|, in units of the target (calibrated probability).
DEFAULT_DELTA_THRESHOLD = 0.02


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise DependencyError(
            "Detailed explanations need torch, which is not installed.",
            "Install it: pip install torch (see README for the CPU-only build).",
        ) from exc
    return torch


def _import_captum_lig() -> Any:
    try:
        from captum.attr import LayerIntegratedGradients
    except ImportError as exc:
        raise DependencyError(
            "Detailed explanations need captum, which is not installed.",
            "Install it: pip install captum",
        ) from exc
    return LayerIntegratedGradients


def resolve_device(requested: str = "auto") -> tuple[str, str]:
    """Pick the torch device and say why, out loud.

    Returns:
        (device, status), e.g. ``("cuda", "CUDA (torch, NVIDIA H100)")`` or
        ``("cpu", "CPU (torch; CUDA requested but not available, fell back to CPU)")``.
    """
    torch = _import_torch()
    requested = (requested or "auto").lower()
    if requested not in ("auto", "cpu", "cuda"):
        raise InputError("device", f"Unknown device {requested!r}.", "Use auto, cpu or cuda.")
    if requested == "cpu":
        return "cpu", "CPU (torch)"
    if torch.cuda.is_available():
        try:
            name = torch.cuda.get_device_name(0)
        except Exception:  # noqa: BLE001 - the name is cosmetic
            name = "GPU"
        return "cuda", f"CUDA (torch, {name})"
    if requested == "cuda":
        log.warning("detailed explanations: CUDA requested but not available; falling back to CPU")
        return "cpu", "CPU (torch; CUDA requested but not available, fell back to CPU)"
    return "cpu", "CPU (torch; no CUDA device found)"


class IntegratedGradientsExplainer:
    """LayerIntegratedGradients over a torch sequence classifier's input embeddings.

    Args:
        model: A torch module with ``get_input_embeddings()`` whose call
            ``model(input_ids=..., attention_mask=...)`` returns an object with ``.logits``
            (or the logits tensor itself).
        tokenizer: A ``tokenizers.Tokenizer`` or anything with ``encode``/``token_to_id``.
        max_length: Tokens per model input, including [CLS] and [SEP].
        temperature: Calibration temperature.
        labels: Output index -> level label (default "1".."5").
        device: "cpu" or "cuda" (already resolved; see :func:`resolve_device`).
        device_status: Human-readable device line for the UI/CLI.
        steps: n_steps tried in order (adaptive).
        delta_threshold: Largest acceptable |convergence delta|.
        internal_batch_size: Interpolation steps per forward/backward pass (bounds memory).
    """

    method = "ig"

    def __init__(
        self,
        model: Any,
        tokenizer: TokenizerLike,
        *,
        max_length: int = 128,
        temperature: float = 1.0,
        labels: Sequence[str] | None = None,
        device: str = "cpu",
        device_status: str = "CPU (torch)",
        steps: Sequence[int] = DEFAULT_STEPS,
        delta_threshold: float = DEFAULT_DELTA_THRESHOLD,
        internal_batch_size: int | None = None,
    ) -> None:
        self.model = model
        self._tokenizer = private_tokenizer(tokenizer)
        self._special = SpecialIds.from_tokenizer(self._tokenizer)
        self.max_length = int(max_length)
        self.temperature = float(temperature)
        self.labels = tuple(labels) if labels else None
        self.device = device
        self.device_status = device_status
        self.steps = tuple(int(s) for s in steps)
        if not self.steps:
            raise ValueError("steps must not be empty")
        self.delta_threshold = float(delta_threshold)
        self.internal_batch_size = int(internal_batch_size or (64 if device == "cuda" else 16))
        self.last_explanation: Explanation | None = None

    @classmethod
    def from_bundle(cls, bundle_dir: Path | str, device: str = "auto", **kwargs: Any) -> IntegratedGradientsExplainer:
        """Load the bundle's torch weights and tokenizer (local files only, never a download)."""
        torch = _import_torch()
        _import_captum_lig()
        try:
            from transformers import BertForSequenceClassification
        except ImportError as exc:
            raise DependencyError(
                "Detailed explanations need transformers, which is not installed.",
                "Install it: pip install transformers",
            ) from exc
        from triage_app.ml.bundle import load_bundle
        from triage_app.ml.runtime import load_tokenizer

        bundle = load_bundle(bundle_dir)  # verifies hashes, refuses pickles
        bundle_dir = bundle.path
        if not bundle.has_safetensors:
            raise ModelError(f"The bundle {bundle.name} has no model.safetensors.", "Re-export the bundle with torch weights.")
        resolved, status = resolve_device(device)
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar in the CLI or the app's stderr
        try:
            model = BertForSequenceClassification.from_pretrained(
                str(bundle_dir), local_files_only=True, use_safetensors=True, dtype=torch.float32
            )
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"Could not load the torch weights of {bundle_dir.name} ({type(exc).__name__}).",
                "Check config.json and model.safetensors, or re-export the bundle.",
            ) from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        model.eval().to(resolved)
        log.info("detailed explainer loaded on %s", status)
        return cls(
            model,
            load_tokenizer(bundle),  # same tokenizer settings as the runtime classifier
            max_length=bundle.max_length,
            temperature=bundle.temperature,
            labels=bundle.labels,
            device=resolved,
            device_status=status,
            **kwargs,
        )

    @property
    def last_delta(self) -> float | None:
        return self.last_explanation.delta if self.last_explanation else None

    def explain(self, text: str, target_level: int) -> list[WordAttribution]:
        """Word attributions towards ``target_level`` (Explainer protocol); see ``last_delta``."""
        return list(self.explain_full(text, target_level).attributions)

    def _logits(self, input_ids: Any, attention_mask: Any) -> Any:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return getattr(out, "logits", out)

    def _numpy_logits(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = _import_torch()
        with torch.no_grad():
            logits = self._logits(torch.as_tensor(ids, device=self.device), torch.as_tensor(mask, device=self.device))
        return logits.float().cpu().numpy()

    def explain_full(self, text: str, target_level: int) -> Explanation:
        """Attributions, raw scores, the convergence delta and the n_steps used."""
        started = time.perf_counter()
        target_index = target_index_for(target_level, self.labels)
        encoded = encode_words(text, self._tokenizer)
        windows = make_windows(encoded, self.max_length)
        if len(windows) == 1:
            window = windows[0]
        else:
            window, _ = choose_window(encoded, windows, self._special, self._numpy_logits, target_index, self.temperature)
        raw, delta, n_steps, prob = self._integrate(encoded, window, target_index)
        converged = abs(delta) <= self.delta_threshold
        if not converged:
            log.warning(
                "IG convergence delta %.4f is over the threshold %.4f at n_steps=%d", delta, self.delta_threshold, n_steps
            )
        explanation = Explanation(
            attributions=to_attributions(encoded.words, raw),
            raw_scores=tuple(raw),
            target_level=int(target_level),
            method=self.method,
            window=window,
            delta=float(delta),
            n_steps=int(n_steps),
            converged=converged,
            target_probability=prob,
        )
        self.last_explanation = explanation
        log.debug(
            "ig explanation: %d words, n_steps=%d, |delta|=%.4g, %.0f ms",
            len(encoded.words),
            n_steps,
            abs(delta),
            (time.perf_counter() - started) * 1000,
        )
        return explanation

    def _integrate(self, encoded: EncodedText, window: Window, target_index: int) -> tuple[list[float], float, int, float]:
        torch = _import_torch()
        LayerIntegratedGradients = _import_captum_lig()
        template = window_input(encoded, window, self._special)
        ids = torch.as_tensor(template[None, :], device=self.device)
        baseline = torch.full_like(ids, self._special.pad)
        baseline[0, 0] = self._special.cls
        baseline[0, -1] = self._special.sep
        mask = torch.ones_like(ids)
        temperature = self.temperature

        def forward(input_ids: Any, attention_mask: Any) -> Any:
            return torch.softmax(self._logits(input_ids, attention_mask) / temperature, dim=-1)

        lig = LayerIntegratedGradients(forward, self.model.get_input_embeddings())
        with torch.no_grad():
            prob = float(forward(ids, mask)[0, target_index])
        attributions = None
        delta = float("inf")
        n_steps = self.steps[0]
        for n_steps in self.steps:
            attributions, delta_t = lig.attribute(
                inputs=ids,
                baselines=baseline,
                additional_forward_args=(mask,),
                target=int(target_index),
                n_steps=int(n_steps),
                internal_batch_size=self.internal_batch_size,
                return_convergence_delta=True,
            )
            delta = float(delta_t.detach().reshape(-1)[0].cpu())
            if abs(delta) <= self.delta_threshold:
                break
        assert attributions is not None
        per_token = attributions[0].sum(dim=-1).detach().float().cpu().numpy().astype(np.float64)
        raw = [0.0] * len(encoded.words)
        for offset, token_index in enumerate(range(window.token_start, window.token_end)):
            word = encoded.token_word[token_index]
            if word >= 0:  # special tokens (positions 0 and -1) and punctuation are dropped
                raw[word] += float(per_token[offset + 1])
        return raw, delta, n_steps, prob


__all__ = [
    "DEFAULT_DELTA_THRESHOLD",
    "DEFAULT_STEPS",
    "IntegratedGradientsExplainer",
    "resolve_device",
]
