"""Data key: keyring, passphrase fallback, wrong/missing keys, crash-safe rotation, backups."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.fakes import MemoryKeyring, NoKeyring, sample_case_record
from triage_app.core.errors import KeyError_
from triage_app.core.paths import AppPaths, resolve_paths
from triage_app.privacy import crypto, keys
from triage_app.privacy.store import CaseStore

PASS = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep scrypt cheap in unit tests (the real cost is measured in benchmarks)."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**10)


@pytest.fixture
def paths(isolated_data_dir: Path) -> AppPaths:
    return resolve_paths(isolated_data_dir).ensure()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(previous)


def never_asked(first_time: bool) -> str | None:
    raise AssertionError("the passphrase provider must not be called")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_store(paths: AppPaths, key: bytes, n: int = 4) -> list[str]:
    store = CaseStore.open(paths.store_path, key)
    ids = []
    for i in range(n):
        record = sample_case_record(created_at=f"2026-11-2{i}T08:00:00Z", text=f"abdominal pain case {i}")
        store.save(record)
        ids.append(record.case_id)
    store.close()
    return ids


# ---- sources ------------------------------------------------------------------------------------
def test_keyring_key_created_once_and_reused(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    key = keys.obtain_data_key(paths, passphrase_provider=never_asked)
    assert len(key) == 32
    stored = memory_keyring.passwords[(keys.KEYRING_SERVICE, keys.keyring_entry(paths))]
    assert stored != key.hex() and len(stored) > 0
    params = json.loads(paths.key_params_path.read_text())
    assert params["source"] == "keyring" and params["kdf"] is None
    assert keys.obtain_data_key(paths, passphrase_provider=never_asked) == key
    assert "OS keyring" in keys.describe_key_source(paths)


def test_no_keyring_falls_back_to_passphrase_via_provider(paths: AppPaths, no_keyring: None) -> None:
    asked: list[bool] = []

    def provider(first_time: bool) -> str:
        asked.append(first_time)
        return PASS

    key = keys.obtain_data_key(paths, passphrase_provider=provider)
    again = keys.obtain_data_key(paths, passphrase_provider=provider)
    assert key == again
    assert asked == [True, False]
    params = json.loads(paths.key_params_path.read_text())
    assert params["source"] == "passphrase"
    assert set(params["kdf"]) == {"name", "salt", "n", "r", "p"}
    assert PASS not in paths.key_params_path.read_text()
    assert "passphrase" in keys.describe_key_source(paths)


class BrokenKeyring(NoKeyring):
    """Looks usable (priority > 0) but raises NoKeyringError on use, like a dead D-Bus session."""

    priority = 1  # type: ignore[assignment]


def test_keyring_raising_no_keyring_error_falls_back_to_passphrase(paths: AppPaths) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        key = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
        assert json.loads(paths.key_params_path.read_text())["source"] == "passphrase"
        assert keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS) == key
        with pytest.raises(KeyError_):  # still never without a passphrase
            keys.obtain_data_key(paths)
    finally:
        keyring.set_keyring(previous)


def test_keyring_policy_without_keyring_is_an_error(paths: AppPaths, no_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(keys.ENV_KEY_SOURCE, "keyring")
    with pytest.raises(KeyError_, match="TRIAGE_APP_KEY_SOURCE=keyring"):
        keys.obtain_data_key(paths, passphrase_provider=never_asked)
    assert not paths.key_params_path.exists()


def test_key_source_policy_forces_passphrase_even_with_keyring(
    paths: AppPaths, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.ENV_KEY_SOURCE, "passphrase")
    monkeypatch.setenv(keys.ENV_PASSPHRASE, PASS)
    keys.obtain_data_key(paths)
    assert memory_keyring.passwords == {}
    assert json.loads(paths.key_params_path.read_text())["source"] == "passphrase"


def test_passphrase_from_env_and_file_give_same_key(paths: AppPaths, no_keyring: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(keys.ENV_PASSPHRASE, PASS)
    key = keys.obtain_data_key(paths)
    monkeypatch.delenv(keys.ENV_PASSPHRASE)
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    monkeypatch.setenv(keys.ENV_PASSPHRASE_FILE, str(secret))
    assert keys.obtain_data_key(paths) == key


def test_no_passphrase_anywhere_is_a_clear_error_and_creates_nothing(paths: AppPaths, no_keyring: None) -> None:
    with pytest.raises(KeyError_) as err:
        keys.obtain_data_key(paths)
    assert "TRIAGE_APP_PASSPHRASE" in str(err.value)
    assert not paths.key_params_path.exists()


def test_short_new_passphrase_rejected(paths: AppPaths, no_keyring: None) -> None:
    with pytest.raises(KeyError_, match="too short"):
        keys.obtain_data_key(paths, passphrase_provider=lambda first: "short")
    assert not paths.key_params_path.exists()


def test_cancelled_prompt_is_a_key_error(paths: AppPaths, no_keyring: None) -> None:
    with pytest.raises(KeyError_, match="No passphrase"):
        keys.obtain_data_key(paths, passphrase_provider=lambda first: None)


# ---- wrong or missing keys --------------------------------------------------------------------
def test_wrong_passphrase_is_detected_and_nothing_changes(paths: AppPaths, no_keyring: None) -> None:
    key = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    seed_store(paths, key)
    before = {p.name: digest(p) for p in paths.data_dir.iterdir() if p.is_file()}
    with pytest.raises(KeyError_, match="passphrase is wrong"):
        keys.obtain_data_key(paths, passphrase_provider=lambda first: "not the passphrase")
    # Reading the store's key check may create SQLite's empty -wal/-shm side files; every
    # file that existed before is byte-for-byte unchanged.
    assert {name: digest(paths.data_dir / name) for name in before} == before


def test_missing_keyring_entry_for_existing_store_never_creates_a_new_key(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    key = keys.obtain_data_key(paths)
    seed_store(paths, key)
    memory_keyring.passwords.clear()
    store_bytes = digest(paths.store_path)
    params_bytes = digest(paths.key_params_path)
    with pytest.raises(KeyError_) as err:
        keys.obtain_data_key(paths)
    assert "missing from the OS keyring" in str(err.value) and "keys restore" in str(err.value)
    assert memory_keyring.passwords == {}
    assert digest(paths.store_path) == store_bytes and digest(paths.key_params_path) == params_bytes


def test_missing_key_json_for_existing_store_is_an_error(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    key = keys.obtain_data_key(paths)
    seed_store(paths, key)
    paths.key_params_path.unlink()
    with pytest.raises(KeyError_, match="key.json is missing"):
        keys.obtain_data_key(paths)
    assert not paths.key_params_path.exists()


def test_keyring_store_when_keyring_disappears(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    keys.obtain_data_key(paths)
    keyring.set_keyring(NoKeyring())
    with pytest.raises(KeyError_, match="OS keyring"):
        keys.obtain_data_key(paths, passphrase_provider=never_asked)


def test_replaced_keyring_entry_does_not_match(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    key = keys.obtain_data_key(paths)
    seed_store(paths, key)
    import base64

    memory_keyring.passwords[(keys.KEYRING_SERVICE, keys.keyring_entry(paths))] = base64.b64encode(b"x" * 32).decode()
    with pytest.raises(KeyError_, match="does not match"):
        keys.obtain_data_key(paths)


# ---- rotation -----------------------------------------------------------------------------------
def _rotate(paths: AppPaths, key: bytes, **kwargs: object) -> bytes:
    store = CaseStore.open(paths.store_path, key)
    try:
        keys.rotate_data_key(paths, store, **kwargs)  # type: ignore[arg-type]
    finally:
        store.close()
    return keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)


@pytest.mark.parametrize("source", ["keyring", "passphrase"])
def test_rotation_reencrypts_everything(paths: AppPaths, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    if source == "passphrase":
        monkeypatch.setenv(keys.ENV_KEY_SOURCE, "passphrase")
    old = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    ids = seed_store(paths, old)
    new = _rotate(paths, old, passphrase_provider=lambda first: PASS)
    assert new != old
    with pytest.raises(KeyError_):
        CaseStore.open(paths.store_path, old)
    store = CaseStore.open(paths.store_path, new)
    assert sorted(r.case_id for r in store.search()) == sorted(ids)
    assert all(store.get(i).result.intake.text.startswith("abdominal pain") for i in ids)
    store.close()
    params = keys.load_params(paths)
    assert params is not None and params.pending is None and params.rotated_at
    assert (keys.KEYRING_SERVICE, keys.keyring_entry(paths) + ":pending") not in memory_keyring.passwords


def test_rotation_with_new_passphrase(paths: AppPaths, no_keyring: None) -> None:
    old = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    seed_store(paths, old, n=2)
    store = CaseStore.open(paths.store_path, old)
    keys.rotate_data_key(paths, store, passphrase_provider=lambda first: PASS, new_passphrase="a brand new passphrase")
    store.close()
    with pytest.raises(KeyError_):
        keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    new = keys.obtain_data_key(paths, passphrase_provider=lambda first: "a brand new passphrase")
    assert CaseStore.open(paths.store_path, new).count() == 2


def test_rotation_refuses_wrong_passphrase(paths: AppPaths, no_keyring: None) -> None:
    key = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    seed_store(paths, key, n=1)
    before = digest(paths.key_params_path)
    store = CaseStore.open(paths.store_path, key)
    with pytest.raises(KeyError_, match="wrong"):
        keys.rotate_data_key(paths, store, passphrase_provider=lambda first: "wrong passphrase")
    store.close()
    assert digest(paths.key_params_path) == before


class SimulatedCrash(BaseException):
    """Stands in for the process dying: not an Exception, so nothing 'handles' it."""


@pytest.mark.parametrize("source", ["keyring", "passphrase"])
@pytest.mark.parametrize("crash_at", ["pending_recorded", "mid_transaction", "store_rekeyed", "promoted"])
def test_crash_at_each_rotation_step_leaves_a_usable_store(
    paths: AppPaths, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, source: str, crash_at: str
) -> None:
    if source == "passphrase":
        monkeypatch.setenv(keys.ENV_KEY_SOURCE, "passphrase")
    old = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    ids = seed_store(paths, old, n=5)
    expected = {i: CaseStore.open(paths.store_path, old).get(i).to_dict() for i in ids}

    def on_step(name: str) -> None:
        if name == crash_at:
            raise SimulatedCrash(name)

    store = CaseStore.open(paths.store_path, old)
    real_encrypt = crypto.encrypt
    if crash_at == "mid_transaction":
        calls: list[int] = []

        def failing_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
            calls.append(1)
            if len(calls) == 3:  # after two rows were re-encrypted inside the transaction
                raise SimulatedCrash("mid")
            return real_encrypt(key, plaintext, aad)

        monkeypatch.setattr(crypto, "encrypt", failing_encrypt)
    with pytest.raises(SimulatedCrash):
        keys.rotate_data_key(paths, store, passphrase_provider=lambda first: PASS, on_step=on_step)
    monkeypatch.setattr(crypto, "encrypt", real_encrypt)
    store._conn.close()  # the "dead process" never closed cleanly

    key = keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS)
    reopened = CaseStore.open(paths.store_path, key)
    assert {i: reopened.get(i).to_dict() for i in ids} == expected
    reopened.close()
    params = keys.load_params(paths)
    assert params is not None and params.pending is None
    rotated = crash_at in ("store_rekeyed", "promoted")
    assert (key != old) == rotated
    # and the next unlock is stable
    assert keys.obtain_data_key(paths, passphrase_provider=lambda first: PASS) == key


# ---- backup and restore -------------------------------------------------------------------------
def test_backup_restores_a_lost_keyring_entry(paths: AppPaths, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    key = keys.obtain_data_key(paths)
    seed_store(paths, key, n=1)
    backup = keys.write_key_backup(paths, key, tmp_path / "key-backup.json", "backup passphrase 1")
    assert key.hex() not in backup.read_text()
    memory_keyring.passwords.clear()
    with pytest.raises(KeyError_, match="wrong"):
        keys.restore_key_backup(paths, backup, "not the backup passphrase")
    assert memory_keyring.passwords == {}
    assert keys.restore_key_backup(paths, backup, "backup passphrase 1") == "keyring"
    assert keys.obtain_data_key(paths) == key


def test_backup_for_another_store_is_refused(paths: AppPaths, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    key = keys.obtain_data_key(paths)
    seed_store(paths, key, n=1)
    other = resolve_paths(tmp_path / "other").ensure()
    other_key = keys.obtain_data_key(other)
    seed_store(other, other_key, n=1)
    backup = keys.write_key_backup(other, other_key, tmp_path / "other-backup.json", "backup passphrase 1")
    with pytest.raises(KeyError_, match="does not match"):
        keys.restore_key_backup(paths, backup, "backup passphrase 1")
    assert keys.obtain_data_key(paths) == key


# ---- prompts ------------------------------------------------------------------------------------
def test_console_provider_silent_without_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert keys.console_passphrase_provider(True) is None


def test_console_provider_confirms_a_new_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["first choice!", "typo choice!", "second choice", "second choice"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt="": next(answers))
    assert keys.console_passphrase_provider(True) == "second choice"
