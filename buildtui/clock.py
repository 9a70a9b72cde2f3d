"""The date and time the app and the simulator agree on.

``BUILDTUI_TODAY=YYYY-MM-DD`` fixes "today" so that overdue flags and seeded
dates are stable in snapshot tests and benchmarks.
"""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    fixed = os.environ.get("BUILDTUI_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            pass
    return dt.date.today()
