"""``triage-app corpus build|mix``: write the generated corpus, or mix it with the hand-written cases.

``corpus build --out FILE [--seed N] [--size N]`` writes the generated corpus.
``corpus mix --corpus FILE --out FILE [--repeat N] [--corpus-cases N] [--validation dev|corpus]``
writes the training mix (``triage_app.training.mix``).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError

__all__ = ["register", "run", "run_mix"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``corpus`` command with its ``build`` action."""
    from triage_app.training.corpus.generator import DEFAULT_SIZE

    parser = subparsers.add_parser("corpus", help="Build the generated, labelled training corpus (JSONL).")
    actions = parser.add_subparsers(dest="corpus_action", required=True)
    build = actions.add_parser("build", help="Write the corpus to a JSONL file.")
    build.add_argument("--out", required=True, type=Path, help="Output JSONL file.")
    build.add_argument("--seed", type=int, default=13, help="Random seed (same seed, same file).")
    build.add_argument("--size", type=int, default=DEFAULT_SIZE, help=f"Number of records (default {DEFAULT_SIZE}).")
    build.set_defaults(func=run)
    mix = actions.add_parser("mix", help="Mix the generated corpus with the hand-written training cases.")
    mix.add_argument("--corpus", required=True, type=Path, help="Generated corpus JSONL (from corpus build).")
    mix.add_argument("--out", required=True, type=Path, help="Output JSONL file for triage-app train --data.")
    mix.add_argument("--repeat", type=int, default=2, help="Copies of each hand-written case (default 2).")
    mix.add_argument("--corpus-cases", type=int, default=0,
                     help="Generated training cases to sample, stratified by level (default 0 = all).")
    mix.add_argument("--validation", choices=("dev", "corpus"), default="dev",
                     help="Validation split: the hand-written dev set (default) or the corpus's own.")
    mix.add_argument("--seed", type=int, default=13, help="Sampling seed (same seed, same file).")
    mix.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                     help="Leave out hand-written parts whose file name matches (repeatable), e.g. 'pairs_*'.")
    mix.set_defaults(func=run_mix)


def run(args: argparse.Namespace, ctx: Any) -> int:
    """Build the corpus and print a short summary."""
    from triage_app.training.corpus.generator import CorpusConfig, write_jsonl

    if args.size < 1:
        raise InputError("size", "--size must be at least 1.", "Pass a positive number, e.g. --size 24000.")
    start = time.perf_counter()
    n = write_jsonl(args.out, CorpusConfig(size=args.size, seed=args.seed))
    elapsed = time.perf_counter() - start
    levels: Counter[int] = Counter()
    splits: Counter[str] = Counter()
    import json

    with args.out.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            levels[rec["level"]] += 1
            splits[rec["split"]] += 1
    print(f"Wrote {n} records to {args.out} in {elapsed:.1f} s (seed {args.seed}).")
    print("Per level: " + ", ".join(f"{lvl}: {levels[lvl]}" for lvl in sorted(levels)))
    print("Splits: " + ", ".join(f"{k}: {v}" for k, v in sorted(splits.items())))
    log.info("corpus built: %d records in %.1f s", n, elapsed)
    return 0


def run_mix(args: argparse.Namespace, ctx: Any) -> int:
    """Write the training mix and print its counts."""
    from fnmatch import fnmatch

    from triage_app.training.mix import MixConfig, build_mix, handwritten_training_files

    config = MixConfig(handwritten_repeat=args.repeat, corpus_cases=args.corpus_cases,
                       validation=args.validation, seed=args.seed)
    parts = [p for p in handwritten_training_files() if not any(fnmatch(p.name, g) for g in args.exclude)]
    counts = build_mix(args.corpus, args.out, config, handwritten=parts)
    print(f"Hand-written parts: {len(parts)}" + (f" (excluded: {', '.join(args.exclude)})" if args.exclude else ""))
    print(f"Wrote {counts['train_rows']} training rows ({counts['generated_train']} generated, "
          f"{counts['handwritten_cases']} hand-written cases x {args.repeat}) and "
          f"{counts['validation_rows']} validation rows ({counts['validation']}) to {args.out}.")
    print("Training rows per level: " + ", ".join(f"{k}: {v}" for k, v in counts["levels"].items()))
    return 0
