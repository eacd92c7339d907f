"""Invariants of the hand-written development set (threshold and model selection only).

The dev set must load through the trainer's own reader, stay balanced over levels and
styles, give a criterion for every label, and share no near-duplicate with the hand-written
test set (otherwise tuning on it would leak into the reported number).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from triage_app.core.intake import Intake
from triage_app.training.data_io import load_labelled_file

DATA_DIR = Path(__file__).resolve().parents[2] / "triage_app" / "training" / "data"
DEV_SET = DATA_DIR / "handwritten_dev.jsonl"
TEST_SET = DATA_DIR / "handwritten_test.jsonl"

STYLES = {"shorthand", "clinical", "lay", "lay_third_person", "narrative", "one_line"}
FIELDS = {"id", "text", "level", "rationale", "age", "sex", "pregnant", "vitals", "style"}
PER_LEVEL = 50
NEAR_DUPLICATE_JACCARD = 0.5
PLACEHOLDER = re.compile(r"\[(NAME|DATE|PHONE|LOCATION|ID|ADDRESS|EMAIL)(_\d+)?\]")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def char_ngrams(text: str, n: int = 5) -> frozenset[str]:
    """Character n-grams of the normalised text (the whole text when shorter than n)."""
    norm = _normalise(text)
    if len(norm) <= n:
        return frozenset({norm})
    return frozenset(norm[i : i + n] for i in range(len(norm) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _read(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return _read(DEV_SET)


def test_helpers_detect_near_duplicates() -> None:
    a = char_ngrams("c/o chest pain x2d, SOB on exertion")
    assert jaccard(a, char_ngrams("C/O chest pain x2d - SOB on exertion!")) == 1.0
    assert jaccard(a, char_ngrams("c/o chest pain x3d, SOB on exertion")) >= NEAR_DUPLICATE_JACCARD
    assert jaccard(a, char_ngrams("sore throat, swallowing fine")) < 0.1


def test_loads_through_the_trainers_reader_without_bad_rows() -> None:
    loaded = load_labelled_file(DEV_SET)
    assert loaded.bad_rows == ()
    assert len(loaded.cases) == 5 * PER_LEVEL
    assert Counter(c.level for c in loaded.cases) == {level: PER_LEVEL for level in range(1, 6)}


def test_every_record_is_a_valid_intake(records: list[dict[str, Any]]) -> None:
    for r in records:
        assert set(r) <= FIELDS, r["id"]
        assert {"id", "text", "level", "rationale", "style", "age", "sex"} <= set(r), r["id"]
        intake = Intake.from_dict(r)  # raises InputError on an invalid field
        assert intake.sex in {"male", "female", "unknown"}, r["id"]
        if r.get("pregnant"):
            assert r["sex"] == "female", r["id"]


def test_ids_sequential_and_texts_unique(records: list[dict[str, Any]]) -> None:
    assert [r["id"] for r in records] == [f"dev-{i:03d}" for i in range(1, len(records) + 1)]
    normalised = [_normalise(r["text"]) for r in records]
    assert len(set(normalised)) == len(normalised)


def test_rationale_on_one_line_names_a_criterion(records: list[dict[str, Any]]) -> None:
    for r in records:
        rationale = r["rationale"]
        assert isinstance(rationale, str) and rationale.strip(), r["id"]
        assert "\n" not in rationale, r["id"]
        assert re.search(r"\bESI\b|\bCTAS\b", rationale), r["id"]


def test_rationale_decision_point_agrees_with_level(records: list[dict[str, Any]]) -> None:
    """ESI A means level 1; a resource count (ESI C) only sets levels 3-5."""
    for r in records:
        rationale = r["rationale"]
        if rationale.startswith("ESI A"):
            assert r["level"] == 1, r["id"]
        if r["level"] == 1:
            assert rationale.startswith("ESI A"), r["id"]
        if rationale.startswith("ESI C"):
            assert r["level"] in (3, 4, 5), r["id"]
        if r["level"] == 5:
            assert "no resources" in rationale, r["id"]
        if r["level"] == 4:
            assert "one resource" in rationale, r["id"]


def test_at_least_five_styles_per_level(records: list[dict[str, Any]]) -> None:
    by_level: dict[int, set[str]] = defaultdict(set)
    for r in records:
        assert r["style"] in STYLES, r["id"]
        by_level[r["level"]].add(r["style"])
    assert set(by_level) == {1, 2, 3, 4, 5}
    for level, styles in by_level.items():
        assert len(styles) >= 5, f"level {level} has styles {sorted(styles)}"


def test_narratives_are_long_and_one_liners_short(records: list[dict[str, Any]]) -> None:
    for r in records:
        words = len(r["text"].split())
        if r["style"] == "narrative":
            assert 100 <= words <= 250, f"{r['id']} has {words} words"
        if r["style"] == "one_line":
            assert words <= 15, f"{r['id']} has {words} words"
    assert sum(r["style"] == "narrative" for r in records) >= 10


def test_some_cases_carry_redaction_placeholders(records: list[dict[str, Any]]) -> None:
    with_placeholder = [r for r in records if PLACEHOLDER.search(r["text"])]
    assert 0.10 <= len(with_placeholder) / len(records) <= 0.25
    assert {r["level"] for r in with_placeholder} == {1, 2, 3, 4, 5}


def test_no_near_duplicate_of_any_test_case(records: list[dict[str, Any]]) -> None:
    if not TEST_SET.is_file():
        pytest.skip("hand-written test set not present")
    test_records = _read(TEST_SET)
    test_texts = {_normalise(r["text"]) for r in test_records}
    test_grams = [char_ngrams(r["text"]) for r in test_records]
    offenders = []
    for r in records:
        assert _normalise(r["text"]) not in test_texts, r["id"]
        grams = char_ngrams(r["text"])
        best = max(jaccard(grams, other) for other in test_grams)
        if best >= NEAR_DUPLICATE_JACCARD:
            offenders.append((r["id"], round(best, 3)))
    assert offenders == []
