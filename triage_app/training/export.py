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
        agreement: Share of cases where both give the same label, i.e. the same level under the
            bundle's decision rule (what the app shows); this is what the 99 % gate uses.
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
    """One int8 variant. Candidates are tried fastest first on validation texts (see ``QUANT_RECIPES``).

    Attributes:
        name: Shown in the log and recorded in the manifest.
        per_channel: Per-channel weight scales (dynamic quantization).
        exclude_patterns: Node-name fragments kept in fp32 (dynamic quantization).
        weight_only: Weight-only int8 via ``MatMulNBits``: MatMul weights as 8-bit blocks, the
            word-embedding table as int8 rows with one scale per row.
        accuracy_level: ``MatMulNBits`` compute type: 0 dequantizes the blocks on every call and
            multiplies in fp32 (slow on CPU); 4 quantizes the activations per block of
            ``WEIGHT_ONLY_BLOCK`` and multiplies in int8.
        folded: int8 weights on disk (blocks of ``WEIGHT_ONLY_BLOCK`` along the input axis, one
            scale per block and output column, written as ``Cast``/``Mul``/``Reshape`` of
            initializers) which onnxruntime's constant folding turns into fp32 weights when the
            session is created: weight-only int8 accuracy and size, fp32 ONNX speed.
    """

    name: str
    per_channel: bool = False
    exclude_patterns: tuple[str, ...] = ()
    weight_only: bool = False
    accuracy_level: int = 0
    folded: bool = False


#: Candidates, fastest first. The first whose decision-rule agreement with torch on validation
#: texts reaches ``INT8_MIN_AGREEMENT`` is chosen; the test set only gives the final parity number.
#: Dynamic int8 quantizes activations per tensor, which BERT's outlier activations punish;
#: MatMulNBits at accuracy level 4 quantizes them per block of 32 (finer, still int8 compute);
#: the folded recipe quantizes no activation at all.
QUANT_RECIPES: tuple[QuantRecipe, ...] = (
    QuantRecipe("dynamic int8 per-channel", per_channel=True),
    QuantRecipe("block int8 compute (MatMulNBits 8-bit blocks of 32, accuracy level 4; word embeddings int8 per row)",
                weight_only=True, accuracy_level=4),
    QuantRecipe("int8 weights folded to fp32 at load (8-bit blocks of 32; word embeddings int8 per row)", folded=True),
)
#: Used when the chosen candidate fails the gate on the test set (the 1.0.0 bundle's recipe).
FALLBACK_RECIPE = QuantRecipe(
    "weight-only int8 (MatMul 8-bit blocks of 32, word embeddings int8 per row)", weight_only=True,
)
WEIGHT_ONLY_BLOCK = 32


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
    """Quantize an fp32 ONNX model to int8 weights following ``recipe``."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise DependencyError("int8 quantization needs onnxruntime and onnx.", "pip install onnxruntime onnx") from None
    if recipe.folded:
        return _quantize_folded(fp32_path, out_path)
    if recipe.weight_only:
        return _quantize_weight_only(fp32_path, out_path, recipe.accuracy_level)
    exclude: list[str] = []
    if recipe.exclude_patterns:
        graph = onnx.load(str(fp32_path), load_external_data=False).graph
        exclude = [n.name for n in graph.node if any(p in n.name for p in recipe.exclude_patterns)]
    quantize_dynamic(
        str(fp32_path), str(out_path), weight_type=QuantType.QInt8, per_channel=recipe.per_channel,
        nodes_to_exclude=exclude or None,
    )
    return out_path


def _int8_word_embeddings(model: Any) -> None:
    """Store the word-embedding table as int8 rows with one fp32 scale per row (plain Gather/Cast/Mul)."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    for node in list(graph.node):
        if node.op_type != "Gather" or "word_embeddings" not in node.name or node.input[0] not in inits:
            continue
        table = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
        scale = np.abs(table).max(axis=1) / 127.0
        scale[scale == 0] = 1.0
        q = np.clip(np.round(table / scale[:, None]), -127, 127).astype(np.int8)
        base = node.input[0]
        graph.initializer.remove(inits[base])
        graph.initializer.extend([
            numpy_helper.from_array(q, f"{base}_int8"),
            numpy_helper.from_array(scale.astype(np.float32)[:, None], f"{base}_row_scale"),
        ])
        out = node.output[0]
        idx = node.input[1]
        at = list(graph.node).index(node)
        graph.node.remove(node)
        new_nodes = [
            helper.make_node("Gather", [f"{base}_int8", idx], [f"{out}_q"], name=f"{node.name}_int8", axis=0),
            helper.make_node("Cast", [f"{out}_q"], [f"{out}_qf"], name=f"{node.name}_cast", to=onnx.TensorProto.FLOAT),
            helper.make_node("Gather", [f"{base}_row_scale", idx], [f"{out}_s"], name=f"{node.name}_scale", axis=0),
            helper.make_node("Mul", [f"{out}_qf", f"{out}_s"], [out], name=f"{node.name}_dequant"),
        ]
        for offset, new in enumerate(new_nodes):
            graph.node.insert(at + offset, new)


def _quantize_weight_only(fp32_path: Path, out_path: Path, accuracy_level: int = 0) -> Path:
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    model = onnx.load(str(fp32_path))
    quantizer = MatMulNBitsQuantizer(
        model, bits=8, block_size=WEIGHT_ONLY_BLOCK, is_symmetric=True, op_types_to_quantize=("MatMul",),
        quant_axes=(("MatMul", 0),), accuracy_level=accuracy_level or None,
    )
    quantizer.process()
    model = quantizer.model.model
    _int8_word_embeddings(model)
    onnx.save(model, str(out_path))
    return out_path


def block_quantize(weight: np.ndarray, block: int = WEIGHT_ONLY_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 blocks along the input axis of a ``[K, N]`` MatMul weight.

    Returns:
        ``q`` int8 ``[K // b, b, N]`` and ``scale`` float32 ``[K // b, 1, N]`` with
        ``q * scale`` reshaped to ``[K, N]`` approximating ``weight``; ``b`` is ``block`` when it
        divides K, else K (one scale per output column).
    """
    k, n = weight.shape
    b = block if k % block == 0 else k
    blocks = weight.astype(np.float32).reshape(k // b, b, n)
    scale = np.abs(blocks).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(blocks / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def _quantize_folded(fp32_path: Path, out_path: Path) -> Path:
    """int8 blocks on disk, dequantized by initializer-only nodes that the session folds at load."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32_path))
    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    consumers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            consumers[name] = consumers.get(name, 0) + 1
    for node in list(graph.node):
        if node.op_type != "MatMul" or len(node.input) < 2 or node.input[1] not in inits:
            continue
        base = node.input[1]
        weight = numpy_helper.to_array(inits[base])
        if weight.dtype != np.float32 or weight.ndim != 2 or consumers.get(base, 0) != 1:
            continue
        q, scale = block_quantize(weight)
        graph.initializer.remove(inits[base])
        graph.initializer.extend([
            numpy_helper.from_array(q, f"{base}_int8"),
            numpy_helper.from_array(scale, f"{base}_block_scale"),
            numpy_helper.from_array(np.asarray(weight.shape, dtype=np.int64), f"{base}_shape"),
        ])
        at = list(graph.node).index(node)
        new_nodes = [
            helper.make_node("Cast", [f"{base}_int8"], [f"{base}_f"], name=f"{node.name}_wcast", to=onnx.TensorProto.FLOAT),
            helper.make_node("Mul", [f"{base}_f", f"{base}_block_scale"], [f"{base}_fb"], name=f"{node.name}_wdequant"),
            helper.make_node("Reshape", [f"{base}_fb", f"{base}_shape"], [f"{base}_deq"], name=f"{node.name}_wreshape"),
        ]
        for offset, new in enumerate(new_nodes):
            graph.node.insert(at + offset, new)
        node.input[1] = f"{base}_deq"
    _int8_word_embeddings(model)
    onnx.save(model, str(out_path))
    return out_path


def onnx_logits(onnx_path: Path, id_lists: list[list[int]], pad_id: int, batch_size: int = 64) -> np.ndarray:
    """Raw logits from an ONNX model for pre-tokenized id lists (CPU provider)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise DependencyError("Parity check needs onnxruntime.", "pip install onnxruntime") from None
    from triage_app.ml.batching import pad_batch
    from triage_app.ml.runtime import ort_feeds

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"])
    input_names = [i.name for i in session.get_inputs()]
    out = np.zeros((len(id_lists), 5), dtype=np.float32)
    order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        ids, mask = pad_batch([id_lists[i] for i in chunk], pad_id)
        out[chunk] = session.run(["logits"], ort_feeds(input_names, ids, mask))[0]
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
    # The gate uses the label the bundle outputs (its decision rule); argmax agreement is reported beside it.
    return ParityReport(by_rule, argmax, by_rule, diff, len(ref), dataset)


__all__ = [
    "FALLBACK_RECIPE",
    "INT8_MIN_AGREEMENT",
    "ONNX_INPUTS",
    "ONNX_OPSET",
    "QUANT_RECIPES",
    "ParityReport",
    "QuantRecipe",
    "WEIGHT_ONLY_BLOCK",
    "block_quantize",
    "export_onnx",
    "onnx_logits",
    "parity",
    "quantize_int8",
]
