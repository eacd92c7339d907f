"""One case end to end, with no Qt: intake → redact → classify → rules → result."""

from __future__ import annotations
