"""``triage-app train``: fine-tune a local BERT into a calibrated ONNX triage bundle."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``train`` subcommand."""
    p = subparsers.add_parser(
        "train",
        help="Fine-tune a model bundle on labelled cases (CPU or CUDA).",
        description="Fine-tune a local Hugging Face BERT on labelled triage cases, calibrate it on validation, "
        "export ONNX + int8 and write a bundle folder. Data: 'builtin' (the generated corpus) or a CSV/JSONL "
        "with text and level (1-5), optional split, age, sex and vital signs.",
    )
    p.add_argument("--data", required=True, help="'builtin' or a CSV/JSONL file of labelled cases.")
    p.add_argument("--base", help="Local Hugging Face BERT folder (default: the bundled all-MiniLM-L6-v2).")
    p.add_argument("--out", required=True, help="Bundle folder to write, e.g. models/clinic.")
    p.add_argument("--name", help="Bundle name in the manifest (default: the folder name).")
    p.add_argument("--version", dest="bundle_version", default="1.0.0", help="Bundle version (default 1.0.0).")
    p.add_argument("--epochs", type=int, default=2, help="Maximum epochs (default 2; early stopping may end sooner).")
    p.add_argument("--seed", type=int, default=13, help="Seed; the run is deterministic given it (default 13).")
    p.add_argument("--max-length", type=int, default=256, help="Tokens per case; longer texts keep head+tail (default 256).")
    p.add_argument("--batch-size", type=int, default=32, help="Cases per step (default 32).")
    p.add_argument("--learning-rate", type=float, default=1.5e-4, help="Peak learning rate (default 1.5e-4).")
    p.add_argument("--freeze-layers", type=int, default=2, help="Lowest encoder layers frozen, plus embeddings (default 2; -1 = embeddings only; 0 = nothing).")
    p.add_argument("--max-minutes", type=float, default=24.0, help="Training-loop time budget in minutes (default 24, so train+calibrate+export fit 30 min on 2 CPU cores; 0 = none).")
    p.add_argument("--eval-every", type=int, default=0, help="Steps between validation checks (default 0 = 4 per epoch).")
    p.add_argument("--patience", type=int, default=3, help="Validation checks without improvement before stopping (default 3).")
    p.add_argument("--max-train-cases", type=int, default=0, help="Use at most this many training cases (default all).")
    p.add_argument("--test-data", help="Labelled file for reporting and int8 parity only (default: the hand-written test set).")
    p.add_argument("--no-progress", action="store_true", help="Hide progress bars.")
    p.add_argument(
        "--no-onnx", action="store_true",
        help="Skip the ONNX export: write a torch-only bundle (e.g. when training on a GPU machine); "
        "add the ONNX files later on the target with: triage-app export --model DIR.",
    )
    p.add_argument(
        "--device", dest="train_device", choices=("auto", "cpu", "cuda"), default="auto",
        help="Training device: auto (CUDA when available, else CPU), cpu or cuda.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    """Run the training pipeline and print a summary."""
    from triage_app.training.data_io import resolve_data_path
    from triage_app.training.pipeline import HANDWRITTEN_TEST, fine_tune_bundle
    from triage_app.training.train import TrainConfig, default_base_dir

    for name in ("epochs", "max_length", "batch_size"):
        if getattr(args, name) < 1:
            raise InputError(name, f"--{name.replace('_', '-')} must be at least 1.")
    if not 16 <= args.max_length <= 512:
        raise InputError("max_length", "--max-length must be between 16 and 512.")
    data_path = resolve_data_path(args.data)
    base = Path(args.base).expanduser() if args.base else default_base_dir()
    config = TrainConfig(
        base=base,
        epochs=args.epochs,
        seed=args.seed,
        max_length=args.max_length,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        device=args.train_device,
        freeze_layers=args.freeze_layers,
        max_minutes=args.max_minutes,
        max_train_cases=args.max_train_cases,
        eval_every=args.eval_every,
        patience=args.patience,
    )
    test_path = Path(args.test_data) if args.test_data else HANDWRITTEN_TEST

    def say(line: str) -> None:
        print(line, flush=True)

    print(f"base model: {base}", flush=True)
    manifest = fine_tune_bundle(
        config, data_path, Path(args.out), name=args.name, version=args.bundle_version,
        test_path=test_path, say=say, progress=not args.no_progress,
        export_onnx=not args.no_onnx,
    )
    print(f"done: {args.out} (sha256 {manifest['sha256'][:12]}…, default runtime {manifest['onnx']['default']})")
    return 0


__all__ = ["register", "run"]
