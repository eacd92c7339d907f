"""The one-page triage summary PDF, generated offline with reportlab.

Layout, top to bottom: header (clinic, logo, case id, date and time, clinician); the
suggested level beside the clinician's decision; the patient (age and sex only) with the vitals
table; the redacted complaint with word highlights; why this level (probability chart and
safety-rule escalations). Every page has a footer with the model id, "Page X of Y" and the
disclaimer. Identifiers appear only with ``include_identifiers=True``, and then every page
is marked "CONTAINS IDENTIFIERS".

Output is byte-for-byte deterministic for a fixed ``now`` (reportlab invariant mode, creation
date taken from ``now``), except for password-protected files, whose AES salts are random.
Encryption is AES-256 applied with pypdf after layout (see :func:`encrypt_pdf`).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_app import __version__
from triage_app.core.acuity import AcuityLevel, acuity_level
from triage_app.core.errors import DependencyError, InputError, TriageError
from triage_app.core.results import CaseRecord
from triage_app.core.settings import Settings
from triage_app.reporting.charts import probability_chart
from triage_app.reporting.fonts import register_fonts
from triage_app.reporting.markup import attribution_markup, legend_markup, plain_markup
from triage_app.reporting.report_content import (
    format_timestamp,
    patient_line,
    redaction_summary,
    vital_cells,
)

log = logging.getLogger(__name__)

DISCLAIMER = "Decision support, not a diagnosis. The clinician decides."
IDENTIFIERS_MARK = "CONTAINS IDENTIFIERS"
TITLE = "Triage summary"
MM = 72.0 / 25.4
MARGIN_X = 16 * MM
MARGIN_TOP = 14 * MM
MARGIN_BOTTOM = 24 * MM
RUNNING_HEADER = 9 * MM
LOGO_MAX_H = 16 * MM
LOGO_MAX_W = 40 * MM
#: Above this many words the complaint moves after "Why this level", so page 1 keeps the
#: decision, the vitals and the reasons however long the note is.
LONG_COMPLAINT_WORDS = 250
#: Longer override reasons and uncertainty notes leave the badge column for a full-width paragraph.
SHORT_NOTE_CHARS = 350

INK = "#1A1A1A"
MUTED = "#5F6368"
RULE = "#BDBDBD"
PANEL = "#F5F5F5"
DANGER = "#B71C1C"
DANGER_BG = "#FBE3E4"
WARN_BG = "#FFF4D6"
WARN_EDGE = "#8A6D00"


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


def _pagesize(settings: Settings) -> tuple[float, float]:
    from reportlab.lib.pagesizes import A4, LETTER

    return LETTER if str(settings.paper_size).lower() == "letter" else A4


def _styles(fonts: _Fonts) -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    ink = colors.HexColor(INK)
    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9.5, leading=13, textColor=ink)
    return {
        "base": base,
        "clinic": ParagraphStyle("clinic", parent=base, fontName=fonts.bold, fontSize=15, leading=18),
        "title": ParagraphStyle("title", parent=base, fontSize=10.5, leading=13, textColor=colors.HexColor(MUTED)),
        "note": ParagraphStyle("note", parent=base, fontSize=7.5, leading=9.5, textColor=colors.HexColor(MUTED)),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=fonts.bold, fontSize=10.5, leading=13, spaceBefore=9, spaceAfter=3,
            textColor=colors.HexColor("#263238"), keepWithNext=1,
        ),
        "complaint": ParagraphStyle("complaint", parent=base, fontSize=10, leading=15.5),
        "complaint_long": ParagraphStyle("complaint_long", parent=base, fontSize=9, leading=13),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "callout": ParagraphStyle(
            "callout", parent=base, fontSize=8.5, leading=11, backColor=colors.HexColor(WARN_BG),
            borderColor=colors.HexColor(WARN_EDGE), borderWidth=0.8, borderPadding=(3, 5, 4, 5), spaceBefore=3, spaceAfter=3,
            leftIndent=5, rightIndent=5,
        ),
        "boxlabel": ParagraphStyle("boxlabel", parent=base, fontName=fonts.bold, fontSize=7.5, leading=9, textColor=colors.HexColor(MUTED)),
        "banner": ParagraphStyle(
            "banner", parent=base, fontName=fonts.bold, fontSize=9.5, leading=12, textColor=colors.white,
            backColor=colors.HexColor(DANGER), borderPadding=(4, 6, 4, 6), spaceAfter=8,
        ),
        "original": ParagraphStyle(
            "original", parent=base, fontSize=9.5, leading=13.5, borderColor=colors.HexColor(DANGER), borderWidth=1.2,
            borderPadding=6, spaceBefore=4,
        ),
    }


def target_text(level: AcuityLevel) -> str:
    """"Be seen immediately" for level 1, else "Be seen within <target>"."""
    return "Be seen immediately" if level.target_minutes == 0 else f"Be seen within {level.target}"


def _level_badge(level: AcuityLevel, fonts: _Fonts, *, caption: str) -> Any:
    """A filled block in the level's colour: number, name and target time."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    fg = colors.HexColor(level.text_colour)
    name_size = 14
    st_cap = ParagraphStyle("cap", fontName=fonts.bold, fontSize=7.5, leading=9, textColor=fg)
    st_name = ParagraphStyle("nm", fontName=fonts.bold, fontSize=name_size, leading=name_size + 3, textColor=fg)
    st_time = ParagraphStyle("tm", fontName=fonts.regular, fontSize=8.5, leading=11, textColor=fg)
    body = [
        Paragraph(plain_markup(caption.upper()), st_cap),
        Paragraph(plain_markup(f"Level {level.number} · {level.name}"), st_name),
        Paragraph(plain_markup(target_text(level)), st_time),
    ]
    table = Table([[body]])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(level.colour)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _logo(settings: Settings, fonts: _Fonts) -> tuple[Any | None, str]:
    """The clinic logo as a flowable, or (None, note) when it cannot be used."""
    raw = str(settings.clinic_logo or "").strip()
    if not raw:
        return None, ""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    path = Path(raw).expanduser()
    if not path.is_file():
        log.warning("clinic logo not shown: file not found")
        return None, "Clinic logo not shown: the file was not found."
    try:
        width, height = ImageReader(str(path)).getSize()
        if width <= 0 or height <= 0:
            raise ValueError("empty image")
        scale = min(LOGO_MAX_H / height, LOGO_MAX_W / width)
        return Image(str(path), width=width * scale, height=height * scale), ""
    except Exception as exc:  # any decoder failure: skip the logo, never fail the export
        log.warning("clinic logo not shown: %s", type(exc).__name__)
        return None, "Clinic logo not shown: the file is not a readable image."


def _header(record: CaseRecord, settings: Settings, fonts: _Fonts, styles: dict[str, Any], width: float, now: datetime) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    logo, note = _logo(settings, fonts)
    left = [
        Paragraph(plain_markup(settings.clinic_name or "Triage Assistant"), styles["clinic"]),
        Paragraph(TITLE, styles["title"]),
    ]
    if note:
        left.append(Paragraph(plain_markup(note), styles["note"]))
    clinician = record.clinician or settings.clinician_name or "not recorded"
    meta_rows = (
        ("Case", record.case_id),
        ("Assessed", format_timestamp(record.created_at)),
        ("Clinician", clinician),
        ("Printed", format_timestamp(now)),
    )
    meta = [Paragraph(f'<font color="{MUTED}">{k}</font>  <b>{plain_markup(v)}</b>', styles["meta"]) for k, v in meta_rows]
    meta_w = 78 * MM
    if logo is not None:
        logo_w = logo.drawWidth + 4 * MM
        cols = [logo_w, width - logo_w - meta_w, meta_w]
        row = [logo, left, meta]
    else:
        cols = [width - meta_w, meta_w]
        row = [left, meta]
    table = Table([row], colWidths=cols)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, colors.HexColor("#263238")),
            ]
        )
    )
    return table


def _summary_row(record: CaseRecord, fonts: _Fonts, styles: dict[str, Any], width: float) -> list[Any]:
    """Suggested level (left) beside the clinician's decision (right).

    Notes short enough to sit under their badge do; a long override reason or uncertainty
    note goes full width below the badges instead, because a table cell cannot split across
    pages.
    """
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    result = record.result
    suggested = acuity_level(result.final_level)
    final = acuity_level(record.final_level)
    small = styles["small"]

    left: list[Any] = [_level_badge(suggested, fonts, caption="Suggested level"), Spacer(1, 4)]
    model = acuity_level(result.model_level)
    n_rules = len(result.escalations)
    if result.escalated:
        rules_txt = "1 safety rule" if n_rules == 1 else f"{n_rules} safety rules"
        left.append(
            Paragraph(
                plain_markup(f"Model alone: level {model.number} ({model.short_name}). Raised to level "
                             f"{suggested.number} by {rules_txt}; see below."),
                small,
            )
        )
    else:
        agree = " Safety rules agree." if n_rules else " No safety rule fired."
        left.append(Paragraph(plain_markup(f"Model suggestion: level {model.number} ({model.short_name}).{agree}"), small))
    below: list[Any] = []
    if result.uncertain:
        reasons = "; ".join(result.uncertainty_reasons) or "the model's confidence is low"
        note = _callout(f"<b>Uncertain suggestion:</b> {plain_markup(reasons)}. Review the case in full.", styles)
        if len(reasons) <= SHORT_NOTE_CHARS:
            left.extend([Spacer(1, 3), note])
        else:
            below.extend([Spacer(1, 5), note])

    caption = "Clinician's decision — overridden" if record.overridden else "Clinician's decision"
    right: list[Any] = [_level_badge(final, fonts, caption=caption), Spacer(1, 4)]
    if record.overridden:
        right.append(
            Paragraph(
                f'<font color="{DANGER}"><b>OVERRIDDEN</b></font> — suggested level {suggested.number} '
                f"({plain_markup(suggested.short_name)}), decided level {final.number} ({plain_markup(final.short_name)}).",
                small,
            )
        )
        reason = record.override_reason.strip() or "no reason recorded"
        reason_para = Paragraph(f"<b>Reason for the override:</b> {plain_markup(reason)}", small)
        if len(reason) <= SHORT_NOTE_CHARS:
            right.append(reason_para)
        else:
            right.append(Paragraph("The reason is given below.", small))
            below.extend([Spacer(1, 5), reason_para])
    else:
        right.append(Paragraph("Suggestion accepted by the clinician.", small))

    gap = 6 * MM
    col = (width - gap) / 2
    table = Table([[left, "", right]], colWidths=[col, gap, col])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table, *below]


def _callout(markup: str, styles: dict[str, Any]) -> Any:
    """A boxed note (uncertainty, warnings) with a dark frame that survives greyscale; splits across pages."""
    from reportlab.platypus import Paragraph

    return Paragraph(markup, styles["callout"])


def _vitals_table(record: CaseRecord, fonts: _Fonts, styles: dict[str, Any], width: float) -> tuple[Any, bool]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = vital_cells(record.result.intake.vitals, record.result.escalations)
    head = ParagraphStyle("vh", fontName=fonts.bold, fontSize=8, leading=10, alignment=TA_CENTER, textColor=colors.HexColor(MUTED))
    val = ParagraphStyle("vv", fontName=fonts.regular, fontSize=11, leading=14, alignment=TA_CENTER)
    dval = ParagraphStyle("vd", parent=val, fontName=fonts.bold, textColor=colors.HexColor(DANGER))
    header_row = [Paragraph(f"{plain_markup(c.label)}<br/><font size=6.5>{plain_markup(c.unit) or '&nbsp;'}</font>", head) for c in cells]
    value_row = [Paragraph(("⚠ " if c.danger else "") + plain_markup(c.value), dval if c.danger else val) for c in cells]
    table = Table([header_row, value_row], colWidths=[width / len(cells)] * len(cells))
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(PANEL)),
        ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor(RULE)),
        ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.HexColor(RULE)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    any_danger = False
    for i, cell in enumerate(cells):
        if cell.danger:
            any_danger = True
            style.append(("BACKGROUND", (i, 1), (i, 1), colors.HexColor(DANGER_BG)))
            style.append(("BOX", (i, 1), (i, 1), 1.6, colors.HexColor(DANGER)))
    table.setStyle(TableStyle(style))
    return table, any_danger


def _escalation_table(record: CaseRecord, fonts: _Fonts, styles: dict[str, Any], width: float) -> Any:
    """One row per fired rule: a chip with the level it requires, then reason and source.

    A plain table, so a long list splits between rows across pages.
    """
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    escalations = sorted(record.result.escalations, key=lambda e: (e.min_level, e.rule))
    if not escalations:
        return Paragraph("No safety rule fired on the vital signs or the complaint.", styles["small"])
    chip_w = 17 * MM
    rows: list[list[Any]] = []
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, -2), 0.4, colors.HexColor(RULE)),
    ]
    for i, esc in enumerate(escalations):
        known = 1 <= esc.min_level <= 5
        lvl = acuity_level(esc.min_level) if known else None
        chip_style = ParagraphStyle(
            "chip", fontName=fonts.bold, fontSize=8, leading=10, alignment=TA_CENTER,
            textColor=colors.HexColor(lvl.text_colour if lvl else INK),
        )
        chip = Paragraph(f"≥ level {esc.min_level}", chip_style)
        source = f' <font color="{MUTED}" size="7.5">— {plain_markup(esc.source)}</font>' if esc.source else ""
        rows.append([chip, Paragraph(f"{plain_markup(esc.reason)}{source}", styles["small"])])
        if lvl is not None:
            style.append(("BACKGROUND", (0, i), (0, i), colors.HexColor(lvl.colour)))
    table = Table(rows, colWidths=[chip_w, width - chip_w], repeatRows=0)
    table.setStyle(TableStyle(style))
    return table


def _why_row(record: CaseRecord, fonts: _Fonts, styles: dict[str, Any], width: float) -> Any:
    """Probability chart (left) and how the suggestion was reached (right)."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    result = record.result
    chart_w = 80 * MM
    gap = 6 * MM
    chart = probability_chart(
        result.probabilities, model_level=result.model_level, width=chart_w, font=fonts.regular, bold_font=fonts.bold
    )
    model = acuity_level(result.model_level)
    top_p = result.probabilities[result.model_level - 1] if len(result.probabilities) >= result.model_level else 0.0
    lines = [f"<b>Model:</b> level {model.number} ({plain_markup(model.short_name)}), probability {top_p * 100:.0f} %."]
    if result.escalations:
        strictest = min(e.min_level for e in result.escalations)
        n = len(result.escalations)
        lines.append(
            f"<b>Safety rules:</b> {n} fired; the strictest requires level {strictest} or more urgent."
        )
    else:
        lines.append("<b>Safety rules:</b> none fired.")
    lines.append(
        f"<b>Suggestion:</b> level {result.final_level}, the most urgent of the model and the rules. "
        "Rules can only make a case more urgent."
    )
    right = [Paragraph("HOW THE SUGGESTION WAS REACHED", styles["boxlabel"])]
    right.extend(Paragraph(line, styles["small"]) for line in lines)
    left = [Paragraph("MODEL PROBABILITIES", styles["boxlabel"]), chart]
    table = Table([[left, "", right]], colWidths=[chart_w, gap, width - chart_w - gap])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def is_long_complaint(text: str) -> bool:
    """More than about a third of a page: set smaller, and after the analysis sections."""
    return len(text.split()) > LONG_COMPLAINT_WORDS


def _signature_row(styles: dict[str, Any], width: float) -> Any:
    """Blank lines to sign and time the printed copy at handover."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    label = styles["note"]
    cells = [Paragraph("Clinician signature", label), "", Paragraph("Handed over to", label), "", Paragraph("Date / time", label), ""]
    widths = [28 * MM, None, 24 * MM, None, 20 * MM, None]
    fixed = sum(w for w in widths if w is not None)
    free = (width - fixed) / 3
    table = Table([cells], colWidths=[w if w is not None else free for w in widths])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
                *[("LINEBELOW", (i, 0), (i, 0), 0.6, colors.HexColor(MUTED)) for i in (1, 3, 5)],
            ]
        )
    )
    return table


def _complaint(record: CaseRecord, styles: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Paragraph, Spacer

    result = record.result
    text = result.redacted_text
    out: list[Any] = []
    if not text.strip():
        out.append(Paragraph("The complaint text was not included in the source record.", styles["note"]))
        return out
    style = styles["complaint_long"] if is_long_complaint(text) else styles["complaint"]
    out.append(Paragraph(attribution_markup(text, result.attributions), style))
    out.append(Spacer(1, 4))
    if result.attributions:
        target_no = result.attribution_target or result.final_level
        target = acuity_level(target_no) if 1 <= target_no <= 5 else None
        target_txt = f"level {target_no} ({target.short_name})" if target else f"level {target_no}"
        out.extend(Paragraph(line, styles["note"]) for line in legend_markup(target_txt))
        method = {"fast": "fast (word removal)", "ig": "detailed (integrated gradients)"}.get(
            str(result.attribution_method), str(result.attribution_method or "unknown")
        )
        out.append(Paragraph(plain_markup(f"Explanation method: {method}. Highlights show what the model read, not clinical findings."), styles["note"]))
    summary = redaction_summary(record.redaction_spans)
    if summary:
        out.append(Paragraph(plain_markup(summary), styles["note"]))
    return out


def _story(
    record: CaseRecord,
    settings: Settings,
    fonts: _Fonts,
    width: float,
    now: datetime,
    include_identifiers: bool,
    original_text: str | None,
) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, NextPageTemplate, Paragraph, Spacer

    styles = _styles(fonts)
    result = record.result
    story: list[Any] = [NextPageTemplate("later")]
    story.append(_header(record, settings, fonts, styles, width, now))
    story.append(Spacer(1, 8))
    if include_identifiers:
        story.append(
            Paragraph(
                f"{IDENTIFIERS_MARK}: this copy holds the original complaint with patient identifiers. "
                "Handle it as confidential; its export was recorded in the audit log.",
                styles["banner"],
            )
        )
    story.extend(_summary_row(record, fonts, styles, width))

    story.append(Paragraph("Patient", styles["h2"]))
    story.append(Paragraph(plain_markup(patient_line(result.intake)), styles["base"]))
    story.append(Spacer(1, 4))
    vitals, any_danger = _vitals_table(record, fonts, styles, width)
    story.append(vitals)
    if any_danger:
        story.append(Paragraph("⚠ = danger-zone value: a safety rule fired on it (see the escalations below).", styles["note"]))
    elif result.intake.vitals.is_empty():
        story.append(Paragraph("No vital signs were recorded.", styles["note"]))

    complaint = [Paragraph("Presenting complaint (identifiers redacted)", styles["h2"]), *_complaint(record, styles)]
    long_text = is_long_complaint(result.redacted_text)
    if not long_text:
        story.extend(complaint)
    story.append(CondPageBreak(45 * MM))
    story.append(KeepTogether([Paragraph("Why this level", styles["h2"]), _why_row(record, fonts, styles, width)]))
    n_esc = len(result.escalations)
    story.append(Paragraph(f"Safety-rule escalations ({n_esc})" if n_esc else "Safety-rule escalations", styles["h2"]))
    story.append(_escalation_table(record, fonts, styles, width))
    if result.warnings:
        story.append(Spacer(1, 6))
        story.append(_callout("<b>Warnings:</b> " + plain_markup("; ".join(result.warnings)), styles))
    if long_text:
        story.extend(complaint)

    story.append(Spacer(1, 10))
    story.append(_signature_row(styles, width))

    if include_identifiers and original_text:
        story.append(
            Paragraph(f'Original complaint — <font color="{DANGER}">{IDENTIFIERS_MARK}</font>', styles["h2"])
        )
        story.append(Paragraph(plain_markup(original_text), styles["original"]))
    return story


def _canvas_class(
    *,
    fonts: _Fonts,
    pagesize: tuple[float, float],
    footer_left: str,
    footer_small: str,
    running_header: str,
    identifiers: bool,
    now: datetime,
) -> type:
    """A canvas that defers pages so the footer can say "Page X of Y"."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    stamp = now.astimezone(UTC)

    def date_formatter(*_: int) -> str:
        return stamp.strftime("D:%Y%m%d%H%M%S+00'00'")

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(date_formatter)
            self._pending: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pending.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pending)
            for state in self._pending:
                self.__dict__.update(state)
                self._decorate(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, total: int) -> None:
            width, height = pagesize
            page = self._pageNumber
            self.saveState()
            self.setFillColor(colors.HexColor(INK))
            if identifiers:
                self.setFillColor(colors.HexColor(DANGER))
                self.rect(MARGIN_X, height - 9 * MM, width - 2 * MARGIN_X, 5.5 * MM, stroke=0, fill=1)
                self.setFillColor(colors.white)
                self.setFont(fonts.bold, 8.5)
                self.drawCentredString(width / 2, height - 7.3 * MM, f"{IDENTIFIERS_MARK} — confidential patient information")
            if page > 1:
                self.setFillColor(colors.HexColor(MUTED))
                self.setFont(fonts.regular, 8)
                y = height - MARGIN_TOP - 4 * MM
                self.drawString(MARGIN_X, y, running_header)
                self.setStrokeColor(colors.HexColor(RULE))
                self.setLineWidth(0.5)
                self.line(MARGIN_X, y - 2.5 * MM, width - MARGIN_X, y - 2.5 * MM)
            # Footer: rule, disclaimer, model id + page number, generator line.
            self.setStrokeColor(colors.HexColor(RULE))
            self.setLineWidth(0.6)
            self.line(MARGIN_X, 19 * MM, width - MARGIN_X, 19 * MM)
            self.setFillColor(colors.HexColor(INK))
            self.setFont(fonts.bold, 8.5)
            self.drawString(MARGIN_X, 15 * MM, DISCLAIMER)
            self.setFont(fonts.regular, 8)
            self.drawString(MARGIN_X, 11 * MM, footer_left)
            self.setFont(fonts.bold, 8.5)
            self.drawRightString(width - MARGIN_X, 15 * MM, f"Page {page} of {total}")
            self.setFillColor(colors.HexColor(MUTED))
            self.setFont(fonts.regular, 7)
            self.drawString(MARGIN_X, 7.5 * MM, footer_small)
            self.restoreState()

    return NumberedCanvas


def _check_password(password: str | None) -> None:
    if password is None:
        return
    if not password:
        raise InputError("password", "The PDF password is empty.", "Choose a password, or export without one.")
    try:
        import pypdf  # noqa: F401
        from cryptography.hazmat.primitives.ciphers import Cipher  # noqa: F401  (pypdf's AES backend)
    except ImportError:
        raise DependencyError(
            "Password-protected PDFs (AES-256) need the pypdf and cryptography packages.",
            "Run: pip install 'pypdf>=4.2' cryptography",
        ) from None


def encrypt_pdf(data: bytes, password: str) -> bytes:
    """Encrypt a finished PDF with AES-256 (PDF 2.0 standard security handler, revision 6).

    reportlab 5.1's own ``StandardEncryption(strength=256)`` pads the key blobs twice (48-byte
    /U and /O entries), which pypdf and poppler refuse to open, so encryption is done here with
    pypdf instead. The same password opens and owns the file.
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_case_pdf(
    record: CaseRecord,
    out: Path,
    *,
    settings: Settings,
    include_identifiers: bool = False,
    original_text: str | None = None,
    password: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the triage summary of ``record`` to ``out``.

    Args:
        record: The saved case (its text is the redacted text).
        out: Destination PDF path; its folder is created if needed.
        settings: Clinic name, logo, clinician and paper size come from here.
        include_identifiers: Print ``original_text`` (the unredacted complaint) too, with every
            page marked "CONTAINS IDENTIFIERS". The caller audits this.
        original_text: The unredacted complaint; ignored unless ``include_identifiers``.
        password: Encrypt with AES-256 under this password (None: no encryption).
        now: Print time; fixing it makes the output byte-identical (tests).

    Returns:
        ``out``.

    Raises:
        InputError: Identifiers requested without the original text, or an empty password.
        DependencyError: reportlab (or pypdf, for a password) is missing.
        TriageError: The file could not be written.
    """
    if include_identifiers and not (original_text or "").strip():
        raise InputError("original_text", "A PDF with identifiers needs the original text.", "Paste the original complaint.")
    if not include_identifiers:
        original_text = None  # never let the unredacted text reach the layout by accident
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    _check_password(password)
    regular, bold = register_fonts()
    fonts = _Fonts(regular, bold)

    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
    from reportlab.platypus.doctemplate import LayoutError

    pagesize = _pagesize(settings)
    page_w, page_h = pagesize
    width = page_w - 2 * MARGIN_X
    buffer = io.BytesIO()
    model = record.result.model
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=TITLE,
        author=settings.clinic_name or "Triage Assistant",
        creator=f"Triage Assistant {__version__}",
        producer="reportlab",
        subject="",
        invariant=1,
        initialFontName=regular,
    )
    first = Frame(MARGIN_X, MARGIN_BOTTOM, width, page_h - MARGIN_TOP - MARGIN_BOTTOM, id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    later = Frame(
        MARGIN_X, MARGIN_BOTTOM, width, page_h - MARGIN_TOP - MARGIN_BOTTOM - RUNNING_HEADER, id="later",
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate("first", [first]), PageTemplate("later", [later])])
    device = f" · device {record.result.device}" if record.result.device else ""
    canvas_cls = _canvas_class(
        fonts=fonts,
        pagesize=pagesize,
        footer_left=f"Model: {model.name} v{model.version} · sha256 {model.short_hash}{device}",
        footer_small=f"Case {record.case_id} · printed {format_timestamp(now)} · Triage Assistant {__version__}",
        running_header=f"{settings.clinic_name or 'Triage Assistant'} · {TITLE} · case {record.case_id} (continued)",
        identifiers=include_identifiers,
        now=now,
    )
    story = _story(record, settings, fonts, width, now, include_identifiers, original_text)
    try:
        doc.build(story, canvasmaker=canvas_cls)
    except LayoutError as exc:
        log.error("pdf layout failed: %s", type(exc).__name__)
        raise TriageError("The PDF could not be laid out (a section is larger than a page).", "Report this as a bug.") from None
    data = buffer.getvalue()
    if password is not None:
        data = encrypt_pdf(data, password)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise TriageError(
            f"The PDF could not be written to {out} ({type(exc).__name__}).",
            "Choose a folder you can write to, with free space.",
        ) from None
    log.info("pdf written: pages=%d bytes=%d encrypted=%s identifiers=%s", doc.page, len(data), password is not None, include_identifiers)
    return out


__all__ = ["DISCLAIMER", "IDENTIFIERS_MARK", "TITLE", "render_case_pdf"]
