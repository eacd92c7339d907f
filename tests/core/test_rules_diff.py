"""scripts/rules_diff.py: a rule edit that takes urgency away from a level 1-2 case is refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "resources" / "safety_rules.json"
# One training file holds the agonal-breathing case; a subset keeps the test quick (the script's
# default reads all 7,750 hand-written cases, ~80 s).
CASES = ROOT / "triage_app" / "training" / "data" / "handwritten_train" / "cardioresp.jsonl"


def _load() -> object:
    spec = importlib.util.spec_from_file_location("rules_diff", ROOT / "scripts" / "rules_diff.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unchanged_table_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert _load().main(["--old", str(RULES), "--data", str(CASES)]) == 0  # type: ignore[attr-defined]
    assert "0 with a different set of rules; 0 lowered below their label" in capsys.readouterr().out


def test_narrowing_a_level_1_phrase_is_caught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = RULES.read_text(encoding="utf-8")
    assert '"not breathing", ' in text
    narrowed = tmp_path / "rules.json"
    narrowed.write_text(text.replace('"not breathing", ', '"not breathing(?! (properly|well|right))", '), encoding="utf-8")
    assert _load().main(["--old", str(RULES), "--new", str(narrowed), "--data", str(CASES)]) == 1  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "UNDER-TRIAGE RISK" in out and "label 1: rules 1 -> " in out
