from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage_app.core.errors import ConfigError
from triage_app.core.settings import SCHEMA_VERSION, Settings, load_settings, save_user_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "missing.json", site_paths=[], environ={})
    assert loaded.settings == Settings()
    assert loaded.warnings == ()


def test_precedence_site_then_user_then_env_then_flags(tmp_path: Path) -> None:
    site = write(tmp_path / "site.toml", '[triage_app]\nclinic_name = "Site Clinic"\npaper_size = "Letter"\nretention_days = 30\ndevice = "cpu"\n')
    user = tmp_path / "settings.json"
    save_user_settings(user, Settings(clinic_name="User Clinic", retention_days=90, device="cuda"))
    loaded = load_settings(
        user,
        site_paths=[site],
        environ={"TRIAGE_APP_RETENTION_DAYS": "10"},
        overrides={"device": "auto"},
    )
    s = loaded.settings
    assert s.paper_size == "Letter"  # site only
    assert s.clinic_name == "User Clinic"  # user beats site
    assert s.retention_days == 10  # env beats user
    assert s.device == "auto"  # flag beats env/user


def test_locked_site_keys_ignore_the_user_file(tmp_path: Path) -> None:
    site = write(tmp_path / "site.toml", 'retention_days = 30\nlocked = ["retention_days"]\n')
    user = tmp_path / "settings.json"
    save_user_settings(user, Settings(retention_days=999))
    loaded = load_settings(user, site_paths=[site], environ={})
    assert loaded.settings.retention_days == 30
    assert "retention_days" in loaded.locked


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('device = "tpu"', "auto, cpu, cuda"),
        ('paper_size = "A3"', "A4, Letter"),
        ("retention_days = -4", "retention_days"),
        ('colour = "red"', "Unknown setting 'colour'"),
        ("device = [", "not valid TOML"),
    ],
)
def test_bad_site_value_names_key_file_and_accepted_values(tmp_path: Path, toml: str, needle: str) -> None:
    site = write(tmp_path / "triage_app.toml", toml + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(None, site_paths=[site], environ={})
    assert needle in str(info.value)
    assert str(site) in str(info.value)


def test_bad_env_value_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TRIAGE_APP_DEVICE"):
        load_settings(None, site_paths=[], environ={"TRIAGE_APP_DEVICE": "gpu"})


def test_bad_user_file_falls_back_with_a_warning(tmp_path: Path) -> None:
    user = write(tmp_path / "settings.json", "{not json")
    loaded = load_settings(user, site_paths=[], environ={})
    assert loaded.settings == Settings()
    assert loaded.warnings and "could not be read" in loaded.warnings[0]


def test_bad_user_value_keeps_the_rest(tmp_path: Path) -> None:
    user = write(tmp_path / "settings.json", json.dumps({"schema_version": 1, "theme": "neon", "clinician_name": "Zoë"}))
    loaded = load_settings(user, site_paths=[], environ={})
    assert loaded.settings.theme == "light"
    assert loaded.settings.clinician_name == "Zoë"
    assert any("theme" in w for w in loaded.warnings)


def test_saved_file_is_versioned_and_round_trips(tmp_path: Path) -> None:
    user = tmp_path / "cfg" / "settings.json"
    original = Settings(clinician_name="A. Nurse", font_scale=1.25, theme="dark", live_classify=True)
    save_user_settings(user, original)
    assert json.loads(user.read_text())["schema_version"] == SCHEMA_VERSION
    assert load_settings(user, site_paths=[], environ={}).settings == original
    assert not list(user.parent.glob("*.tmp"))
