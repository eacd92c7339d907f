"""Invariants of the hand-written test set: valid records, spread over levels and styles."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from triage_app.core.intake import Intake
from triage_app.training.evaluate import HANDWRITTEN_TEST_SET, read_cases

STYLES = {"shorthand", "clinical", "lay", "narrative", "chief-complaint"}
FIELDS = {"id", "text", "level", "rationale", "age", "sex", "pregnant", "vitals", "style"}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    lines = HANDWRITTEN_TEST_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_size_and_level_spread(records: list[dict[str, Any]]) -> None:
    assert len(records) >= 300
    counts = Counter(r["level"] for r in records)
    assert set(counts) == {1, 2, 3, 4, 5}
    for level, n in counts.items():
        assert 55 <= n <= 75, f"level {level} has {n} cases"


def test_every_record_is_a_valid_intake(records: list[dict[str, Any]]) -> None:
    for r in records:
        assert set(r) <= FIELDS, r["id"]
        assert {"id", "text", "level", "rationale", "style"} <= set(r), r["id"]
        Intake.from_dict(r)  # raises InputError on any invalid field


def test_ids_sequential_and_texts_unique(records: list[dict[str, Any]]) -> None:
    assert [r["id"] for r in records] == [f"hw-{i:03d}" for i in range(1, len(records) + 1)]
    normalised = [" ".join(r["text"].lower().split()) for r in records]
    assert len(set(normalised)) == len(normalised)


def test_rationales_are_one_line_and_cite_a_criterion(records: list[dict[str, Any]]) -> None:
    for r in records:
        rationale = r["rationale"]
        assert rationale.strip() and "\n" not in rationale, r["id"]
        assert re.search(r"ESI|CTAS|[Pp]aediatric fever", rationale), r["id"]


def test_styles_and_long_narratives(records: list[dict[str, Any]]) -> None:
    styles = Counter(r["style"] for r in records)
    assert set(styles) == STYLES
    narratives = [r for r in records if r["style"] == "narrative"]
    assert len(narratives) >= 40
    for r in narratives:
        words = len(r["text"].split())
        assert 100 <= words <= 250, f"{r['id']} has {words} words"


def test_contains_real_world_writing(records: list[dict[str, Any]]) -> None:
    texts = " ".join(r["text"] for r in records)
    for marker in ("c/o", "SOB", "h/o", "LOC", "BIBA", "[NAME_1]", "[DATE_1]", "[PHONE_1]", "denies", "no "):
        assert marker in texts, marker
    assert sum("[" in r["text"] for r in records) >= 10


def test_reader_accepts_every_case() -> None:
    data = read_cases(HANDWRITTEN_TEST_SET)
    assert data.skipped == ()
    assert len(data.cases) >= 300
    assert all(case.group in STYLES for case in data.cases)


def test_no_test_case_appears_in_a_generated_corpus(records: list[dict[str, Any]]) -> None:
    """Leak guard: when a generated corpus has been built locally, none of our texts may be in it."""
    corpus_module = pytest.importorskip("triage_app.training.data_io")
    corpus = getattr(corpus_module, "BUILTIN_CORPUS", None)
    if corpus is None or not corpus.is_file():
        pytest.skip("no generated corpus built in this checkout")
    ours = {" ".join(r["text"].lower().split()) for r in records}
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text", "") if line.strip() else ""
            assert " ".join(str(text).lower().split()) not in ours
