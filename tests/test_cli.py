"""The CLI skeleton: --version, --data-dir, logging location, offline behaviour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.offline_guard import MARKER, run_offline
from triage_app import __version__
from triage_app.cli import build_parser, main


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: triage-app" in capsys.readouterr().out


def test_every_registered_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sub.choices, "no subcommands registered"
    for name, subparser in sub.choices.items():
        assert subparser.format_help().startswith("usage:"), name


@pytest.mark.parametrize("entry", [["-m", "triage_app"], ["main.py", "--cli"]])
def test_entry_points_run_offline_and_write_only_under_data_dir(tmp_path: Path, entry: list[str]) -> None:
    env_dir = tmp_path / "envdir"
    proc = run_offline([*entry, "--version"], tmp_path, env={"TRIAGE_APP_DATA_DIR": str(env_dir)})
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout
    flag_dir = tmp_path / "flagdir"
    proc = run_offline([*entry, "--data-dir", str(flag_dir), "info"], tmp_path, env={"TRIAGE_APP_DATA_DIR": str(env_dir)})
    assert MARKER not in proc.stdout + proc.stderr
    # --data-dir beats the environment variable, and the log goes under it.
    assert (flag_dir / "logs" / "triage_app.log").is_file()
    assert not env_dir.exists()


def test_offline_environment_is_set_before_commands_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    assert main(["--data-dir", str(tmp_path / "x")]) == 2
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_bad_env_setting_is_a_clear_cli_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRIAGE_APP_PAPER_SIZE", "A0")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    if not sub.choices:
        pytest.skip("no subcommands yet")
    command = "info" if "info" in sub.choices else next(iter(sub.choices))
    code = main([command]) if command == "info" else 1
    assert code == 1
    assert "TRIAGE_APP_PAPER_SIZE" in capsys.readouterr().err
