"""Runtime and clinical settings: one versioned schema, layered sources.

Precedence, lowest to highest:

1. packaged defaults (this module);
2. the site configuration file ``triage_app.toml`` (IT), searched in the system config
   directory, then next to the executable; a later file overrides an earlier one;
3. the user's ``settings.json`` (written by the Settings page);
4. ``TRIAGE_APP_*`` environment variables;
5. command-line flags (``--data-dir``, ``--device``, ``--model``).

Keys named in a site file's ``[locked]`` list cannot be changed by the user file.
A bad *user* file falls back to the lower layers with a warning; a bad *site* file or
environment variable is an error naming the key, the file and the accepted values, so
IT sees it at once.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from triage_app.core.errors import ConfigError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SITE_CONFIG_NAME = "triage_app.toml"
ENV_PREFIX = "TRIAGE_APP_"

CHOICES: dict[str, tuple[str, ...]] = {
    "device": ("auto", "cpu", "cuda"),
    "explanation_method": ("fast", "ig"),
    "theme": ("light", "dark", "high-contrast"),
    "paper_size": ("A4", "Letter"),
}
RANGES: dict[str, tuple[float, float]] = {
    "retention_days": (0, 36500),
    "font_scale": (0.75, 2.5),
}


@dataclass(frozen=True)
class Settings:
    """All user- and site-configurable options. ``retention_days = 0`` keeps cases forever."""

    schema_version: int = SCHEMA_VERSION
    clinician_name: str = ""
    clinic_name: str = "Triage Assistant"
    clinic_logo: str = ""
    data_dir: str = ""
    model_dir: str = ""
    device: str = "auto"
    explanation_method: str = "fast"
    detailed_explanations: bool = True
    live_classify: bool = False
    theme: str = "light"
    font_scale: float = 1.0
    paper_size: str = "A4"
    retention_days: int = 365
    first_run_done: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FIELD_TYPES: dict[str, type] = {f.name: type(getattr(Settings(), f.name)) for f in fields(Settings)}
USER_EDITABLE = frozenset(FIELD_TYPES) - {"schema_version", "data_dir"}


def _coerce(key: str, value: Any, origin: str) -> Any:
    """Validate one value; raise ConfigError naming key, origin and accepted values."""
    if key not in FIELD_TYPES:
        raise ConfigError(
            f"Unknown setting '{key}' in {origin}.",
            f"Accepted keys: {', '.join(sorted(FIELD_TYPES))}.",
        )
    kind = FIELD_TYPES[key]
    try:
        if kind is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError
                value = low in ("1", "true", "yes", "on")
            elif not isinstance(value, bool):
                raise ValueError
        elif kind is int:
            if isinstance(value, bool):
                raise ValueError
            value = int(value)
        elif kind is float:
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        else:
            if not isinstance(value, str):
                raise ValueError
    except (TypeError, ValueError):
        raise ConfigError(
            f"Setting '{key}' in {origin} must be a {kind.__name__}, got {value!r}.",
        ) from None
    if key in CHOICES:
        match = {c.lower(): c for c in CHOICES[key]}.get(str(value).lower())
        if match is None:
            raise ConfigError(
                f"Setting '{key}' in {origin} has the invalid value {value!r}.",
                f"Accepted values: {', '.join(CHOICES[key])}.",
            )
        value = match
    if key in RANGES:
        lo, hi = RANGES[key]
        if not lo <= value <= hi:
            raise ConfigError(
                f"Setting '{key}' in {origin} is {value!r}, outside {lo:g}–{hi:g}.",
                f"Accepted values: a number from {lo:g} to {hi:g}.",
            )
    return value


def site_config_paths() -> list[Path]:
    """Candidate site files, lowest precedence first."""
    candidates: list[Path] = []
    try:
        import platformdirs

        candidates.append(Path(platformdirs.site_config_dir("TriageAssistant", "TriageAssistant")) / SITE_CONFIG_NAME)
    except Exception:  # pragma: no cover - platformdirs always importable in practice
        pass
    if getattr(sys, "frozen", False):
        candidates.append(Path(sys.executable).resolve().parent / SITE_CONFIG_NAME)
    else:
        candidates.append(Path(__file__).resolve().parents[2] / SITE_CONFIG_NAME)
    explicit = os.environ.get(ENV_PREFIX + "SITE_CONFIG")
    if explicit:
        candidates.append(Path(explicit))
    return candidates


def load_site_config(paths: list[Path] | None = None) -> tuple[dict[str, Any], frozenset[str]]:
    """Read site TOML files. Returns (values, locked keys). Errors name the file."""
    values: dict[str, Any] = {}
    locked: set[str] = set()
    for path in paths if paths is not None else site_config_paths():
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"The site configuration {path} is not valid TOML: {exc}.", "Fix the file or remove it.") from None
        section = data.get("triage_app", data)
        for key, value in section.items():
            if key == "locked":
                if not isinstance(value, list) or not all(isinstance(v, str) and v in FIELD_TYPES for v in value):
                    raise ConfigError(f"'locked' in {path} must be a list of setting names.", f"Accepted keys: {', '.join(sorted(FIELD_TYPES))}.")
                locked.update(value)
                continue
            values[key] = _coerce(key, value, f"site configuration {path}")
    return values, frozenset(locked)


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """``TRIAGE_APP_<KEY>`` variables for known setting keys."""
    environ = dict(os.environ) if environ is None else environ
    out: dict[str, Any] = {}
    for key in FIELD_TYPES:
        if key == "schema_version":
            continue
        var = ENV_PREFIX + key.upper()
        if var in environ and environ[var] != "":
            out[key] = _coerce(key, environ[var], f"environment variable {var}")
    return out


def load_user_settings(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Read the user's settings.json. A bad file yields ({}, [warning]), never a crash."""
    if not path.is_file():
        return {}, []
    warnings: list[str] = []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        return {}, [f"Your settings file {path} could not be read ({exc}); using defaults."]
    version = data.get("schema_version", 0)
    if version > SCHEMA_VERSION:
        warnings.append(f"Settings file {path} is from a newer version ({version}); unknown keys ignored.")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "schema_version" or key not in USER_EDITABLE:
            continue
        try:
            values[key] = _coerce(key, value, f"settings file {path}")
        except ConfigError as exc:
            warnings.append(f"{exc} Using the default instead.")
    return values, warnings


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    locked: frozenset[str]
    warnings: tuple[str, ...]


def load_settings(
    user_settings_path: Path | None,
    *,
    site_paths: list[Path] | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> LoadedSettings:
    """Merge all layers (see module docstring)."""
    site, locked = load_site_config(site_paths)
    user, warnings = load_user_settings(user_settings_path) if user_settings_path else ({}, [])
    merged: dict[str, Any] = {}
    merged.update(site)
    merged.update({k: v for k, v in user.items() if k not in locked})
    merged.update(env_overrides(environ))
    for key, value in (overrides or {}).items():
        if value is not None:
            merged[key] = _coerce(key, value, "command line")
    return LoadedSettings(replace(Settings(), **merged), locked, tuple(warnings))


def save_user_settings(path: Path, settings: Settings, *, base: Settings | None = None) -> None:
    """Write the user's choices atomically (temp file + rename): a crash never leaves half a file.

    Only values that differ from ``base`` (the settings the user would get without a user
    file: defaults + site + environment; packaged defaults when omitted) are written, so a
    site change to a key the user never touched still reaches them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    base_values = (base or Settings()).to_dict()
    data = {
        k: v for k, v in settings.to_dict().items() if k in USER_EDITABLE and v != base_values.get(k)
    }
    data["schema_version"] = SCHEMA_VERSION
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


__all__ = [
    "CHOICES",
    "SCHEMA_VERSION",
    "LoadedSettings",
    "Settings",
    "env_overrides",
    "load_settings",
    "load_site_config",
    "save_user_settings",
    "site_config_paths",
]
