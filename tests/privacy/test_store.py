"""Encrypted case store: round trip, encryption at rest, search, purge, schema, damage, full disk."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes import sample_case_record
from triage_app.core.errors import InputError, KeyError_, StoreError
from triage_app.core.protocols import CaseRepository
from triage_app.privacy import crypto
from triage_app.privacy.migrations import CURRENT_SCHEMA_VERSION
from triage_app.privacy.store import CaseStore, damaged_copies


@pytest.fixture
def key() -> bytes:
    return crypto.new_data_key()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cases.sqlite3"


@pytest.fixture
def store(db: Path, key: bytes) -> CaseStore:
    s = CaseStore.open(db, key)
    yield s
    s.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_is_a_case_repository(store: CaseStore) -> None:
    assert isinstance(store, CaseRepository)


def test_round_trip_keeps_every_field(store: CaseStore) -> None:
    record = sample_case_record(final_level=3, override_reason="looks well, walking", clinician="Dr Round Trip")
    store.save(record)
    got = store.get(record.case_id)
    assert got.to_dict() == record.to_dict()
    assert got.overridden and got.result.attributions == record.result.attributions


def test_record_is_encrypted_at_rest(store: CaseStore, db: Path) -> None:
    record = sample_case_record(text="pain after fall zebraquokka", clinician="Dr Quillfeather", override_reason="xylophonic")
    store.save(record)
    store.close()
    raw = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.is_file())
    for needle in (b"zebraquokka", b"Quillfeather", b"xylophonic", b"central chest"):
        assert needle not in raw
    assert record.case_id.encode() in raw  # the opaque id is a clear column


def test_blob_bound_to_its_row(store: CaseStore, db: Path) -> None:
    a, b = sample_case_record(text="case a"), sample_case_record(text="case b")
    store.save(a)
    store.save(b)
    conn = sqlite3.connect(db)
    blob_b = conn.execute("SELECT blob FROM cases WHERE case_id = ?", (b.case_id,)).fetchone()[0]
    conn.execute("UPDATE cases SET blob = ? WHERE case_id = ?", (blob_b, a.case_id))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="integrity"):
        store.get(a.case_id)
    assert store.get(b.case_id).result.intake.text == "case b"


def test_wrong_key_is_refused_and_file_untouched(db: Path, key: bytes) -> None:
    s = CaseStore.open(db, key)
    s.save(sample_case_record())
    s.close()
    before = digest(db)
    with pytest.raises(KeyError_, match="does not match"):
        CaseStore.open(db, crypto.new_data_key())
    assert digest(db) == before
    assert CaseStore.open(db, key).count() == 1


def test_schema_version_wal_and_permissions(store: CaseStore, db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    if os.name == "posix":
        assert (db.stat().st_mode & 0o077) == 0


def test_newer_schema_is_refused_unchanged(db: Path, key: bytes) -> None:
    CaseStore.open(db, key).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(db)
    with pytest.raises(StoreError, match="newer"):
        CaseStore.open(db, key)
    assert digest(db) == before


def test_duplicate_and_bad_ids(store: CaseStore) -> None:
    record = sample_case_record()
    store.save(record)
    with pytest.raises(StoreError, match="already saved"):
        store.save(record)
    with pytest.raises(InputError):
        store.save(sample_case_record(case_id="John Smith 1961"))
    with pytest.raises(StoreError, match="No saved case"):
        store.get("0" * 32)


# ---- search ---------------------------------------------------------------------------------------
@pytest.fixture
def populated(store: CaseStore) -> CaseStore:
    rows = [
        ("2026-11-01T09:00:00Z", 2, 2, "crushing chest pain"),
        ("2026-11-05T23:30:00Z", 3, 2, "fever and cough, [NAME_1] worried"),
        ("2026-11-06T00:10:00+01:00", 4, 4, "sprained ankle"),  # 2026-11-05T23:10Z
        ("2026-11-10T12:00:00Z", 5, 5, "repeat prescription"),
        ("2026-11-20T12:00:00Z", 3, 3, "Abdominal PAIN since yesterday"),
    ]
    for created, suggested, final, text in rows:
        store.save(sample_case_record(created_at=created, suggested_level=suggested, final_level=final, text=text))
    return store


def test_search_newest_first_with_summaries(populated: CaseStore) -> None:
    rows = populated.search()
    assert [r.snippet for r in rows] == [
        "Abdominal PAIN since yesterday",
        "repeat prescription",
        "fever and cough, [NAME_1] worried",
        "sprained ankle",
        "crushing chest pain",
    ]
    fever = rows[2]
    assert (fever.suggested_level, fever.final_level, fever.overridden) == (3, 2, True)
    assert rows[0].clinician == "Dr Test"


def test_search_filters(populated: CaseStore) -> None:
    assert {r.snippet for r in populated.search(level=2)} == {"crushing chest pain", "fever and cough, [NAME_1] worried"}
    # until is inclusive of the whole (UTC) day; since is inclusive
    assert {r.snippet for r in populated.search(since="2026-11-05", until="2026-11-05")} == {
        "fever and cough, [NAME_1] worried",
        "sprained ankle",
    }
    assert [r.snippet for r in populated.search(text="pain")] == ["Abdominal PAIN since yesterday", "crushing chest pain"]
    assert [r.snippet for r in populated.search(text="pain", level=3)] == ["Abdominal PAIN since yesterday"]
    assert len(populated.search(limit=2)) == 2
    assert len(populated.search(text="a", limit=1)) == 1
    assert populated.search(text="no such words") == []
    with pytest.raises(InputError):
        populated.search(since="last tuesday")


def test_long_snippet_is_cut(store: CaseStore) -> None:
    store.save(sample_case_record(text="word " * 100))
    assert len(store.search()[0].snippet) <= 80


def test_purge_by_age(populated: CaseStore) -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    assert populated.purge(0, now=now) == 0
    assert populated.purge(12, now=now) == 3  # before 2026-11-09
    assert [r.snippet for r in populated.search()] == ["Abdominal PAIN since yesterday", "repeat prescription"]


def test_iter_records_and_export(populated: CaseStore, tmp_path: Path) -> None:
    assert len(list(populated.iter_records(level=3))) == 1
    assert populated.export(tmp_path / "x.jsonl", "jsonl", level=2) == 2


# ---- damage and full disk ---------------------------------------------------------------------
def test_garbage_file_is_moved_aside_not_overwritten(db: Path, key: bytes) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not sqlite at all" * 200)
    original = digest(db)
    with pytest.raises(StoreError) as err:
        CaseStore.open(db, key)
    assert "damaged" in str(err.value) and "moved aside" in str(err.value)
    aside = damaged_copies(db)
    assert len(aside) == 1 and digest(aside[0]) == original
    assert not db.exists()
    # no silent fresh store: the next plain open refuses
    with pytest.raises(StoreError, match="moved aside"):
        CaseStore.open(db, key)
    assert not db.exists()
    fresh = CaseStore.open(db, key, fresh=True)
    fresh.save(sample_case_record())
    fresh.close()
    assert digest(aside[0]) == original


def test_damaged_pages_detected(db: Path, key: bytes) -> None:
    s = CaseStore.open(db, key)
    for i in range(40):
        s.save(sample_case_record(text=f"case number {i} " + "x" * 800))
    s.close()
    data = bytearray(db.read_bytes())
    assert len(data) > 8 * 4096
    for offset in range(4096 * 2, len(data) - 4096, 4096 * 3):
        data[offset : offset + 512] = os.urandom(512)
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged"):
        CaseStore.open(db, key)
    assert len(damaged_copies(db)) == 1 and not db.exists()


def test_full_disk_is_a_clear_error_and_keeps_saved_cases(store: CaseStore) -> None:
    saved = [sample_case_record(text=f"saved before disk full {i}") for i in range(3)]
    for record in saved:
        store.save(record)
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="disk is full"):
        for i in range(50):
            store.save(sample_case_record(text=f"big case {i} " + "y" * 6000))
    assert store.count() >= 3
    for record in saved:
        assert store.get(record.case_id).to_dict() == record.to_dict()
    # after space is freed, saving works again
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    store.save(sample_case_record(text="after freeing space"))


def test_summary_blob_bound_to_its_row(store: CaseStore, db: Path) -> None:
    a, b = sample_case_record(text="summary a"), sample_case_record(text="summary b")
    store.save(a)
    store.save(b)
    conn = sqlite3.connect(db)
    full_b = conn.execute("SELECT blob FROM cases WHERE case_id = ?", (b.case_id,)).fetchone()[0]
    conn.execute("UPDATE cases SET summary = ? WHERE case_id = ?", (full_b, a.case_id))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="integrity"):
        store.search()


def test_migration_from_v1_adds_encrypted_summaries(db: Path, key: bytes) -> None:
    import json

    from triage_app.privacy.migrations import MigrationContext, migrate
    from triage_app.privacy.store import record_aad

    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db, isolation_level=None)
    unused = MigrationContext(lambda *a: {}, lambda *a: b"")
    assert migrate(conn, unused, target=1) == [1]
    conn.execute("INSERT INTO meta VALUES ('key_check', ?)", (crypto.make_key_check(key),))
    records = [sample_case_record(text=f"old v1 case {i}", created_at=f"2026-11-0{i + 1}T10:00:00Z") for i in range(3)]
    for r in records:
        blob = crypto.encrypt(key, json.dumps(r.to_dict()).encode(), record_aad(r.case_id, 1))
        conn.execute(
            "INSERT INTO cases VALUES (?, ?, ?, ?, ?, 1, ?)",
            (r.case_id, r.created_at, r.result.final_level, r.final_level, 0, blob),
        )
    conn.close()
    with pytest.raises(KeyError_):  # a wrong key never starts a migration
        CaseStore.open(db, crypto.new_data_key())
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 1

    store = CaseStore.open(db, key)
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == CURRENT_SCHEMA_VERSION
    assert [s.snippet for s in store.search(text="old v1")] == ["old v1 case 2", "old v1 case 1", "old v1 case 0"]
    assert store.get(records[0].case_id).to_dict() == records[0].to_dict()
    store.rekey(crypto.new_data_key())  # v1 records move to the current record version
    assert store.get(records[1].case_id).to_dict() == records[1].to_dict()
    store.close()


def test_rotation_by_another_process_blocks_stale_writers(db: Path, key: bytes) -> None:
    gui = CaseStore.open(db, key)
    first = sample_case_record(text="saved before rotation")
    gui.save(first)
    cli = CaseStore.open(db, key)
    cli.rekey(crypto.new_data_key())
    cli.close()
    with pytest.raises(KeyError_, match="rotated by another"):
        gui.save(sample_case_record(text="stale writer"))
    with pytest.raises(KeyError_, match="rotated by another"):
        gui.get(first.case_id)
    gui._conn.close()
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 1


def test_read_key_check_handles_odd_paths(tmp_path: Path, key: bytes) -> None:
    from triage_app.privacy.store import read_key_check

    odd = tmp_path / "dir with space?#" / "cases.sqlite3"
    CaseStore.open(odd, key).close()
    check = read_key_check(odd)
    assert check is not None and crypto.key_matches(key, check)
