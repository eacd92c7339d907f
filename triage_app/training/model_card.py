"""MODEL_CARD.md for a bundle: intended use, training data, metrics (under-triage first), limitations."""

from __future__ import annotations

from typing import Any

METRIC_ORDER: tuple[tuple[str, str], ...] = (
    ("under_triage_rate", "Under-triage rate (predicted less urgent than gold) — target ≤ 5%"),
    ("sensitivity_levels_1_2", "Sensitivity for levels 1–2 — target ≥ 95%"),
    ("accuracy", "Exact accuracy — target ≥ 70%"),
    ("kappa_quadratic", "Quadratic-weighted kappa — target ≥ 0.80"),
    ("ece", "Expected calibration error (top label)"),
    ("over_triage_rate", "Over-triage rate"),
    ("three_tier_accuracy", "3-tier accuracy (1–2 / 3–4 / 5)"),
    ("macro_f1", "Macro-F1"),
    ("kappa_linear", "Linear-weighted kappa"),
)
PERCENT_KEYS = frozenset({"under_triage_rate", "sensitivity_levels_1_2", "accuracy", "over_triage_rate", "three_tier_accuracy"})


def _fmt(key: str, value: Any) -> str:
    if not isinstance(value, int | float):
        return "n/a"
    if value != value:  # NaN
        return "n/a"
    return f"{100 * value:.1f}%" if key in PERCENT_KEYS else f"{value:.3f}"


def _columns(metrics: dict[str, Any], part: str) -> list[tuple[str, dict[str, Any]]]:
    """(heading, metrics) per test set, headline first, then ``more_tests``; ``part`` is "model" or "system"."""
    headline = metrics.get("test" if part == "model" else "test_system")
    name = (headline or {}).get("dataset") or metrics.get("test", {}).get("dataset") or "test"
    columns = [(f"test: {name}", headline)] if headline else []
    for extra in metrics.get("more_tests") or []:
        if extra.get(part):
            columns.append((f"test: {extra.get('dataset')}", extra[part]))
    return columns


def _table(metrics: dict[str, Any]) -> str:
    columns = _columns(metrics, "model")
    if metrics.get("validation"):
        columns.append(("validation", metrics["validation"]))
    if not columns:
        return "_No metrics recorded yet._\n"
    header = "| metric | " + " | ".join(name for name, _ in columns) + " |\n|---|" + "---|" * len(columns) + "\n"
    rows = []
    for key, label in METRIC_ORDER:
        rows.append(f"| {label} | " + " | ".join(_fmt(key, m.get(key)) for _, m in columns) + " |")
    ns = " | ".join(str(int(m.get("n", 0))) for _, m in columns)
    rows.append(f"| cases | {ns} |")
    return header + "\n".join(rows) + "\n"


TARGETS: tuple[tuple[str, str, float, str], ...] = (
    ("under_triage_rate", "under-triage ≤ 5%", 0.05, "max"),
    ("sensitivity_levels_1_2", "sensitivity levels 1–2 ≥ 95%", 0.95, "min"),
    ("accuracy", "exact accuracy ≥ 70%", 0.70, "min"),
    ("kappa_quadratic", "quadratic kappa ≥ 0.80", 0.80, "min"),
)


def _targets(test: dict[str, Any], agreement: Any) -> str:
    if not test:
        return ""
    dataset = f" {test['dataset']}" if test.get("dataset") else ""
    lines = [f"## Targets (hand-written test set{dataset}, model alone)"]
    for key, label, bound, kind in TARGETS:
        value = test.get(key)
        if not isinstance(value, int | float):
            continue
        met = value <= bound if kind == "max" else value >= bound
        lines.append(f"- {label}: {'met' if met else '**NOT met**'} ({_fmt(key, value)})")
    if isinstance(agreement, float):
        lines.append(f"- int8 agreement ≥ 99%: {'met' if agreement >= 0.99 else '**NOT met**'} ({100 * agreement:.1f}%)")
    lines.append("In the app the safety rules (vitals, red flags) can only raise urgency on top of these numbers.")
    return "\n".join(lines) + "\n"


def render_model_card(manifest: dict[str, Any], training: dict[str, Any]) -> str:
    """Markdown model card from the manifest fields and a training summary.

    Args:
        manifest: The bundle manifest (metrics, onnx, decision, uncertainty, temperature...).
        training: Training facts: data source, case counts, split method, device, seconds,
            examples/s, steps, stop reason, frozen layers, max_length, loss description.
    """
    onnx = manifest.get("onnx", {})
    decision = manifest.get("decision", {})
    if decision.get("rule") == "cumulative_urgency" and decision.get("thresholds"):
        rule = (f"cumulative urgency, thresholds {decision.get('thresholds')} for the boundaries 1/2, 2/3, 3/4, 4/5: "
                "the most urgent level L whose cumulative probability P(level <= L) reaches its threshold")
    elif decision.get("rule") == "cumulative_urgency":
        rule = (f"cumulative urgency, threshold {decision.get('threshold')}: the most urgent level whose cumulative "
                "probability reaches the threshold")
    else:
        rule = "argmax (the most probable level)"
    agreement = onnx.get("int8_agreement")
    agreement_text = f"{100 * agreement:.1f}%" if isinstance(agreement, float) else "not measured"
    if onnx.get("default"):
        runtime = f"`{onnx['default']}` (ONNX opset {onnx.get('opset')})"
    else:
        runtime = "torch with `model.safetensors` (no ONNX file passed the parity gate within the size budget)"
    data_headline = (
        "**No real patient data: the training data is GENERATED, plus cases written by hand by the project team.**"
        if training.get("generated", True) and training.get("handwritten_rows")
        else "**The training data is GENERATED, not real patient data.**"
        if training.get("generated", True)
        else "**Trained on the site's own labelled cases** (check them for identifiers before sharing this bundle)."
    )
    argmax = onnx.get("int8_argmax_agreement")
    argmax_text = f"{100 * argmax:.1f}%" if isinstance(argmax, float) else "not measured"
    metrics = manifest.get("metrics", {})
    test_note = metrics.get("test", {}).get("dataset", "")
    calibration = manifest.get("calibration") or {}
    if calibration:
        cal_where = (f"re-fitted on {calibration.get('data')}, {calibration.get('cases')} hand-written cases, "
                     f"objective: {calibration.get('objective')}")
        cal_data = f"{calibration.get('cases')} hand-written development cases"
    else:
        cal_where, cal_data = "fitted on validation", "generated validation data"
    return f"""# Model card: {manifest.get('name')} {manifest.get('version')}

## Intended use
Decision support for clinical triage: it suggests an acuity level 1–5 (1 = immediate) from the
**redacted** free-text presenting complaint. **The clinician decides.** The app always combines the
suggestion with deterministic safety rules (danger-zone vital signs, red-flag phrases), which can only
make a case more urgent. Not a diagnostic device; not for use without a clinician.

## Model
- Base encoder: `{manifest.get('base_model')}` (BERT, fine-tuned locally with a 5-level classification head).
- Input: the redacted complaint text only (input format {manifest.get('input_format_version')}),
  {manifest.get('max_length')} wordpiece tokens per window. The app splits a longer text into overlapping
  windows and keeps the most urgent one; training cut the (rare) longer texts to head + tail.
- Calibration ({cal_where}, never on the test set): temperature {manifest.get('temperature'):.3f};
  decision rule {rule}; cases whose top probability is below
  {manifest.get('uncertainty', {}).get('min_top_probability')} are flagged as uncertain.
- Runtime: {runtime}; int8-vs-torch label agreement {agreement_text} under the decision rule
  (argmax agreement {argmax_text}; {onnx.get('int8_recipe', 'int8')}),
  largest probability difference {onnx.get('max_prob_diff')} ({onnx.get('parity_dataset', '')}); int8 is the
  default only at >= 99% agreement. Torch weights: `model.safetensors` (fp16 storage, loaded as fp32).

## Training data
{data_headline} {training.get('data_description', '')}
- Source: {training.get('data_source')}; {training.get('train_cases')} training and
  {training.get('validation_cases')} validation cases ({training.get('split_how')}).
- Loss: {training.get('loss')}
- Run: {training.get('device')} — {training.get('steps')} steps, {training.get('epochs_done')} epochs,
  {training.get('train_seconds')} s of training ({training.get('examples_per_second')} examples/s),
  {training.get('stopped_because')}. Embeddings and the lowest {training.get('freeze_layers')} encoder
  layers frozen. Seed {training.get('seed')}.

## Metrics (model alone, before safety rules; under-triage first)
Test = the hand-written test set{(' (' + test_note + ')') if test_note else ''}, written by hand, not by the generator, never
used for training or tuning. Validation = {metrics.get('validation', {}).get('dataset') or training.get('validation_name') or 'generated cases held out by template/complaint family'}.

{_table(metrics)}{_test_sets_note(metrics)}
{_targets(metrics.get("test", {}), agreement)}{_system(metrics, calibration)}
## Limitations
- Trained on {'generated and team-written text, not on real notes' if training.get('handwritten_rows') else 'generated text'}: real notes differ in vocabulary, length, structure and case mix. A clinic
  should evaluate it (`triage-app evaluate`) on its own labelled notes before relying on it, and can
  fine-tune on them (`triage-app train`).
- It reads text only; vital signs, age and sex count only when they are written in the text. The
  safety rules handle structured vitals.
- English only. Texts longer than {manifest.get('max_length')} tokens are read window by window, and the
  most urgent window wins, which leans towards over-triage on very long notes.
- Probabilities are calibrated on {cal_data}; on a site's own notes they may be over- or under-confident.{_over_triage_note(metrics)}
- Not validated prospectively; not a medical device.
"""


def _test_sets_note(metrics: dict[str, Any]) -> str:
    if not metrics.get("more_tests"):
        return ""
    return ("\nOnly the first test set was unseen by every choice made for this bundle; the others are older sets "
            "kept for comparison (which choices each one informed is logged with the project's model decisions).\n")


def _over_triage_note(metrics: dict[str, Any]) -> str:
    over = metrics.get("test", {}).get("over_triage_rate")
    if not isinstance(over, float | int) or over < 0.15:
        return ""
    return (f"\n- Tuned to err towards urgency: on the test set {100 * over:.0f}% of cases are suggested more urgent "
            "than their label (the costly error, under-triage, is the one kept low). A site that finds it too cautious "
            "can refit the decision rule on its own labelled notes (`triage-app export --tune-data FILE`).")


def _system(metrics: dict[str, Any], calibration: dict[str, Any]) -> str:
    """What the clinician sees: model + safety rules on the test sets, and the tuning-set numbers."""
    lines = []
    columns = _columns(metrics, "system")
    if columns:
        lines.append("\n## With the safety rules (what the app shows; hand-written test sets)")
        lines.append("| metric | " + " | ".join(f"model + safety rules, {name}" for name, _ in columns) + " |")
        lines.append("|---|" + "---|" * len(columns))
        for key, label in (("under_triage_rate", "Under-triage rate — target ≤ 5%"),
                           ("sensitivity_levels_1_2", "Sensitivity for levels 1–2 — target ≥ 95%"),
                           ("accuracy", "Exact accuracy — target ≥ 70%"),
                           ("kappa_quadratic", "Quadratic-weighted kappa — target ≥ 0.80"),
                           ("over_triage_rate", "Over-triage rate")):
            if any(isinstance(m.get(key), float | int) for _, m in columns):
                lines.append(f"| {label} | " + " | ".join(_fmt(key, m.get(key)) for _, m in columns) + " |")
    tuned = calibration.get("tuning_metrics_system")
    if tuned:
        lines.append(f"\nOn the tuning set ({calibration.get('data')}), model + safety rules: under-triage "
                     f"{100 * tuned['under_triage_rate']:.1f}%, sensitivity L1–2 {100 * tuned['sensitivity_levels_1_2']:.1f}%, "
                     f"accuracy {100 * tuned['accuracy']:.1f}%, quadratic kappa {tuned['kappa_quadratic']:.3f} (fitted there, so optimistic).")
    return "\n".join(lines) + ("\n" if lines else "")


__all__ = ["render_model_card"]
