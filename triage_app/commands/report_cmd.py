"""``triage-app report``: the PDF triage summary of a saved case or of a ``classify`` record.

Sources:

- ``--case ID``: a case from the encrypted store (needs the data key: OS keyring, or the
  passphrase from TRIAGE_APP_PASSPHRASE / TRIAGE_APP_PASSPHRASE_FILE, or a terminal prompt).
- ``--from FILE``: a JSON or JSONL file holding a ``classify`` output record (optionally with
  ``text``/``age``/``sex``/``vitals``, or an ``intake`` object), a ``TriageResult`` JSON, or a
  saved case (``cases show`` output). Never opens the store, so it never asks for a key. Any
  ``text`` in the record is redacted before it goes into the PDF.

The PDF holds no identifiers unless ``--include-identifiers`` is given together with the
original text (``--original-text-file``, or the unredacted ``text`` of a ``--from`` record);
that export is written to the audit log as ``exported_with_identifiers``. ``--password``
encrypts the PDF with AES-256; give the password as its value, or leave the value out to be
asked for it (or to take it from TRIAGE_APP_PDF_PASSWORD).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_app.core.acuity import NUM_LEVELS
from triage_app.core.errors import InputError
from triage_app.core.intake import Intake
from triage_app.core.paths import AppPaths
from triage_app.core.results import CaseRecord, TriageResult

ENV_PDF_PASSWORD = "TRIAGE_APP_PDF_PASSWORD"
_PROMPT = object()
#: Ids that are safe to print and audit as they are; anything else (it might be an MRN) is hashed.
_OPAQUE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_INTAKE_KEYS = ("text", "age", "age_years", "age_months", "sex", "pregnant", "vitals")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "report",
        help="Write the PDF triage summary of a saved case (--case) or a classify record (--from).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--case", dest="case_id", metavar="ID", help="A saved case id (see `triage-app cases list`).")
    source.add_argument("--from", dest="from_file", type=Path, metavar="FILE", help="A classify JSON/JSONL record, a result or a saved case.")
    parser.add_argument("--record", metavar="ID", help="With --from: which record of a multi-record file (its id).")
    parser.add_argument("--out", type=Path, metavar="PATH", help="Output PDF (default: triage-summary-<case id>.pdf here).")
    parser.add_argument(
        "--password",
        nargs="?",
        const=_PROMPT,
        metavar="PASSWORD",
        help=f"Encrypt the PDF (AES-256). Without a value: asked for on the terminal, or taken from {ENV_PDF_PASSWORD}.",
    )
    parser.add_argument(
        "--include-identifiers",
        action="store_true",
        help="Also print the original, unredacted complaint, marked CONTAINS IDENTIFIERS. Audited.",
    )
    parser.add_argument("--original-text-file", type=Path, metavar="FILE", help="The original complaint text (for --include-identifiers).")
    parser.add_argument("--final-level", type=int, choices=range(1, NUM_LEVELS + 1), metavar="1-5", help="With --from: the clinician's decided level.")
    parser.add_argument("--override-reason", default="", help="With --from: reason for a final level that differs from the suggestion.")
    parser.add_argument("--clinician", help="With --from: clinician name (default: the clinician_name setting).")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from triage_app.reporting.pdf import render_case_pdf

    paths: AppPaths = ctx.paths
    settings = ctx.settings
    if args.case_id is not None and (args.final_level is not None or args.override_reason or args.clinician or args.record):
        raise InputError("case", "--final-level, --override-reason, --clinician and --record only apply to --from.")
    if args.original_text_file is not None and not args.include_identifiers:
        raise InputError("include_identifiers", "--original-text-file is only used with --include-identifiers.")

    raw_text: str | None = None
    if args.case_id is not None:
        record = _load_case(paths, args.case_id)
    else:
        data = _select_record(_read_records(args.from_file), args.record)
        record, raw_text = record_from_dict(
            data,
            clinician=args.clinician if args.clinician is not None else str(settings.clinician_name or ""),
            final_level=args.final_level,
            override_reason=args.override_reason,
        )

    original: str | None = None
    if args.include_identifiers:
        if args.original_text_file is not None:
            original = _read_text(args.original_text_file)
        else:
            original = raw_text
        if not (original or "").strip():
            raise InputError(
                "original_text",
                "--include-identifiers needs the original complaint, and none is available "
                "(a saved case keeps only the redacted text).",
                "Give it with --original-text-file FILE, or export without identifiers.",
            )

    password = _password(args.password)
    out = args.out or Path(f"triage-summary-{record.case_id[:16]}.pdf")
    path = render_case_pdf(
        record,
        out,
        settings=settings,
        include_identifiers=args.include_identifiers,
        original_text=original,
        password=password,
    )
    _audit(paths, record, clinician=str(settings.clinician_name or record.clinician or ""), identifiers=args.include_identifiers)
    notes = []
    if password:
        notes.append("password-protected (AES-256)")
    if args.include_identifiers:
        notes.append("CONTAINS IDENTIFIERS; export recorded in the audit log")
    suffix = f" [{'; '.join(notes)}]" if notes else ""
    print(f"Wrote {path}{suffix}")
    return 0


# --- sources -----------------------------------------------------------------------------------


def _load_case(paths: AppPaths, case_id: str) -> CaseRecord:
    from triage_app.privacy.keys import console_passphrase_provider, store_initialised, unlock_store

    if not store_initialised(paths):
        raise InputError("case", "There is no case store in this data directory yet.", "Save a case first, or use --from FILE.")
    store = unlock_store(paths, passphrase_provider=console_passphrase_provider if sys.stdin.isatty() else None)
    try:
        return store.get(case_id)
    finally:
        store.close()


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file", f"The file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("file", f"The file {path} could not be read as UTF-8 text ({type(exc).__name__}).") from None


def _read_records(path: Path) -> list[dict[str, Any]]:
    """A JSON object, a JSON list of objects, or JSONL (blank lines skipped)."""
    text = _read_text(path)
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        return [whole]
    if isinstance(whole, list):
        items = whole
    else:
        items = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError as exc:
                raise InputError("record", f"Line {n} of {path} is not valid JSON ({exc.msg}).") from None
    records = [item for item in items if isinstance(item, dict)]
    if not records:
        raise InputError("record", f"{path} holds no JSON record.", "Use the output of `triage-app classify` or `cases show`.")
    return records


def _record_id(data: dict[str, Any]) -> str:
    return str(data.get("case_id", data.get("id", "")))


def _select_record(records: list[dict[str, Any]], wanted: str | None) -> dict[str, Any]:
    if wanted is not None:
        for data in records:
            if _record_id(data) == wanted:
                return data
        raise InputError("record", f"No record with the id {wanted[:64]!r} in the file ({len(records)} record(s)).")
    if len(records) > 1:
        raise InputError("record", f"The file holds {len(records)} records.", "Choose one with --record ID.")
    return records[0]


def _opaque_id(value: str) -> str:
    """The record's id when it is a plain token; otherwise a hash of it (it might be an MRN)."""
    value = value.strip()
    if value and _OPAQUE_ID.match(value):
        return value
    if not value:
        return "unsaved"
    return "r" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:15]


def record_from_dict(
    data: dict[str, Any],
    *,
    clinician: str = "",
    final_level: int | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> tuple[CaseRecord, str | None]:
    """Build a CaseRecord from a classify record, a TriageResult dict or a saved-case dict.

    Text that is not already known to be redacted (a classify record's ``text``) is run
    through the app's redactor, so the PDF shows redacted text only.

    Returns:
        (record, the unredacted text when the source carried one, else None).

    Raises:
        InputError: An error record, a missing field, or an override without a reason.
    """
    if "error" in data and "level" not in data:
        raise InputError("record", "That record is a classify error, not a result; there is nothing to report.")
    if "case_id" in data and "result" in data:
        record = CaseRecord.from_dict(data)
        return record, None
    missing = [k for k in ("probabilities", "model_level", "model") if k not in data]
    if missing or ("level" not in data and "final_level" not in data):
        raise InputError(
            "record",
            f"The record lacks {', '.join(missing) or 'level'}; it is not a classify output record.",
            "Use the output of `triage-app classify` or `triage-app cases show`.",
        )
    raw_text: str | None = None
    if isinstance(data.get("intake"), dict):
        intake_dict = dict(data["intake"])  # a TriageResult dict: already redacted
        attributions = data.get("attributions", [])
    else:
        intake_dict = {k: data[k] for k in _INTAKE_KEYS if k in data}
        intake_dict.setdefault("text", "")
        raw_text = str(intake_dict["text"]) or None
        attributions = []
    spans: tuple[Any, ...] = ()
    if intake_dict.get("text"):
        from triage_app.privacy.redactor import default_redactor

        redacted = default_redactor().redact(str(intake_dict["text"]))
        if redacted.text != intake_dict["text"]:
            attributions = []  # offsets no longer match the text the PDF shows
        intake_dict["text"] = redacted.text
        spans = tuple(redacted.spans)
    Intake.from_dict(intake_dict)  # validate early; the error names the field
    result = TriageResult.from_dict(
        {
            **{k: v for k, v in data.items() if k not in _INTAKE_KEYS},
            "intake": intake_dict,
            "attributions": attributions,
        }
    )
    if final_level is not None:
        decided = int(final_level)
    elif "level" in data and data.get("final_level") is not None:
        decided = int(data["final_level"])  # a hand-made record carrying the clinician's decision
    else:
        decided = result.final_level
    reason = (override_reason or str(data.get("override_reason", ""))).strip()
    if decided != result.final_level and not reason:
        raise InputError(
            "override_reason",
            f"The final level {decided} differs from the suggestion {result.final_level}.",
            "Give the reason with --override-reason.",
        )
    stamp = data.get("created_at") or (now or datetime.now(UTC)).isoformat(timespec="seconds")
    record = CaseRecord(
        case_id=_opaque_id(_record_id(data)),
        created_at=str(stamp),
        result=result,
        final_level=decided,
        clinician=str(data.get("clinician") or clinician or ""),
        override_reason=reason if decided != result.final_level else "",
        redaction_spans=spans,
    )
    return record, raw_text


# --- options -----------------------------------------------------------------------------------


def _password(value: Any) -> str | None:
    if value is None:
        return None
    if value is not _PROMPT:
        print("warning: a password given on the command line can be seen in the shell history.", file=sys.stderr)
        return str(value)
    env = os.environ.get(ENV_PDF_PASSWORD)
    if env:
        return env
    if not sys.stdin.isatty():
        raise InputError("password", "--password needs a password, and there is no terminal to ask on.", f"Set {ENV_PDF_PASSWORD}.")
    first = getpass.getpass("Password for the PDF: ")
    if not first:
        raise InputError("password", "The PDF password is empty.")
    if getpass.getpass("Repeat the password: ") != first:
        raise InputError("password", "The two passwords differ; nothing was written.")
    return first


def _audit(paths: AppPaths, record: CaseRecord, *, clinician: str, identifiers: bool) -> None:
    from triage_app.privacy.audit import AuditLog

    case_id = record.case_id if _OPAQUE_ID.match(record.case_id) else None
    AuditLog(paths.audit_path).append(
        "exported_with_identifiers" if identifiers else "exported",
        case_id=case_id,
        clinician=clinician,
        detail="pdf cli",
    )


__all__ = ["ENV_PDF_PASSWORD", "record_from_dict", "register", "run"]
