"""The main window: triage page (intake, suggestion, decision), history, model, settings.

The window only wires views to operations (``triage_app.ui.operations``); every piece of
work runs on the one worker mechanism and every error reaches :meth:`MainWindow.show_error`.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.acuity import acuity_level
from triage_app.core.errors import InputError, TriageError
from triage_app.core.intake import Intake
from triage_app.core.paths import AppPaths, default_models_dir
from triage_app.core.protocols import CaseSummary, RedactedText
from triage_app.core.results import CaseRecord, Escalation, TriageResult
from triage_app.core.settings import Settings
from triage_app.ui import operations as ops
from triage_app.ui.decision_panel import DecisionPanel
from triage_app.ui.first_run import PassphraseBridge, PassphraseDialog
from triage_app.ui.history_view import CaseDialog, HistoryView
from triage_app.ui.intake_panel import IntakePanel
from triage_app.ui.model_view import ModelView, read_model_card
from triage_app.ui.redaction_review import RedactionReviewDialog
from triage_app.ui.result_panel import ResultPanel
from triage_app.ui.settings_view import SettingsView
from triage_app.ui.theme import apply_theme
from triage_app.ui.workers import TaskRunner

log = logging.getLogger(__name__)

DISCLAIMER = "Decision support only — the clinician decides."
LIVE_CLASSIFY_DELAY_MS = 900
TAB_TRIAGE, TAB_HISTORY, TAB_MODEL, TAB_SETTINGS = range(4)


def case_summary_text(result: TriageResult, final_level: int | None = None, reason: str = "") -> str:
    """Plain-text summary for the clipboard (redacted text only)."""
    lvl = result.level
    lines = [
        f"Suggested acuity: level {lvl.number} – {lvl.name} (be seen within {lvl.target})",
        f"Model: level {result.model_level}, p={max(result.probabilities):.2f}; {result.model.name} "
        f"{result.model.version} ({result.model.short_hash})",
    ]
    if result.uncertain:
        lines.append("UNCERTAIN – review: " + "; ".join(result.uncertainty_reasons or ("low confidence",)))
    for esc in result.escalations:
        lines.append(f"Rule: level ≤{esc.min_level}: {esc.reason}" + (f" [{esc.source}]" if esc.source else ""))
    if final_level is not None:
        decided = acuity_level(final_level)
        if final_level != result.final_level:
            lines.append(f"Clinician override: level {decided.number} – {decided.name}. Reason: {reason}")
        else:
            lines.append(f"Clinician accepted: level {decided.number} – {decided.name}")
    lines.append(f"Complaint (redacted): {result.redacted_text}")
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def user_message(exc: BaseException) -> str:
    """What the clinician reads for an error; never quotes patient text for unknown errors."""
    if isinstance(exc, TriageError):
        return str(exc)
    return (
        f"Something went wrong ({type(exc).__name__}). Nothing saved was lost. "
        "Fix: try again; if it keeps happening, send the log file (it holds no patient data) to IT."
    )


class MainWindow(QMainWindow):
    """The clinician's workstation window.

    Args:
        settings: Loaded settings.
        paths: Where the app writes.
        locked: Setting keys locked by the site configuration.
        service_factory: Builds the TriageService (tests pass one built from fakes).
        ask_passphrase: GUI-thread passphrase prompt (a dialog by default).
    """

    service_loaded = Signal()
    result_shown = Signal()
    error_shown = Signal(str)

    def __init__(
        self,
        settings: Settings,
        paths: AppPaths,
        *,
        locked: frozenset[str] = frozenset(),
        service_factory: ops.ServiceFactory = ops.default_service_factory,
        store_opener: ops.StoreOpener = ops.default_store_opener,
        ask_passphrase: Callable[[bool], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.paths = paths
        self.locked = locked
        self.service_factory = service_factory
        self.store_opener = store_opener
        self.service: Any = None
        self.store: ops.OpenedStore | None = None
        self.store_error: TriageError | None = None
        self._model_error_text: str | None = None
        self.last_error: str = ""
        self.classification: ops.Classification | None = None
        self.saved_record: CaseRecord | None = None
        self.approved: RedactedText | None = None
        self._approved_for: str | None = None
        self._original_text: str | None = None
        self._stale = False
        self._live_pending = False
        self._edit_seq = 0
        self._case_seq = 0
        self._focus_decision = True
        self._busy_status = ""
        self.case_dialog: CaseDialog | None = None
        self._ig_progress: QProgressDialog | None = None
        self.tasks = TaskRunner(self.show_error)
        self.tasks.busy_changed.connect(self._busy_changed)
        self.passphrase_provider = PassphraseBridge(ask_passphrase or self._ask_passphrase_dialog)
        self.setWindowTitle(f"Triage Assistant — {settings.clinic_name}")
        self.setAccessibleName("Triage Assistant main window")
        self._build()
        self._build_actions()
        self._restore_geometry()
        self._update_actions()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(10, 8, 10, 4)
        outer.setSpacing(6)
        header = QHBoxLayout()
        self.title_label = QLabel(f"<b>Triage Assistant</b> · {html.escape(self.settings.clinic_name)}", central)
        self.title_label.setTextFormat(Qt.TextFormat.RichText)
        header.addWidget(self.title_label)
        header.addStretch(1)
        self.disclaimer = QLabel(DISCLAIMER, central)
        self.disclaimer.setObjectName("disclaimer")
        self.disclaimer.setAccessibleName(DISCLAIMER)
        header.addWidget(self.disclaimer)
        outer.addLayout(header)

        self.banner = QFrame(central)
        self.banner.setObjectName("banner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(10, 6, 10, 6)
        self.banner_label = QLabel("", self.banner)
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextFormat(Qt.TextFormat.RichText)
        self.banner_label.setAccessibleName("Problem banner")
        bl.addWidget(self.banner_label, 1)
        self.banner_model_button = QPushButton("Model page", self.banner)
        self.banner_model_button.clicked.connect(lambda: self.tabs.setCurrentIndex(TAB_MODEL))
        self.banner_unlock_button = QPushButton("Unlock saved cases…", self.banner)
        self.banner_unlock_button.clicked.connect(self.unlock_store)
        bl.addWidget(self.banner_model_button)
        bl.addWidget(self.banner_unlock_button)
        self.banner.hide()
        outer.addWidget(self.banner)

        self.error_bar = QFrame(central)
        self.error_bar.setObjectName("banner")
        el = QHBoxLayout(self.error_bar)
        el.setContentsMargins(10, 4, 10, 4)
        self.error_label = QLabel("", self.error_bar)
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Error message")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        el.addWidget(self.error_label, 1)
        dismiss = QPushButton("Dismiss", self.error_bar)
        dismiss.setAccessibleName("Dismiss the error message")
        dismiss.clicked.connect(self.error_bar.hide)
        el.addWidget(dismiss)
        self.error_bar.hide()
        outer.addWidget(self.error_bar)

        self.tabs = QTabWidget(central)
        self.tabs.setAccessibleName("Pages")
        outer.addWidget(self.tabs, 1)

        triage = QWidget(self.tabs)
        tl = QHBoxLayout(triage)
        tl.setContentsMargins(0, 6, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, triage)
        left = QWidget(self.splitter)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(6)
        self.intake_panel = IntakePanel(danger_check=self._danger_check, parent=left)
        self.intake_panel.changed.connect(self._intake_changed)
        self.intake_panel.submit.connect(lambda: self.classify())
        ll.addWidget(self.intake_panel, 1)
        self.classify_button = QPushButton("Classify  (Ctrl+Enter)", left)
        self.classify_button.setObjectName("primary")
        self.classify_button.setAccessibleName("Classify the case")
        self.classify_button.setMinimumHeight(34)
        self.classify_button.clicked.connect(lambda: self.classify())
        ll.addWidget(self.classify_button)
        right = QWidget(self.splitter)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(6)
        self.result_panel = ResultPanel(None, right)
        scroll = QScrollArea(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.result_panel)
        rl.addWidget(scroll, 1)
        self.decision_panel = DecisionPanel(None, right)
        self.decision_panel.changed.connect(self._update_actions)
        rl.addWidget(self.decision_panel)
        self.save_button = QPushButton("Save  (Ctrl+S)", right)
        self.save_button.setObjectName("primary")
        self.save_button.setAccessibleName("Save the case")
        self.save_button.clicked.connect(self.save_case)
        self.pdf_button = QPushButton("Export PDF  (Ctrl+P)", right)
        self.pdf_button.setAccessibleName("Export the case summary to PDF")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.new_button = QPushButton("New case  (Ctrl+N)", right)
        self.new_button.setAccessibleName("Start a new case")
        self.new_button.clicked.connect(self.new_case)
        for b in (self.save_button, self.pdf_button, self.new_button):
            self.decision_panel.actions_row.addWidget(b)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 6)
        tl.addWidget(self.splitter)
        self.tabs.addTab(triage, "&Triage")

        self.history_view = HistoryView((), self.tabs)
        self.history_view.search_requested.connect(self.search_history)
        self.history_view.open_requested.connect(self.open_case)
        self.tabs.addTab(self.history_view, "&History")
        self.model_view = ModelView(None, "", "", self.tabs)
        self.model_view.switch_requested.connect(self.switch_model)
        self.tabs.addTab(self.model_view, "&Model")
        self.settings_view = SettingsView(
            self.settings,
            self.locked,
            "",
            self.tabs,
            data_locations=f"Saved cases and audit log: {self.paths.data_dir}\nSettings: {self.paths.config_dir}\n"
            f"Logs (no patient data): {self.paths.log_dir}",
        )
        self.settings_view.save_requested.connect(self.save_settings)
        self.tabs.addTab(self.settings_view, "S&ettings")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(central)

        status = self.statusBar()
        self.status_label = QLabel("Starting…", self)
        self.status_label.setAccessibleName("Status")
        status.addWidget(self.status_label, 1)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.hide()
        status.addPermanentWidget(self.busy_bar)
        self.device_label = QLabel("Model: loading…", self)
        self.device_label.setObjectName("muted")
        status.addPermanentWidget(self.device_label)
        QWidget.setTabOrder(self.intake_panel.last_field, self.classify_button)
        QWidget.setTabOrder(self.classify_button, self.decision_panel.accept_button)
        last = self.decision_panel.reason_edit
        for b in (self.save_button, self.pdf_button, self.new_button):
            QWidget.setTabOrder(last, b)
            last = b
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_CLASSIFY_DELAY_MS)
        self._live_timer.timeout.connect(self._live_classify)

    def _action(self, text: str, shortcuts: list[str], slot: Callable[[], None], tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip or text} ({', '.join(shortcuts)})" if shortcuts else tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_classify = self._action("Classify", ["Ctrl+Return", "Ctrl+Enter"], self.classify)
        self.act_explain = self._action(
            "Explain in detail", ["Ctrl+Shift+E"], self.explain_detail, "Integrated-gradients explanation"
        )
        self.act_review = self._action("Review redactions…", ["Ctrl+Shift+R"], self.review_redactions)
        self.act_save = self._action("Save case", ["Ctrl+S"], self.save_case)
        self.act_pdf = self._action("Export PDF…", ["Ctrl+P"], self.export_pdf)
        self.act_pdf_ids = self._action(
            "Export PDF with identifiers…", [], self.export_pdf_with_identifiers, "Audited; includes the original text"
        )
        self.act_new = self._action("New case", ["Ctrl+N"], self.new_case)
        self.act_copy = self._action("Copy summary", ["Ctrl+Shift+C"], self.copy_summary)
        self.act_accept = self._action("Accept suggestion", ["Ctrl+Shift+A"], self.decision_panel.accept_suggestion)
        self.act_focus_intake = self._action("Go to intake", ["Ctrl+I"], self._focus_intake)
        self.act_quit = self._action("Quit", ["Ctrl+Q"], self.close)
        for i, name in enumerate(("Triage", "History", "Model", "Settings")):
            self._action(f"Show {name}", [f"Ctrl+{i + 1}"], lambda i=i: self.tabs.setCurrentIndex(i))
        bar = self.addToolBar("Actions")
        bar.setObjectName("actions")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (
            self.act_new,
            self.act_classify,
            self.act_explain,
            self.act_review,
            self.act_save,
            self.act_pdf,
            self.act_copy,
        ):
            bar.addAction(act)
        menu = self.menuBar().addMenu("&Case")
        for act in (
            self.act_new,
            self.act_classify,
            self.act_explain,
            self.act_review,
            self.act_accept,
            self.act_save,
            self.act_pdf,
            self.act_pdf_ids,
            self.act_copy,
        ):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.act_quit)

    # ------------------------------------------------------------------ geometry (QSettings: no PHI)
    def _qsettings(self) -> QSettings:
        return QSettings(str(self.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        qs = self._qsettings()
        geometry = qs.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        splitter = qs.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def _save_geometry(self) -> None:
        qs = self._qsettings()
        qs.setValue("geometry", self.saveGeometry())
        qs.setValue("splitter", self.splitter.saveState())
        qs.sync()

    # ------------------------------------------------------------------ the one error path
    def show_error(self, exc: BaseException) -> None:
        """Every error ends here: message bar + status, logged without PHI."""
        message = user_message(exc)
        if isinstance(exc, TriageError):
            log.warning("error shown to the user: %s", type(exc).__name__)
        else:
            log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        if isinstance(exc, InputError):
            self.intake_panel.show_error(exc)
        self.last_error = message
        self.error_label.setText(message)
        self.error_bar.show()
        self.status_label.setText("Error: see the message above.")
        self.error_shown.emit(message)

    def clear_error(self) -> None:
        self.error_bar.hide()
        self.last_error = ""

    def _busy_changed(self, busy: bool, text: str) -> None:
        self.busy_bar.setVisible(busy)
        self.busy_bar.setToolTip(text)
        if busy and text:
            self._busy_status = text
            self.status_label.setText(text)
        elif not busy and self.status_label.text() == self._busy_status:
            self.status_label.setText("Ready.")
        self._update_actions()

    # ------------------------------------------------------------------ start-up
    def start_loading(self) -> None:
        """Load the service (model, rules) and unlock the store, each on a worker.

        The two run side by side: key setup or a passphrase prompt never delays the first
        suggestion, and a locked store leaves classification working.
        """
        self.device_label.setText("Model: loading…")
        ops.load_service(self.settings, self.paths, self.service_factory).success(self._service_ready).failure(
            self._service_failed
        ).run(self.tasks)
        if self.store is None and not self.tasks.is_running("open_store"):
            self.unlock_store()

    def unlock_store(self) -> None:
        """Open the encrypted store (asks for the passphrase where there is no keyring)."""
        ops.open_store(
            self.paths,
            self.passphrase_provider,
            self.store_opener,
            retention_days=self.settings.retention_days,
            clinician=self.settings.clinician_name,
        ).success(self._store_opened).failure(self._store_failed).run(self.tasks)

    def _store_opened(self, store: ops.OpenedStore) -> None:
        self.store = store
        self.store_error = None
        if store.purged:
            self.status_label.setText(
                f"Removed {store.purged} saved case(s) older than {self.settings.retention_days} days (retention setting)."
            )
        self._attach_store()
        self._update_banner()
        self._update_actions()
        if self.tabs.currentIndex() == TAB_HISTORY:
            self.search_history(self.history_view.filters())

    def _store_failed(self, exc: BaseException) -> bool:
        """A locked store is shown in the banner (the app keeps classifying)."""
        self.store_error = exc if isinstance(exc, TriageError) else TriageError(user_message(exc))
        self._update_banner()
        self._update_actions()
        return True

    def _attach_store(self) -> None:
        if self.service is not None and self.store is not None:
            self.service.repository = self.store.repository
            self.service.audit = self.store.audit

    def _service_failed(self, exc: BaseException) -> bool:
        self.service = None
        self._model_error_text = user_message(exc)
        self._update_banner()
        self.device_label.setText("Model: not loaded")
        self._update_actions()
        return True

    def _service_ready(self, service: Any) -> None:
        old = self.service
        if old is not None and old is not service and self.store is not None:
            old.repository = None  # the store now belongs to the new service
        self.service = service
        self._attach_store()
        self._model_error_text = None if self.model_ready else user_message(
            getattr(service, "model_error", None) or TriageError("The model is not loaded.")
        )
        self._update_banner()
        status = str(getattr(service, "device_status", "") or "")
        self.device_label.setText(f"Model: {status}" if self.model_ready else "Model: not available")
        self.settings_view.set_detected_device(status)
        self._refresh_model_page()
        self.status_label.setText("Ready." if self.model_ready else "Ready (classification is off: see the banner).")
        self.intake_panel.update_danger_zones()
        self._update_actions()
        self.service_loaded.emit()
        if self.model_ready and self.settings.live_classify:
            self._intake_changed()

    @property
    def model_ready(self) -> bool:
        return bool(self.service is not None and getattr(self.service, "model_ready", False))

    @property
    def store_ready(self) -> bool:
        return self.service is not None and self.store is not None

    def _update_banner(self) -> None:
        parts = []
        if self._model_error_text:
            parts.append(
                f"<b>No model: classification is off.</b> {html.escape(self._model_error_text)} "
                "Intake, history and settings still work."
            )
        if self.store_error is not None:
            parts.append(f"<b>Saved cases are locked: saving is off.</b> {html.escape(user_message(self.store_error))}")
        self.banner_label.setText("<br>".join(parts))
        self.banner_model_button.setVisible(bool(self._model_error_text))
        self.banner_unlock_button.setVisible(self.store_error is not None)
        self.banner.setVisible(bool(parts))

    def _refresh_model_page(self) -> None:
        folder = Path(self.settings.model_dir) if self.settings.model_dir else default_models_dir() / "default"
        info = getattr(self.service, "model_info", None)
        error = "" if self.model_ready else user_message(getattr(self.service, "model_error", None) or TriageError("not loaded"))
        card = read_model_card(folder)
        if info is not None and not card.name:
            card = replace(card, name=info.name, version=info.version, sha256=info.sha256)
        self.model_view.set_card(card, str(getattr(self.service, "device_status", "") or ""), error)

    def _ask_passphrase_dialog(self, first_time: bool) -> str | None:
        dialog = PassphraseDialog(first_time, self)
        accepted = self._exec_dialog(dialog)
        self.activateWindow()
        return dialog.value() if accepted else None

    # ------------------------------------------------------------------ rules for danger zones
    def _danger_check(self, intake: Intake) -> list[Escalation]:
        rules = None
        if self.service is not None:
            rules = getattr(self.service, "rules", None) or getattr(self.service, "_rules", None)
        if rules is None:
            return []
        return list(rules.evaluate(intake))

    # ------------------------------------------------------------------ triage flow
    @property
    def result(self) -> TriageResult | None:
        return self.classification.result if self.classification else None

    @property
    def has_unsaved_case(self) -> bool:
        return self.classification is not None and self.saved_record is None

    def _focus_intake(self) -> None:
        self.tabs.setCurrentIndex(TAB_TRIAGE)
        self.intake_panel.first_field.setFocus()

    def _intake_changed(self) -> None:
        self._edit_seq += 1
        if self.classification is not None and self.saved_record is None:
            self._stale = True
            self.result_panel.set_stale(True)
        if self.settings.live_classify and self.model_ready:
            self._live_timer.start()
        self._update_actions()

    def _live_classify(self) -> None:
        if self.tasks.is_running("classify"):
            self._live_pending = True
            return
        if self.saved_record is not None:
            return
        try:
            self.intake_panel.intake()
        except InputError:
            return
        self.classify(live=True)

    def classify(self, live: bool = False) -> None:
        """Ctrl+Enter: validate the intake and classify it on a worker."""
        self.tabs.setCurrentIndex(TAB_TRIAGE)
        if not self.model_ready:
            if self._model_error_text:
                self.status_label.setText("Classification is off: see the banner above.")
                self.banner.show()
            else:
                self.show_error(TriageError("The model is still loading.", "Wait a moment and press Ctrl+Enter again."))
            return
        if self.saved_record is not None:
            self.status_label.setText("This case is saved. Press Ctrl+N for a new case.")
            return
        try:
            intake = self.intake_panel.intake()
        except InputError as exc:
            self.show_error(exc)
            return
        approved = self.approved if self._approved_for == intake.text else None
        self._original_text = intake.text
        self._focus_decision = not live  # never pull focus away from someone typing
        self.clear_error()
        seq, case = self._edit_seq, self._case_seq
        ops.classify_case(self.service, intake, approved).success(
            lambda classification: self._show_classification(classification, seq)
            if case == self._case_seq
            else None  # the clinician started a new case meanwhile
        ).finished(self._after_classify).run(self.tasks)

    def _after_classify(self) -> None:
        if self._live_pending:
            self._live_pending = False
            self._live_timer.start()

    def _show_classification(self, classification: ops.Classification, seq: int | None = None) -> None:
        self.classification = classification
        self.saved_record = None
        # Edited while the classification ran: the result is for the old intake.
        self._stale = seq is not None and seq != self._edit_seq
        self.result_panel.set_result(classification.result)
        self.result_panel.set_stale(self._stale)
        self.decision_panel.set_suggestion(classification.result.final_level)
        lvl = classification.result.level
        self.status_label.setText(f"Suggested level {lvl.number} ({lvl.short_name}). Accept or override, then save.")
        self._update_actions()
        self.result_shown.emit()
        if self._focus_decision:
            self.decision_panel.accept_button.setFocus()
        if self.settings.explanation_method == "ig" and self.settings.detailed_explanations:
            self.explain_detail()
        else:
            self.explain_fast()

    def _replace_result(self, snapshot: ops.Classification | None, result: TriageResult) -> None:
        """Show an explained result, unless the case changed meanwhile."""
        if snapshot is None or self.classification is not snapshot:
            return
        self.classification = replace(snapshot, result=result)
        self.result_panel.set_result(result)
        self.result_panel.set_stale(self._stale)
        self.result_shown.emit()

    def explain_fast(self) -> None:
        """Fast word attributions for the shown result, on a worker."""
        if self.result is None or getattr(self.service, "fast_explainer", True) is None:
            return
        snapshot = self.classification
        self.result_panel.attribution.caption.setText("Computing which words drove the suggestion…")
        ops.explain_case(self.service, self.result, "fast").success(
            lambda result: self._replace_result(snapshot, result)
        ).run(self.tasks)

    def explain_detail(self) -> None:
        """Ctrl+Shift+E: integrated gradients on a worker, with a progress dialog."""
        if self.result is None or self.service is None:
            self.status_label.setText("Classify a case first.")
            return
        if not self.settings.detailed_explanations:
            self.show_error(TriageError("Detailed explanations are turned off.", "Ask IT to enable them."))
            return
        progress = QProgressDialog(
            "Computing a detailed explanation (integrated gradients).\n"
            "On a CPU this can take up to a minute; you can keep working meanwhile.",
            "",
            0,
            0,
            self,
        )
        progress.setWindowTitle("Explaining in detail")
        progress.setCancelButton(None)
        progress.setMinimumDuration(300)
        progress.setWindowModality(Qt.WindowModality.NonModal)
        self._ig_progress = progress
        snapshot = self.classification

        def done(result: TriageResult) -> None:
            self._replace_result(snapshot, result)
            self.status_label.setText("Detailed explanation ready.")

        def close_progress() -> None:
            progress.reset()
            progress.close()
            self._ig_progress = None

        ops.explain_case(self.service, self.result, "ig", self.result.model_level).success(done).progress(
            lambda f, t: progress.setLabelText(t or progress.labelText())
        ).finished(close_progress).run(self.tasks)

    def review_redactions(self) -> None:
        """Ctrl+Shift+R: show PHI found in the complaint; the clinician approves the redaction."""
        if self.service is None:
            self.show_error(TriageError("The app is still starting.", "Wait a moment and try again."))
            return
        if self.saved_record is not None:
            self.status_label.setText("This case is saved; its redaction can no longer change.")
            return
        text = self.intake_panel.complaint.toPlainText().strip()
        if not text:
            self.show_error(InputError("text", "The presenting complaint is empty.", "Type the complaint first."))
            return
        if self._approved_for == text and self.approved is not None:
            self._open_redaction_review(text, self.approved)
            return
        case = self._case_seq
        ops.redact_preview(self.service, text).success(
            lambda red: self._open_redaction_review(text, red) if case == self._case_seq else None
        ).run(self.tasks)

    def _open_redaction_review(self, original: str, proposed: RedactedText) -> None:
        dialog = RedactionReviewDialog(original, proposed, self)
        if not self._exec_dialog(dialog):
            return
        self.approved = dialog.approved()
        self._approved_for = original
        self.status_label.setText(f"Redaction approved ({len(self.approved.spans)} identifiers).")
        if self.classification is not None and self.model_ready:
            self.classify()

    def save_case(self) -> None:
        """Ctrl+S: store the case with the clinician's decision (audited)."""
        if self.result is None:
            self.status_label.setText("Nothing to save yet: classify a case first.")
            return
        if self.saved_record is not None:
            self.status_label.setText("This case is already saved.")
            return
        if self._stale:
            self.show_error(
                InputError("text", "The intake changed after the suggestion.", "Press Ctrl+Enter to classify again, then save.")
            )
            return
        if not self.store_ready:
            self.show_error(self.store_error or TriageError("Saved cases are not available.", "See the banner."))
            return
        dp = self.decision_panel
        if dp.final_level is None:
            self.show_error(TriageError("No decision yet.", "Accept the suggestion (Ctrl+Shift+A) or choose a level."))
            return
        if dp.is_override and not dp.override_reason:
            self.show_error(InputError("override_reason", "An override needs a reason.", "Type the reason, then save."))
            dp.reason_edit.setFocus()
            return
        assert self.classification is not None
        ops.save_case(
            self.service,
            self.classification.result,
            final_level=dp.final_level,
            override_reason=dp.override_reason,
            clinician=self.settings.clinician_name,
            redaction_spans=self.classification.redacted.spans,
        ).success(self._case_saved).run(self.tasks)

    def _case_saved(self, record: CaseRecord) -> None:
        self.saved_record = record
        self.decision_panel.set_saved(True)
        self.status_label.setText(f"Case saved (id {record.case_id[:8]}). Ctrl+P exports the PDF, Ctrl+N starts a new case.")
        self._update_actions()
        self.search_history(self.history_view.filters())

    def ask_pdf_path(self, suggested: str) -> Path | None:
        """Ask where to write the PDF (tests replace this)."""
        start = str(Path.home() / suggested)
        path, _ = QFileDialog.getSaveFileName(self, "Export PDF", start, "PDF (*.pdf)")
        return Path(path) if path else None

    def export_pdf(self, record: CaseRecord | None = None) -> None:
        """Ctrl+P: export the saved case (redacted) to a PDF."""
        record = record or self.saved_record
        if record is None:
            self.show_error(TriageError("Save the case before exporting it.", "Press Ctrl+S, then Ctrl+P."))
            return
        out = self.ask_pdf_path(f"triage-{record.case_id[:8]}.pdf")
        if out is None:
            return
        ops.export_pdf(self.service, record, out).success(
            lambda p: self.status_label.setText(f"PDF saved: {p}")
        ).run(self.tasks)

    def export_pdf_with_identifiers(self) -> None:
        """Export including the original text (explicit, confirmed and audited)."""
        record = self.saved_record
        if record is None or self._original_text is None:
            self.show_error(TriageError("Save the current case before exporting it.", "Press Ctrl+S first."))
            return
        if not self.confirm(
            "Include identifiers?",
            "This PDF will contain the original, unredacted complaint. The export is recorded in the audit log. "
            "Store and share it only as your clinic's policy allows.",
        ):
            return
        out = self.ask_pdf_path(f"triage-{record.case_id[:8]}-identified.pdf")
        if out is None:
            return
        ops.export_pdf(self.service, record, out, include_identifiers=True, original_text=self._original_text).success(
            lambda p: self.status_label.setText(f"PDF with identifiers saved: {p}")
        ).run(self.tasks)

    def copy_summary(self) -> None:
        """Ctrl+Shift+C: copy a redacted plain-text summary."""
        if self.result is None:
            self.status_label.setText("Nothing to copy yet.")
            return
        dp = self.decision_panel
        text = case_summary_text(self.result, dp.final_level, dp.override_reason)
        QGuiApplication.clipboard().setText(text)
        self.status_label.setText("Summary copied (redacted).")

    def confirm(self, title: str, text: str) -> bool:
        """Yes/No question (tests replace this)."""
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _exec_dialog(self, dialog: QDialog) -> bool:
        """Run a modal dialog (tests replace this)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def new_case(self) -> None:
        """Ctrl+N: clear everything; warns when the current case is unsaved."""
        if self.has_unsaved_case and not self.confirm(
            "Discard this case?", "The current case has not been saved. Discard it and start a new one?"
        ):
            return
        self._case_seq += 1
        self.classification = None
        self.saved_record = None
        self.approved = None
        self._approved_for = None
        self._original_text = None
        self._stale = False
        self._live_timer.stop()
        self.intake_panel.clear()
        self.result_panel.set_result(None)
        self.decision_panel.set_suggestion(None)
        self.clear_error()
        self.status_label.setText("New case.")
        self._update_actions()
        self._focus_intake()

    # ------------------------------------------------------------------ history
    def _tab_changed(self, index: int) -> None:
        if index == TAB_HISTORY:
            self.search_history(self.history_view.filters())

    def search_history(self, filters: ops.HistoryFilter) -> None:
        if not self.store_ready:
            self.history_view.set_cases([])
            self.history_view.count_label.setText("Saved cases are not available (see the banner).")
            return
        ops.search_history(self.service, filters).success(self._show_history).run(self.tasks)

    def _show_history(self, cases: list[CaseSummary]) -> None:
        self.history_view.set_cases(cases)

    def open_case(self, case_id: str) -> None:
        ops.open_case(self.service, case_id).success(self._show_case).run(self.tasks)

    def _show_case(self, record: CaseRecord) -> None:
        dialog = CaseDialog(record, self)
        dialog.export_requested.connect(self.export_pdf)
        self.case_dialog = dialog
        dialog.show()

    # ------------------------------------------------------------------ model & settings
    def switch_model(self, folder: Path) -> None:
        op = ops.switch_model(self.service, self.paths, self.settings, folder, self.settings.clinician_name)
        op.success(self._model_switched).run(self.tasks)

    def _model_switched(self, switch: ops.ModelSwitch) -> None:
        self.settings = switch.settings
        self.status_label.setText(f"Model {switch.name} {switch.version} checked; loading it…")
        self.start_loading()

    def save_settings(self, new: Settings) -> None:
        old = self.settings
        audit = self.store.audit if self.store is not None else None
        ops.save_settings(self.paths, new, previous=old, audit=audit).success(
            lambda s: self._settings_saved(old, s)
        ).run(self.tasks)

    def _settings_saved(self, old: Settings, new: Settings) -> None:
        self.settings = new
        if self.service is not None and hasattr(self.service, "settings"):
            self.service.settings = new  # paper size, clinic name and clinician reach the PDF at once
        self.settings_view.set_settings(new, self.locked)
        app = QApplication.instance()
        if isinstance(app, QApplication) and (old.theme != new.theme or old.font_scale != new.font_scale):
            apply_theme(app, new.theme, new.font_scale)
            if self.result is not None:
                self.result_panel.set_result(self.result)
                self.result_panel.set_stale(self._stale)
        self.title_label.setText(f"<b>Triage Assistant</b> · {html.escape(new.clinic_name)}")
        self.setWindowTitle(f"Triage Assistant — {new.clinic_name}")
        self.status_label.setText("Settings saved.")
        if old.device != new.device or old.model_dir != new.model_dir:
            self.start_loading()

    # ------------------------------------------------------------------ state
    def _update_actions(self) -> None:
        classifying = self.tasks.is_running("classify")
        has_result = self.result is not None
        saved = self.saved_record is not None
        self.act_classify.setEnabled(self.model_ready and not classifying and not saved)
        self.classify_button.setEnabled(self.act_classify.isEnabled())
        self.act_explain.setEnabled(has_result and self.settings.detailed_explanations)
        self.act_review.setEnabled(self.service is not None and not saved)
        can_save = has_result and not saved and not self._stale and self.store_ready and self.decision_panel.can_save
        self.act_save.setEnabled(can_save)
        self.save_button.setEnabled(can_save)
        self.act_pdf.setEnabled(saved)
        self.pdf_button.setEnabled(saved)
        self.act_pdf_ids.setEnabled(saved and self._original_text is not None)
        self.act_copy.setEnabled(has_result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.has_unsaved_case and not self.confirm(
            "Close without saving?", "The current case has not been saved. Close anyway?"
        ):
            event.ignore()
            return
        if self.tasks.busy:
            self.status_label.setText("Finishing work in progress…")
            QApplication.processEvents()
            self.tasks.wait(30_000)
        self._save_geometry()
        if self.store is not None:
            try:
                self.store.repository.close()
            except Exception as exc:  # noqa: BLE001 - closing must not fail
                log.warning("closing the store failed: %s", type(exc).__name__)
            self.store = None
            if self.service is not None:
                self.service.repository = None
        event.accept()


__all__ = ["DISCLAIMER", "MainWindow", "case_summary_text", "user_message"]
