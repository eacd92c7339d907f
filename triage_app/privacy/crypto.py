"""Authenticated encryption and key derivation for the case store.

AES-256-GCM (``cryptography``) with a fresh 96-bit random nonce per message; the stored
blob is ``version byte || nonce || ciphertext+tag``. Key derivation for the passphrase
fallback is scrypt. A *key check* is the AEAD encryption of a fixed constant: it proves a
key is the right one without revealing anything about it.
"""

from __future__ import annotations

import base64
import functools
import hmac
import os
from dataclasses import dataclass

from triage_app.core.errors import DependencyError

KEY_BYTES = 32
NONCE_BYTES = 12
BLOB_VERSION = 1
KEY_CHECK_PLAINTEXT = b"triage-assistant key check v1"
KEY_CHECK_AAD = b"triage-assistant/key-check"

#: scrypt cost: N=2**15, r=8, p=1 is ~32 MiB and ~0.1 s, the OWASP 2023 minimum for scrypt.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


class DecryptionError(Exception):
    """A blob failed authentication: wrong key, wrong AAD, or tampered bytes."""


@functools.lru_cache(maxsize=4)
def _aesgcm(key: bytes):  # noqa: ANN202 - cryptography type kept lazy
    # Cached: building the cipher object costs as much as decrypting a small summary.
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError as exc:  # pragma: no cover - cryptography is a core dependency
        raise DependencyError("The 'cryptography' package is not installed.", "pip install cryptography") from exc
    if len(key) != KEY_BYTES:
        raise ValueError("data keys are 32 bytes")
    return AESGCM(key)


def new_data_key() -> bytes:
    """A fresh random 256-bit key from the OS CSPRNG."""
    return os.urandom(KEY_BYTES)


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``, binding ``aad``."""
    nonce = os.urandom(NONCE_BYTES)
    return bytes([BLOB_VERSION]) + nonce + _aesgcm(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`encrypt`. Raises :class:`DecryptionError` on any mismatch."""
    from cryptography.exceptions import InvalidTag

    if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != BLOB_VERSION:
        raise DecryptionError("malformed blob")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return _aesgcm(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionError("authentication failed") from None


def make_key_check(key: bytes) -> str:
    """Base64 key-check value for ``key`` (safe to store next to the data)."""
    return base64.b64encode(encrypt(key, KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD)).decode("ascii")


def key_matches(key: bytes, key_check: str) -> bool:
    """True when ``key`` decrypts ``key_check`` to the expected constant."""
    try:
        plain = decrypt(key, base64.b64decode(key_check), KEY_CHECK_AAD)
    except (DecryptionError, ValueError):
        return False
    return hmac.compare_digest(plain, KEY_CHECK_PLAINTEXT)


@dataclass(frozen=True)
class ScryptParams:
    """Salt and cost of a passphrase-derived key. Nothing secret."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def fresh(cls) -> ScryptParams:
        return cls(salt=os.urandom(16), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)

    def to_dict(self) -> dict[str, object]:
        return {"name": "scrypt", "salt": base64.b64encode(self.salt).decode("ascii"), "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ScryptParams:
        return cls(
            salt=base64.b64decode(str(data["salt"])),
            n=int(data["n"]),  # type: ignore[arg-type]
            r=int(data["r"]),  # type: ignore[arg-type]
            p=int(data["p"]),  # type: ignore[arg-type]
        )


def derive_key(passphrase: str, params: ScryptParams) -> bytes:
    """scrypt(passphrase, salt) -> 256-bit key."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(salt=params.salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def key_fingerprint(key: bytes) -> str:
    """A short, non-reversible id for a key (shown in ``keys status``; not the key)."""
    return hmac.new(key, b"triage-assistant/fingerprint", "sha256").hexdigest()[:12]


__all__ = [
    "KEY_BYTES",
    "DecryptionError",
    "ScryptParams",
    "decrypt",
    "derive_key",
    "encrypt",
    "key_fingerprint",
    "key_matches",
    "make_key_check",
    "new_data_key",
]
