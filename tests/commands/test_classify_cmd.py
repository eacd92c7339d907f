"""``triage-app classify`` and ``info``: input forms, per-record errors, exit codes, output shape."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeClassifier, IdentityRedactor
from triage_app.cli import main
from triage_app.core.errors import ModelError
from triage_app.core.rules import default_rules
from triage_app.core.settings import Settings
from triage_app.services import TriageService

KEYS = {"id", "level", "level_name", "probabilities", "model_level", "escalations", "uncertain", "model", "device"}


@pytest.fixture
def fake_service(monkeypatch: pytest.MonkeyPatch) -> FakeClassifier:
    clf = FakeClassifier(probabilities=(0.01, 0.04, 0.15, 0.7, 0.1))

    def from_settings(settings: Settings, paths: Any, **kwargs: Any) -> TriageService:
        assert not kwargs.get("open_store")  # classify never opens the store, so never asks for a key
        return TriageService(settings=settings, classifier=clf, redactor=IdentityRedactor(), rules=default_rules())

    monkeypatch.setattr(TriageService, "from_settings", classmethod(lambda cls, s, p, **k: from_settings(s, p, **k)))
    return clf


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_text_arguments(fake_service: FakeClassifier, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["classify", "sprained ankle", "crushing chest pain with sweating"])
    records = lines(capsys.readouterr().out)
    assert code == 0 and len(records) == 2
    for rec in records:
        assert KEYS <= set(rec)
        assert set(rec["probabilities"]) == {"1", "2", "3", "4", "5"}
        assert rec["model"]["name"] == "fake-model" and rec["device"] == "CPU (fake classifier)"
    assert [r["id"] for r in records] == ["1", "2"]
    assert records[0]["level"] == 4 and records[0]["escalations"] == []
    assert records[1]["level"] == 2 and records[1]["model_level"] == 4
    assert records[1]["escalations"][0].keys() == {"rule", "reason", "min_level"}
    assert records[0]["level_name"] == "Less urgent"


def test_jsonl_file_with_bad_records_keeps_going(fake_service: FakeClassifier, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": "fell from roof", "age": 40, "vitals": {"hr": 130, "spo2": 95}}),
                "this is { not json",
                json.dumps({"id": "c", "text": "cough", "vitals": {"hr": 999}}),
                json.dumps({"id": "d", "text": ""}),
                json.dumps({"id": "e", "text": "x" * 100_000}),
                json.dumps({"id": "f"}),
                json.dumps({"id": "g", "text": "rash", "vitals": {"bogus": 1}}),
                json.dumps({"id": "h", "text": "sore throat", "sex": "female", "age": 30}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    code = main(["classify", "--input", str(src)])
    captured = capsys.readouterr()
    records = lines(captured.out)
    assert code == 0
    assert [r["id"] for r in records] == ["a", "2", "c", "d", "e", "f", "g", "h"]
    ok = {r["id"] for r in records if "level" in r}
    assert ok == {"a", "h"}
    errors = {r["id"]: r["error"] for r in records if "error" in r}
    assert errors["c"]["field"] == "hr" and "20–300" in errors["c"]["message"]
    assert errors["d"]["field"] == "text"
    assert "100,000" in errors["e"]["message"]
    assert errors["2"]["type"] == "InputError"
    assert records[0]["level"] == 2 and {e["rule"] for e in records[0]["escalations"]} >= {"flag.fall_from_height", "vitals.hr_high"}
    assert "6 failed" in captured.err
    assert "x" * 50 not in captured.out  # complaint text is never echoed


def test_csv_file(fake_service: FakeClassifier, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text('id,text,age,sex,hr,spo2,vitals\np1,short of breath,70,male,,89,\np2,headache,30,,,,"{""temp_c"": 34.5}"\n', encoding="utf-8")
    assert main(["classify", "-i", str(src), "--no-progress"]) == 0
    records = lines(capsys.readouterr().out)
    assert [r["id"] for r in records] == ["p1", "p2"]
    assert records[0]["level"] == 1  # SpO2 89 -> level 1
    assert any(e["rule"] == "vitals.hypothermia" for e in records[1]["escalations"])


def test_stdin(fake_service: FakeClassifier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = 'cough for three days\n{"id": "j1", "text": "not breathing"}\n\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8")), encoding="utf-8"))
    assert main(["classify", "-"]) == 0
    records = lines(capsys.readouterr().out)
    assert [r["id"] for r in records] == ["1", "j1"]
    assert records[1]["level"] == 1


def test_output_file(fake_service: FakeClassifier, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["classify", "cough", "-o", str(out)]) == 0
    assert lines(out.read_text(encoding="utf-8"))[0]["level"] == 4


def test_nothing_processed_exits_nonzero(fake_service: FakeClassifier, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "", "12345"]) == 1
    records = lines(capsys.readouterr().out)
    assert all("error" in r for r in records) and len(records) == 2


def test_no_input_is_an_error(fake_service: FakeClassifier, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify"]) == 1
    assert "Nothing to classify" in capsys.readouterr().err


def test_model_that_cannot_load_exits_nonzero(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model", str(tmp_path / "nope"), "classify", "cough"]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Fix:" in err


def test_info_without_model_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model", str(tmp_path / "nope"), "info"]) == 1
    out = capsys.readouterr().out
    assert "NOT LOADED" in out and "onnxruntime" in out


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.ml.model_fixtures import build_tiny_bundle

    return build_tiny_bundle(tmp_path_factory.mktemp("cli") / "tiny")


def test_classify_and_info_on_tiny_bundle(tiny_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model", str(tiny_bundle), "--device", "cuda", "classify", "chest pain"]) == 0
    captured = capsys.readouterr()
    rec = lines(captured.out)[0]
    assert rec["model"]["name"] == "tiny-test" and len(rec["model"]["sha256"]) == 64
    assert rec["device"].startswith("CUDA requested but")  # no GPU here: said out loud
    assert main(["--model", str(tiny_bundle), "info"]) == 0
    out = capsys.readouterr().out
    assert out.index("under_triage_rate") < out.index("accuracy")  # under-triage first
    assert "tiny-test" in out and "Device" in out
    assert main(["--model", str(tiny_bundle), "info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["metrics"]["test"])[0] == "under_triage_rate"


def test_model_error_type_is_reported(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(cls: Any, settings: Settings, paths: Any, **kwargs: Any) -> TriageService:
        return TriageService(settings=settings, classifier=None, redactor=IdentityRedactor(), rules=default_rules(), model_error=ModelError("bad hash in model.onnx"))

    monkeypatch.setattr(TriageService, "from_settings", classmethod(broken))
    assert main(["classify", "cough"]) == 1
    assert "bad hash in model.onnx" in capsys.readouterr().err


def test_complaint_text_never_reaches_the_log(fake_service: FakeClassifier, isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = "Zebedee Quux crushing chest pain"
    assert main(["-v", "classify", secret, "", "dolor de pecho desde hace dos horas"]) == 0
    capsys.readouterr()
    logs = "".join(p.read_text(encoding="utf-8") for p in (isolated_data_dir / "logs").glob("*.log*"))
    assert "triage done" in logs  # the run was logged...
    assert "Zebedee" not in logs and "chest pain" not in logs and "dolor" not in logs  # ...without text


@pytest.mark.parametrize("command", ["classify", "explain", "redact"])
def test_a_file_path_given_as_text_is_refused_with_the_fix(
    command: str, fake_service: FakeClassifier, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`triage-app classify cases.jsonl` would otherwise suggest a level for the words of a file name."""
    src = tmp_path / "cases.jsonl"
    src.write_text('{"text": "chest pain"}\n', encoding="utf-8")
    assert main([command, str(src)]) == 1
    err = capsys.readouterr().err
    assert "is a file, not a complaint text" in err and f"-i {src}" in err
    # a one-word complaint that is no file is still classified as text
    assert main(["classify", "headache"]) == 0
