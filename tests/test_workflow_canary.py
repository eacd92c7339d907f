"""Whole-workflow canary (issue 6 §5): unique canary PHI goes in, and none of it may reach disk.

The workflow runs through the real composition (``TriageService.from_settings`` with the real
redactor, encrypted store, audit log and PDF renderer; the tiny test bundle as the model),
then through the CLI in subprocesses sharing the same data directory: ``classify``,
``redact``, ``cases list/show/export`` and ``report --case``; a second test drives the desktop
window (real service, store and PDF) the same way. Afterwards every file under the
app's data, log, config and temp folders, the test's own tmp folder, and the subprocesses'
HOME is scanned for every canary in plain UTF-8 (case-insensitive), UTF-16-LE/BE, base64 (all
three alignments) and hex (lower/upper); PDFs are also scanned through their extracted text,
since their content streams are compressed. A positive control proves the scanner finds
each encoding. The one PDF written *with* identifiers on purpose goes to a separate folder
and must contain them.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.fakes import NoKeyring
from triage_app.core.app_logging import configure_logging
from triage_app.core.intake import Intake, Vitals
from triage_app.core.paths import AppPaths, resolve_paths
from triage_app.core.settings import Settings
from triage_app.privacy.export import write_export
from triage_app.services import TriageService

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "canary-test-passphrase-7"
CLI_TIMEOUT_S = 120

NOTE_A = (
    "Mr Quentin Zabriskie-Holloway, 71, brought in by his wife Philippa with central chest pain "
    "radiating to the left arm and sweating for 40 minutes. MRN 40417731. Lives at 14 Larkspur "
    "Crescent. Daughter's phone 0161 496 0732. DOB 02/29/1952."
)
NOTE_B = (
    "Mrs Ottoline Vandersnoot, 45, twisted her right ankle stepping off a kerb 2 hours ago, able to "
    "bear weight with pain 4/10. Contact (555) 867-5309 or ottoline.vandersnoot@quillmere.example.org."
)
#: Strings that must never reach disk. Short, generic fragments are left out (e.g. the year).
CANARIES: tuple[str, ...] = (
    "Quentin",
    "Zabriskie",
    "Holloway",
    "Philippa",
    "40417731",
    "0161 496 0732",
    "4960732",
    "Larkspur",
    "02/29/1952",
    "Ottoline",
    "Vandersnoot",
    "867-5309",
    "8675309",
    "quillmere",
)
SEARCH_WORD = "chest"  # clinical content survives redaction and is searchable


def encodings(canary: str) -> list[tuple[str, bytes]]:
    """Byte patterns for one canary in every encoding the scan covers (plain is matched lower-cased)."""
    raw = canary.encode("utf-8")
    out = [
        ("utf-8", raw.lower()),
        ("utf-16-le", canary.encode("utf-16-le")),
        ("utf-16-be", canary.encode("utf-16-be")),
        ("hex", binascii.hexlify(raw)),
        ("HEX", binascii.hexlify(raw).upper()),
    ]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        start = (shift * 4 + 2) // 3  # characters touched by the padding prefix
        out.append((f"base64+{shift}", encoded[start : len(encoded) - 4]))
    return out


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    except Exception:  # an encrypted or odd PDF: the byte scan still covers it
        return ""


def scan(files: list[Path]) -> list[str]:
    """Every (file, canary, encoding) hit."""
    hits = []
    for path in files:
        data = path.read_bytes()
        lowered = data.lower()
        text = pdf_text(path).lower() if path.suffix.lower() == ".pdf" else ""
        for canary in CANARIES:
            for name, pattern in encodings(canary):
                haystack = lowered if name == "utf-8" else data
                if pattern and pattern in haystack:
                    hits.append(f"{path}: {canary!r} as {name}")
            if text and canary.lower() in text:
                hits.append(f"{path}: {canary!r} in the PDF's extracted text")
    return hits


def all_files(roots: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    for root in roots:
        if root.exists():
            seen.update(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return sorted(seen)


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random bundle, built once per session (shared with the bad-input sweep)."""
    from tests.ml.model_fixtures import build_tiny_bundle

    target = tmp_path_factory.getbasetemp() / "qa-tiny-bundle"
    if not (target / "manifest.json").is_file():
        build_tiny_bundle(target)
    return target


@pytest.fixture
def app_env(tmp_path: Path, isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppPaths]:
    """Passphrase key source (no keyring), private temp dir and the app's log file, all under tmp_path."""
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASSPHRASE)
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    paths = resolve_paths().ensure()
    assert paths.data_dir == isolated_data_dir.resolve()
    monkeypatch.setattr(tempfile, "tempdir", str(paths.temp_dir))
    for var in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, str(paths.temp_dir))
    configure_logging(paths.log_dir)
    try:
        yield paths
    finally:
        logger = logging.getLogger("triage_app")
        for handler in list(logger.handlers):
            if getattr(handler, "_triage_app", False):
                logger.removeHandler(handler)
                handler.close()
        keyring.set_keyring(previous)


def cli(
    args: list[str],
    *,
    tmp_path: Path,
    bundle: Path,
    check: bool = True,
    extra_env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python main.py --cli --model BUNDLE ARGS`` with the test's data dir and a private HOME.

    Always asserts that stderr holds no traceback; with ``check`` also that the exit code is 0.
    """
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TRIAGE_APP_", "TMP", "TEMP", "XDG_"))
    }
    env.update(
        TRIAGE_APP_DATA_DIR=os.environ["TRIAGE_APP_DATA_DIR"],
        TRIAGE_APP_SITE_CONFIG=os.environ["TRIAGE_APP_SITE_CONFIG"],
        TRIAGE_APP_PASSPHRASE=PASSPHRASE,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        OMP_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra_env or {})
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py"), "--cli", "--model", str(bundle), *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=CLI_TIMEOUT_S,
    )
    proc = subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, (args[:2], proc.returncode, proc.stderr[-2000:])
    return proc


def test_scanner_finds_every_encoding(tmp_path: Path) -> None:
    """Positive control: a file holding a canary in each encoding is caught in each one."""
    canary = CANARIES[0]
    for name, pattern in encodings(canary):
        probe = tmp_path / f"probe-{name}.bin"
        if name.startswith("base64"):
            shift = int(name[-1])
            probe.write_bytes(b"xx" + base64.b64encode(b"\0" * shift + canary.encode() + b"!?") + b"yy")
        elif name == "utf-8":
            probe.write_bytes(b"..." + canary.upper().encode() + b"...")
        else:
            probe.write_bytes(b"..." + pattern + b"...")
        hits = scan([probe])
        assert any(f"as {name}" in hit for hit in hits), (name, hits)
    clean = tmp_path / "clean.txt"
    clean.write_text("[NAME_1] brought in by [NAME_2] with chest pain", encoding="utf-8")
    assert scan([clean]) == []


def test_whole_workflow_leaves_no_canary_on_disk(
    app_env: AppPaths, tiny_bundle: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, no_network: None
) -> None:
    paths = app_env
    settings = Settings(model_dir=str(tiny_bundle), device="cpu", clinician_name="Dr On Call")
    service = TriageService.from_settings(settings, paths, open_store=True)
    try:
        assert service.model_ready, service.model_error
        assert service.redaction_available

        # --- triage, with the redaction preview the clinician reviews ---------------------------
        preview = service.redact(NOTE_A)
        assert not any(c.lower() in preview.text.lower() for c in CANARIES), preview.text
        result_a = service.triage(Intake(NOTE_A, age_years=71, sex="male", vitals=Vitals(hr=112, spo2=95)), redacted=preview)
        result_b = service.triage(Intake(NOTE_B, age_years=45, sex="female"))
        for result in (result_a, result_b):
            assert not any(c.lower() in result.intake.text.lower() for c in CANARIES), result.intake.text
        assert SEARCH_WORD in result_a.intake.text

        # --- save (one override with a reason), search, view --------------------------------------
        override = 5 if result_a.final_level != 5 else 4
        saved_a = service.save_case(
            result_a, final_level=override, override_reason="Reviewed at the bedside, pain settled", clinician="Dr On Call"
        )
        saved_b = service.save_case(result_b, final_level=result_b.final_level)
        found = service.list_cases(text=SEARCH_WORD)
        assert [s.case_id for s in found] == [saved_a.case_id]
        assert {s.case_id for s in service.list_cases()} == {saved_a.case_id, saved_b.case_id}
        viewed = service.get_case(saved_a.case_id)
        assert viewed.final_level == override and viewed.override_reason
        assert viewed.result.intake.text == result_a.intake.text

        # --- de-identified export and the default PDF, both inside the scanned tmp dir -------------
        records = [service.get_case(saved_a.case_id), service.get_case(saved_b.case_id)]
        assert write_export(records, tmp_path / "exports" / "cases.jsonl", "jsonl") == 2
        assert write_export(records, tmp_path / "exports" / "cases.csv", "csv") == 2
        pdf = service.export_pdf(viewed, tmp_path / "exports" / "case-a.pdf")
        assert pdf.is_file() and pdf.stat().st_size > 1000
        assert SEARCH_WORD in pdf_text(pdf).lower()  # the text scan of PDFs reads real content

        # --- identifiers only when asked for: written outside the scanned folders -----------------
        outside = tmp_path_factory.mktemp("with-identifiers")
        with_ids = service.export_pdf(viewed, outside / "case-a-ids.pdf", include_identifiers=True, original_text=NOTE_A)
        assert "zabriskie" in pdf_text(with_ids).lower()
    finally:
        service.close()

    # --- the same data dir through the CLI ------------------------------------------------------
    out = cli(["classify", "--no-progress", NOTE_A, NOTE_B], tmp_path=tmp_path, bundle=tiny_bundle)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(rows) == 2 and all(1 <= row["level"] <= 5 for row in rows)
    assert rows[0]["level"] <= 2  # chest pain with radiation and sweating escalates

    out = cli(["redact", NOTE_A], tmp_path=tmp_path, bundle=tiny_bundle)
    redacted = json.loads(out.stdout.splitlines()[0])["redacted_text"]
    assert not any(c.lower() in redacted.lower() for c in CANARIES), redacted

    out = cli(["cases", "list", "--json"], tmp_path=tmp_path, bundle=tiny_bundle)
    listed = {json.loads(line)["case_id"] for line in out.stdout.splitlines() if line.strip()}
    assert listed == {saved_a.case_id, saved_b.case_id}
    out = cli(["cases", "list", "--text", SEARCH_WORD, "--json"], tmp_path=tmp_path, bundle=tiny_bundle)
    assert [json.loads(line)["case_id"] for line in out.stdout.splitlines() if line.strip()] == [saved_a.case_id]

    out = cli(["cases", "show", saved_a.case_id], tmp_path=tmp_path, bundle=tiny_bundle)
    assert saved_a.case_id in out.stdout and SEARCH_WORD in out.stdout.lower()
    assert not any(c.lower() in out.stdout.lower() for c in CANARIES)

    cli_export = tmp_path / "exports" / "cli-cases.jsonl"
    cli(["cases", "export", "--out", str(cli_export)], tmp_path=tmp_path, bundle=tiny_bundle)
    assert len(cli_export.read_text(encoding="utf-8").splitlines()) == 2

    cli_pdf = tmp_path / "exports" / "cli-case-a.pdf"
    cli(["report", "--case", saved_a.case_id, "--out", str(cli_pdf)], tmp_path=tmp_path, bundle=tiny_bundle)
    assert cli_pdf.is_file() and SEARCH_WORD in pdf_text(cli_pdf).lower()

    # --- the scan -------------------------------------------------------------------------------
    paths.log_file.exists()
    assert paths.log_file.is_file() and paths.log_file.stat().st_size > 0, "no log file: the scan would miss logs"
    log_text = paths.log_file.read_text(encoding="utf-8")
    assert "command cases started" in log_text  # the CLI runs logged into the same file
    assert paths.audit_path.is_file() and paths.audit_path.stat().st_size > 0
    roots = [*paths.all_dirs(), tmp_path]
    files = all_files(roots)
    names = {p.name for p in files}
    assert {"cases.sqlite3", "audit.jsonl", "triage_app.log", "case-a.pdf", "cli-case-a.pdf"} <= names, names
    assert not any(with_ids.resolve().is_relative_to(r.resolve()) for r in roots)
    hits = scan(files)
    assert hits == [], "\n".join(hits)


def test_override_reason_identifiers_stay_out_of_the_default_pdf(
    app_env: AppPaths, tiny_bundle: Path, tmp_path: Path, no_network: None
) -> None:
    """An override reason is free text typed by the clinician, so it can carry PHI too."""
    service = TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), app_env, open_store=True)
    try:
        result = service.triage(Intake("twisted ankle stepping off a kerb, able to bear weight"), explain=False)
        final = 5 if result.final_level != 5 else 4
        record = service.save_case(
            result, final_level=final, override_reason="Wife Philippa Zabriskie-Holloway reports he collapsed; MRN 40417731"
        )
        pdf = service.export_pdf(service.get_case(record.case_id), tmp_path / "override.pdf")
    finally:
        service.close()
    text = pdf_text(pdf).lower()
    assert "collapsed" in text  # the reason itself is printed
    leaked = [c for c in CANARIES if c.lower() in text]
    assert leaked == [], leaked


def test_surname_that_is_a_word_is_redacted(app_env: AppPaths) -> None:
    """Clinicians type fast: 'pt john smith' must not keep 'smith' (as 'pt quentin zabriskie' keeps nothing)."""
    from triage_app.privacy.redactor import default_redactor

    redactor = default_redactor()
    for note, parts in [("pt john smith c/o sob since this morning", ("john", "smith")),
                        ("pt John Brown c/o sob since this morning", ("john", "brown")),
                        ("Patient: SMITH, John. sob since this morning", ("john", "smith"))]:
        redacted = redactor.redact(note).text
        assert "sob since this morning" in redacted
        assert not any(p in redacted.lower() for p in parts), redacted


def test_gui_workflow_leaves_no_canary_on_disk(
    app_env: AppPaths, tiny_bundle: Path, tmp_path: Path, qtbot: object, no_network: None
) -> None:
    """The desktop window with its real service and store: classify, override, save, PDF, close
    (which writes the window's QSettings file into the config dir)."""
    pytest.importorskip("PySide6")
    from triage_app.ui.main_window import MainWindow

    settings = Settings(model_dir=str(tiny_bundle), device="cpu", first_run_done=True, clinician_name="Dr On Call")
    window = MainWindow(settings, app_env, ask_passphrase=lambda first_time: PASSPHRASE)
    window.confirm = lambda title, text: True  # type: ignore[method-assign]
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    try:
        with qtbot.waitSignal(window.service_loaded, timeout=60_000):  # type: ignore[attr-defined]
            window.start_loading()
        qtbot.waitUntil(lambda: not window.tasks.is_running("open_store"), timeout=60_000)  # type: ignore[attr-defined]
        assert window.model_ready and window.store_ready, window.last_error

        window.intake_panel.age_edit.setText("71")
        window.intake_panel.complaint.setPlainText(NOTE_A)
        with qtbot.waitSignal(window.result_shown, timeout=60_000):  # type: ignore[attr-defined]
            window.classify()
        result = window.result
        assert result is not None
        assert not any(c.lower() in result.redacted_text.lower() for c in CANARIES), result.redacted_text
        target = 5 if result.final_level != 5 else 4
        window.decision_panel.level_buttons[target - 1].click()
        assert window.decision_panel.is_override
        window.decision_panel.reason_edit.setText("Reviewed at the bedside, pain settled")
        window.save_case()
        qtbot.waitUntil(lambda: window.saved_record is not None, timeout=30_000)  # type: ignore[attr-defined]
        assert window.saved_record.final_level == target

        out = tmp_path / "gui-case.pdf"
        window.ask_pdf_path = lambda suggested: out  # type: ignore[method-assign]
        window.export_pdf()
        qtbot.waitUntil(out.exists, timeout=30_000)  # type: ignore[attr-defined]
        window.tasks.wait(30_000)
        assert window.last_error == ""
    finally:
        window.close()
        window.tasks.wait(30_000)
        if window.store is not None:
            window.store.repository.close()

    files = all_files([*app_env.all_dirs(), tmp_path])
    names = {p.name for p in files}
    assert {"cases.sqlite3", "audit.jsonl", "triage_app.log", "gui-case.pdf", "window.ini"} <= names, names
    assert app_env.log_file.stat().st_size > 0
    hits = scan(files)
    assert hits == [], "\n".join(hits)


@pytest.mark.parametrize("phone", ["0161-496-0732", "020-7946-0018", "07700-900-123"])
def test_dashed_uk_phone_is_redacted(app_env: AppPaths, phone: str) -> None:
    from triage_app.privacy.redactor import default_redactor

    redacted = default_redactor().redact(f"daughter's number {phone}, chest pain since 9am").text
    assert not any(group in redacted for group in phone.split("-")), redacted
    assert "chest pain since 9am" in redacted
