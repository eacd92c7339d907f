"""Themes (light, dark, high-contrast), font scaling and the attribution palette.

The attribution palette is colour-blind safe (Okabe–Ito blue for "supports", orange for
"against") and does not rely on hue alone: supporting words get a solid underline, opposing
words a dotted one, and the two tints differ in lightness, so they stay apart in greyscale.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

BASE_POINT_SIZE = 10.0


@dataclass(frozen=True)
class Theme:
    """Colours of one theme (hex strings)."""

    name: str
    window: str
    panel: str
    text: str
    muted: str
    accent: str
    border: str
    error: str
    error_bg: str
    warn_bg: str
    warn_text: str
    danger_bg: str
    supports: str
    against: str
    field_bg: str


THEMES: dict[str, Theme] = {
    "light": Theme(
        "light", "#F4F6F8", "#FFFFFF", "#1B1F23", "#57606A", "#0B5CAD", "#C9D1D9",
        "#B3261E", "#FCE8E6", "#FFF4CE", "#5C4200", "#FFD8CC", "#0072B2", "#E69F00", "#FFFFFF",
    ),
    "dark": Theme(
        "dark", "#1E2227", "#262B31", "#E6EDF3", "#A8B3BD", "#58A6FF", "#3D444D",
        "#FF7B72", "#4A1E1E", "#4D3B00", "#FFE7A3", "#6B2A1A", "#56B4E9", "#E69F00", "#16191D",
    ),
    "high-contrast": Theme(
        "high-contrast", "#000000", "#000000", "#FFFFFF", "#FFFFFF", "#FFFF00", "#FFFFFF",
        "#FF6E6E", "#330000", "#332B00", "#FFFF00", "#5A0000", "#00BFFF", "#FFA500", "#000000",
    ),
}


def theme_for(name: str) -> Theme:
    return THEMES.get(name, THEMES["light"])


def attribution_colour(score: float, theme: Theme) -> QColor:
    """Background for a word: blue when it supports the level, orange when against.

    Lightness scales with |score| so strong words stand out in greyscale too.
    """
    base = QColor(theme.supports if score >= 0 else theme.against)
    strength = min(1.0, abs(score))
    colour = QColor(base)
    colour.setAlphaF(0.15 + 0.65 * strength)
    return colour


def stylesheet(theme: Theme, font_scale: float) -> str:
    pt = BASE_POINT_SIZE * font_scale
    border_w = 2 if theme.name == "high-contrast" else 1
    return f"""
QWidget {{ color: {theme.text}; }}
QMainWindow, QDialog {{ background: {theme.window}; }}
QFrame#card {{ background: {theme.panel}; border: {border_w}px solid {theme.border}; border-radius: 6px; }}
QLabel#sectionTitle {{ font-weight: 600; font-size: {pt * 1.15:.1f}pt; color: {theme.text}; }}
QLabel#muted {{ color: {theme.muted}; }}
QLabel#fieldError {{ color: {theme.error}; font-size: {pt * 0.9:.1f}pt; }}
QLabel#disclaimer {{ background: {theme.warn_bg}; color: {theme.warn_text}; font-weight: 600;
  padding: 4px 10px; border-radius: 4px; }}
QFrame#banner {{ background: {theme.error_bg}; border: {border_w}px solid {theme.error}; border-radius: 4px; }}
QFrame#banner QLabel {{ color: {theme.text}; }}
QFrame#uncertain {{ background: {theme.warn_bg}; border: 2px solid {theme.warn_text}; border-radius: 4px; }}
QFrame#uncertain QLabel {{ color: {theme.warn_text}; }}
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox {{
  background: {theme.field_bg}; border: {border_w}px solid {theme.border}; border-radius: 3px; padding: 3px;
  color: {theme.text}; }}
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QTextBrowser:focus {{
  border: 2px solid {theme.accent}; }}
QLineEdit[danger="true"] {{ background: {theme.danger_bg}; border: 2px solid {theme.error}; }}
QLineEdit[invalid="true"] {{ border: 2px solid {theme.error}; }}
QPushButton {{ padding: 5px 12px; border: {border_w}px solid {theme.border}; border-radius: 4px;
  background: {theme.panel}; color: {theme.text}; }}
QPushButton:focus {{ border: 2px solid {theme.accent}; }}
QPushButton:disabled {{ color: {theme.muted}; }}
QPushButton#primary {{ background: {theme.accent}; color: {theme.window if theme.name != 'light' else '#FFFFFF'};
  font-weight: 600; border: none; }}
QPushButton#primary:disabled {{ background: {theme.panel}; color: {theme.muted};
  border: {border_w}px dashed {theme.border}; font-weight: 400; }}
QPushButton#chip {{ border-radius: 11px; padding: 2px 10px; font-size: {pt * 0.9:.1f}pt; }}
QTabBar::tab {{ padding: 6px 16px; }}
QTabBar::tab:selected {{ font-weight: 600; border-bottom: 3px solid {theme.accent}; }}
QTableWidget {{ background: {theme.field_bg}; gridline-color: {theme.border}; }}
QHeaderView::section {{ background: {theme.panel}; color: {theme.text}; padding: 4px;
  border: 0; border-bottom: 1px solid {theme.border}; font-weight: 600; }}
QProgressBar {{ border: 1px solid {theme.border}; border-radius: 3px; background: {theme.field_bg};
  text-align: center; color: {theme.text}; }}
QStatusBar {{ color: {theme.text}; }}
QToolBar {{ spacing: 4px; border: 0; }}
"""


def apply_theme(app: QApplication, name: str, font_scale: float = 1.0) -> Theme:
    """Apply palette, stylesheet and scaled font to the whole application."""
    theme = theme_for(name)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(theme.window))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.Base, QColor(theme.field_bg))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor(theme.panel))
    palette.setColor(QPalette.ColorRole.Text, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.Button, QColor(theme.panel))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(theme.accent))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(theme.window if theme.name != "light" else "#FFFFFF"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(theme.panel))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(theme.muted))
    # Frames, radio/check indicators and separators are drawn with these roles.
    for role in (QPalette.ColorRole.Mid, QPalette.ColorRole.Dark, QPalette.ColorRole.Shadow):
        palette.setColor(role, QColor(theme.border if theme.name != "light" else "#6E7781"))
    palette.setColor(QPalette.ColorRole.Light, QColor(theme.panel))
    palette.setColor(QPalette.ColorRole.Midlight, QColor(theme.border))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * font_scale)
    app.setFont(font)
    app.setStyleSheet(stylesheet(theme, font_scale))
    app.setProperty("triage_theme", theme.name)
    return theme


def current_theme() -> Theme:
    app = QApplication.instance()
    name = app.property("triage_theme") if app is not None else None
    return theme_for(str(name) if name else "light")


__all__ = ["THEMES", "Theme", "apply_theme", "attribution_colour", "current_theme", "stylesheet", "theme_for"]
