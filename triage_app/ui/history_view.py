"""History of saved cases: a filterable table, and a read-only case view.

The view renders plain :class:`CaseSummary` rows and emits requests; the main window runs
the operations (search, open, export) on workers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.acuity import ACUITY_SCALE, acuity_level
from triage_app.core.protocols import CaseSummary
from triage_app.core.results import CaseRecord
from triage_app.ui.operations import HistoryFilter
from triage_app.ui.result_panel import ResultPanel

COLUMNS = ("Date", "Suggested", "Final", "Override", "Complaint (redacted)")


def _level_item(level: int) -> QTableWidgetItem:
    lvl = acuity_level(level)
    item = QTableWidgetItem(f"{lvl.number} {lvl.short_name}")
    item.setBackground(QColor(lvl.colour))
    item.setForeground(QColor(lvl.text_colour))
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return item


class HistoryView(QWidget):
    """Saved cases with filters by date range, final level and text."""

    search_requested = Signal(object)
    open_requested = Signal(str)

    def __init__(self, cases: Sequence[CaseSummary] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cases: list[CaseSummary] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        filters = QHBoxLayout()
        self.use_dates = QCheckBox("&Dates from", self)
        self.use_dates.setAccessibleName("Filter by date range")
        self.since_edit = QDateEdit(QDate.currentDate().addDays(-7), self)
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat("yyyy-MM-dd")
        self.since_edit.setAccessibleName("From date")
        self.until_edit = QDateEdit(QDate.currentDate(), self)
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("yyyy-MM-dd")
        self.until_edit.setAccessibleName("To date")
        self.level_combo = QComboBox(self)
        self.level_combo.addItem("Any level", None)
        for lvl in ACUITY_SCALE:
            self.level_combo.addItem(f"Level {lvl.number} {lvl.short_name}", lvl.number)
        self.level_combo.setAccessibleName("Filter by final level")
        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText("Search redacted text…")
        self.text_edit.setAccessibleName("Filter by text")
        self.text_edit.returnPressed.connect(self.request_search)
        self.search_button = QPushButton("&Search", self)
        self.search_button.setAccessibleName("Search saved cases")
        self.search_button.clicked.connect(self.request_search)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.since_edit)
        filters.addWidget(QLabel("to", self))
        filters.addWidget(self.until_edit)
        filters.addSpacing(10)
        filters.addWidget(self.level_combo)
        filters.addWidget(self.text_edit, 1)
        filters.addWidget(self.search_button)
        layout.addLayout(filters)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Saved cases")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for i in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.request_open())
        self.table.activated.connect(lambda _i: self.request_open())
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("muted")
        bottom.addWidget(self.count_label, 1)
        self.open_button = QPushButton("&Open case", self)
        self.open_button.setAccessibleName("Open the selected case read-only")
        self.open_button.clicked.connect(self.request_open)
        bottom.addWidget(self.open_button)
        layout.addLayout(bottom)
        self.set_cases(cases)

    def filters(self) -> HistoryFilter:
        since = until = None
        if self.use_dates.isChecked():
            since = self.since_edit.date().toString("yyyy-MM-dd")
            until = self.until_edit.date().toString("yyyy-MM-dd")
        text = self.text_edit.text().strip() or None
        return HistoryFilter(since=since, until=until, level=self.level_combo.currentData(), text=text)

    def request_search(self) -> None:
        self.search_requested.emit(self.filters())

    def selected_case_id(self) -> str | None:
        row = self.table.currentRow()
        if row < 0 or row >= len(self._cases):
            return None
        return self._cases[row].case_id

    def request_open(self) -> None:
        case_id = self.selected_case_id()
        if case_id:
            self.open_requested.emit(case_id)

    @property
    def cases(self) -> list[CaseSummary]:
        return list(self._cases)

    def set_cases(self, cases: Sequence[CaseSummary]) -> None:
        self._cases = list(cases)
        self.table.setRowCount(len(self._cases))
        for row, case in enumerate(self._cases):
            date = case.created_at.replace("T", " ")[:16]
            self.table.setItem(row, 0, QTableWidgetItem(date))
            self.table.setItem(row, 1, _level_item(case.suggested_level))
            self.table.setItem(row, 2, _level_item(case.final_level))
            mark = QTableWidgetItem("✎ override" if case.overridden else "")
            mark.setToolTip("The clinician chose a different level" if case.overridden else "")
            self.table.setItem(row, 3, mark)
            snippet = case.snippet if len(case.snippet) <= 120 else case.snippet[:117] + "…"
            self.table.setItem(row, 4, QTableWidgetItem(snippet))
        n = len(self._cases)
        self.count_label.setText(f"{n} case{'s' if n != 1 else ''}")
        if n:
            self.table.selectRow(0)


class CaseDialog(QDialog):
    """A saved case, read-only, with a button to export its PDF again."""

    export_requested = Signal(object)

    def __init__(self, record: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = record
        self.setWindowTitle(f"Case {record.case_id[:8]} (read-only)")
        self.resize(760, 720)
        layout = QVBoxLayout(self)
        final = acuity_level(record.final_level)
        decision = (
            f"<b>Final level {final.number} ({final.name})</b> — overridden from {record.result.final_level}. "
            f"Reason: {html.escape(record.override_reason)}"
            if record.overridden
            else f"<b>Final level {final.number} ({final.name})</b> — suggestion accepted."
        )
        who = html.escape(record.clinician) or "unknown clinician"
        header = QLabel(f"{decision}<br>Saved {record.created_at.replace('T', ' ')[:19]} by {who}.", self)
        header.setWordWrap(True)
        header.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(header)
        self.result_panel = ResultPanel(record.result, self)
        layout.addWidget(self.result_panel, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.export_button = QPushButton("&Export PDF…", self)
        self.export_button.setAccessibleName("Export this case to PDF")
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.record))
        close = QPushButton("&Close", self)
        close.clicked.connect(self.accept)
        row.addWidget(self.export_button)
        row.addWidget(close)
        layout.addLayout(row)


__all__ = ["CaseDialog", "HistoryView"]
