"""The offline guarantee: self-test and classify pass with socket creation blocked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import requires_default_model
from tests.offline_guard import MARKER, run_offline

pytestmark = [pytest.mark.model, requires_default_model]


def test_self_test_passes_offline(tmp_path: Path) -> None:
    proc = run_offline(["main.py", "--data-dir", str(tmp_path / "data"), "--self-test"], tmp_path)
    assert MARKER not in proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RESULT: all checks passed" in proc.stdout
    for step in ("model bundle", "redaction", "prediction", "fast explanation", "encrypted store", "PDF summary"):
        assert step in proc.stdout


def test_classify_runs_offline(tmp_path: Path) -> None:
    records = [
        {"id": "a", "text": "unresponsive, not breathing, CPR in progress"},
        {"id": "b", "text": "wants a sick note for work, feels fine"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    proc = run_offline(["-m", "triage_app", "--data-dir", str(tmp_path / "data"), "classify", "--input", str(src)], tmp_path)
    assert MARKER not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["level"] == 1
    assert rows[1]["level"] >= 4
