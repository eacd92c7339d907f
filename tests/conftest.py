"""Shared fixtures. Every test runs with its own throwaway data directory, offline, and
(for Qt) offscreen. Subfolders add their own conftest.py for layer-specific fixtures."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "default"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every file the app writes at a per-test folder; no real keyring writes."""
    data_dir = tmp_path / "appdata"
    monkeypatch.setenv("TRIAGE_APP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TRIAGE_APP_SITE_CONFIG", str(tmp_path / "no-site-config.toml"))
    for var in list(os.environ):
        if var.startswith("TRIAGE_APP_") and var not in ("TRIAGE_APP_DATA_DIR", "TRIAGE_APP_SITE_CONFIG"):
            monkeypatch.delenv(var, raising=False)
    return data_dir


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything creates a network socket (AF_UNIX stays allowed)."""
    real_socket = socket.socket

    class GuardedSocket(real_socket):  # type: ignore[misc,valid-type]
        def __init__(self, family: int = socket.AF_INET, *args: object, **kwargs: object) -> None:
            if family in (socket.AF_INET, socket.AF_INET6):
                raise NetworkBlocked("a network socket was created")
            super().__init__(family, *args, **kwargs)  # type: ignore[arg-type]

    def blocked(*args: object, **kwargs: object) -> None:
        raise NetworkBlocked("a network connection was attempted")

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    monkeypatch.setattr(socket, "create_connection", blocked)
    monkeypatch.setattr(socket, "getaddrinfo", blocked)


def default_model_available() -> bool:
    return (DEFAULT_MODEL_DIR / "manifest.json").is_file()


requires_default_model = pytest.mark.skipif(
    not default_model_available(), reason="models/default is not present"
)
