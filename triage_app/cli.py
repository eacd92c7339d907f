"""Command line: ``triage-app``, ``python -m triage_app`` and ``python main.py --cli``.

Each subcommand lives in its own module under :mod:`triage_app.commands` (runtime) or
:mod:`triage_app.training.commands` (training; loaded with importlib only when a
training command is asked for, so the runtime never imports ``training/``). A command
module defines ``register(subparsers) -> None`` which adds a parser whose default
``func(args, ctx) -> int`` runs it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from triage_app import __version__
from triage_app.core.app_logging import configure_logging
from triage_app.core.errors import TriageError
from triage_app.core.offline import enforce_offline
from triage_app.core.paths import AppPaths, resolve_paths, use_private_tempdir
from triage_app.core.settings import LoadedSettings, load_settings, load_site_config

log = logging.getLogger(__name__)

#: Runtime command modules, in help order. A module that does not exist yet is skipped.
RUNTIME_COMMANDS: tuple[str, ...] = (
    "triage_app.commands.classify_cmd",
    "triage_app.commands.explain_cmd",
    "triage_app.commands.redact_cmd",
    "triage_app.commands.cases_cmd",
    "triage_app.commands.audit_cmd",
    "triage_app.commands.keys_cmd",
    "triage_app.commands.report_cmd",
    "triage_app.commands.info_cmd",
    "triage_app.commands.self_test_cmd",
)
#: Training commands (not bundled in the packaged app).
TRAINING_COMMANDS: tuple[str, ...] = ("triage_app.training.commands",)


@dataclass
class CliContext:
    """What every command gets: resolved paths and settings."""

    paths: AppPaths
    loaded: LoadedSettings

    @property
    def settings(self) -> Any:
        return self.loaded.settings


def _load_command_modules(names: Sequence[str]) -> list[Any]:
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            # Only skip a command whose own module is absent (e.g. training/ excluded from
            # the packaged app); a missing dependency inside it is a real error.
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-app",
        description="Triage Assistant: offline acuity suggestions for clinicians. "
        "Decision support only; the clinician decides.",
    )
    parser.add_argument("--version", action="version", version=f"triage-app {__version__}")
    parser.add_argument(
        "--data-dir",
        help="Folder for everything the app writes (store, logs, settings, temp). "
        "Also TRIAGE_APP_DATA_DIR. Default: the per-user data directory.",
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="Inference device (overrides settings).")
    parser.add_argument("--model", dest="model_dir", help="Model bundle folder (overrides settings).")
    parser.add_argument("-v", "--verbose", action="store_true", help="Log debug messages (never PHI).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_command_modules(RUNTIME_COMMANDS + TRAINING_COMMANDS):
        module.register(sub)
    return parser


def make_context(args: argparse.Namespace) -> CliContext:
    site_values, _ = load_site_config()
    paths = resolve_paths(args.data_dir, site_values.get("data_dir") or None).ensure()
    use_private_tempdir(paths)
    configure_logging(paths.log_dir, logging.DEBUG if getattr(args, "verbose", False) else logging.INFO)
    loaded = load_settings(
        paths.settings_path,
        overrides={"device": getattr(args, "device", None), "model_dir": getattr(args, "model_dir", None)},
    )
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return CliContext(paths=paths, loaded=loaded)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point. Returns the process exit code."""
    enforce_offline()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        ctx = make_context(args)
        log.info("command %s started", args.command)
        code = int(args.func(args, ctx) or 0)
        log.info("command %s finished with exit code %d", args.command, code)
        return code
    except TriageError as exc:
        log.error("command %s failed: %s", args.command, type(exc).__name__)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["CliContext", "build_parser", "main"]


if __name__ == "__main__":
    sys.exit(main())
