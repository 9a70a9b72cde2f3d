"""The CPU work of a launch up to its first rows, counted in instructions: is a start-up change worth it?

    python bench/launch_work.py /tmp/before .        # checkouts holding a buildtui/ package

Each checkout, and the minimal DataTable app, runs under valgrind's callgrind until it writes its first rows to
the terminal (``bench/first_rows_exit.py`` ends the process there, where ``ab_launch.py`` stops its clock), and the instructions it executed are printed with
their ratio to the minimal app's. Counts repeat to within ~0.1% from run to run, busy machine or not, where
launch times on a shared two-CPU machine vary by 20% (``ab_launch.py``): a cut of 1% shows. The launch is
CPU-bound (the main thread waits 1-4 ms before its first rows), so less work is a sooner first screen; the
ratio of times, which also counts Python's own start and the terminal, runs below the ratio of work.

Needs valgrind (``apt install valgrind``); each launch takes ~20 s under it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PtyApp, admin_token, compiled_checkouts  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402

HERE = Path(__file__).resolve().parent
MINIMAL = "minimal"


def instructions(argv: list[str], env: dict[str, str], out: Path, timeout: float) -> int:
    """Run ``argv`` under callgrind in a pseudo-terminal until it exits; the instructions it executed."""
    app = PtyApp(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv], env=env)
    started = time.monotonic()
    while app.proc.poll() is None and time.monotonic() - started < timeout:
        app.settle(0.5, limit=1.0)  # keep reading: a full terminal would stall the program
    finished = app.proc.poll() is not None
    app.close()
    if not finished:
        raise TimeoutError(f"{argv[-1]} did not draw its first rows within {timeout:g} s under valgrind")
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise ValueError(f"no instruction count in {out}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkouts", nargs="+", help="folders holding a buildtui/ package")
    ap.add_argument("--builds", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=240)
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing measured")
        return 1
    roots = compiled_checkouts(args.checkouts)
    # the same hash seed for every run: set and dict orders, and so the work done, do not change between runs
    base_env = {"PYTHONHASHSEED": "0"}
    server = SimulatorServer(build_simulator(builds=args.builds)).start()
    counts: dict[str, int] = {}
    wrapper = str(HERE / "first_rows_exit.py")
    try:
        token = admin_token(server.url)
        with tempfile.TemporaryDirectory() as folder:
            for number, root in enumerate([MINIMAL, *roots]):
                out = Path(folder) / f"callgrind.{number}"
                if root == MINIMAL:
                    run = [sys.executable, wrapper, str(HERE / "minimal_app.py")]
                    env = {**base_env, "BENCH_EXIT_ON": "row 00"}
                else:
                    run = [sys.executable, wrapper, "-m", "buildtui", "--server", server.url, "--token", token]
                    run += ["--poll", "3600"]
                    env = {**base_env, "BENCH_EXIT_ON": "BO-", "PYTHONPATH": root}
                counts[root] = instructions(run, env, out, args.timeout)
                print(f"{root}: {counts[root] / 1e9:.3f} G instructions", flush=True)
    finally:
        server.stop()
    base = counts[MINIMAL]
    for root in roots:
        print(f"{root}: {counts[root] / base:.3f}x the minimal DataTable app's work to its first rows")
    return 0


if __name__ == "__main__":
    os.environ.pop("COLORTERM", None)
    raise SystemExit(main())
