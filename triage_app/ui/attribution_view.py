"""Word-attribution highlights over the redacted text, with a legend and per-word tooltips.

Blue with a solid underline: the word supports the explained level. Orange with a dotted
underline: it argues against it. Intensity follows the score, so the ranking survives
greyscale printing and colour-blindness.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QHelpEvent, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTextEdit, QToolTip, QVBoxLayout, QWidget

from triage_app.core.acuity import acuity_level
from triage_app.core.results import WordAttribution
from triage_app.ui.theme import Theme, attribution_colour, current_theme

PLACEHOLDER_RE = re.compile(r"\[[A-Z][A-Z_]*(?:_\d+)?\]")


def word_tooltip(att: WordAttribution, target: int | None) -> str:
    """Tooltip text: the word, its signed score and what the sign means."""
    towards = f"level {target}" if target else "the suggested level"
    direction = "supports" if att.score >= 0 else "argues against"
    return f"“{att.word}”: {att.score:+.2f} — {direction} {towards}"


class AttributionView(QWidget):
    """Read-only text with attribution highlights.

    Args:
        text: The redacted text shown on screen (offsets refer to it).
        attributions: Word attributions for ``target``.
        target: The level the scores explain.
        method: "fast" or "ig" (shown in the caption).
    """

    def __init__(
        self,
        text: str = "",
        attributions: Sequence[WordAttribution] = (),
        target: int | None = None,
        method: str | None = None,
        delta: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._attributions: tuple[WordAttribution, ...] = ()
        self._target: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.caption = QLabel("", self)
        self.caption.setObjectName("muted")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.text_view = QTextEdit(self)
        self.text_view.setReadOnly(True)
        self.text_view.setAccessibleName("Redacted complaint with word highlights")
        self.text_view.setMinimumHeight(56)
        self.text_view.setMaximumHeight(180)
        self.text_view.setTabChangesFocus(True)
        self.text_view.viewport().installEventFilter(self)
        self.text_view.viewport().setMouseTracking(True)
        layout.addWidget(self.text_view)
        legend = QHBoxLayout()
        legend.setSpacing(12)
        self.legend_support = QLabel(self)
        self.legend_against = QLabel(self)
        self.legend_placeholder = QLabel(self)
        for lab in (self.legend_support, self.legend_against, self.legend_placeholder):
            lab.setTextFormat(Qt.TextFormat.RichText)
            legend.addWidget(lab)
        legend.addStretch(1)
        layout.addLayout(legend)
        self.set_content(text, attributions, target, method, delta)

    def _legend(self, theme: Theme) -> None:
        sup = QColor(theme.supports)
        ag = QColor(theme.against)
        self.legend_support.setText(
            f"<span style='background:rgba({sup.red()},{sup.green()},{sup.blue()},0.55);"
            f"text-decoration:underline'>&nbsp;word&nbsp;</span> supports"
        )
        self.legend_against.setText(
            f"<span style='background:rgba({ag.red()},{ag.green()},{ag.blue()},0.55);"
            f"border-bottom:1px dotted'>&nbsp;word&nbsp;</span> argues against (dotted)"
        )
        self.legend_placeholder.setText("<span style='font-family:monospace'>[NAME_1]</span> = redacted")
        self.legend_support.setAccessibleName("Legend: blue with solid underline means the word supports the level")
        self.legend_against.setAccessibleName("Legend: orange with dotted underline means the word argues against it")

    @property
    def attributions(self) -> tuple[WordAttribution, ...]:
        return self._attributions

    def set_content(
        self,
        text: str,
        attributions: Sequence[WordAttribution] = (),
        target: int | None = None,
        method: str | None = None,
        delta: float | None = None,
    ) -> None:
        theme = current_theme()
        self._legend(theme)
        self._attributions = tuple(a for a in attributions if 0 <= a.start < a.end <= len(text))
        self._target = target
        self.text_view.setPlainText(text)
        doc = self.text_view.document()
        placeholder_fmt = QTextCharFormat()
        placeholder_fmt.setFontFamilies(["monospace"])
        placeholder_fmt.setForeground(QColor(theme.muted))
        for m in PLACEHOLDER_RE.finditer(text):
            cur = QTextCursor(doc)
            cur.setPosition(m.start())
            cur.setPosition(m.end(), QTextCursor.MoveMode.KeepAnchor)
            cur.mergeCharFormat(placeholder_fmt)
        for att in self._attributions:
            if abs(att.score) < 0.05:
                continue
            fmt = QTextCharFormat()
            fmt.setBackground(attribution_colour(att.score, theme))
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(
                QTextCharFormat.UnderlineStyle.SingleUnderline if att.score >= 0 else QTextCharFormat.UnderlineStyle.DotLine
            )
            if abs(att.score) >= 0.6:
                fmt.setFontWeight(700)
                # Keep strong highlights readable: light text on strong blue, dark on strong orange.
                if att.score >= 0 and theme.name == "light":
                    fmt.setForeground(QColor("#FFFFFF"))
                elif att.score < 0 and theme.name != "light":
                    fmt.setForeground(QColor("#000000"))
            cur = QTextCursor(doc)
            cur.setPosition(att.start)
            cur.setPosition(att.end, QTextCursor.MoveMode.KeepAnchor)
            cur.mergeCharFormat(fmt)
        if self._attributions and target:
            how = {"ig": "integrated gradients", "fast": "fast perturbation"}.get(method or "", method or "")
            extra = f"; convergence delta {delta:.3f}" if delta is not None else ""
            self.caption.setText(
                f"Words that pushed the model towards level {target} ({acuity_level(target).short_name}) "
                f"or away from it, by {how}{extra}. Hover a word for its score."
            )
        else:
            self.caption.setText("No word explanation yet (Ctrl+Shift+E explains in detail).")
        self.text_view.setAccessibleDescription(self.summary_text())
        self._fit_height()

    def _fit_height(self) -> None:
        """Size the text box to its content (within its min/max), so nothing hides below."""
        doc = self.text_view.document()
        width = max(200, self.text_view.viewport().width())
        doc.setTextWidth(width)
        height = int(doc.size().height()) + 2 * self.text_view.frameWidth() + 8
        self.text_view.setFixedHeight(max(56, min(180, height)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_height()

    def summary_text(self, top: int = 5) -> str:
        """The strongest words in plain words (for screen readers and copying)."""
        ranked = sorted(self._attributions, key=lambda a: abs(a.score), reverse=True)[:top]
        return "; ".join(f"{a.word} {a.score:+.2f}" for a in ranked)

    def attribution_at(self, position: int) -> WordAttribution | None:
        for att in self._attributions:
            if att.start <= position < att.end:
                return att
        return None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.text_view.viewport() and event.type() == QEvent.Type.ToolTip:
            help_event = event if isinstance(event, QHelpEvent) else None
            if help_event is not None:
                pos = self.text_view.cursorForPosition(help_event.pos()).position()
                att = self.attribution_at(pos)
                if att is not None:
                    QToolTip.showText(help_event.globalPos(), word_tooltip(att, self._target), self.text_view)
                else:
                    QToolTip.hideText()
                return True
        return super().eventFilter(obj, event)


__all__ = ["AttributionView", "PLACEHOLDER_RE", "word_tooltip"]
