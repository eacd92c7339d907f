"""Invariants of session 4's second development set and its two fresh test sets.

Both were written by new writers under the same independence rules as the first sets. They must
load through the trainer's reader, stay balanced, give a criterion for every label, and share no
near-duplicate with any other hand-written file: a test case close to a training or dev case
would flatter the reported number, a dev case close to a test case would leak into model choice.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.training.test_handwritten_dev import NEAR_DUPLICATE_JACCARD, char_ngrams, jaccard
from triage_app.core.intake import Intake
from triage_app.training.data_io import (
    HANDWRITTEN_DEV,
    HANDWRITTEN_DEV_2,
    HANDWRITTEN_TEST,
    HANDWRITTEN_TEST_2,
    HANDWRITTEN_TEST_3,
    load_labelled_file,
)
from triage_app.training.mix import handwritten_training_files

STYLES = {"shorthand", "clinical", "lay", "lay_third_person", "narrative", "vignette", "one_line"}
SETS = {HANDWRITTEN_DEV_2: 90, HANDWRITTEN_TEST_2: 72, HANDWRITTEN_TEST_3: 72}
PRESENT = [p for p in SETS if p.is_file()]


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_both_second_sets_are_present() -> None:
    assert PRESENT == list(SETS)


@pytest.mark.parametrize("path", PRESENT, ids=[p.stem for p in PRESENT])
def test_loads_balanced_and_well_formed(path: Path) -> None:
    loaded = load_labelled_file(path)
    assert loaded.bad_rows == ()
    per_level = Counter(c.level for c in loaded.cases)
    assert set(per_level) == {1, 2, 3, 4, 5} and sum(per_level.values()) == 5 * SETS[path]
    assert all(abs(n - SETS[path]) <= 2 for n in per_level.values()), per_level  # adjudication moved a label
    records = _read(path)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    for r in records:
        Intake.from_dict({k: v for k, v in r.items() if k in ("text", "age", "sex", "pregnant", "vitals")})
        assert r["style"] in STYLES, r["id"]
        assert isinstance(r["rationale"], str) and r["rationale"].strip() and "\n" not in r["rationale"], r["id"]
        if r["style"] == "narrative":
            assert 90 <= len(r["text"].split()) <= 260, r["id"]
    styles_per_level = {lv: {r["style"] for r in records if r["level"] == lv} for lv in range(1, 6)}
    assert all(len(s) >= 4 and "vignette" in s for s in styles_per_level.values()), styles_per_level


@pytest.mark.parametrize("path", PRESENT, ids=[p.stem for p in PRESENT])
def test_no_near_duplicate_of_any_other_handwritten_case(path: Path) -> None:
    others = [HANDWRITTEN_TEST, HANDWRITTEN_DEV, *handwritten_training_files(), *PRESENT]
    other_grams = [char_ngrams(r["text"]) for p in others if p != path and p.is_file() for r in _read(p)]
    offenders = []
    for r in _read(path):
        grams = char_ngrams(r["text"])
        for other in other_grams:
            small, large = sorted((len(grams), len(other)))
            if small < NEAR_DUPLICATE_JACCARD * large:  # the Jaccard index cannot reach the bar
                continue
            if jaccard(grams, other) >= NEAR_DUPLICATE_JACCARD:
                offenders.append(r["id"])
                break
    assert offenders == []
