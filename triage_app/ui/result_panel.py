"""Result panel: level badge, uncertainty, rule escalations, probabilities, explanation.

Built from a plain :class:`TriageResult` (``ResultPanel(result)``); it never calls a service.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from triage_app.core.acuity import ACUITY_SCALE, acuity_level
from triage_app.core.results import Escalation, TriageResult
from triage_app.ui.attribution_view import AttributionView
from triage_app.ui.theme import current_theme


def target_phrase(level: int) -> str:
    """'See immediately' for level 1, else 'Be seen within <target>'."""
    lvl = acuity_level(level)
    return "See immediately" if lvl.target_minutes == 0 else f"Be seen within {lvl.target}"


class LevelBadge(QFrame):
    """Big coloured badge: number, name and target time of one acuity level."""

    def __init__(self, level: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(150, 110)
        self.setMaximumWidth(200)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(0)
        self.number = QLabel("–", self)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel("", self)
        self.name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name.setWordWrap(True)
        self.target = QLabel("", self)
        self.target.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.target.setWordWrap(True)
        for lab in (self.number, self.name, self.target):
            layout.addWidget(lab)
        self.set_level(level)

    def set_level(self, level: int | None, uncertain: bool = False) -> None:
        font = self.font()
        size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        if level is None:
            self.setStyleSheet("LevelBadge { border: 2px dashed #8C959F; border-radius: 8px; }")
            self.number.setText("–")
            self.name.setText("No suggestion yet")
            self.target.setText("")
            self.setAccessibleName("No suggestion yet")
            return
        lvl = acuity_level(level)
        self.setStyleSheet(
            f"LevelBadge {{ background: {lvl.colour}; border-radius: 8px; }}"
            f"LevelBadge QLabel {{ color: {lvl.text_colour}; background: transparent; }}"
        )
        self.number.setText(f"<span style='font-size:{size * 3.2:.0f}pt; font-weight:700'>{lvl.number}</span>")
        self.name.setText(f"<span style='font-size:{size * 1.3:.0f}pt; font-weight:600'>{lvl.name}</span>")
        when = target_phrase(lvl.number)
        self.target.setText(f"{when}<br><b>⚠ UNCERTAIN: review</b>" if uncertain else when)
        self.setAccessibleName(
            f"Suggested level {lvl.number}, {lvl.name}, {when.lower()}" + (", uncertain: review" if uncertain else "")
        )


class ProbabilityBars(QWidget):
    """Calibrated probability per level, one bar each in the level's colour."""

    def __init__(self, probabilities: tuple[float, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        self.bars: list[QProgressBar] = []
        self.values: list[QLabel] = []
        for i, lvl in enumerate(ACUITY_SCALE):
            label = QLabel(f"{lvl.number} {lvl.short_name}", self)
            bar = QProgressBar(self)
            bar.setRange(0, 1000)
            bar.setTextVisible(False)
            bar.setFixedHeight(14)
            bar.setStyleSheet(
                f"QProgressBar::chunk {{ background: {lvl.colour}; border-radius: 2px; }}"
            )
            value = QLabel("", self)
            value.setMinimumWidth(44)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, i, 0)
            grid.addWidget(bar, i, 1)
            grid.addWidget(value, i, 2)
            self.bars.append(bar)
            self.values.append(value)
        grid.setColumnStretch(1, 1)
        self.set_probabilities(probabilities)

    def set_probabilities(self, probabilities: tuple[float, ...]) -> None:
        for i, (bar, value) in enumerate(zip(self.bars, self.values)):
            p = probabilities[i] if i < len(probabilities) else None
            bar.setValue(int(round((p or 0.0) * 1000)))
            value.setText("" if p is None else f"{p * 100:.0f}%")
            lvl = ACUITY_SCALE[i]
            bar.setAccessibleName(
                f"Probability of level {lvl.number} {lvl.short_name}: " + ("none" if p is None else f"{p * 100:.0f} percent")
            )


def escalation_text(esc: Escalation) -> str:
    """One escalation in plain words, rich text (reason first, source small)."""
    lvl = acuity_level(esc.min_level)
    tag = (
        f"<span style='background:{lvl.colour}; color:{lvl.text_colour}; font-weight:600'>"
        f"&nbsp;≥ {lvl.number} {html.escape(lvl.short_name)}&nbsp;</span>"
    )
    muted = current_theme().muted
    evidence = f" <span style='color:{muted}'>({html.escape(esc.evidence)})</span>" if esc.evidence else ""
    source = f"<br><span style='color:{muted}; font-size:small'>Source: {html.escape(esc.source)}</span>" if esc.source else ""
    return f"<p style='margin:0 0 4px 0'>{tag} {html.escape(esc.reason)}{evidence}{source}</p>"


def escalations_html(escalations: tuple[Escalation, ...]) -> str:
    """All escalations, most urgent first."""
    ordered = sorted(escalations, key=lambda e: e.min_level)
    return "".join(escalation_text(e) for e in ordered)


class ResultPanel(QFrame):
    """Everything about one suggestion. ``ResultPanel(None)`` shows the empty state."""

    def __init__(self, result: TriageResult | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self._result: TriageResult | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        title = QLabel("Suggestion", self)
        title.setObjectName("sectionTitle")
        layout.addWidget(title)

        top = QHBoxLayout()
        top.setSpacing(14)
        self.badge = LevelBadge(None, self)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.setSpacing(4)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        right.addWidget(self.summary)
        self.bars = ProbabilityBars((), self)
        right.addWidget(self.bars)
        top.addLayout(right, 1)
        layout.addLayout(top)

        self.uncertain_frame = QFrame(self)
        self.uncertain_frame.setObjectName("uncertain")
        ub = QVBoxLayout(self.uncertain_frame)
        ub.setContentsMargins(10, 6, 10, 6)
        self.uncertain_label = QLabel("", self.uncertain_frame)
        self.uncertain_label.setWordWrap(True)
        self.uncertain_label.setTextFormat(Qt.TextFormat.RichText)
        ub.addWidget(self.uncertain_label)
        layout.addWidget(self.uncertain_frame)

        self.escalations_title = QLabel("Safety rules", self)
        self.escalations_title.setObjectName("sectionTitle")
        layout.addWidget(self.escalations_title)
        self.escalations_label = QLabel("", self)
        self.escalations_label.setWordWrap(True)
        self.escalations_label.setTextFormat(Qt.TextFormat.RichText)
        self.escalations_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.escalations_label)

        why = QLabel("Why", self)
        why.setObjectName("sectionTitle")
        layout.addWidget(why)
        self.attribution = AttributionView(parent=self)
        layout.addWidget(self.attribution)

        self.model_line = QLabel("", self)
        self.model_line.setObjectName("muted")
        self.model_line.setWordWrap(True)
        layout.addWidget(self.model_line)
        self.stale_label = QLabel("The intake changed since this suggestion. Press Ctrl+Enter to classify again.", self)
        self.stale_label.setObjectName("fieldError")
        self.stale_label.setWordWrap(True)
        self.stale_label.hide()
        layout.addWidget(self.stale_label)
        layout.addStretch(1)
        self.set_result(result)

    @property
    def result(self) -> TriageResult | None:
        return self._result

    def set_stale(self, stale: bool) -> None:
        self.stale_label.setVisible(stale and self._result is not None)

    def set_result(self, result: TriageResult | None) -> None:
        self._result = result
        self.stale_label.hide()
        if result is None:
            self.badge.set_level(None)
            self.summary.setText(
                "Fill in the intake and press <b>Ctrl+Enter</b> to get a suggested acuity level."
            )
            self.bars.set_probabilities(())
            self.uncertain_frame.hide()
            self.escalations_title.hide()
            self.escalations_label.hide()
            self.attribution.set_content("")
            self.model_line.setText("")
            self.setAccessibleDescription("No result")
            return
        lvl = result.level
        model_lvl = acuity_level(result.model_level)
        top_p = result.probabilities[result.model_level - 1] if len(result.probabilities) >= result.model_level else 0.0
        lines = [f"<b>Suggested level {lvl.number} — {lvl.name}</b>"]
        if result.escalated:
            lines.append(
                f"Model alone: level {model_lvl.number} ({model_lvl.short_name}, {top_p * 100:.0f}%); "
                "<b>raised by the safety rules below</b>."
            )
        else:
            lines.append(f"Model: level {model_lvl.number} with {top_p * 100:.0f}% calibrated probability.")
        argmax = max(range(len(result.probabilities)), key=result.probabilities.__getitem__) + 1 if result.probabilities else None
        if argmax is not None and argmax != result.model_level:
            lines.append(
                f"<i>Chosen by the model's calibrated decision rule (safety-weighted); level {argmax} alone "
                f"has {result.probabilities[argmax - 1] * 100:.0f}%.</i>"
            )
        for warning in result.warnings:
            lines.append(f"<i>Note: {html.escape(warning)}</i>")
        self.summary.setText("<br>".join(lines))
        self.badge.set_level(result.final_level, result.uncertain)
        self.bars.set_probabilities(result.probabilities)
        if result.uncertain:
            reasons = "".join(f"<li>{html.escape(r)}</li>" for r in result.uncertainty_reasons) or "<li>Low model confidence.</li>"
            self.uncertain_label.setText(
                f"<b>⚠ Uncertain: review.</b> Check this case yourself before relying on the suggestion."
                f"<ul style='margin:2px 0 0 -20px'>{reasons}</ul>"
            )
            self.uncertain_frame.show()
        else:
            self.uncertain_frame.hide()
        self.escalations_title.show()
        self.escalations_label.show()
        if result.escalations:
            self.escalations_label.setText(escalations_html(result.escalations))
        else:
            self.escalations_label.setText("No safety rule fired (vital signs and red-flag phrases checked).")
        self.attribution.set_content(
            result.redacted_text,
            result.attributions,
            result.attribution_target or result.final_level,
            result.attribution_method,
            result.attribution_delta,
        )
        self.model_line.setText(
            f"Model {result.model.name} {result.model.version} ({result.model.short_hash}) · {result.device}"
        )
        self.setAccessibleDescription(self.badge.accessibleName())


__all__ = ["LevelBadge", "ProbabilityBars", "ResultPanel", "escalation_text", "escalations_html", "target_phrase"]
