"""A 10-scan session on BO-0019, as tests/test_scan_session.py makes it: what it costs in requests and time.

    python bench/scan_session.py               # at 0 and 300 ms of latency, 3 rounds each
    python bench/scan_session.py --latency 0 300 1000 --rounds 5
    python bench/scan_session.py --quick       # one round at 0 ms (the smoke test uses this)

Ten scans (one refused: INV-SI5 was used up by BO-0001) and one undo (of the eighth scan, before the ninth),
then Esc and the summary. The simulator runs in this process (its request log is read directly); the app runs
headless in the same process (Textual's ``run_test``, 80x24) and scans reach it as the scanner detector hands
them on (``app.scan``), one after the other, each once the one before is shown: what an operator scanning at
full speed gets. Time per scan runs from the code to its line in the session's list (the tally re-read and
repainted); terminal rendering is not included (a few ms at 80x24, bench/suite.py measures it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BUILDTUI_TODAY", "2026-06-15")  # the tests' date: the same expiry decisions
os.environ.setdefault("BUILDTUI_CONFIG", "/nonexistent/buildtui-bench/config.toml")

import httpx  # noqa: E402

from buildtui.app import BuildTUI  # noqa: E402
from buildtui.config import Config  # noqa: E402
from buildtui.dialogs.info import InfoDialog  # noqa: E402
from buildtui.screens.build_detail import BuildDetailScreen  # noqa: E402
from buildtui.screens.scan_session import ScanSessionScreen  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402
from buildtui.widgets.keyed_table import KeyedTable  # noqa: E402

BUILD = 19
SESSION = [
    "INV-SI1",
    "INV-SI4",
    "INV-SI6",
    "INV-SI9",
    "INV-SI8",
    "INV-SI11",
    "INV-SI13",
    "INV-SI14",
    "INV-SI5",
    "INV-SI15",
]
UNDO_BEFORE = 8  # the eighth scan is undone before the ninth


async def until(done: Callable[[], bool], limit: float = 60.0) -> None:
    start = time.perf_counter()
    while not done():
        if time.perf_counter() - start > limit:
            raise TimeoutError("the session did not get there in time")
        await asyncio.sleep(0.002)


def kind(method: str, path: str) -> str:
    """A request as a kind: the method and the path without ids and query."""
    bare = path.split("?")[0]
    return f"{method} " + "/".join("<id>" if p.isdigit() else p for p in bare.split("/"))


@dataclass
class Result:
    times: list[float]  # each scan: from the code to its line in the session's list, s
    undo_s: float
    total_s: float
    requests: int  # the 10 scans and the undo
    after_end: int  # Esc, the summary and the build screen's re-read
    kinds: Counter[str]
    refused: int
    undone: int
    summary: str


async def one_session(server: SimulatorServer, token: str, latency_ms: float) -> Result:
    sim = server.sim
    sim.latency_ms = 0
    config = Config(server=server.url, token=token, poll_interval=3600, bell=False, scan_gap_ms=0)
    app = BuildTUI(config, save_token=False, server_label="bench")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: app.store.user is not None and not app.workers._workers)
        app.open_build(BUILD)
        await until(lambda: isinstance(app.screen, BuildDetailScreen) and app.screen.has_data())
        await pilot.press("s")
        await until(lambda: isinstance(app.screen, ScanSessionScreen))
        session = app.screen
        assert isinstance(session, ScanSessionScreen)
        sim.latency_ms = latency_ms
        mark = len(sim.log)
        times: list[float] = []
        undo_s = 0.0
        start = time.perf_counter()
        for n, code in enumerate(SESSION, start=1):
            if n == UNDO_BEFORE + 1:
                session.query_one("#session-scans", KeyedTable).select_key(str(UNDO_BEFORE))
                reads = session.detail.reads_done
                entry = session.session.scans[UNDO_BEFORE - 1]
                u = time.perf_counter()
                session.action_undo_selected()  # what u does (Pilot's own key press costs ~60 ms)
                # done when the allocation is gone on the server and the tally has been read again
                await until(lambda e=entry, r=reads: e.undone and session.detail.reads_done > r)  # type: ignore[misc]
                undo_s = time.perf_counter() - u
            t = time.perf_counter()
            app.scan(code)
            await until(lambda n=n: len(session.session.scans) >= n)  # type: ignore[misc]
            times.append(time.perf_counter() - t)
        total_s = time.perf_counter() - start
        scans_log = sim.log[mark:]
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, InfoDialog))
        ended = sim.log[mark:]
        summary = app.screen.body if isinstance(app.screen, InfoDialog) else ""
        sim.latency_ms = 0
    return Result(
        times=times,
        undo_s=undo_s,
        total_s=total_s,
        requests=len(scans_log),
        after_end=len(ended) - len(scans_log),
        kinds=Counter(kind(m, p) for m, p in scans_log),
        refused=sum(1 for e in session.session.scans if not e.ok),
        undone=sum(1 for e in session.session.scans if e.undone),
        summary=summary.splitlines()[0] if summary else "",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 300], help="ms added to every answer")
    parser.add_argument("--rounds", type=int, default=3, help="sessions per latency (a fresh simulator each)")
    parser.add_argument("--quick", action="store_true", help="one round at 0 ms")
    args = parser.parse_args()
    latencies = [0.0] if args.quick else args.latency
    rounds = 1 if args.quick else args.rounds
    print(f"# 10-scan session on BO-{BUILD:04d}: 9 allocated, 1 refused, 1 undo (python {sys.version.split()[0]})")
    print("| latency | requests (10 scans + 1 undo) | per scan p50 / max | undo | 10 scans + undo, total |")
    print("|---|---|---|---|---|")
    last: Result | None = None
    for latency in latencies:
        results: list[Result] = []
        for _ in range(rounds):
            server = SimulatorServer(build_simulator()).start()  # a fresh database: the same session each time
            try:
                token = httpx.get(server.url + "/api/user/token/", auth=("admin", "inventree")).json()["token"]
                results.append(asyncio.run(one_session(server, token, latency)))
            finally:
                server.stop()
        requests = sorted({r.requests for r in results})
        per_scan = [t for r in results for t in r.times]
        undo = statistics.median(r.undo_s for r in results)
        total = statistics.median(r.total_s for r in results)
        print(
            f"| {latency:g} ms | {'/'.join(str(n) for n in requests)} "
            f"| {statistics.median(per_scan) * 1000:.0f} / {max(per_scan) * 1000:.0f} ms "
            f"| {undo * 1000:.0f} ms | {total * 1000:.0f} ms |",
            flush=True,
        )
        last = results[-1]
    assert last is not None
    print()
    print(f"Requests of one session, by kind ({last.refused} refused, {last.undone} undone):")
    for name, count in sorted(last.kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:3d}  {name}")
    print(f"Ending it (Esc, summary): {last.after_end} request(s). Summary: {last.summary}")


if __name__ == "__main__":
    main()
