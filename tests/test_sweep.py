"""The crash sweep: on every seeded build, every tab, every key the screen offers, every dialog cancelled and
submitted with its defaults, against the simulator over real HTTP at 80x24.

Fails on an unhandled exception (Textual ends the app), a "Something went wrong" notification, a traceback
in the log, a step that keeps the app busy for 20 s, or a screen that Esc does not close. The keys come from
the screen's active bindings (what the footer and the help screen offer), so a new key is swept without
touching this file. One test per build, each on its own freshly seeded simulator (writes of one build's
sweep never reach another's), so that they can run in parallel.

The CI sweep (the default) takes 14 builds such that every pair of shape values (``sweeping.build_shapes``: status,
source, destination, tracked part, outputs, tracked lines, lines short of stock) is on one of them
(``sweeping.every_pair_of_shapes``), and walks each kind of BOM line once, on the first of them that has it
(``kinds_swept_before``); ``test_the_ci_sweep_walks_every_kind_of_line`` checks that no kind of line is left out.
It took 190 s of CPU with one build of each of the 20 shapes. ``BUILDTUI_SWEEP=shapes`` one build of each shape;
``BUILDTUI_SWEEP=all`` every build, each walking all its kinds of line. Measured before the line kinds were
shared, all 31 builds took 270 s of CPU; ``BUILDTUI_SWEEP=full`` (every key on every tab, Enter as well as
ctrl+s) 670 s of CPU, 17 min. ``pytest -m "not sweep"`` leaves both sweeps out. Run on the code before the
fixes (01ef98e) the CI sweep fails on 15 builds, each with the Select crash of ``A`` on a build with no source
location (InvalidSelectValueError: Illegal select value False).
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator
from typing import NamedTuple

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from buildtui.api.models import BuildLine
from buildtui.app import BuildTUI
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import get_token, make_app
from tests.sweeping import (
    NEVER_SUBMITTED,
    Watch,
    back_to,
    every_pair_of_shapes,
    offered,
    one_of_each_shape,
    press,
    seeded_builds,
    settle,
    signature,
    simulator_options,
)

pytestmark = pytest.mark.sweep

#: BUILDTUI_SWEEP=full sweeps every key on every tab of every build and submits with Enter too; =all sweeps
#: every build at the CI level; =shapes one build of each shape (20 of the 31); the default (CI) every pair of
#: shape values (14 builds), at the CI level (see ``sweep_build``)
LEVEL = os.environ.get("BUILDTUI_SWEEP", "")
FULL = LEVEL == "full"
if LEVEL in ("full", "all"):
    BUILDS = seeded_builds()
elif LEVEL == "shapes":
    BUILDS = one_of_each_shape(seeded_builds())
else:
    BUILDS = every_pair_of_shapes(seeded_builds())
#: actions whose submission ends the build's working life: submitted last, after every other dialog
LAST = ("finish", "cancel_build")
SUBMITS = ("ctrl+s", "enter")


def build_actions() -> set[str]:
    """The actions the detail screen offers on every tab (issue, hold, finish, cancel): they act on the build,
    whatever row is selected, so the CI sweep opens their screens from the first tab only. Read from the app's
    footer plan (a plan moved or renamed fails here, rather than the sweep quietly covering less or more)."""
    from buildtui.screens.detail_view import FOOTER_PLAN

    plans = [{action for *_, action in plan} for plan in FOOTER_PLAN.values()]
    return set.intersection(*plans)


BUILD_ACTIONS = build_actions()


@pytest.fixture
def sweep_server() -> Iterator[SimulatorServer]:
    # background tasks answer after 50 ms instead of 0.7 s: the sweep submits dozens of them
    srv = SimulatorServer(build_simulator(**simulator_options(task_delay_s=0.05))).start()
    yield srv
    srv.stop()


def submits(screen: object) -> bool:
    """The screen has something to submit (a dialog's ctrl+s), unlike help, the scan log or a chooser."""
    bindings = getattr(screen, "active_bindings", {})
    return any(active.binding.action == "submit" for active in bindings.values())


def row_texts(table: object) -> list[str]:
    """The longer texts of the selected row of ``table`` (a part name, a serial): a screen showing one of them
    is about that row."""
    if not isinstance(table, DataTable) or table.row_count == 0:
        return []
    cells = table.get_row_at(table.cursor_row)
    texts = [str(c).strip() for c in cells]
    return [s for s in texts if len(s) >= 6 and any(ch.isalnum() for ch in s)]


def line_kind(ln: BuildLine) -> tuple[bool, ...]:
    """What sets a line apart for the screens about it: tracked, consumable, optional, fully or over-allocated,
    with no stock at all, with substitutes or variants allowed."""
    return (
        ln.trackable,
        ln.consumable,
        ln.optional,
        ln.fully_allocated,
        ln.over_allocated,
        ln.available_total <= 0,
        bool(ln.substitute_parts) or ln.allow_variants,
    )


def line_kinds(lines: list[BuildLine]) -> dict[tuple[bool, ...], int]:
    """The first line (pk) of each kind, in order."""
    kinds: dict[tuple[bool, ...], int] = {}
    for ln in lines:
        kinds.setdefault(line_kind(ln), ln.pk)
    return kinds


async def kinds_swept_before(app: BuildTUI, pk: int) -> set[tuple[bool, ...]]:
    """The line kinds the builds swept before ``pk`` start with (read from this test's own fresh server, which
    holds the same data theirs did): the CI sweep walks each kind of line once, on the first build that has it."""
    pks = [b for b, _ in BUILDS]
    seen: set[tuple[bool, ...]] = set()
    for other in pks[: pks.index(pk)]:
        seen.update(line_kinds(await app.client.list_lines(other)))
    return seen


class Case(NamedTuple):
    """A screen the sweep opened: from which tab, with which key, on which line (None: as selected)."""

    tab_key: str
    key: str
    action: str
    line: int | None = None


async def sweep_build(
    pilot: Pilot[None],
    watch: Watch,
    pk: int,
    ref: str,
    *,
    full: bool,
    app_keys: bool,
    kinds_done: Collection[tuple[bool, ...]] = (),
) -> dict[str, int]:
    """Every tab, every key, every dialog of build ``pk``; returns what was done, for the report.

    Both levels: every tab visited; on the first tab (lines) every key offered, and the screens about the
    selected line opened again on one line of each other kind (but the kinds in ``kinds_done``, walked on another
    build); every screen a key opens cancelled with Esc.
    ``full`` also: every key on every tab; every distinct screen submitted with ctrl+s and with Enter.
    Otherwise (CI): on each other tab with a row selected (where the selection changes what a key does: an
    allocation on the pick list, an output on the outputs tab) the keys that open a screen, but those acting on
    the build whatever the row (``BUILD_ACTIONS``: issue, hold, finish, cancel); each distinct
    screen of the first tab submitted with ctrl+s. ``app_keys``: the app's own keys too (help, scan field…).
    """
    app = pilot.app
    assert isinstance(app, BuildTUI)
    app.open_build(pk)
    await settle(pilot, watch)
    detail = app.screen
    assert isinstance(detail, BuildDetailScreen), f"{ref} did not open"
    assert detail.model is not None and detail.model.build is not None, f"{ref} did not load"
    tabs = [(key, action) for key, action in offered(app) if action.startswith("tab(")]
    assert tabs, "the detail screen offers no tab keys"
    opened: dict[tuple[str, ...], Case] = {}  # what a screen showed -> how it was opened
    submit_too: set[tuple[str, ...]] = set()  # the screens to submit (CI: the first tab's)
    screen_keys: set[str] = set()  # actions that opened a screen on the first tab
    counts = {"keys": 0, "dialogs": 0, "submits": 0, "tabs swept": 0, "active": int(detail.model.build.is_active)}

    async def try_key(case: Case, *, submit: bool) -> tuple[bool, bool]:
        """Press the case's key; a screen it opens is recorded and cancelled. (a screen opened, it was about
        the selected row)"""
        watch.trail = [ref, f"tab {case.tab_key}"] + ([f"line {case.line}"] if case.line else [])
        await press(pilot, watch, case.key)
        counts["keys"] += 1
        if app.screen is detail:
            return False, False
        counts["dialogs"] += 1
        watch.trail.append(type(app.screen).__name__)
        shown = signature(app.screen)
        opened.setdefault(shown, case)
        if submit and submits(app.screen):
            submit_too.add(shown)
        about = any(cell in " ".join(shown) for cell in row)
        await back_to(pilot, watch, detail, what=f"{case.key} on {ref}")
        return True, about

    # 1: on each tab, the keys offered there (re-read after each press: a write changes what is offered)
    for n, (tab_key, _) in enumerate(tabs):
        watch.trail = [ref]
        await press(pilot, watch, tab_key)
        table = app.focused
        selected = isinstance(table, DataTable) and table.row_count > 0
        if not (full or n == 0 or selected):
            continue
        counts["tabs swept"] += 1
        about_row: list[Case] = []  # keys whose screen is about the selected row
        done: set[str] = set()
        while todo := [
            (k, a)
            for k, a in offered(app, app_keys=app_keys and n == 0)
            if a not in done
            and not a.startswith("tab(")
            and (full or n == 0 or (a in screen_keys and a not in BUILD_ACTIONS))
        ]:
            key, action = todo[0]
            done.add(action)
            row = row_texts(app.focused)
            case = Case(tab_key, key, action)
            screen, about = await try_key(case, submit=full or n == 0)
            if about:
                about_row.append(case)
            if screen and n == 0:
                screen_keys.add(action)
        # the screens about the selected line, on one line of each other kind (a tracked line, a consumable one,
        # a fully or over-allocated one, one with no stock…): the lines differ in what these screens must handle
        if n == 0:
            first = detail.model.lines[0].pk if detail.model.lines else None
            for kind, line in line_kinds(detail.model.lines).items():
                if kind in kinds_done:
                    continue
                for case in about_row:
                    if line == first or case.action not in {a for _, a in offered(app)}:
                        continue  # the first line was swept above; the action is no longer offered
                    if not detail.query_one("#lines", KeyedTable).select_key(f"l{line}"):
                        continue  # hidden (only lines needing stock are shown)
                    row = row_texts(app.focused)
                    await try_key(case._replace(line=line), submit=full)

    # 2: the screens that submit something, opened again and submitted with their defaults; one submission per
    # distinct screen (the same dialog on two tabs is one case); the build's last acts (finish, cancel) after
    # everything else. The build is opened afresh first: marks, expanded lines and filters of step 1 gone.
    watch.trail = [ref, "escape"]
    await press(pilot, watch, "escape")
    app.open_build(pk)
    await settle(pilot, watch)
    detail = app.screen
    current_tab = tabs[0][0]  # a build opens on its first tab
    cases = [c for shown, c in opened.items() if shown in submit_too and c.action not in NEVER_SUBMITTED]
    for case in [c for c in cases if c.action not in LAST] + [c for c in cases if c.action in LAST]:
        for submit in SUBMITS if full else SUBMITS[:1]:
            if case.action not in {a for _, a in offered(app)}:
                break  # no longer offered (the build moved on): nothing to submit
            watch.trail = [ref, f"tab {case.tab_key}"]
            if case.tab_key != current_tab:
                await press(pilot, watch, case.tab_key)
                current_tab = case.tab_key
            if case.line and not detail.query_one("#lines", KeyedTable).select_key(f"l{case.line}"):
                break
            await press(pilot, watch, case.key)
            if app.screen is detail:
                continue
            watch.trail.append(type(app.screen).__name__)
            await press(pilot, watch, submit)
            counts["submits"] += 1
            await back_to(pilot, watch, detail, what=f"after {submit} in {case.key} on {ref}")

    # 3: Esc leaves the build for the list
    watch.trail = [ref, "escape"]
    await press(pilot, watch, "escape")
    assert app.screen is not detail, "Esc did not leave the build"
    return counts


@pytest.mark.parametrize("pk", [pk for pk, _ in BUILDS], ids=[ref for _, ref in BUILDS])
async def test_sweep_build(sweep_server: SimulatorServer, pk: int) -> None:
    """On this build, no key the footer or help offers, on any tab, and no dialog, cancelled or submitted with
    its defaults, ends the app, logs a traceback or tells the operator that something went wrong."""
    ref = dict(BUILDS)[pk]
    app = make_app(sweep_server.url, get_token(sweep_server.url))
    watch = Watch(app)
    started, cpu = time.perf_counter(), time.process_time()
    with watch.watching():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, watch)
            # the app's own keys do not depend on the build: on the first build only, unless sweeping fully
            done = set() if LEVEL in ("full", "all") else await kinds_swept_before(app, pk)
            counts = await sweep_build(
                pilot, watch, pk, ref, full=FULL, app_keys=FULL or pk == BUILDS[0][0], kinds_done=done
            )
    watch.check()
    print(
        f"\n{ref}: {counts} screens {sorted(watch.screens_seen)} in {time.perf_counter() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} s CPU)"
    )
    for took, where in sorted(watch.timings, reverse=True)[:8]:
        print(f"  {took:.2f} s  {where}")
    assert counts["keys"] >= 5 and (counts["dialogs"] >= 3 or not counts["active"]), counts


async def test_the_ci_sweep_walks_every_kind_of_line(sweep_server: SimulatorServer) -> None:
    """Every kind of BOM line on any seeded build (tracked, consumable, optional, short of stock, with
    substitutes...) is on one of the builds the sweep takes, so its screens are swept on it."""
    from buildtui.api import InvenTreeClient

    async with InvenTreeClient(sweep_server.url, get_token(sweep_server.url)) as client:
        every = {pk: set(line_kinds(await client.list_lines(pk))) for pk, _ in seeded_builds()}
    swept = set().union(*(every[pk] for pk, _ in BUILDS))
    left_out = set().union(*every.values()) - swept
    assert not left_out, f"kinds of line on no swept build: {sorted(left_out)}"


def test_only_the_build_level_keys_are_swept_from_one_tab() -> None:
    """The keys the sweep presses on the first tab only are those every tab offers for the build itself (issue,
    hold, finish, cancel, next tab, back); a line's or an output's action on every plan would be swept less."""
    assert BUILD_ACTIONS == {"issue", "hold", "finish", "cancel_build", "tab", "back"}


async def test_sweep_build_list(sweep_server: SimulatorServer) -> None:
    """On the build list, every key it offers (filters, sorts, search, go-to, help, scan field, scan log) and
    every screen they open, cancelled and submitted, leaves a working list."""
    app = make_app(sweep_server.url, get_token(sweep_server.url))
    watch = Watch(app)
    with watch.watching():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, watch)
            home = app.screen
            pressed = 0
            done: set[str] = set()
            while todo := [(k, a) for k, a in offered(app) if a not in done]:
                key, action = todo[0]
                done.add(action)
                watch.trail = ["list", key]
                await press(pilot, watch, key)
                pressed += 1
                if app.screen is home:
                    continue
                if not getattr(app.screen, "pk", None):  # a dialog or help: cancel it, then submit it
                    await back_to(pilot, watch, home, what=key)
                    for submit in SUBMITS if action not in NEVER_SUBMITTED else ():
                        await press(pilot, watch, key)
                        if app.screen is not home:
                            await press(pilot, watch, submit)
                            await back_to(pilot, watch, home, what=f"after {submit} in {key}")
                else:  # it opened a build (Enter): back to the list
                    await back_to(pilot, watch, home, what=key)
            assert pressed >= 8, pressed
    watch.check()


async def test_the_sweep_notices_every_kind_of_crash(sweep_server: SimulatorServer) -> None:
    """The sweep's detector fails on what an operator would see as a crash: "Something went wrong", a
    traceback in the log, an exception that ends the app, and the app gone."""
    import logging

    app = make_app(sweep_server.url, get_token(sweep_server.url))
    watch = Watch(app)
    with watch.watching():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, watch)
            watch.check()  # a working app passes
            app.unexpected("show the latest data")
            with pytest.raises(AssertionError, match="Something went wrong"):
                watch.check()
            watch.problems.clear()
            try:
                raise ValueError("a bug")
            except ValueError:
                logging.getLogger("buildtui.screens").exception("reading failed")
            with pytest.raises(AssertionError, match="ValueError: a bug"):
                watch.check()
            watch.problems.clear()
            app.call_later(lambda: 1 / 0)
            await pilot.pause()
            with pytest.raises(AssertionError, match="ZeroDivisionError"):
                watch.check()
            app._exception = None  # the app has ended; nothing left to re-raise
            with pytest.raises(AssertionError, match="the app exited"):
                watch.check()
