"""Canary: run the whole store workflow on cases carrying unique canary strings, then scan
every file the app wrote (data dir: db, -wal, -shm, key.json, audit log, logs, settings,
temp) for them in every encoding we use (plain UTF-8, UTF-16 LE/BE, base64 at every
alignment, hex). None may be found, except in the explicit export file outside the data
dir, and the clinician's own name in the audit log (recorded on purpose; see
docs/agents/store-decisions.md)."""

from __future__ import annotations

import base64
import binascii
import importlib
import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.fakes import FakeClassifier, FakeExplainer, FakeRuleEngine, IdentityRedactor, NoKeyring
from triage_app import cli
from triage_app.core.intake import Intake, Vitals
from triage_app.core.paths import AppPaths, resolve_paths, use_private_tempdir
from triage_app.core.settings import Settings
from triage_app.privacy import crypto
from triage_app.privacy.audit import AuditLog
from triage_app.privacy.keys import unlock_store

CANARY_TEXT = "Qzvexlorbitant"  # a unique word in the (already redacted) complaint
CANARY_REASON = "Wumplefrizzard"  # in the clinician's override reason
CANARY_CLINICIAN = "Dr Yobbledrax"  # the clinician's name
RAW_EMAIL = "snorklewhip.canary@example.org"  # raw PHI the real redactor must remove
RAW_PHONE = "555-013-7294"


def encodings(canary: str) -> dict[str, bytes | list[bytes]]:
    raw = canary.encode("utf-8")
    b64_variants = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        # drop characters touched by the padding prefix and by the unknown next byte
        start = (shift * 4 + 2) // 3
        b64_variants.append(encoded[start : len(encoded) - 4])
    return {
        "utf-8": raw,
        "utf-8-lower": canary.lower().encode(),
        "utf-16-le": canary.encode("utf-16-le"),
        "utf-16-be": canary.encode("utf-16-be"),
        "base64": b64_variants,
        "hex": binascii.hexlify(raw),
        "HEX": binascii.hexlify(raw).upper(),
    }


def find(canary: str, files: list[Path]) -> list[str]:
    hits = []
    for path in files:
        data = path.read_bytes()
        for name, needles in encodings(canary).items():
            for needle in needles if isinstance(needles, list) else [needles]:
                if needle and needle in data:
                    hits.append(f"{path.name}: {name}")
    return hits


def all_files(paths: AppPaths) -> list[Path]:
    roots = {paths.data_dir, paths.log_dir, paths.config_dir, paths.temp_dir}
    return sorted({p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()})


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", "canary test passphrase")
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**10)
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    for var in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, tempfile.gettempdir())
    yield
    keyring.set_keyring(previous)
    for handler in list(logging.getLogger("triage_app").handlers):
        if getattr(handler, "_triage_app", False):
            logging.getLogger("triage_app").removeHandler(handler)
            handler.close()


def _pdf_renderer() -> object | None:
    try:
        return importlib.import_module("triage_app.reporting.pdf").render_case_pdf
    except ModuleNotFoundError:
        return None


def _service(paths: AppPaths, redactor: object) -> object:
    services = importlib.import_module("triage_app.services")
    return services.TriageService(
        pdf_renderer=_pdf_renderer(),  # type: ignore[arg-type]
        settings=Settings(clinician_name=CANARY_CLINICIAN, retention_days=365),
        classifier=FakeClassifier(),
        redactor=redactor,
        rules=FakeRuleEngine(),
        fast_explainer=FakeExplainer(),
        repository=unlock_store(paths),
        audit=AuditLog(paths.audit_path),
    )


def test_no_canary_reaches_disk(isolated_data_dir: Path, headless: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The CLI configures file logging and the private temp dir, so run it once first.
    assert cli.main(["cases", "list"]) == 0
    paths = resolve_paths(isolated_data_dir).ensure()
    use_private_tempdir(paths)

    service = _service(paths, IdentityRedactor())
    saved = []
    for i in range(6):
        intake = Intake(
            f"central chest pain radiating, {CANARY_TEXT} noted, case {i}", age_years=60, sex="male", vitals=Vitals(hr=118, spo2=93)
        )
        result = service.triage(intake)
        final = result.final_level if i % 2 else min(5, result.final_level + 1)
        saved.append(
            service.save_case(result, final_level=final, override_reason=f"{CANARY_REASON} walked in" if not i % 2 else "")
        )
    assert [s.snippet for s in service.list_cases(text=CANARY_TEXT.lower())]
    assert len(service.list_cases(text=CANARY_REASON)) == 3
    assert service.get_case(saved[0].case_id).override_reason.startswith(CANARY_REASON)
    service.close()

    export = tmp_path / "outside" / "export.jsonl"
    for argv in (
        ["cases", "list", "--text", CANARY_TEXT],
        ["cases", "show", saved[1].case_id],
        ["cases", "export", "--format", "jsonl", "--out", str(export)],
        ["cases", "export", "--format", "csv", "--out", str(export.with_suffix(".csv"))],
        ["keys", "rotate"],
        ["cases", "list"],
        ["audit", "verify"],
    ):
        assert cli.main(argv) == 0, argv
    shown = capsys.readouterr().out
    assert CANARY_TEXT in shown  # the CLI did print the (redacted) case to the terminal

    files = all_files(paths)
    names = {p.name for p in files}
    assert {"cases.sqlite3", "audit.jsonl", "key.json", "triage_app.log"} <= names
    for canary in (CANARY_TEXT, CANARY_REASON):
        assert find(canary, files) == [], canary
    # the clinician's name: never in the store, logs, temp or key files; only in the audit log
    hits = find(CANARY_CLINICIAN, files)
    assert hits and all(h.startswith("audit.jsonl") for h in hits), hits
    # the explicit export holds the redacted text, but never the reason or clinician
    exported = export.read_text()
    assert CANARY_TEXT in exported and CANARY_REASON not in exported and CANARY_CLINICIAN not in exported
    assert len(exported.splitlines()) == 6
    # the search (decrypt-and-scan) still finds the canary after the key rotation
    reopened = unlock_store(paths)
    assert len(reopened.search(text=CANARY_TEXT)) == 6
    reopened.close()


def test_raw_phi_never_reaches_disk_with_the_real_redactor(isolated_data_dir: Path, headless: None, tmp_path: Path) -> None:
    try:
        redactor_mod = importlib.import_module("triage_app.privacy.redactor")
    except ModuleNotFoundError:
        pytest.skip("the redactor is not in this checkout yet")
    assert cli.main(["cases", "list"]) == 0
    paths = resolve_paths(isolated_data_dir).ensure()
    use_private_tempdir(paths)
    service = _service(paths, redactor_mod.default_redactor())
    raw = f"chest pain since this morning. Contact {RAW_EMAIL} or call {RAW_PHONE} for collateral."
    preview = service.redact(raw)
    assert RAW_EMAIL not in preview.text and RAW_PHONE not in preview.text
    result = service.triage(Intake(raw, age_years=45, sex="female"), redacted=preview)
    record = service.save_case(result, final_level=result.final_level)
    assert service.list_cases()[0].case_id == record.case_id
    extra = [tmp_path / "out.jsonl"]
    if _pdf_renderer() is not None:  # the default PDF (no identifiers) once reporting exists
        pdf = service.export_pdf(record, tmp_path / "case.pdf")
        from pypdf import PdfReader

        pdf_text = "".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
        assert RAW_EMAIL not in pdf_text and RAW_PHONE not in pdf_text
        extra.append(pdf)
    service.close()
    assert cli.main(["cases", "export", "--out", str(tmp_path / "out.jsonl")]) == 0
    files = all_files(paths) + extra
    for canary in (RAW_EMAIL, RAW_PHONE):
        assert find(canary, files) == [], canary
    assert json.loads((tmp_path / "out.jsonl").read_text())["text"] == preview.text
