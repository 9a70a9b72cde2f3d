"""The crash sweep's random variant: key sequences drawn from what the screen offers at each step, typed text
and scans, on a random seeded build, against the simulator over real HTTP at 80x24.

Fails on an unhandled exception, a "Something went wrong" notification or a logged traceback (tests/sweeping.py).
Bounded for CI: a fixed number of examples and steps, derandomised (the same sequences on every run), no
shrinking (each example is a whole app session; the failure message lists every step instead). About 35 s.
On the code before the fixes (01ef98e) it fails on its third example: "BO-0019 > scan 'BO-0006' > … > A",
the Select crash of auto-allocate on a build with no source location.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from buildtui.simulator import SimulatorServer, build_simulator
from tests.conftest import get_token, make_app
from tests.sweeping import Watch, offered, press, seeded_builds, settle, simulator_options

pytestmark = pytest.mark.sweep

BUILDS = seeded_builds()
#: CI runs 4 derandomised examples of 40 steps (~20 s); BUILDTUI_PROPERTY_EXAMPLES=50 explores further
EXAMPLES = int(os.environ.get("BUILDTUI_PROPERTY_EXAMPLES", "4"))
STEPS = 40
#: keys every screen has besides its bindings: moving between fields and rows, choosing, leaving
NAVIGATION = ["tab", "shift+tab", "up", "down", "enter", "space", "escape"]


def scan_codes() -> st.SearchStrategy[str]:
    """What a scanner may send in this workshop: builds, stock items, locations and parts by InvenTree's short
    form and JSON label, supplier labels, references typed as text, and garbage."""
    pks = st.integers(min_value=1, max_value=160)
    return st.one_of(
        st.sampled_from([ref for _, ref in BUILDS]),
        pks.map(lambda pk: f"INV-SI{pk}"),
        st.integers(min_value=1, max_value=14).map(lambda pk: f"INV-SL{pk}"),
        pks.map(lambda pk: f"INV-BO{pk % 40}"),
        pks.map(lambda pk: f'{{"stockitem": {pk}}}'),
        st.sampled_from(
            [
                "YAGEO-RC0603-10K-REEL-7",
                "DIGIKEY:ATMEGA328P-AU-ND:40",
                "LOC-FG",
                "MOUSER:PCB-PSU-A:30",
                "BO-9999",
                '{"stockitem": "x"}',
                '{"build": []}',
                "[)>\x1e06\x1d1PRC-0603\x1e\x04",
            ]
        ),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40),
    )


def typed_text() -> st.SearchStrategy[str]:
    """A few characters as an operator types them: digits, letters (shortcuts where no field has the focus),
    punctuation and the odd non-ASCII letter."""
    return st.text(st.sampled_from(list("0123456789.,-aAxXnNcC ~/é€")), min_size=1, max_size=5)


async def session(data: st.DataObject, server: SimulatorServer, watch_out: list[Watch]) -> int:
    app = make_app(server.url, get_token(server.url))
    watch = Watch(app)
    watch.window = 10_000  # a failure lists every step of the example: derandomised, it replays as listed
    watch_out.append(watch)
    pk, ref = data.draw(st.sampled_from(BUILDS), label="build")
    with watch.watching():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, watch)
            watch.trail = [ref]
            app.open_build(pk)
            await settle(pilot, watch)
            for _ in range(STEPS):
                kind = data.draw(st.sampled_from(["key", "key", "key", "key", "nav", "text", "scan"]), label="kind")
                if kind == "key":
                    keys = [key for key, _ in offered(app)]
                    if keys:
                        await press(pilot, watch, data.draw(st.sampled_from(keys), label="key"))
                elif kind == "nav":
                    await press(pilot, watch, data.draw(st.sampled_from(NAVIGATION), label="nav"))
                elif kind == "text":
                    for char in data.draw(typed_text(), label="text"):
                        await press(pilot, watch, char)
                else:
                    code = data.draw(scan_codes(), label="scan")
                    watch.trail.append(f"scan {code!r}")
                    app.scan(code)
                    await settle(pilot, watch)
    watch.check()
    return len(watch.timings)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_keys_text_and_scans_never_crash(data: st.DataObject) -> None:
    """Whatever mix of offered keys, navigation, typed text and scans an operator produces on any build, the app
    never ends with a traceback and never says that something went wrong."""
    server = SimulatorServer(build_simulator(**simulator_options(task_delay_s=0.05))).start()
    watches: list[Watch] = []
    started = time.perf_counter()
    try:
        presses = asyncio.run(session(data, server, watches))
    finally:
        server.stop()
    print(f"\n{watches[0].trail[0] if watches else '?'}: {presses} keys in {time.perf_counter() - started:.1f} s")
