"""Bad-input sweep (issues 4 §7 and 6 §5): every kind of bad input gets a clear message or a
sensible, flagged result, through the service and the ``classify`` CLI, with the tiny test
bundle. Never a crash, a traceback on stderr, a hang (subprocess timeouts) or lost data.

Covered: empty/whitespace text, 100,000 characters, binary junk and control characters, emoji
and right-to-left text, non-English text, numbers-only text, impossible vital signs (each
field, both ends), a corrupt model bundle, a wrong passphrase for an existing store, a
corrupted database file, and a full disk (simulated with SQLite's ``max_page_count``).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.fakes import NoKeyring
from tests.test_workflow_canary import PASSPHRASE, cli, tiny_bundle  # noqa: F401 - tiny_bundle is a fixture
from triage_app.core.errors import InputError, KeyError_, ModelError, StoreError, TriageError
from triage_app.core.intake import VITAL_RANGES, Intake, Vitals
from triage_app.core.paths import AppPaths, resolve_paths
from triage_app.core.settings import Settings
from triage_app.services import TriageService

PASS_A = PASSPHRASE  # what cli() passes
PASS_B = "a-different-wrong-passphrase"
NON_ENGLISH = "non-english"


# ---- text through the service ---------------------------------------------------------------

#: (case id, text, expected): "error" = InputError on field "text" whose message contains the
#: given words; "ok" = a result; NON_ENGLISH = a result flagged uncertain as out of scope.
TEXT_CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("empty", "", ("error", "empty")),
    ("whitespace", " \t\n  \r\n ", ("error", "empty")),
    ("100k chars", "Chest pain and shortness of breath since this morning. " * 1819, ("error", "maximum")),
    ("control chars only", "\x00\x01\x02\x03\x1b\x7f", ("error", "no readable text")),
    ("binary junk around words", "\x00\x01\xfe\xff chest pain\x07 \x1b[0m since \x00 last night", ("ok",)),
    ("emoji only", "\U0001f600\U0001f915\U0001f525", ("error", "no readable text")),
    ("emoji with words", "\U0001f915 headache and vomiting since this morning \U0001f622", ("ok",)),
    ("numbers only", "120 80 37.9 98 12", ("error", "numbers")),
    ("arabic (rtl)", "ألم في الصدر منذ ساعتين مع تعرق وضيق في التنفس", (NON_ENGLISH,)),
    ("hebrew (rtl)", "כאב בחזה עם הזעה וקוצר נשימה מזה שעתיים", (NON_ENGLISH,)),
    ("french", "Douleur thoracique depuis deux heures avec sueurs et essoufflement", (NON_ENGLISH,)),
    ("spanish", "dolor de pecho desde hace dos horas con sudoración y dificultad para respirar", (NON_ENGLISH,)),
    ("chinese", "胸痛两小时，伴有出汗和呼吸困难", (NON_ENGLISH,)),
    ("mixed rtl marks", "\u202ecough\u202c for two days, \u200fmild fever", ("ok",)),
]


@pytest.fixture(scope="module")
def service(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> TriageService:  # noqa: F811
    paths = resolve_paths(tmp_path_factory.mktemp("sweep-data")).ensure()
    svc = TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), paths)
    assert svc.model_ready, svc.model_error
    return svc


@pytest.mark.parametrize(("case", "text", "expected"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_text_through_the_service(service: TriageService, case: str, text: str, expected: tuple[str, ...]) -> None:
    if expected[0] == "error":
        with pytest.raises(InputError) as info:
            service.triage(Intake(text), explain=False)
        assert info.value.field == "text"
        assert expected[1] in str(info.value).lower(), str(info.value)
        assert info.value.fix, "a user-facing error says how to fix it"
        return
    result = service.triage(Intake(text), explain=False)
    assert 1 <= result.final_level <= 5
    assert sum(result.probabilities) == pytest.approx(1.0, abs=1e-5)
    assert not any(ch in result.intake.text for ch in "\x00\x01\x07\x1b\x7f"), repr(result.intake.text)
    flagged = " ".join((*result.uncertainty_reasons, *result.warnings)).lower()
    if expected[0] == NON_ENGLISH:
        assert result.uncertain, case
        assert "english" in flagged and "out of scope" in flagged, flagged
    else:
        assert "english" not in flagged, flagged


def test_control_characters_removed_are_reported(service: TriageService) -> None:
    result = service.triage(Intake("\x00\x01 chest pain\x07 since last night"), explain=False)
    assert any("control character" in w for w in result.warnings), result.warnings


# ---- impossible vital signs -------------------------------------------------------------------

VITAL_CASES = [
    (name, value)
    for name, (lo, hi, _unit, _label) in VITAL_RANGES.items()
    for value in (lo - (1 if name != "temp_c" else 0.5), hi + (1 if name != "temp_c" else 0.5))
]


@pytest.mark.parametrize(("name", "value"), VITAL_CASES, ids=[f"{n}={v:g}" for n, v in VITAL_CASES])
def test_impossible_vital_names_the_field_and_range(name: str, value: float) -> None:
    lo, hi, _unit, label = VITAL_RANGES[name]
    with pytest.raises(InputError) as info:
        Vitals(**{name: value})
    message = str(info.value)
    assert info.value.field == name
    assert label in message and f"{lo:g}" in message and f"{hi:g}" in message, message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"hr": float("nan")}, "hr"), ({"spo2": float("inf")}, "spo2"), ({"hr": "fast"}, "hr"), ({"gcs": True}, "gcs"),
     ({"avpu": "Z"}, "avpu"), ({"sbp": 80, "dbp": 120}, "dbp")],
)
def test_non_numeric_or_inconsistent_vitals_are_named(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        Vitals(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("age", [-1, 126, float("nan")])
def test_impossible_age_is_named(age: float) -> None:
    with pytest.raises(InputError) as info:
        Intake("cough for two days", age_years=age)
    assert info.value.field == "age"


# ---- the classify CLI -------------------------------------------------------------------------


def test_classify_cli_bad_records_give_error_objects_and_the_run_goes_on(tiny_bundle: Path, tmp_path: Path) -> None:  # noqa: F811
    records = [
        {"id": "empty", "text": ""},
        {"id": "numbers", "text": "120 80 37.9"},
        {"id": "hr", "text": "palpitations for an hour", "vitals": {"hr": 900}},
        {"id": "spo2", "text": "short of breath", "vitals": {"spo2": 140}},
        {"id": "temp", "text": "fever and rigors", "vitals": {"temp_c": 61}},
        {"id": "age", "text": "fall at home", "age": 400},
        {"id": "long", "text": "abdominal pain " * 7000},
        {"id": "french", "text": "Douleur thoracique depuis deux heures avec sueurs et essoufflement"},
        {"id": "emoji", "text": "\U0001f915 headache and vomiting since this morning"},
        {"id": "good", "text": "chest pain radiating to the left arm with sweating", "age": 60},
    ]
    src = tmp_path / "records.jsonl"
    src.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{not json at all\n", encoding="utf-8"
    )
    out = cli(["classify", "--no-progress", "-i", str(src)], tmp_path=tmp_path, bundle=tiny_bundle)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == len(records) + 1, out.stdout
    by_id = {str(line.get("id")): line for line in lines}
    for rid, field in [("empty", "text"), ("numbers", "text"), ("hr", "hr"), ("spo2", "spo2"), ("temp", "temp_c"),
                       ("age", "age"), ("long", "text")]:
        err = by_id[rid].get("error")
        assert err and err["type"] == "InputError" and err["field"] == field and err["message"], by_id[rid]
    assert "error" in lines[-1]  # the unparseable line is reported, not fatal
    assert by_id["good"]["level"] <= 2 and by_id["good"]["escalations"]
    assert by_id["emoji"]["level"] in range(1, 6)
    assert by_id["french"]["uncertain"] is True
    assert any("english" in r.lower() for r in by_id["french"]["uncertainty_reasons"])
    assert "failed" in out.stderr  # the summary counts the failures


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(["   "], None), (["-"], b"\x00\x01\x02\xff\xfe\x00\x1b\x7f\n\x00\x00\n"), (["12345 678"], None)],
    ids=["whitespace-arg", "binary-stdin", "numbers-arg"],
)
def test_classify_cli_nothing_usable_fails_cleanly(tiny_bundle: Path, tmp_path: Path, args: list[str], stdin: bytes | None) -> None:  # noqa: F811
    proc = cli(["classify", "--no-progress", *args], tmp_path=tmp_path, bundle=tiny_bundle, check=False, stdin=stdin)
    assert proc.returncode != 0, "nothing could be processed: the exit code says so"
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert lines and all("error" in line and line["error"]["message"] for line in lines), proc.stdout


# ---- corrupt model bundle ---------------------------------------------------------------------


def _corrupt_copy(bundle: Path, dest: Path, victim: str) -> Path:
    shutil.copytree(bundle, dest)
    path = dest / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return dest


@pytest.mark.parametrize("victim", ["model.int8.onnx", "model.onnx", "tokenizer.json"])
def test_corrupt_bundle_is_a_clear_model_error_and_the_service_starts_degraded(
    tiny_bundle: Path, tmp_path: Path, victim: str  # noqa: F811
) -> None:
    from triage_app.ml.bundle import load_bundle

    broken = _corrupt_copy(tiny_bundle, tmp_path / "broken", victim)
    with pytest.raises(ModelError) as info:
        load_bundle(broken)
    assert victim in str(info.value) and info.value.fix, str(info.value)

    paths = resolve_paths(tmp_path / "data").ensure()
    service = TriageService.from_settings(Settings(model_dir=str(broken), device="cpu"), paths)
    assert not service.model_ready
    assert isinstance(service.model_error, ModelError) and victim in str(service.model_error)
    assert "No model" in service.device_status
    assert service.redact("seen by Dr Quimby today").text != "seen by Dr Quimby today"  # the rest still works
    with pytest.raises(ModelError):
        service.triage(Intake("cough for two days"))


def test_corrupt_bundle_through_the_cli(tiny_bundle: Path, tmp_path: Path) -> None:  # noqa: F811
    broken = _corrupt_copy(tiny_bundle, tmp_path / "broken", "model.int8.onnx")
    proc = cli(["classify", "--no-progress", "cough for two days"], tmp_path=tmp_path, bundle=broken, check=False)
    assert proc.returncode != 0
    assert "error:" in proc.stderr and "model.int8.onnx" in proc.stderr, proc.stderr


# ---- store: wrong passphrase, corrupted file, full disk ---------------------------------------


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _store_with_cases(
    tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch, n: int = 2  # noqa: F811
) -> tuple[AppPaths, list[str]]:
    """A store unlocked with PASS_A holding ``n`` saved cases (closed again)."""
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASS_A)
    paths = resolve_paths().ensure()
    service = TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), paths, open_store=True)
    try:
        ids = []
        for i in range(n):
            result = service.triage(Intake(f"cough and sore throat for {i + 2} days"), explain=False)
            ids.append(service.save_case(result, final_level=result.final_level).case_id)
    finally:
        service.close()
    return paths, ids


def _snapshot(paths: AppPaths) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in paths.data_dir.iterdir() if p.is_file() and p.name.startswith("cases.sqlite3")}


def test_wrong_passphrase_is_clear_and_changes_nothing(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None  # noqa: F811
) -> None:
    paths, ids = _store_with_cases(tiny_bundle, monkeypatch)
    before = _snapshot(paths)
    key_params = paths.key_params_path.read_bytes() if paths.key_params_path.exists() else None
    assert "cases.sqlite3" in before

    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASS_B)
    with pytest.raises(TriageError) as info:
        TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), paths, open_store=True)
    assert isinstance(info.value, KeyError_), type(info.value)
    assert "passphrase" in str(info.value).lower() or "key" in str(info.value).lower()
    wrong = cli(["cases", "list"], tmp_path=tmp_path, bundle=tiny_bundle, check=False,
                extra_env={"TRIAGE_APP_PASSPHRASE": PASS_B})
    assert wrong.returncode != 0 and "error:" in wrong.stderr and "Traceback" not in wrong.stderr, wrong.stderr
    assert _snapshot(paths)["cases.sqlite3"] == before["cases.sqlite3"]
    if key_params is not None:
        assert paths.key_params_path.read_bytes() == key_params

    listed = cli(["cases", "list", "--json"], tmp_path=tmp_path, bundle=tiny_bundle)  # the right one still works
    assert {json.loads(line)["case_id"] for line in listed.stdout.splitlines() if line.strip()} == set(ids)


def test_corrupted_database_is_clear_and_kept_aside(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None  # noqa: F811
) -> None:
    paths, _ids = _store_with_cases(tiny_bundle, monkeypatch)
    data = bytearray(paths.store_path.read_bytes())
    data[0:16] = b"GARBAGE-GARBAGE!"  # the SQLite header
    paths.store_path.write_bytes(bytes(data))
    damaged = bytes(data)

    with pytest.raises(StoreError) as info:
        TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), paths, open_store=True)
    assert "damaged" in str(info.value) and info.value.fix, str(info.value)
    aside = [p for p in paths.data_dir.iterdir() if p.name.startswith("cases.sqlite3") and p.name != "cases.sqlite3"
             and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged
    assert not paths.store_path.exists(), "no empty store silently replaces the damaged one"

    # A second attempt (the CLI) does not create a new store either, and keeps the damaged copy.
    proc = cli(["cases", "list"], tmp_path=tmp_path, bundle=tiny_bundle, check=False)
    assert proc.returncode != 0 and "error:" in proc.stderr, proc.stderr
    assert aside[0].read_bytes() == damaged
    assert not paths.store_path.exists()


def test_full_disk_is_clear_and_keeps_saved_cases(
    tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None  # noqa: F811
) -> None:
    paths, ids = _store_with_cases(tiny_bundle, monkeypatch, n=1)
    service = TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), paths, open_store=True)
    try:
        store = service.repository
        conn: sqlite3.Connection = store._conn  # type: ignore[union-attr]  # the store's own test uses this hook
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        big = service.triage(Intake("abdominal pain and vomiting since yesterday " * 400), explain=False)
        with pytest.raises(StoreError) as info:
            for _ in range(20):  # the WAL can absorb a little; the disk fills within a few saves
                service.save_case(big, final_level=big.final_level)
        assert "disk is full" in str(info.value).lower() and info.value.fix
        conn.execute("PRAGMA max_page_count = 1073741823")
        assert ids[0] in {s.case_id for s in service.list_cases()}
        assert service.get_case(ids[0]).result.intake.text.startswith("cough")
    finally:
        service.close()


# ---- CLI file errors: a clear message, never a traceback ------------------------------------

FILE_ERROR_CASES = [
    pytest.param(["classify", "--no-progress", "-o", "{missing}/out.jsonl", "cough for two days"], None, "output", id="classify-output-missing-folder"),
    pytest.param(["redact", "-o", "{missing}/out.jsonl", "seen by Dr Quimby"], None, "output", id="redact-output-missing-folder"),
    pytest.param(["explain", "--format", "html", "-o", "{missing}/out.html", "chest pain"], None, "output", id="explain-output-missing-folder"),
    pytest.param(["redact", "-i", "{junk}"], b"\xff\xfe\x00\x01 not utf-8 \x80\x81\n", "utf-8", id="redact-binary-file"),
    pytest.param(["classify", "--no-progress", "-i", "{junk}"], b"\xff\xfe\x00\x01 not utf-8 \x80\x81\n", "json", id="classify-binary-file"),
    pytest.param(["classify", "--no-progress", "-i", "{missing}/in.jsonl"], None, "does not exist", id="classify-missing-input"),
    pytest.param(["classify", "--no-progress", "-i", "{junk}"], b"", "record", id="classify-empty-file"),
]


@pytest.mark.parametrize(("args", "content", "words"), FILE_ERROR_CASES)
def test_cli_file_errors_are_clear(
    tiny_bundle: Path, tmp_path: Path, args: list[str], content: bytes | None, words: str  # noqa: F811
) -> None:
    junk = tmp_path / "input.jsonl"
    if content is not None:
        junk.write_bytes(content)
    argv = [a.format(missing=tmp_path / "no-such-folder", junk=junk) for a in args]
    proc = cli(argv, tmp_path=tmp_path, bundle=tiny_bundle, check=False)  # asserts: no traceback
    assert proc.returncode != 0
    assert words in proc.stderr.lower() or words in proc.stdout.lower(), (proc.stdout, proc.stderr)


def test_data_dir_that_is_a_file_is_a_clear_error(tiny_bundle: Path, tmp_path: Path) -> None:  # noqa: F811
    not_a_dir = tmp_path / "data-is-a-file"
    not_a_dir.write_text("x", encoding="utf-8")
    proc = cli(["--data-dir", str(not_a_dir), "classify", "cough for two days"], tmp_path=tmp_path, bundle=tiny_bundle,
               check=False)
    assert proc.returncode != 0 and "error:" in proc.stderr and str(not_a_dir) in proc.stderr, proc.stderr


# ---- information only in the text ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["3 week old baby with temperature 38.5, feeding poorly", "6 week old infant, febrile 38.3, irritable",
     "2 month old, fever since this morning, not feeding"],
)
def test_infant_fever_in_the_text_alone_escalates(service: TriageService, text: str) -> None:
    """A clinician types the age in the note and leaves the age field empty (the CLI allows it)."""
    result = service.triage(Intake(text), explain=False)
    assert any("fever" in e.rule for e in result.escalations), result.escalations
    assert result.final_level <= 2


@pytest.mark.parametrize(
    "text",
    ["severe shortness of breath, cannot complete sentences", "in respiratory distress since this morning",
     "very short of breath, unable to finish sentences"],
)
def test_respiratory_distress_phrasings_escalate(service: TriageService, text: str) -> None:
    result = service.triage(Intake(text), explain=False)
    assert result.escalations and result.final_level <= 2, result.escalations
