"""What the crash sweeps share (tests/test_sweep.py, tests/test_sweep_property.py).

An app watched for what an operator would see as a crash: an unhandled exception (Textual then ends the
app), a "Something went wrong" notification, or a traceback logged by a handler that caught a bug. The keys a
screen offers are read from its active bindings (what the footer and the help screen list), never from a
list kept here. Written against what every version of the app has had since the first commit, so that the
same file runs on older code (the sweep was proved on the code before the fixes).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.worker import Worker

#: actions never pressed: they end the app (quit) or leave the screen under test (back: pressed last)
NEVER = {"quit", "back"}
#: screens opened and cancelled but never submitted: the command palette's Enter runs whichever of the
#: app's commands happens to be first (quit, say), which is no default of anything
NEVER_SUBMITTED = {"command_palette"}
#: how long one step may keep the app busy before the sweep calls it a hang
STEP_LIMIT_S = 20.0


def quick_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot waits for "idle" (the process's CPU time not advancing) in steps of 20 ms, twice a key, up to 1 s
    while a simulator thread or a timer keeps the process busy. Steps of 4 ms measure the same thing, sooner
    (conftest sets this for every test)."""
    import textual._wait

    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", 0.004)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", 0.0004)


def simulator_options(**kw: Any) -> dict[str, Any]:
    """Keyword arguments for ``build_simulator`` that this version of it takes (older code lacks some)."""
    from buildtui.simulator import build_simulator

    taken = inspect.signature(build_simulator).parameters
    return {k: v for k, v in kw.items() if k in taken}


@functools.cache
def build_shapes() -> dict[int, tuple[object, ...]]:
    """Each seeded build's shape, in what changes what the keys and dialogs must handle: its status, whether it
    has a source and a destination, a tracked part, how many outputs in production (none, one, several), tracked
    lines, and lines over-allocated or with no stock at all. (Each swept build also walks one line of each kind.)"""
    from buildtui.simulator.db import Database
    from buildtui.simulator.seed import seed_demo

    db = Database(":memory:")
    seed_demo(db)
    shapes: dict[int, tuple[object, ...]] = {}
    for b in db.all("SELECT b.*, p.trackable FROM build b JOIN part p ON p.id = b.part ORDER BY b.id"):
        outputs = int(db.scalar("SELECT COUNT(*) FROM stock WHERE build = ? AND is_building = 1", (b["id"],)))
        lines = db.all(
            "SELECT bl.id, bl.quantity, b.optional, b.consumable, p.trackable,"
            " (SELECT COALESCE(SUM(quantity), 0) FROM build_item WHERE build_line = bl.id) AS allocated,"
            " (SELECT COALESCE(SUM(quantity), 0) FROM stock WHERE part = b.sub_part) AS stock,"
            " (SELECT COUNT(*) FROM bom_substitute WHERE bom_item = b.id) + b.allow_variants AS alternatives"
            " FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item JOIN part p ON p.id = b.sub_part"
            " WHERE bl.build = ?",
            (b["id"],),
        )
        shapes[int(b["id"])] = (
            b["status"],
            b["take_from"] is None,
            b["destination"] is None,
            bool(b["trackable"]),
            min(outputs, 2),
            any(ln["trackable"] for ln in lines),
            any(ln["allocated"] > ln["quantity"] or ln["stock"] <= 0 for ln in lines),
        )
    return shapes


def one_of_each_shape(builds: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The first build of each shape (``build_shapes``): what the CI sweep covers; the others repeat a shape."""
    shapes = build_shapes()
    seen: set[tuple[object, ...]] = set()
    chosen = []
    for pk, ref in builds:
        if shapes[pk] not in seen:
            seen.add(shapes[pk])
            chosen.append((pk, ref))
    return chosen


def every_pair_of_shapes(builds: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The CI sweep's builds: a few of those of each shape (``one_of_each_shape``) such that every pair of shape
    values is on at least one of them (a build on hold with no source location, a tracked part with several
    outputs, no destination and lines short of stock...): pairwise coverage, the usual way to cover a space of
    combinations with few cases. Chosen greedily (the build covering the most pairs not yet covered, the first
    of equals), so the choice is the same on every run: 14 of the 20 shapes of the demo data."""
    from itertools import combinations

    shapes = build_shapes()

    def pairs(pk: int) -> set[tuple[int, object, int, object]]:
        shape = shapes[pk]
        return {(i, shape[i], j, shape[j]) for i, j in combinations(range(len(shape)), 2)}

    candidates = one_of_each_shape(builds)
    left = set().union(*(pairs(pk) for pk, _ in candidates))
    chosen: list[tuple[int, str]] = []
    while left:
        best = max(candidates, key=lambda build: len(pairs(build[0]) & left))
        chosen.append(best)
        candidates.remove(best)
        left -= pairs(best[0])
    return sorted(chosen)


def seeded_builds() -> list[tuple[int, str]]:
    """(pk, reference) of every build the demo seeds, read from a freshly seeded database (~50 ms)."""
    from buildtui.simulator.db import Database
    from buildtui.simulator.seed import seed_demo

    db = Database(":memory:")
    seed_demo(db)
    return [(int(r["id"]), str(r["reference"])) for r in db.all("SELECT id, reference FROM build ORDER BY id")]


class _Tracebacks(logging.Handler):
    def __init__(self, watch: Watch) -> None:
        super().__init__(logging.ERROR)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            self.watch.problems.append(f"traceback logged ({record.getMessage()}):\n{text}")


class Watch:
    """Records every notification and logged traceback of ``app``; ``check()`` fails on a crash."""

    # Any, not App: the watch replaces the app's notify method and reads private state that older versions of
    # the app (which this file also runs on) may lack
    def __init__(self, app: Any) -> None:
        self.app = app
        self.trail: list[str] = []
        self.problems: list[str] = []
        self.notes: list[tuple[str, str, str]] = []
        self.screens_seen: set[str] = set()
        self.timings: list[tuple[float, str]] = []  # (seconds, where) of every key pressed
        self.window = 12  # how many of the last steps a failure names
        notify = app.notify

        def recording(
            message: Any, *, title: str = "", severity: str = "information", timeout: Any = None, markup: bool = True
        ) -> None:
            self.notes.append((str(title), str(message), str(severity)))
            if "Something went wrong" in str(message) or title == "Unexpected error":
                self.problems.append(f"notification {title!r}: {message}")
            notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

        app.notify = recording
        self._handler = _Tracebacks(self)

    @contextmanager
    def watching(self) -> Iterator[Watch]:
        logger = logging.getLogger("buildtui")
        logger.addHandler(self._handler)
        try:
            yield self
        finally:
            logger.removeHandler(self._handler)

    def where(self) -> str:
        return " > ".join(self.trail[-self.window :])

    def check(self) -> None:
        exc = self.app._exception
        if exc is not None:
            text = "".join(traceback.format_exception(exc))
            raise AssertionError(f"unhandled exception after: {self.where()}\n{text}")
        if getattr(self.app, "_exit", False) or self.app._exit_renderables or self.app.return_code not in (None, 0):
            raise AssertionError(f"the app exited after: {self.where()}")
        if self.problems:
            raise AssertionError(f"after: {self.where()}\n" + "\n".join(self.problems))


def _in_screen(worker: Worker[Any], screen: Screen[Any]) -> bool:
    node = worker.node
    return node is screen or getattr(node, "screen", None) is screen


async def settle(pilot: Pilot[Any], watch: Watch, limit: float = STEP_LIMIT_S) -> None:
    """Wait until the app has done what the last key asked: its workers finished, or, while a dialog is on
    top, the dialog's own workers (a worker waiting for the operator's choice in that dialog never ends)."""
    app = pilot.app
    await pilot.pause()
    deadline = time.monotonic() + limit
    while True:
        watch.check()
        top = app.screen
        running = [w for w in app.workers if not w.is_finished]
        if isinstance(top, ModalScreen):
            running = [w for w in running if _in_screen(w, top)]
        if not running:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"still busy after {limit:.0f} s: {[w.name for w in running]} after: {watch.where()}")
        await asyncio.sleep(0.005)
    await pilot.pause()
    watch.check()


async def press(pilot: Pilot[Any], watch: Watch, key: str) -> None:
    watch.trail.append(key)
    started = time.perf_counter()
    await pilot.press(key)
    await settle(pilot, watch)
    watch.timings.append((time.perf_counter() - started, watch.where()))
    watch.screens_seen.add(type(pilot.app.screen).__name__)


def signature(screen: Screen[Any]) -> tuple[str, ...]:
    """What a screen shows (its texts, field values, table sizes): two openings that look the same are one
    case to submit, not two."""
    from textual.widgets import DataTable, Input, Select, Static

    parts = [type(screen).__name__]
    for widget in screen.query("*"):
        if isinstance(widget, Input | Select):
            parts.append(f"{widget.id}={widget.value!r}")
        elif isinstance(widget, DataTable):
            parts.append(f"{widget.id}:{widget.row_count}:{widget.cursor_row}")
        elif isinstance(widget, Static):
            parts.append(str(widget.render()))
    return tuple(parts)


def offered(app: App[Any], *, app_keys: bool = True) -> list[tuple[str, str]]:
    """(key, action) of every key the top screen offers now: its own bindings and (``app_keys``) the app's;
    the footer and the help screen list these. Enabled ones, one key per action, in the order bound."""
    screen = app.screen
    keys: list[tuple[str, str]] = []
    actions: set[str] = set()
    # the app's priority keys win over whatever a screen binds them to (ctrl+c quits even where a dialog binds
    # it to "copy"): those that end the app are never pressed
    ending = {
        key
        for key, bindings in app._bindings.key_to_bindings.items()
        if any(b.priority and b.action.removeprefix("app.").split("(")[0] in NEVER for b in bindings)
    }
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if key in ending or not active.enabled or active.node not in ((screen, app) if app_keys else (screen,)):
            continue
        if not (binding.show or binding.description):
            continue
        action = binding.action.removeprefix("app.")
        if action in actions or action.split("(")[0] in NEVER:
            continue
        actions.add(action)
        keys.append((key, action))
    return keys


async def back_to(pilot: Pilot[Any], watch: Watch, base: Screen[Any], *, what: str) -> None:
    """Esc until ``base`` is on top again; fails when a screen does not close with Esc."""
    for _ in range(4):
        if pilot.app.screen is base:
            return
        await press(pilot, watch, "escape")
    if pilot.app.screen is not base:
        raise AssertionError(
            f"{type(pilot.app.screen).__name__} did not close with Esc ({what}) after: {watch.where()}"
        )
