"""Training subcommands (``train``, ``evaluate``, ``corpus``), loaded by the CLI via importlib.

Each lives in its own module with ``register(subparsers)``; a module not written yet is
skipped, so this file never needs editing by the people who own those commands.
"""

from __future__ import annotations

import argparse
import importlib

TRAINING_COMMAND_MODULES: tuple[str, ...] = (
    "triage_app.training.corpus_cmd",
    "triage_app.training.train_cmd",
    "triage_app.training.evaluate_cmd",
    "triage_app.training.export_cmd",
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name in TRAINING_COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(subparsers)


__all__ = ["register"]
