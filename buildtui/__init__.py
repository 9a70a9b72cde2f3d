"""buildtui: a keyboard-first terminal UI for InvenTree build orders."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client (click, rich.syntax, pygments: ~17 ms of start-up) whenever click
# is installed, as it is beside uvicorn; buildtui never runs it. A None entry makes that optional import
# fail at once, exactly as where click is missing (httpx then defines a stub ``httpx.main``).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
