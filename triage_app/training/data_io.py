"""Reading labelled triage data for fine-tuning: the built-in corpus or a clinic's CSV/JSONL.

A file needs ``text`` and ``level`` (1-5); ``split``, ``age``, ``sex`` and vital signs are
optional. A bad row is reported with its row number and reason and skipped; the run goes on
when at least :data:`MIN_VALID_ROWS` valid rows remain and no more than
:data:`MAX_BAD_FRACTION` of the rows are bad. A bad file raises :class:`InputError`.
Row text is never echoed in reports (it may hold identifiers).
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from triage_app.core.errors import InputError

#: Fewest valid rows a training run accepts.
MIN_VALID_ROWS = 50
#: Largest fraction of bad rows before the whole file is rejected.
MAX_BAD_FRACTION = 0.2
#: Where ``--data builtin`` looks for the generated corpus (``corpus build --out``).
BUILTIN_CORPUS = Path(__file__).resolve().parents[2] / "runs" / "corpus.jsonl"
#: The hand-written test set (reporting and parity only; never used for fitting anything).
HANDWRITTEN_TEST = Path(__file__).resolve().parent / "data" / "handwritten_test.jsonl"
#: The hand-written development set: model choice and calibration only, never training or reporting.
HANDWRITTEN_DEV = HANDWRITTEN_TEST.with_name("handwritten_dev.jsonl")
#: Session 4's second development set (450 cases by new writers, ~30 % clinical vignettes).
HANDWRITTEN_DEV_2 = HANDWRITTEN_TEST.with_name("handwritten_dev_2.jsonl")
#: Session 4's fresh test set (360 cases by new writers), scored once after the model was chosen
#: (the first one had been looked at during model selection); it then informed the rule's margin.
HANDWRITTEN_TEST_2 = HANDWRITTEN_TEST.with_name("handwritten_test_2.jsonl")
#: Session 4's third test set (360 cases), written after the second had informed the decision
#: rule's margin; scored once, after the rule was frozen. The headline test set.
HANDWRITTEN_TEST_3 = HANDWRITTEN_TEST.with_name("handwritten_test_3.jsonl")
#: Every development file (``--tune-data dev``), and every test file, headline first.
HANDWRITTEN_DEV_SETS: tuple[Path, ...] = (HANDWRITTEN_DEV, HANDWRITTEN_DEV_2)
HANDWRITTEN_TEST_SETS: tuple[Path, ...] = (HANDWRITTEN_TEST_3, HANDWRITTEN_TEST_2, HANDWRITTEN_TEST)


def existing(paths: Sequence[Path]) -> list[Path]:
    """The files of ``paths`` that exist (a checkout may predate the second sets)."""
    return [p for p in paths if p.is_file()]

REQUIRED_COLUMNS = ("text", "level")
VITAL_RANGES: dict[str, tuple[float, float]] = {
    "age": (0.0, 120.0),
    "hr": (0.0, 300.0),
    "rr": (0.0, 100.0),
    "sbp": (0.0, 300.0),
    "dbp": (0.0, 200.0),
    "spo2": (0.0, 100.0),
    "temp": (25.0, 45.0),
    "gcs": (3.0, 15.0),
}
TRAIN_SPLITS = frozenset({"train", "training"})
VALIDATION_SPLITS = frozenset({"val", "valid", "validation", "dev"})
TEST_SPLITS = frozenset({"test", "heldout", "held_out"})
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class LabelledCase:
    """One labelled training case.

    Attributes:
        text: The (redacted) complaint text the model reads.
        level: Gold acuity level 1-5.
        split: "train", "validation", "test" or "" when the file has no split.
        row: 1-based row number in the source file (header excluded) for reports.
        group: Template or complaint family, when the file gives one (used only for reports).
    """

    text: str
    level: int
    split: str = ""
    row: int = 0
    group: str = ""


@dataclass(frozen=True)
class BadRow:
    """A row that was skipped, with a reason that contains no row text."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True)
class LoadedData:
    """Valid cases plus the rows that were skipped."""

    cases: tuple[LabelledCase, ...]
    bad_rows: tuple[BadRow, ...] = field(default_factory=tuple)
    source: str = ""


@dataclass(frozen=True)
class DataSplits:
    """Train / validation (and optional generator test) cases, plus how they were split."""

    train: tuple[LabelledCase, ...]
    validation: tuple[LabelledCase, ...]
    test: tuple[LabelledCase, ...] = ()
    how: str = ""


def resolve_data_path(data: str) -> Path:
    """Map ``--data`` to a file: ``builtin`` means the generated corpus.

    Raises:
        InputError: If the file does not exist.
    """
    if data == "builtin":
        if not BUILTIN_CORPUS.is_file():
            raise InputError(
                "data",
                f"The built-in corpus has not been built yet ({BUILTIN_CORPUS}).",
                "Run: triage-app corpus build --out runs/corpus.jsonl",
            )
        return BUILTIN_CORPUS
    path = Path(data).expanduser()
    if not path.is_file():
        raise InputError("data", f"Training data file not found: {path}", "Check the --data path.")
    return path


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("data", f"The training data file is empty: {path.name}", "Give a CSV or JSONL file with rows.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "data",
            f"{path.name} is not UTF-8 text (bad byte at offset {exc.start}).",
            "Save the file as UTF-8 (in Excel: 'CSV UTF-8').",
        ) from None


def _records_jsonl(text: str) -> Iterable[tuple[int, dict[str, object] | None, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not valid JSON (column {exc.colno})"
            continue
        if not isinstance(obj, dict):
            yield number, None, "not a JSON object"
            continue
        yield number, obj, ""


def _records_csv(text: str, name: str) -> tuple[list[str], Iterable[tuple[int, dict[str, object] | None, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError("data", f"{name} has no header row.", "The first row must name the columns, e.g. text,level.")
    reader.fieldnames = header

    def rows() -> Iterable[tuple[int, dict[str, object] | None, str]]:
        for number, row in enumerate(reader, start=1):
            if None in row:
                yield number, None, "more fields than the header"
                continue
            yield number, dict(row), ""

    return header, rows()


def _parse_level(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        level = value
    elif isinstance(value, float) and value.is_integer():
        level = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        level = int(value.strip())
    else:
        raise ValueError
    if not 1 <= level <= 5:
        raise ValueError
    return level


def _check_row(obj: dict[str, object]) -> tuple[LabelledCase | None, str]:
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, "empty or missing text"
    if len(text) > MAX_TEXT_CHARS:
        return None, f"text longer than {MAX_TEXT_CHARS} characters"
    raw_level = obj.get("level")
    try:
        level = _parse_level(raw_level)
    except ValueError:
        return None, "level must be an integer 1-5"
    vitals = obj.get("vitals")
    if vitals not in (None, "") and not isinstance(vitals, dict):
        return None, "vitals must be an object"
    merged = {**(vitals or {}), **obj}
    for name, (low, high) in VITAL_RANGES.items():
        value = merged.get(name)
        if value is None or value == "":
            continue
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None, f"{name} is not a number"
        if not low <= number <= high:
            return None, f"{name} out of range {low:g}-{high:g}"
    sex = obj.get("sex")
    if sex not in (None, "") and str(sex).strip().lower() not in ("m", "f", "male", "female", "x", "other", "unknown", "u"):
        return None, "sex must be M, F, X or empty"
    split = str(obj.get("split") or "").strip().lower()
    if split in TRAIN_SPLITS:
        split = "train"
    elif split in VALIDATION_SPLITS:
        split = "validation"
    elif split in TEST_SPLITS:
        split = "test"
    elif split:
        return None, "split must be train, validation or test"
    group = str(obj.get("template_id") or obj.get("family") or obj.get("complaint") or obj.get("group") or "")
    return LabelledCase(text=text.strip(), level=level, split=split, group=group), ""


def load_labelled_file(
    path: Path, *, min_valid_rows: int = MIN_VALID_ROWS, max_bad_fraction: float = MAX_BAD_FRACTION
) -> LoadedData:
    """Read a CSV or JSONL file of labelled cases.

    Args:
        path: ``.csv`` or ``.jsonl``/``.json`` (one object per line).
        min_valid_rows: Fewest valid rows to continue.
        max_bad_fraction: Largest share of bad rows to continue.

    Returns:
        The valid cases and the skipped rows.

    Raises:
        InputError: For an empty file, wrong encoding, missing columns or too many bad rows.
    """
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, records = _records_csv(text, path.name)
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise InputError(
                "data",
                f"{path.name} is missing required column(s): {', '.join(missing)}.",
                "The header must include text and level (1-5); age, sex, vitals and split are optional.",
            )
    elif suffix in (".jsonl", ".json", ".ndjson"):
        records = _records_jsonl(text)
    else:
        raise InputError("data", f"Unsupported training data format: {path.suffix or '(none)'}", "Use .csv or .jsonl.")

    cases: list[LabelledCase] = []
    bad: list[BadRow] = []
    seen_keys: set[str] = set()
    total = 0
    for number, obj, error in records:
        total += 1
        if obj is None:
            bad.append(BadRow(number, error))
            continue
        seen_keys.update(obj.keys())
        case, reason = _check_row(obj)
        if case is None:
            bad.append(BadRow(number, reason))
            continue
        cases.append(LabelledCase(case.text, case.level, case.split, number, case.group))
    if total == 0:
        raise InputError("data", f"{path.name} has no data rows.", "Add labelled rows (text, level).")
    if suffix != ".csv" and not cases:
        missing = [c for c in REQUIRED_COLUMNS if c not in seen_keys]
        if missing:
            raise InputError(
                "data",
                f"{path.name} is missing required field(s): {', '.join(missing)}.",
                'Each line must be a JSON object like {"text": "...", "level": 3}.',
            )
    if len(cases) < min_valid_rows or len(bad) > max_bad_fraction * total:
        raise InputError(
            "data",
            f"{path.name}: only {len(cases)} of {total} rows are valid ({len(bad)} bad); "
            f"need at least {min_valid_rows} valid rows and at most {max_bad_fraction:.0%} bad rows.",
            "Fix the rows listed above (row numbers count data rows, header excluded).",
        )
    return LoadedData(cases=tuple(cases), bad_rows=tuple(bad), source=str(path))


def stratified_split(
    cases: Sequence[LabelledCase], *, validation_fraction: float = 0.15, seed: int = 13
) -> tuple[tuple[LabelledCase, ...], tuple[LabelledCase, ...]]:
    """Split by level so each level keeps its share in validation; deterministic given ``seed``."""
    by_level: dict[int, list[LabelledCase]] = defaultdict(list)
    for case in cases:
        by_level[case.level].append(case)
    rng = random.Random(seed)
    train: list[LabelledCase] = []
    validation: list[LabelledCase] = []
    for level in sorted(by_level):
        group = list(by_level[level])
        rng.shuffle(group)
        n_val = round(len(group) * validation_fraction)
        if len(group) >= 2:
            n_val = min(max(n_val, 1), len(group) - 1)
        else:
            n_val = 0
        validation.extend(group[:n_val])
        train.extend(group[n_val:])
    train.sort(key=lambda c: c.row)
    validation.sort(key=lambda c: c.row)
    return tuple(train), tuple(validation)


def make_splits(data: LoadedData, *, seed: int = 13, validation_fraction: float = 0.15) -> DataSplits:
    """Use the file's ``split`` column when it has train and validation rows, else split by level."""
    train = tuple(c for c in data.cases if c.split == "train")
    validation = tuple(c for c in data.cases if c.split == "validation")
    test = tuple(c for c in data.cases if c.split == "test")
    if train and validation:
        return DataSplits(train, validation, test, how="split column of the file")
    pool = [c for c in data.cases if c.split != "test"]
    train, validation = stratified_split(pool, validation_fraction=validation_fraction, seed=seed)
    return DataSplits(train, validation, test, how=f"stratified by level, seed {seed}, {validation_fraction:.0%} validation")


__all__ = [
    "BUILTIN_CORPUS",
    "HANDWRITTEN_DEV",
    "HANDWRITTEN_DEV_2",
    "HANDWRITTEN_DEV_SETS",
    "HANDWRITTEN_TEST",
    "HANDWRITTEN_TEST_2",
    "HANDWRITTEN_TEST_3",
    "HANDWRITTEN_TEST_SETS",
    "MAX_BAD_FRACTION",
    "MIN_VALID_ROWS",
    "BadRow",
    "DataSplits",
    "LabelledCase",
    "LoadedData",
    "existing",
    "load_labelled_file",
    "make_splits",
    "resolve_data_path",
    "stratified_split",
]
