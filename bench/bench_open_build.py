"""Open a build with 200 lines and 1,000 allocations through the state layer: time and request count.

python bench/bench_open_build.py [--builds 10000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import httpx  # noqa: E402

from buildtui.api import InvenTreeClient  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402
from buildtui.simulator.seed import BIG_BUILD  # noqa: E402
from buildtui.state import Store  # noqa: E402
from buildtui.state.build_detail import BuildDetailModel  # noqa: E402


async def run(url: str, token: str, pk: int, rounds: int) -> tuple[list[float], int, int, int]:
    client = InvenTreeClient(url, token)
    store = Store(client)
    times = []
    requests = 0
    lines = allocs = 0
    for _ in range(rounds):
        model = BuildDetailModel(store, pk)
        before = client.request_count
        t = time.perf_counter()
        await model.refresh()
        times.append((time.perf_counter() - t) * 1000)
        requests = client.request_count - before
        lines, allocs = len(model.lines), len(model.allocations)
    await client.aclose()
    return times, requests, lines, allocs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--builds", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    srv = SimulatorServer(build_simulator(builds=args.builds)).start()
    token = httpx.get(srv.url + "/api/user/token/", auth=("admin", "inventree")).json()["token"]
    pk = httpx.get(
        srv.url + "/api/build/",
        params={"reference": BIG_BUILD, "limit": 1},
        headers={"Authorization": f"Token {token}"},
    ).json()["results"][0]["pk"]
    times, requests, lines, allocs = asyncio.run(run(srv.url, token, pk, args.rounds))
    print(f"# open build: cpus={os.cpu_count()} python={platform.python_version()}")
    print(
        f"lines={lines} allocations={allocs} requests={requests} "
        f"p50={statistics.median(times):.0f} ms max={max(times):.0f} ms (target < 1000 ms, <= 4 requests)"
    )
    srv.stop()


if __name__ == "__main__":
    main()
