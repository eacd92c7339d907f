"""Triage Assistant launcher.

``python main.py``                 start the desktop app
``python main.py --cli ARGS...``   run the command line (same as ``triage-app ARGS...``)
``python main.py --self-test``     headless self-test for IT (exit code 0 = healthy)
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The packaged app ships two executables built from this file; the console one is the CLI.
    if getattr(sys, "frozen", False) and Path(sys.executable).stem.lower().startswith("triage-app"):
        from triage_app.cli import main as cli_main

        if "--self-test" in argv:
            argv = [*(a for a in argv if a != "--self-test"), "self-test"]
        return cli_main(argv)
    if argv[:1] == ["--cli"]:
        from triage_app.cli import main as cli_main

        return cli_main(argv[1:])
    if "--self-test" in argv:
        from triage_app.cli import main as cli_main

        rest = [a for a in argv if a != "--self-test"]
        return cli_main([*rest, "self-test"])
    if argv[:1] in (["--version"], ["-V"]):
        from triage_app.cli import main as cli_main

        return cli_main(["--version"])
    from triage_app.app import run_gui

    return run_gui(argv)


if __name__ == "__main__":
    sys.exit(main())
