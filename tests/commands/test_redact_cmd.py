"""``triage-app redact``: text or JSONL in, JSONL out in the same order, offsets into the
input, and no key asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage_app.cli import main


def _rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_redact_text_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redact", "Dr. Smith saw pt on 3/14", "chest pain x3 days"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["redacted_text"] == "Dr. [NAME_1] saw pt on [DATE_1]"
    assert rows[0]["spans"] == [{"start": 4, "end": 9, "label": "NAME"}, {"start": 20, "end": 24, "label": "DATE"}]
    assert rows[1] == {"id": 2, "redacted_text": "chest pain x3 days", "spans": []}


def test_redact_jsonl_keeps_order_and_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    texts = {"b": "wife Carol at bedside", "a": "no phi, 500 mg", "c": "call 410-555-1234"}
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["redact", "--input", str(src), "--output", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == ["b", "a", "c"]
    for row in rows:
        original = texts[str(row["id"])]
        for span in row["spans"]:  # type: ignore[union-attr]
            assert 0 <= span["start"] < span["end"] <= len(original)
    assert rows[0]["redacted_text"] == "wife [NAME_1] at bedside"
    assert original_slice(texts["c"], rows[2]["spans"][0]) == "410-555-1234"  # type: ignore[index]


def original_slice(text: str, span: dict[str, int]) -> str:
    return text[span["start"] : span["end"]]


def test_redact_bad_jsonl_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\nnot json\n', encoding="utf-8")
    assert main(["redact", "--input", str(src)]) == 1
    assert "line 2" in capsys.readouterr().err


def test_redact_needs_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redact"]) == 1
    assert "Nothing to redact" in capsys.readouterr().err


def test_redact_never_asks_for_a_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import getpass

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("redact asked for a passphrase")

    monkeypatch.setattr(getpass, "getpass", refuse)
    monkeypatch.setattr("builtins.input", refuse)
    assert main(["redact", "Dr. Smith"]) == 0
    assert "[NAME_1]" in capsys.readouterr().out


def test_redact_output_into_missing_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redact", "-o", str(tmp_path / "nope" / "out.jsonl"), "Dr Quimby"]) == 1
    err = capsys.readouterr().err
    assert "output" in err.lower() and "Traceback" not in err


def test_redact_non_utf8_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "junk.jsonl"
    src.write_bytes(b"\xff\xfe\x00\x01 not utf-8 \x80\x81\n")
    assert main(["redact", "-i", str(src)]) == 1
    assert "utf-8" in capsys.readouterr().err.lower()
