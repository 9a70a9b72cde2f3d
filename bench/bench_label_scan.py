"""Scan to allocation shown, for supplier labels on a build: requests, round trips and ms, at 0 and 300 ms of
latency (issue 20). The app runs as a real process in an 80x24 pseudo-terminal against the in-process
simulator; each label is typed as a scanner burst (control characters as the bytes a wedge sends) on BO-0011,
timed until "Allocated" is drawn, then undone (ctrl+z) for the next round.

    python bench/bench_label_scan.py [--rounds 3] [--latency 0 300]

Round trips are counted from the simulator's request log: a request that arrives more than half the latency
after the one before it starts a new round trip (at 0 ms they cannot be told apart: only requests are given).
For comparison, the same for the stock item's own label (INV-SI8), the path of a linked supplier label.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PtyApp, admin_token, buildtui_argv  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402
from buildtui.simulator.seed_suppliers import DIGIKEY_MCU, LCSC_LED, MOUSER_MCU, without_controls  # noqa: E402

LABELS = {
    "Digi-Key ECIA label, control characters kept": DIGIKEY_MCU,
    "the same label from a wedge that drops them": without_controls(DIGIKEY_MCU),
    "Mouser label (the Digi-Key plugin claims it)": MOUSER_MCU,
    "LCSC QR": LCSC_LED + "\r",
    "stock item label INV-SI8 (a linked label's path)": "INV-SI8\r",
}


TOAST_S = 5.5  # Textual's notification timeout (App.NOTIFICATION_TIMEOUT, 5 s), and a little more


class TimedLog(list[tuple[str, str]]):
    """The simulator's request log, with the time each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, entry: tuple[str, str]) -> None:
        self.times.append(time.perf_counter())
        super().append(entry)


def round_trips(times: list[float], latency_s: float) -> int:
    if not times:
        return 0
    return 1 + sum(1 for a, b in zip(times, times[1:], strict=False) if b - a > latency_s / 2)


#: scans the app never resolved (no request reached the server): the burst was split by a stall of this
#: shared machine and its keys dropped as the rest of a scan (scan_detector.py); sent again, and counted
LOST: list[str] = []


def scan(app: PtyApp, sim: Any, code: str, needle: bytes = b"Allocated") -> tuple[float, int]:
    """Send ``code`` as a scanner burst and wait for ``needle``: (when it was sent, log mark)."""
    for attempt in range(2):
        app.clear()
        mark = len(sim.log)
        start = time.perf_counter()
        app.send(code.encode())
        try:
            app.wait_for(needle, timeout=20)
            return start, mark
        except TimeoutError:
            if len(sim.log) > mark or attempt:
                raise  # the server was asked: a real failure
            LOST.append(code[:12])
            app.settle(1.0)
    raise AssertionError("unreachable")


def measure(app: PtyApp, sim: Any, code: str, latency_ms: int, rounds: int) -> tuple[float, int, int, list[str]]:
    """Median ms, requests and round trips from sending the code to "Allocated" drawn; then undone."""
    rtt = latency_ms / 1000
    log: TimedLog = sim.log
    times, counts, trips, paths = [], [], [], []
    for _ in range(rounds):
        start, mark = scan(app, sim, code)
        times.append(time.perf_counter() - start)
        done = time.perf_counter()
        app.settle(max(0.3, 2 * rtt))
        shown = [i for i in range(mark, len(log)) if log.times[i] <= done]
        counts.append(len(shown))
        trips.append(round_trips([log.times[i] for i in shown], rtt) if latency_ms else 0)
        paths = [f"{log[i][0]} {log[i][1].split('?')[0]}" for i in shown]
        if b"Link this" in app.buffer:  # a label text not seen before (a burst split by a stall): not linked
            app.send(b"\x1b")
            app.settle(0.5)
        app.send(b"\x1a")  # ctrl+z: undo, ready for the next round
        app.settle(max(0.5, 3 * rtt))
        time.sleep(TOAST_S)  # until the toasts are gone: a redrawn old "Allocated" would end the next round early
        app.settle(0.2)
    return statistics.median(times) * 1000, max(counts), max(trips), paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--latency", type=int, nargs="+", default=[0, 300])
    args = ap.parse_args(argv)
    server = SimulatorServer(build_simulator()).start()
    sim = server.sim
    sim.log = TimedLog()
    token = admin_token(server.url)
    app = PtyApp(buildtui_argv(server.url, token, "--poll", "3600"))
    print(f"# supplier label to allocation shown, BO-0011, {args.rounds} rounds per figure")
    print(f"# cpus={os.cpu_count()} python={platform.python_version()}")
    try:
        app.wait_for(b"BO-", timeout=60)
        app.settle()
        app.send(b"INV-BO11\r")
        app.wait_for(b"Engineering samples", timeout=30)
        app.settle(0.5)
        for code in LABELS.values():  # once each, unmeasured: the link offer (asked once per label) declined
            if code.startswith("INV-"):
                continue
            scan(app, sim, code)
            app.settle(0.3)
            if b"Link this" in app.buffer:  # not for the wedge form: the same label, already offered
                app.send(b"\x1b")
                app.settle(0.5)
            app.send(b"\x1a")
            app.settle(0.5)
        time.sleep(TOAST_S)
        for latency in args.latency:
            sim.latency_ms = latency
            app.settle(max(0.5, 2 * latency / 1000))
            for name, code in LABELS.items():
                ms, requests, trips, paths = measure(app, sim, code, latency, args.rounds)
                rt = f", {trips} round trips" if latency else ""
                print(f"| {latency:>3} ms latency | {name:50} | {ms:6.0f} ms | {requests} requests{rt}")
                if latency == args.latency[0]:
                    print(f"|                |   {', '.join(paths)}")
            sim.latency_ms = 0
        if LOST:
            print(f"# {len(LOST)} scan(s) never reached the server (a burst split by a stall) and were sent again")
    finally:
        app.close()
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
