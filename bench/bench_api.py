"""Simulator latency: p50/p95 of a 50-row page of /api/build/ and /api/build/line/?build= with N builds.

python bench/bench_api.py [--builds 10000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402
from buildtui.simulator.seed import BIG_BUILD  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--builds", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sim = build_simulator(builds=args.builds)
    seed_s = time.perf_counter() - t0
    srv = SimulatorServer(sim).start()
    http = httpx.Client(base_url=srv.url, auth=("admin", "inventree"))
    token = http.get("/api/user/token/").json()["token"]
    http = httpx.Client(base_url=srv.url, headers={"Authorization": f"Token {token}"})
    big = http.get("/api/build/", params={"limit": 1, "reference": BIG_BUILD}).json()["results"][0]["pk"]
    cases: dict[str, tuple[str, dict[str, str | int]]] = {
        "GET /api/build/?limit=50 (outstanding)": ("/api/build/", {"limit": 50, "outstanding": "true"}),
        "GET /api/build/?limit=50&offset=5000": ("/api/build/", {"limit": 50, "offset": 5000}),
        "GET /api/build/line/?build=<3>&limit=50": ("/api/build/line/", {"build": 3, "limit": 50}),
        "GET /api/build/line/?build=<200 lines>&limit=50": ("/api/build/line/", {"build": big, "limit": 50}),
    }
    print(f"# simulator latency, {args.builds} extra builds (seeded in {seed_s:.1f} s), {args.rounds} rounds")
    print(f"# cpus={os.cpu_count()} python={platform.python_version()}")
    print(f"{'request':52} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (path, params) in cases.items():
        times = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            r = http.get(path, params=params)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        print(f"{name:52} {statistics.median(times):8.1f} {pct(times, 95):8.1f}")
    srv.stop()


if __name__ == "__main__":
    main()
