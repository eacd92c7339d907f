"""Training mix: the generated corpus plus the hand-written training cases.

The template generator gives volume and label coverage (every complaint, every level, every
criterion); the hand-written training cases (``data/handwritten_train/*.jsonl``, written case by
case by the project team from clinical knowledge, never by a program) give the variety of real
writing the generator lacks: vignettes, referral letters, relatives on the phone, the deciding
fact buried mid-paragraph. The mix file is an ordinary labelled JSONL (``text``, ``level``,
``split``) that ``triage-app train --data`` reads, with a ``source`` column ("generated" or
"handwritten") that the model card counts.

Validation is the hand-written development set by default (``validation="dev"``): it is what
model choice and calibration use anyway, and it is written like the notes the model will meet.
The hand-written *test* set is never part of a mix.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError
from triage_app.training.data_io import HANDWRITTEN_DEV, TRAIN_SPLITS, VALIDATION_SPLITS

__all__ = [
    "HANDWRITTEN_TRAIN_DIR",
    "MIX_SOURCES",
    "MixConfig",
    "build_mix",
    "handwritten_training_files",
    "source_counts",
]

HANDWRITTEN_TRAIN_DIR = Path(__file__).resolve().parent / "data" / "handwritten_train"
VALIDATION_CHOICES = ("dev", "corpus")
#: The ``source`` values a mix file uses (neither is real patient data).
MIX_SOURCES = frozenset({"generated", "handwritten"})


@dataclass(frozen=True)
class MixConfig:
    """How to mix.

    Attributes:
        handwritten_repeat: Copies of each hand-written case per epoch (they are few and close
            to real writing, so they are up-weighted by repetition).
        corpus_cases: Generated training cases to sample, stratified by level (0 = all of them).
        validation: "dev" (the hand-written development set) or "corpus" (the generated
            validation split, held out by complaint family).
        seed: Sampling and shuffling seed (same seed, same file).
    """

    handwritten_repeat: int = 2
    corpus_cases: int = 0
    validation: str = "dev"
    seed: int = 13


def handwritten_training_files(folder: Path = HANDWRITTEN_TRAIN_DIR) -> list[Path]:
    """The hand-written training files, sorted by name."""
    return sorted(folder.glob("*.jsonl"))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("data", f"Cannot read {path.name} ({type(exc).__name__}).", "Check the file.") from exc
    return [json.loads(line) for line in lines if line.strip()]


def _row(rec: dict[str, Any], split: str, source: str, group: str) -> dict[str, Any]:
    return {"text": rec["text"], "level": int(rec["level"]), "split": split, "source": source, "group": group}


def _stratified_sample(rows: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict[str, Any]]:
    if n <= 0 or n >= len(rows):
        return list(rows)
    by_level: dict[int, list[dict[str, Any]]] = {}
    for rec in rows:
        by_level.setdefault(int(rec["level"]), []).append(rec)
    picked: list[dict[str, Any]] = []
    levels = sorted(by_level)
    for i, level in enumerate(levels):
        quota = n // len(levels) + (1 if i < n % len(levels) else 0)
        pool = by_level[level]
        picked.extend(rng.sample(pool, min(quota, len(pool))))
    return picked


def build_mix(corpus: Path, out: Path, config: MixConfig = MixConfig(), *,
              handwritten: list[Path] | None = None) -> dict[str, Any]:
    """Write the mix to ``out`` and return its counts.

    Raises:
        InputError: Missing corpus, no hand-written files, or a bad option.
    """
    if config.validation not in VALIDATION_CHOICES:
        raise InputError("validation", f"Unknown validation choice {config.validation!r}.",
                         f"Use one of: {', '.join(VALIDATION_CHOICES)}.")
    if config.handwritten_repeat < 1:
        raise InputError("repeat", "--repeat must be at least 1.", "Pass 1 or more.")
    if not corpus.is_file():
        raise InputError("corpus", f"The generated corpus was not found: {corpus}",
                         "Run: triage-app corpus build --out runs/corpus.jsonl")
    files = handwritten_training_files() if handwritten is None else handwritten
    if not files:
        raise InputError("data", "No hand-written training files were found.",
                         f"Put *.jsonl files in {HANDWRITTEN_TRAIN_DIR}.")
    rng = random.Random(config.seed)
    generated = _read_jsonl(corpus)
    gen_train = [r for r in generated if str(r.get("split", "")).lower() in TRAIN_SPLITS]
    rows = [_row(r, "train", "generated", str(r.get("family", ""))) for r in
            _stratified_sample(gen_train, config.corpus_cases, rng)]
    hand_cases = 0
    for path in files:
        recs = _read_jsonl(path)
        hand_cases += len(recs)
        for _ in range(config.handwritten_repeat):
            rows.extend(_row(r, "train", "handwritten", path.stem) for r in recs)
    rng.shuffle(rows)
    if config.validation == "dev":
        validation = [_row(r, "validation", "handwritten", "dev") for r in _read_jsonl(HANDWRITTEN_DEV)]
    else:
        validation = [_row(r, "validation", "generated", str(r.get("family", ""))) for r in generated
                      if str(r.get("split", "")).lower() in VALIDATION_SPLITS]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for rec in rows + validation:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    sources = Counter(r["source"] for r in rows)
    return {
        "train_rows": len(rows),
        "generated_train": sources["generated"],
        "handwritten_cases": hand_cases,
        "handwritten_rows": sources["handwritten"],
        "validation_rows": len(validation),
        "validation": config.validation,
        "levels": dict(sorted(Counter(r["level"] for r in rows).items())),
    }


def source_counts(path: Path) -> Counter[str]:
    """Training rows per ``source`` in a labelled JSONL file (empty for CSV or files without it)."""
    counts: Counter[str] = Counter()
    if path.suffix.lower() != ".jsonl":
        return counts
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                if isinstance(rec, dict) and rec.get("source") and str(rec.get("split", "train")) != "validation":
                    counts[str(rec["source"])] += 1
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return Counter()
    return counts
