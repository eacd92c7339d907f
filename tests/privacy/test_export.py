"""De-identified export: columns, no identifiers, and a round trip through the trainer's reader."""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

import pytest

from tests.fakes import sample_case_record
from triage_app.core.errors import InputError
from triage_app.core.intake import Intake
from triage_app.privacy import crypto
from triage_app.privacy.export import CSV_COLUMNS, write_export
from triage_app.privacy.store import CaseStore

N_CASES = 60  # the trainer wants at least 50 valid rows


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    s = CaseStore.open(tmp_path / "cases.sqlite3", crypto.new_data_key())
    for i in range(N_CASES):
        s.save(
            sample_case_record(
                f"case{i:04d}",
                text=f"cough for {i % 9 + 1} days, [NAME_1] brought in, case {i}",
                created_at=f"2026-10-{i % 28 + 1:02d}T10:00:00Z",
                suggested_level=i % 5 + 1,
                final_level=(i + 1) % 5 + 1 if i % 7 == 0 else i % 5 + 1,
                clinician="Dr Exporter",
                override_reason="secret override reason" if i % 7 == 0 else "",
                age=30 + i % 50,
                sex="male" if i % 2 else "female",
                vitals={"hr": 70 + i, "temp_c": 37.5, "avpu": "A"} if i % 3 else {},
            )
        )
    yield s
    s.close()


def _expected(store: CaseStore) -> dict[str, tuple[str, int]]:
    return {r.case_id: (r.result.intake.text, r.final_level) for r in store.iter_records()}


def test_jsonl_rows_have_documented_fields_and_nothing_else(store: CaseStore, tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    assert store.export(out, "jsonl") == N_CASES
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    expected = _expected(store)
    assert {r["case_id"]: (r["text"], r["level"]) for r in rows} == expected
    allowed = set(CSV_COLUMNS)
    for row in rows:
        assert set(row) <= allowed
        assert {"case_id", "text", "level", "age", "sex"} <= set(row)
    with_vitals = next(r for r in rows if r["case_id"] == "case0001")
    assert (with_vitals["hr"], with_vitals["temp"], with_vitals["avpu"]) == (71, 37.5, "A")
    raw = out.read_text()
    assert "Dr Exporter" not in raw and "secret override reason" not in raw and "2026-10" not in raw
    # the rows read back as intakes, the shape the CLI's classify reads
    assert Intake.from_dict({"text": rows[0]["text"], "age": rows[0]["age"], "sex": rows[0]["sex"]}).text == rows[0]["text"]


def test_csv_has_header_and_same_content(store: CaseStore, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    assert store.export(out, "csv") == N_CASES
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        rows = list(reader)
    assert {r["case_id"]: (r["text"], int(r["level"])) for r in rows} == _expected(store)
    assert next(r for r in rows if r["case_id"] == "case0000")["hr"] == ""


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_round_trip_through_trainer_reader(store: CaseStore, tmp_path: Path, fmt: str) -> None:
    try:
        data_io = importlib.import_module("triage_app.training.data_io")
    except ModuleNotFoundError:
        pytest.skip("the trainer's reader (triage_app.training.data_io) is not in this checkout yet")
    out = tmp_path / f"export.{fmt}"
    store.export(out, fmt)
    loaded = data_io.load_labelled_file(out)
    assert not loaded.bad_rows
    assert sorted((c.text, c.level) for c in loaded.cases) == sorted(_expected(store).values())


def test_unknown_format_and_atomic_failure(store: CaseStore, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        store.export(tmp_path / "x.xml", "xml")

    def exploding():
        yield next(store.iter_records())
        raise RuntimeError("boom")

    out = tmp_path / "partial.jsonl"
    with pytest.raises(RuntimeError):
        write_export(exploding(), out, "jsonl")
    assert not out.exists() and list(tmp_path.glob("*.partial")) == []
