"""Load and verify a model bundle (see :mod:`triage_app.ml.bundle_format`).

Loading checks, in order: the folder exists, the manifest parses and has the right format,
no pickle checkpoint is present, every file listed in the manifest exists and matches its
sha256, no unlisted model file was slipped in, the bundle digest matches, and the labels equal
the acuity scale. Each failure is a :class:`ModelError` naming the file and the fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage_app.core.acuity import LEVEL_LABELS, NUM_LEVELS
from triage_app.core.errors import ModelError
from triage_app.core.results import ModelInfo
from triage_app.ml.bundle_format import (
    BUNDLE_FORMAT,
    BUNDLE_FORMAT_VERSION,
    FORBIDDEN_SUFFIXES,
    INPUT_FORMAT_VERSION,
    MANIFEST_NAME,
    MODEL_CARD_NAME,
    bundle_digest,
    file_sha256,
)

#: Files whose absence makes a bundle unusable at runtime.
REQUIRED_FILES: tuple[str, ...] = ("tokenizer.json",)
DECISION_RULES: tuple[str, ...] = ("argmax", "cumulative_urgency", "urgency_threshold")
FIX_RETRAIN = "Re-copy the bundle from a trusted source, or rebuild it with `triage-app train` / `export`."


@dataclass(frozen=True)
class Bundle:
    """A verified model bundle.

    Attributes:
        path: The bundle folder.
        manifest: The parsed manifest.json.
        files: Relative path -> sha256 (verified).
    """

    path: Path
    manifest: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", self.path.name))

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "0"))

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(self.name, self.version, self.sha256)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.manifest["labels"])

    @property
    def max_length(self) -> int:
        return int(self.manifest.get("max_length", 128))

    @property
    def temperature(self) -> float:
        return float(self.manifest.get("temperature", 1.0) or 1.0)

    @property
    def decision(self) -> dict[str, Any]:
        return dict(self.manifest.get("decision") or {"rule": "argmax"})

    @property
    def min_top_probability(self) -> float | None:
        value = (self.manifest.get("uncertainty") or {}).get("min_top_probability")
        return None if value is None else float(value)

    @property
    def onnx_inputs(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("onnx_inputs") or ("input_ids", "attention_mask", "token_type_ids"))

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.manifest.get("metrics") or {})

    def onnx_path(self, variant: str = "default") -> Path | None:
        """Path of the ONNX model: ``default``, ``fp32`` or ``int8`` (None when absent)."""
        onnx = self.manifest.get("onnx") or {}
        rel = onnx.get(variant)
        if variant == "default" and not rel:
            rel = onnx.get("int8") or onnx.get("fp32") or ("model.onnx" if "model.onnx" in self.files else None)
        return None if not rel else self.path / rel

    @property
    def has_safetensors(self) -> bool:
        return "model.safetensors" in self.files

    @property
    def model_card_path(self) -> Path | None:
        path = self.path / MODEL_CARD_NAME
        return path if path.is_file() else None


def _fail(message: str, fix: str = FIX_RETRAIN) -> ModelError:
    return ModelError(message, fix)


def _read_manifest(model_dir: Path) -> dict[str, Any]:
    manifest_path = model_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise _fail(f"The model bundle {model_dir} has no {MANIFEST_NAME} (file {manifest_path} is missing).")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(f"The model manifest {manifest_path} is not valid JSON ({type(exc).__name__}).") from None
    if not isinstance(manifest, dict):
        raise _fail(f"The model manifest {manifest_path} is not a JSON object.")
    if manifest.get("format") != BUNDLE_FORMAT:
        raise _fail(f"The model manifest {manifest_path} is not a {BUNDLE_FORMAT!r} manifest (format={manifest.get('format')!r}).")
    version = manifest.get("format_version")
    if version != BUNDLE_FORMAT_VERSION:
        raise _fail(
            f"The model manifest {manifest_path} has format_version {version!r}; this app reads version {BUNDLE_FORMAT_VERSION}.",
            "Use a bundle exported by this version of the app, or update the app.",
        )
    for key in ("labels", "files", "sha256"):
        if key not in manifest:
            raise _fail(f"The model manifest {manifest_path} lacks the required key {key!r}.")
    if not isinstance(manifest["files"], dict):
        raise _fail(f"The model manifest {manifest_path}: 'files' must be an object of path -> sha256.")
    return manifest


def _check_labels(manifest: dict[str, Any], manifest_path: Path) -> None:
    labels = tuple(str(x) for x in manifest["labels"]) if isinstance(manifest["labels"], list) else None
    if labels != LEVEL_LABELS:
        raise _fail(
            f"The model in {manifest_path} has labels {manifest['labels']!r}, which do not match the acuity scale "
            f"{list(LEVEL_LABELS)!r} (output index i must be level i+1).",
            "Use a bundle trained for the 5-level acuity scale of this app; relabelling requires retraining.",
        )


def _check_no_pickles(model_dir: Path) -> None:
    for path in sorted(model_dir.rglob("*")):
        if path.is_file() and path.suffix.lower() in FORBIDDEN_SUFFIXES:
            raise _fail(
                f"The model bundle contains the pickle checkpoint {path}; pickle files can run code and are refused.",
                "Delete the file and use model.safetensors/ONNX only (re-export the bundle if needed).",
            )


def _check_files(model_dir: Path, files: dict[str, str]) -> None:
    root = model_dir.resolve()
    for rel, expected in sorted(files.items()):
        path = (model_dir / rel).resolve()
        if root not in path.parents:
            raise _fail(f"The model manifest lists {rel!r}, which lies outside the bundle {model_dir}.")
        if not path.is_file():
            raise _fail(f"The model file {model_dir / rel} listed in the manifest is missing.")
        actual = file_sha256(path)
        if actual != str(expected).lower():
            raise _fail(
                f"The model file {model_dir / rel} does not match its sha256 in the manifest "
                f"(expected {str(expected)[:12]}…, found {actual[:12]}…): it is corrupt or was changed.",
            )
    listed = set(files)
    for path in sorted(model_dir.rglob("*")):
        rel = path.relative_to(model_dir).as_posix()
        if path.is_file() and rel != MANIFEST_NAME and rel not in listed and path.suffix.lower() in (".onnx", ".safetensors"):
            raise _fail(
                f"The model file {path} is not listed in the manifest, so it cannot be verified.",
                "Remove the file, or re-export the bundle so the manifest lists it.",
            )


def load_bundle(model_dir: Path | str) -> Bundle:
    """Load and verify the bundle in ``model_dir``.

    Raises:
        ModelError: Naming the file at fault and the fix (missing folder, missing or corrupt
            manifest, missing file, hash mismatch, pickle file, labels not matching the scale).
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise _fail(
            f"The model folder {model_dir} does not exist.",
            "Set the model folder in Settings or with --model, or restore models/default from the installer.",
        )
    manifest = _read_manifest(model_dir)
    manifest_path = model_dir / MANIFEST_NAME
    _check_labels(manifest, manifest_path)
    _check_no_pickles(model_dir)
    files = {str(k): str(v) for k, v in manifest["files"].items()}
    for rel in REQUIRED_FILES:
        if rel not in files:
            raise _fail(f"The model bundle {model_dir} does not list the required file {rel} in {manifest_path}.")
    _check_files(model_dir, files)
    if bundle_digest(files) != manifest["sha256"]:
        raise _fail(f"The bundle digest in {manifest_path} does not match its file list: the manifest was edited.")
    onnx = manifest.get("onnx") or {}
    onnx_files = [v for k, v in onnx.items() if k in ("default", "fp32", "int8") and v]
    if not onnx_files and "model.safetensors" not in files:
        raise _fail(f"The model bundle {model_dir} has neither an ONNX model nor model.safetensors.")
    for rel in onnx_files:
        if rel not in files:
            raise _fail(f"The manifest {manifest_path} names the ONNX model {rel}, which is not in its file list.")
    if manifest.get("input_format_version", INPUT_FORMAT_VERSION) != INPUT_FORMAT_VERSION:
        raise _fail(
            f"The model in {model_dir} expects input format {manifest.get('input_format_version')!r}; "
            f"this app produces format {INPUT_FORMAT_VERSION}.",
            "Use a bundle exported by this version of the app.",
        )
    decision = manifest.get("decision") or {"rule": "argmax"}
    if not isinstance(decision, dict) or decision.get("rule") not in DECISION_RULES:
        raise _fail(
            f"The manifest {manifest_path} has an unknown decision rule {decision!r}.",
            f"Use one of: {', '.join(DECISION_RULES)}.",
        )
    thresholds = decision.get("thresholds")
    if thresholds is not None and not (
        isinstance(thresholds, list)
        and len(thresholds) == NUM_LEVELS - 1
        and all(isinstance(t, int | float) and not isinstance(t, bool) and 0 < t <= 1 for t in thresholds)
    ):
        raise _fail(
            f"The manifest {manifest_path} has invalid per-boundary thresholds {thresholds!r}.",
            f"Give {NUM_LEVELS - 1} numbers in (0, 1], one per boundary between adjacent levels.",
        )
    temperature = manifest.get("temperature", 1.0)
    if not isinstance(temperature, int | float) or isinstance(temperature, bool) or not temperature > 0:
        raise _fail(f"The manifest {manifest_path} has an invalid temperature {temperature!r} (must be > 0).")
    return Bundle(path=model_dir, manifest=manifest, files=files)


__all__ = ["DECISION_RULES", "REQUIRED_FILES", "Bundle", "load_bundle"]
