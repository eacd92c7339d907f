"""Model page: the active model's card (under-triage first), device status, and switching.

The card is read from the bundle's ``manifest.json`` and ``MODEL_CARD.md`` into a plain
:class:`ModelCard`; switching validates the new folder with the runtime's bundle loader
(on a worker) before anything uses it.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from triage_app.ui.theme import current_theme

#: Metrics shown first, in this order (under-triage is the safety-critical one).
METRIC_ORDER: tuple[tuple[str, str, bool], ...] = (
    ("under_triage_rate", "Under-triage rate (lower is safer)", True),
    ("sensitivity_l1_2", "Sensitivity for levels 1–2", True),
    ("sensitivity_level_1_2", "Sensitivity for levels 1–2", True),
    ("over_triage_rate", "Over-triage rate", True),
    ("accuracy", "Accuracy", True),
    ("macro_f1", "Macro-F1", False),
    ("quadratic_kappa", "Quadratic-weighted kappa", False),
    ("linear_kappa", "Linear-weighted kappa", False),
    ("ece", "Expected calibration error", False),
    ("tier3_accuracy", "3-tier accuracy", True),
    ("n", "Test cases", False),
)


@dataclass(frozen=True)
class ModelCard:
    """What the model page shows about one bundle."""

    folder: str
    name: str = ""
    version: str = ""
    base_model: str = ""
    created: str = ""
    sha256: str = ""
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    card_markdown: str = ""


def read_model_card(folder: Path) -> ModelCard:
    """Read manifest metrics and MODEL_CARD.md (no hash check; see load_bundle for that)."""
    manifest: dict[str, Any] = {}
    path = folder / "manifest.json"
    if path.is_file():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            manifest = {}
    card = folder / "MODEL_CARD.md"
    text = card.read_text(encoding="utf-8", errors="replace") if card.is_file() else ""
    metrics = manifest.get("metrics") if isinstance(manifest.get("metrics"), dict) else {}
    return ModelCard(
        folder=str(folder),
        name=str(manifest.get("name", "")),
        version=str(manifest.get("version", "")),
        base_model=str(manifest.get("base_model", "")),
        created=str(manifest.get("created", "")),
        sha256=str(manifest.get("sha256", "")),
        metrics={k: v for k, v in metrics.items() if isinstance(v, dict)},
        card_markdown=text,
    )


def ordered_metrics(split: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, formatted value) rows, under-triage first, then the rest by name."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()

    def fmt(value: Any, pct: bool) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return str(value)
        if pct and 0 <= value <= 1:
            return f"{value * 100:.1f}%"
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"

    for key, label, pct in METRIC_ORDER:
        if key in split:
            rows.append((label, fmt(split[key], pct)))
            seen.add(key)
    for key in sorted(split):
        if key not in seen and isinstance(split[key], (int, float)) and not isinstance(split[key], bool):
            rows.append((key.replace("_", " "), fmt(split[key], False)))
    return rows


class ModelView(QWidget):
    """The active model card and device status. Emits ``switch_requested(Path)``."""

    switch_requested = Signal(object)

    def __init__(
        self,
        card: ModelCard | None = None,
        device_status: str = "",
        error: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        self.title = QLabel("", self)
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.details = QLabel("", self)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.metrics_table = QTableWidget(0, 2, self)
        self.metrics_table.setHorizontalHeaderLabels(["Metric (test set)", "Value"])
        self.metrics_table.verticalHeader().setVisible(False)
        self.metrics_table.horizontalHeader().setStretchLastSection(True)
        self.metrics_table.setColumnWidth(0, 320)
        self.metrics_table.setAccessibleName("Model metrics, under-triage first")
        self.metrics_table.setMaximumHeight(260)
        layout.addWidget(self.metrics_table)
        self.card_text = QTextBrowser(self)
        self.card_text.setAccessibleName("Model card")
        self.card_text.setOpenLinks(False)
        layout.addWidget(self.card_text, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.switch_button = QPushButton("Use another model &folder…", self)
        self.switch_button.setAccessibleName("Switch to another model bundle folder")
        self.switch_button.clicked.connect(self._choose_folder)
        row.addWidget(self.switch_button)
        layout.addLayout(row)
        self.set_card(card, device_status, error)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model bundle folder")
        if folder:
            self.switch_requested.emit(Path(folder))

    def set_card(self, card: ModelCard | None, device_status: str = "", error: str = "") -> None:
        status = html.escape(device_status or "not loaded")
        err = f"<br><span style='color:{current_theme().error}'><b>Problem:</b> {html.escape(error)}</span>" if error else ""
        if card is None or not card.name:
            self.title.setText("No model loaded")
            folder = html.escape(card.folder) if card else "—"
            self.details.setText(f"Folder: {folder}<br>Device: {status}{err}")
            self.metrics_table.setRowCount(0)
            self.card_text.setPlainText("")
            return
        self.title.setText(f"Active model: {card.name} {card.version}")
        self.details.setText(
            f"Base: {html.escape(card.base_model)} · created {html.escape(card.created)}<br>"
            f"Bundle hash: <tt>{html.escape(card.sha256[:16])}</tt><br>Folder: {html.escape(card.folder)}<br>"
            f"Device: <b>{status}</b>{err}"
        )
        split = card.metrics.get("test") or next(iter(card.metrics.values()), {})
        rows = ordered_metrics(split)
        dataset = split.get("dataset")
        self.metrics_table.setHorizontalHeaderLabels(
            [f"Metric (test set: {dataset})" if dataset else "Metric (test set)", "Value"]
        )
        self.metrics_table.setRowCount(len(rows))
        for i, (label, value) in enumerate(rows):
            self.metrics_table.setItem(i, 0, QTableWidgetItem(label))
            self.metrics_table.setItem(i, 1, QTableWidgetItem(value))
        self.card_text.setMarkdown(card.card_markdown or "_This bundle has no MODEL_CARD.md._")


__all__ = ["METRIC_ORDER", "ModelCard", "ModelView", "ordered_metrics", "read_model_card"]
