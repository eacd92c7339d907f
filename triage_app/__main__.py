"""``python -m triage_app`` runs the command line."""

from __future__ import annotations

import sys

from triage_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
