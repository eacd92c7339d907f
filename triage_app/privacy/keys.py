"""The data key that encrypts the case store: where it lives, how it is obtained and rotated.

Two sources, chosen when the store's key is first created and recorded in
``AppPaths.key_params_path`` (``key.json``, which holds no secret):

- ``keyring``: a random 256-bit key in the OS keyring (service ``TriageAssistant``, one
  entry per data directory). Preferred where a keyring backend exists.
- ``passphrase``: the key is scrypt(passphrase, salt); ``key.json`` holds the salt and cost
  parameters. Used where no keyring backend exists (headless Linux), or when IT sets
  ``TRIAGE_APP_KEY_SOURCE=passphrase``. The passphrase comes from ``TRIAGE_APP_PASSPHRASE``,
  a file named by ``TRIAGE_APP_PASSPHRASE_FILE``, or a ``passphrase_provider(first_time)``
  callback (GUI dialog, CLI getpass). Never a silent plaintext fallback: with no passphrase
  the call fails with a :class:`KeyError_` that says how to give one.

``key.json`` also holds a key-check value (an AES-GCM encryption of a constant), so a wrong
passphrase or a replaced keyring entry is detected before anything is read or written.

Rotation (:func:`rotate_data_key`) is crash-safe:

1. the new key is recorded as *pending* (keyring entry ``<entry>:pending`` or pending scrypt
   parameters in ``key.json``), nothing else changes;
2. the store re-encrypts every case and its own key check in ONE SQLite transaction;
3. the pending key is promoted (keyring main entry, ``key.json``) and the pending record dropped.

A crash before 2 commits leaves the old key valid (the pending record is discarded on the
next start); a crash after it leaves a pending key that matches the store, and
:func:`obtain_data_key` finishes the promotion. The store's key check is the tie-breaker.
"""

from __future__ import annotations

import base64
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_app.core.errors import ConfigError, DependencyError, KeyError_
from triage_app.core.paths import AppPaths
from triage_app.privacy import crypto
from triage_app.privacy.store import CaseStore, damaged_copies, read_key_check

log = logging.getLogger(__name__)

KEYRING_SERVICE = "TriageAssistant"
ENV_PASSPHRASE = "TRIAGE_APP_PASSPHRASE"
ENV_PASSPHRASE_FILE = "TRIAGE_APP_PASSPHRASE_FILE"
ENV_KEY_SOURCE = "TRIAGE_APP_KEY_SOURCE"
KEY_SOURCES: tuple[str, ...] = ("auto", "keyring", "passphrase")
MIN_PASSPHRASE_CHARS = 8
PARAMS_VERSION = 1

PassphraseProvider = Callable[[bool], "str | None"]


# ---- key.json ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingKey:
    """A rotation in progress: the new key's check value (and, for passphrases, its KDF)."""

    key_check: str
    kdf: crypto.ScryptParams | None = None
    started_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key_check": self.key_check, "kdf": self.kdf.to_dict() if self.kdf else None, "started_at": self.started_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingKey:
        kdf = data.get("kdf")
        return cls(str(data["key_check"]), crypto.ScryptParams.from_dict(kdf) if kdf else None, str(data.get("started_at", "")))


@dataclass(frozen=True)
class KeyParams:
    """Contents of ``key.json``: no secret, only how to find and check the key."""

    source: str
    key_check: str
    kdf: crypto.ScryptParams | None = None
    pending: PendingKey | None = None
    created_at: str = ""
    rotated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": PARAMS_VERSION,
            "source": self.source,
            "key_check": self.key_check,
            "kdf": self.kdf.to_dict() if self.kdf else None,
            "pending": self.pending.to_dict() if self.pending else None,
            "created_at": self.created_at,
            "rotated_at": self.rotated_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyParams:
        kdf, pending = data.get("kdf"), data.get("pending")
        return cls(
            source=str(data["source"]),
            key_check=str(data["key_check"]),
            kdf=crypto.ScryptParams.from_dict(kdf) if kdf else None,
            pending=PendingKey.from_dict(pending) if pending else None,
            created_at=str(data.get("created_at", "")),
            rotated_at=str(data.get("rotated_at", "")),
        )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_params(paths: AppPaths) -> KeyParams | None:
    """Read ``key.json``; None when absent. A damaged file is a KeyError_ (never replaced)."""
    path = paths.key_params_path
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        params = KeyParams.from_dict(data)
        if params.source not in ("keyring", "passphrase") or (params.source == "passphrase" and params.kdf is None):
            raise ValueError("bad source")
        return params
    except (ValueError, KeyError, TypeError):
        raise KeyError_(
            f"The key settings file {path} is damaged; the store cannot be unlocked and nothing was changed.",
            "Restore key.json from your backup (`triage-app keys restore --from FILE` restores it from a key backup).",
        ) from None


def save_params(paths: AppPaths, params: KeyParams) -> None:
    """Write ``key.json`` atomically and durably (temp file, fsync, rename)."""
    path = paths.key_params_path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(params.to_dict(), handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - Windows cannot fsync a directory
        pass


# ---- keyring ---------------------------------------------------------------------------------
def keyring_entry(paths: AppPaths) -> str:
    """The keyring user name for this data directory's key."""
    return f"data-key:{paths.data_dir.resolve()}"


def _pending_entry(paths: AppPaths) -> str:
    return keyring_entry(paths) + ":pending"


def _keyring_module() -> Any:
    try:
        import keyring
    except ImportError as exc:  # pragma: no cover - keyring is a core dependency
        raise DependencyError("The 'keyring' package is not installed.", "pip install keyring") from exc
    return keyring


def keyring_status() -> tuple[bool, str]:
    """(usable, backend description). Fail/null backends and errors count as unusable."""
    try:
        keyring = _keyring_module()
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - any backend failure means "no keyring"
        return False, f"no keyring backend ({type(exc).__name__})"
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False, f"no usable keyring backend ({name})"
    if module.startswith("keyring.backends.chainer") and not getattr(backend, "backends", None):
        return False, f"no usable keyring backend ({name}, empty)"
    try:
        if float(getattr(backend, "priority", 1)) <= 0:
            return False, f"keyring backend {name} is not usable (priority <= 0)"
    except Exception:  # noqa: BLE001 - priority can raise on unavailable backends
        return False, f"keyring backend {name} is not usable"
    return True, name


def _keyring_get(entry: str) -> bytes | None:
    keyring = _keyring_module()
    try:
        value = keyring.get_password(KEYRING_SERVICE, entry)
    except keyring.errors.KeyringError as exc:
        raise KeyError_(
            f"The OS keyring could not be read ({type(exc).__name__}); the case store stays locked.",
            "Unlock or start the OS keyring (log in to the desktop session) and try again.",
        ) from None
    if value is None:
        return None
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    return key if len(key) == crypto.KEY_BYTES else None


def _keyring_set(entry: str, key: bytes) -> None:
    keyring = _keyring_module()
    try:
        keyring.set_password(KEYRING_SERVICE, entry, base64.b64encode(key).decode("ascii"))
    except keyring.errors.KeyringError as exc:
        raise KeyError_(
            f"The OS keyring refused to store the data key ({type(exc).__name__}).",
            f"Unlock the OS keyring, or set {ENV_KEY_SOURCE}=passphrase before the store is first created.",
        ) from None


def _keyring_delete(entry: str) -> None:
    keyring = _keyring_module()
    try:
        keyring.delete_password(KEYRING_SERVICE, entry)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError:
        log.warning("could not delete a keyring entry")


# ---- passphrases -----------------------------------------------------------------------------
def _configured_source() -> str:
    value = os.environ.get(ENV_KEY_SOURCE, "").strip().lower() or "auto"
    if value not in KEY_SOURCES:
        raise ConfigError(
            f"Environment variable {ENV_KEY_SOURCE} has the invalid value {value!r}.",
            f"Accepted values: {', '.join(KEY_SOURCES)}.",
        )
    return value


def _passphrase_from_env() -> str | None:
    value = os.environ.get(ENV_PASSPHRASE)
    if value:
        return value
    file_name = os.environ.get(ENV_PASSPHRASE_FILE)
    if file_name:
        try:
            text = Path(file_name).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyError_(
                f"The passphrase file named by {ENV_PASSPHRASE_FILE} could not be read ({type(exc).__name__}).",
                "Check the path and its permissions.",
            ) from None
        text = text.rstrip("\r\n")
        if not text:
            raise KeyError_(f"The passphrase file named by {ENV_PASSPHRASE_FILE} is empty.")
        return text
    return None


def get_passphrase(provider: PassphraseProvider | None, *, first_time: bool) -> str:
    """Passphrase from the environment, else from ``provider``; a clear KeyError_ otherwise."""
    passphrase = _passphrase_from_env()
    if passphrase is None and provider is not None:
        passphrase = provider(first_time)
        if passphrase is None:
            raise KeyError_("No passphrase was entered; the case store stays locked.")
    if passphrase is None:
        raise KeyError_(
            "The case store is protected by a passphrase (no OS keyring is in use), and none was given.",
            f"Run the command in a terminal to be asked for it, or set {ENV_PASSPHRASE} or "
            f"{ENV_PASSPHRASE_FILE} (a file holding only the passphrase).",
        )
    if first_time and len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise KeyError_(
            f"The new passphrase is too short (minimum {MIN_PASSPHRASE_CHARS} characters); nothing was created.",
            "Choose a longer passphrase.",
        )
    return passphrase


def console_passphrase_provider(first_time: bool) -> str | None:
    """CLI prompt via getpass, only on a terminal; asks twice when choosing a new passphrase."""
    if not sys.stdin.isatty():
        return None
    if not first_time:
        return getpass.getpass("Passphrase for the encrypted case store: ") or None
    print(
        "No OS keyring is available, so the case store is encrypted with a key derived from a passphrase.\n"
        f"Choose one of at least {MIN_PASSPHRASE_CHARS} characters. It cannot be recovered if lost; keep a copy safe.",
        file=sys.stderr,
    )
    for _ in range(3):
        first = getpass.getpass("New passphrase: ")
        if len(first) < MIN_PASSPHRASE_CHARS:
            print(f"Too short (minimum {MIN_PASSPHRASE_CHARS} characters).", file=sys.stderr)
            continue
        if getpass.getpass("Repeat the passphrase: ") == first:
            return first
        print("The two entries differ; try again.", file=sys.stderr)
    return None


# ---- obtaining the key ---------------------------------------------------------------------
def _store_exists(paths: AppPaths) -> bool:
    return paths.store_path.exists() or bool(damaged_copies(paths.store_path))


def _reference_check(paths: AppPaths, params: KeyParams) -> str:
    """The key check the key must match: the store's own (authoritative), else key.json's."""
    return read_key_check(paths.store_path) or params.key_check


def _create_key(paths: AppPaths, provider: PassphraseProvider | None) -> bytes:
    configured = _configured_source()
    usable, backend = keyring_status()
    if configured == "keyring" and not usable:
        raise KeyError_(
            f"{ENV_KEY_SOURCE}=keyring, but {backend}.",
            f"Install or unlock an OS keyring, or set {ENV_KEY_SOURCE}=passphrase.",
        )
    if configured != "passphrase" and usable:
        key = crypto.new_data_key()
        try:
            _keyring_set(keyring_entry(paths), key)
            if _keyring_get(keyring_entry(paths)) != key:
                raise KeyError_("The OS keyring did not keep the data key; nothing was created.", f"Set {ENV_KEY_SOURCE}=passphrase.")
        except KeyError_:
            if configured == "keyring":
                raise
            # e.g. NoKeyringError from a backend that looked usable: fall back loudly (the
            # passphrase is asked for; never a plaintext key)
            log.warning("OS keyring failed when storing the key; using a passphrase-derived key")
        else:
            save_params(paths, KeyParams(source="keyring", key_check=crypto.make_key_check(key), created_at=_now()))
            log.info("created a new data key in the OS keyring")
            return key
    elif configured == "auto":
        log.warning("no usable OS keyring; using a passphrase-derived key")
    passphrase = get_passphrase(provider, first_time=True)
    kdf = crypto.ScryptParams.fresh()
    key = crypto.derive_key(passphrase, kdf)
    save_params(paths, KeyParams(source="passphrase", key_check=crypto.make_key_check(key), kdf=kdf, created_at=_now()))
    log.info("created a new passphrase-derived data key")
    return key


def _finish(paths: AppPaths, params: KeyParams, key: bytes, *, promoted: PendingKey | None) -> None:
    """Make ``key`` the recorded key and drop any pending record (idempotent)."""
    if params.source == "keyring":
        if _keyring_get(keyring_entry(paths)) != key:
            _keyring_set(keyring_entry(paths), key)
        _keyring_delete(_pending_entry(paths))
    kdf = promoted.kdf if promoted is not None and promoted.kdf is not None else params.kdf
    new = replace(params, key_check=crypto.make_key_check(key), kdf=kdf, pending=None, rotated_at=_now() if promoted else params.rotated_at)
    save_params(paths, new)


def obtain_data_key(paths: AppPaths, *, passphrase_provider: PassphraseProvider | None = None) -> bytes:
    """The 32-byte data key for ``paths``' store, creating one on first use.

    Args:
        paths: The app's paths (``key.json`` and the store live in ``paths.data_dir``).
        passphrase_provider: Called as ``provider(first_time)`` when a passphrase is needed
            and none is in the environment; returns the passphrase or None (cancelled).

    Raises:
        KeyError_: Wrong passphrase, missing keyring entry for an existing store, no
            passphrase available, keyring unavailable. Nothing on disk is changed.
        ConfigError: ``TRIAGE_APP_KEY_SOURCE`` is invalid.
    """
    params = load_params(paths)
    if params is None:
        if _store_exists(paths):
            raise KeyError_(
                f"A case store exists in {paths.data_dir} but its key settings file key.json is missing; "
                "no new key was created, because that would make the saved cases unreadable.",
                "Restore key.json (and the keyring entry) from your key backup with "
                "`triage-app keys restore --from FILE`.",
            )
        return _create_key(paths, passphrase_provider)
    reference = _reference_check(paths, params)
    pending = params.pending

    if params.source == "keyring":
        usable, backend = keyring_status()
        if not usable:
            raise KeyError_(
                f"This case store's key is kept in the OS keyring, but {backend}. The store stays locked and unchanged.",
                "Run the app in a desktop session with the keyring unlocked.",
            )
        main = _keyring_get(keyring_entry(paths))
        if main is not None and crypto.key_matches(main, reference):
            if pending is not None or not crypto.key_matches(main, params.key_check):
                _finish(paths, params, main, promoted=None)
            return main
        candidate = _keyring_get(_pending_entry(paths)) if pending is not None else None
        if candidate is not None and crypto.key_matches(candidate, reference):
            _finish(paths, params, candidate, promoted=pending)
            log.info("finished an interrupted key rotation")
            return candidate
        if main is None:
            raise KeyError_(
                f"The data key for this case store is missing from the OS keyring "
                f"(service '{KEYRING_SERVICE}', entry '{keyring_entry(paths)}'). "
                "No new key was created, because that would make the saved cases unreadable.",
                "Restore the key from your key backup with `triage-app keys restore --from FILE` "
                "(or restore the keyring itself from a backup).",
            )
        raise KeyError_(
            "The key in the OS keyring does not match this case store; nothing was changed.",
            "Restore the right key with `triage-app keys restore --from FILE`.",
        )

    assert params.kdf is not None
    passphrase = get_passphrase(passphrase_provider, first_time=False)
    key = crypto.derive_key(passphrase, params.kdf)
    if crypto.key_matches(key, reference):
        if pending is not None or not crypto.key_matches(key, params.key_check):
            _finish(paths, params, key, promoted=None)
        return key
    if pending is not None and pending.kdf is not None:
        candidate = crypto.derive_key(passphrase, pending.kdf)
        if crypto.key_matches(candidate, reference):
            _finish(paths, params, candidate, promoted=pending)
            log.info("finished an interrupted key rotation")
            return candidate
    log.warning("wrong passphrase for the case store")
    raise KeyError_(
        "The passphrase is wrong; the case store stays locked and nothing was changed.",
        "Enter the passphrase this store was created with (if a passphrase change was interrupted, try the new one).",
    )


def store_initialised(paths: AppPaths) -> bool:
    """True once a key or a store exists in ``paths.data_dir`` (so reading needs a key)."""
    return paths.key_params_path.exists() or _store_exists(paths)


def unlock_store(
    paths: AppPaths, *, passphrase_provider: PassphraseProvider | None = None, fresh: bool = False
) -> CaseStore:
    """Obtain the data key and open the store at ``paths.store_path`` (the usual composition).

    Raises:
        KeyError_: See :func:`obtain_data_key`.
        StoreError: See :meth:`CaseStore.open`.
    """
    key = obtain_data_key(paths, passphrase_provider=passphrase_provider)
    return CaseStore.open(paths.store_path, key, fresh=fresh)


# ---- rotation ----------------------------------------------------------------------------------
def rotate_data_key(
    paths: AppPaths,
    store: CaseStore,
    *,
    passphrase_provider: PassphraseProvider | None = None,
    new_passphrase: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> int:
    """Re-encrypt ``store`` (an open :class:`~triage_app.privacy.store.CaseStore`) under a new key.

    For a keyring key, a new random key; for a passphrase key, new scrypt salt with the same
    passphrase (asked again to confirm it), or ``new_passphrase`` when given. Crash-safe at
    every step (see the module docstring). ``on_step`` is called after each step (tests
    use it to simulate crashes). Returns the number of cases re-encrypted.
    """
    step = on_step or (lambda name: None)
    params = load_params(paths)
    if params is None:
        raise KeyError_("There is no data key to rotate yet.", "Open the case store once first.")
    if not crypto.key_matches(store._key, store.key_check()):  # noqa: SLF001 - same package
        raise KeyError_("The open store's key is not current; rotation cancelled.")
    if params.source == "keyring":
        new_key = crypto.new_data_key()
        _keyring_set(_pending_entry(paths), new_key)
        pending = PendingKey(crypto.make_key_check(new_key), None, _now())
    else:
        assert params.kdf is not None
        current = get_passphrase(passphrase_provider, first_time=False)
        if not crypto.key_matches(crypto.derive_key(current, params.kdf), store.key_check()):
            raise KeyError_("The passphrase is wrong; the key was not rotated and nothing was changed.")
        if new_passphrase is not None and len(new_passphrase) < MIN_PASSPHRASE_CHARS:
            raise KeyError_(f"The new passphrase is too short (minimum {MIN_PASSPHRASE_CHARS} characters).")
        kdf = crypto.ScryptParams.fresh()
        new_key = crypto.derive_key(new_passphrase or current, kdf)
        pending = PendingKey(crypto.make_key_check(new_key), kdf, _now())
    save_params(paths, replace(params, pending=pending))
    step("pending_recorded")
    count = store.rekey(new_key)
    step("store_rekeyed")
    _finish(paths, load_params(paths) or params, new_key, promoted=pending)
    step("promoted")
    log.info("data key rotated; %d cases re-encrypted", count)
    return count


# ---- backup ----------------------------------------------------------------------------------
BACKUP_FORMAT = "triage-assistant-key-backup"
BACKUP_AAD = b"triage-assistant/key-backup/v1"
ENV_BACKUP_PASSPHRASE = "TRIAGE_APP_BACKUP_PASSPHRASE"


def write_key_backup(paths: AppPaths, key: bytes, out: Path, backup_passphrase: str) -> Path:
    """Write a key backup: ``key.json``'s contents plus the data key encrypted under
    scrypt(``backup_passphrase``). Keep it off the machine; it is what restores a lost
    keyring entry or ``key.json``.
    """
    if len(backup_passphrase) < MIN_PASSPHRASE_CHARS:
        raise KeyError_(f"The backup passphrase is too short (minimum {MIN_PASSPHRASE_CHARS} characters).")
    params = load_params(paths)
    if params is None or not crypto.key_matches(key, params.key_check):
        raise KeyError_("The key to back up does not match this data directory's key settings.")
    kdf = crypto.ScryptParams.fresh()
    wrapped = crypto.encrypt(crypto.derive_key(backup_passphrase, kdf), key, BACKUP_AAD)
    doc = {
        "format": BACKUP_FORMAT,
        "version": 1,
        "created_at": _now(),
        "params": replace(params, pending=None).to_dict(),
        "kdf": kdf.to_dict(),
        "wrapped_key": base64.b64encode(wrapped).decode("ascii"),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, out)
    return out


def restore_key_backup(paths: AppPaths, backup: Path, backup_passphrase: str) -> str:
    """Put the key from a backup back in place (keyring entry and/or ``key.json``).

    The key must match this data directory's store (when one exists); otherwise nothing
    changes. Returns the key source restored ("keyring" or "passphrase").
    """
    try:
        doc = json.loads(Path(backup).read_text(encoding="utf-8"))
        if doc.get("format") != BACKUP_FORMAT:
            raise ValueError("format")
        params = KeyParams.from_dict(doc["params"])
        kdf = crypto.ScryptParams.from_dict(doc["kdf"])
        wrapped = base64.b64decode(doc["wrapped_key"])
    except (OSError, ValueError, KeyError, TypeError):
        raise KeyError_(f"{backup} is not a readable Triage Assistant key backup.") from None
    try:
        key = crypto.decrypt(crypto.derive_key(backup_passphrase, kdf), wrapped, BACKUP_AAD)
    except crypto.DecryptionError:
        raise KeyError_("The backup passphrase is wrong; nothing was restored.") from None
    reference = read_key_check(paths.store_path) or params.key_check
    if not crypto.key_matches(key, reference):
        raise KeyError_(
            "The key in this backup does not match the case store in this data directory; nothing was restored.",
            "Use the backup made for this store, or point --data-dir at the store it belongs to.",
        )
    if params.source == "keyring":
        usable, backend = keyring_status()
        if not usable:
            raise KeyError_(f"This backup holds a keyring key, but {backend}; nothing was restored.", "Restore it on a machine with an OS keyring.")
        _keyring_set(keyring_entry(paths), key)
    save_params(paths, replace(params, key_check=crypto.make_key_check(key), pending=None))
    log.info("data key restored from a backup")
    return params.source


# ---- status ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyStatus:
    """What ``keys status`` and the Settings page show. Never contains the key."""

    source: str
    description: str
    keyring_backend: str
    keyring_usable: bool
    keyring_entry: str
    params_path: Path
    store_exists: bool
    rotation_pending: bool
    created_at: str
    rotated_at: str


def key_status(paths: AppPaths) -> KeyStatus:
    """Describe the key setup without unlocking anything."""
    usable, backend = keyring_status()
    try:
        params = load_params(paths)
    except KeyError_:
        params = None
    if params is None:
        configured = _configured_source()
        will = "keyring" if configured != "passphrase" and usable else "passphrase"
        desc = (
            f"No key yet; the first save will create one ({'OS keyring' if will == 'keyring' else 'passphrase with scrypt'}"
            f"{'' if will == 'keyring' or configured == 'passphrase' else ', because there is ' + backend})."
        )
        source = "none"
    elif params.source == "keyring":
        source = "keyring"
        desc = f"Random 256-bit key in the OS keyring ({backend}), service '{KEYRING_SERVICE}'."
    else:
        assert params.kdf is not None
        source = "passphrase"
        desc = f"Key derived from a passphrase with scrypt (N={params.kdf.n}, r={params.kdf.r}, p={params.kdf.p}); no key is stored."
    return KeyStatus(
        source=source,
        description=desc,
        keyring_backend=backend,
        keyring_usable=usable,
        keyring_entry=keyring_entry(paths),
        params_path=paths.key_params_path,
        store_exists=_store_exists(paths),
        rotation_pending=bool(params and params.pending),
        created_at=params.created_at if params else "",
        rotated_at=params.rotated_at if params else "",
    )


def describe_key_source(paths: AppPaths) -> str:
    """One line for the UI: where the data key comes from."""
    return key_status(paths).description


__all__ = [
    "ENV_BACKUP_PASSPHRASE",
    "ENV_KEY_SOURCE",
    "ENV_PASSPHRASE",
    "ENV_PASSPHRASE_FILE",
    "KEYRING_SERVICE",
    "KeyParams",
    "KeyStatus",
    "PassphraseProvider",
    "console_passphrase_provider",
    "describe_key_source",
    "get_passphrase",
    "key_status",
    "keyring_entry",
    "keyring_status",
    "load_params",
    "obtain_data_key",
    "restore_key_backup",
    "rotate_data_key",
    "store_initialised",
    "unlock_store",
    "write_key_backup",
]
