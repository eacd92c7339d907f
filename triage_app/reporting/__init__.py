"""Reporting layer: the PDF triage summary (reportlab, imported lazily)."""

from __future__ import annotations

from triage_app.reporting.pdf import DISCLAIMER, IDENTIFIERS_MARK, render_case_pdf

__all__ = ["DISCLAIMER", "IDENTIFIERS_MARK", "render_case_pdf"]
