"""Schema versions of the case store and the steps between them.

The version lives in SQLite's ``PRAGMA user_version``. Each migration is a function that
runs inside the caller's transaction, so a failed upgrade leaves the old schema intact.
Add a version by appending one ``Migration`` to :data:`MIGRATIONS`; never edit an old one.

Only these columns are stored in the clear, because listing needs them and none is PHI:
``case_id`` (random hex), ``created_at`` (UTC timestamp), ``suggested_level``,
``final_level``, ``overridden``, ``record_version``. Everything else is encrypted: the
whole record in ``blob``, and (from version 2) the few fields that listing and text search
need (redacted text, override reason, clinician, original timestamp) in a small separate
``summary`` blob, so a search decrypts ~0.3 kB per case instead of the full record.

Some migrations must re-encrypt; they get a :class:`MigrationContext` whose callables the
store supplies (this module never sees the key).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from triage_app.core.errors import StoreError

CURRENT_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class MigrationContext:
    """What a migration may do with encrypted data, without holding the key.

    Attributes:
        decrypt_record: ``(case_id, record_version, blob) -> record dict``.
        encrypt_summary: ``(case_id, record_version, record dict) -> summary blob``.
    """

    decrypt_record: Callable[[str, int, bytes], dict[str, Any]]
    encrypt_summary: Callable[[str, int, dict[str, Any]], bytes]


@dataclass(frozen=True)
class Migration:
    """Upgrade from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection, MigrationContext], None]


def _v1_initial(conn: sqlite3.Connection, ctx: MigrationContext) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS cases (
            case_id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            suggested_level INTEGER NOT NULL,
            final_level INTEGER NOT NULL,
            overridden INTEGER NOT NULL,
            record_version INTEGER NOT NULL,
            blob BLOB NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS cases_final_level ON cases (final_level, created_at)")


def _v2_summary_blob(conn: sqlite3.Connection, ctx: MigrationContext) -> None:
    conn.execute("ALTER TABLE cases ADD COLUMN summary BLOB")
    rows = conn.execute("SELECT case_id, record_version, blob FROM cases").fetchall()
    for case_id, version, blob in rows:
        data = ctx.decrypt_record(case_id, version, bytes(blob))
        conn.execute("UPDATE cases SET summary = ? WHERE case_id = ?", (ctx.encrypt_summary(case_id, version, data), case_id))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: meta and encrypted cases", _v1_initial),
    Migration(2, "small encrypted summary blob per case for fast listing and text search", _v2_summary_blob),
)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, ctx: MigrationContext, target: int = CURRENT_SCHEMA_VERSION) -> list[int]:
    """Apply pending migrations inside the open transaction. Returns the versions applied.

    Raises:
        StoreError: The file was written by a newer version of the app.
    """
    current = schema_version(conn)
    if current > target:
        raise StoreError(
            f"The case store has schema version {current}, newer than this app supports ({target}).",
            "Install the newer version of Triage Assistant that created it; the file was not changed.",
        )
    applied: list[int] = []
    for migration in MIGRATIONS:
        if current < migration.version <= target:
            migration.apply(conn, ctx)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            applied.append(migration.version)
    return applied


__all__ = ["CURRENT_SCHEMA_VERSION", "MIGRATIONS", "Migration", "MigrationContext", "migrate", "schema_version"]
