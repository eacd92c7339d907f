"""``triage-app audit verify|show``: check the hash-chained audit log.

``verify`` exits 1 when any entry was edited, removed, inserted or reordered. The audit
log holds no PHI, so neither action needs the data key.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from triage_app.privacy.audit import AuditLog


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "audit",
        help="Verify or show the tamper-evident audit log.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    sub.add_parser("verify", help="Check the hash chain; exit 1 on tampering.")
    p_show = sub.add_parser("show", help="Print the last entries as JSON lines.")
    p_show.add_argument("--last", type=int, default=20, help="How many entries (default 20).")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    audit = AuditLog(ctx.paths.audit_path)
    if args.audit_command == "show":
        for entry in audit.entries()[-max(1, args.last) :]:
            print(json.dumps(entry, sort_keys=True))
        return 0
    problems = audit.verify()
    count = len(audit.entries())
    if problems:
        print(f"Audit log {audit.path} FAILED verification ({len(problems)} problem(s)):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"Audit log {audit.path} is intact: {count} entr{'y' if count == 1 else 'ies'}, hash chain verified.")
    return 0


__all__ = ["register", "run"]
