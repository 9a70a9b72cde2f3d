"""A whole-build kit move through the state layer (state/kitting.py), at 0 and 300 ms of server latency: the
requests and the time to open the move (the allocations read afresh, the plan) and to carry it out (one
transfer, the kit location read once, the re-points, the build read again).

BO-0029 as the tests use it: one item moving whole and three split (one of them a reel also allocated to
BO-0022). ``--big`` adds the 1,000-allocation build (BO-0032 with ``--builds``), every allocation a split.

python bench/bench_kitting.py [--latency 0 300] [--rounds 3] [--big]
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
from buildtui.rules.kitting import Move  # noqa: E402
from buildtui.simulator import SimulatorServer, build_simulator  # noqa: E402
from buildtui.simulator.seed import BIG_BUILD  # noqa: E402
from buildtui.state import Store  # noqa: E402
from buildtui.state.actions import BuildActions  # noqa: E402
from buildtui.state.build_detail import BuildDetailModel  # noqa: E402
from buildtui.state.kitting import Kitting  # noqa: E402

KIT = 6  # Production/Line 1


def prepare_bo29(url: str) -> int:
    """BO-0029's PCB allocation moved onto an item of its own quantity (so one item moves whole)."""
    http = httpx.Client(base_url=url, auth=("admin", "inventree"))
    assert http.post("/api/stock/transfer/", json={"items": [{"pk": 117, "quantity": 1}], "location": 4}).status_code
    pcb = http.get("/api/stock/", params={"ancestor": 117}).json()[0]["pk"]
    assert http.patch("/api/build/item/14/", json={"stock_item": pcb}).status_code == 200
    return 29


async def kit_once(url: str, token: str, pk: int) -> dict[str, float]:
    client = InvenTreeClient(url, token)
    store = Store(client)
    model = BuildDetailModel(store, pk)
    await store.bootstrap()
    await model.refresh()  # the screen is open: what follows is the kit move alone
    kitting = Kitting(BuildActions(model))
    before, t = client.request_count, time.perf_counter()
    allocations = await kitting.read()
    plan = kitting.plan(allocations, KIT, None)
    opened_ms, opened_req = (time.perf_counter() - t) * 1000, client.request_count - before
    before, t = client.request_count, time.perf_counter()
    outcome = await kitting.move(plan, "bench")
    moved_ms, moved_req = (time.perf_counter() - t) * 1000, client.request_count - before
    result = outcome.value
    assert result is not None and not result.left, outcome.message
    await client.aclose()
    return {
        "open_ms": opened_ms,
        "open_req": opened_req,
        "move_ms": moved_ms,
        "move_req": moved_req,
        "allocations": plan.allocation_count,
        "whole": len(plan.of(Move.WHOLE)),
        "split": len(plan.of(Move.SPLIT)),
    }


def run(latency: float, rounds: int, big: bool) -> list[dict[str, float]]:
    out = []
    for _ in range(rounds):  # a fresh server each round: a kit moves once
        srv = SimulatorServer(build_simulator(builds=40 if big else 0, latency_ms=latency)).start()
        token = httpx.get(srv.url + "/api/user/token/", auth=("admin", "inventree")).json()["token"]
        if big:
            found = httpx.get(
                srv.url + "/api/build/",
                params={"reference": BIG_BUILD, "limit": 1},
                headers={"Authorization": f"Token {token}"},
            ).json()
            pk = found["results"][0]["pk"]
        else:
            pk = prepare_bo29(srv.url)
        out.append(asyncio.run(kit_once(srv.url, token, pk)))
        srv.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, nargs="+", default=[0.0, 300.0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big", action="store_true", help="the 1,000-allocation build instead of BO-0029")
    args = ap.parse_args()
    print(f"# kit move: cpus={os.cpu_count()} python={platform.python_version()}")
    for latency in args.latency:
        got = run(latency, args.rounds, args.big)
        first = got[0]
        what = f"{BIG_BUILD if args.big else 'BO-0029'}: {first['allocations']:.0f} allocations"
        what += f", {first['whole']:.0f} whole + {first['split']:.0f} split"
        print(
            f"| kit move | {what} | latency {latency:.0f} ms | open: {first['open_req']:.0f} requests, "
            f"p50 {statistics.median(r['open_ms'] for r in got):.0f} ms | move: {first['move_req']:.0f} requests, "
            f"p50 {statistics.median(r['move_ms'] for r in got):.0f} ms (max {max(r['move_ms'] for r in got):.0f}) |"
        )


if __name__ == "__main__":
    main()
