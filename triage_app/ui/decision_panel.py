"""The clinician's decision: accept the suggestion, or override it with a reason.

Save is only possible once a decision exists; an override needs a non-empty reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.acuity import ACUITY_SCALE, acuity_level
from triage_app.ui.theme import current_theme


class DecisionPanel(QFrame):
    """Accept / override controls. Emits ``changed`` whenever the decision changes."""

    changed = Signal()

    def __init__(self, suggested_level: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self._suggested: int | None = None
        self._accepted = False
        self._saved = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        title = QLabel("Your decision", self)
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        row = QHBoxLayout()
        self.accept_button = QPushButton("&Accept suggestion", self)
        self.accept_button.setObjectName("primary")
        self.accept_button.setAccessibleName("Accept the suggested level")
        self.accept_button.setToolTip("Accept the suggested level (Ctrl+Shift+A, or Enter when focused)")
        self.accept_button.clicked.connect(self.accept_suggestion)
        row.addWidget(self.accept_button)
        row.addSpacing(12)
        row.addWidget(QLabel("or override:", self))
        self.level_group = QButtonGroup(self)
        self.level_group.setExclusive(True)
        self.level_buttons: list[QRadioButton] = []
        for lvl in ACUITY_SCALE:
            rb = QRadioButton(f"&{lvl.number}", self)
            rb.setToolTip(f"Override to level {lvl.number}: {lvl.name} (Alt+{lvl.number})")
            rb.setAccessibleName(f"Override to level {lvl.number}, {lvl.name}")
            self.level_group.addButton(rb, lvl.number)
            row.addWidget(rb)
            self.level_buttons.append(rb)
        self.level_group.idClicked.connect(self._level_picked)
        row.addStretch(1)
        layout.addLayout(row)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("Reason for override (required to save an override)")
        self.reason_edit.setAccessibleName("Reason for override")
        self.reason_edit.textChanged.connect(lambda _t: self.changed.emit())
        layout.addWidget(self.reason_edit)
        self.state_label = QLabel("", self)
        self.state_label.setWordWrap(True)
        self.state_label.setTextFormat(Qt.TextFormat.RichText)
        #: Row for the window's case actions (Save, Export...), beside the decision state.
        self.actions_row = QHBoxLayout()
        self.actions_row.addWidget(self.state_label, 1)
        layout.addLayout(self.actions_row)
        self.changed.connect(self._refresh)
        self.set_suggestion(suggested_level)

    # -- state ------------------------------------------------------------------------------
    @property
    def suggested_level(self) -> int | None:
        return self._suggested

    @property
    def final_level(self) -> int | None:
        """The decided level, or None while no decision is made."""
        if self._suggested is None:
            return None
        picked = self.level_group.checkedId()
        if picked > 0 and picked != self._suggested:
            return picked
        if self._accepted or picked == self._suggested:
            return self._suggested
        return None

    @property
    def is_override(self) -> bool:
        level = self.final_level
        return level is not None and level != self._suggested

    @property
    def override_reason(self) -> str:
        return self.reason_edit.text().strip() if self.is_override else ""

    @property
    def can_save(self) -> bool:
        if self.final_level is None or self._saved:
            return False
        return not self.is_override or bool(self.override_reason)

    def set_saved(self, saved: bool) -> None:
        self._saved = saved
        for w in (self.accept_button, self.reason_edit, *self.level_buttons):
            w.setEnabled(not saved and self._suggested is not None)
        self._refresh()

    def set_suggestion(self, level: int | None) -> None:
        """Reset the decision for a new suggestion (or none)."""
        self._suggested = level
        self._accepted = False
        self._saved = False
        self.level_group.setExclusive(False)
        for rb in self.level_buttons:
            rb.setChecked(False)
        self.level_group.setExclusive(True)
        self.reason_edit.clear()
        enabled = level is not None
        for w in (self.accept_button, self.reason_edit, *self.level_buttons):
            w.setEnabled(enabled)
        self.changed.emit()

    def accept_suggestion(self) -> None:
        if self._suggested is None or self._saved:
            return
        self._accepted = True
        self.level_group.button(self._suggested).setChecked(True)
        self.changed.emit()

    def override_to(self, level: int, reason: str | None = None) -> None:
        """Pick an override level (and optionally its reason); focus moves to the reason."""
        if self._suggested is None or self._saved:
            return
        self.level_group.button(level).setChecked(True)
        self._level_picked(level)
        if reason is not None:
            self.reason_edit.setText(reason)

    def _level_picked(self, level: int) -> None:
        self._accepted = level == self._suggested
        if level != self._suggested:
            self.reason_edit.setFocus()
        self.changed.emit()

    def _refresh(self) -> None:
        if self._suggested is None:
            self.state_label.setText("<i>Classify a case first.</i>")
            return
        level = self.final_level
        if self._saved:
            self.state_label.setText(f"<b>Saved</b> with final level {level}.")
        elif level is None:
            self.state_label.setText("Accept the suggestion or choose another level.")
        elif self.is_override and not self.override_reason:
            self.state_label.setText(
                f"<span style='color:{current_theme().error}'><b>Override to level {level}: a reason is required</b></span> before saving."
            )
        elif self.is_override:
            self.state_label.setText(
                f"Override: level {self._suggested} → <b>{level} ({acuity_level(level).short_name})</b>. Ctrl+S saves."
            )
        else:
            self.state_label.setText(f"Accepted level <b>{level} ({acuity_level(level).short_name})</b>. Ctrl+S saves.")
        self.reason_edit.setProperty("invalid", self.is_override and not self.override_reason)
        self.reason_edit.style().unpolish(self.reason_edit)
        self.reason_edit.style().polish(self.reason_edit)


__all__ = ["DecisionPanel"]
