"""Append-only, hash-chained audit log (JSONL) of who did what to which case, and when.

Each line is one entry::

    {"seq": 7, "ts": "2026-11-28T18:00:00.123456Z", "action": "viewed", "case_id": "ab12...",
     "os_user": "nurse1", "clinician": "Dr Example", "detail": "", "prev": "<hash of entry 6>",
     "hash": "<sha256 of this entry's canonical JSON without 'hash'>"}

Canonical JSON is ``json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``.
Editing an entry breaks its hash; removing or reordering entries breaks ``seq`` and the
``prev`` chain. Removing entries from the *end* is caught by the head file
(``audit.jsonl.head``: last seq and hash, rewritten atomically on each append). Someone who
can rewrite both files can forge the whole log; this detects accidents and casual edits,
not a determined administrator (see docs/agents/store-decisions.md).

No PHI: ``detail`` must be a short fixed string (``[A-Za-z0-9 _.:=,/-]``, at most 80
characters) or it is replaced by ``[withheld]``; case ids must be opaque ids. The
clinician name is recorded in the clear on purpose: it identifies staff, not patients,
and accountability is the point of the log. Each append is flushed and fsynced, under an
exclusive file lock so two processes (GUI and CLI) cannot fork the chain.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from triage_app.core.errors import StoreError

log = logging.getLogger(__name__)

ACTIONS: frozenset[str] = frozenset(
    {
        "saved",
        "viewed",
        "exported",
        "exported_with_identifiers",
        "overridden",
        "model_changed",
        "key_rotated",
        "purged",
        "settings_changed",
    }
)
GENESIS_HASH = "0" * 64
MAX_DETAIL_CHARS = 80
MAX_CLINICIAN_CHARS = 120
_DETAIL_RE = re.compile(r"^[A-Za-z0-9 _.:=,/-]*$")
_CASE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
WITHHELD = "[withheld]"
FIELDS: tuple[str, ...] = ("seq", "ts", "action", "case_id", "os_user", "clinician", "detail", "prev", "hash")


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of the entry without its ``hash`` field."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises OSError/KeyError without a login name
        return "unknown"


@contextmanager
def _locked(handle: IO[bytes]) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class AuditLog:
    """The audit log at ``path`` (normally ``AppPaths.audit_path``); implements AuditSink."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")

    # ---- writing -------------------------------------------------------------------------
    def append(self, action: str, *, case_id: str | None = None, clinician: str = "", detail: str = "") -> None:
        """Append one entry (flushed and fsynced).

        Raises:
            ValueError: Unknown action or a case id that is not an opaque id (a bug).
            StoreError: The log could not be written (full disk, permissions).
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        if case_id is not None and not _CASE_ID_RE.match(case_id):
            raise ValueError("audit case ids must be opaque ids")
        detail = str(detail or "")
        if len(detail) > MAX_DETAIL_CHARS or not _DETAIL_RE.match(detail):
            log.warning("audit detail withheld (not a short fixed string)")
            detail = WITHHELD
        clinician = " ".join(str(clinician or "").split())[:MAX_CLINICIAN_CHARS]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_APPEND, 0o600)
            with os.fdopen(fd, "r+b") as handle, _locked(handle):
                last = self._last_entry(handle)
                entry: dict[str, Any] = {
                    "seq": (int(last["seq"]) + 1) if last else 1,
                    "ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "action": action,
                    "case_id": case_id,
                    "os_user": _os_user(),
                    "clinician": clinician,
                    "detail": detail,
                    "prev": str(last["hash"]) if last else GENESIS_HASH,
                }
                entry["hash"] = entry_hash(entry)
                end = handle.seek(0, os.SEEK_END)
                if end:
                    handle.seek(end - 1)
                    if handle.read(1) != b"\n":  # a torn write from a crash: start a new line
                        handle.write(b"\n")
                handle.write((json.dumps(entry, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii"))
                handle.flush()
                os.fsync(handle.fileno())
                self._write_head(entry)
        except OSError as exc:
            log.error("audit append failed: %s", type(exc).__name__)
            raise StoreError(
                f"The audit log {self.path} could not be written ({type(exc).__name__}); the action was not recorded.",
                "Free disk space or fix the folder's permissions.",
            ) from None

    @staticmethod
    def _last_entry(handle: IO[bytes]) -> dict[str, Any] | None:
        """The last complete entry, read from the tail of the file."""
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return None
        chunk = 65536
        while True:
            start = max(0, size - chunk)
            handle.seek(start)
            data = handle.read(size - start).decode("utf-8", errors="replace")
            lines = [ln for ln in data.splitlines() if ln.strip()]
            if start > 0 and len(lines) < 2:
                chunk *= 4
                continue
            for line in reversed(lines if start == 0 else lines[1:]):
                try:
                    entry = json.loads(line)
                    if isinstance(entry, dict) and "hash" in entry and "seq" in entry:
                        return entry
                except ValueError:
                    continue
            return None

    def _write_head(self, entry: dict[str, Any]) -> None:
        tmp = self.head_path.with_name(self.head_path.name + ".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"seq": entry["seq"], "hash": entry["hash"]}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.head_path)

    # ---- reading -------------------------------------------------------------------------
    def entries(self) -> list[dict[str, Any]]:
        """All parseable entries, in file order (for display; use verify() to trust them)."""
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def verify(self) -> list[str]:
        """Check the whole chain. Returns problems (empty list: intact)."""
        problems: list[str] = []
        if not self.path.is_file():
            if self.head_path.is_file():
                problems.append("the audit log file is missing but its head record exists (log deleted)")
            return problems
        prev_hash, prev_seq = GENESIS_HASH, 0
        lines = self.path.read_text(encoding="utf-8", errors="replace").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError
            except ValueError:
                problems.append(f"line {number}: not a valid JSON entry (edited or truncated)")
                continue
            missing = [f for f in FIELDS if f not in entry]
            if missing:
                problems.append(f"line {number}: missing field(s) {', '.join(missing)}")
                continue
            extra = sorted(set(entry) - set(FIELDS))
            if extra:
                problems.append(f"line {number}: unexpected field(s) {', '.join(extra)}")
            if entry_hash(entry) != entry["hash"]:
                problems.append(f"line {number} (seq {entry['seq']}): content does not match its hash (entry edited)")
            if entry["prev"] != prev_hash:
                problems.append(f"line {number} (seq {entry['seq']}): does not follow the previous entry (entry removed, inserted or reordered)")
            if entry["seq"] != prev_seq + 1:
                problems.append(f"line {number}: sequence number {entry['seq']} where {prev_seq + 1} was expected (entry removed or reordered)")
            if entry["action"] not in ACTIONS:
                problems.append(f"line {number}: unknown action {str(entry['action'])[:30]!r}")
            prev_hash = str(entry["hash"])
            prev_seq = int(entry["seq"]) if isinstance(entry["seq"], int) else prev_seq + 1
        head = self._read_head()
        if head is None:
            if prev_seq and self.head_path.exists():
                problems.append("the head record is unreadable")
            elif prev_seq:
                problems.append("the head record is missing (cannot check that no entries were removed from the end)")
        elif head.get("seq") != prev_seq or head.get("hash") != prev_hash:
            problems.append(
                f"the log ends at entry {prev_seq} but its head record says {head.get('seq')} (entries removed from the end, or the log replaced)"
            )
        return problems

    def _read_head(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


__all__ = ["ACTIONS", "GENESIS_HASH", "AuditLog", "canonical", "entry_hash"]
