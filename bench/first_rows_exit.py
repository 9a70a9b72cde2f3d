"""Run a program and end it the moment it first writes ``BENCH_EXIT_ON`` to the terminal (``launch_work.py``):
the work up to the first frame with rows, and nothing after. As ab_launch.py watches the terminal for the same
text, the count stops where its clock stops.

    BENCH_EXIT_ON=BO- python bench/first_rows_exit.py -m buildtui --server URL --token T
    BENCH_EXIT_ON="row 00" python bench/first_rows_exit.py bench/minimal_app.py
"""

from __future__ import annotations

import os
import runpy
import sys

from textual.drivers.linux_driver import LinuxDriver

NEEDLE = os.environ.get("BENCH_EXIT_ON", "")
_write = LinuxDriver.write


def _write_then_exit(self: LinuxDriver, data: str) -> None:
    if NEEDLE and NEEDLE in data:
        os._exit(0)
    _write(self, data)


LinuxDriver.write = _write_then_exit  # type: ignore[method-assign]

if __name__ == "__main__":
    if sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [module, *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
