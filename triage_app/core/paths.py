"""Where the app keeps its files.

Resolution order for the data directory: ``--data-dir`` flag, then the environment variable
``TRIAGE_APP_DATA_DIR``, then the site configuration's ``data_dir``, then the per-user
directory from platformdirs. When a data directory is given explicitly, *everything* the
app writes (store, audit log, logs, settings, temp files) lives under it, so tests and
audits can run in a throwaway folder.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "TriageAssistant"
APP_AUTHOR = "TriageAssistant"
ENV_DATA_DIR = "TRIAGE_APP_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    """All locations the app writes to."""

    data_dir: Path
    log_dir: Path
    config_dir: Path
    temp_dir: Path

    @property
    def store_path(self) -> Path:
        return self.data_dir / "cases.sqlite3"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.jsonl"

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def key_params_path(self) -> Path:
        """Salt and KDF parameters for the passphrase fallback (no secret in it)."""
        return self.data_dir / "key.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "triage_app.log"

    def all_dirs(self) -> tuple[Path, ...]:
        return (self.data_dir, self.log_dir, self.config_dir, self.temp_dir)

    def ensure(self) -> AppPaths:
        """Create the directories (user-only permissions where the OS supports it)."""
        from triage_app.core.errors import ConfigError

        for d in self.all_dirs():
            try:
                d.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise ConfigError(
                    f"The data folder {d} cannot be created: a file is in the way.",
                    "Point --data-dir / TRIAGE_APP_DATA_DIR / data_dir at a folder, or move the file.",
                ) from None
            except PermissionError:
                raise ConfigError(
                    f"No permission to create the data folder {d}.",
                    "Choose a folder you can write to (--data-dir / TRIAGE_APP_DATA_DIR / data_dir).",
                ) from None
            try:
                os.chmod(d, 0o700)
            except OSError:  # pragma: no cover - e.g. Windows ACLs
                pass
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None, site_data_dir: str | None = None) -> AppPaths:
    """Resolve the app's directories.

    Args:
        data_dir: Explicit data directory (the ``--data-dir`` flag).
        site_data_dir: ``data_dir`` from the site configuration, if any.
    """
    explicit = data_dir or os.environ.get(ENV_DATA_DIR) or site_data_dir
    if explicit:
        root = Path(explicit).expanduser().resolve()
        return AppPaths(root, root / "logs", root / "config", root / "tmp")
    import platformdirs

    data = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    return AppPaths(
        data_dir=data,
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        temp_dir=data / "tmp",
    )


def use_private_tempdir(paths: AppPaths) -> None:
    """Point :mod:`tempfile` (and libraries that use it) at the app's own temp folder."""
    paths.temp_dir.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(paths.temp_dir)
    for var in ("TMPDIR", "TEMP", "TMP"):
        os.environ[var] = str(paths.temp_dir)


def project_root() -> Path:
    """The source tree or the PyInstaller bundle root (where ``models/`` and ``resources/`` are)."""
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    return project_root() / "resources"


def default_models_dir() -> Path:
    return project_root() / "models"


__all__ = [
    "APP_NAME",
    "ENV_DATA_DIR",
    "AppPaths",
    "default_models_dir",
    "project_root",
    "resolve_paths",
    "resources_dir",
    "use_private_tempdir",
]
