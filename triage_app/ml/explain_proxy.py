"""An int8-compute copy of the deployed ONNX model, used only to score word ablations.

The fast explainer deletes words one (or a group) at a time and measures how much the target
probability falls; an explanation is ~25 forward passes, so it is throughput-bound. The shipped
ONNX stores int8 weights but computes in fp32 (no int8-compute recipe kept >= 99 % agreement for
the *suggestion*, see docs/agents/quant-decisions.md). For the ablation *deltas* a dynamically
quantized (int8 compute, per-channel weights) copy of the same weights runs the same batch ~2.4x
faster on this CPU. It approximates the deployed model: it is never used for the suggested level
or the probability shown, only for the per-word differences, and the explainer falls back to the
deployed model whenever the proxy is missing or failed to build.

Building (~1.5 s of CPU for MiniLM) happens once per process, in memory: onnxruntime folds the
shipped file's int8 -> fp32 weight subgraphs (basic graph optimisation) and
``onnxruntime.quantization.quantize_dynamic`` quantizes the result. Both steps need files, so
they run in a private folder under ``temp_dir`` (default ``tempfile.gettempdir()``, which the app
points at its own data dir's ``tmp``; see ``core.paths``) that is deleted before returning; the
session is created from the bytes. The model files hold weights only, never patient text.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.acuity import NUM_LEVELS
from triage_app.core.errors import DependencyError, ModelError

log = logging.getLogger(__name__)

#: Rows per proxy call (the whole coarse-to-fine first stage of a default explanation).
PROXY_BATCH = 64
PROXY_RECIPE = "dynamic int8 per-channel (onnxruntime quantize_dynamic, QInt8 weights, uint8 activations)"


class Int8Proxy:
    """An in-memory onnxruntime session over the dynamically quantized graph.

    Args:
        session: An ``onnxruntime.InferenceSession``.
        source: The ONNX file the proxy was built from (for logs and status lines).
        build_seconds: Wall time the build took.
    """

    recipe = PROXY_RECIPE

    def __init__(self, session: Any, source: Path, build_seconds: float = 0.0) -> None:
        self._session = session
        self._input_names = [i.name for i in session.get_inputs()]
        self.source = source
        self.build_seconds = float(build_seconds)

    def logits_for_ids(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Raw logits (before temperature) for windowed ids, like the runtime's ``logits_for_ids``."""
        from triage_app.ml.runtime import batched_logits, ort_feeds

        def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
            return self._session.run(None, ort_feeds(self._input_names, ids, mask))[0]

        return batched_logits(forward, input_ids, attention_mask, PROXY_BATCH, NUM_LEVELS)


def build_int8_proxy(onnx_file: Path, *, temp_dir: Path | None = None, threads: int | None = None) -> Int8Proxy:
    """Fold and dynamically quantize ``onnx_file`` into an in-memory :class:`Int8Proxy`.

    Args:
        onnx_file: The deployed model's ONNX file (the bundle's default variant).
        temp_dir: Parent of the private work folder (default ``tempfile.gettempdir()``).
        threads: Intra-op threads (default: the runtime's ``ort_threads()``).

    Raises:
        DependencyError: onnxruntime (or its quantization tools / onnx) is missing.
        ModelError: The graph could not be folded, quantized or loaded.
    """
    started = time.perf_counter()
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise DependencyError("onnxruntime's quantization tools are not installed.", "pip install onnxruntime onnx") from None
    from triage_app.ml.runtime import ort_threads

    parent = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="explain-proxy-", dir=parent) as work:
            folded = Path(work) / "folded.onnx"
            quantized = Path(work) / "proxy.onnx"
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            options.optimized_model_filepath = str(folded)
            options.log_severity_level = 3
            ort.InferenceSession(str(onnx_file), sess_options=options, providers=["CPUExecutionProvider"])
            # The quantizer logs an advice line on the root logger for every call; keep it out of
            # the app log (it says nothing about this use).
            root = logging.getLogger()
            advice = _DropQuantizerAdvice()
            root.addFilter(advice)
            try:
                quantize_dynamic(folded, quantized, per_channel=True, weight_type=QuantType.QInt8)
            finally:
                root.removeFilter(advice)
            data = quantized.read_bytes()
    except (DependencyError, ModelError):
        raise
    except Exception as exc:
        raise ModelError(
            f"Could not build the int8 explanation proxy of {onnx_file.name} ({type(exc).__name__}).",
            "Explanations use the deployed model instead; nothing to fix unless this repeats.",
        ) from None
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.intra_op_num_threads = ort_threads() if threads is None else int(threads)
    try:
        session = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(
            f"The int8 explanation proxy of {onnx_file.name} cannot be loaded ({type(exc).__name__}).",
            "Explanations use the deployed model instead; nothing to fix unless this repeats.",
        ) from None
    seconds = time.perf_counter() - started
    log.info("explanation proxy built from %s in %.2f s", onnx_file.name, seconds)
    return Int8Proxy(session, Path(onnx_file), seconds)


class _DropQuantizerAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


class LazyProxy:
    """Builds a proxy once, in a background thread, and never raises.

    ``get()`` returns the proxy when it is ready, else None (still building, or the build
    failed: then the failure is logged once, by exception type only, and kept in ``error``).
    The first ``get()`` starts the build unless :meth:`start` already did.

    Args:
        build: Zero-argument callable returning an object with ``logits_for_ids``.
        background: Build in a daemon thread (True, the app) or inline on first use (False).
    """

    def __init__(self, build: Callable[[], Any], *, background: bool = True) -> None:
        self._build = build
        self._background = background
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._started = False
        self._proxy: Any | None = None
        self.error: str | None = None

    def start(self) -> None:
        """Start building (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if self._background:
            threading.Thread(target=self._run, name="explain-proxy-build", daemon=True).start()
        else:
            self._run()

    def _run(self) -> None:
        try:
            self._proxy = self._build()
        except Exception as exc:  # a proxy is an optimisation: never let it break explanations
            self.error = type(exc).__name__
            log.warning("explanation proxy unavailable (%s); explaining with the deployed model", type(exc).__name__)
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Start if needed and block until the build finished (True) or ``timeout`` passed."""
        self.start()
        return self._done.wait(timeout)

    def get(self) -> Any | None:
        """The proxy if built, else None (never blocks, except an inline build on first use)."""
        self.start()
        return self._proxy if self._done.is_set() else None

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self._proxy is not None


__all__ = ["PROXY_BATCH", "PROXY_RECIPE", "Int8Proxy", "LazyProxy", "build_int8_proxy"]
