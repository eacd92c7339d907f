"""Schema versions of the case store and the steps between them.

The version lives in SQLite's ``PRAGMA user_version``. Each migration is a function that
runs inside the caller's transaction, so a failed upgrade leaves the old schema intact.
Add a version by appending one ``Migration`` to :data:`MIGRATIONS`; never edit an old one.

Only these columns are stored in the clear, because listing needs them and none is PHI:
``case_id`` (random hex), ``created_at`` (UTC timestamp), ``suggested_level``,
``final_level``, ``overridden``, ``record_version``. Everything else, including the
snippet, the clinician name and the override reason, is inside the AES-GCM ``blob``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from triage_app.core.errors import StoreError

CURRENT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Migration:
    """Upgrade from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _v1_initial(conn: sqlite3.Connection) -> None:
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


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial schema: meta and encrypted cases", _v1_initial),)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = CURRENT_SCHEMA_VERSION) -> list[int]:
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
            migration.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            applied.append(migration.version)
    return applied


__all__ = ["CURRENT_SCHEMA_VERSION", "MIGRATIONS", "Migration", "migrate", "schema_version"]
