"""Errors a clinician or IT admin can act on.

Every error the app raises on purpose derives from :class:`TriageError` and carries a
plain message plus, where one exists, the fix. The single error path in the UI and the
CLI prints ``str(error)``; nothing else is needed to give a clear message.
"""

from __future__ import annotations


class TriageError(Exception):
    """Base class for expected, user-facing errors.

    Args:
        message: What went wrong, in plain words. Never include PHI.
        fix: What the user or IT can do about it.
    """

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message


class InputError(TriageError):
    """Bad input from the user: a field out of range, empty text and so on.

    Args:
        field: The intake field at fault (for example ``"hr"``), or ``"text"``.
    """

    def __init__(self, field: str, message: str, fix: str | None = None) -> None:
        super().__init__(message, fix)
        self.field = field


class ModelError(TriageError):
    """A model bundle is missing, corrupt or incompatible."""


class ConfigError(TriageError):
    """A setting or site configuration value is invalid."""


class StoreError(TriageError):
    """The encrypted case store cannot be opened, read or written."""


class KeyError_(TriageError):
    """The data key is unavailable (wrong passphrase, missing keyring entry)."""


class DependencyError(TriageError):
    """An optional heavy dependency (torch, captum...) is not installed."""


__all__ = [
    "ConfigError",
    "DependencyError",
    "InputError",
    "KeyError_",
    "ModelError",
    "StoreError",
    "TriageError",
]
