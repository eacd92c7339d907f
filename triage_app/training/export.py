"""ONNX export (opset >= 17, dynamic batch and sequence), dynamic int8 quantization, parity check.

The graph takes ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64, shape
``[batch, sequence]``) and returns raw ``logits`` ``[batch, 5]``; temperature is applied by
the runtime from the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.errors import DependencyError, ModelError

ONNX_OPSET = 17
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: int8 becomes the default runtime model only at or above this label agreement with torch.
INT8_MIN_AGREEMENT = 0.99


@dataclass(frozen=True)
class ParityReport:
    """int8-vs-torch agreement on one set of texts.

    Attributes:
        agreement: Share of cases where both give the same label, the lower of the argmax
            agreement and the agreement under the bundle's decision rule (what the app shows).
        argmax_agreement: Same top label.
        decision_agreement: Same level under the decision rule.
        max_prob_diff: Largest absolute difference of any calibrated class probability.
        n: Cases compared.
        dataset: Which texts were used.
    """

    agreement: float
    argmax_agreement: float
    decision_agreement: float
    max_prob_diff: float
    n: int
    dataset: str


@dataclass(frozen=True)
class QuantRecipe:
    """One dynamic-quantization variant, tried in order until one passes the parity gate."""

    name: str
    per_channel: bool
    exclude_patterns: tuple[str, ...] = ()


#: Smallest first. BERT's FFN output projections see the largest activation outliers, so the
#: last resort keeps those six matrices in fp32 (about +13 MB).
QUANT_RECIPES: tuple[QuantRecipe, ...] = (
    QuantRecipe("int8 per-tensor", per_channel=False),
    QuantRecipe("int8 per-channel", per_channel=True),
    QuantRecipe("int8 per-channel, FFN output layers fp32", per_channel=True, exclude_patterns=("output/dense",)),
)


def export_onnx(model: Any, out_path: Path, *, opset: int = ONNX_OPSET) -> Path:
    """Export a float32 CPU sequence-classification model to ONNX with dynamic axes.

    Raises:
        DependencyError: If torch or onnx is missing.
        ModelError: If the export fails.
    """
    try:
        import onnx
        import torch
    except ImportError:
        raise DependencyError("ONNX export needs torch and onnx.", "pip install onnx onnxscript") from None

    class LogitsOnly(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    wrapper = LogitsOnly(model).eval()
    vocab = int(getattr(getattr(model, "config", None), "vocab_size", 30522))
    ids = torch.tensor([[101, 2000, 2001, 102], [101, 2002, 102, 0]], dtype=torch.long) % vocab
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {name: {0: "batch", 1: "sequence"} for name in ONNX_INPUTS}
    axes["logits"] = {0: "batch"}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with torch.inference_mode():
            torch.onnx.export(
                wrapper,
                (ids, mask, types),
                str(out_path),
                input_names=list(ONNX_INPUTS),
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=opset,
                do_constant_folding=True,
                dynamo=False,
            )
    except Exception as exc:  # the exporter raises many unrelated types
        raise ModelError(f"ONNX export failed ({type(exc).__name__}: {exc}).") from exc
    onnx.checker.check_model(str(out_path))
    return out_path


def quantize_int8(fp32_path: Path, out_path: Path, recipe: QuantRecipe = QUANT_RECIPES[0]) -> Path:
    """Dynamic int8 quantization of the weights (activations quantized on the fly)."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise DependencyError("int8 quantization needs onnxruntime and onnx.", "pip install onnxruntime onnx") from None
    exclude: list[str] = []
    if recipe.exclude_patterns:
        graph = onnx.load(str(fp32_path), load_external_data=False).graph
        exclude = [n.name for n in graph.node if any(p in n.name for p in recipe.exclude_patterns)]
    quantize_dynamic(
        str(fp32_path), str(out_path), weight_type=QuantType.QInt8, per_channel=recipe.per_channel,
        nodes_to_exclude=exclude or None,
    )
    return out_path


def onnx_logits(onnx_path: Path, id_lists: list[list[int]], pad_id: int, batch_size: int = 64) -> np.ndarray:
    """Raw logits from an ONNX model for pre-tokenized id lists (CPU provider)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise DependencyError("Parity check needs onnxruntime.", "pip install onnxruntime") from None
    from triage_app.training.train import pad_batch

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    out = np.zeros((len(id_lists), 5), dtype=np.float32)
    order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        ids, mask = pad_batch([id_lists[i] for i in chunk], pad_id)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        out[chunk] = session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})[0]
    return out


def parity(
    reference_logits: np.ndarray,
    candidate_logits: np.ndarray,
    temperature: float,
    dataset: str,
    decision: dict[str, Any] | None = None,
) -> ParityReport:
    """Compare two logit arrays after the same temperature scaling (and decision rule)."""
    from triage_app.training.calibration import decide_levels, softmax

    if not len(reference_logits):
        nan = float("nan")
        return ParityReport(nan, nan, nan, nan, 0, dataset)
    ref = softmax(reference_logits, temperature)
    cand = softmax(candidate_logits, temperature)
    argmax = float(np.mean(ref.argmax(axis=1) == cand.argmax(axis=1)))
    rule = decision or {"rule": "argmax"}
    by_rule = float(np.mean(decide_levels(ref, rule) == decide_levels(cand, rule)))
    diff = float(np.abs(ref - cand).max())
    return ParityReport(min(argmax, by_rule), argmax, by_rule, diff, len(ref), dataset)


__all__ = [
    "INT8_MIN_AGREEMENT",
    "ONNX_INPUTS",
    "ONNX_OPSET",
    "QUANT_RECIPES",
    "ParityReport",
    "QuantRecipe",
    "export_onnx",
    "onnx_logits",
    "parity",
    "quantize_int8",
]
