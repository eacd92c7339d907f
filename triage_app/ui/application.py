"""Qt application start-up: show the window first, load everything else on a worker.

Start-up tracing for ``benchmarks/startup_bench.py``: when ``TRIAGE_APP_STARTUP_TRACE`` names
a file, the app appends JSON lines ``{"event": ..., "t": time.time()}`` for
``window_shown``, ``service_ready`` and ``first_suggestion`` (it classifies one built-in,
PHI-free sample case), then quits. ``TRIAGE_APP_LAUNCH_T0`` (the launcher's clock) is
written as the ``launch`` event.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from triage_app.core.app_logging import configure_logging
from triage_app.core.errors import TriageError
from triage_app.core.paths import AppPaths, resolve_paths, use_private_tempdir
from triage_app.core.settings import LoadedSettings, Settings, load_settings, load_site_config, save_user_settings
from triage_app.ui.first_run import FirstRunDialog, keyring_available
from triage_app.ui.main_window import MainWindow
from triage_app.ui.theme import apply_theme

log = logging.getLogger(__name__)

TRACE_ENV = "TRIAGE_APP_STARTUP_TRACE"
LAUNCH_ENV = "TRIAGE_APP_LAUNCH_T0"
BENCH_SAMPLE = {"text": "crushing chest pain radiating to left arm with sweating for 30 minutes", "age": 58, "hr": "112"}


class StartupTrace:
    """Appends start-up timestamps to a file (no PHI: event names and times only)."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def mark(self, event: str, **extra: object) -> None:
        if self.path is None:
            return
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"event": event, "t": time.time(), **extra}) + "\n")


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="triage-assistant", add_help=True)
    parser.add_argument("--data-dir")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--model", dest="model_dir")
    parser.add_argument("-v", "--verbose", action="store_true")
    args, _unknown = parser.parse_known_args(list(argv))
    return args


def _prepare(args: argparse.Namespace) -> tuple[AppPaths, LoadedSettings]:
    site_values, _ = load_site_config()
    paths = resolve_paths(args.data_dir, site_values.get("data_dir") or None).ensure()
    use_private_tempdir(paths)
    configure_logging(paths.log_dir, logging.DEBUG if args.verbose else logging.INFO)
    loaded = load_settings(paths.settings_path, overrides={"device": args.device, "model_dir": args.model_dir})
    return paths, loaded


def run_first_run(window: MainWindow, paths: AppPaths, settings: Settings) -> Settings:
    """Show the one-screen first-run note; returns the settings with first_run_done set."""
    dialog = FirstRunDialog(paths, keyring_available(), settings.clinician_name, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return settings
    new = replace(settings, clinician_name=dialog.clinician_name() or settings.clinician_name, first_run_done=True)
    try:
        save_user_settings(paths.settings_path, new)
    except OSError as exc:
        window.show_error(TriageError(f"Could not save settings ({type(exc).__name__}).", "Check the disk."))
    window.settings = new
    window.settings_view.set_settings(new, window.locked)
    return new


def _fill_bench_case(window: MainWindow) -> None:
    panel = window.intake_panel
    panel.age_edit.setText(str(BENCH_SAMPLE["age"]))
    panel.vitals["hr"].edit.setText(str(BENCH_SAMPLE["hr"]))
    panel.complaint.setPlainText(str(BENCH_SAMPLE["text"]))


def run(argv: list[str]) -> int:
    """Start the desktop app; returns the exit code."""
    trace = StartupTrace(os.environ.get(TRACE_ENV))
    launch = os.environ.get(LAUNCH_ENV)
    if launch and trace.enabled:
        with trace.path.open("a", encoding="utf-8") as fh:  # type: ignore[union-attr]
            fh.write(json.dumps({"event": "launch", "t": float(launch)}) + "\n")
    trace.mark("python_started")
    args = _parse(argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("Triage Assistant")
    app.setOrganizationName("TriageAssistant")
    try:
        paths, loaded = _prepare(args)
    except TriageError as exc:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "Triage Assistant cannot start", str(exc))
        return 1
    settings = loaded.settings
    apply_theme(app, settings.theme, settings.font_scale)  # type: ignore[arg-type]
    window = MainWindow(settings, paths, locked=loaded.locked)
    window.show()
    trace.mark("window_shown", torch_loaded="torch" in sys.modules)
    log.info("window shown")
    for warning in loaded.warnings:
        window.show_error(TriageError(warning))

    if trace.enabled:
        window.confirm = lambda title, text: True  # type: ignore[method-assign]  # benchmark: quit without asking
        first = {"done": False}
        QTimer.singleShot(180_000, app.quit)  # never hang a benchmark

        def ready() -> None:
            trace.mark("service_ready", model_ready=window.model_ready)
            if not window.model_ready:
                QTimer.singleShot(0, app.quit)
                return
            _fill_bench_case(window)
            window.classify()

        def shown() -> None:
            if not first["done"]:
                first["done"] = True
                trace.mark("first_suggestion", torch_loaded="torch" in sys.modules)
                return
            trace.mark("first_explanation")
            QTimer.singleShot(0, app.quit)

        window.service_loaded.connect(ready)
        window.result_shown.connect(shown)
        window.error_shown.connect(lambda _m: (trace.mark("error"), QTimer.singleShot(0, app.quit)))

    def after_show() -> None:
        if not window.settings.first_run_done and not trace.enabled:
            run_first_run(window, paths, window.settings)
        window.activateWindow()
        window.intake_panel.first_field.setFocus()
        window.start_loading()

    QTimer.singleShot(0, after_show)
    code = app.exec()
    trace.mark("event_loop_done")
    window.tasks.wait(30_000)
    trace.mark("workers_done")
    return int(code)


__all__ = ["StartupTrace", "run", "run_first_run"]
