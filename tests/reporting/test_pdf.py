"""The PDF triage summary, read back with pypdf (and rendered with pdftoppm when installed)."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.reporting.conftest import HR_ESCALATION, MODEL, NOW, build_record, pdf_text, squash
from triage_app.core.acuity import acuity_level
from triage_app.core.errors import DependencyError, InputError
from triage_app.core.results import Escalation
from triage_app.core.settings import Settings
from triage_app.reporting.pdf import DISCLAIMER, IDENTIFIERS_MARK, render_case_pdf

pypdf = pytest.importorskip("pypdf")

CANARIES = ("Johnathan Canarysmith", "MRN 99887766", "07700 900123", "12 Canary Wharf Lane")
ORIGINAL = (
    f"{CANARIES[0]} ({CANARIES[1]}), phone {CANARIES[2]}, lives at {CANARIES[3]}: crushing chest pain since an hour, sweaty"
)


def test_content_has_levels_reasons_model_id_and_disclaimer(render: Callable[..., Path]) -> None:
    record = build_record()
    pages = pdf_text(render(record))
    text = squash(" ".join(pages))
    level = acuity_level(record.result.final_level)
    assert f"Level {level.number} · {level.name}" in text
    assert f"Be seen within {level.target}" in text
    immediate = squash(" ".join(pdf_text(render(build_record(final_level=1)))))
    assert "Be seen immediately" in immediate and "within 0 minutes" not in immediate
    for esc in record.result.escalations:
        assert squash(esc.reason) in text
        assert esc.source in text
    assert MODEL.name in text and f"v{MODEL.version}" in text and MODEL.short_hash in text
    assert DISCLAIMER in text
    assert "Page 1 of 1" in text
    assert record.case_id in text
    assert "Age: 61 years" in text and "Sex: male" in text


def test_non_ascii_clinic_and_clinician_names_render(render: Callable[..., Path]) -> None:
    text = squash(" ".join(pdf_text(render(build_record()))))
    assert "Clínica São José" in text
    assert "Zoë Łukasiewicz" in text


def test_dejavu_is_embedded(render: Callable[..., Path]) -> None:
    reader = pypdf.PdfReader(render(build_record()))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        for desc in font.get("/DescendantFonts", [font]):
            descriptor = desc.get_object().get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.append(str(font["/BaseFont"]))
    assert any("DejaVuSans" in name for name in embedded), embedded


def test_no_canary_phi_without_identifiers(render: Callable[..., Path]) -> None:
    # original_text is handed over but include_identifiers is off: it must not reach the file.
    path = render(build_record(), original_text=ORIGINAL)
    text = " ".join(pdf_text(path))
    raw = path.read_bytes()
    for canary in CANARIES:
        assert canary not in text
        assert canary.encode() not in raw
    assert IDENTIFIERS_MARK not in text


def test_identifiers_only_when_asked_and_marked_on_every_page(render: Callable[..., Path]) -> None:
    long_text = "stable, " * 900 + "crushing chest pain"
    record = build_record(text=long_text, attributions=())
    pages = pdf_text(render(record, include_identifiers=True, original_text=ORIGINAL))
    assert len(pages) >= 2
    for page in pages:
        assert IDENTIFIERS_MARK in page
    joined = squash(" ".join(pages))
    for canary in CANARIES:
        assert canary in joined


def test_identifiers_without_original_text_is_refused(render: Callable[..., Path]) -> None:
    with pytest.raises(InputError) as err:
        render(build_record(), include_identifiers=True, original_text="   ")
    assert err.value.field == "original_text"


def test_long_complaint_paginates_with_footer_on_every_page(render: Callable[..., Path]) -> None:
    # Clinical words of ordinary length, with numbered markers every 100 words to check nothing is lost.
    vocab = "patient reports central chest pain with nausea since this morning no fever mild cough".split()
    words = [f"mark{i // 100}" if i % 100 == 0 else vocab[i % len(vocab)] for i in range(2000)]
    words[-1] = "ENDMARKER"
    record = build_record(text=" ".join(words), attributions=())
    pages = pdf_text(render(record))
    assert 2 <= len(pages) <= 4
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in page
        assert DISCLAIMER in squash(page)
    joined = squash(" ".join(pages))
    assert [joined.count(f"mark{k} ") for k in range(20)] == [1] * 20
    assert "ENDMARKER" in joined
    # Page 1 keeps the decision and the reasons; the long note follows them.
    assert "Why this level" in pages[0] and squash(HR_ESCALATION.reason) in squash(pages[0])
    # Later pages carry the running header with the case id.
    assert all(record.case_id in page for page in pages[1:])


def test_typical_case_fits_on_one_page(render: Callable[..., Path]) -> None:
    many = tuple(
        Escalation(f"vitals.rule_{i}", f"Reason number {i} for escalating this case.", 2, "ESI v4 decision point D", "")
        for i in range(6)
    )
    pages = pdf_text(render(build_record(escalations=many, uncertain=("top probability below 0.5",))))
    assert len(pages) == 1


def test_same_now_gives_identical_bytes_and_another_now_differs(render: Callable[..., Path]) -> None:
    record = build_record()
    first = render(record).read_bytes()
    second = render(record).read_bytes()
    assert first == second
    later = render(record, now=NOW + timedelta(minutes=1)).read_bytes()
    assert later != first


def test_creation_date_comes_from_now(render: Callable[..., Path]) -> None:
    reader = pypdf.PdfReader(render(build_record()))
    assert reader.metadata.creation_date.replace(tzinfo=None) == NOW.replace(tzinfo=None)


@pytest.mark.parametrize(("paper", "size"), [("A4", (595.3, 841.9)), ("Letter", (612.0, 792.0))])
def test_paper_size_setting(render: Callable[..., Path], settings: Settings, paper: str, size: tuple[float, float]) -> None:
    reader = pypdf.PdfReader(render(build_record(), settings=replace(settings, paper_size=paper)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == size


def test_danger_zone_vitals_are_marked(render: Callable[..., Path]) -> None:
    text = squash(" ".join(pdf_text(render(build_record()))))
    assert "⚠ 131" in text  # HR named by the vitals.hr_high escalation
    assert "⚠ 97" not in text  # SpO2 97 fired no rule
    assert "danger-zone value" in text


def test_no_danger_note_without_vitals_escalations(render: Callable[..., Path]) -> None:
    record = build_record(escalations=(), model_level=4)
    text = squash(" ".join(pdf_text(render(record))))
    assert "⚠" not in text
    assert "No safety rule fired" in text


def test_override_is_marked_with_its_reason(render: Callable[..., Path]) -> None:
    record = build_record(decided=3, override_reason="Known chronic tachycardia; pain settled.")
    text = squash(" ".join(pdf_text(render(record))))
    assert "OVERRIDDEN" in text
    assert "Known chronic tachycardia; pain settled." in text
    assert "Level 3 · Urgent" in text and "Level 2 · Emergent" in text
    accepted = squash(" ".join(pdf_text(render(build_record()))))
    assert "OVERRIDDEN" not in accepted and "accepted" in accepted


def test_uncertainty_note_only_when_flagged(render: Callable[..., Path]) -> None:
    flagged = squash(" ".join(pdf_text(render(build_record(uncertain=("top probability 0.41 is below 0.50",))))))
    assert "Uncertain suggestion" in flagged and "top probability 0.41 is below 0.50" in flagged
    plain = squash(" ".join(pdf_text(render(build_record()))))
    assert "Uncertain suggestion" not in plain


def test_attribution_legend_and_escalated_model_level(render: Callable[..., Path]) -> None:
    record = build_record(model_level=3, escalations=(replace(build_record().result.escalations[0], min_level=2),))
    text = squash(" ".join(pdf_text(render(record))))
    assert "words support level 2 (Emergent)" in text
    assert "Model alone: level 3 (Urgent)" in text and "Raised to level 2 by 1 safety rule" in text
    assert "Identifiers removed before analysis: name ×1." in text


def test_empty_text_and_warnings_are_reported(render: Callable[..., Path]) -> None:
    record = build_record(text="", attributions=(), warnings=("redaction module unavailable",))
    text = squash(" ".join(pdf_text(render(record))))
    assert "not included in the source record" in text
    assert "redaction module unavailable" in text


def test_markup_characters_in_text_are_escaped(render: Callable[..., Path]) -> None:
    record = build_record(text="pain <b>& fever</b> > 3 days", attributions=(), override_reason="a < b & c", decided=4)
    text = squash(" ".join(pdf_text(render(record))))
    assert "pain <b>& fever</b> > 3 days" in text
    assert "a < b & c" in text


def test_password_protected_pdf(render: Callable[..., Path]) -> None:
    path = render(build_record(), password="correct horse")
    reader = pypdf.PdfReader(path)
    assert reader.is_encrypted
    assert reader.decrypt("wrong password") == pypdf.PasswordType.NOT_DECRYPTED
    with pytest.raises(pypdf.errors.FileNotDecryptedError):
        reader.pages[0].extract_text()
    assert b"/AESV3" in path.read_bytes()  # AES-256 (PDF 2.0 crypt filter)
    text = squash(" ".join(pdf_text(path, password="correct horse")))
    assert DISCLAIMER in text and MODEL.short_hash in text


def test_empty_password_is_refused(render: Callable[..., Path]) -> None:
    with pytest.raises(InputError):
        render(build_record(), password="")


def test_missing_or_invalid_logo_is_skipped_with_a_note(
    render: Callable[..., Path], settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"this is not an image")
    with caplog.at_level(logging.WARNING):
        missing = squash(" ".join(pdf_text(render(build_record(), settings=replace(settings, clinic_logo=str(tmp_path / "nope.png"))))))
        invalid = squash(" ".join(pdf_text(render(build_record(), settings=replace(settings, clinic_logo=str(bad))))))
    assert "logo not shown" in missing and "not found" in missing
    assert "logo not shown" in invalid and "not a readable image" in invalid
    assert any("clinic logo not shown" in r.getMessage() for r in caplog.records)


def test_valid_logo_is_drawn(render: Callable[..., Path], settings: Settings, tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "clinic.png"
    Image.new("RGB", (120, 40), (20, 90, 160)).save(logo)
    path = render(build_record(), settings=replace(settings, clinic_logo=str(logo)))
    reader = pypdf.PdfReader(path)
    assert len(reader.pages[0].images) == 1
    assert "logo not shown" not in " ".join(pdf_text(path))


def test_output_folder_is_created(tmp_path: Path, settings: Settings) -> None:
    out = render_case_pdf(build_record(), tmp_path / "a" / "b" / "case.pdf", settings=settings, now=NOW)
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_page_one_renders_and_is_not_blank(render: Callable[..., Path], tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    path = render(build_record())
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    stat = ImageStat.Stat(image)
    assert stat.var[0] > 200  # a blank page has variance ~0
    # The level badge (level 2's orange) is present: some strongly coloured pixels.
    import numpy as np

    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    orange = int(((r > 200) & (g > 60) & (g < 110) & (b < 40)).sum())
    assert orange > 100


def test_missing_reportlab_raises_dependency_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings) -> None:
    for name in [m for m in sys.modules if m == "reportlab" or m.startswith("reportlab.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "reportlab", None)
    with pytest.raises(DependencyError) as err:
        render_case_pdf(build_record(), tmp_path / "x.pdf", settings=settings, now=NOW)
    assert "reportlab" in str(err.value)
    assert not (tmp_path / "x.pdf").exists()


def test_importing_reporting_does_not_import_reportlab() -> None:
    code = "import sys, triage_app.reporting, triage_app.reporting.pdf; print('reportlab' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_extracted_text_is_the_redacted_text_only(render: Callable[..., Path]) -> None:
    record = build_record()
    text = squash(" ".join(pdf_text(render(record))))
    assert "[NAME_1]" in text
    reader = pypdf.PdfReader(io.BytesIO(render(record).read_bytes()))
    assert reader.metadata.title == "Triage summary"


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(build_record(decided=4, override_reason="reason word " * 500), id="long-override-reason"),
        pytest.param(build_record(uncertain=("because " * 120,) * 4), id="long-uncertainty"),
        pytest.param(
            build_record(escalations=tuple(Escalation(f"vitals.r{i}", f"reason {i} " * 25, 2, "src " * 15, "") for i in range(40))),
            id="forty-escalations",
        ),
        pytest.param(build_record(text="x" * 19_000, attributions=()), id="one-unbreakable-word"),
    ],
)
def test_extreme_inputs_lay_out_without_errors(render: Callable[..., Path], record: object) -> None:
    pages = pdf_text(render(record))
    assert 1 <= len(pages) <= 8
    assert all(f"Page {i} of {len(pages)}" in page for i, page in enumerate(pages, start=1))
    joined = squash(" ".join(pages))
    if record.overridden:  # type: ignore[attr-defined]
        assert joined.count("reason word") >= 490  # the whole reason, not a truncated one


def test_long_names_in_the_header(render: Callable[..., Path], settings: Settings) -> None:
    wide = replace(settings, clinic_name="Clínica " * 30)
    pages = pdf_text(render(build_record(clinician="Dr " + "Łukasiewicz-" * 20), settings=wide))
    assert len(pages) == 1


def test_password_without_pypdf_is_a_dependency_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)
    with pytest.raises(DependencyError) as err:
        render_case_pdf(build_record(), tmp_path / "x.pdf", settings=settings, now=NOW, password="secret")
    assert "pypdf" in str(err.value)
    assert not (tmp_path / "x.pdf").exists()
