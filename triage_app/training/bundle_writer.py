"""Write a model bundle folder per :mod:`triage_app.ml.bundle_format`.

Hashes are computed last, after every other file (model card included) is final, so the
manifest's ``files`` and ``sha256`` always describe what is on disk.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_app.core.acuity import LEVEL_LABELS
from triage_app.core.errors import ModelError
from triage_app.ml.bundle_format import (
    BUNDLE_FORMAT,
    BUNDLE_FORMAT_VERSION,
    FORBIDDEN_SUFFIXES,
    INPUT_FORMAT_VERSION,
    MANIFEST_NAME,
    MODEL_CARD_NAME,
    bundle_digest,
    compute_file_hashes,
)
from triage_app.training.model_card import render_model_card

#: Tokenizer/config files kept from ``save_pretrained`` (anything else it writes is dropped).
HF_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "model.safetensors")


def save_hf_files(model: Any, tokenizer: Any, out_dir: Path) -> list[str]:
    """Save config, tokenizer and fp16 safetensors weights (never a pickle checkpoint).

    Returns:
        The file names written.
    """
    import copy

    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).to("cpu").to(torch.float16)
    half.save_pretrained(str(out_dir), safe_serialization=True)
    # Weights are stored in fp16 to halve the size, but loaders should compute in fp32 (fp16
    # matmuls on CPU are slow or unsupported): record float32 as the load dtype.
    config_path = out_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    for key in ("dtype", "torch_dtype"):
        if key in config:
            config[key] = "float32"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tokenizer.save_pretrained(str(out_dir))
    # Newer transformers write only tokenizer.json; keep vocab.txt too so WordPiece tools can read it.
    if not (out_dir / "vocab.txt").exists() and hasattr(tokenizer, "get_vocab"):
        by_id = sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])
        if by_id and [i for _, i in by_id] == list(range(len(by_id))):
            (out_dir / "vocab.txt").write_text("".join(f"{tok}\n" for tok, _ in by_id), encoding="utf-8")
    for path in out_dir.iterdir():
        if path.suffix in FORBIDDEN_SUFFIXES:
            path.unlink()
        else:
            path.chmod(0o644)
    return sorted(p.name for p in out_dir.iterdir() if p.is_file())


def finalize_bundle(bundle_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Render the model card, hash every file and write ``manifest.json``.

    Args:
        bundle_dir: The bundle folder, holding every file except card and manifest.
        manifest: Manifest fields without ``files``/``sha256`` (a ``training`` dict is used for the card).

    Returns:
        The manifest as written.
    """
    forbidden = [p.name for p in bundle_dir.rglob("*") if p.suffix in FORBIDDEN_SUFFIXES]
    if forbidden:
        raise ModelError(f"Refusing to bundle pickle checkpoints: {', '.join(forbidden)}")
    (bundle_dir / MODEL_CARD_NAME).write_text(render_model_card(manifest, manifest.get("training", {})), encoding="utf-8")
    manifest = dict(manifest)
    manifest.pop("files", None)
    manifest.pop("sha256", None)
    stale = bundle_dir / MANIFEST_NAME
    if stale.exists():
        stale.unlink()
    files = compute_file_hashes(bundle_dir)
    manifest["files"] = files
    manifest["sha256"] = bundle_digest(files)
    (bundle_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return manifest


def base_manifest(
    *,
    name: str,
    version: str,
    base_model: str,
    max_length: int,
    temperature: float,
    decision: dict[str, Any],
    uncertainty: dict[str, Any],
    onnx: dict[str, Any],
    onnx_inputs: list[str],
    metrics: dict[str, Any],
    training: dict[str, Any],
    truncation: dict[str, Any],
) -> dict[str, Any]:
    """The manifest fields in the documented order (``files``/``sha256`` added by :func:`finalize_bundle`)."""
    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "name": name,
        "version": version,
        "base_model": base_model,
        "labels": list(LEVEL_LABELS),
        "max_length": max_length,
        "input_format_version": INPUT_FORMAT_VERSION,
        "truncation": truncation,
        "temperature": temperature,
        "onnx": onnx,
        "onnx_inputs": onnx_inputs,
        "uncertainty": uncertainty,
        "decision": decision,
        "metrics": metrics,
        "training": training,
        "created": datetime.now(UTC).date().isoformat(),
    }


def replace_bundle_dir(staging: Path, target: Path) -> Path:
    """Move a finished staging folder onto ``target`` (the old bundle is removed only then)."""
    if target.exists():
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
    target.chmod(0o755)
    return target


def read_manifest(bundle_dir: Path) -> dict[str, Any]:
    """Load ``manifest.json`` (no hash checks; the runtime loader does those)."""
    path = bundle_dir / MANIFEST_NAME
    if not path.is_file():
        raise ModelError(f"No manifest.json in {bundle_dir}.", "Train or copy a complete bundle.")
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["HF_FILES", "base_manifest", "finalize_bundle", "read_manifest", "replace_bundle_dir", "save_hf_files"]
