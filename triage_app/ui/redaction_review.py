"""Redaction review: the clinician sees the PHI found, adds or removes redactions.

The approved redaction (text with placeholders plus the spans) is what gets classified and
saved. The original text lives only in this dialog's memory.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.protocols import RedactedText
from triage_app.core.results import RedactionSpan


def _redaction_api() -> object:
    """The privacy layer's span editing (one implementation for GUI, CLI and store)."""
    from triage_app.privacy import redactor

    return redactor


def redaction_labels() -> tuple[str, ...]:
    from triage_app.privacy.recognizers.base import LABELS

    return tuple(LABELS)


class RedactionReviewDialog(QDialog):
    """Shows the original complaint with PHI highlighted; returns the approved redaction.

    Args:
        original: The unredacted complaint (kept in memory only).
        proposed: The redactor's proposal.
    """

    def __init__(self, original: str, proposed: RedactedText, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = original
        self._spans: list[RedactionSpan] = list(proposed.spans)
        self.setWindowTitle("Review redactions")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Highlighted text will be replaced by a placeholder before the case is classified and saved. "
            "Select more text and press <b>Add redaction</b>, or pick one in the list and press <b>Remove</b>.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(original, self)
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.text.setAccessibleName("Original complaint with identifiers highlighted")
        layout.addWidget(self.text, 2)
        add_row = QHBoxLayout()
        self.label_combo = QComboBox(self)
        self.label_combo.addItems(list(redaction_labels()))
        self.label_combo.setAccessibleName("Type of identifier to add")
        self.add_button = QPushButton("&Add redaction for selection", self)
        self.add_button.clicked.connect(self.add_selection)
        add_row.addWidget(QLabel("Type:", self))
        add_row.addWidget(self.label_combo)
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        layout.addLayout(add_row)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Redactions")
        layout.addWidget(self.list, 1)
        rm_row = QHBoxLayout()
        self.remove_button = QPushButton("&Remove selected redaction", self)
        self.remove_button.clicked.connect(self.remove_selected)
        rm_row.addWidget(self.remove_button)
        rm_row.addStretch(1)
        layout.addLayout(rm_row)
        self.preview = QLabel("", self)
        self.preview.setWordWrap(True)
        self.preview.setObjectName("muted")
        layout.addWidget(self.preview)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Approve redaction")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._refresh()

    @property
    def spans(self) -> list[RedactionSpan]:
        return list(self._spans)

    def add_span(self, start: int, end: int, label: str) -> None:
        """Redact ``original[start:end]`` (widened to whole words, merged with touching spans)."""
        start, end = max(0, min(start, end)), min(len(self.original), max(start, end))
        if end <= start:
            return
        self._spans = list(_redaction_api().add_span(self.original, self._spans, start, end, label).spans)  # type: ignore[attr-defined]
        self._refresh()

    def add_selection(self) -> None:
        cursor = self.text.textCursor()
        if cursor.hasSelection():
            self.add_span(cursor.selectionStart(), cursor.selectionEnd(), self.label_combo.currentText())

    def remove_span(self, index: int) -> None:
        """Keep the text of span ``index`` (in display order) unredacted."""
        if 0 <= index < len(self._spans):
            self._spans = list(_redaction_api().remove_span(self.original, self._spans, index).spans)  # type: ignore[attr-defined]
            self._refresh()

    def remove_selected(self) -> None:
        self.remove_span(self.list.currentRow())

    def approved(self) -> RedactedText:
        """The approved redaction: exactly these spans, placeholders renumbered."""
        return _redaction_api().apply_spans(self.original, self._spans)  # type: ignore[attr-defined, no-any-return]

    def _refresh(self) -> None:
        approved = self.approved()
        self._spans = list(approved.spans)
        self.list.clear()
        for span in self._spans:
            snippet = self.original[span.start : span.end]
            QListWidgetItem(f"{span.placeholder}  ←  “{snippet}”  ({span.label})", self.list)
        self.remove_button.setEnabled(bool(self._spans))
        cursor = QTextCursor(self.text.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.setCharFormat(QTextCharFormat())
        fmt = QTextCharFormat()
        fmt.setBackground(QColor("#FFB000"))
        fmt.setForeground(QColor("#000000"))
        fmt.setFontWeight(700)
        for span in self._spans:
            cur = QTextCursor(self.text.document())
            cur.setPosition(span.start)
            cur.setPosition(span.end, QTextCursor.MoveMode.KeepAnchor)
            cur.setCharFormat(fmt)
        self.preview.setText(f"The model will read: {approved.text}")


__all__ = ["RedactionReviewDialog", "redaction_labels"]
