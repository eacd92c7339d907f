"""CLI: cases list|show|export|purge|new-store, audit verify, keys status|rotate|backup|restore,
on a headless machine (no keyring): passphrase from the environment, a file, or a prompt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.fakes import NoKeyring, sample_case_record
from triage_app import cli
from triage_app.core.paths import AppPaths, resolve_paths
from triage_app.privacy import crypto, keys
from triage_app.privacy.audit import AuditLog

PASS = "cli test passphrase"


@pytest.fixture(autouse=True)
def headless(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**10)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def paths(isolated_data_dir: Path) -> AppPaths:
    return resolve_paths(isolated_data_dir).ensure()


@pytest.fixture
def seeded(paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASS)
    store = keys.unlock_store(paths)
    rows = [
        ("2026-11-01T10:00:00Z", 2, 2, "crushing chest pain"),
        ("2026-11-10T10:00:00Z", 4, 3, "ankle injury after fall"),
        ("2026-11-20T10:00:00Z", 5, 5, "needs repeat prescription"),
    ]
    ids = []
    for created, suggested, final, text in rows:
        record = sample_case_record(created_at=created, suggested_level=suggested, final_level=final, text=text)
        store.save(record)
        ids.append(record.case_id)
    store.close()
    return ids


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_on_empty_data_dir_asks_for_nothing(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["cases", "list"], capsys)
    assert code == 0 and "No cases saved yet" in out
    assert not paths.key_params_path.exists() and not paths.store_path.exists()


def test_list_filters_and_json(seeded: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["cases", "list"], capsys)
    assert code == 0
    assert out.index("needs repeat prescription") < out.index("ankle injury") < out.index("crushing chest pain")
    assert "3 case(s)" in out
    code, out, _ = run(["cases", "list", "--json", "--level", "3"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["case_id"], r["overridden"]) for r in rows] == [(seeded[1], True)]
    code, out, _ = run(["cases", "list", "--json", "--since", "2026-11-05", "--until", "2026-11-20"], capsys)
    assert {json.loads(line)["case_id"] for line in out.splitlines()} == {seeded[1], seeded[2]}
    code, out, _ = run(["cases", "list", "--json", "--text", "CHEST"], capsys)
    assert [json.loads(line)["case_id"] for line in out.splitlines()] == [seeded[0]]


def test_show_prints_redacted_json_and_audits_viewed(seeded: list[str], paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["cases", "show", seeded[0]], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["case_id"] == seeded[0] and data["result"]["intake"]["text"] == "crushing chest pain"
    entries = AuditLog(paths.audit_path).entries()
    assert [(e["action"], e["case_id"]) for e in entries] == [("viewed", seeded[0])]
    code, _, err = run(["cases", "show", "0" * 32], capsys)
    assert code == 1 and "No saved case" in err


def test_export_then_audit(seeded: list[str], paths: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "train.csv"
    code, out, _ = run(["cases", "export", "--format", "csv", "--out", str(out_file), "--level", "2"], capsys)
    assert code == 0 and "Exported 1" in out
    lines = out_file.read_text().splitlines()
    assert lines[0].startswith("case_id,text,level,age,sex") and "crushing chest pain" in lines[1]
    assert AuditLog(paths.audit_path).entries()[-1]["action"] == "exported"


def test_purge_needs_confirmation_and_audits(seeded: list[str], paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["cases", "purge", "--older-than-days", "1"], capsys)
    assert code == 1 and "--yes" in err
    code, out, _ = run(["cases", "purge", "--older-than-days", "0", "--yes"], capsys)
    assert code == 0 and "forever" in out
    code, out, _ = run(["cases", "purge", "--older-than-days", "1", "--yes"], capsys)
    assert code == 0 and "Purged 3" in out
    assert AuditLog(paths.audit_path).entries()[-1]["detail"] == "older_than_days=1 count=3"


def test_no_passphrase_without_terminal_is_a_clear_error(seeded: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TRIAGE_APP_PASSPHRASE")
    code, _, err = run(["cases", "list"], capsys)
    assert code == 1 and "TRIAGE_APP_PASSPHRASE" in err and "terminal" in err


def test_passphrase_file(seeded: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TRIAGE_APP_PASSPHRASE")
    secret = tmp_path / "secret"
    secret.write_text(PASS + "\n")
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE_FILE", str(secret))
    code, out, _ = run(["cases", "list"], capsys)
    assert code == 0 and "3 case(s)" in out


def test_prompt_on_terminal(seeded: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TRIAGE_APP_PASSPHRASE")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASS

    monkeypatch.setattr(keys.getpass, "getpass", fake_getpass)
    code, out, _ = run(["cases", "list"], capsys)
    assert code == 0 and "3 case(s)" in out and len(prompts) == 1
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt="": "wrong passphrase")
    code, _, err = run(["cases", "list"], capsys)
    assert code == 1 and "passphrase is wrong" in err


def test_first_run_prompt_asks_twice(paths: AppPaths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([PASS, PASS])
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt="": next(answers))
    code, _, err = run(["cases", "new-store"], capsys)
    assert code == 0 and "Choose one" in err
    assert paths.store_path.exists() and keys.load_params(paths).source == "passphrase"  # type: ignore[union-attr]


def test_audit_verify_exit_codes(seeded: list[str], paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    run(["cases", "show", seeded[0]], capsys)
    run(["cases", "show", seeded[1]], capsys)
    code, out, _ = run(["audit", "verify"], capsys)
    assert code == 0 and "intact: 2 entries" in out
    text = paths.audit_path.read_text().replace(seeded[0], seeded[2])
    paths.audit_path.write_text(text)
    code, out, _ = run(["audit", "verify"], capsys)
    assert code == 1 and "FAILED" in out and "edited" in out


def test_keys_status_rotate_backup_restore(seeded: list[str], paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["keys", "status"], capsys)
    assert code == 0 and "passphrase" in out and "scrypt" in out
    before = keys.obtain_data_key(paths)
    code, out, _ = run(["keys", "rotate"], capsys)
    assert code == 0 and "3 case(s) re-encrypted" in out
    after = keys.obtain_data_key(paths)
    assert after != before
    assert AuditLog(paths.audit_path).entries()[-1]["action"] == "key_rotated"
    code, out, _ = run(["cases", "list"], capsys)
    assert "3 case(s)" in out

    monkeypatch.setenv("TRIAGE_APP_BACKUP_PASSPHRASE", "backup passphrase")
    backup = tmp_path / "key-backup.json"
    assert run(["keys", "backup", "--out", str(backup)], capsys)[0] == 0
    paths.key_params_path.unlink()
    code, _, err = run(["cases", "list"], capsys)
    assert code == 1 and "key.json is missing" in err
    code, out, _ = run(["keys", "restore", "--from", str(backup)], capsys)
    assert code == 0 and "restored" in out
    code, out, _ = run(["cases", "list"], capsys)
    assert code == 0 and "3 case(s)" in out


def test_damaged_store_and_new_store(seeded: list[str], paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    for side in ("-wal", "-shm"):
        paths.store_path.with_name(paths.store_path.name + side).unlink(missing_ok=True)
    paths.store_path.write_bytes(b"\x00garbage" * 1000)
    code, _, err = run(["cases", "list"], capsys)
    assert code == 1 and "damaged" in err and "moved aside" in err
    code, _, err = run(["cases", "list"], capsys)
    assert code == 1 and "new-store" in err
    code, out, _ = run(["cases", "new-store"], capsys)
    assert code == 0 and "new, empty" in out
    code, out, _ = run(["cases", "list"], capsys)
    assert code == 0 and "No matching cases" in out


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs a POSIX pseudo-terminal")
def test_real_cli_prompts_on_a_real_terminal(tmp_path: Path) -> None:
    """The installed CLI, on a pseudo-terminal, with no keyring and no env passphrase."""
    import os
    import pty
    import select
    import signal
    import sys
    import time

    repo = Path(__file__).resolve().parents[2]

    def run_on_tty(args: list[str], answers: list[str]) -> tuple[int, str]:
        pid, fd = pty.fork()
        if pid == 0:  # child: exec the real CLI
            env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_APP_")}
            env.update({"TRIAGE_APP_DATA_DIR": str(tmp_path / "tty"), "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1",
                        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
            os.execve(sys.executable, [sys.executable, "-m", "triage_app", *args], env)
        out, pending, answered_at = b"", list(answers), 0
        deadline = time.monotonic() + 120  # a guard against a hung child, not a timing assertion
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            # answer each prompt once: only text that arrived after the last answer counts
            if pending and out[answered_at:].rstrip().endswith(b":"):
                os.write(fd, (pending.pop(0) + "\n").encode())
                answered_at = len(out)
        finished, status = os.waitpid(pid, os.WNOHANG)
        while not finished and time.monotonic() < deadline:  # EOF can come just before the exit
            time.sleep(0.05)
            finished, status = os.waitpid(pid, os.WNOHANG)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
            pytest.fail(f"the CLI did not finish; output so far: {out.decode(errors='replace')!r}")
        os.close(fd)
        return os.waitstatus_to_exitcode(status), out.decode(errors="replace")

    code, out = run_on_tty(["cases", "new-store"], ["tty passphrase 1", "tty passphrase 1"])
    assert code == 0 and "Repeat the passphrase" in out and "tty passphrase 1" not in out
    code, out = run_on_tty(["cases", "list"], ["tty passphrase 1"])
    assert code == 0 and "No matching cases" in out
    code, out = run_on_tty(["cases", "list"], ["not the passphrase"])
    assert code == 1 and "passphrase is wrong" in out
