"""The model bundle format, shared by the trainer (writes) and the runtime (reads).

A bundle is a folder ``models/<name>/`` holding:

- the standard Hugging Face files: ``config.json``, tokenizer files (``tokenizer.json``,
  ``tokenizer_config.json``, ``special_tokens_map.json``, ``vocab.txt``) and
  ``model.safetensors`` (fp16 allowed; never a pickle checkpoint);
- ``model.int8.onnx`` and/or ``model.onnx`` (fp32);
- ``manifest.json`` (schema below), and ``MODEL_CARD.md``.

Manifest keys (format_version 1)::

    format            "triage-bundle"
    format_version    1
    name, version     e.g. "default", "1.0.0"
    base_model        e.g. "sentence-transformers/all-MiniLM-L6-v2"
    labels            ["1","2","3","4","5"]: output index i -> acuity level label
    max_length        tokens per window (e.g. 128)
    input_format_version  1 = the redacted complaint text only, nothing prepended
    temperature       float, temperature scaling fitted on validation (logits / T)
    onnx              {"default": "model.int8.onnx" | "model.onnx",
                       "fp32": "model.onnx" | null, "int8": "model.int8.onnx" | null,
                       "int8_agreement": float | null, "max_prob_diff": float | null,
                       "opset": int}
    onnx_inputs       ["input_ids", "attention_mask", "token_type_ids"] (what the graph takes)
    uncertainty       {"min_top_probability": float} (calibrated on validation)
    decision          {"rule": "argmax"} or {"rule": "urgency_threshold", ...} (see ml runtime)
    files             {relative path: sha256 hex} for every file except manifest.json
    sha256            bundle digest, see :func:`bundle_digest`
    metrics           {"test": {...}, "validation": {...}} with under_triage_rate first
    created           ISO-8601 date
"""

from __future__ import annotations

import hashlib
from pathlib import Path

BUNDLE_FORMAT = "triage-bundle"
BUNDLE_FORMAT_VERSION = 1
INPUT_FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MODEL_CARD_NAME = "MODEL_CARD.md"
#: Files that must never be loaded (pickle-based checkpoints).
FORBIDDEN_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def compute_file_hashes(bundle_dir: Path) -> dict[str, str]:
    """sha256 of every regular file in the bundle (recursively), except the manifest."""
    hashes: dict[str, str] = {}
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle_dir).as_posix()
        if rel == MANIFEST_NAME:
            continue
        hashes[rel] = file_sha256(path)
    return hashes


def bundle_digest(file_hashes: dict[str, str]) -> str:
    """One hash for the whole bundle: sha256 over the sorted ``path:sha256`` lines."""
    lines = "\n".join(f"{rel}:{h}" for rel, h in sorted(file_hashes.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_FORMAT_VERSION",
    "FORBIDDEN_SUFFIXES",
    "INPUT_FORMAT_VERSION",
    "MANIFEST_NAME",
    "MODEL_CARD_NAME",
    "bundle_digest",
    "compute_file_hashes",
    "file_sha256",
]
