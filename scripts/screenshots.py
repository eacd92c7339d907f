"""Save PNGs of the GUI's main states into screenshots/out/ (gitignored).

Runs the real app window with the real service (model bundle in models/default when
present) in a throwaway data directory. Use a display (``xvfb-run -a``) for realistic
fonts, or QT_QPA_PLATFORM=offscreen.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py

States: empty, high-acuity result with highlights and danger-zone vitals, uncertain,
redaction review, history, settings, model page, high-contrast theme, degraded (no model).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HIGH_ACUITY = (
    "58 year old man, crushing central chest pain radiating to the left arm for 40 minutes, "
    "sweating and short of breath. Mr John Carter, phone 07700 900123."
)
UNCERTAIN_CANDIDATES = (
    "chest discomfort on and off for a week, worse with movement",
    "not feeling right",
    "headache",
    "feels generally unwell, tired, some dizziness on and off",
)
LOW_ACUITY = "twisted ankle playing football yesterday, can walk, mild swelling"


def wait(app: object, cond: Callable[[], bool], timeout: float = 60.0) -> bool:
    from PySide6.QtCore import QCoreApplication

    end = time.time() + timeout
    while time.time() < end:
        QCoreApplication.processEvents()
        if cond():
            return True
        time.sleep(0.02)
    return False


def settle(window: object, app: object) -> None:
    wait(app, lambda: not window.tasks.busy, 120)  # type: ignore[attr-defined]
    for _ in range(10):
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()
        time.sleep(0.02)


def save(widget: object, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    widget.grab().save(str(path))  # type: ignore[attr-defined]
    print(f"saved {path}")


def fill(window: object, text: str, *, age: str = "", sex: str | None = None, vitals: dict[str, str] | None = None) -> None:
    panel = window.intake_panel  # type: ignore[attr-defined]
    panel.age_edit.setText(age)
    if sex:
        panel.sex_combo.setCurrentIndex(panel.sex_combo.findData(sex))
    for key, value in (vitals or {}).items():
        panel.vitals[key].edit.setText(value)
    panel.complaint.setPlainText(text)


def classify(window: object, app: object) -> bool:
    window.classify()  # type: ignore[attr-defined]
    ok = wait(app, lambda: window.result is not None and window.result.attributions != (), 120)  # type: ignore[attr-defined]
    settle(window, app)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots" / "out"))
    parser.add_argument("--width", type=int, default=1360)
    parser.add_argument("--height", type=int, default=860)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="triage-shots-"))
    os.environ["TRIAGE_APP_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TRIAGE_APP_PASSPHRASE", "screenshot passphrase")

    from PySide6.QtWidgets import QApplication

    from triage_app.core.offline import enforce_offline
    from triage_app.core.paths import resolve_paths
    from triage_app.core.settings import Settings
    from triage_app.ui.main_window import MainWindow
    from triage_app.ui.theme import apply_theme

    enforce_offline()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    paths = resolve_paths(data_dir).ensure()
    settings = Settings(first_run_done=True, clinician_name="RN A. Example", clinic_name="Riverside Urgent Care")
    apply_theme(app, "light")  # type: ignore[arg-type]

    from triage_app.ui.first_run import FirstRunDialog, PassphraseDialog

    first = FirstRunDialog(paths, keyring_ok=False, clinician="RN A. Example")
    first.understood.setChecked(True)
    first.show()
    wait(app, lambda: False, 0.3)
    save(first, out, "00_first_run")
    first.close()
    phrase = PassphraseDialog(first_time=True)
    phrase.show()
    wait(app, lambda: False, 0.3)
    save(phrase, out, "00b_passphrase")
    phrase.close()

    window = MainWindow(settings, paths)
    window.confirm = lambda title, text: True  # type: ignore[method-assign]
    window.resize(args.width, args.height)
    window.show()
    window.start_loading()
    wait(app, lambda: window.service is not None, 120)
    settle(window, app)
    save(window, out, "01_empty")

    fill(window, HIGH_ACUITY, age="58", sex="male", vitals={"hr": "124", "rr": "24", "sbp": "88", "dbp": "52", "spo2": "89"})
    window.intake_panel.validate()
    if classify(window, app):
        save(window, out, "02_high_acuity")
        window.decision_panel.override_to(1, "looks grey and clammy, BP falling")
        settle(window, app)
        save(window, out, "03_override_reason")
        window.save_case()
        wait(app, lambda: window.saved_record is not None, 60)
        settle(window, app)
        pdf = out / "case_high_acuity.pdf"
        window.ask_pdf_path = lambda suggested: pdf  # type: ignore[method-assign]
        window.export_pdf()
        wait(app, pdf.exists, 120)
        settle(window, app)
        print(f"saved {pdf}" if pdf.exists() else f"note: PDF export failed: {window.last_error}")

    # Redaction review dialog for a new case.
    window.new_case()
    fill(window, "Mrs Ann Lee (DOB 03/04/1961) from 12 Elm Street, worsening cough", age="64", sex="female")
    captured: dict[str, object] = {}

    def capture(dialog: object) -> bool:
        dialog.resize(760, 520)  # type: ignore[attr-defined]
        dialog.show()  # type: ignore[attr-defined]
        settle(window, app)
        save(dialog, out, "04_redaction_review")
        captured["dialog"] = dialog
        return True

    window._exec_dialog = capture  # type: ignore[method-assign]
    window.review_redactions()
    wait(app, lambda: "dialog" in captured, 60)
    settle(window, app)
    window.new_case()

    uncertain_found = False
    for text in UNCERTAIN_CANDIDATES:
        window.new_case()
        fill(window, text, age="45", sex="female")
        if classify(window, app) and window.result is not None and window.result.uncertain:
            uncertain_found = True
            save(window, out, "05_uncertain")
            break
    if not uncertain_found:
        print("note: no candidate text was uncertain with this model; 05_uncertain not saved")
    window.decision_panel.accept_suggestion()
    window.save_case()
    wait(app, lambda: window.saved_record is not None, 60)
    window.new_case()
    fill(window, LOW_ACUITY, age="23", sex="male", vitals={"hr": "78", "spo2": "99", "pain": "4"})
    if classify(window, app):
        if window.result is not None and window.result.final_level < 4:
            window.decision_panel.override_to(4, "weight-bearing, no deformity, neurovascularly intact")
        else:
            window.decision_panel.accept_suggestion()
        window.save_case()
        wait(app, lambda: window.saved_record is not None, 60)
    settle(window, app)

    window.tabs.setCurrentIndex(1)
    settle(window, app)
    save(window, out, "06_history")
    window.tabs.setCurrentIndex(3)
    settle(window, app)
    save(window, out, "07_settings")
    window.tabs.setCurrentIndex(2)
    settle(window, app)
    save(window, out, "08_model")

    apply_theme(app, "high-contrast", 1.15)  # type: ignore[arg-type]
    window.tabs.setCurrentIndex(0)
    window.new_case()
    fill(window, HIGH_ACUITY, age="58", sex="male", vitals={"hr": "124", "spo2": "89"})
    window.intake_panel.validate()
    if classify(window, app):
        save(window, out, "09_high_contrast")
    apply_theme(app, "dark", 1.0)  # type: ignore[arg-type]
    window.new_case()
    fill(window, UNCERTAIN_CANDIDATES[0], age="45", sex="female")
    if classify(window, app):
        save(window, out, "09b_dark")
    window.new_case()
    window.close()
    apply_theme(app, "light")  # type: ignore[arg-type]

    # Degraded: a model folder that does not exist.
    broken = Settings(first_run_done=True, model_dir=str(data_dir / "no-such-model"), clinic_name="Riverside Urgent Care")
    degraded = MainWindow(broken, paths)
    degraded.confirm = lambda title, text: True  # type: ignore[method-assign]
    degraded.resize(args.width, args.height)
    degraded.show()
    degraded.start_loading()
    wait(app, lambda: degraded.service is not None or degraded.banner.isVisible(), 120)
    settle(degraded, app)
    fill(degraded, "fever and cough")
    degraded.classify()
    settle(degraded, app)
    save(degraded, out, "10_degraded_no_model")
    degraded.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
