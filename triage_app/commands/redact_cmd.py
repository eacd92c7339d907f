"""``triage-app redact``: remove PHI from free text, offline, without the data key.

Input: one or more TEXT arguments, or ``--input FILE.jsonl`` with one ``{"id", "text"}``
object per line (``-`` reads standard input). Output: JSON lines in input order,
``{"id", "redacted_text", "spans": [{"start", "end", "label"}]}``; offsets point into the
input text. Nothing is written to disk unless ``--output`` names a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from triage_app.commands.command_io import iter_text_objects, open_output, refuse_file_paths
from triage_app.core.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "redact",
        help="Redact PHI (names, dates, phones, ids, places...) from text; JSONL out.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="Text to redact (ids are 1, 2, ... in order).")
    parser.add_argument("--input", "-i", metavar="FILE.jsonl", help='JSON lines with "id" and "text"; "-" for stdin.')
    parser.add_argument("--output", "-o", metavar="FILE.jsonl", help="Write here instead of standard output.")
    parser.set_defaults(func=run)


def _records_from_jsonl(stream: TextIO, source: str) -> Iterator[tuple[Any, str]]:
    for lineno, obj in iter_text_objects(stream, source):
        yield obj.get("id", lineno), obj["text"]


def _records(args: argparse.Namespace) -> Iterator[tuple[Any, str]]:
    if args.input and args.texts:
        raise InputError("text", "Give either TEXT arguments or --input, not both.")
    if args.input == "-":
        yield from _records_from_jsonl(sys.stdin, "standard input")
    elif args.input:
        path = Path(args.input)
        if not path.is_file():
            raise InputError("text", f"Input file not found: {path}", "Check the path to the JSONL file.")
        try:
            with path.open(encoding="utf-8") as handle:
                yield from _records_from_jsonl(handle, path.name)
        except UnicodeDecodeError as exc:
            raise InputError("text", f"{path.name} is not UTF-8 text.", "Save the JSONL file as UTF-8.") from exc
    elif args.texts:
        refuse_file_paths(args.texts)
        yield from enumerate(args.texts, start=1)
    else:
        raise InputError("text", "Nothing to redact.", 'Pass TEXT arguments or --input FILE.jsonl (lines of {"id", "text"}).')


def run(args: argparse.Namespace, ctx: Any) -> int:
    from triage_app.privacy.redactor import default_redactor

    redactor = default_redactor()
    out: TextIO
    close = False
    if args.output:
        out = open_output(Path(args.output))
        close = True
    else:
        out = sys.stdout
    try:
        for record_id, text in _records(args):
            result = redactor.redact(text)
            row = {
                "id": record_id,
                "redacted_text": result.text,
                "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in result.spans],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if close:
            out.close()
    return 0


__all__ = ["register", "run"]
