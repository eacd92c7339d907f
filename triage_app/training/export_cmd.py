"""``triage-app export --model DIR``: (re)build a bundle's ONNX files from its safetensors.

For bundles trained with ``--no-onnx`` (e.g. on a GPU machine) and for bundles whose export
recipe has improved since. The torch weights, calibration and validation metrics stay; the
ONNX files, the int8 parity check on the hand-written test set, the test metrics and every
hash are redone. The folder is replaced only when everything succeeded.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "export",
        help="Build or rebuild a model bundle's ONNX files (fp32 → int8 with the parity gate).",
        description="Export a bundle's torch weights to ONNX, quantize to int8 and keep int8 as the "
        "default only if it agrees with torch on >= 99%% of the hand-written test set.",
    )
    p.add_argument("--model", dest="export_model", required=True, metavar="DIR", help="Bundle folder to export.")
    p.add_argument("--test-data", dest="export_test", metavar="FILE",
                   help="Labelled file for the parity check (default: the hand-written test set).")
    p.add_argument("--tune-data", dest="export_tune", metavar="FILE",
                   help="Before exporting, re-fit temperature, decision rule and uncertainty cut on this labelled "
                   "file ('dev' = the hand-written development set). Never pass the test set.")
    p.add_argument("--objective", dest="export_objective", choices=("system", "model"), default="system",
                   help="With --tune-data: meet the under-triage target for model + safety rules (default, what the "
                   "clinician sees) or for the model alone.")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    """Re-export the bundle and print where the default runtime now points."""
    from triage_app.training.pipeline import HANDWRITTEN_DEV, HANDWRITTEN_TEST, reexport_bundle

    bundle = Path(args.export_model).expanduser()
    if not (bundle / "manifest.json").is_file():
        raise InputError("model", f"{bundle} is not a model bundle (no manifest.json).", "Pass --model a bundle folder.")
    test_path = Path(args.export_test).expanduser() if args.export_test else HANDWRITTEN_TEST
    if args.export_tune:
        from triage_app.training.recalibrate import recalibrate_bundle

        tune = HANDWRITTEN_DEV if args.export_tune == "dev" else Path(args.export_tune).expanduser()
        if tune.resolve() == HANDWRITTEN_TEST.resolve():
            raise InputError("tune_data", "The hand-written test set gives the honest number; never tune on it.",
                             "Use --tune-data dev (the development set) or your own labelled file.")
        if not tune.is_file():
            raise InputError("tune_data", f"Tuning file not found: {tune}", "Check --tune-data.")
        recalibrate_bundle(bundle, tune, objective=args.export_objective, say=lambda line: print(line, flush=True))
    manifest = reexport_bundle(bundle, test_path=test_path, say=lambda line: print(line, flush=True))
    print(f"done: {bundle} (default runtime {manifest['onnx']['default'] or 'torch'})")
    return 0


__all__ = ["register", "run"]
