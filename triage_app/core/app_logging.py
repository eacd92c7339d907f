"""Logging to a rotating file in the app's log directory.

Policy: log messages are fixed strings plus ids, counts, timings and exception *types*.
Never complaint text, names or any other PHI. :class:`PhiGuardFilter` is a second line of
defence: it drops the formatted arguments of any record whose message is not a plain
string and strips exception messages (which can quote input) down to their type.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PhiGuardFilter(logging.Filter):
    """Replace exception text with its type, so tracebacks never quote patient text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} [{type(exc).__module__}.{type(exc).__name__}]"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Attach a rotating file handler (1 MB x 5) to the ``triage_app`` logger."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "triage_app.log"
    logger = logging.getLogger("triage_app")
    for handler in list(logger.handlers):
        if getattr(handler, "_triage_app", False):
            logger.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(PhiGuardFilter())
    handler._triage_app = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return log_file


__all__ = ["PhiGuardFilter", "configure_logging"]
