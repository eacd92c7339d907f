"""Reading clinic CSV/JSONL files: bad rows are reported by number and skipped; bad files fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage_app.core.errors import InputError
from triage_app.training.data_io import (
    LabelledCase,
    load_labelled_file,
    make_splits,
    resolve_data_path,
    stratified_split,
)


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _good_rows(n: int) -> list[dict[str, object]]:
    return [{"text": f"case number {i} with cough", "level": 1 + i % 5} for i in range(n)]


def test_jsonl_bad_rows_reported_with_row_number_and_run_continues(tmp_path: Path) -> None:
    rows: list[object] = _good_rows(20)
    rows[2] = {"text": "", "level": 3}
    rows[5] = {"text": "chest pain", "level": 7}
    rows[9] = {"text": "fever", "level": 2, "hr": "fast"}
    rows[11] = {"text": "fall", "level": 4, "vitals": {"spo2": 140}}
    rows[13] = ["not", "an", "object"]
    path = _write_jsonl(tmp_path / "clinic.jsonl", rows)
    path.write_text(path.read_text(encoding="utf-8") + "{broken json\n", encoding="utf-8")

    data = load_labelled_file(path, min_valid_rows=5, max_bad_fraction=0.5)

    reasons = {bad.row: bad.reason for bad in data.bad_rows}
    assert reasons[3] == "empty or missing text"
    assert reasons[6] == "level must be an integer 1-5"
    assert reasons[10] == "hr is not a number"
    assert reasons[12].startswith("spo2 out of range")
    assert reasons[14] == "not a JSON object"
    assert reasons[21].startswith("not valid JSON")
    assert len(data.cases) == 15
    assert all(1 <= c.level <= 5 for c in data.cases)
    # The report never repeats the row text (it may hold identifiers).
    assert "chest pain" not in " ".join(str(b) for b in data.bad_rows)


def test_csv_with_optional_columns_and_string_levels(tmp_path: Path) -> None:
    lines = ["Text,Level,Age,Sex,HR"] + [f'"note {i}, with comma",{1 + i % 5},{30 + i},F,{80 + i}' for i in range(12)]
    lines.append('"bad age",3,250,M,80')
    path = tmp_path / "clinic.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    data = load_labelled_file(path, min_valid_rows=10)

    assert len(data.cases) == 12
    assert data.cases[0].text == "note 0, with comma"
    assert [b.row for b in data.bad_rows] == [13]
    assert "age out of range" in data.bad_rows[0].reason


def test_csv_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "clinic.csv"
    path.write_text("complaint,level\nchest pain,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing required column.*text"):
        load_labelled_file(path, min_valid_rows=1)


def test_jsonl_missing_field_is_a_clear_error(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "x.jsonl", [{"note": "chest pain", "level": 2}] * 3)
    with pytest.raises(InputError, match="missing required field.*text"):
        load_labelled_file(path, min_valid_rows=1)


def test_wrong_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,level\nfi\xe8vre et toux,4\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_labelled_file(path, min_valid_rows=1)


@pytest.mark.parametrize("content", [b"", b"   \n\n"])
def test_empty_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match="empty"):
        load_labelled_file(path)


def test_too_many_bad_rows_rejects_the_file(tmp_path: Path) -> None:
    rows: list[object] = _good_rows(10) + [{"text": "x", "level": 9}] * 5
    path = _write_jsonl(tmp_path / "x.jsonl", rows)
    with pytest.raises(InputError, match="only 10 of 15 rows are valid"):
        load_labelled_file(path, min_valid_rows=5, max_bad_fraction=0.2)


def test_too_few_valid_rows_rejects_the_file(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "x.jsonl", _good_rows(8))
    with pytest.raises(InputError, match="at least 50 valid rows"):
        load_labelled_file(path)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="Unsupported"):
        load_labelled_file(path)
    with pytest.raises(InputError, match="not found"):
        resolve_data_path(str(tmp_path / "nope.csv"))


def test_stratified_split_is_deterministic_and_keeps_every_level() -> None:
    cases = [LabelledCase(text=f"t{i}", level=1 + i % 5, row=i + 1) for i in range(200)]
    train_a, val_a = stratified_split(cases, validation_fraction=0.2, seed=3)
    train_b, val_b = stratified_split(cases, validation_fraction=0.2, seed=3)
    _, val_c = stratified_split(cases, validation_fraction=0.2, seed=4)
    assert val_a == val_b and train_a == train_b
    assert val_a != val_c
    assert {c.level for c in val_a} == {1, 2, 3, 4, 5}
    assert all(sum(c.level == lvl for c in val_a) == 8 for lvl in range(1, 6))
    assert not {c.row for c in train_a} & {c.row for c in val_a}
    assert len(train_a) + len(val_a) == 200


def test_split_column_is_used_when_present(tmp_path: Path) -> None:
    rows = [{**r, "split": "validation" if i % 4 == 0 else "train"} for i, r in enumerate(_good_rows(60))]
    rows.append({"text": "held out", "level": 3, "split": "test"})
    data = load_labelled_file(_write_jsonl(tmp_path / "c.jsonl", rows))
    splits = make_splits(data, seed=1)
    assert splits.how == "split column of the file"
    assert len(splits.validation) == 15 and len(splits.train) == 45 and len(splits.test) == 1


def test_no_split_column_gives_stratified_split(tmp_path: Path) -> None:
    data = load_labelled_file(_write_jsonl(tmp_path / "c.jsonl", _good_rows(100)))
    splits = make_splits(data, seed=1, validation_fraction=0.2)
    assert "stratified" in splits.how
    assert len(splits.validation) == 20
    assert {c.level for c in splits.validation} == {1, 2, 3, 4, 5}
