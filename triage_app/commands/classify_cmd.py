"""``triage-app classify``: suggest acuity levels for texts, a JSONL/CSV file or stdin.

Output is JSONL, one object per record, in input order::

    {"id", "level", "level_name", "probabilities": {"1".."5"}, "model_level",
     "escalations": [{"rule", "reason", "min_level"}], "uncertain", "uncertainty_reasons",
     "warnings", "model": {"name", "version", "sha256"}, "device"}

A record that cannot be processed gives ``{"id", "error": {"type", "field", "message"}}`` on its
line and the run goes on. Exit code: 0 when at least one record was classified, 1 when none
was or the model cannot load. The complaint text is never echoed. Never opens the case store,
so it never asks for a key.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from triage_app.commands.command_io import check_output_path, open_output, refuse_file_paths
from triage_app.core.errors import InputError, TriageError
from triage_app.core.intake import VITAL_RANGES, Intake

VITAL_COLUMNS: tuple[str, ...] = (*VITAL_RANGES, "avpu", "temp_f")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "classify",
        help="Suggest acuity levels (JSONL out) for texts, a JSONL/CSV file, or stdin.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("texts", nargs="*", help="Complaint texts; '-' reads records from stdin (JSONL or one text per line).")
    parser.add_argument("-i", "--input", type=Path, help="JSONL or CSV file of records (id, text, age, sex, pregnant, vitals).")
    parser.add_argument("-o", "--output", type=Path, help="Write JSONL here instead of stdout.")
    parser.add_argument("--format", choices=("auto", "jsonl", "csv"), default="auto", help="Input file format (default: by extension).")
    parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")
    parser.set_defaults(func=run)


Record = tuple[str, dict[str, Any] | None, TriageError | None]








def _error_record(rid: str, exc: TriageError) -> dict[str, Any]:
    return {"id": rid, "error": {"type": type(exc).__name__, "field": getattr(exc, "field", None), "message": str(exc)}}


def _parse_json_line(line: str, rid: str) -> Record:
    try:
        data = json.loads(line)
    except ValueError as exc:
        return rid, None, InputError("record", f"Line {rid} is not valid JSON ({exc.msg}).")
    if isinstance(data, str):
        data = {"text": data}
    if not isinstance(data, dict):
        return rid, None, InputError("record", f"Line {rid} must be a JSON object with a 'text' field.")
    return str(data.get("id", rid)), data, None


def _csv_row(row: dict[str, str | None], rid: str) -> Record:
    row = {k.strip().lower(): (v if v is not None else "") for k, v in row.items() if k}
    record: dict[str, Any] = {k: v for k, v in row.items() if k not in VITAL_COLUMNS and k != "vitals" and v != ""}
    vitals: dict[str, Any] = {k: row[k] for k in VITAL_COLUMNS if row.get(k, "") != ""}
    if row.get("vitals"):
        try:
            vitals.update(json.loads(row["vitals"]))
        except (ValueError, TypeError):
            return rid, None, InputError("vitals", f"Row {rid}: the 'vitals' column is not a JSON object.")
    if vitals:
        record["vitals"] = vitals
    if "pregnant" in record:
        record["pregnant"] = str(record["pregnant"]).strip().lower() in ("1", "true", "yes", "y")
    return str(record.pop("id", rid)), record, None


def read_records(handle: TextIO, fmt: str) -> Iterator[Record]:
    """Records from a JSONL or CSV stream (``fmt``: jsonl, csv, or lines = one text per line)."""
    if fmt == "csv":
        for n, row in enumerate(csv.DictReader(handle), start=1):
            yield _csv_row(row, str(n))
        return
    for n, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        if fmt == "jsonl" or line.lstrip().startswith("{"):
            yield _parse_json_line(line, str(n))
        else:
            yield str(n), {"text": line.rstrip("\n")}, None


def _detect_format(path: Path, requested: str) -> str:
    if requested != "auto":
        return requested
    return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"


def result_record(rid: str, result: Any) -> dict[str, Any]:
    """The public JSONL shape for one result (no complaint text)."""
    return {
        "id": rid,
        "level": result.final_level,
        "level_name": result.level.name,
        "probabilities": {str(i + 1): round(p, 6) for i, p in enumerate(result.probabilities)},
        "model_level": result.model_level,
        "escalations": [{"rule": e.rule, "reason": e.reason, "min_level": e.min_level} for e in result.escalations],
        "uncertain": result.uncertain,
        "uncertainty_reasons": list(result.uncertainty_reasons),
        "warnings": list(result.warnings),
        "model": result.model.to_dict(),
        "device": result.device,
    }


def run(args: argparse.Namespace, ctx: Any) -> int:
    from triage_app.services import TriageService

    if args.input is not None and args.texts:
        raise InputError("input", "Give texts or --input FILE, not both.")
    records: list[Record]
    show_progress = False
    if args.input is not None:
        if not args.input.is_file():
            raise InputError("input", f"The input file {args.input} does not exist.")
        fmt = _detect_format(args.input, args.format)
        with args.input.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            records = list(read_records(handle, fmt))
        show_progress = not args.no_progress
    elif args.texts == ["-"]:
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
        records = list(read_records(stream, "csv" if args.format == "csv" else "lines"))
    elif args.texts:
        refuse_file_paths(args.texts)
        records = [(str(n), {"text": text}, None) for n, text in enumerate(args.texts, start=1)]
    else:
        raise InputError("texts", "Nothing to classify.", "Give texts, --input FILE, or '-' for stdin.")
    if args.input is not None and not records:
        raise InputError("input", f"There are no records in {args.input}: the file is empty or holds only a header.", "Give a JSONL file (one record per line) or a CSV file with a header and at least one row.")
    if args.output:
        check_output_path(args.output)

    service = TriageService.from_settings(ctx.settings, ctx.paths, open_store=False)
    if service.model_error is not None:
        raise service.model_error
    print(f"device: {service.device_status}", file=sys.stderr)

    out: TextIO = open_output(args.output) if args.output else sys.stdout
    ok = 0
    try:
        from tqdm import tqdm

        bar = tqdm(total=len(records), file=sys.stderr, unit="case", disable=not show_progress)
        for rid, data, error in records:
            if error is None:
                try:
                    result = service.triage(Intake.from_dict(data or {}), explain=False)
                    line = result_record(rid, result)
                    ok += 1
                except TriageError as exc:
                    line = _error_record(rid, exc)
            else:
                line = _error_record(rid, error)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
            bar.update(1)
        bar.close()
    finally:
        if args.output:
            out.close()
    failed = len(records) - ok
    if failed:
        print(f"{ok} classified, {failed} failed (see the error objects)", file=sys.stderr)
    return 0 if ok else 1


__all__ = ["read_records", "register", "result_record", "run"]
