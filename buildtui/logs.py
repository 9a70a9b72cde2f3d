"""Logging to ``platformdirs.user_log_dir("buildtui")``, rotated, with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from typing import Any

from .paths import log_dir

_SECRET = re.compile(r"(?i)(token\s+|authorization:\s*\S+\s+|password[\"'=:\s]+|inv-)[A-Za-z0-9\-_.:+/=]{6,}")
_TOKEN_SHAPE = re.compile(r"inv-[0-9a-f]{12,}-\d{8}")


def redact(text: str) -> str:
    text = _TOKEN_SHAPE.sub("inv-***", text)
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class RedactingFormatter(logging.Formatter):
    """Redacts the whole record as written, the traceback of a logged exception included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates the log file, and each new one after a rotation, readable by its owner only."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def log_path() -> str:
    return str(log_dir() / "buildtui.log")


def setup_logging(level: int = logging.INFO) -> str:
    """Log to a private file (0600 in a 0700 folder): it names the server, builds and people."""
    directory = log_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        directory.chmod(0o700)
    except OSError:
        pass
    path = directory / "buildtui.log"
    handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    try:
        path.chmod(0o600)  # a file left by an older version
    except OSError:
        pass
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("buildtui")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs request URLs (never headers); keep it quiet and redacted too
    for name in ("httpx", "httpcore"):
        lg = logging.getLogger(name)
        lg.setLevel(logging.WARNING)
        lg.addHandler(handler)
    return str(path)
