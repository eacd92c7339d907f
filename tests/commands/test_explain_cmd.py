"""``triage-app explain`` end to end on the tiny random bundle (no real model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ml.model_fixtures import build_tiny_bundle
from triage_app.cli import main


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bundle(tmp_path_factory.mktemp("explain_cmd") / "tiny")


def _run(capsys: pytest.CaptureFixture[str], bundle: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--model", str(bundle), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _check_words(row: dict, text: str) -> None:
    for w in row["words"]:
        assert row["text"][w["start"] : w["end"]] == w["word"]
        assert -1.0 <= w["score"] <= 1.0
    assert max(abs(w["score"]) for w in row["words"]) == pytest.approx(1.0)


def test_text_args_give_jsonl_with_offsets_into_the_redacted_text(capsys: pytest.CaptureFixture[str], bundle: Path) -> None:
    text = "John Smith called 555-123-4567: chest pain x2d, BP 90/60, T 38.9"
    code, out, err = _run(capsys, bundle, "explain", text, "mild cough")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2]
    first = rows[0]
    from triage_app.privacy.redactor import default_redactor

    assert first["text"] == default_redactor().redact(text).text != text  # the redacted text is explained
    assert "555-123-4567" not in first["text"]
    assert first["method"] == "fast" and first["delta"] is None
    assert first["target_level"] in range(1, 6)
    words = [w["word"] for w in first["words"]]
    assert {"chest", "pain", "x2d", "BP", "90/60", "T", "38.9"} <= set(words)
    _check_words(first, text)
    assert "555-123-4567" not in err and "John" not in err


def test_jsonl_input_with_ids_targets_and_ig(capsys: pytest.CaptureFixture[str], bundle: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "[NAME_1] has chest pain", "target_level": 2}) + "\n\n"
        + json.dumps({"text": "sore throat"}) + "\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, bundle, "explain", "--input", str(src), "--method", "ig", "--no-redact")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", 3]
    assert rows[0]["target_level"] == 2 and rows[0]["method"] == "ig"
    assert isinstance(rows[0]["delta"], float) and rows[0]["n_steps"] >= 20
    assert rows[0]["words"][0]["word"] == "[NAME_1]"
    _check_words(rows[0], rows[0]["text"])


def test_deterministic_output(capsys: pytest.CaptureFixture[str], bundle: Path) -> None:
    first = _run(capsys, bundle, "explain", "chest pain and fever for days")[1]
    second = _run(capsys, bundle, "explain", "chest pain and fever for days")[1]
    assert first == second


def test_html_and_ansi_formats(capsys: pytest.CaptureFixture[str], bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "out.html"
    code, out, _ = _run(capsys, bundle, "explain", "--format", "html", "--output", str(page), "<b>chest</b> pain")
    assert code == 0 and out == ""
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "&lt;" in html and "&gt;" in html and "<b>chest" not in html
    assert 'class="attr-' in html
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, _ = _run(capsys, bundle, "explain", "--format", "ansi", "chest pain")
    assert code == 0 and "\x1b[48;2;" in out and "# 1: level" in out


def test_bad_input_is_a_clear_error(capsys: pytest.CaptureFixture[str], bundle: Path, tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1}\n', encoding="utf-8")
    code, _, err = _run(capsys, bundle, "explain", "--input", str(src))
    assert code == 1 and 'no string "text"' in err
    code, _, err = _run(capsys, bundle, "explain")
    assert code == 1 and "Nothing to explain" in err


def test_never_asks_for_a_key(capsys: pytest.CaptureFixture[str], bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import triage_app.privacy.keys as keys

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("explain must not ask for the data key")

    monkeypatch.setattr(keys, "obtain_data_key", refuse)
    code, _, err = _run(capsys, bundle, "explain", "chest pain")
    assert code == 0, err
