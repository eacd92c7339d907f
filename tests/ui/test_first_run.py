"""First run: intended use, data locations, passphrase dialog, start-up trace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage_app.core.paths import AppPaths
from triage_app.core.settings import Settings, load_settings


def test_first_run_dialog_needs_acknowledgement_and_shows_locations(qtbot: Any, app_paths: AppPaths) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QLabel

    from triage_app.ui.first_run import FirstRunDialog

    dialog = FirstRunDialog(app_paths, keyring_ok=False)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.understood.setChecked(True)
    assert ok.isEnabled()
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert str(app_paths.data_dir) in texts
    assert "passphrase" in texts and "decision support only" in texts.lower()


def test_run_first_run_sets_flag_and_name(qtbot: Any, make_window: Any, app_paths: AppPaths, monkeypatch: Any) -> None:
    from triage_app.ui import application
    from triage_app.ui.first_run import FirstRunDialog

    def fake_exec(self: FirstRunDialog) -> int:
        self.clinician.setText("RN Example")
        self.understood.setChecked(True)
        return 1

    monkeypatch.setattr(FirstRunDialog, "exec", fake_exec)
    window = make_window(settings=Settings(), load=False)
    new = application.run_first_run(window, app_paths, Settings())
    assert new.first_run_done and new.clinician_name == "RN Example"
    saved = load_settings(app_paths.settings_path).settings
    assert saved.first_run_done and saved.clinician_name == "RN Example"


def test_passphrase_dialog_checks_choice(qtbot: Any) -> None:
    from triage_app.ui.first_run import PassphraseDialog

    first = PassphraseDialog(first_time=True)
    qtbot.addWidget(first)
    first.passphrase.setText("short")
    assert "at least" in first.problem()
    first.passphrase.setText("long enough phrase")
    first.confirm.setText("different phrase!!")
    assert "differ" in first.problem()
    first.confirm.setText("long enough phrase")
    assert first.problem() == ""
    again = PassphraseDialog(first_time=False)
    qtbot.addWidget(again)
    assert again.problem() == "Enter a passphrase."
    again.passphrase.setText("x")
    assert again.problem() == ""


def test_startup_trace_writes_events_only(tmp_path: Path) -> None:
    from triage_app.ui.application import StartupTrace

    path = tmp_path / "trace.jsonl"
    trace = StartupTrace(str(path))
    trace.mark("window_shown", torch_loaded=False)
    trace.mark("first_suggestion")
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["event"] for e in events] == ["window_shown", "first_suggestion"]
    assert events[0]["torch_loaded"] is False and events[1]["t"] >= events[0]["t"]
    assert not StartupTrace(None).enabled
