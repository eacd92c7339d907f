"""De-identified export of saved cases, in the shape ``triage-app train`` reads.

One row per case: ``case_id`` (random hex), ``text`` (the *redacted* complaint, what the
model saw), ``level`` (the clinician's final level, the label a clinic wants to learn
from), ``age`` (years), ``sex``, ``pregnant`` and the vital signs as flat columns named as
the trainer's reader (:mod:`triage_app.training.data_io`) names them: ``hr``, ``rr``,
``sbp``, ``dbp``, ``spo2``, ``temp`` (°C), ``gcs``, ``avpu``, ``pain``. JSONL and CSV hold
the same columns; JSONL leaves out missing values, CSV leaves them empty. Nothing else
leaves the store: no clinician name, no override reason, no timestamps, no spans.

The file is written next to its destination and renamed into place, so a failed export
never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from triage_app.core.errors import InputError, StoreError
from triage_app.core.intake import VITAL_RANGES
from triage_app.core.results import CaseRecord

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv")
#: Intake vital name -> export column (the trainer calls temperature ``temp``).
VITAL_COLUMN_NAMES: dict[str, str] = {name: ("temp" if name == "temp_c" else name) for name in (*VITAL_RANGES, "avpu")}
VITAL_COLUMNS: tuple[str, ...] = tuple(VITAL_COLUMN_NAMES.values())
CSV_COLUMNS: tuple[str, ...] = ("case_id", "text", "level", "age", "sex", "pregnant", *VITAL_COLUMNS)


def export_row(record: CaseRecord) -> dict[str, Any]:
    """The de-identified training row of one case (missing values left out)."""
    intake = record.result.intake
    row: dict[str, Any] = {"case_id": record.case_id, "text": intake.text, "level": int(record.final_level)}
    if intake.age_years is not None:
        row["age"] = intake.age_years
    if intake.sex is not None:
        row["sex"] = intake.sex
    if intake.pregnant is not None:
        row["pregnant"] = intake.pregnant
    for name, value in intake.vitals.to_dict().items():
        row[VITAL_COLUMN_NAMES[name]] = value
    return row


def csv_row(record: CaseRecord) -> dict[str, Any]:
    """:func:`export_row` with every CSV column present (missing values empty)."""
    flat: dict[str, Any] = {col: "" for col in CSV_COLUMNS}
    flat.update(export_row(record))
    if isinstance(flat.get("pregnant"), bool):
        flat["pregnant"] = "true" if flat["pregnant"] else "false"
    return flat


def write_export(records: Iterable[CaseRecord], out: Path, fmt: str = "jsonl") -> int:
    """Write ``records`` to ``out`` atomically. Returns the number of rows written.

    Raises:
        InputError: Unknown format.
        StoreError: The file could not be written.
    """
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise InputError("format", f"Unknown export format {fmt!r}.", f"Use one of: {', '.join(EXPORT_FORMATS)}.")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            if fmt == "jsonl":
                for record in records:
                    handle.write(json.dumps(export_row(record), ensure_ascii=False, sort_keys=True) + "\n")
                    count += 1
            else:
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
                writer.writeheader()
                for record in records:
                    writer.writerow(csv_row(record))
                    count += 1
                handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"Could not write the export file {out} ({type(exc).__name__}).", "Check the folder exists, is writable and has free space.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


__all__ = ["CSV_COLUMNS", "EXPORT_FORMATS", "VITAL_COLUMNS", "VITAL_COLUMN_NAMES", "csv_row", "export_row", "write_export"]
