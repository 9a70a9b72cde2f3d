"""Run buildtui as ``python -m buildtui`` does, and end the process the moment its first rows are drawn (with
``BENCH_EXIT_AT_FIRST_ROWS=1``): what ``launch_work.py`` counts, and nothing after."""

from __future__ import annotations

import os
import sys

from buildtui import startup
from buildtui.cli import main

if os.environ.get("BENCH_EXIT_AT_FIRST_ROWS") == "1":
    # the app calls this once the first rows are on screen (BuildListScreen, after the refresh that drew them)
    def _exit_now() -> None:
        os._exit(0)

    startup.resume_collector = _exit_now

if __name__ == "__main__":
    sys.argv[0] = "buildtui"
    main()
