"""The model card shows every recorded test set, the headline one first, model alone and with the rules."""

from __future__ import annotations

from triage_app.training.model_card import render_model_card


def _m(under: float, acc: float, n: int) -> dict[str, float]:
    return {"under_triage_rate": under, "sensitivity_levels_1_2": 0.96, "accuracy": acc, "kappa_quadratic": 0.9, "n": n}


def test_card_lists_the_headline_and_the_extra_test_sets() -> None:
    manifest = {
        "name": "default", "version": "9.9.9", "temperature": 1.2, "max_length": 256, "input_format_version": 1,
        "decision": {"rule": "argmax"}, "uncertainty": {"min_top_probability": 0.5}, "onnx": {},
        "metrics": {
            "test": {**_m(0.041, 0.77, 360), "dataset": "fresh.jsonl"},
            "test_system": _m(0.021, 0.78, 360),
            "more_tests": [{"dataset": "older.jsonl", "model": _m(0.062, 0.80, 330), "system": _m(0.045, 0.81, 330)}],
            "validation": _m(0.03, 0.8, 700),
        },
    }
    card = render_model_card(manifest, {})
    table = card[card.index("## Metrics"):card.index("## Targets")]
    assert "| metric | test: fresh.jsonl | test: older.jsonl | validation |" in table
    assert "| Under-triage rate (predicted less urgent than gold) — target ≤ 5% | 4.1% | 6.2% | 3.0% |" in table
    assert "| cases | 360 | 330 | 700 |" in table
    # Targets are judged on the headline (fresh) set only.
    targets = card[card.index("## Targets"):card.index("## With the safety rules")]
    assert "fresh.jsonl" in targets and "under-triage ≤ 5%: met (4.1%)" in targets
    system = card[card.index("## With the safety rules"):card.index("## Limitations")]
    assert "| Under-triage rate — target ≤ 5% | 2.1% | 4.5% |" in system


def test_card_without_extra_test_sets_keeps_one_column() -> None:
    manifest = {"name": "x", "version": "1", "temperature": 1.0, "max_length": 128, "decision": {},
                "metrics": {"test": {**_m(0.08, 0.7, 300), "dataset": "t.jsonl"}}}
    card = render_model_card(manifest, {})
    assert "| metric | test: t.jsonl |" in card
    assert "under-triage ≤ 5%: **NOT met** (8.0%)" in card
    assert "## With the safety rules" not in card


def test_card_says_which_test_set_was_unseen_and_warns_about_over_triage() -> None:
    metrics = {"test": {**_m(0.02, 0.76, 360), "over_triage_rate": 0.217, "dataset": "t3.jsonl"},
               "more_tests": [{"dataset": "t2.jsonl", "model": _m(0.03, 0.75, 360), "system": None}]}
    card = render_model_card({"name": "x", "version": "1", "temperature": 1.0, "max_length": 128,
                              "decision": {}, "metrics": metrics}, {})
    assert "Only the first test set was unseen" in card
    assert "22% of cases are suggested more urgent" in card
    calm = render_model_card({"name": "x", "version": "1", "temperature": 1.0, "max_length": 128, "decision": {},
                              "metrics": {"test": {**_m(0.05, 0.8, 300), "over_triage_rate": 0.1}}}, {})
    assert "Only the first test set" not in calm and "err towards urgency" not in calm
