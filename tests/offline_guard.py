"""Run a child Python process in which creating any network socket aborts it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKER = "NETWORK SOCKET CREATED"

SITECUSTOMIZE = f"""
import socket, sys
_real = socket.socket
class _Guard(_real):
    def __init__(self, family=socket.AF_INET, *a, **k):
        if family in (socket.AF_INET, socket.AF_INET6):
            sys.stderr.write({MARKER!r} + "\\n")
            raise OSError({MARKER!r})
        super().__init__(family, *a, **k)
def _blocked(*a, **k):
    sys.stderr.write({MARKER!r} + "\\n")
    raise OSError({MARKER!r})
socket.socket = _Guard
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
"""


def run_offline(args: Sequence[str], tmp_path: Path, *, env: dict[str, str] | None = None, timeout: int = 600, input: str | None = None) -> subprocess.CompletedProcess[str]:
    guard = tmp_path / "socket-guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = f"{guard}{os.pathsep}{REPO}"
    full_env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout, input=input
    )


__all__ = ["MARKER", "run_offline"]
