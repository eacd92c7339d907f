"""The main window with a real TriageService built from fakes (no model loads)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.conftest import DEFAULT_MODEL_DIR, requires_default_model
from tests.fakes import MemoryAudit
from triage_app.core.errors import KeyError_, ModelError
from triage_app.core.settings import Settings

PHI_TEXT = "Mr Smith crushing chest pain 0123456789"


def _fill_by_keyboard(qtbot: Any, window: Any, text: str = PHI_TEXT) -> None:
    panel = window.intake_panel
    panel.age_edit.setFocus()
    qtbot.keyClicks(panel.age_edit, "58")
    qtbot.keyClick(panel.age_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(panel.vitals["hr"].edit, "112")
    qtbot.keyClicks(panel.vitals["spo2"].edit, "95")
    qtbot.keyClicks(panel.complaint, text)


def test_full_keyboard_flow(qtbot: Any, make_window: Any, audit: MemoryAudit, tmp_path: Path) -> None:
    window = make_window()
    assert window.model_ready and window.store_ready
    assert not window.banner.isVisible()
    _fill_by_keyboard(qtbot, window)
    # Ctrl+Enter in the complaint box classifies.
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        qtbot.keyClick(window.intake_panel.complaint, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    result = window.result
    assert result is not None and result.final_level == 2
    assert "Smith" not in result.redacted_text and "[NAME_1]" in result.redacted_text
    assert window.result_panel.badge.accessibleName().startswith("Suggested level 2")
    assert not window.act_save.isEnabled()  # no decision yet
    # Override to level 1 from the keyboard: focus the level-1 choice, Space, type the reason.
    button = window.decision_panel.level_buttons[0]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert window.decision_panel.is_override
    assert not window.act_save.isEnabled()  # reason still missing
    qtbot.keyClicks(window.decision_panel.reason_edit, "grey and clammy")
    assert window.act_save.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.saved_record is not None, timeout=10_000)
    record = window.saved_record
    assert record.final_level == 1 and record.override_reason == "grey and clammy"
    assert [s.label for s in record.redaction_spans] == ["NAME", "ID"]
    assert {"saved", "overridden"} <= set(audit.actions)
    # The case appears in history (Ctrl+2).
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: window.history_view.table.rowCount() == 1, timeout=10_000)
    assert window.history_view.cases[0].case_id == record.case_id
    assert window.history_view.cases[0].overridden
    assert "Smith" not in window.history_view.table.item(0, 4).text()
    # Export PDF (Ctrl+P) from the triage page.
    out = tmp_path / "case.pdf"
    window.ask_pdf_path = lambda suggested: out  # type: ignore[method-assign]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: out.exists() and "exported" in audit.actions, timeout=10_000)
    assert out.read_bytes().startswith(b"%PDF")
    assert window.last_error == ""


def test_accept_with_one_key_then_reopen_from_history(qtbot: Any, make_window: Any, audit: MemoryAudit, tmp_path: Path) -> None:
    window = make_window()
    window.intake_panel.complaint.setPlainText("ankle sprain after football")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    assert window.result.final_level == 5
    # Focus lands on Accept: one key accepts.
    qtbot.waitUntil(window.decision_panel.accept_button.hasFocus, timeout=3_000)
    qtbot.keyClick(window.decision_panel.accept_button, Qt.Key.Key_Space)
    assert window.decision_panel.final_level == 5 and not window.decision_panel.is_override
    window.save_case()
    qtbot.waitUntil(lambda: window.saved_record is not None, timeout=10_000)
    assert "overridden" not in audit.actions
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.history_view.table.rowCount() == 1, timeout=10_000)
    window.history_view.request_open()
    qtbot.waitUntil(lambda: window.case_dialog is not None, timeout=10_000)
    assert "viewed" in audit.actions
    dialog = window.case_dialog
    assert dialog.result_panel.result.redacted_text == "ankle sprain after football"
    out = tmp_path / "again.pdf"
    window.ask_pdf_path = lambda suggested: out  # type: ignore[method-assign]
    dialog.export_button.click()
    qtbot.waitUntil(out.exists, timeout=10_000)
    dialog.close()


def test_new_case_warns_when_unsaved(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.intake_panel.complaint.setPlainText("chest pain")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    asked: list[str] = []
    window.confirm = lambda title, text: asked.append(title) or False  # type: ignore[method-assign]
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert asked and window.result is not None  # refused: case kept
    window.confirm = lambda title, text: True  # type: ignore[method-assign]
    window.new_case()
    assert window.result is None and window.intake_panel.complaint.toPlainText() == ""


def test_edit_after_classify_blocks_save_until_reclassified(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.intake_panel.complaint.setPlainText("chest pain")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    window.decision_panel.accept_suggestion()
    assert window.act_save.isEnabled()
    window.intake_panel.complaint.setPlainText("chest pain and sweating")
    assert not window.act_save.isEnabled()
    assert not window.result_panel.stale_label.isHidden()


def test_review_redactions_is_what_gets_classified(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    text = "Mr Smith from Leeds has chest pain"
    window.intake_panel.complaint.setPlainText(text)

    def approve(dialog: Any) -> bool:
        assert dialog.list.count() == 1  # the redactor found the name
        start = text.index("Leeds")
        dialog.add_span(start, start + 5, "LOCATION")
        return True

    window._exec_dialog = approve  # type: ignore[method-assign]
    window.review_redactions()
    qtbot.waitUntil(lambda: window.approved is not None, timeout=10_000)
    assert window.approved.text == "[NAME_1] from [LOCATION_1] has chest pain"
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    assert window.result.redacted_text == "[NAME_1] from [LOCATION_1] has chest pain"
    assert [s.label for s in window.classification.redacted.spans] == ["NAME", "LOCATION"]


def test_invalid_vital_goes_to_error_path_and_field(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.intake_panel.vitals["hr"].edit.setText("900")
    window.intake_panel.complaint.setPlainText("palpitations")
    window.classify()
    assert "20–300" in window.last_error
    assert window.error_bar.isVisible()
    assert not window.intake_panel.vitals["hr"].error.isHidden()
    assert window.result is None


def test_danger_zone_uses_service_rules(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.intake_panel.vitals["spo2"].edit.setText("85")
    qtbot.waitUntil(lambda: window.intake_panel.vitals["spo2"].in_danger, timeout=3_000)


def test_no_model_starts_degraded(qtbot: Any, make_window: Any, service_factory: Any) -> None:
    from triage_app.services import TriageService

    def factory(settings: Settings, paths: Any) -> Any:
        svc = service_factory(settings, paths)
        return TriageService(
            settings=settings, classifier=None, redactor=svc.redactor, rules=svc.rules,
            model_error=ModelError("models/default/manifest.json is missing.", "Reinstall the app."),
        )

    window = make_window(factory=factory)
    assert window.banner.isVisible()
    assert "manifest.json is missing" in window.banner_label.text()
    assert "Reinstall the app" in window.banner_label.text()
    assert not window.act_classify.isEnabled() and not window.classify_button.isEnabled()
    window.intake_panel.complaint.setPlainText("chest pain")
    window.classify()
    assert window.result is None and "banner" in window.status_label.text()
    window.tabs.setCurrentIndex(2)
    assert "manifest.json is missing" in window.model_view.details.text()
    assert window.store_ready  # history still works


def test_wrong_passphrase_keeps_app_running_without_store(qtbot: Any, make_window: Any, app_paths: Any) -> None:
    keys = pytest.importorskip("triage_app.privacy.keys")
    store = pytest.importorskip("triage_app.privacy.store")
    import keyring

    from tests.fakes import NoKeyring
    from triage_app.ui.operations import default_store_opener

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        good = keys.obtain_data_key(app_paths, passphrase_provider=lambda first: "correct horse battery")
        store.CaseStore.open(app_paths.store_path, good).close()
        answers = iter(["wrong passphrase!", "correct horse battery"])
        asked: list[bool] = []

        def ask(first_time: bool) -> str:
            asked.append(first_time)
            return next(answers)

        window = make_window(opener=default_store_opener, ask_passphrase=ask)
        assert asked == [False]  # asked on the GUI thread, through the bridge
        assert window.model_ready and not window.store_ready
        assert "passphrase is wrong" in window.banner_label.text()
        assert window.banner_unlock_button.isVisible()
        window.intake_panel.complaint.setPlainText("chest pain")
        qtbot.waitUntil(lambda: window.act_classify.isEnabled(), timeout=5_000)
        with qtbot.waitSignal(window.result_shown, timeout=10_000):
            window.classify()
        window.decision_panel.accept_suggestion()
        assert not window.act_save.isEnabled()
        # Unlock with the right passphrase: saving comes back.
        window.banner_unlock_button.click()
        qtbot.waitUntil(lambda: window.store_ready, timeout=10_000)
        assert not window.banner.isVisible()
        assert window.act_save.isEnabled()
    finally:
        keyring.set_keyring(previous)


def test_worker_exception_reaches_one_error_path_without_phi(
    qtbot: Any, make_window: Any, service_factory: Any, app_paths: Any
) -> None:
    from triage_app.core.app_logging import configure_logging

    class Exploding:
        info = service_factory.classifier.info
        device_status = "CPU (exploding)"

        def predict_proba(self, texts: Any) -> Any:
            raise RuntimeError(f"bad tensor for {texts[0]}")

    service_factory.classifier = Exploding()
    log_file = configure_logging(app_paths.log_dir)
    window = make_window()
    window.intake_panel.complaint.setPlainText("Mrs Jones secret complaint")
    with qtbot.waitSignal(window.error_shown, timeout=10_000) as blocker:
        window.classify()
    message = blocker.args[0]
    assert "RuntimeError" in message
    assert "secret" not in message and "Jones" not in message
    assert window.error_bar.isVisible() and window.last_error == message
    for handler in logging.getLogger("triage_app").handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "RuntimeError" in text
    assert "secret" not in text and "Jones" not in text


def test_close_warns_about_unsaved_case_and_keeps_no_phi_in_qsettings(
    qtbot: Any, make_window: Any, app_paths: Any
) -> None:
    window = make_window()
    window.intake_panel.complaint.setPlainText("Mr Smith chest pain")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    window.confirm = lambda title, text: False  # type: ignore[method-assign]
    window.close()
    assert window.isVisible()
    window.confirm = lambda title, text: True  # type: ignore[method-assign]
    window.close()
    assert not window.isVisible()
    ini = app_paths.config_dir / "window.ini"
    assert ini.exists()
    content = ini.read_bytes()
    assert b"Smith" not in content and b"chest" not in content


def test_settings_are_persisted_and_theme_applied(
    qtbot: Any, make_window: Any, app_paths: Any, audit: MemoryAudit
) -> None:
    import json

    from PySide6.QtWidgets import QApplication

    window = make_window()
    view = window.settings_view
    view.theme.setCurrentIndex(view.theme.findData("high-contrast"))
    view.clinician.setText("Dr Who")
    view.save_button.click()
    qtbot.waitUntil(lambda: window.settings.theme == "high-contrast", timeout=10_000)
    data = json.loads(app_paths.settings_path.read_text(encoding="utf-8"))
    assert data["theme"] == "high-contrast" and data["clinician_name"] == "Dr Who"
    assert data["schema_version"] >= 1
    assert QApplication.instance().property("triage_theme") == "high-contrast"
    assert window.service.settings.clinician_name == "Dr Who"  # the PDF uses it without a restart
    assert ("settings_changed", None, "Dr Who", "clinician_name,theme") in audit.entries
    from triage_app.ui.theme import apply_theme

    apply_theme(QApplication.instance(), "light")


def test_copy_summary_is_redacted(qtbot: Any, make_window: Any) -> None:
    from PySide6.QtGui import QGuiApplication

    window = make_window()
    window.intake_panel.complaint.setPlainText(PHI_TEXT)
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    copied = QGuiApplication.clipboard().text()
    assert "level 2" in copied and "[NAME_1]" in copied and "Smith" not in copied
    assert "clinician decides" in copied


def test_explain_in_detail_updates_attributions(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.intake_panel.complaint.setPlainText("chest pain radiating")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    qtbot.waitUntil(lambda: window.result.attribution_method == "fast", timeout=10_000)
    assert window.result_panel.attribution.attributions
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.result.attribution_method == "ig"
    assert "integrated gradients" in window.result_panel.attribution.caption.text()


def test_store_error_is_kept_not_raised(qtbot: Any, make_window: Any) -> None:
    def opener(paths: Any, provider: Any) -> Any:
        raise KeyError_("No passphrase was given.", "Restart and enter it.")

    window = make_window(opener=opener)
    assert window.model_ready and window.store_error is not None
    assert "No passphrase was given" in window.banner_label.text()
    assert window.banner_unlock_button.isVisible() and not window.act_save.isEnabled()


def test_every_input_has_an_accessible_name(qtbot: Any, make_window: Any) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
    )

    window = make_window()
    kinds = (QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QAbstractItemView, QAbstractButton)
    unnamed = []
    from PySide6.QtWidgets import QWidget

    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds) or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        parent = widget.parentWidget()
        if widget.window() is not window or isinstance(parent, (QComboBox, QAbstractSpinBox, QAbstractItemView)):
            continue  # inner parts of a named control
        name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
        if not name.strip():
            unnamed.append(f"{type(widget).__name__}:{widget.objectName()}")
    assert unnamed == []


def test_font_scale_and_themes_apply(qtbot: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from triage_app.ui.theme import BASE_POINT_SIZE, THEMES, apply_theme

    app = QApplication.instance()
    try:
        for name in THEMES:
            theme = apply_theme(app, name, 1.5)
            assert theme.name == name
            assert app.font().pointSizeF() == BASE_POINT_SIZE * 1.5
            assert app.property("triage_theme") == name
    finally:
        apply_theme(app, "light", 1.0)


def test_close_waits_for_a_save_in_flight(qtbot: Any, make_window: Any) -> None:
    import threading

    window = make_window()
    window.intake_panel.complaint.setPlainText("chest pain")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=10_000)
    repo = window.store.repository
    gate = threading.Event()
    real_save = repo.save

    stored: list[str] = []

    def slow_save(record: Any) -> None:
        gate.wait(5)
        real_save(record)
        stored.append(record.case_id)

    repo.save = slow_save
    window.decision_panel.accept_suggestion()
    window.save_case()
    assert window.tasks.is_running("save_case")
    threading.Timer(0.3, gate.set).start()
    window.close()  # unsaved-case confirm is auto-yes in tests; close must wait for the save
    assert len(stored) == 1 and window.store is None  # saved, then the store was closed


def test_retention_purges_old_cases_when_the_store_opens(qtbot: Any, make_window: Any, audit: MemoryAudit) -> None:
    from tests.fakes import InMemoryCaseRepository

    class OldCases(InMemoryCaseRepository):
        def purge(self, older_than_days: int) -> int:
            self.asked = older_than_days
            return 3

    repo = OldCases()
    window = make_window(settings=Settings(first_run_done=True, retention_days=30), opener=lambda p, prov: (repo, audit))
    assert repo.asked == 30
    assert window.store.purged == 3
    assert ("purged", None, "", "older_than_days=30 count=3") in audit.entries


def test_live_classify_is_debounced(qtbot: Any, make_window: Any, service_factory: Any) -> None:
    window = make_window(settings=Settings(first_run_done=True, live_classify=True))
    window._live_timer.setInterval(50)
    calls_before = len(service_factory.classifier.calls)
    window.intake_panel.complaint.setFocus()
    qtbot.waitUntil(window.intake_panel.complaint.hasFocus, timeout=3_000)
    qtbot.keyClicks(window.intake_panel.complaint, "chest pain")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        pass
    assert window.result is not None and window.result.final_level == 2
    assert window.intake_panel.complaint.hasFocus()  # a live result never takes the focus
    # One classification for the whole burst of typing, not one per key.
    assert len(service_factory.classifier.calls) - calls_before == 1


def test_switching_to_an_invalid_bundle_is_refused(qtbot: Any, make_window: Any, tmp_path: Path, app_paths: Any) -> None:
    pytest.importorskip("triage_app.ml.bundle")
    window = make_window()
    before = window.settings.model_dir
    empty = tmp_path / "not-a-bundle"
    empty.mkdir()
    with qtbot.waitSignal(window.error_shown, timeout=10_000) as blocker:
        window.switch_model(empty)
    assert "not-a-bundle" in blocker.args[0] or "manifest" in blocker.args[0].lower()
    assert window.settings.model_dir == before
    assert not app_paths.settings_path.exists() or "not-a-bundle" not in app_paths.settings_path.read_text()


@pytest.mark.model
@requires_default_model
def test_switching_to_a_valid_bundle_is_saved_and_audited(
    qtbot: Any, make_window: Any, app_paths: Any, audit: MemoryAudit
) -> None:
    window = make_window()
    with qtbot.waitSignal(window.service_loaded, timeout=60_000):
        window.switch_model(DEFAULT_MODEL_DIR)
    assert window.settings.model_dir == str(DEFAULT_MODEL_DIR.resolve())
    assert str(DEFAULT_MODEL_DIR.resolve()) in app_paths.settings_path.read_text()
    assert "model_changed" in audit.actions


def test_edit_while_classifying_marks_the_result_stale(qtbot: Any, make_window: Any, service_factory: Any) -> None:
    import threading

    gate = threading.Event()
    inner = service_factory.classifier

    class Slow:
        info = inner.info
        device_status = inner.device_status

        def predict_proba(self, texts: Any) -> Any:
            gate.wait(5)
            return inner.predict_proba(texts)

    service_factory.classifier = Slow()
    window = make_window()
    window.intake_panel.complaint.setPlainText("chest pain")
    window.classify()
    window.intake_panel.complaint.setPlainText("chest pain, now also vomiting blood")
    gate.set()
    qtbot.waitUntil(lambda: window.result is not None, timeout=10_000)
    window.decision_panel.accept_suggestion()
    assert not window.result_panel.stale_label.isHidden()
    assert not window.act_save.isEnabled()


def test_tab_order_runs_intake_to_decision(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.intake_panel.complaint.setPlainText("chest pain")
    with qtbot.waitSignal(window.result_shown, timeout=10_000):
        window.classify()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=10_000)
    panel, dp = window.intake_panel, window.decision_panel
    expected = [
        panel.age_edit,
        panel.vitals["hr"].edit,
        panel.vitals["spo2"].edit,
        panel.avpu_combo,
        panel.complaint,
        window.classify_button,
        dp.accept_button,
        dp.reason_edit,
    ]
    chain = []
    widget = panel.age_edit
    for _ in range(2000):
        chain.append(widget)
        widget = widget.nextInFocusChain()
        if widget is panel.age_edit:
            break
    positions = [chain.index(w) for w in expected]
    assert positions == sorted(positions)
