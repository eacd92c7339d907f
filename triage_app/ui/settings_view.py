"""Settings page. Edits a :class:`Settings` value; the main window persists it.

Keys locked by the site configuration are shown read-only.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.settings import CHOICES, RANGES, Settings

DEVICE_LABELS = {"auto": "Automatic (GPU if available)", "cpu": "CPU", "cuda": "CUDA GPU"}
THEME_LABELS = {"light": "Light", "dark": "Dark", "high-contrast": "High contrast"}
METHOD_LABELS = {"fast": "Fast (perturbation, every case)", "ig": "Detailed (integrated gradients)"}


class SettingsView(QWidget):
    """Form over the user-editable settings. Emits ``save_requested(Settings)``."""

    save_requested = Signal(object)

    def __init__(
        self,
        settings: Settings,
        locked: frozenset[str] = frozenset(),
        detected_device: str = "",
        parent: QWidget | None = None,
        data_locations: str = "",
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._locked = locked
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 16, 16, 16)
        box = QWidget(self)
        box.setMaximumWidth(760)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(box)
        form = QFormLayout()
        form.setSpacing(8)
        self.clinician = QLineEdit(self)
        self.clinic = QLineEdit(self)
        self.logo = QLineEdit(self)
        self.logo_button = QPushButton("Browse…", self)
        self.logo_button.setAccessibleName("Choose the clinic logo image")
        self.logo_button.clicked.connect(self._browse_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(self.logo_button)
        self.device = QComboBox(self)
        for key in CHOICES["device"]:
            self.device.addItem(DEVICE_LABELS.get(key, key), key)
        self.detected = QLabel(detected_device or "Detected device: not known yet", self)
        self.detected.setObjectName("muted")
        self.detected.setWordWrap(True)
        self.method = QComboBox(self)
        for key in CHOICES["explanation_method"]:
            self.method.addItem(METHOD_LABELS.get(key, key), key)
        self.live = QCheckBox("Re-classify while I type (debounced)", self)
        self.theme = QComboBox(self)
        for key in CHOICES["theme"]:
            self.theme.addItem(THEME_LABELS.get(key, key), key)
        self.font_scale = QDoubleSpinBox(self)
        self.font_scale.setRange(*RANGES["font_scale"])
        self.font_scale.setSingleStep(0.1)
        self.font_scale.setDecimals(2)
        self.paper = QComboBox(self)
        for key in CHOICES["paper_size"]:
            self.paper.addItem(key, key)
        self.retention = QSpinBox(self)
        lo, hi = RANGES["retention_days"]
        self.retention.setRange(int(lo), int(hi))
        self.retention.setSpecialValueText("Keep forever")
        self.retention.setSuffix(" days")
        rows: list[tuple[str, QWidget | QHBoxLayout, str]] = [
            ("Clinician name", self.clinician, "clinician_name"),
            ("Clinic name", self.clinic, "clinic_name"),
            ("Clinic logo", logo_row, "clinic_logo"),
            ("Device", self.device, "device"),
            ("", self.detected, ""),
            ("Default explanation", self.method, "explanation_method"),
            ("", self.live, "live_classify"),
            ("Theme", self.theme, "theme"),
            ("Font scale", self.font_scale, "font_scale"),
            ("Paper size", self.paper, "paper_size"),
            ("Keep saved cases for", self.retention, "retention_days"),
        ]
        self._widgets: dict[str, QWidget] = {}
        for label, widget, key in rows:
            if isinstance(widget, QWidget):
                widget.setAccessibleName(label or widget.accessibleName() or key)
            if key:
                self._widgets[key] = widget if isinstance(widget, QWidget) else self.logo
            form.addRow(label, widget)
        self.logo.setAccessibleName("Clinic logo file")
        inner.addLayout(form)
        self.locked_note = QLabel("", self)
        self.locked_note.setObjectName("muted")
        self.locked_note.setWordWrap(True)
        inner.addWidget(self.locked_note)
        self.locations = QLabel(data_locations, self)
        self.locations.setObjectName("muted")
        self.locations.setWordWrap(True)
        self.locations.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self.locations)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.revert_button = QPushButton("&Revert", self)
        self.revert_button.clicked.connect(lambda: self.set_settings(self._settings, self._locked))
        self.save_button = QPushButton("Save &settings", self)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.settings()))
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        inner.addLayout(buttons)
        outer.addStretch(1)
        self.set_settings(settings, locked)

    def _browse_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Clinic logo", "", "Images (*.png *.jpg *.jpeg)")
        if path:
            self.logo.setText(path)

    def set_detected_device(self, text: str) -> None:
        self.detected.setText(f"In use: {text}" if text else "Detected device: not known yet")

    def set_settings(self, settings: Settings, locked: frozenset[str] = frozenset()) -> None:
        self._settings = settings
        self._locked = locked
        self.clinician.setText(settings.clinician_name)
        self.clinic.setText(settings.clinic_name)
        self.logo.setText(settings.clinic_logo)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.method.setCurrentIndex(max(0, self.method.findData(settings.explanation_method)))
        self.live.setChecked(settings.live_classify)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.font_scale.setValue(settings.font_scale)
        self.paper.setCurrentIndex(max(0, self.paper.findData(settings.paper_size)))
        self.retention.setValue(settings.retention_days)
        for key, widget in self._widgets.items():
            widget.setEnabled(key not in locked)
            widget.setToolTip("Set by your IT department (site configuration)" if key in locked else "")
        self.logo_button.setEnabled("clinic_logo" not in locked)
        self.locked_note.setText(
            f"Locked by the site configuration: {', '.join(sorted(locked))}." if locked else ""
        )

    def settings(self) -> Settings:
        """The edited settings (unchanged fields keep their current value)."""
        return replace(
            self._settings,
            clinician_name=self.clinician.text().strip(),
            clinic_name=self.clinic.text().strip(),
            clinic_logo=self.logo.text().strip(),
            device=self.device.currentData(),
            explanation_method=self.method.currentData(),
            live_classify=self.live.isChecked(),
            theme=self.theme.currentData(),
            font_scale=round(self.font_scale.value(), 2),
            paper_size=self.paper.currentData(),
            retention_days=self.retention.value(),
        )


__all__ = ["SettingsView"]
