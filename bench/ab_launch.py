"""Launch time of two (or more) checkouts, side by side in one run: is a change to start-up worth it?

    git worktree add /tmp/before HEAD~1
    python bench/ab_launch.py /tmp/before .  --rounds 25

Each round launches every checkout and the minimal DataTable app once, in an order drawn anew each round (so
drift on a busy machine, and whatever a launch leaves behind for the next, fall on all of them alike); medians
and ratios are printed, and each checkout's round-by-round difference against the first. Figure 1 of
``suite.py`` measures the same thing for the current checkout only. On a quiet machine differences under ~5 ms
are noise at 25 rounds; on a shared one the medians move by 20 ms from run to run, and the round-by-round
difference is the figure to read (``launch_work.py`` counts the work itself, free of that noise).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PtyApp, admin_token, compiled_checkouts  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402

MINIMAL = str(Path(__file__).resolve().parent / "minimal_app.py")


def interval(values: list[float], draws: int = 2000) -> tuple[float, float]:
    """A 95% interval of the median of ``values`` (bootstrap: the median of as many values drawn again)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(draws))
    return medians[int(draws * 0.025)], medians[int(draws * 0.975) - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkouts", nargs="+", help="folders holding a buildtui/ package")
    ap.add_argument("--rounds", type=int, default=25)
    ap.add_argument("--builds", type=int, default=10000)
    args = ap.parse_args(argv)
    roots = compiled_checkouts(args.checkouts)
    server = SimulatorServer(build_simulator(builds=args.builds)).start()
    try:
        token = admin_token(server.url)
        times: dict[str, list[float]] = {r: [] for r in roots}
        cpu: dict[str, list[float]] = {r: [] for r in roots}
        ref: list[float] = []
        ref_cpu: list[float] = []
        runs = [*roots, MINIMAL]
        for number in range(args.rounds):
            # a new order each round: whatever a launch leaves behind for the next (its teardown, the server
            # closing its connections) falls on each checkout alike (a turning order kept who came after whom)
            order = list(runs)
            random.Random(number).shuffle(order)
            for root in order:
                if root == MINIMAL:
                    minimal = PtyApp([sys.executable, MINIMAL])
                    ref.append(minimal.wait_for(b"row 00", timeout=60))
                    ref_cpu.append(minimal.cpu_seconds())
                    minimal.close()
                    continue
                app = PtyApp(
                    [sys.executable, "-m", "buildtui", "--server", server.url, "--token", token, "--poll", "3600"],
                    env={"PYTHONPATH": root},
                    # run in the checkout: `python -m` puts the working folder first on sys.path, so launched from
                    # another checkout every "checkout" ran that one's code (all runs before this fix did)
                    cwd=root,
                )
                times[root].append(app.wait_for(b"BO-", timeout=60))
                cpu[root].append(app.cpu_seconds())
                app.close()
    finally:
        server.stop()
    base = statistics.median(ref)
    base_cpu = statistics.median(ref_cpu)
    print(f"minimal DataTable app: {base * 1000:.0f} ms, CPU {base_cpu * 1000:.0f} ms ({args.rounds} rounds)")
    for root in roots:
        med = statistics.median(times[root])
        # each round's own ratio (this checkout and the minimal app launched moments apart): a machine that slows
        # down and speeds up over the run moves both, so the median of these drifts less than a ratio of medians
        paired = statistics.median(t / r for t, r in zip(times[root], ref, strict=True))
        print(f"{root}: {med * 1000:.0f} ms = {med / base:.2f}x (median of the rounds' own ratios: {paired:.2f}x)")
        used = statistics.median(cpu[root])
        print(f"    CPU to the first rows: {used * 1000:.0f} ms = {used / base_cpu:.2f}x the minimal app's")
        if root != roots[0]:
            # launched moments apart in each round: the difference of the pair drifts far less than either time
            diffs = [t - f for t, f in zip(times[root], times[roots[0]], strict=True)]
            low, high = interval(diffs)
            print(
                f"    against {roots[0]}, round by round: {statistics.median(diffs) * 1000:+.0f} ms "
                f"(95% interval of the median {low * 1000:+.0f} to {high * 1000:+.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
