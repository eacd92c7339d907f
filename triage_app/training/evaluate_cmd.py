"""``triage-app evaluate --model DIR --data FILE [--out DIR] [--with-rules]``.

Scores a model bundle on labelled cases (CSV or JSONL with ``text`` and ``level``) and
writes ``metrics.json``, ``errors.jsonl`` and PNG plots. ``--data handwritten`` uses the newest
hand-written test set shipped in ``triage_app/training/data``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from triage_app.core.paths import default_models_dir
from triage_app.training.evaluate import HANDWRITTEN_TEST_SET, format_report, run_evaluation

DEFAULT_OUT = Path("runs") / "evaluate"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "evaluate",
        help="Score a model bundle on labelled cases (metrics.json, plots, under-triaged cases).",
        description="Score a model bundle on labelled cases. Under-triage (predicted level less urgent "
        "than gold) is reported first. With --with-rules the whole system (model + safety rules) is "
        "scored as well, side by side.",
    )
    parser.add_argument(
        "--model",
        dest="eval_model",
        metavar="DIR",
        help="Model bundle folder (default: the global --model, the settings' model, or models/default).",
    )
    parser.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="CSV or JSONL with 'text' and 'level' (1-5); optional id, age, sex, pregnant, vitals, style. "
        "'handwritten' = the newest built-in hand-written test set (handwritten_test_3.jsonl); "
        "the older ones are handwritten_test_2.jsonl and handwritten_test.jsonl in the same folder.",
    )
    parser.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT), help=f"Output folder (default: {DEFAULT_OUT}).")
    parser.add_argument("--with-rules", action="store_true", help="Also score model + safety rules (the app's final level).")
    parser.set_defaults(func=run)


def _model_dir(args: argparse.Namespace, ctx: Any) -> Path:
    for candidate in (getattr(args, "eval_model", None), getattr(args, "model_dir", None), ctx.settings.model_dir):
        if candidate:
            return Path(candidate)
    return default_models_dir() / "default"


def run(args: argparse.Namespace, ctx: Any) -> int:
    if args.data == "handwritten":
        from triage_app.training.data_io import HANDWRITTEN_TEST_SETS, existing

        data = (existing(HANDWRITTEN_TEST_SETS) or [HANDWRITTEN_TEST_SET])[0]  # newest first
    else:
        data = Path(args.data)
    out = Path(args.out)
    report, paths, loaded = run_evaluation(
        _model_dir(args, ctx),
        data,
        out,
        with_rules=args.with_rules,
        device=ctx.settings.device,
        settings=ctx.settings,
    )
    for reason in loaded.skipped[:20]:
        print(f"skipped {reason}", file=sys.stderr)
    if len(loaded.skipped) > 20:
        print(f"... and {len(loaded.skipped) - 20} more skipped rows", file=sys.stderr)
    print(format_report(report, data.name))
    print("")
    for label, path in paths.items():
        print(f"wrote {label}: {path}")
    return 0


__all__ = ["register", "run"]
