"""``triage-app keys status|rotate|backup|restore``: the data key of the encrypted case store.

``status`` says where the key comes from (OS keyring or passphrase) without unlocking.
``rotate`` re-encrypts every case under a new key; interrupting it leaves a usable store.
``backup`` writes the key, encrypted under a backup passphrase, to a file to keep off the
machine; ``restore`` puts it back when a keyring entry or ``key.json`` was lost. The backup
passphrase comes from ``TRIAGE_APP_BACKUP_PASSPHRASE`` or is asked for on a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from triage_app.commands.cases_cmd import cli_passphrase_provider
from triage_app.core.errors import InputError, KeyError_
from triage_app.core.paths import AppPaths
from triage_app.privacy.audit import AuditLog
from triage_app.privacy.keys import (
    ENV_BACKUP_PASSPHRASE,
    key_status,
    obtain_data_key,
    restore_key_backup,
    rotate_data_key,
    store_initialised,
    write_key_backup,
)
from triage_app.privacy.store import CaseStore


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "keys",
        help="Show, rotate, back up or restore the case store's data key.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    sub.add_parser("status", help="Where the data key comes from (does not unlock anything).")
    p_rotate = sub.add_parser("rotate", help="Re-encrypt every case under a new data key.")
    p_rotate.add_argument(
        "--new-passphrase",
        action="store_true",
        help="Passphrase stores only: also choose a new passphrase (asked on the terminal, "
        "or from TRIAGE_APP_NEW_PASSPHRASE).",
    )
    p_backup = sub.add_parser("backup", help="Write an encrypted backup of the data key.")
    p_backup.add_argument("--out", required=True, type=Path)
    p_restore = sub.add_parser("restore", help="Restore the data key from a backup file.")
    p_restore.add_argument("--from", dest="source", required=True, type=Path)
    parser.set_defaults(func=run)


def _backup_passphrase(confirm: bool) -> str:
    value = os.environ.get(ENV_BACKUP_PASSPHRASE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise KeyError_("No backup passphrase was given.", f"Run on a terminal, or set {ENV_BACKUP_PASSPHRASE}.")
    first = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("Repeat the backup passphrase: ") != first:
        raise KeyError_("The two backup passphrases differ; nothing was written.")
    return first


def _new_passphrase() -> str:
    value = os.environ.get("TRIAGE_APP_NEW_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise KeyError_("No new passphrase was given.", "Run on a terminal, or set TRIAGE_APP_NEW_PASSPHRASE.")
    first = getpass.getpass("New passphrase: ")
    if getpass.getpass("Repeat the new passphrase: ") != first:
        raise KeyError_("The two new passphrases differ; the key was not rotated.")
    return first


class _AskOnce:
    """Wraps a passphrase prompt so unlocking and rotating ask the user only once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.answer: str | None = None

    def __call__(self, first_time: bool) -> str | None:
        if self.answer is None and self.inner is not None:
            self.answer = self.inner(first_time)
        return self.answer


def run(args: argparse.Namespace, ctx: Any) -> int:
    paths: AppPaths = ctx.paths
    action = args.keys_command
    clinician = str(getattr(ctx.settings, "clinician_name", "") or "")
    if action == "status":
        status = key_status(paths)
        print(f"Key source:      {status.source}")
        print(f"                 {status.description}")
        print(f"Keyring backend: {status.keyring_backend} ({'usable' if status.keyring_usable else 'not usable'})")
        if status.source == "keyring":
            print(f"Keyring entry:   service 'TriageAssistant', user '{status.keyring_entry}'")
        print(f"Key settings:    {status.params_path}{'' if status.params_path.exists() else ' (not created yet)'}")
        print(f"Case store:      {paths.store_path}{'' if status.store_exists else ' (not created yet)'}")
        if status.created_at:
            print(f"Created:         {status.created_at}")
        if status.rotated_at:
            print(f"Last rotated:    {status.rotated_at}")
        if status.rotation_pending:
            print("Rotation:        an interrupted rotation is pending; it is finished on the next unlock.")
        return 0
    if not store_initialised(paths):
        raise InputError("keys", "There is no data key in this data directory yet.", "Save a case first (or run `triage-app cases new-store`).")
    if action == "rotate":
        new_passphrase = _new_passphrase() if args.new_passphrase else None
        asked = _AskOnce(cli_passphrase_provider())
        key = obtain_data_key(paths, passphrase_provider=asked if asked.inner else None)
        store = CaseStore.open(paths.store_path, key)
        try:
            count = rotate_data_key(paths, store, passphrase_provider=asked if asked.inner else None, new_passphrase=new_passphrase)
        finally:
            store.close()
        AuditLog(paths.audit_path).append("key_rotated", clinician=clinician, detail=f"cases={count}")
        print(f"Data key rotated: {count} case(s) re-encrypted. Make a new key backup (`triage-app keys backup`).")
        return 0
    if action == "backup":
        key = obtain_data_key(paths, passphrase_provider=cli_passphrase_provider())
        out = write_key_backup(paths, key, args.out, _backup_passphrase(confirm=True))
        print(f"Key backup written to {out}. Keep it, and its passphrase, somewhere other than this machine.")
        return 0
    if action == "restore":
        source = restore_key_backup(paths, args.source, _backup_passphrase(confirm=False))
        print(f"Data key restored ({source}). The case store can be opened again.")
        return 0
    raise InputError("keys", f"Unknown action {action!r}.")  # pragma: no cover - argparse guards it


__all__ = ["register", "run"]
