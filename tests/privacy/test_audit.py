"""Audit log: hash chain, tamper detection (edit, delete, insert, reorder, truncate), no PHI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage_app.core.protocols import AuditSink
from triage_app.privacy.audit import GENESIS_HASH, WITHHELD, AuditLog, entry_hash


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl")
    audit.append("saved", case_id="a1", clinician="Dr One")
    audit.append("viewed", case_id="a1", clinician="Dr Two", detail="cli")
    audit.append("overridden", case_id="b2", clinician="Dr One")
    audit.append("exported", clinician="Dr One", detail="deidentified jsonl rows=2")
    audit.append("key_rotated", detail="cases=2")
    return audit


def lines(audit: AuditLog) -> list[str]:
    return audit.path.read_text().splitlines()


def write(audit: AuditLog, new_lines: list[str]) -> None:
    audit.path.write_text("".join(line + "\n" for line in new_lines))


def test_is_an_audit_sink_and_chain_is_intact(log: AuditLog) -> None:
    assert isinstance(log, AuditSink)
    assert log.verify() == []
    entries = log.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == GENESIS_HASH
    for before, after in zip(entries, entries[1:]):
        assert after["prev"] == before["hash"]
    assert all(e["hash"] == entry_hash(e) for e in entries)
    assert entries[1]["clinician"] == "Dr Two" and entries[1]["os_user"]
    assert entries[0]["ts"].endswith("Z")


def test_edit_detected(log: AuditLog) -> None:
    rows = lines(log)
    entry = json.loads(rows[1])
    entry["case_id"] = "zz"
    rows[1] = json.dumps(entry, sort_keys=True)
    write(log, rows)
    problems = log.verify()
    assert any("edited" in p for p in problems)


def test_edit_with_recomputed_hash_still_breaks_the_chain(log: AuditLog) -> None:
    rows = lines(log)
    entry = json.loads(rows[1])
    entry["clinician"] = "Dr Forger"
    entry["hash"] = entry_hash(entry)
    rows[1] = json.dumps(entry, sort_keys=True)
    write(log, rows)
    assert any("does not follow" in p for p in log.verify())


def test_delete_middle_detected(log: AuditLog) -> None:
    rows = lines(log)
    del rows[2]
    write(log, rows)
    problems = log.verify()
    assert any("removed" in p for p in problems)


def test_delete_last_detected_by_head(log: AuditLog) -> None:
    write(log, lines(log)[:-1])
    problems = log.verify()
    assert len(problems) == 1 and "removed from the end" in problems[0]


def test_delete_whole_log_detected(log: AuditLog) -> None:
    log.path.unlink()
    assert log.verify() != []


def test_reorder_detected(log: AuditLog) -> None:
    rows = lines(log)
    rows[1], rows[2] = rows[2], rows[1]
    write(log, rows)
    assert any("reordered" in p for p in log.verify())


def test_inserted_line_detected(log: AuditLog) -> None:
    rows = lines(log)
    rows.insert(2, "not json")
    write(log, rows)
    assert any("not a valid JSON" in p for p in log.verify())


def test_append_continues_chain_across_instances(log: AuditLog) -> None:
    again = AuditLog(log.path)
    again.append("purged", detail="older_than_days=30 count=0")
    assert again.verify() == []
    assert again.entries()[-1]["seq"] == 6


def test_torn_last_line_recovers_on_next_append(log: AuditLog) -> None:
    with open(log.path, "a") as handle:
        handle.write('{"seq": 6, "action": "sav')  # a crash mid-write
    log.append("viewed", case_id="a1")
    entries = log.entries()
    assert entries[-1]["seq"] == 6 and entries[-1]["action"] == "viewed"
    problems = log.verify()
    assert len(problems) == 1 and "not a valid JSON" in problems[0]


def test_no_phi_details_and_ids(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    audit.append("viewed", case_id="c1", detail="Patient John Smith DOB 03/04/1961 complained of pain " * 3)
    audit.append("viewed", case_id="c1", detail="name: O'Brien")
    assert [e["detail"] for e in audit.entries()] == [WITHHELD, WITHHELD]
    assert "Smith" not in audit.path.read_text()
    with pytest.raises(ValueError):
        audit.append("viewed", case_id="John Smith")
    with pytest.raises(ValueError):
        audit.append("deleted_everything")
    assert audit.verify() == []
