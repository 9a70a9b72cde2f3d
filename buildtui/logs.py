"""Logging to ``platformdirs.user_log_dir("buildtui")``, rotated, with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import re

from .paths import log_dir

_SECRET = re.compile(r"(?i)(token\s+|authorization:\s*\S+\s+|password[\"'=:\s]+|inv-)[A-Za-z0-9\-_.:+/=]{6,}")
_TOKEN_SHAPE = re.compile(r"inv-[0-9a-f]{12,}-\d{8}")


def redact(text: str) -> str:
    text = _TOKEN_SHAPE.sub("inv-***", text)
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def setup_logging(level: int = logging.INFO) -> str:
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "buildtui.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
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
