"""The embedded Unicode font (DejaVu Sans) for the PDF.

The TTF files and their licence live in ``resources/fonts/``. Embedding them (rather than
using the 14 standard PDF fonts, which are Latin-1 only) lets clinic and clinician names such
as "Clínica São José" or "Zoë Łukasiewicz" render on any machine.
"""

from __future__ import annotations

from pathlib import Path

from triage_app.core.errors import DependencyError, TriageError
from triage_app.core.paths import resources_dir

FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FILES: dict[str, str] = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}


def fonts_dir() -> Path:
    """Folder holding the packaged TTF files and their LICENSE."""
    return resources_dir() / "fonts"


def import_reportlab() -> None:
    """Fail with the install to run when reportlab is missing.

    Raises:
        DependencyError: reportlab is not importable.
    """
    try:
        import reportlab  # noqa: F401
    except ImportError:
        raise DependencyError(
            "PDF export needs the reportlab package, which is not installed.",
            "Run: pip install 'reportlab>=4.2'",
        ) from None


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans regular and bold with reportlab (idempotent).

    Returns:
        The (regular, bold) font names to use in styles.

    Raises:
        TriageError: A font file is missing from ``resources/fonts``.
    """
    import_reportlab()
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in FONT_FILES.items():
        if name in registered:
            continue
        path = fonts_dir() / filename
        if not path.is_file():
            raise TriageError(
                f"The PDF font {filename} is missing from {fonts_dir()}.",
                "Reinstall the app (resources/fonts must ship with it).",
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    # Map <b> in paragraphs to the bold face (cheap and idempotent). There is no italic face.
    pdfmetrics.registerFontFamily(FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_REGULAR, boldItalic=FONT_BOLD)
    return FONT_REGULAR, FONT_BOLD


__all__ = ["FONT_BOLD", "FONT_FILES", "FONT_REGULAR", "fonts_dir", "import_reportlab", "register_fonts"]
