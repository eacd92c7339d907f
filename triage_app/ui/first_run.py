"""First run: intended use, where data lives, key setup; and the passphrase dialog.

The passphrase dialog is what ``triage_app.privacy.keys.obtain_data_key`` calls back
(through :class:`PassphraseBridge`, because key setup runs on a worker thread while
dialogs must run on the GUI thread).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.paths import AppPaths

MIN_PASSPHRASE = 8

INTENDED_USE = (
    "Triage Assistant suggests an acuity level (1 = immediate … 5 = non-urgent) from the presenting "
    "complaint, age and vital signs, shows which words and safety rules drove the suggestion, and "
    "records your decision. <b>It is decision support only: the clinician decides.</b> It does not "
    "diagnose, it can be wrong, and it must not delay care of a patient who looks unwell. "
    "Everything stays on this computer: no network is used."
)


def keyring_available() -> bool:
    """Whether an OS keyring backend can hold the data key (asks the privacy layer)."""
    try:
        from triage_app.privacy.keys import keyring_status

        return bool(keyring_status()[0])
    except Exception:  # noqa: BLE001 - no keyring, or the privacy layer is unavailable
        return False


class PassphraseDialog(QDialog):
    """Ask for the passphrase; when ``first_time``, ask to choose one and confirm it."""

    def __init__(self, first_time: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_time = first_time
        self.setWindowTitle("Choose a passphrase" if first_time else "Unlock saved cases")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "No OS keyring is available on this computer, so saved cases are encrypted with a key "
            "derived from a passphrase. <b>Choose one you will remember: without it the saved cases "
            "cannot be read.</b>"
            if first_time
            else "Enter the passphrase that protects the saved cases on this computer.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        form = QFormLayout()
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        form.addRow("&Passphrase", self.passphrase)
        self.confirm = QLineEdit(self)
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Confirm passphrase")
        if first_time:
            form.addRow("&Confirm", self.confirm)
        layout.addLayout(form)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def problem(self) -> str:
        value = self.passphrase.text()
        if not value:
            return "Enter a passphrase."
        if self.first_time and len(value) < MIN_PASSPHRASE:
            return f"Use at least {MIN_PASSPHRASE} characters."
        if self.first_time and value != self.confirm.text():
            return "The two passphrases differ."
        return ""

    def _try_accept(self) -> None:
        problem = self.problem()
        self.error.setText(problem)
        if not problem:
            self.accept()

    def value(self) -> str:
        return self.passphrase.text()


class PassphraseBridge(QObject):
    """Lets a worker thread ask the GUI thread for a passphrase and wait for the answer.

    Args:
        ask: Runs on the GUI thread; returns the passphrase or None when cancelled.
    """

    _requested = Signal(bool)

    def __init__(self, ask: Callable[[bool], str | None]) -> None:
        super().__init__()
        self._ask = ask
        self._answer: str | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._requested.connect(self._on_request)

    @Slot(bool)
    def _on_request(self, first_time: bool) -> None:
        try:
            self._answer = self._ask(first_time)
        finally:
            self._done.set()

    def __call__(self, first_time: bool) -> str | None:
        """The passphrase provider handed to ``obtain_data_key`` (called on a worker)."""
        if threading.current_thread() is threading.main_thread():
            return self._ask(first_time)
        with self._lock:
            self._done.clear()
            self._answer = None
            self._requested.emit(bool(first_time))
            self._done.wait()
            return self._answer


class FirstRunDialog(QDialog):
    """One screen: intended use, where data lives, how the key is kept, clinician name."""

    def __init__(self, paths: AppPaths, keyring_ok: bool, clinician: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Triage Assistant")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        title = QLabel("Before you start", self)
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        use = QLabel(INTENDED_USE, self)
        use.setWordWrap(True)
        use.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(use)
        key_text = (
            "Saved cases are encrypted. The key is kept in this computer's <b>OS keyring</b>."
            if keyring_ok
            else "Saved cases are encrypted. This computer has <b>no OS keyring</b>, so you will now choose a "
            "<b>passphrase</b>; you will be asked for it when the app starts."
        )
        data = QLabel(
            f"{key_text}<br><br><b>Where your data lives</b><br>"
            f"Cases and audit log: <tt>{html.escape(str(paths.data_dir))}</tt><br>"
            f"Settings: <tt>{html.escape(str(paths.config_dir))}</tt><br>"
            f"Logs (no patient data): <tt>{html.escape(str(paths.log_dir))}</tt>",
            self,
        )
        data.setWordWrap(True)
        data.setTextFormat(Qt.TextFormat.RichText)
        data.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(data)
        form = QFormLayout()
        self.clinician = QLineEdit(clinician, self)
        self.clinician.setAccessibleName("Your name (recorded with saved cases)")
        form.addRow("Your &name", self.clinician)
        layout.addLayout(form)
        self.understood = QCheckBox("I understand this is decision support only and that I make the decision.", self)
        layout.addWidget(self.understood)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Continue")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.understood.toggled.connect(self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)

    def clinician_name(self) -> str:
        return self.clinician.text().strip()


__all__ = ["INTENDED_USE", "FirstRunDialog", "PassphraseBridge", "PassphraseDialog", "keyring_available"]
