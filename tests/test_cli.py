"""The CLI skeleton: --version, --data-dir, logging location, offline behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage_app import __version__
from triage_app.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]


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
    data_dir = tmp_path / "dd"
    env = dict(os.environ, TRIAGE_APP_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
    # sitecustomize blocks socket creation for the whole child process.
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "_real = socket.socket\n"
        "class _Guard(_real):\n"
        "    def __init__(self, family=socket.AF_INET, *a, **k):\n"
        "        if family in (socket.AF_INET, socket.AF_INET6):\n"
        "            raise SystemExit('NETWORK SOCKET CREATED')\n"
        "        super().__init__(family, *a, **k)\n"
        "socket.socket = _Guard\n"
    )
    env["PYTHONPATH"] = f"{guard}{os.pathsep}{REPO}"
    proc = subprocess.run(
        [sys.executable, *entry, "--version"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout
    proc = subprocess.run(
        [sys.executable, *entry, "--data-dir", str(tmp_path / "flagdir"), "info"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert "NETWORK SOCKET CREATED" not in proc.stdout + proc.stderr
    # --data-dir beats the environment variable, and logs go under it.
    assert (tmp_path / "flagdir" / "logs" / "triage_app.log").is_file()
    assert not data_dir.exists()


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
