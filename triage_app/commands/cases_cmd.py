"""``triage-app cases list|show|export|purge|new-store``: the encrypted case store from the shell.

Opening the store needs the data key: from the OS keyring, or a passphrase taken from
``TRIAGE_APP_PASSPHRASE`` / ``TRIAGE_APP_PASSPHRASE_FILE``, or asked for on a terminal.
Everything printed is redacted; ``show`` and ``export`` are written to the audit log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError
from triage_app.core.paths import AppPaths
from triage_app.privacy.audit import AuditLog
from triage_app.privacy.export import EXPORT_FORMATS
from triage_app.privacy.keys import console_passphrase_provider, store_initialised, unlock_store
from triage_app.privacy.store import CaseStore, damaged_copies


def cli_passphrase_provider() -> Any:
    """Prompt with getpass only when stdin is a terminal; otherwise rely on the environment."""
    return console_passphrase_provider if sys.stdin.isatty() else None


def open_store_for_cli(paths: AppPaths, *, fresh: bool = False) -> CaseStore:
    """Unlock and open the store for a CLI command (prompts only on a terminal)."""
    return unlock_store(paths, passphrase_provider=cli_passphrase_provider(), fresh=fresh)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="Only cases created on or after this date (YYYY-MM-DD, UTC).")
    parser.add_argument("--until", help="Only cases created on or before this date (YYYY-MM-DD, UTC).")
    parser.add_argument("--level", type=int, choices=range(1, 6), metavar="1-5", help="Only cases with this final level.")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "cases",
        help="List, show, export or purge saved (encrypted) cases.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="cases_command", metavar="ACTION", required=True)

    p_list = sub.add_parser("list", help="List saved cases, newest first.")
    _add_filters(p_list)
    p_list.add_argument("--text", help="Only cases whose redacted text, override reason or clinician contains this (case-insensitive).")
    p_list.add_argument("--limit", type=int, default=100, help="At most this many rows (default 100).")
    p_list.add_argument("--json", action="store_true", help="Print JSON lines instead of a table.")

    p_show = sub.add_parser("show", help="Print one case as JSON (redacted). Audited as 'viewed'.")
    p_show.add_argument("case_id")

    p_export = sub.add_parser("export", help="De-identified export for `triage-app train` (text, level, age, sex, vitals).")
    p_export.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    p_export.add_argument("--out", required=True, type=Path, help="Output file.")
    _add_filters(p_export)

    p_purge = sub.add_parser("purge", help="Delete cases older than the retention period.")
    p_purge.add_argument("--older-than-days", type=int, help="Default: the retention_days setting (0 keeps cases forever).")
    p_purge.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    sub.add_parser("new-store", help="Create a new, empty store after a damaged one was moved aside.")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    action = args.cases_command
    paths: AppPaths = ctx.paths
    if action == "new-store":
        return _new_store(paths)
    if not store_initialised(paths):
        if action == "list":
            print("No cases saved yet.")
            return 0
        if action == "export":
            raise InputError("cases", "There is no case store in this data directory yet; nothing to export.")
        if action == "purge":
            print("No cases saved yet; nothing to purge.")
            return 0
    clinician = str(getattr(ctx.settings, "clinician_name", "") or "")
    audit = AuditLog(paths.audit_path)
    store = open_store_for_cli(paths)
    try:
        if action == "list":
            return _list(store, args)
        if action == "show":
            record = store.get(args.case_id)
            audit.append("viewed", case_id=record.case_id, clinician=clinician, detail="cli")
            print(json.dumps(record.to_dict(), indent=2, ensure_ascii=False))
            return 0
        if action == "export":
            count = store.export(args.out, args.format, since=args.since, until=args.until, level=args.level)
            audit.append("exported", clinician=clinician, detail=f"deidentified {args.format} rows={count}")
            print(f"Exported {count} de-identified case(s) to {args.out}")
            return 0
        if action == "purge":
            return _purge(store, audit, clinician, args, ctx)
    finally:
        store.close()
    raise InputError("cases", f"Unknown action {action!r}.")  # pragma: no cover - argparse guards it


def _list(store: CaseStore, args: argparse.Namespace) -> int:
    rows = store.search(since=args.since, until=args.until, level=args.level, text=args.text, limit=max(1, args.limit))
    if args.json:
        for row in rows:
            print(json.dumps(row.__dict__, ensure_ascii=False))
        return 0
    if not rows:
        print("No matching cases.")
        return 0
    print(f"{'created (UTC)':<20} {'case id':<32} {'sugg':>4} {'final':>5}  {'clinician':<18} snippet")
    for row in rows:
        flag = "*" if row.overridden else " "
        print(
            f"{row.created_at[:19]:<20} {row.case_id:<32} {row.suggested_level:>4} {row.final_level:>4}{flag}"
            f"  {row.clinician[:18]:<18} {row.snippet}"
        )
    print(f"{len(rows)} case(s). * = clinician overrode the suggestion.")
    return 0


def _purge(store: CaseStore, audit: AuditLog, clinician: str, args: argparse.Namespace, ctx: Any) -> int:
    days = args.older_than_days if args.older_than_days is not None else int(ctx.settings.retention_days)
    if days < 0:
        raise InputError("older_than_days", "--older-than-days must be 0 or more.")
    if days == 0:
        print("Retention is 0 days, which keeps cases forever; nothing purged.")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("yes", "Purging deletes cases for good; confirm with --yes.")
        answer = input(f"Delete every case older than {days} days? Type 'yes' to confirm: ")
        if answer.strip().lower() != "yes":
            print("Nothing purged.")
            return 0
    count = store.purge(days)
    audit.append("purged", clinician=clinician, detail=f"older_than_days={days} count={count}")
    print(f"Purged {count} case(s) older than {days} days.")
    return 0


def _new_store(paths: AppPaths) -> int:
    if paths.store_path.exists():
        raise InputError("cases", f"A case store already exists at {paths.store_path}; it was not touched.")
    aside = damaged_copies(paths.store_path)
    store = open_store_for_cli(paths, fresh=True)
    store.close()
    print(f"Created a new, empty case store at {paths.store_path}.")
    if aside:
        print(f"The damaged store(s) beside it were kept unchanged: {', '.join(p.name for p in aside)}")
    return 0


__all__ = ["cli_passphrase_provider", "open_store_for_cli", "register", "run"]
