"""CLI: ``triage-app report`` from a classify record (no key needed) and from the encrypted store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from tests.conftest import DEFAULT_MODEL_DIR, requires_default_model
from tests.fakes import NoKeyring, sample_case_record
from tests.reporting.conftest import pdf_text, squash
from triage_app import cli
from triage_app.commands.report_cmd import record_from_dict
from triage_app.core.errors import InputError
from triage_app.core.paths import AppPaths, resolve_paths
from triage_app.privacy import crypto, keys
from triage_app.privacy.audit import AuditLog
from triage_app.reporting.pdf import DISCLAIMER, IDENTIFIERS_MARK

pytest.importorskip("pypdf")

PASS = "report test passphrase"
NAME = "Maria Gonzalez"
PHONE = "555-123-4567"


def classify_record(**overrides: Any) -> dict[str, Any]:
    """The shape `triage-app classify` writes, plus the optional intake fields."""
    record: dict[str, Any] = {
        "id": "rec-1",
        "level": 2,
        "level_name": "Emergent",
        "probabilities": {"1": 0.08, "2": 0.61, "3": 0.22, "4": 0.06, "5": 0.03},
        "model_level": 2,
        "escalations": [{"rule": "vitals.spo2_low", "reason": "SpO2 89% is below 92%.", "min_level": 2}],
        "uncertain": False,
        "uncertainty_reasons": [],
        "warnings": [],
        "model": {"name": "cli-model", "version": "9.8.7", "sha256": "feedface" * 8},
        "device": "CPU (onnxruntime)",
        "text": f"{NAME} called about crushing chest pain since an hour, call back on {PHONE}",
        "age": 58,
        "sex": "female",
        "vitals": {"spo2": 89, "hr": 96},
    }
    record.update(overrides)
    return record


@pytest.fixture(autouse=True)
def headless(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**10)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def paths(isolated_data_dir: Path) -> AppPaths:
    return resolve_paths(isolated_data_dir).ensure()


def write_jsonl(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def audit_actions(paths: AppPaths) -> list[tuple[str, str | None]]:
    return [(e["action"], e["case_id"]) for e in AuditLog(paths.audit_path).entries()]


def test_from_classify_record_redacts_and_audits(tmp_path: Path, paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "out.jsonl", classify_record())
    out = tmp_path / "summary.pdf"
    code, stdout, _ = run(["report", "--from", str(src), "--out", str(out)], capsys)
    assert code == 0, stdout
    assert str(out) in stdout
    text = squash(" ".join(pdf_text(out)))
    assert "Level 2 · Emergent" in text
    assert "SpO2 89% is below 92%." in text
    assert "cli-model v9.8.7" in text and "feedfacefeed" in text
    assert DISCLAIMER in text
    assert "crushing chest pain" in text
    # The record's raw text went through the app's redactor before reaching the PDF.
    assert "Gonzalez" not in text and PHONE not in text
    assert "[NAME_1]" in text and "[PHONE_1]" in text
    assert "Identifiers removed before analysis: name ×1, phone ×1." in text
    assert "⚠ 89" in text
    assert audit_actions(paths) == [("exported", "rec-1")]
    assert not paths.store_path.exists()  # --from never opens the store


def test_include_identifiers_prints_original_and_audits(tmp_path: Path, paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "out.jsonl", classify_record())
    out = tmp_path / "phi.pdf"
    code, stdout, _ = run(["report", "--from", str(src), "--out", str(out), "--include-identifiers"], capsys)
    assert code == 0
    assert IDENTIFIERS_MARK in stdout
    text = squash(" ".join(pdf_text(out)))
    assert NAME in text and PHONE in text and IDENTIFIERS_MARK in text
    assert audit_actions(paths) == [("exported_with_identifiers", "rec-1")]


def test_include_identifiers_without_original_text_fails(tmp_path: Path, paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    record = classify_record()
    del record["text"]
    src = write_jsonl(tmp_path / "out.jsonl", record)
    out = tmp_path / "x.pdf"
    code, _, err = run(["report", "--from", str(src), "--out", str(out), "--include-identifiers"], capsys)
    assert code == 1 and "original complaint" in err
    assert not out.exists()
    assert audit_actions(paths) == []


def test_original_text_file_for_identifiers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = classify_record()
    del record["text"]
    src = write_jsonl(tmp_path / "out.jsonl", record)
    original = tmp_path / "original.txt"
    original.write_text("Ólafur Þórðarson, chest pain", encoding="utf-8")
    out = tmp_path / "x.pdf"
    code, _, _ = run(
        ["report", "--from", str(src), "--out", str(out), "--include-identifiers", "--original-text-file", str(original)], capsys
    )
    assert code == 0
    assert "Ólafur Þórðarson" in squash(" ".join(pdf_text(out)))


def test_multi_record_file_needs_record_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "out.jsonl", classify_record(), classify_record(id="rec-2", level=4, model_level=4, escalations=[]))
    out = tmp_path / "x.pdf"
    code, _, err = run(["report", "--from", str(src), "--out", str(out)], capsys)
    assert code == 1 and "--record" in err
    code, _, _ = run(["report", "--from", str(src), "--out", str(out), "--record", "rec-2"], capsys)
    assert code == 0
    assert "Level 4 · Less urgent" in squash(" ".join(pdf_text(out)))
    code, _, err = run(["report", "--from", str(src), "--out", str(out), "--record", "nope"], capsys)
    assert code == 1 and "No record" in err


def test_error_record_and_garbage_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "err.jsonl", {"id": "3", "error": {"type": "InputError", "message": "bad"}})
    code, _, err = run(["report", "--from", str(src), "--out", str(tmp_path / "x.pdf")], capsys)
    assert code == 1 and "error" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    code, _, err = run(["report", "--from", str(bad), "--out", str(tmp_path / "x.pdf")], capsys)
    assert code == 1 and "Line 2" in err
    code, _, err = run(["report", "--from", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 1 and "does not exist" in err


def test_override_from_cli_needs_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "out.jsonl", classify_record())
    out = tmp_path / "x.pdf"
    code, _, err = run(["report", "--from", str(src), "--out", str(out), "--final-level", "3"], capsys)
    assert code == 1 and "--override-reason" in err
    code, _, _ = run(
        ["report", "--from", str(src), "--out", str(out), "--final-level", "3", "--override-reason", "SpO2 recovered to 95% on recheck"],
        capsys,
    )
    assert code == 0
    text = squash(" ".join(pdf_text(out)))
    assert "OVERRIDDEN" in text and "SpO2 recovered to 95% on recheck" in text


def test_password_from_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PasswordType, PdfReader

    monkeypatch.setenv("TRIAGE_APP_PDF_PASSWORD", "pdf secret 1")
    src = write_jsonl(tmp_path / "out.jsonl", classify_record())
    out = tmp_path / "locked.pdf"
    code, stdout, _ = run(["report", "--from", str(src), "--out", str(out), "--password"], capsys)
    assert code == 0 and "AES-256" in stdout
    reader = PdfReader(out)
    assert reader.is_encrypted
    assert reader.decrypt("guess") == PasswordType.NOT_DECRYPTED
    assert "Level 2 · Emergent" in squash(" ".join(pdf_text(out, password="pdf secret 1")))


def test_password_flag_without_terminal_or_env_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "out.jsonl", classify_record())
    code, _, err = run(["report", "--from", str(src), "--out", str(tmp_path / "x.pdf"), "--password"], capsys)
    assert code == 1 and "TRIAGE_APP_PDF_PASSWORD" in err


def test_case_from_encrypted_store(tmp_path: Path, paths: AppPaths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASS)
    store = keys.unlock_store(paths)
    record = sample_case_record(text="sudden severe headache, worst ever", suggested_level=2, final_level=1, override_reason="Thunderclap onset")
    store.save(record)
    store.close()
    out = tmp_path / "case.pdf"
    code, _, _ = run(["report", "--case", record.case_id, "--out", str(out)], capsys)
    assert code == 0
    text = squash(" ".join(pdf_text(out)))
    assert record.case_id in text and "sudden severe headache" in text
    assert "OVERRIDDEN" in text and "Thunderclap onset" in text
    assert audit_actions(paths) == [("exported", record.case_id)]


def test_case_without_store_or_key(tmp_path: Path, paths: AppPaths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(["report", "--case", "abc123", "--out", str(tmp_path / "x.pdf")], capsys)
    assert code == 1 and "no case store" in err
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASS)
    keys.unlock_store(paths).close()
    monkeypatch.delenv("TRIAGE_APP_PASSPHRASE")
    code, _, err = run(["report", "--case", "abc123", "--out", str(tmp_path / "x.pdf")], capsys)
    assert code == 1 and "passphrase" in err.lower()


def test_case_only_options_are_rejected_with_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["report", "--case", "abc", "--final-level", "3"], capsys)
    assert code == 1 and "only apply to --from" in err


def test_record_from_dict_shapes() -> None:
    # A TriageResult dict (already redacted, with attributions) and a saved-case dict both work.
    case = sample_case_record(case_id="a" * 32)
    from_case, raw = record_from_dict(case.to_dict())
    assert from_case == case and raw is None
    from_result, raw = record_from_dict(case.result.to_dict() | {"id": "r1"})
    assert from_result.result.attributions == case.result.attributions
    assert from_result.case_id == "r1" and raw is None
    # Ids that are not plain tokens (could be an MRN with spaces) are hashed, never printed.
    odd, _ = record_from_dict(classify_record(id="MRN 12345 Smith"))
    assert "12345" not in odd.case_id and odd.case_id.startswith("r")
    with pytest.raises(InputError):
        record_from_dict({"id": "x", "level": 2})


@pytest.mark.model
@requires_default_model
def test_classify_output_feeds_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_jsonl = tmp_path / "classified.jsonl"
    code, _, _ = run(
        ["--model", str(DEFAULT_MODEL_DIR), "classify", "--no-progress", "-o", str(out_jsonl), "crushing chest pain and sweating"],
        capsys,
    )
    assert code == 0
    record = json.loads(out_jsonl.read_text(encoding="utf-8").splitlines()[0])
    pdf = tmp_path / "from-classify.pdf"
    code, _, _ = run(["report", "--from", str(out_jsonl), "--out", str(pdf)], capsys)
    assert code == 0
    text = squash(" ".join(pdf_text(pdf)))
    assert f"Level {record['level']} · {record['level_name']}" in text
    assert record["model"]["sha256"][:12] in text
