"""Input and output plumbing shared by the JSONL commands (classify, explain, redact)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from triage_app.core.errors import InputError


def refuse_file_paths(texts: list[str]) -> None:
    """A complaint text that names an existing file is almost surely a file meant for ``-i``.

    Classifying the path itself would give a confident-looking suggestion for the words of a file
    name, so say so instead of guessing.
    """
    for text in texts:
        candidate = text.strip()
        if candidate and candidate != "-" and not any(c.isspace() for c in candidate):
            try:
                is_file = Path(candidate).is_file()
            except OSError:  # a name too long for the file system, a NUL byte: a text, not a file
                is_file = False
            if is_file:
                raise InputError(
                    "texts",
                    f"{candidate!r} is a file, not a complaint text.",
                    f"To read its records use -i {candidate}; to use the words themselves as text, put them in a sentence.",
                )


def check_output_path(path: Path) -> None:
    """Fail early, with a clear message, when ``--output`` cannot be a file to write."""
    if path.is_dir():
        raise InputError("output", f"The output path {path} is a folder, not a file.", "Give a file name, e.g. --output results.jsonl.")
    if not path.parent.is_dir():
        raise InputError("output", f"Could not write the output file {path}: the folder {path.parent} does not exist.", "Create the folder first, or choose another --output path.")


def open_output(path: Path) -> TextIO:
    """``path`` opened for writing; an OSError becomes a clear :class:`InputError`."""
    check_output_path(path)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError("output", f"Could not write the output file {path} ({exc.strerror or type(exc).__name__}).", "Check the folder exists and you may write there, or choose another --output path.") from exc


def iter_text_objects(stream: TextIO, source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank JSONL line that has a string ``text``."""
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError("text", f"{source} line {lineno} is not valid JSON.", "Write one JSON object per line.") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError("text", f'{source} line {lineno} has no string "text" field.', 'Give each line {"id": ..., "text": "..."}.')
        yield lineno, obj


__all__ = ["check_output_path", "iter_text_objects", "open_output"]
