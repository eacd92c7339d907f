"""Evaluate a model bundle (and optionally the whole system) on a labelled file.

``triage-app evaluate`` calls :func:`run_evaluation`: read the cases, predict with the
bundle's classifier (calibrated probabilities and the bundle's decision rule), optionally
run every case through :class:`triage_app.services.TriageService` so the safety rules take
part ("system" = model + rules, scored on ``final_level``), then write ``metrics.json``,
``errors.jsonl`` (under-triaged cases: id, gold, predicted, top probability, never text),
a confusion-matrix PNG and a reliability-diagram PNG, and return a readable report.

The model part reads the text exactly as written in the file; the system part goes through
the service, which redacts it first, as in the app.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.errors import DependencyError, InputError, TriageError
from triage_app.core.intake import Intake
from triage_app.core.protocols import Classifier
from triage_app.core.settings import Settings
from triage_app.training.data_io import HANDWRITTEN_TEST
from triage_app.training.metrics import LEVELS, NUM_LEVELS, compute_metrics

log = logging.getLogger(__name__)

HANDWRITTEN_TEST_SET = HANDWRITTEN_TEST  # the first hand-written test set (data_io holds every data path)
#: Flat CSV columns that become vital signs.
VITAL_COLUMNS = ("hr", "rr", "sbp", "dbp", "spo2", "temp_c", "temp_f", "gcs", "avpu", "pain")
BATCH_SIZE = 32
#: How many skipped rows to list before summarising.
MAX_BAD_ROWS_SHOWN = 20


@dataclass(frozen=True)
class EvalCase:
    """One labelled case: ``id`` (from the file or ``row-N``), the intake, gold level, group."""

    id: str
    intake: Intake
    level: int
    group: str = ""


@dataclass(frozen=True)
class EvalData:
    """Cases read from a file, plus ``row N: reason`` for every row that was skipped."""

    cases: tuple[EvalCase, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvaluationReport:
    """Everything :func:`write_outputs` and :func:`format_report` need.

    Attributes:
        model: Metrics of the model alone (bundle decision rule), from :func:`compute_metrics`.
        system: Metrics of model + safety rules (``final_level``), or None without ``--with-rules``.
        cases: Per-case rows: id, gold, model level, system level (or None), probabilities, group.
        info: Model name/version/sha256, device, data file, skipped rows, system failures.
    """

    model: dict[str, Any]
    system: dict[str, Any] | None
    cases: tuple[dict[str, Any], ...]
    info: dict[str, Any] = field(default_factory=dict)


# --- reading -------------------------------------------------------------------------------------


def _record_from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {k: v for k, v in row.items() if k is not None and k not in VITAL_COLUMNS}
    vitals = {k: row[k] for k in VITAL_COLUMNS if k in row and row[k] not in (None, "")}
    if vitals:
        record["vitals"] = vitals
    if "pregnant" in record:
        value = str(record["pregnant"]).strip().lower()
        record["pregnant"] = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(value)
    return record


def _level(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    number = float(str(value).strip())
    if number != int(number) or int(number) not in LEVELS:
        raise ValueError
    return int(number)


def _parse_records(path: Path) -> list[tuple[int, dict[str, Any] | None, str]]:
    """(row number, record or None, reason) for each data row; raises InputError for a bad file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("data", f"Data file not found: {path}.", "Check the --data path.") from None
    except OSError as exc:
        raise InputError("data", f"Cannot read {path}: {type(exc).__name__}.") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("data", f"{path.name} is not UTF-8 text.", "Save the file as UTF-8 (CSV or JSON Lines).") from None
    if not content.strip():
        raise InputError("data", f"{path.name} is empty.", "Give a CSV or JSONL file with 'text' and 'level'.")
    rows: list[tuple[int, dict[str, Any] | None, str]] = []
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for number, line in enumerate(content.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                rows.append((number, None, "not valid JSON"))
                continue
            if not isinstance(record, dict):
                rows.append((number, None, "not a JSON object"))
                continue
            rows.append((number, record, ""))
    else:
        reader = csv.DictReader(io.StringIO(content))
        columns = set(reader.fieldnames or ())
        missing = [c for c in ("text", "level") if c not in columns]
        if missing:
            raise InputError(
                "data",
                f"{path.name} has no {' or '.join(repr(c) for c in missing)} column.",
                "The first row must name the columns; 'text' and 'level' are required.",
            )
        for number, row in enumerate(reader, 1):
            rows.append((number, _record_from_csv_row(row), ""))
    return rows


def read_cases(path: Path) -> EvalData:
    """Read labelled cases from CSV or JSON Lines.

    Each row needs ``text`` and ``level`` (1–5); ``id``, ``age``, ``sex``, ``pregnant``,
    ``vitals`` (JSONL object, or flat CSV columns hr, rr, sbp, dbp, spo2, temp_c, gcs, avpu,
    pain) and ``style`` (reported as the case's group) are optional. A bad row is skipped and
    reported by number and reason (never by its text).

    Raises:
        InputError: The file is missing, unreadable, empty, lacks the columns, or has no valid row.
    """
    cases: list[EvalCase] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for number, record, reason in _parse_records(Path(path)):
        if record is None:
            skipped.append(f"row {number}: {reason}")
            continue
        try:
            level = _level(record.get("level"))
        except (TypeError, ValueError):
            skipped.append(f"row {number}: 'level' must be a whole number 1-5")
            continue
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            skipped.append(f"row {number}: 'text' is missing or empty")
            continue
        try:
            intake = Intake.from_dict(record)
        except InputError as exc:
            skipped.append(f"row {number}: {exc.field}: invalid value")
            continue
        case_id = str(record.get("id") or f"row-{number}")
        if case_id in seen:
            skipped.append(f"row {number}: duplicate id")
            continue
        seen.add(case_id)
        cases.append(EvalCase(id=case_id, intake=intake, level=level, group=str(record.get("style") or "")))
    if not cases:
        raise InputError("data", f"{Path(path).name} has no valid rows ({len(skipped)} skipped).", "Each row needs 'text' and 'level' 1-5.")
    return EvalData(cases=tuple(cases), skipped=tuple(skipped))


# --- predicting ----------------------------------------------------------------------------------


def _argmax_level(probs: Sequence[float]) -> int:
    return int(np.argmax(np.asarray(probs, dtype=np.float64))) + 1


def predict_model(classifier: Classifier, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> tuple[list[int], list[list[float]]]:
    """Levels (by the bundle's decision rule when the classifier has one) and calibrated probabilities.

    Uses ``predict`` (one pass for both) when the classifier has it, else ``predict_proba``
    plus ``predict_levels``, else the most probable level.
    """
    levels: list[int] = []
    probs: list[list[float]] = []
    predict = getattr(classifier, "predict", None)
    predict_levels = getattr(classifier, "predict_levels", None)
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start : start + batch_size])
        if callable(predict):
            for p in predict(batch):
                probs.append([float(x) for x in p.probabilities])
                levels.append(int(p.level))
            continue
        batch_probs = [[float(x) for x in row] for row in classifier.predict_proba(batch)]
        probs.extend(batch_probs)
        if callable(predict_levels):
            levels.extend(int(x) for x in predict_levels(batch))
        else:
            levels.extend(_argmax_level(row) for row in batch_probs)
    if any(len(row) != NUM_LEVELS for row in probs):
        raise TriageError(f"The model returned probabilities for other than {NUM_LEVELS} levels.", "Check the bundle's labels.")
    return levels, probs


def default_service_factory(classifier: Classifier, settings: Settings) -> Any:
    """The app's composition around an already loaded classifier: real redactor and rules."""
    from triage_app.core.rules import default_rules
    from triage_app.services import PassThroughRedactor, TriageService

    try:
        from triage_app.privacy.redactor import default_redactor

        redactor: Any = default_redactor()
    except ModuleNotFoundError:
        log.warning("privacy.redactor missing: system evaluation without redaction")
        redactor = PassThroughRedactor()
    return TriageService(settings=settings, classifier=classifier, redactor=redactor, rules=default_rules())


def predict_system(service: Any, intakes: Sequence[Intake], fallback: Sequence[int]) -> tuple[list[int], int]:
    """``final_level`` of each case through ``service.triage``; a case it rejects keeps ``fallback``.

    Returns:
        The levels and how many cases the service rejected (counted, never hidden).
    """
    levels: list[int] = []
    failures = 0
    for intake, fallback_level in zip(intakes, fallback, strict=True):
        try:
            levels.append(int(service.triage(intake, explain=False).final_level))
        except TriageError as exc:
            failures += 1
            log.warning("system evaluation: case rejected (%s)", type(exc).__name__)
            levels.append(int(fallback_level))
    return levels, failures


# --- evaluating ----------------------------------------------------------------------------------


def _group_metrics(cases: Sequence[EvalCase], predicted: Sequence[int]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        if case.group:
            groups.setdefault(case.group, []).append(i)
    out: dict[str, dict[str, Any]] = {}
    for name, idx in sorted(groups.items()):
        gold = np.array([cases[i].level for i in idx])
        pred = np.array([predicted[i] for i in idx])
        out[name] = {
            "under_triage_rate": float(np.mean(pred > gold)),
            "accuracy": float(np.mean(pred == gold)),
            "n": len(idx),
        }
    return out


def evaluate(
    classifier: Classifier,
    data: EvalData,
    *,
    with_rules: bool = False,
    settings: Settings | None = None,
    service_factory: Callable[[Classifier, Settings], Any] | None = None,
    batch_size: int = BATCH_SIZE,
) -> EvaluationReport:
    """Score ``classifier`` on ``data``; with ``with_rules`` also score model + safety rules.

    Args:
        classifier: Anything with ``predict_proba`` (Classifier protocol); ``predict`` /
            ``predict_levels`` are used when present so the bundle's decision rule applies.
        data: Cases from :func:`read_cases`.
        with_rules: Also run each case through the triage service and score ``final_level``.
        settings: Settings for the service (defaults when None).
        service_factory: Builds the service from the classifier (tests pass a fake).
        batch_size: Texts per model call.
    """
    cases = data.cases
    gold = [c.level for c in cases]
    model_levels, probs = predict_model(classifier, [c.intake.text for c in cases], batch_size)
    model_metrics = compute_metrics(gold, model_levels, probs)
    model_metrics["by_group"] = _group_metrics(cases, model_levels)
    system_metrics: dict[str, Any] | None = None
    system_levels: list[int | None] = [None] * len(cases)
    failures = 0
    if with_rules:
        factory = service_factory or default_service_factory
        service = factory(classifier, settings or Settings())
        levels, failures = predict_system(service, [c.intake for c in cases], model_levels)
        system_levels = list(levels)
        # The system's level is not the argmax of one distribution, so no calibration numbers.
        system_metrics = compute_metrics(gold, levels)
        system_metrics["by_group"] = _group_metrics(cases, levels)
        system_metrics["failures"] = failures
    rows = tuple(
        {
            "id": c.id,
            "gold": c.level,
            "model": model_levels[i],
            "system": system_levels[i],
            "top_prob": max(probs[i]),
            "probabilities": probs[i],
            "group": c.group,
        }
        for i, c in enumerate(cases)
    )
    info = {
        "skipped_rows": len(data.skipped),
        "system_failures": failures if with_rules else None,
        "device": str(getattr(classifier, "device_status", "")),
    }
    model_info = getattr(classifier, "info", None)
    if model_info is not None:
        info["model"] = model_info.to_dict()
    return EvaluationReport(model=model_metrics, system=system_metrics, cases=rows, info=info)


# --- writing -------------------------------------------------------------------------------------


def error_rows(report: EvaluationReport) -> list[dict[str, Any]]:
    """Under-triaged cases for clinical review: by the model, and by the system when scored."""
    out: list[dict[str, Any]] = []
    for row in report.cases:
        for source in ("model", "system"):
            predicted = row[source]
            if predicted is not None and predicted > row["gold"]:
                out.append(
                    {
                        "id": row["id"],
                        "source": source,
                        "gold": row["gold"],
                        "predicted": predicted,
                        "top_prob": round(float(row["top_prob"]), 4),
                        "probabilities": [round(float(p), 4) for p in row["probabilities"]],
                    }
                )
    return out


def _require_pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise DependencyError("matplotlib is needed for the evaluation plots.", "pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion_matrix(matrix: Sequence[Sequence[int]], out: Path, title: str) -> Path:
    """Heat map of counts, rows = gold, columns = predicted; cells below the diagonal are under-triage."""
    plt = _require_pyplot()
    cm = np.asarray(matrix, dtype=np.int64)
    fig, ax = plt.subplots(figsize=(5.2, 4.6), dpi=110)
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    threshold = cm.max() / 2 if cm.max() else 0.5
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > threshold else "black")
            if j > i and cm[i, j]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#c0392b", linewidth=1.5))
    ax.set_xticks(range(NUM_LEVELS), [str(lv) for lv in LEVELS])
    ax.set_yticks(range(NUM_LEVELS), [str(lv) for lv in LEVELS])
    ax.set_xlabel("predicted level")
    ax.set_ylabel("gold level")
    ax.set_title(title + "\n(red boxes: under-triage)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def plot_reliability(bins: Sequence[dict[str, Any]], ece: float, out: Path, title: str) -> Path:
    """Reliability diagram: accuracy per top-probability bin against the diagonal, with counts."""
    plt = _require_pyplot()
    fig, (ax, ax_count) = plt.subplots(2, 1, figsize=(5.2, 5.6), dpi=110, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    lowers = np.array([b["lower"] for b in bins])
    width = float(bins[0]["upper"] - bins[0]["lower"]) if bins else 1 / 15
    counts = np.array([b["count"] for b in bins])
    accs = np.array([b["accuracy"] for b in bins])
    confs = np.array([b["confidence"] for b in bins])
    used = counts > 0
    ax.bar(lowers[used], accs[used], width=width, align="edge", color="#4c72b0", edgecolor="black", label="accuracy")
    ax.plot(lowers[used] + width / 2, confs[used], "D", color="#dd8452", markeredgecolor="black", label="mean confidence")
    ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE = {ece:.3f} (15 bins)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax_count.bar(lowers, counts, width=width, align="edge", color="#999999", edgecolor="black")
    ax_count.set_xlabel("top probability")
    ax_count.set_ylabel("cases")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def write_outputs(report: EvaluationReport, out_dir: Path) -> dict[str, Path]:
    """Write metrics.json, errors.jsonl and the PNG plots into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    payload = {"model": report.model, "system": report.system, "info": report.info}
    paths["metrics"] = out_dir / "metrics.json"
    paths["metrics"].write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    paths["errors"] = out_dir / "errors.jsonl"
    with paths["errors"].open("w", encoding="utf-8") as fh:
        for row in error_rows(report):
            fh.write(json.dumps(row) + "\n")
    name = report.info.get("model", {}).get("name", "model")
    paths["confusion_model"] = plot_confusion_matrix(report.model["confusion_matrix"], out_dir / "confusion_matrix.png", f"{name}: model")
    paths["reliability"] = plot_reliability(report.model["reliability"], report.model["ece"], out_dir / "reliability.png", f"{name}: calibration")
    if report.system is not None:
        paths["confusion_system"] = plot_confusion_matrix(
            report.system["confusion_matrix"], out_dir / "confusion_matrix_system.png", f"{name}: model + safety rules"
        )
    return paths


# --- report --------------------------------------------------------------------------------------

_HEADLINE: tuple[tuple[str, str, bool], ...] = (
    ("under_triage_rate", "Under-triage (pred less urgent)", True),
    ("sensitivity_levels_1_2", "Sensitivity, levels 1-2", True),
    ("over_triage_rate", "Over-triage (pred more urgent)", True),
    ("accuracy", "Exact accuracy", True),
    ("three_tier_accuracy", "3-tier accuracy (1-2/3-4/5)", True),
    ("macro_f1", "Macro-F1", False),
    ("kappa_linear", "Kappa, linear", False),
    ("kappa_quadratic", "Kappa, quadratic", False),
    ("ece", "Calibration error (ECE)", False),
)


def _fmt(value: Any, percent: bool) -> str:
    if value is None:
        return "-"
    return f"{100 * value:5.1f}%" if percent else f"{value:6.3f}"


def format_report(report: EvaluationReport, data_name: str = "") -> str:
    """Plain-text report, under-triage first, model and system side by side."""
    info = report.info.get("model", {})
    lines = [
        f"Evaluation of {info.get('name', 'model')} {info.get('version', '')} ({str(info.get('sha256', ''))[:12]})".rstrip(),
        f"data: {data_name or '-'}  cases: {report.model['n']}  skipped rows: {report.info.get('skipped_rows', 0)}",
        f"device: {report.info.get('device', '-')}",
        "",
    ]
    columns = ["model"] + (["model+rules"] if report.system is not None else [])
    lines.append(f"{'':34}" + "".join(f"{c:>13}" for c in columns))
    for key, label, percent in _HEADLINE:
        values = [report.model.get(key)] + ([report.system.get(key)] if report.system is not None else [])
        lines.append(f"{label:34}" + "".join(f"{_fmt(v, percent):>13}" for v in values))
    lines.append("")
    lines.append("Per level (model): precision / recall / support")
    for level, scores in report.model["per_level"].items():
        if scores["support"] == 0 and scores["predicted"] == 0:
            lines.append(f"  level {level}: not present")
            continue
        lines.append(f"  level {level}: {_fmt(scores['precision'], True)} / {_fmt(scores['recall'], True)} / {scores['support']}")
    lines.append("")
    lines.append("Confusion matrix (model), rows = gold 1-5, columns = predicted 1-5:")
    for level, row in zip(LEVELS, report.model["confusion_matrix"], strict=True):
        lines.append(f"  {level}: " + " ".join(f"{n:4d}" for n in row))
    if report.model.get("by_group"):
        lines.append("")
        lines.append("By writing style (model): under-triage / accuracy / n")
        for name, g in report.model["by_group"].items():
            lines.append(f"  {name:16} {_fmt(g['under_triage_rate'], True)} / {_fmt(g['accuracy'], True)} / {g['n']}")
    if report.system is not None and report.info.get("system_failures"):
        lines.append(f"\nwarning: the service rejected {report.info['system_failures']} case(s); their model level was used.")
    return "\n".join(lines)


def run_evaluation(
    model_dir: Path,
    data_path: Path,
    out_dir: Path,
    *,
    with_rules: bool = False,
    device: str = "auto",
    settings: Settings | None = None,
) -> tuple[EvaluationReport, dict[str, Path], EvalData]:
    """Load the bundle through the runtime, evaluate, and write every output.

    Raises:
        ModelError: The bundle is missing or corrupt (from the runtime loader).
        InputError: The data file is unusable.
    """
    from triage_app.ml import runtime

    data = read_cases(data_path)
    classifier = runtime.load_classifier(Path(model_dir), device=device)
    log.info("evaluation: %d cases, %d skipped rows, with_rules=%s", len(data.cases), len(data.skipped), with_rules)
    report = evaluate(classifier, data, with_rules=with_rules, settings=settings)
    report.info["data"] = Path(data_path).name
    paths = write_outputs(report, out_dir)
    return report, paths, data


__all__ = [
    "BATCH_SIZE",
    "HANDWRITTEN_TEST_SET",
    "EvalCase",
    "EvalData",
    "EvaluationReport",
    "default_service_factory",
    "error_rows",
    "evaluate",
    "format_report",
    "plot_confusion_matrix",
    "plot_reliability",
    "predict_model",
    "predict_system",
    "read_cases",
    "run_evaluation",
    "write_outputs",
]
