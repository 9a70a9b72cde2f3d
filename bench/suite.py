"""The benchmark suite: what an operator feels, each figure beside its target, in one run.

    python bench/suite.py                 # all figures, 10,000 builds
    python bench/suite.py --only keys     # one figure: launch, open, keys, scan, idle, rss, api, refit, latency, long_list
    python bench/suite.py --quick         # tiny dataset and few rounds (the smoke test uses this)

The simulator runs in this process (its request log is read directly); the app runs as a real process in
a pseudo-terminal of 80x24, as on a floor terminal, and is measured from the bytes it writes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import textual  # noqa: E402

from bench.harness import PtyApp, admin_token, buildtui_argv  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402
from buildtui.simulator.seed import BIG_BUILD  # noqa: E402

MINIMAL = str(Path(__file__).resolve().parent / "minimal_app.py")
DOWN = b"\x1b[B"
ENTER = b"\r"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Bench:
    def __init__(self, builds: int, rounds: int) -> None:
        self.rounds = rounds
        self.samples = rounds * 20 if rounds > 1 else 8  # keys timed per figure (--quick: enough to print one)
        t = time.perf_counter()
        self.server = SimulatorServer(build_simulator(builds=builds)).start()
        self.seed_s = time.perf_counter() - t
        self.sim = self.server.sim
        self.url = self.server.url
        self.token = admin_token(self.url)
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Token {self.token}"})
        self.big = self.http.get("/api/build/", params={"reference": BIG_BUILD, "limit": 1}).json()["results"]
        self.rows: list[tuple[str, str, str]] = []

    def row(self, name: str, measured: str, target: str) -> None:
        self.rows.append((name, measured, target))
        print(f"  {name}: {measured}   (target {target})", flush=True)

    def app(self, *extra: str, env: dict[str, str] | None = None) -> PtyApp:
        return PtyApp(buildtui_argv(self.url, self.token, *extra), env=env)

    def requests_since(self, mark: int) -> list[str]:
        return [f"{m} {p}" for m, p in self.sim.log[mark:]]

    # 1 ------------------------------------------------------------------------------------------
    def launch(self) -> None:
        ours, ref = [], []
        for _ in range(self.rounds):
            a = self.app("--poll", "3600")
            ours.append(a.wait_for(b"BO-", timeout=60))
            a.close()
            m = PtyApp([sys.executable, MINIMAL])
            ref.append(m.wait_for(b"row 00", timeout=60))
            m.close()
        a_med, r_med = statistics.median(ours), statistics.median(ref)
        self.row(
            "1 launch to first build rows",
            f"{a_med * 1000:.0f} ms vs minimal DataTable app {r_med * 1000:.0f} ms = {a_med / r_med:.2f}x",
            "<= 1.5x",
        )
        # the same over a slow link: every answer 50 ms late (a floor terminal far from the server)
        slow = []
        self.sim.latency_ms = 50
        try:
            for _ in range(self.rounds):
                a = self.app("--poll", "3600")
                slow.append(a.wait_for(b"BO-", timeout=60))
                a.close()
        finally:
            self.sim.latency_ms = 0
        s_med = statistics.median(slow)
        self.row(
            "1b launch, server answering 50 ms late",
            f"{s_med * 1000:.0f} ms ({(s_med - a_med) * 1000:+.0f} ms for 50 ms of latency)",
            "-",
        )
        # the first action at once: Enter the moment the rows appear (httpx is still being loaded then)
        first = []
        for _ in range(self.rounds):
            a = self.app("--poll", "3600")
            a.wait_for(b"BO-", timeout=60)
            a.clear()
            a.send(ENTER)
            first.append(a.wait_for(b"Pick list", timeout=60))
            a.close()
        self.row(
            "1c Enter at the first rows to the build drawn",
            f"p50 {statistics.median(first) * 1000:.0f} ms "
            f"(launch to build: {(a_med + statistics.median(first)) * 1000:.0f} ms)",
            "-",
        )

    # 2 ------------------------------------------------------------------------------------------
    def open_build(self) -> None:
        from buildtui.api import InvenTreeClient
        from buildtui.state import Store
        from buildtui.state.build_detail import BuildDetailModel

        async def run() -> tuple[list[float], int, int, int]:
            client = InvenTreeClient(self.url, self.token)
            store = Store(client)
            times, requests, lines, allocs = [], 0, 0, 0
            for _ in range(max(self.rounds, 3)):
                model = BuildDetailModel(store, self.big[0]["pk"] if self.big else 3)
                before = client.request_count
                t = time.perf_counter()
                await model.refresh()
                times.append(time.perf_counter() - t)
                requests = client.request_count - before
                lines, allocs = len(model.lines), len(model.allocations)
            await client.aclose()
            return times, requests, lines, allocs

        times, requests, lines, allocs = asyncio.run(run())
        self.row(
            f"2 open a build ({lines} lines, {allocs} allocations)",
            f"p50 {statistics.median(times) * 1000:.0f} ms, {requests} requests",
            "< 1000 ms, <= 4 requests",
        )

    # 3 ------------------------------------------------------------------------------------------
    def keys(self) -> None:
        a = self.app("--poll", "3600")
        try:
            a.wait_for(b"BO-", timeout=60)
            a.settle()
            lat = [a.key_latency(DOWN) for _ in range(self.samples)]
            self.row(
                "3a key to update, build list (down arrow)",
                f"p50 {pct(lat, 50) * 1000:.1f} ms, p95 {pct(lat, 95) * 1000:.1f} ms",
                "p95 < 50 ms",
            )
            if self.big:
                a.send(BIG_BUILD.encode() + b"\r")  # typed as a scanner burst: opens the build
                a.wait_for(b"Component", timeout=30)
                a.settle(0.5)
                lat = [a.key_latency(DOWN) for _ in range(self.samples)]
                self.row(
                    "3b key to update, 200 build lines",
                    f"p50 {pct(lat, 50) * 1000:.1f} ms, p95 {pct(lat, 95) * 1000:.1f} ms",
                    "p95 < 50 ms",
                )
        finally:
            a.close()

    # 4 ------------------------------------------------------------------------------------------
    def scan(self) -> None:
        a = self.app("--poll", "3600")
        try:
            a.wait_for(b"BO-", timeout=60)
            a.settle()
            a.send(b"INV-BO11\r")  # a scanner burst: open the build
            a.wait_for(b"Engineering samples", timeout=30)
            a.settle(0.5)
            pcb = self.http.get("/api/stock/", params={"search": "PCB-SB-C", "in_stock": "true"}).json()
            times, counts = [], []
            for item in pcb[: max(1, min(self.rounds, len(pcb)))]:
                a.clear()
                mark = len(self.sim.log)
                t = time.perf_counter()
                a.send(f"INV-SI{item['pk']}\r".encode())
                a.wait_for(b"Allocated", timeout=30)
                times.append(time.perf_counter() - t)
                a.settle(0.3)
                counts.append(len(self.requests_since(mark)))
                a.send(b"\x1a")  # ctrl+z: undo, ready for the next round
                a.settle(0.5)
            self.row(
                "4 scan to allocation shown",
                f"p50 {statistics.median(times) * 1000:.0f} ms, {max(counts)} requests per scan",
                "< 150 ms, <= 3 requests",
            )
        finally:
            a.close()

    # 5 and 7 ------------------------------------------------------------------------------------
    def idle(self) -> None:
        interval = 2.0 if self.rounds > 1 else 1.0  # --quick (the smoke test): two refreshes of 1 s
        window = interval * (5 if self.rounds > 1 else 2) + 0.5
        a = self.app("--poll", str(interval))
        try:
            a.wait_for(b"BO-", timeout=60)
            a.settle(1.0)
            mark = len(self.sim.log)
            written = a.count_bytes(window)
            reqs = self.requests_since(mark)
            refreshes = max(1, int(window // interval))
            self.row(
                "5a idle requests, build list",
                f"{len(reqs)} in {window:.1f} s at a {interval:g} s interval "
                f"= {len(reqs) / refreshes:.1f} per refresh (1 table)",
                "1 per refresh per table",
            )
            self.row("7a bytes per unchanged refresh, build list", f"{written / refreshes:.0f} B", "close to 0")
            a.send(ENTER)
            a.wait_for(b"Lines", timeout=30)
            a.settle(1.0)
            mark = len(self.sim.log)
            written = a.count_bytes(window)
            reqs = self.requests_since(mark)
            self.row(
                "5b idle requests, build detail",
                f"{len(reqs)} in {window:.1f} s = "
                f"{len(reqs) / refreshes:.1f} per refresh (header + the visible tab: lines)",
                "1 per refresh per table",
            )
            self.row("7b bytes per unchanged refresh, build detail", f"{written / refreshes:.0f} B", "close to 0")
        finally:
            a.close()

    # 6 ------------------------------------------------------------------------------------------
    def rss(self) -> None:
        a = self.app("--poll", "3600")
        try:
            a.wait_for(b"BO-", timeout=60)
            a.settle()
            a.send(DOWN * 200)  # scroll: pages of 50 are fetched as the cursor moves
            a.settle(1.0)
            ours = a.peak_rss_mb()
        finally:
            a.close()
        m = PtyApp([sys.executable, MINIMAL])
        m.wait_for(b"row 00", timeout=60)
        m.settle()
        ref = m.peak_rss_mb()
        m.close()
        self.row(
            "6 peak RSS of the app (list scrolled 200 rows)",
            f"{ours:.0f} MB (minimal DataTable app {ref:.0f} MB)",
            "< 120 MB",
        )

    # simulator (issue 3) ---------------------------------------------------------------------------
    def api(self) -> None:
        cases: dict[str, tuple[str, dict[str, str | int]]] = {
            "/api/build/ 50 rows": ("/api/build/", {"limit": 50, "outstanding": "true"}),
            "/api/build/line/ 50 rows": (
                "/api/build/line/",
                {"build": self.big[0]["pk"] if self.big else 3, "limit": 50},
            ),
        }
        for name, (path, params) in cases.items():
            times = []
            for _ in range(self.rounds * 20):
                t = time.perf_counter()
                self.http.get(path, params=params).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
            self.row(f"simulator {name}", f"p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms", "p50 < 20 ms")

    # 9 ------------------------------------------------------------------------------------------
    def latency(self) -> None:
        """What a slow server costs: every answer delayed by 0, 300 and 1,200 ms (a Raspberry Pi, a busy or a
        remote server). Targets in round trips (RTT = the delay): first rows and an open build within
        2 RTT + 300 ms each, a scan allocated and shown within 3 RTT + 150 ms."""
        pcb = self.http.get("/api/stock/", params={"search": "PCB-SB-C", "in_stock": "true"}).json()
        for delay in (0, 300) if self.rounds == 1 else (0, 300, 1200):  # --quick: the smoke test
            self.sim.latency_ms = delay
            rtt = delay / 1000
            firsts, opens, scans, counts = [], [], [], {"first": 0, "open": 0, "scan": 0}
            try:
                for _ in range(max(1, self.rounds // 2)):
                    mark = len(self.sim.log)
                    a = self.app("--poll", "3600")
                    try:
                        firsts.append(a.wait_for(b"BO-", timeout=60))
                        a.settle(0.2)
                        counts["first"] = len(self.requests_since(mark))
                        a.clear()
                        mark = len(self.sim.log)
                        t = time.perf_counter()
                        a.send(ENTER)  # open the top row's build
                        a.wait_for(b"From ", timeout=60)  # its header, drawn with its lines in one read
                        opens.append(time.perf_counter() - t)
                        a.settle(0.3)
                        counts["open"] = len(self.requests_since(mark))
                        a.send(b"\x1b")  # back to the list, then to the build the scan goes to
                        a.settle(max(0.3, 2 * rtt))
                        a.send(b"INV-BO11\r")  # a scanner burst: open the build
                        a.wait_for(b"Engineering samples", timeout=60)
                        a.wait_for(b"PCB", timeout=60)
                        a.settle(max(0.5, 2 * rtt))
                        a.clear()
                        mark = len(self.sim.log)
                        t = time.perf_counter()
                        a.send(f"INV-SI{pcb[0]['pk']}\r".encode())
                        a.wait_for(b"Allocated", timeout=60)
                        scans.append(time.perf_counter() - t)
                        a.settle(0.3)
                        counts["scan"] = len(self.requests_since(mark))
                        a.send(b"\x1a")  # ctrl+z: undo, ready for the next round
                        a.settle(max(0.5, 3 * rtt))
                    finally:
                        a.close()
            finally:
                self.sim.latency_ms = 0
            f, o, sc = (statistics.median(x) * 1000 for x in (firsts, opens, scans))
            if delay == 1200:
                self._idle_when_slow(delay)
            self.row(
                f"9 server answering {delay} ms late: first rows / open build / scan shown",
                f"{f:.0f} ms, {counts['first']} req / {o:.0f} ms, {counts['open']} req / {sc:.0f} ms, "
                f"{counts['scan']} req",
                f"{2 * delay + 300} / {2 * delay + 300} / {3 * delay + 150} ms",
            )

    def _idle_when_slow(self, delay: int) -> None:
        """30 s idle on a build with a 5 s poll while every answer takes ``delay`` ms (issue 15: <= 30); --quick
        (the smoke test) idles 6 s with a 2 s poll, which shows the same pacing in a fifth of the time."""
        poll, window = (5, 30.0) if self.rounds > 1 else (2, 6.0)
        self.sim.latency_ms = delay
        a = self.app("--poll", str(poll))
        try:
            a.wait_for(b"BO-", timeout=60)
            a.send(b"INV-BO11\r")
            a.wait_for(b"Engineering samples", timeout=60)
            a.settle(2.0)
            mark = len(self.sim.log)
            a.count_bytes(window)
            reqs = self.requests_since(mark)
        finally:
            a.close()
            self.sim.latency_ms = 0
        self.row(
            f"9b idle {window:g} s on a build, {poll} s poll, answers {delay} ms late",
            f"{len(reqs)} requests ({len(reqs) // 2} polls of build + visible tab, each timed from the last answer)",
            f"<= {2 * window / poll:g}",
        )

    # 10 -----------------------------------------------------------------------------------------
    def long_list(self) -> None:
        """One poll of a long list the operator has scrolled through: every loaded row re-read (as before
        issue 15) against the page on screen (now)."""
        from buildtui.api import BuildQuery, InvenTreeClient
        from buildtui.state import BuildListModel, Store

        want = 1850 if self.rounds > 1 else 120

        async def run() -> tuple[int, list[float], list[int], list[float], list[int]]:
            client = InvenTreeClient(self.url, self.token)
            model = BuildListModel(Store(client), BuildQuery(outstanding=None))
            await model.reload()
            while len(model.rows) < want and model.has_more:
                await model.load_more()
            n = len(model.rows)
            whole_t, whole_b, window_t, window_b = [], [], [], []
            for _ in range(max(self.rounds, 3)):
                t = time.perf_counter()
                r = self.http.get("/api/build/", params={"limit": n, "offset": 0, "ordering": "-reference"})
                whole_t.append(time.perf_counter() - t)
                whole_b.append(len(r.content))
                mark = len(self.sim.log)
                t = time.perf_counter()
                await model.refresh(n - 20, n - 1)  # the bottom of the list is on screen
                window_t.append(time.perf_counter() - t)
                window_b.append(sum(1 for m, p in self.sim.log[mark:] if m == "GET"))
            await client.aclose()
            return n, whole_t, whole_b, window_t, window_b

        n, whole_t, whole_b, window_t, window_reqs = asyncio.run(run())
        self.row(
            f"10 one poll of a list scrolled to row {n:,}",
            f"page on screen: p50 {statistics.median(window_t) * 1000:.0f} ms, {max(window_reqs)} request(s) of "
            f"50 rows; every loaded row (before): p50 {statistics.median(whole_t) * 1000:.0f} ms, "
            f"{statistics.median(whole_b) / 1e6:.1f} MB",
            "1 request of one page",
        )

    # 8 ------------------------------------------------------------------------------------------
    def refit(self) -> None:
        """Re-fitting loaded rows to a new width (a resize, or a page whose columns change the fit)."""
        from rich.text import Text
        from textual.app import App, ComposeResult

        from buildtui.widgets.keyed_table import KeyedTable

        class One(App[None]):
            def compose(self) -> ComposeResult:
                table = KeyedTable()
                table.set_columns([("ref", "Reference"), ("part", "Part")])
                yield table

        async def run(n: int) -> float:
            app = One()
            async with app.run_test(size=(120, 40)) as pilot:
                table = app.query_one(KeyedTable)
                table.sync([(str(i), (Text(f"BO-{i:04d}"), Text("x" * (10 + i % 30)))) for i in range(n)])
                await pilot.pause()
                t = time.perf_counter()
                table.sync([(str(i), (Text(f"BO-{i:04d}"), Text("y" * (5 + i % 20)))) for i in range(n)])
                await pilot.pause()
                return (time.perf_counter() - t) * 1000

        n = 1000 if self.rounds > 1 else 100
        self.row(f"8 re-fit {n} loaded rows (every cell narrower)", f"{asyncio.run(run(n)):.0f} ms", "< 100 ms (ours)")


FIGURES: dict[str, Callable[[Bench], None]] = {
    "launch": Bench.launch,
    "open": Bench.open_build,
    "keys": Bench.keys,
    "scan": Bench.scan,
    "idle": Bench.idle,
    "rss": Bench.rss,
    "api": Bench.api,
    "refit": Bench.refit,
    "latency": Bench.latency,
    "long_list": Bench.long_list,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--builds", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", choices=sorted(FIGURES), action="append")
    ap.add_argument("--quick", action="store_true", help="50 builds, 1 round")
    args = ap.parse_args(argv)
    if args.quick:
        args.builds, args.rounds = 50, 1
    print(
        f"buildtui benchmarks · cpus={os.cpu_count()} · python {platform.python_version()} · "
        f"textual {textual.__version__} · {args.builds} extra builds",
        flush=True,
    )
    # as after `pip install .`, which byte-compiles the package: a checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module from source at each launch
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "buildtui"), quiet=1)
    from buildtui.simulator.db import Database
    from buildtui.simulator.seed import seed_demo

    seeds = []
    for _ in range(3):  # every test seeds a simulator: the demo data should take well under 0.2 s
        started = time.perf_counter()
        seed_demo(Database(":memory:"))
        seeds.append(time.perf_counter() - started)
    print(f"  (demo data seeded in {min(seeds) * 1000:.0f} ms, best of 3)", flush=True)
    bench = Bench(args.builds, args.rounds)
    print(f"  (simulator seeded in {bench.seed_s:.1f} s)", flush=True)
    try:
        for name in args.only or list(FIGURES):
            FIGURES[name](bench)
    finally:
        bench.server.stop()
    print("\n| figure | measured | target |\n|---|---|---|")
    for name, measured, target in bench.rows:
        print(f"| {name} | {measured} | {target} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
