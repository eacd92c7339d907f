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
    p.add_argument("--test-data", dest="export_test", metavar="FILE", action="append",
                   help="Labelled file to report test metrics on; repeat for several (the first is the headline set "
                   "and runs the int8 parity check). Default: the hand-written test sets, the fresh one first.")
    p.add_argument("--tune-data", dest="export_tune", metavar="FILE", action="append",
                   help="Before exporting, re-fit temperature, decision rule and uncertainty cut on this labelled "
                   "file; repeat to pool several ('dev' = every hand-written development set). Never a test set.")
    p.add_argument("--objective", dest="export_objective", choices=("system", "model"), default="system",
                   help="With --tune-data: meet the under-triage target for model + safety rules (default, what the "
                   "clinician sees) or for the model alone.")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    """Re-export the bundle and print where the default runtime now points."""
    from triage_app.training.data_io import HANDWRITTEN_DEV_SETS, HANDWRITTEN_TEST_SETS, existing
    from triage_app.training.pipeline import reexport_bundle

    bundle = Path(args.export_model).expanduser()
    if not (bundle / "manifest.json").is_file():
        raise InputError("model", f"{bundle} is not a model bundle (no manifest.json).", "Pass --model a bundle folder.")
    tests = [Path(t).expanduser() for t in args.export_test] if args.export_test else existing(HANDWRITTEN_TEST_SETS)
    for path in tests:
        if not path.is_file():
            raise InputError("test_data", f"Test file not found: {path}", "Check --test-data.")
    if args.export_tune:
        from triage_app.training.recalibrate import recalibrate_bundle

        tune: list[Path] = []
        for item in args.export_tune:
            paths = existing(HANDWRITTEN_DEV_SETS) if item == "dev" else [Path(item).expanduser()]
            if not paths:
                raise InputError("tune_data", "No hand-written development set in this installation.",
                                 "Pass your own labelled file to --tune-data.")
            tune += [p for p in paths if p.resolve() not in {t.resolve() for t in tune}]  # each file once
        protected = {p.resolve() for p in HANDWRITTEN_TEST_SETS} | {p.resolve() for p in tests}
        for path in tune:
            if path.resolve() in protected:
                raise InputError("tune_data", f"{path.name} is a test set: it gives the honest number; never tune on it.",
                                 "Use --tune-data dev (the development sets) or your own labelled file.")
            if not path.is_file():
                raise InputError("tune_data", f"Tuning file not found: {path}", "Check --tune-data.")
        recalibrate_bundle(bundle, tune, objective=args.export_objective, say=lambda line: print(line, flush=True))
    manifest = reexport_bundle(bundle, test_path=tests[0] if tests else None, more_tests=tests[1:],
                               say=lambda line: print(line, flush=True))
    print(f"done: {bundle} (default runtime {manifest['onnx']['default'] or 'torch'})")
    return 0


__all__ = ["register", "run"]
