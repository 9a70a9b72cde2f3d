"""Launch time of two (or more) checkouts, side by side in one run: is a change to start-up worth it?

    git worktree add /tmp/before HEAD~1
    python bench/ab_launch.py /tmp/before .  --rounds 25

Each round launches every checkout and the minimal DataTable app once, in turn (so drift on a busy machine
hits all of them alike); medians and ratios are printed. Figure 1 of ``suite.py`` measures the same thing
for the current checkout only. Differences under ~5 ms are within this machine's noise at 25 rounds.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PtyApp  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402

MINIMAL = str(Path(__file__).resolve().parent / "minimal_app.py")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkouts", nargs="+", help="folders holding a buildtui/ package")
    ap.add_argument("--rounds", type=int, default=25)
    ap.add_argument("--builds", type=int, default=10000)
    args = ap.parse_args(argv)
    roots = [str(Path(c).resolve()) for c in args.checkouts]
    for root in roots:  # as installed: byte-compiled
        compileall.compile_dir(str(Path(root) / "buildtui"), quiet=1)
    server = SimulatorServer(build_simulator(builds=args.builds)).start()
    try:
        token = httpx.get(server.url + "/api/user/token/", auth=("admin", "inventree")).json()["token"]
        times: dict[str, list[float]] = {r: [] for r in roots}
        ref: list[float] = []
        for _ in range(args.rounds):
            for root in roots:
                app = PtyApp(
                    [sys.executable, "-m", "buildtui", "--server", server.url, "--token", token, "--poll", "3600"],
                    env={"PYTHONPATH": root},
                )
                times[root].append(app.wait_for(b"BO-", timeout=60))
                app.close()
            minimal = PtyApp([sys.executable, MINIMAL])
            ref.append(minimal.wait_for(b"row 00", timeout=60))
            minimal.close()
    finally:
        server.stop()
    base = statistics.median(ref)
    print(f"minimal DataTable app: {base * 1000:.0f} ms ({args.rounds} rounds)")
    for root in roots:
        med = statistics.median(times[root])
        # each round's own ratio (this checkout and the minimal app launched moments apart): a machine that slows
        # down and speeds up over the run moves both, so the median of these drifts less than a ratio of medians
        paired = statistics.median(t / r for t, r in zip(times[root], ref, strict=True))
        print(f"{root}: {med * 1000:.0f} ms = {med / base:.2f}x (median of the rounds' own ratios: {paired:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
