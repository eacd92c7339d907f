"""SIGKILL a real process in the middle of saving, and in the middle of a key rotation: the
store still opens and every case it reported as committed is intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from triage_app.core.paths import resolve_paths
from triage_app.privacy import keys
from triage_app.privacy.store import CaseStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

REPO = Path(__file__).resolve().parents[2]
PASS = "crash test passphrase"

SAVER = textwrap.dedent(
    """
    import sys
    from tests.fakes import sample_case_record
    from triage_app.core.paths import resolve_paths
    from triage_app.privacy.keys import unlock_store
    store = unlock_store(resolve_paths(sys.argv[1]).ensure())
    i = 0
    while True:
        record = sample_case_record(f"case{i:06d}", text=f"saved case number {i} " + "z" * (i % 700))
        store.save(record)
        print(record.case_id, flush=True)  # only after the commit returned
        i += 1
    """
)

ROTATOR = textwrap.dedent(
    """
    import sys, time
    from tests.fakes import sample_case_record
    from triage_app.core.paths import resolve_paths
    from triage_app.privacy import crypto, keys
    paths = resolve_paths(sys.argv[1]).ensure()
    stop_at = sys.argv[2]
    store = keys.unlock_store(paths)
    for i in range(60):
        store.save(sample_case_record(f"case{i:06d}", text=f"rotating case {i}"))
    real_encrypt, calls = crypto.encrypt, []
    def encrypt(key, plaintext, aad):
        calls.append(1)
        if stop_at == "mid_transaction" and len(calls) == 30:
            print("mid_transaction", flush=True)
            time.sleep(60)
        return real_encrypt(key, plaintext, aad)
    crypto.encrypt = encrypt
    def on_step(name):
        if name == stop_at:
            print(name, flush=True)
            time.sleep(60)
    print("ready", flush=True)
    keys.rotate_data_key(paths, store, on_step=on_step)
    print("done", flush=True)
    """
)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_APP_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "TRIAGE_APP_PASSPHRASE": PASS,
            "TRIAGE_APP_KEY_SOURCE": "passphrase",
            "OMP_NUM_THREADS": "1",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
    )
    return env


def _spawn(code: str, *args: str, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, str(data_dir), *args],
        cwd=REPO,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _open(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CaseStore:
    monkeypatch.setenv("TRIAGE_APP_PASSPHRASE", PASS)
    monkeypatch.setenv("TRIAGE_APP_KEY_SOURCE", "passphrase")
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        return keys.unlock_store(resolve_paths(data_dir))
    finally:
        keyring.set_keyring(previous)


def test_sigkill_during_saves_keeps_every_committed_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "crash"
    proc = _spawn(SAVER, data_dir=data_dir)
    committed: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            committed.append(line.strip())
            if len(committed) >= 40:
                break
        else:
            pytest.fail(f"saver stopped early: {proc.stderr.read() if proc.stderr else ''}")
        os.kill(proc.pid, signal.SIGKILL)  # mid-run: it is saving the next case right now
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    store = _open(data_dir, monkeypatch)
    try:
        for case_id in committed:
            number = int(case_id[4:])
            assert store.get(case_id).result.intake.text.startswith(f"saved case number {number} ")
        assert store.count() >= len(committed)
    finally:
        store.close()


@pytest.mark.parametrize("stop_at", ["pending_recorded", "mid_transaction", "store_rekeyed"])
def test_sigkill_during_key_rotation_leaves_usable_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_at: str) -> None:
    data_dir = tmp_path / "rotate"
    proc = _spawn(ROTATOR, stop_at, data_dir=data_dir)
    assert proc.stdout is not None
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line.strip())
            if line.strip() == stop_at:
                os.kill(proc.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"rotator never reached {stop_at}: {seen} {proc.stderr.read() if proc.stderr else ''}")
    finally:
        proc.kill()
        proc.wait()
    store = _open(data_dir, monkeypatch)
    try:
        assert store.count() == 60
        for i in range(60):
            assert store.get(f"case{i:06d}").result.intake.text == f"rotating case {i}"
    finally:
        store.close()
    params = keys.load_params(resolve_paths(data_dir))
    assert params is not None and params.pending is None
    assert (params.rotated_at != "") == (stop_at == "store_rekeyed")
