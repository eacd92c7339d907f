"""Offline by construction: switch off every model-hub download before transformers loads."""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Set the offline environment variables. Call before importing transformers."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


__all__ = ["OFFLINE_ENV", "enforce_offline"]
