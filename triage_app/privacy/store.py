"""The encrypted case store: SQLite (WAL) with one AES-256-GCM blob per case.

Layout (see :mod:`triage_app.privacy.migrations`): a ``cases`` table whose clear columns
hold only what listing needs and no PHI (random case id, UTC timestamp, levels, overridden
flag), and a ``blob`` with the whole :class:`~triage_app.core.results.CaseRecord` JSON
encrypted under the data key, authenticated with ``case_id`` and the record version as AAD
(so a blob cannot be swapped onto another row). ``meta.key_check`` proves which key the
store is encrypted with; opening with another key is a :class:`KeyError_`, never a rewrite.

Text search on encrypted data: the date and level filters run in SQL on the clear columns,
then the matching rows' small encrypted *summary* blobs (redacted text, override reason,
clinician, levels) are decrypted in memory, newest first, and scanned for the text
(case-insensitive substring). Nothing decrypted is written anywhere. See
``benchmarks/store_bench.py`` for timings on 5,000 cases.

Failure handling:
- a damaged file is renamed aside with a timestamp (``cases.sqlite3.damaged-<UTC>``), never
  overwritten, and a new store is created only when the caller passes ``fresh=True``;
- a full disk rolls the transaction back and raises :class:`StoreError`; saved cases stay.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError, KeyError_, StoreError, TriageError
from triage_app.core.protocols import CaseSummary
from triage_app.core.results import CaseRecord
from triage_app.privacy import crypto
from triage_app.privacy.export import write_export
from triage_app.privacy.migrations import CURRENT_SCHEMA_VERSION, MigrationContext, migrate, schema_version

log = logging.getLogger(__name__)

CASE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SNIPPET_CHARS = 80
DAMAGED_SUFFIX = ".damaged-"
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def record_aad(case_id: str, record_version: int) -> bytes:
    """AAD binding a blob to its row: case id plus the schema version it was written under."""
    return f"triage-assistant/case/{case_id}/v{record_version}".encode()


def summary_aad(case_id: str, record_version: int) -> bytes:
    """AAD of a case's small summary blob (distinct from the record's, so they cannot be swapped)."""
    return f"triage-assistant/case-summary/{case_id}/v{record_version}".encode()


def summary_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What listing and text search need from a record dict (all of it stays encrypted)."""
    result = data["result"]
    final = int(data["final_level"])
    return {
        "case_id": str(data["case_id"]),
        "created_at": str(data["created_at"]),
        "text": str(result["intake"]["text"]),
        "override_reason": str(data.get("override_reason", "")),
        "clinician": str(data.get("clinician", "")),
        "suggested_level": int(result.get("level", result.get("final_level", final))),
        "final_level": final,
    }


def normalize_timestamp(value: str) -> str:
    """Any ISO-8601 timestamp -> fixed-width UTC text that sorts chronologically."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError("created_at", f"created_at {str(value)[:40]!r} is not an ISO-8601 timestamp.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime(_TS_FORMAT)


def _bound(value: str | None, name: str, *, upper: bool) -> str | None:
    """``since``/``until`` -> comparable timestamp. A bare date in ``until`` includes that day."""
    if value is None or value == "":
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return (day + timedelta(days=1) if upper else day).strftime(_TS_FORMAT)
        return normalize_timestamp(value)
    except (ValueError, InputError):
        raise InputError(name, f"--{name} {value[:40]!r} is not a date.", "Use YYYY-MM-DD or an ISO-8601 timestamp.") from None


def _errcode(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1)) & 0xFF


def _is_corruption(exc: sqlite3.Error) -> bool:
    if _errcode(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def _is_disk_full(exc: sqlite3.Error) -> bool:
    return _errcode(exc) == _SQLITE_FULL or "full" in str(exc).lower()


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def damaged_copies(path: Path) -> list[Path]:
    """Damaged store files moved aside earlier, oldest first."""
    return sorted(p for p in path.parent.glob(path.name + DAMAGED_SUFFIX + "*") if not p.name.endswith(("-wal", "-shm")))


def move_aside(path: Path) -> Path:
    """Rename a damaged store (and its -wal/-shm) to a new timestamped name; never overwrite."""
    base = path.with_name(f"{path.name}{DAMAGED_SUFFIX}{_utc_stamp()}")
    target, n = base, 1
    while target.exists():
        target = base.with_name(f"{base.name}.{n}")
        n += 1
    os.rename(path, target)
    for side in ("-wal", "-shm"):
        extra = path.with_name(path.name + side)
        if extra.exists():
            os.rename(extra, target.with_name(target.name + side))
    return target


def read_key_check(path: Path) -> str | None:
    """The store's key-check value, or None when there is no store (used by key recovery)."""
    if not Path(path).is_file():
        return None
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


class CaseStore:
    """SQLite case store implementing :class:`~triage_app.core.protocols.CaseRepository`.

    Use :meth:`open`. Safe to share between threads (one connection, one lock).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, key: bytes) -> None:
        self.path = path
        self._conn = conn
        self._key = key
        self._lock = threading.RLock()
        self._key_check_seen = ""

    # ---- opening ---------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, key: bytes, *, fresh: bool = False) -> CaseStore:
        """Open (or create) the store at ``path`` with the 32-byte data ``key``.

        Args:
            path: The SQLite file, normally ``AppPaths.store_path``.
            key: The data key from :func:`triage_app.privacy.keys.obtain_data_key`.
            fresh: Allow creating a new empty store where an earlier damaged one was moved
                aside. Without it, that situation is an error, so data is never silently
                replaced by an empty store.

        Raises:
            KeyError_: The key does not match this store.
            StoreError: The file is damaged (it is moved aside), from a newer version, or
                cannot be opened.
        """
        path = Path(path)
        if len(key) != crypto.KEY_BYTES:
            raise KeyError_("The data key has the wrong length.", "Check the keyring entry or passphrase setup.")
        if not path.exists():
            aside = damaged_copies(path)
            if aside and not fresh:
                raise StoreError(
                    f"The case store was damaged and moved aside to {aside[-1].name}; no new store was created.",
                    "Restore a backup of the store, or start a new empty store explicitly "
                    "(`triage-app cases new-store`, or 'Start a new store' in the app).",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        try:
            conn = sqlite3.connect(str(path), timeout=15, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"Could not open the case store {path} ({type(exc).__name__}).", "Check the file permissions.") from None
        try:
            cls._check_integrity(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA temp_store=MEMORY")
            store = cls(path, conn, key)
            store._initialise()
            return store
        except sqlite3.Error as exc:
            conn.close()
            if _is_corruption(exc):
                raise cls._damaged(path) from None
            if _is_disk_full(exc):
                raise StoreError("The disk is full; the case store could not be opened.", "Free disk space and try again.") from None
            raise StoreError(f"Could not open the case store {path} ({type(exc).__name__}).", "Close other copies of the app and try again.") from None
        except _Damaged:
            conn.close()
            raise cls._damaged(path) from None
        except BaseException:
            conn.close()
            raise

    @staticmethod
    def _check_integrity(conn: sqlite3.Connection) -> None:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if not rows or rows[0][0] != "ok":
            raise _Damaged()

    @staticmethod
    def _damaged(path: Path) -> StoreError:
        target = move_aside(path)
        log.error("case store damaged; moved aside")
        return StoreError(
            f"The case store file is damaged and cannot be read. It was moved aside to {target} and will not be changed.",
            "Restore the store from a backup, or start a new empty store explicitly "
            "(`triage-app cases new-store`, or 'Start a new store' in the app). Keep the damaged file for IT.",
        )

    def _initialise(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = schema_version(conn)
            has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone() if has_meta else None
            if row is not None and not crypto.key_matches(self._key, str(row[0])):
                raise KeyError_(
                    "The data key does not match this case store; nothing was changed.",
                    "Use the passphrase or keyring entry this store was created with "
                    "(restore it from your key backup).",
                )
            applied = migrate(conn, MigrationContext(self._decrypt_row, self._encrypt_summary))
            if row is None:
                if before != 0 and conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]:
                    raise StoreError("The case store has no key-check value.", "Restore the store from a backup.")
                conn.execute("INSERT INTO meta (key, value) VALUES ('key_check', ?)", (crypto.make_key_check(self._key),))
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('created_at', ?)",
                    (datetime.now(UTC).strftime(_TS_FORMAT),),
                )
            self._key_check_seen = str(conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()[0])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if applied and before:
            log.info("case store migrated from schema %d to %d", before, CURRENT_SCHEMA_VERSION)

    # ---- helpers ---------------------------------------------------------------------
    def _write(self, action: Callable[[sqlite3.Connection], Any], what: str) -> Any:
        """Run ``action`` in one IMMEDIATE transaction; map SQLite failures to StoreError."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = action(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                if _is_disk_full(exc):
                    log.error("case store write failed: disk full (%s)", what)
                    raise StoreError(
                        f"The disk is full: {what} failed and nothing was changed. Cases saved earlier are intact.",
                        "Free disk space, then try again.",
                    ) from None
                log.error("case store write failed (%s): %s", what, type(exc).__name__)
                raise StoreError(f"The case store could not be written: {what} failed ({type(exc).__name__}).", "Try again; if it persists, contact IT.") from None
            return result

    def _rotated_elsewhere(self, conn: sqlite3.Connection | None = None) -> bool:
        """True when another process re-keyed the store since this one opened it."""
        with self._lock:
            row = (conn or self._conn).execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        return row is None or str(row[0]) != self._key_check_seen

    def _rotation_error(self) -> KeyError_:
        return KeyError_(
            "The data key was rotated by another Triage Assistant process; nothing was changed here.",
            "Close and reopen the case store (restart the app) to unlock it with the new key.",
        )

    def _integrity_error(self, case_id: str) -> TriageError:
        if self._rotated_elsewhere():
            return self._rotation_error()
        return StoreError(
            f"Case {case_id} failed its integrity check (wrong key or altered data).",
            "Restore the store from a backup.",
        )

    def _encrypt_summary(self, case_id: str, version: int, data: dict[str, Any], key: bytes | None = None) -> bytes:
        payload = json.dumps(summary_fields(data), ensure_ascii=False, sort_keys=True).encode("utf-8")
        return crypto.encrypt(key or self._key, payload, summary_aad(case_id, version))

    def _decrypt_summary(self, case_id: str, version: int, blob: bytes | None) -> dict[str, Any]:
        if blob is None:  # defensive: a row without a summary falls back to the full record
            with self._lock:
                full = self._conn.execute("SELECT blob FROM cases WHERE case_id = ?", (case_id,)).fetchone()[0]
            return summary_fields(self._decrypt_row(case_id, version, full))
        try:
            plain = crypto.decrypt(self._key, bytes(blob), summary_aad(case_id, version))
        except crypto.DecryptionError:
            raise self._integrity_error(case_id) from None
        return json.loads(plain.decode("utf-8"))

    def _decrypt_row(self, case_id: str, version: int, blob: bytes) -> dict[str, Any]:
        try:
            plain = crypto.decrypt(self._key, bytes(blob), record_aad(case_id, version))
        except crypto.DecryptionError:
            raise self._integrity_error(case_id) from None
        return json.loads(plain.decode("utf-8"))

    # ---- CaseRepository ----------------------------------------------------------------
    def save(self, record: CaseRecord) -> None:
        """Encrypt and insert one case in its own transaction.

        Raises:
            InputError: The case id is not an opaque id.
            StoreError: Duplicate id, full disk, or another write failure.
        """
        if not CASE_ID_RE.match(record.case_id):
            raise InputError("case_id", "A case id must be 1-64 letters, digits, '-' or '_'.")
        created = normalize_timestamp(record.created_at)
        data = record.to_dict()
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        blob = crypto.encrypt(self._key, payload, record_aad(record.case_id, CURRENT_SCHEMA_VERSION))
        summary = self._encrypt_summary(record.case_id, CURRENT_SCHEMA_VERSION, data)

        def insert(conn: sqlite3.Connection) -> None:
            if self._rotated_elsewhere(conn):  # never write old-key blobs into a re-keyed store
                raise self._rotation_error()
            if conn.execute("SELECT 1 FROM cases WHERE case_id = ?", (record.case_id,)).fetchone():
                raise StoreError(f"A case with id {record.case_id} is already saved.", "Save it under a new case id.")
            conn.execute(
                "INSERT INTO cases (case_id, created_at, suggested_level, final_level, overridden, record_version, blob, summary)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.case_id,
                    created,
                    int(record.result.final_level),
                    int(record.final_level),
                    int(record.overridden),
                    CURRENT_SCHEMA_VERSION,
                    blob,
                    summary,
                ),
            )

        self._write(insert, "saving the case")

    def get(self, case_id: str) -> CaseRecord:
        """Decrypt one case. Raises StoreError when it does not exist or fails integrity."""
        with self._lock:
            row = self._conn.execute(
                "SELECT case_id, record_version, blob FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
        if row is None:
            raise StoreError(f"No saved case has the id {case_id[:64]}.", "Check the id with `triage-app cases list`.")
        return CaseRecord.from_dict(self._decrypt_row(row[0], row[1], row[2]))

    def _rows(
        self, since: str | None, until: str | None, level: int | None, limit: int | None = None, *, summary: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        clauses: list[str] = []
        params: list[Any] = []
        lo, hi = _bound(since, "since", upper=False), _bound(until, "until", upper=True)
        if lo:
            clauses.append("created_at >= ?")
            params.append(lo)
        if hi:
            clauses.append("created_at < ?")
            params.append(hi)
        if level is not None:
            if not 1 <= int(level) <= 5:
                raise InputError("level", f"Level {level} is not 1-5.")
            clauses.append("final_level = ?")
            params.append(int(level))
        sql = "SELECT case_id, record_version, " + ("summary" if summary else "blob") + " FROM cases"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY created_at DESC, rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        yield from rows

    def search(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        level: int | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[CaseSummary]:
        """Newest first. Date/level filter in SQL; text by decrypt-and-scan in memory."""
        needle = (text or "").strip().casefold()
        out: list[CaseSummary] = []
        # Without a text filter SQL applies the limit; with one, rows stream newest first and
        # decryption stops at the limit-th match.
        for case_id, version, summary in self._rows(since, until, level, None if needle else limit, summary=True):
            data = self._decrypt_summary(case_id, version, summary)
            if needle:
                haystack = "\n".join((data["text"], data["override_reason"], data["clinician"]))
                if needle not in haystack.casefold():
                    continue
            out.append(_summary(data))
            if len(out) >= limit:
                break
        return out

    def iter_records(
        self, *, since: str | None = None, until: str | None = None, level: int | None = None
    ) -> Iterator[CaseRecord]:
        """Every matching case, decrypted, newest first."""
        for case_id, version, blob in self._rows(since, until, level):
            yield CaseRecord.from_dict(self._decrypt_row(case_id, version, blob))

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0])

    def purge(self, older_than_days: int, *, now: datetime | None = None) -> int:
        """Delete cases created more than ``older_than_days`` days ago (0 keeps everything).

        Returns the number of cases deleted. ``secure_delete`` overwrites the freed pages.
        """
        if older_than_days <= 0:
            return 0
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=int(older_than_days))).astimezone(UTC).strftime(_TS_FORMAT)
        deleted = self._write(lambda conn: conn.execute("DELETE FROM cases WHERE created_at < ?", (cutoff,)).rowcount, "purging old cases")
        self.checkpoint()
        log.info("retention purge removed %d cases", deleted)
        return int(deleted)

    def export(
        self,
        out: Path,
        fmt: str = "jsonl",
        *,
        since: str | None = None,
        until: str | None = None,
        level: int | None = None,
    ) -> int:
        """De-identified training export (see :mod:`triage_app.privacy.export`). Returns rows."""
        return write_export(self.iter_records(since=since, until=until, level=level), Path(out), fmt)

    # ---- key rotation ------------------------------------------------------------------
    def key_check(self) -> str:
        with self._lock:
            return str(self._conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()[0])

    def rekey(self, new_key: bytes) -> int:
        """Re-encrypt every case and the key check under ``new_key`` in ONE transaction.

        Either every row moves to the new key or (on any error or crash) none does.
        Returns the number of cases re-encrypted. The store uses ``new_key`` afterwards.
        """
        if len(new_key) != crypto.KEY_BYTES:
            raise KeyError_("The new data key has the wrong length.")

        def reencrypt(conn: sqlite3.Connection) -> int:
            if self._rotated_elsewhere(conn):
                raise self._rotation_error()
            rows = conn.execute("SELECT case_id, record_version, blob FROM cases").fetchall()
            for case_id, version, blob in rows:
                try:
                    plain = crypto.decrypt(self._key, bytes(blob), record_aad(case_id, version))
                except crypto.DecryptionError:
                    raise StoreError(f"Case {case_id} failed its integrity check; key rotation was cancelled and nothing changed.") from None
                version_now = CURRENT_SCHEMA_VERSION
                conn.execute(
                    "UPDATE cases SET blob = ?, summary = ?, record_version = ? WHERE case_id = ?",
                    (
                        crypto.encrypt(new_key, plain, record_aad(case_id, version_now)),
                        self._encrypt_summary(case_id, version_now, json.loads(plain.decode("utf-8")), new_key),
                        version_now,
                        case_id,
                    ),
                )
            conn.execute("UPDATE meta SET value = ? WHERE key = 'key_check'", (crypto.make_key_check(new_key),))
            return len(rows)

        count = int(self._write(reencrypt, "re-encrypting the store with the new key"))
        self._key = new_key
        self._key_check_seen = self.key_check()
        self.checkpoint()
        return count

    # ---- lifecycle -----------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Fold the WAL into the main file (best effort)."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                log.warning("WAL checkpoint skipped")

    def close(self) -> None:
        with self._lock:
            if self._conn is None:  # type: ignore[comparison-overlap]
                return
            self.checkpoint()
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def apply_retention(store: CaseStore, retention_days: int, audit: Any = None, *, clinician: str = "") -> int:
    """Purge cases older than ``retention_days`` (0 keeps forever) and audit it as "purged".

    Call it when the store is opened (the app and ``cases purge`` do). Returns cases removed.
    """
    count = store.purge(int(retention_days)) if retention_days and retention_days > 0 else 0
    if count and audit is not None:
        audit.append("purged", clinician=clinician, detail=f"older_than_days={int(retention_days)} count={count}")
    return count


class _Damaged(Exception):
    """Internal: quick_check reported damage."""


def _summary(fields: dict[str, Any]) -> CaseSummary:
    snippet = " ".join(str(fields["text"]).split())
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[: SNIPPET_CHARS - 1] + "…"
    final, suggested = int(fields["final_level"]), int(fields["suggested_level"])
    return CaseSummary(
        case_id=str(fields["case_id"]),
        created_at=str(fields["created_at"]),
        suggested_level=suggested,
        final_level=final,
        overridden=final != suggested,
        snippet=snippet,
        clinician=str(fields["clinician"]),
    )


__all__ = ["CaseStore", "apply_retention", "damaged_copies", "move_aside", "normalize_timestamp", "read_key_check", "record_aad"]
