"""``triage-app info``: the active model (card summary, under-triage first), device and versions."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from triage_app import __version__

#: Metrics shown first, in this order (safety first: under-triage leads).
METRIC_ORDER: tuple[str, ...] = (
    "under_triage_rate",
    "over_triage_rate",
    "sensitivity_l1_2",
    "sensitivity_level_1_2",
    "accuracy",
    "macro_f1",
    "linear_kappa",
    "kappa_linear",
    "quadratic_kappa",
    "kappa_quadratic",
    "ece",
    "tier3_accuracy",
    "three_tier_accuracy",
)
#: Descriptive keys shown in the heading of a metrics block, not as metrics.
METRIC_CONTEXT: tuple[str, ...] = ("dataset", "n", "model_file")
PACKAGES: tuple[str, ...] = ("onnxruntime", "tokenizers", "numpy", "torch", "transformers", "captum", "reportlab", "PySide6-Essentials")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("info", help="Show the active model, its metrics, the device and versions.", description=__doc__)
    parser.add_argument("--json", action="store_true", help="Print one JSON object instead of text.")
    parser.set_defaults(func=run)


def ordered_metrics(metrics: dict[str, Any]) -> list[tuple[str, Any]]:
    """Metrics with :data:`METRIC_ORDER` first (under-triage leads), then the rest by name."""
    first = [(k, metrics[k]) for k in METRIC_ORDER if k in metrics]
    rest = sorted((k, v) for k, v in metrics.items() if k not in METRIC_ORDER)
    return first + rest


def _versions() -> dict[str, str]:
    out = {"triage-app": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)  # no import: keeps torch out of memory
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def collect(ctx: Any) -> tuple[dict[str, Any], bool]:
    """Gather the info; returns (data, model_ok)."""
    from triage_app.core.paths import default_models_dir
    from triage_app.core.rules import default_rules
    from triage_app.services import TriageService

    service = TriageService.from_settings(ctx.settings, ctx.paths, open_store=False)
    model_dir = Path(ctx.settings.model_dir) if ctx.settings.model_dir else default_models_dir() / "default"
    data: dict[str, Any] = {"model_dir": str(model_dir), "device": service.device_status, "versions": _versions()}
    data["safety_rules"] = len(default_rules().flag_ids)
    if service.classifier is None:
        data["model_error"] = str(service.model_error)
        return data, False
    bundle = service.classifier.bundle  # type: ignore[attr-defined]
    manifest = bundle.manifest
    data["model"] = {
        "name": bundle.name,
        "version": bundle.version,
        "sha256": bundle.sha256,
        "base_model": manifest.get("base_model"),
        "created": manifest.get("created"),
        "max_length": bundle.max_length,
        "temperature": bundle.temperature,
        "decision": bundle.decision,
        "min_top_probability": bundle.min_top_probability,
        "onnx": str(getattr(service.classifier, "onnx_file", "")),
        "model_card": str(bundle.model_card_path or ""),
    }
    data["metrics"] = {split: dict(ordered_metrics(values)) for split, values in bundle.metrics.items() if isinstance(values, dict)}
    return data, True


def run(args: argparse.Namespace, ctx: Any) -> int:
    data, ok = collect(ctx)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0 if ok else 1
    w = sys.stdout.write
    w("Triage Assistant: decision support only; the clinician decides.\n\n")
    if ok:
        m = data["model"]
        w(f"Model      {m['name']} {m['version']}  (sha256 {m['sha256'][:12]}…, all file hashes verified)\n")
        w(f"Base       {m['base_model']}   created {m['created']}\n")
        w(f"Folder     {data['model_dir']}\n")
        w(f"Input      {m['max_length']} tokens per window (longer texts: overlapping windows, most urgent wins)\n")
        w(f"Calibration temperature {m['temperature']:.3f}; decision {m['decision']}; uncertain below top p {m['min_top_probability']}\n")
        for split, metrics in data["metrics"].items():
            context = ", ".join(
                f"{k}={int(metrics[k]) if k == 'n' and isinstance(metrics[k], int | float) else metrics[k]}"
                for k in METRIC_CONTEXT
                if k in metrics
            )
            w(f"\nMetrics ({split}{': ' + context if context else ''}):\n")
            for key, value in metrics.items():
                if isinstance(value, dict | list) or key in METRIC_CONTEXT:
                    continue
                w(f"  {key:<24} {_fmt(value)}\n")
        if m["model_card"]:
            w(f"\nModel card: {m['model_card']}\n")
    else:
        w(f"Model      NOT LOADED: {data['model_error']}\n")
    w(f"\nDevice     {data['device']}\n")
    w(f"Rules      {data['safety_rules']} red-flag rules plus vital-sign rules (resources/safety_rules.json)\n")
    w("\nVersions:\n")
    for name, version in data["versions"].items():
        w(f"  {name:<20} {version}\n")
    return 0 if ok else 1


__all__ = ["METRIC_ORDER", "collect", "ordered_metrics", "register", "run"]
