"""Views built from plain objects (STYLE habit 1): no service, no model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.ui.conftest import SPO2_RULE, SpO2Rules
from triage_app.core.acuity import acuity_level
from triage_app.core.intake import Intake, Vitals
from triage_app.core.protocols import CaseSummary, RedactedText
from triage_app.core.results import Escalation, ModelInfo, RedactionSpan, TriageResult, WordAttribution
from triage_app.core.settings import Settings

TEXT = "crushing chest pain and sweating, denies fever"


def sample_result(**changes: Any) -> TriageResult:
    base = TriageResult(
        intake=Intake(text=TEXT, age_years=61, sex="male", vitals=Vitals(hr=118, spo2=95)),
        probabilities=(0.10, 0.55, 0.25, 0.07, 0.03),
        model_level=2,
        escalations=(Escalation("flag.chest_pain_diaphoresis", "Chest pain with sweating", 2, "ESI v4 B", "chest pain"),),
        final_level=2,
        uncertain=False,
        model=ModelInfo("default", "1.0.0", "a" * 64),
        device="CPU (onnxruntime int8)",
        attributions=(
            WordAttribution(0, 8, "crushing", 0.9),
            WordAttribution(TEXT.index("denies"), TEXT.index("denies") + 6, "denies", -0.4),
        ),
        attribution_method="fast",
        attribution_target=2,
    )
    return replace(base, **changes)


def test_result_panel_shows_badge_bars_rules_and_highlights(qtbot: Any) -> None:
    from triage_app.ui.result_panel import ResultPanel

    panel = ResultPanel(sample_result())
    qtbot.addWidget(panel)
    assert "Emergent" in panel.badge.accessibleName()
    assert acuity_level(2).target in panel.badge.accessibleName()
    assert [b.value() for b in panel.bars.bars] == [100, 550, 250, 70, 30]
    assert panel.bars.values[1].text() == "55%"
    assert "Chest pain with sweating" in panel.escalations_label.text()
    assert "ESI v4 B" in panel.escalations_label.text()
    assert panel.uncertain_frame.isHidden()
    assert panel.attribution.text_view.toPlainText() == TEXT
    assert panel.attribution.attribution_at(3).word == "crushing"
    assert panel.attribution.attribution_at(TEXT.index("denies") + 2).word == "denies"
    assert panel.attribution.attribution_at(TEXT.index("denies") + 2).score < 0
    assert panel.attribution.attribution_at(20) is None


def test_result_panel_uncertain_state_lists_reasons(qtbot: Any) -> None:
    from triage_app.ui.result_panel import ResultPanel

    result = sample_result(uncertain=True, uncertainty_reasons=("top probability 0.41 is below 0.50",))
    panel = ResultPanel(result)
    qtbot.addWidget(panel)
    assert not panel.uncertain_frame.isHidden()
    assert "Uncertain: review" in panel.uncertain_label.text()
    assert panel.badge.accessibleName().endswith("uncertain: review")
    assert "0.41" in panel.uncertain_label.text()


def test_result_panel_empty_and_escalated_model_level(qtbot: Any) -> None:
    from triage_app.ui.result_panel import ResultPanel

    panel = ResultPanel(None)
    qtbot.addWidget(panel)
    assert panel.badge.accessibleName() == "No suggestion yet"
    panel.set_result(sample_result(model_level=4, final_level=2))
    assert "raised by the safety rules" in panel.summary.text()


def test_word_tooltip_states_score_and_direction() -> None:
    from triage_app.ui.attribution_view import word_tooltip

    tip = word_tooltip(WordAttribution(0, 6, "denies", -0.42), 2)
    assert "-0.42" in tip and "against" in tip and "level 2" in tip
    assert "supports" in word_tooltip(WordAttribution(0, 5, "chest", 0.3), 1)


def test_attribution_palette_differs_in_lightness() -> None:
    from triage_app.ui.theme import THEMES, attribution_colour

    theme = THEMES["light"]
    strong = attribution_colour(0.9, theme)
    weak = attribution_colour(0.1, theme)
    against = attribution_colour(-0.9, theme)
    assert strong.alphaF() > weak.alphaF()
    grey = lambda c: 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()  # noqa: E731
    assert abs(grey(strong) - grey(against)) > 40  # blue vs orange stay apart in greyscale


def test_decision_override_needs_reason(qtbot: Any) -> None:
    from triage_app.ui.decision_panel import DecisionPanel

    panel = DecisionPanel(3)
    qtbot.addWidget(panel)
    assert panel.final_level is None and not panel.can_save
    panel.accept_suggestion()
    assert panel.final_level == 3 and not panel.is_override and panel.can_save
    panel.override_to(2)
    assert panel.is_override and panel.final_level == 2
    assert not panel.can_save
    panel.reason_edit.setText("looks grey and clammy")
    assert panel.can_save and panel.override_reason == "looks grey and clammy"
    panel.set_saved(True)
    assert not panel.can_save and not panel.accept_button.isEnabled()


def test_intake_panel_builds_validated_intake(qtbot: Any) -> None:
    from triage_app.ui.intake_panel import IntakePanel

    panel = IntakePanel()
    qtbot.addWidget(panel)
    panel.age_edit.setText("18")
    panel.age_unit.setCurrentText("months")
    panel.vitals["hr"].edit.setText("150")
    panel.vitals["temp"].edit.setText("38.5")
    panel.complaint.setPlainText("fever and cough")
    intake = panel.intake()
    assert intake.age_years == pytest.approx(1.5)
    assert intake.vitals.hr == 150 and intake.vitals.temp_c == pytest.approx(38.5)
    assert intake.text == "fever and cough"


def test_intake_panel_shows_range_error_beside_field(qtbot: Any) -> None:
    from triage_app.core.errors import InputError
    from triage_app.ui.intake_panel import IntakePanel

    panel = IntakePanel()
    qtbot.addWidget(panel)
    panel.vitals["hr"].edit.setText("400")
    panel.vitals["spo2"].edit.setText("120")
    errors = panel.validate()
    assert {e.field for e in errors} >= {"hr", "spo2"}
    assert "20–300" in panel.vitals["hr"].error.text()
    assert "Heart rate 400" in panel.vitals["hr"].error.toolTip()
    assert not panel.vitals["hr"].error.isHidden()
    assert panel.vitals["rr"].error.isHidden()
    panel.complaint.setPlainText("x")
    with pytest.raises(InputError):
        panel.intake()
    panel.vitals["hr"].edit.setText("90")
    panel.vitals["spo2"].edit.setText("97")
    assert panel.validate() == []
    assert panel.vitals["hr"].error.isHidden()


def test_danger_zone_colouring_follows_rules(qtbot: Any) -> None:
    from triage_app.ui.intake_panel import IntakePanel

    panel = IntakePanel(danger_check=SpO2Rules().evaluate)
    qtbot.addWidget(panel)
    panel.vitals["spo2"].edit.setText("88")
    panel.validate()
    assert panel.vitals["spo2"].in_danger
    assert SPO2_RULE.reason in panel.vitals["spo2"].edit.toolTip()
    assert not panel.vitals["hr"].in_danger
    panel.vitals["spo2"].edit.setText("97")
    panel.validate()
    assert not panel.vitals["spo2"].in_danger


@pytest.mark.parametrize(
    ("rule", "fields"),
    [
        ("vitals.spo2_low", {"spo2"}),
        ("vitals.hr_high_adult", {"hr"}),
        ("vitals.shock", {"sbp", "hr"}),
        ("vitals.sbp_low", {"sbp"}),
        ("vitals.temp_high", {"temp"}),
        ("vitals.avpu", {"avpu"}),
        ("vitals.unresponsive_avpu", {"avpu"}),
        ("flag.chest_pain_radiation", set()),
    ],
)
def test_fields_for_escalation(rule: str, fields: set[str]) -> None:
    from triage_app.ui.intake_panel import fields_for_escalation

    assert fields_for_escalation(Escalation(rule, "r", 2)) == fields


def test_temperature_toggle_converts_and_intake_in_celsius(qtbot: Any) -> None:
    from triage_app.ui.intake_panel import IntakePanel

    panel = IntakePanel()
    qtbot.addWidget(panel)
    panel.vitals["temp"].edit.setText("39.0")
    panel.toggle_temperature_unit()
    assert panel.temperature_unit == "F"
    assert panel.vitals["temp"].text() == "102.2"
    panel.complaint.setPlainText("fever")
    assert panel.intake().vitals.temp_c == pytest.approx(39.0)


def test_pregnancy_enabled_only_when_relevant(qtbot: Any) -> None:
    from triage_app.ui.intake_panel import IntakePanel

    panel = IntakePanel()
    qtbot.addWidget(panel)
    panel.sex_combo.setCurrentIndex(panel.sex_combo.findData("male"))
    assert not panel.pregnant_combo.isEnabled()
    panel.sex_combo.setCurrentIndex(panel.sex_combo.findData("female"))
    panel.age_edit.setText("30")
    assert panel.pregnant_combo.isEnabled()
    panel.age_edit.setText("80")
    assert not panel.pregnant_combo.isEnabled()


def test_vocabulary_and_autocomplete(qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    from triage_app.ui.intake_panel import IntakePanel, load_vocabulary

    vocab = load_vocabulary()
    assert len(vocab) >= 200 and "shortness of breath" in vocab
    panel = IntakePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.complaint.setFocus()
    qtbot.keyClicks(panel.complaint, "pt has shortness of b")
    assert panel.complaint.completer.popup().isVisible()
    qtbot.keyClick(panel.complaint, Qt.Key.Key_Return)
    assert panel.complaint.toPlainText() == "pt has shortness of breath"


def test_quick_chip_inserts_with_separator(qtbot: Any) -> None:
    from triage_app.ui.intake_panel import IntakePanel

    panel = IntakePanel()
    qtbot.addWidget(panel)
    panel.complaint.setPlainText("vomiting since noon")
    cursor = panel.complaint.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    panel.complaint.setTextCursor(cursor)
    panel.chips[0].click()
    assert panel.complaint.toPlainText() == "vomiting since noon, chest pain"


def test_history_view_rows_and_filters(qtbot: Any) -> None:
    from triage_app.ui.history_view import HistoryView

    cases = [
        CaseSummary("a" * 32, "2026-11-28T10:00:00+00:00", 3, 2, True, "[NAME_1] abdominal pain"),
        CaseSummary("b" * 32, "2026-11-27T09:00:00+00:00", 4, 4, False, "ankle sprain"),
    ]
    view = HistoryView(cases)
    qtbot.addWidget(view)
    assert view.table.rowCount() == 2
    assert view.table.item(0, 3).text().endswith("override")
    assert view.table.item(1, 3).text() == ""
    assert "[NAME_1]" in view.table.item(0, 4).text()
    view.level_combo.setCurrentIndex(view.level_combo.findData(2))
    view.text_edit.setText("pain")
    with qtbot.waitSignal(view.search_requested) as blocker:
        view.search_button.click()
    f = blocker.args[0]
    assert f.level == 2 and f.text == "pain" and f.since is None
    view.use_dates.setChecked(True)
    assert view.filters().since is not None
    view.table.selectRow(1)
    with qtbot.waitSignal(view.open_requested) as opened:
        view.open_button.click()
    assert opened.args == ["b" * 32]


def test_settings_view_round_trip(qtbot: Any) -> None:
    from triage_app.ui.settings_view import SettingsView

    view = SettingsView(Settings(clinician_name="A"), frozenset({"device"}), "CPU")
    qtbot.addWidget(view)
    assert not view.device.isEnabled()
    view.clinician.setText("Dr B")
    view.theme.setCurrentIndex(view.theme.findData("high-contrast"))
    view.font_scale.setValue(1.5)
    view.retention.setValue(30)
    out = view.settings()
    assert (out.clinician_name, out.theme, out.font_scale, out.retention_days) == ("Dr B", "high-contrast", 1.5, 30)
    assert out.device == "auto"


def test_model_view_puts_under_triage_first(qtbot: Any, tmp_path: Any) -> None:
    import json

    from triage_app.ui.model_view import ModelView, read_model_card

    (tmp_path / "manifest.json").write_text(
        json.dumps({"name": "m", "version": "2", "metrics": {"test": {"accuracy": 0.8, "under_triage_rate": 0.04}}})
    )
    (tmp_path / "MODEL_CARD.md").write_text("# Card\nIntended use: triage support.")
    card = read_model_card(tmp_path)
    view = ModelView(card, "CPU (onnxruntime)")
    qtbot.addWidget(view)
    assert view.metrics_table.item(0, 0).text().startswith("Under-triage")
    assert view.metrics_table.item(0, 1).text() == "4.0%"
    assert "Intended use" in view.card_text.toPlainText()
    assert "m 2" in view.title.text()
    view.set_card(None, "", "bundle missing")
    assert "bundle missing" in view.details.text()


def test_redaction_review_add_and_remove(qtbot: Any) -> None:
    from triage_app.ui.redaction_review import RedactionReviewDialog

    original = "Mr Smith from Leeds has chest pain"
    dialog = RedactionReviewDialog(original, RedactedText("[NAME_1] from Leeds has chest pain", (RedactionSpan(0, 8, "NAME", "[NAME_1]"),)))
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 1
    start = original.index("Leeds")
    dialog.add_span(start + 1, start + 3, "LOCATION")  # a partial selection widens to the word
    assert dialog.approved().text == "[NAME_1] from [LOCATION_1] has chest pain"
    dialog.remove_span(0)
    assert dialog.approved().text == "Mr Smith from [LOCATION_1] has chest pain"
    assert "[LOCATION_1]" in dialog.preview.text()


def test_hovering_a_word_shows_its_score(qtbot: Any) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent, QTextCursor
    from PySide6.QtWidgets import QApplication, QToolTip

    from triage_app.ui.attribution_view import AttributionView

    view = AttributionView(TEXT, (WordAttribution(0, 8, "crushing", 0.9),), target=2, method="fast")
    qtbot.addWidget(view)
    view.resize(500, 200)
    view.show()
    qtbot.waitExposed(view)
    cursor = QTextCursor(view.text_view.document())
    cursor.setPosition(3)
    pos = view.text_view.cursorRect(cursor).center()
    viewport = view.text_view.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3_000)
    assert "crushing" in QToolTip.text() and "+0.90" in QToolTip.text()
