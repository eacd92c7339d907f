"""Runtime classifiers: onnxruntime on CPU by default, ORT CUDA or torch CUDA on a GPU.

Every classifier runs ``preprocess → _forward → postprocess``. Only ``_forward`` touches
onnxruntime or torch, so the windowing, temperature scaling and decision rule are tested with
canned logits. Device choice (:func:`plan_device`) is a pure function of what was requested
and what the machine offers, and always produces a status string that says which device runs
and why; falling back from a requested GPU is logged as a warning and stated in the status.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.errors import DependencyError, ModelError
from triage_app.core.results import ModelInfo
from triage_app.ml.batching import pad_batch
from triage_app.ml.bundle import Bundle, load_bundle
from triage_app.ml.decision import calibrated_probabilities, decide_level
from triage_app.ml.long_text import pick_most_urgent, window_spans

log = logging.getLogger(__name__)

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
#: ``windows`` (default): overlapping windows, most urgent wins (see ml/long_text.py);
#: ``head_tail``: one view of the first and last tokens, as the trainer truncates.
LONG_TEXT_STRATEGIES: tuple[str, ...] = ("windows", "head_tail")
BATCH_SIZE = 32
ORT_THREADS_ENV = "TRIAGE_APP_ORT_THREADS"


@dataclass(frozen=True)
class Prediction:
    """One text's prediction.

    Attributes:
        probabilities: Calibrated probabilities for levels 1..5.
        level: The level chosen by the manifest's decision rule.
        windows: How many windows the text was split into (1 for short texts).
        window: Index (within the text) of the window whose result won.
    """

    probabilities: tuple[float, ...]
    level: int
    windows: int = 1
    window: int = 0


@dataclass(frozen=True)
class Encoded:
    """Windowed model inputs for a batch of texts (output of ``preprocess``)."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    owners: tuple[int, ...]
    n_texts: int


@dataclass(frozen=True)
class DevicePlan:
    """Which backend and device to use, and the status line explaining why."""

    backend: str  # "onnx" or "torch"
    device: str  # "cpu" or "cuda"
    status: str
    fallback: bool = False


# --- device probing (module-level so tests can monkeypatch them) -----------------------------


def _ort_providers() -> list[str]:
    try:
        import onnxruntime as ort
    except ImportError:
        return []
    return list(ort.get_available_providers())


def _gpu_present() -> bool:
    """Cheap check for an NVIDIA GPU without importing torch (which costs seconds and memory)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def _torch_cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # a broken driver install must not crash the app
        return False


def _cpu_label(bundle: Bundle) -> str:
    default = bundle.onnx_path("default")
    if default is None:
        return "torch"
    return "onnxruntime int8" if default.name.endswith(".int8.onnx") else "onnxruntime fp32"


def plan_device(requested: str, bundle: Bundle) -> DevicePlan:
    """Choose backend and device for ``requested`` in ``auto | cpu | cuda``.

    Order on a GPU: ORT CUDA execution provider (fp32 ONNX), then torch CUDA (safetensors).
    On CPU: ORT with the manifest's default ONNX (int8 where the bundle allows it).
    """
    if requested not in DEVICES:
        raise ModelError(f"Unknown device {requested!r}.", f"Use one of: {', '.join(DEVICES)}.")
    has_onnx = bundle.onnx_path("default") is not None
    cpu_backend = "onnx" if has_onnx else "torch"
    cpu = f"CPU ({_cpu_label(bundle)})"
    if requested == "cpu":
        return DevicePlan(cpu_backend, "cpu", f"{cpu}: device set to cpu")
    gpu = _gpu_present()
    if gpu or requested == "cuda":
        if "CUDAExecutionProvider" in _ort_providers() and (bundle.onnx_path("fp32") or bundle.onnx_path("default")):
            return DevicePlan("onnx", "cuda", f"GPU (onnxruntime CUDA, fp32): device {requested}, CUDA found")
        if bundle.has_safetensors and _torch_cuda_available():
            return DevicePlan("torch", "cuda", f"GPU (torch CUDA): device {requested}, CUDA found")
    if requested == "cuda":
        why = "no GPU found" if not gpu else "GPU found but neither onnxruntime-gpu nor torch CUDA can use it"
        return DevicePlan(cpu_backend, "cpu", f"CUDA requested but {why}: using {cpu}", fallback=True)
    if gpu:
        return DevicePlan(
            cpu_backend,
            "cpu",
            f"{cpu}: a GPU is present but neither onnxruntime-gpu nor torch CUDA can use it",
            fallback=True,
        )
    return DevicePlan(cpu_backend, "cpu", f"{cpu}: device auto, no GPU found")


# --- batching and ONNX inputs (shared with the explainer's int8 proxy) ------------------------


def ort_feeds(input_names: Sequence[str], input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
    """The inputs an exported BERT graph asks for (token types are all zero: one segment)."""
    feeds: dict[str, np.ndarray] = {}
    for name in input_names:
        if name == "input_ids":
            feeds[name] = input_ids
        elif name == "attention_mask":
            feeds[name] = attention_mask
        elif name == "token_type_ids":
            feeds[name] = np.zeros_like(input_ids)
    return feeds


def batched_logits(
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray],
    input_ids: np.ndarray,
    attention_mask: np.ndarray,
    batch_size: int,
    n_labels: int,
) -> np.ndarray:
    """``forward`` over rows in batches, each trimmed of columns that are padding in every row."""
    input_ids = np.asarray(input_ids, dtype=np.int64)
    attention_mask = np.asarray(attention_mask, dtype=np.int64)
    if input_ids.ndim == 1:
        input_ids, attention_mask = input_ids[None, :], attention_mask[None, :]
    outs = []
    for start in range(0, input_ids.shape[0], batch_size):
        ids = input_ids[start : start + batch_size]
        mask = attention_mask[start : start + batch_size]
        # Fewer tokens, same logits. (Use the last attended column, not the mask sum: a caller
        # may mask tokens in the middle.)
        cols = np.nonzero(mask.any(axis=0))[0]
        used = int(cols[-1]) + 1 if cols.size else 1
        outs.append(np.asarray(forward(ids[:, :used], mask[:, :used]), dtype=np.float32))
    if not outs:
        return np.zeros((0, n_labels), dtype=np.float32)
    return np.concatenate(outs, axis=0)


# --- tokenizer ------------------------------------------------------------------------------


def load_tokenizer(bundle: Bundle) -> Any:
    """The bundle's fast tokenizer (``tokenizers.Tokenizer``) with truncation and padding off.

    Lowercasing follows the bundle's BERT settings: if ``tokenizer_config.json`` says
    ``do_lower_case`` but tokenizer.json's normaliser does not lowercase, a BERT normaliser
    with lowercasing is installed.
    """
    try:
        from tokenizers import Tokenizer, normalizers
    except ImportError:
        raise DependencyError("The 'tokenizers' package is not installed.", "pip install tokenizers") from None
    path = bundle.path / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:
        raise ModelError(f"The tokenizer file {path} cannot be read ({type(exc).__name__}).", "Re-export the bundle.") from None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    config_path = bundle.path / "tokenizer_config.json"
    if config_path.is_file():
        try:
            lower = bool(json.loads(config_path.read_text(encoding="utf-8")).get("do_lower_case", False))
        except ValueError:
            lower = False
        norm = json.loads(tokenizer.to_str()).get("normalizer") or {}
        if lower and not norm.get("lowercase", False):
            tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    return tokenizer


# --- classifiers ----------------------------------------------------------------------------


class BaseClassifier:
    """Shared pipeline: tokenise into windows, forward, calibrate, aggregate, decide."""

    backend = "base"

    def __init__(
        self,
        bundle: Bundle,
        device_status: str,
        *,
        tokenizer: Any | None = None,
        overlap: int | None = None,
        long_text: str = "windows",
    ) -> None:
        if long_text not in LONG_TEXT_STRATEGIES:
            raise ValueError(f"long_text must be one of {LONG_TEXT_STRATEGIES}")
        self._bundle = bundle
        self._device_status = device_status
        self._tokenizer = tokenizer if tokenizer is not None else load_tokenizer(bundle)
        self._overlap = overlap
        self.long_text = long_text
        self._cls_id = self._special_id("[CLS]", 101)
        self._sep_id = self._special_id("[SEP]", 102)
        self._pad_id = self._special_id("[PAD]", 0)

    def _special_id(self, token: str, default: int) -> int:
        value = self._tokenizer.token_to_id(token)
        return default if value is None else int(value)

    # Public attributes used by services, explainers and the CLI.
    @property
    def bundle(self) -> Bundle:
        return self._bundle

    @property
    def tokenizer(self) -> Any:
        """``tokenizers.Tokenizer`` (no truncation, no padding; ``encode`` adds [CLS]/[SEP])."""
        return self._tokenizer

    @property
    def info(self) -> ModelInfo:
        return self._bundle.info

    @property
    def device_status(self) -> str:
        return self._device_status

    @property
    def max_length(self) -> int:
        return self._bundle.max_length

    @property
    def temperature(self) -> float:
        return self._bundle.temperature

    @property
    def decision(self) -> dict[str, Any]:
        return self._bundle.decision

    # preprocess → _forward → postprocess
    def preprocess(self, texts: Sequence[str]) -> Encoded:
        """Tokenise ``texts`` into windows of at most ``max_length`` tokens, right-padded."""
        content_len = max(1, self.max_length - 2)
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        rows: list[list[int]] = []
        owners: list[int] = []
        for i, enc in enumerate(encodings):
            ids = list(enc.ids)
            if self.long_text == "head_tail" and len(ids) > content_len:
                head = self._head_tokens(content_len)
                rows.append([self._cls_id, *ids[:head], *ids[len(ids) - (content_len - head) :], self._sep_id])
                owners.append(i)
                continue
            for start, end in window_spans(len(ids), content_len, self._overlap):
                rows.append([self._cls_id, *ids[start:end], self._sep_id])
                owners.append(i)
        input_ids, attention = pad_batch(rows, self._pad_id, min_width=2)
        return Encoded(input_ids, attention, tuple(owners), len(texts))

    def _head_tokens(self, content_len: int) -> int:
        """Head size for ``head_tail``: the manifest's ``truncation.head_tokens``, else two thirds."""
        head = (self._bundle.manifest.get("truncation") or {}).get("head_tokens")
        head = int(head) if isinstance(head, int | float) else (content_len * 2) // 3
        return max(1, min(head, content_len - 1))

    def _forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Raw logits ``(batch, n_levels)``; the only step that touches the framework."""
        raise NotImplementedError

    def logits_for_ids(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Raw logits (before temperature) for already windowed ids, in batches of 32."""
        return batched_logits(self._forward, input_ids, attention_mask, BATCH_SIZE, len(self._bundle.labels))

    def postprocess(self, logits: np.ndarray, owners: Sequence[int], n_texts: int) -> list[Prediction]:
        """Temperature, then per-window decision, then most urgent window per text."""
        window_probs = calibrated_probabilities(logits, self.temperature)
        probs, chosen = pick_most_urgent(window_probs, lambda p: decide_level(p, self.decision), owners, n_texts)
        counts = np.bincount(np.asarray(owners, dtype=np.int64), minlength=n_texts)
        first = {o: owners.index(o) for o in set(owners)}
        out = []
        for i in range(n_texts):
            row = probs[i]
            out.append(
                Prediction(
                    probabilities=tuple(float(p) for p in row),
                    level=decide_level(row, self.decision),
                    windows=int(counts[i]),
                    window=chosen[i] - first[i],
                )
            )
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Full predictions for a batch of texts."""
        texts = list(texts)
        if not texts:
            return []
        enc = self.preprocess(texts)
        logits = self.logits_for_ids(enc.input_ids, enc.attention_mask)
        return self.postprocess(logits, enc.owners, enc.n_texts)

    def predict_proba(self, texts: Sequence[str]) -> list[list[float]]:
        """Calibrated probabilities for levels 1..5, one list per text."""
        return [list(p.probabilities) for p in self.predict(texts)]

    def predict_levels(self, texts: Sequence[str]) -> list[int]:
        """Levels by the manifest's decision rule, one per text."""
        return [p.level for p in self.predict(texts)]


class OnnxClassifier(BaseClassifier):
    """onnxruntime backend (CPU, or the CUDA execution provider)."""

    backend = "onnx"

    def __init__(self, bundle: Bundle, device_status: str, *, device: str = "cpu", **kwargs: Any) -> None:
        super().__init__(bundle, device_status, **kwargs)
        variant = "fp32" if device == "cuda" and bundle.onnx_path("fp32") else "default"
        path = bundle.onnx_path(variant)
        if path is None:
            raise ModelError(f"The model bundle {bundle.path} has no ONNX model.", "Re-export the bundle with ONNX.")
        self.onnx_file = path
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device == "cuda" else ["CPUExecutionProvider"]
        self._session = _make_ort_session(path, providers)
        active = list(self._session.get_providers())
        if device == "cuda" and (not active or active[0] != "CUDAExecutionProvider"):
            # ORT silently drops CUDA when its libraries are missing; say it out loud.
            self._device_status = "CUDA requested but onnxruntime could not start it: using CPU (onnxruntime fp32)"
            log.warning("onnxruntime CUDA provider unavailable at session start; running on CPU")
        self._input_names = [i.name for i in self._session.get_inputs()]

    def _forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self._session.run(None, ort_feeds(self._input_names, input_ids, attention_mask))[0]


def ort_threads() -> int:
    """Intra-op threads for onnxruntime: ``TRIAGE_APP_ORT_THREADS`` if set (IT can cap it on a
    shared machine), else 0 = onnxruntime's default (one per physical core)."""
    value = os.environ.get(ORT_THREADS_ENV, "").strip()
    if not value:
        return 0
    try:
        threads = int(value)
    except ValueError:
        raise ModelError(f"{ORT_THREADS_ENV}={value!r} is not a whole number.", "Set it to 1-64, or unset it.") from None
    if not 0 <= threads <= 64:
        raise ModelError(f"{ORT_THREADS_ENV}={threads} is outside 0-64.", "Set it to 1-64, or unset it.")
    return threads


def _make_ort_session(path: Path, providers: list[str]) -> Any:
    try:
        import onnxruntime as ort
    except ImportError:
        raise DependencyError("onnxruntime is not installed.", "pip install onnxruntime (or onnxruntime-gpu)") from None
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # No busy-waiting threads: on a shared desktop CPU spinning made p50 latency 2-4x worse under
    # load (measured: 104 ms spinning vs 27-59 ms not), and it burns CPU while the app is idle.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.intra_op_num_threads = ort_threads()
    available = set(ort.get_available_providers())
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=[p for p in providers if p in available])
    except Exception as exc:
        raise ModelError(
            f"The ONNX model {path} cannot be loaded by onnxruntime ({type(exc).__name__}).",
            "The file is unreadable or from an incompatible exporter: re-export the bundle.",
        ) from None


class TorchClassifier(BaseClassifier):
    """PyTorch backend on the bundle's safetensors (used for torch CUDA, and where no ONNX exists)."""

    backend = "torch"

    def __init__(self, bundle: Bundle, device_status: str, *, device: str = "cpu", **kwargs: Any) -> None:
        super().__init__(bundle, device_status, **kwargs)
        try:
            import torch
            from transformers import AutoModelForSequenceClassification
        except ImportError:
            raise DependencyError(
                "PyTorch/transformers are not installed; the torch backend needs them.",
                "pip install torch transformers, or use a bundle with an ONNX model.",
            ) from None
        if not bundle.has_safetensors:
            raise ModelError(f"The model bundle {bundle.path} has no model.safetensors.", "Re-export the bundle.")
        try:
            model = AutoModelForSequenceClassification.from_pretrained(
                str(bundle.path), local_files_only=True, use_safetensors=True
            )
        except Exception as exc:
            raise ModelError(
                f"The weights {bundle.path / 'model.safetensors'} cannot be loaded ({type(exc).__name__}).",
                "Re-export the bundle.",
            ) from None
        self._torch = torch
        self._device = torch.device(device)
        if self._device.type == "cuda":
            try:
                self._device_status = f"{device_status} ({torch.cuda.get_device_name(self._device)})"
            except Exception:  # the name is cosmetic; never fail a load over it
                pass
        # fp32 everywhere: bundles may store fp16 weights (slow or unsupported on CPU), and the
        # temperature was fitted on fp32 logits.
        self._model = model.float().to(self._device).eval()

    def _forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            ids = torch.from_numpy(np.ascontiguousarray(input_ids)).to(self._device)
            mask = torch.from_numpy(np.ascontiguousarray(attention_mask)).to(self._device)
            out = self._model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).logits
            return out.float().cpu().numpy()


def load_classifier(model_dir: Path | str, device: str = "auto") -> OnnxClassifier | TorchClassifier:
    """Load and verify a bundle, and start the backend that :func:`plan_device` chooses.

    Raises:
        ModelError: The bundle is missing, corrupt or incompatible.
        DependencyError: The chosen backend's package is not installed.
    """
    bundle = load_bundle(model_dir)
    plan = plan_device(device, bundle)
    if plan.fallback:
        log.warning("device fallback: requested=%s backend=%s device=%s", device, plan.backend, plan.device)
    log.info("loading model backend=%s device=%s", plan.backend, plan.device)
    if plan.backend == "onnx":
        return OnnxClassifier(bundle, plan.status, device=plan.device)
    return TorchClassifier(bundle, plan.status, device=plan.device)


__all__ = [
    "BATCH_SIZE",
    "DEVICES",
    "LONG_TEXT_STRATEGIES",
    "BaseClassifier",
    "DevicePlan",
    "Encoded",
    "OnnxClassifier",
    "Prediction",
    "TorchClassifier",
    "load_classifier",
    "load_tokenizer",
    "ort_threads",
    "plan_device",
]
