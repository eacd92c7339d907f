"""Intake panel: age, sex, pregnancy, vital signs and the presenting complaint.

Validation uses :mod:`triage_app.core.intake` (the ranges live there, once): each field is
checked as it is typed and the :class:`InputError` message is shown beside it. Danger-zone
colouring comes from the safety rules (a ``danger_check`` callable that runs the rule
engine on the current vitals), so the UI never keeps its own thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.errors import InputError
from triage_app.core.intake import AVPU_VALUES, VITAL_RANGES, Intake, Vitals
from triage_app.core.paths import resources_dir
from triage_app.core.results import Escalation

DangerCheck = Callable[[Intake], list[Escalation]]

QUICK_COMPLAINTS: tuple[str, ...] = (
    "chest pain",
    "shortness of breath",
    "abdominal pain",
    "fever",
    "headache",
    "fall",
    "laceration",
    "vomiting",
)

#: Rule id -> the vital fields it is about (the rule ids of triage_app.core.rules).
RULE_FIELDS: dict[str, frozenset[str]] = {
    "vitals.hr_high": frozenset({"hr"}),
    "vitals.hr_low": frozenset({"hr"}),
    "vitals.rr_high": frozenset({"rr"}),
    "vitals.rr_low": frozenset({"rr"}),
    "vitals.spo2_low": frozenset({"spo2"}),
    "vitals.shock": frozenset({"sbp", "hr"}),
    "vitals.hypotension": frozenset({"sbp"}),
    "vitals.hypertension": frozenset({"sbp", "dbp"}),
    "vitals.gcs_low": frozenset({"gcs"}),
    "vitals.avpu": frozenset({"avpu"}),
    "vitals.severe_pain_high_risk": frozenset({"pain"}),
    "vitals.sirs": frozenset({"temp", "hr", "rr"}),
    "vitals.hypothermia": frozenset({"temp"}),
    "vitals.hyperthermia": frozenset({"temp"}),
    "vitals.infant_fever": frozenset({"temp"}),
}
#: Fallback for rule ids not in the table: id words that name a field.
_WORD_FIELDS: dict[str, str] = {
    "hr": "hr", "rr": "rr", "spo2": "spo2", "sbp": "sbp", "dbp": "dbp", "gcs": "gcs", "avpu": "avpu",
    "pain": "pain", "temp": "temp", "fever": "temp", "hypothermia": "temp", "hyperthermia": "temp",
    "hypotension": "sbp", "hypertension": "sbp",
}


def load_vocabulary(path: Path | None = None) -> list[str]:
    """Symptom terms for the autocomplete (one per line, '#' comments)."""
    path = path or resources_dir() / "vocabulary" / "symptoms.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return list(QUICK_COMPLAINTS)
    terms = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return sorted(set(terms))


def fields_for_escalation(esc: Escalation) -> set[str]:
    """Which vital fields a rule escalation is about (by its rule id)."""
    rule = esc.rule.lower()
    if rule in RULE_FIELDS:
        return set(RULE_FIELDS[rule])
    if not rule.startswith("vitals."):
        return set()
    words = rule.split(".", 1)[1].replace("-", "_").split("_")
    return {_WORD_FIELDS[w] for w in words if w in _WORD_FIELDS}


class ComplaintEdit(QPlainTextEdit):
    """Free-text complaint with autocomplete on the phrase being typed."""

    submit = Signal()

    def __init__(self, vocabulary: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self._completer = QCompleter(self)
        self._completer.setModel(QStringListModel(vocabulary, self._completer))
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._completer.setWidget(self)
        self._completer.activated.connect(self.insert_completion)
        self._prefix = ""

    @property
    def completer(self) -> QCompleter:
        return self._completer

    def insert_completion(self, completion: str) -> None:
        cursor = self.textCursor()
        for _ in range(len(self._prefix)):
            cursor.deletePreviousChar()
        cursor.insertText(completion)
        self.setTextCursor(cursor)
        self._completer.popup().hide()

    def _candidate_prefix(self) -> str:
        """The longest tail of the current clause (up to 3 words) that has a completion."""
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock, QTextCursor.MoveMode.KeepAnchor)
        before = cursor.selectedText()
        for sep in ",.;:\n\u2029":
            before = before.rsplit(sep, 1)[-1]
        words = before.lstrip().split(" ")
        if not words or not words[-1]:
            return ""
        for n in (3, 2, 1):
            if len(words) < n:
                continue
            prefix = " ".join(words[-n:])
            if len(prefix) < 3:
                continue
            self._completer.setCompletionPrefix(prefix)
            if self._completer.completionCount() > 0:
                return prefix
        return ""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        popup = self._completer.popup()
        if popup.isVisible() and event.key() in (
            Qt.Key.Key_Enter,
            Qt.Key.Key_Return,
            Qt.Key.Key_Escape,
            Qt.Key.Key_Tab,
            Qt.Key.Key_Backtab,
        ):
            if event.key() in (Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Tab) and not (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                index = popup.currentIndex()
                text = index.data() if index.isValid() else self._completer.currentCompletion()
                if text:
                    self.insert_completion(str(text))
                    return
            popup.hide()
            if event.key() == Qt.Key.Key_Escape:
                return
        if event.key() in (Qt.Key.Key_Enter, Qt.Key.Key_Return) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submit.emit()
            return
        super().keyPressEvent(event)
        if not event.text() or not event.text().isprintable():
            if event.key() != Qt.Key.Key_Backspace:
                return
        self._prefix = self._candidate_prefix()
        if not self._prefix:
            popup.hide()
            return
        self._completer.setCompletionPrefix(self._prefix)
        popup.setCurrentIndex(self._completer.completionModel().index(0, 0))
        rect = self.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width() + 8)
        self._completer.complete(rect)


class VitalField(QWidget):
    """A labelled numeric entry with its unit and an inline error line."""

    def __init__(self, key: str, label: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"vital_{key}")
        self.edit.setAccessibleName(f"{label} ({unit})" if unit else label)
        self.edit.setMaximumWidth(90)
        self.edit.setPlaceholderText("—")
        self.unit = QLabel(unit, self)
        self.unit.setObjectName("muted")
        self.unit.setMinimumWidth(80)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(self.unit)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addLayout(row)
        box.addWidget(self.error)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_error(self, message: str, detail: str = "") -> None:
        self.error.setText(message)
        self.error.setToolTip(detail or message)
        self.error.setVisible(bool(message))
        self.edit.setAccessibleDescription(detail or message)
        self.edit.setProperty("invalid", bool(message))
        self._restyle()

    def set_danger(self, reason: str) -> None:
        self.edit.setProperty("danger", bool(reason))
        self.edit.setToolTip(f"Danger zone: {reason}" if reason else "")
        desc = self.edit.accessibleName().split(" — ")[0]
        self.edit.setAccessibleDescription(f"Danger zone: {reason}" if reason else "")
        self.edit.setAccessibleName(desc)
        self._restyle()

    @property
    def in_danger(self) -> bool:
        return bool(self.edit.property("danger"))

    def _restyle(self) -> None:
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)


class IntakePanel(QFrame):
    """Everything the clinician types. Emits ``changed`` on every edit and ``submit`` on Ctrl+Enter.

    Args:
        danger_check: Runs the safety rules on an intake; used to colour danger-zone vitals.
        vocabulary: Autocomplete terms (loaded from resources by default).
    """

    changed = Signal()
    submit = Signal()

    def __init__(
        self,
        danger_check: DangerCheck | None = None,
        vocabulary: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.danger_check = danger_check
        self._temp_unit = "C"
        self._building = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)

        title = QLabel("Patient", self)
        title.setObjectName("sectionTitle")
        layout.addWidget(title)

        demo = QGridLayout()
        demo.setHorizontalSpacing(8)
        self.age_edit = QLineEdit(self)
        self.age_edit.setAccessibleName("Age")
        self.age_edit.setMaximumWidth(70)
        self.age_edit.setPlaceholderText("age")
        self.age_unit = QComboBox(self)
        self.age_unit.addItems(["years", "months"])
        self.age_unit.setAccessibleName("Age unit")
        self.sex_combo = QComboBox(self)
        self.sex_combo.addItem("— sex —", None)
        for sex in ("female", "male", "other", "unknown"):
            self.sex_combo.addItem(sex.capitalize(), sex)
        self.sex_combo.setAccessibleName("Sex")
        self.pregnant_combo = QComboBox(self)
        self.pregnant_combo.addItem("Pregnancy: unknown", None)
        self.pregnant_combo.addItem("Not pregnant", False)
        self.pregnant_combo.addItem("Pregnant", True)
        self.pregnant_combo.setAccessibleName("Pregnancy")
        self.age_error = QLabel("", self)
        self.age_error.setObjectName("fieldError")
        self.age_error.hide()
        age_label = QLabel("&Age", self)
        age_label.setBuddy(self.age_edit)
        demo.addWidget(age_label, 0, 0)
        demo.addWidget(self.age_edit, 0, 1)
        demo.addWidget(self.age_unit, 0, 2)
        sex_label = QLabel("Se&x", self)
        sex_label.setBuddy(self.sex_combo)
        demo.addWidget(sex_label, 0, 3)
        demo.addWidget(self.sex_combo, 0, 4)
        demo.addWidget(self.pregnant_combo, 0, 5)
        demo.setColumnStretch(6, 1)
        demo.addWidget(self.age_error, 1, 0, 1, 7)
        layout.addLayout(demo)

        vit_title = QLabel("Vital signs", self)
        vit_title.setObjectName("sectionTitle")
        layout.addWidget(vit_title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        self.vitals: dict[str, VitalField] = {}
        order = ("hr", "rr", "sbp", "dbp", "spo2", "temp", "gcs", "pain")
        for i, key in enumerate(order):
            rng_key = "temp_c" if key == "temp" else key
            lo, hi, unit, label = VITAL_RANGES[rng_key]
            unit = {"hr": "bpm", "rr": "/min"}.get(key, unit)
            vf = VitalField(key, label, unit or "3–15", self)
            self.vitals[key] = vf
            lab = QLabel(label, self)
            lab.setBuddy(vf.edit)
            r, c = divmod(i, 2)
            grid.addWidget(lab, r, c * 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(vf, r, c * 2 + 1, Qt.AlignmentFlag.AlignTop)
        self.temp_toggle = QPushButton("°C", self)
        self.temp_toggle.setAccessibleName("Temperature unit: Celsius (press to switch to Fahrenheit)")
        self.temp_toggle.setToolTip("Switch between °C and °F")
        self.temp_toggle.setFixedWidth(48)
        self.temp_toggle.clicked.connect(self.toggle_temperature_unit)
        self.vitals["temp"].unit.hide()
        self.vitals["temp"].layout().itemAt(0).layout().insertWidget(1, self.temp_toggle)
        self.avpu_combo = QComboBox(self)
        self.avpu_combo.addItem("—", None)
        for value, text in zip(AVPU_VALUES, ("Alert", "Voice", "Pain", "Unresponsive")):
            self.avpu_combo.addItem(f"{value} – {text}", value)
        self.avpu_combo.setAccessibleName("AVPU")
        avpu_label = QLabel("AVPU", self)
        avpu_label.setBuddy(self.avpu_combo)
        rows = (len(order) + 1) // 2
        grid.addWidget(avpu_label, rows, 0)
        grid.addWidget(self.avpu_combo, rows, 1)
        self.avpu_error = QLabel("", self)
        self.avpu_error.setObjectName("fieldError")
        self.avpu_error.hide()
        grid.addWidget(self.avpu_error, rows, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)

        comp_title = QLabel("Presenting &complaint", self)
        comp_title.setObjectName("sectionTitle")
        layout.addWidget(comp_title)
        self.complaint = ComplaintEdit(vocabulary if vocabulary is not None else load_vocabulary(), self)
        self.complaint.setAccessibleName("Presenting complaint")
        self.complaint.setPlaceholderText(
            "Presenting complaint and key findings. Type 3+ letters for suggestions; Ctrl+Enter classifies."
        )
        self.complaint.setMinimumHeight(110)
        self.complaint.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        comp_title.setBuddy(self.complaint)
        layout.addWidget(self.complaint, 1)
        self.text_error = QLabel("", self)
        self.text_error.setObjectName("fieldError")
        self.text_error.hide()
        layout.addWidget(self.text_error)

        chips = QHBoxLayout()
        chips.setSpacing(4)
        chip_label = QLabel("Quick insert:", self)
        chip_label.setObjectName("muted")
        chips.addWidget(chip_label)
        self.chips: list[QPushButton] = []
        chip_box = QWidget(self)
        chip_grid = QGridLayout(chip_box)
        chip_grid.setContentsMargins(0, 0, 0, 0)
        chip_grid.setSpacing(4)
        for i, term in enumerate(QUICK_COMPLAINTS):
            chip = QPushButton(term, chip_box)
            chip.setObjectName("chip")
            chip.setAccessibleName(f"Insert complaint: {term}")
            chip.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            chip.clicked.connect(lambda _=False, t=term: self.insert_complaint(t))
            chip_grid.addWidget(chip, i // 4, i % 4)
            self.chips.append(chip)
        chips.addWidget(chip_box, 1)
        layout.addLayout(chips)

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(150)
        self._validate_timer.timeout.connect(self.validate)
        for widget in (self.age_edit, *(vf.edit for vf in self.vitals.values())):
            widget.textChanged.connect(self._on_edit)
        for combo in (self.age_unit, self.sex_combo, self.pregnant_combo, self.avpu_combo):
            combo.currentIndexChanged.connect(self._on_edit)
        self.complaint.textChanged.connect(self.changed.emit)
        self.complaint.submit.connect(self.submit.emit)
        self._set_tab_order()
        self._building = False
        self._update_pregnancy_enabled()

    # -- layout helpers -------------------------------------------------------------------
    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.age_edit, self.age_unit, self.sex_combo, self.pregnant_combo]
        chain += [self.vitals[k].edit for k in ("hr", "rr", "sbp", "dbp", "spo2", "temp")]
        chain += [self.temp_toggle, self.vitals["gcs"].edit, self.vitals["pain"].edit, self.avpu_combo, self.complaint]
        chain += self.chips
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    @property
    def first_field(self) -> QWidget:
        return self.age_edit

    @property
    def last_field(self) -> QWidget:
        return self.chips[-1]

    # -- behaviour ------------------------------------------------------------------------
    def _on_edit(self, *_: object) -> None:
        if self._building:
            return
        self._update_pregnancy_enabled()
        self._validate_timer.start()
        self.changed.emit()

    def _update_pregnancy_enabled(self) -> None:
        sex = self.sex_combo.currentData()
        age = self._age_years_or_none()
        relevant = sex in ("female", "other", "unknown") and (age is None or 10 <= age <= 60)
        self.pregnant_combo.setEnabled(relevant)
        if not relevant:
            self.pregnant_combo.setCurrentIndex(0)

    def _age_years_or_none(self) -> float | None:
        try:
            value = float(self.age_edit.text().strip().replace(",", "."))
        except ValueError:
            return None
        return value / 12.0 if self.age_unit.currentText() == "months" else value

    def insert_complaint(self, term: str) -> None:
        """Insert a quick complaint at the cursor, with a separator when needed."""
        cursor = self.complaint.textCursor()
        before = self.complaint.toPlainText()[: cursor.position()].rstrip()
        prefix = ", " if before and not before.endswith((",", ".", ";")) else (" " if before else "")
        cursor.insertText(prefix + term)
        self.complaint.setTextCursor(cursor)
        self.complaint.setFocus()

    def toggle_temperature_unit(self) -> None:
        """Switch °C/°F, converting a value already entered."""
        field = self.vitals["temp"]
        raw = field.text().replace(",", ".")
        try:
            value: float | None = float(raw)
        except ValueError:
            value = None
        if self._temp_unit == "C":
            self._temp_unit = "F"
            self.temp_toggle.setText("°F")
            self.temp_toggle.setAccessibleName("Temperature unit: Fahrenheit (press to switch to Celsius)")
            if value is not None:
                field.edit.setText(f"{value * 9 / 5 + 32:.1f}")
        else:
            self._temp_unit = "C"
            self.temp_toggle.setText("°C")
            self.temp_toggle.setAccessibleName("Temperature unit: Celsius (press to switch to Fahrenheit)")
            if value is not None:
                field.edit.setText(f"{(value - 32) * 5 / 9:.1f}")
        self.validate()

    @property
    def temperature_unit(self) -> str:
        return self._temp_unit

    def _vitals_dict(self, errors: list[InputError] | None = None) -> dict[str, object]:
        """Typed values of the filled vital fields.

        A field that is not a number raises InputError, or is skipped and reported in
        ``errors`` when a list is given.
        """
        data: dict[str, object] = {}
        for key, vf in self.vitals.items():
            text = vf.text().replace(",", ".")
            if not text:
                continue
            name = ("temp_f" if self._temp_unit == "F" else "temp_c") if key == "temp" else key
            try:
                value = float(text)
            except ValueError:
                label = VITAL_RANGES["temp_c" if key == "temp" else key][3]
                exc = InputError(name, f"{label}: expected a number, got {text[:12]!r}.")
                if errors is None:
                    raise exc from None
                errors.append(exc)
                continue
            data[name] = value
        avpu = self.avpu_combo.currentData()
        if avpu:
            data["avpu"] = avpu
        return data

    def _field_widget_for(self, field_name: str) -> VitalField | None:
        key = "temp" if field_name in ("temp_c", "temp_f") else field_name
        return self.vitals.get(key)

    def validate(self) -> list[InputError]:
        """Check every field; show each error beside its field. Returns the errors."""
        errors: list[InputError] = []
        for vf in self.vitals.values():
            vf.set_error("")
        self.age_error.hide()
        self.avpu_error.hide()
        # Field by field, so several errors show at once.
        data = self._vitals_dict(errors)
        for key, value in data.items():
            if key == "dbp":
                continue
            try:
                Vitals.from_dict({key: value})
            except InputError as exc:
                errors.append(exc)
        if not errors:
            try:
                Vitals.from_dict(data)
            except InputError as exc:
                errors.append(exc)
        elif "dbp" in data:
            try:
                Vitals.from_dict({"dbp": data["dbp"]})
            except InputError as exc:
                errors.append(exc)
        for exc in errors:
            widget = self._field_widget_for(exc.field)
            if widget is not None:
                widget.set_error(self._short_message(exc), exc.message)
            elif exc.field == "avpu":
                self.avpu_error.setText(exc.message)
                self.avpu_error.show()
        try:
            self._demographics()
        except InputError as exc:
            errors.append(exc)
            self.age_error.setText(exc.message)
            self.age_error.show()
        self.update_danger_zones()
        return errors

    def _short_message(self, exc: InputError) -> str:
        """Inline text beside a field: the allowed range when that is the problem."""
        key = "temp_c" if exc.field in ("temp_c", "temp_f") else exc.field
        if key in VITAL_RANGES and "possible range" in exc.message:
            lo, hi, unit, _label = VITAL_RANGES[key]
            if exc.field == "temp_f":
                lo, hi, unit = 77, 113, "°F"
            return f"Out of range: {lo:g}–{hi:g} {unit}".rstrip()
        return exc.message

    def _demographics(self) -> tuple[float | None, str | None, bool | None]:
        raw = self.age_edit.text().strip().replace(",", ".")
        age: float | None = None
        if raw:
            try:
                value = float(raw)
            except ValueError:
                raise InputError("age", f"Age: expected a number, got {raw[:10]!r}.") from None
            if self.age_unit.currentText() == "months":
                if not 0 <= value <= 36:
                    raise InputError("age", f"Age {value:g} months is outside 0–36 months; give older ages in years.")
                value = value / 12.0
            age = value
        sex = self.sex_combo.currentData()
        pregnant = self.pregnant_combo.currentData() if self.pregnant_combo.isEnabled() else None
        Intake(text="", age_years=age, sex=sex, pregnant=pregnant)
        return age, sex, pregnant

    def intake(self) -> Intake:
        """Build the validated intake. Raises InputError naming the field."""
        age, sex, pregnant = self._demographics()
        vitals = Vitals.from_dict(self._vitals_dict())
        text = self.complaint.toPlainText().strip()
        if not text:
            raise InputError("text", "The presenting complaint is empty.", "Type the complaint, then press Ctrl+Enter.")
        return Intake(text=text, age_years=age, sex=sex, pregnant=pregnant, vitals=vitals)

    def show_error(self, exc: InputError) -> None:
        """Show an error from anywhere (e.g. the service) beside its field."""
        widget = self._field_widget_for(exc.field)
        if widget is not None:
            widget.set_error(self._short_message(exc), exc.message)
            widget.edit.setFocus()
        elif exc.field in ("age", "age_months"):
            self.age_error.setText(exc.message)
            self.age_error.show()
            self.age_edit.setFocus()
        elif exc.field == "text":
            self.text_error.setText(exc.message)
            self.text_error.show()
            self.complaint.setFocus()

    def update_danger_zones(self) -> dict[str, str]:
        """Run the safety rules on the current vitals and colour the fields they flag."""
        flagged: dict[str, str] = {}
        if self.danger_check is not None:
            try:
                age, sex, pregnant = self._demographics()
                vitals = Vitals.from_dict(self._vitals_dict())
                escalations = self.danger_check(Intake(text="", age_years=age, sex=sex, pregnant=pregnant, vitals=vitals))
            except InputError:
                escalations = []
            for esc in escalations:
                for key in fields_for_escalation(esc):
                    flagged.setdefault(key, f"{esc.reason} (level {esc.min_level} or more urgent)")
        for key, vf in self.vitals.items():
            vf.set_danger(flagged.get(key, ""))
        self.avpu_combo.setToolTip(f"Danger zone: {flagged['avpu']}" if "avpu" in flagged else "")
        return flagged

    def clear(self) -> None:
        """Empty every field for a new case."""
        self._building = True
        self.age_edit.clear()
        self.age_unit.setCurrentIndex(0)
        self.sex_combo.setCurrentIndex(0)
        self.pregnant_combo.setCurrentIndex(0)
        self.avpu_combo.setCurrentIndex(0)
        for vf in self.vitals.values():
            vf.edit.clear()
            vf.set_error("")
            vf.set_danger("")
        self.complaint.clear()
        self.text_error.hide()
        self.age_error.hide()
        self._building = False
        self._update_pregnancy_enabled()
        self.changed.emit()


__all__ = ["QUICK_COMPLAINTS", "ComplaintEdit", "IntakePanel", "VitalField", "fields_for_escalation", "load_vocabulary"]
