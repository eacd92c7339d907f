"""Invariants of the hand-written training cases (``data/handwritten_train/*.jsonl``).

They are mixed into fine-tuning, so they must load through the trainer's own reader, give a
criterion for every label, stay balanced over levels, and share no near-duplicate with the
hand-written test set (that would leak into the reported number) or the development set (that
would leak into model choice and calibration).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.training.test_handwritten_dev import NEAR_DUPLICATE_JACCARD, char_ngrams, jaccard
from triage_app.core.intake import Intake
from triage_app.training.data_io import load_labelled_file
from triage_app.training.mix import handwritten_training_files
from triage_app.training.pipeline import HANDWRITTEN_DEV, HANDWRITTEN_TEST

STYLES = {"shorthand", "clinical", "lay", "lay_third_person", "narrative", "vignette", "one_line"}
FILES = handwritten_training_files()


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return [r for path in FILES for r in _read(path)]


def test_there_are_training_files() -> None:
    assert FILES, "no hand-written training files"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_file_loads_without_bad_rows_and_is_balanced(path: Path) -> None:
    loaded = load_labelled_file(path)
    assert loaded.bad_rows == ()
    per_level = Counter(c.level for c in loaded.cases)
    assert set(per_level) == {1, 2, 3, 4, 5}
    if any("pair" in r for r in _read(path)):  # minimal pairs: one pair per boundary quarter
        assert max(per_level.values()) <= 2.5 * min(per_level.values())
    else:
        assert max(per_level.values()) - min(per_level.values()) <= 0.1 * len(loaded.cases)


def test_minimal_pairs_straddle_one_boundary(records: list[dict[str, Any]]) -> None:
    """A pair is two notes on the same situation that differ in the detail that moves the level by one."""
    pairs: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if "pair" in r:
            pairs.setdefault(r["pair"], []).append(r)
    for name, members in pairs.items():
        assert len(members) == 2, name
        assert abs(members[0]["level"] - members[1]["level"]) == 1, name


def test_records_are_valid_intakes_with_a_rationale_and_style(records: list[dict[str, Any]]) -> None:
    for r in records:
        Intake.from_dict({k: v for k, v in r.items() if k in ("text", "age", "sex", "pregnant", "vitals")})
        assert r["style"] in STYLES, r["id"]
        assert isinstance(r["rationale"], str) and r["rationale"].strip() and "\n" not in r["rationale"], r["id"]
        if r.get("pregnant"):
            assert r.get("sex") == "female", r["id"]


def test_ids_and_texts_are_unique(records: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    texts = [" ".join(r["text"].lower().split()) for r in records]
    assert len(set(texts)) == len(texts)


def test_every_level_is_written_in_several_styles(records: list[dict[str, Any]]) -> None:
    styles: dict[int, set[str]] = {}
    for r in records:
        styles.setdefault(r["level"], set()).add(r["style"])
    assert all(len(s) >= 5 for s in styles.values()), styles


def test_no_near_duplicate_of_the_test_or_dev_set(records: list[dict[str, Any]]) -> None:
    held_out = [(p.name, char_ngrams(r["text"])) for p in (HANDWRITTEN_TEST, HANDWRITTEN_DEV) for r in _read(p)]
    offenders = []
    for r in records:
        grams = char_ngrams(r["text"])
        for name, other in held_out:
            if jaccard(grams, other) >= NEAR_DUPLICATE_JACCARD:
                offenders.append(f"{r['id']} ~ {name}")
                break
    assert offenders == []
