"""Every test runs against the real simulator over real HTTP, with a fixed date."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, TypeVar, Unpack

import httpx
import pytest
from textual.app import App
from textual.pilot import Pilot

os.environ["BUILDTUI_TODAY"] = "2026-06-15"
os.environ.setdefault("BUILDTUI_CONFIG", "/nonexistent/buildtui-test/config.toml")

from buildtui.api import InvenTreeClient  # noqa: E402
from buildtui.app import BuildTUI  # noqa: E402
from buildtui.config import Config  # noqa: E402
from buildtui.simulator import Simulator, SimulatorServer, build_simulator  # noqa: E402
from tests import web  # noqa: E402

if TYPE_CHECKING:
    from buildtui.dialogs.allocate import AllocateDialog
    from buildtui.screens.build_detail import BuildDetailScreen


#: a dialog class, for open_dialog
D = TypeVar("D")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per CPU. A test spends a good part of its time waiting (on the simulator's
    latency, a poll interval, Pilot's idle check); with one worker per CPU the CPUs were ~65% busy, with two
    ~95% (2-CPU machine: 8.3 min -> 6.5 min)."""
    return 2 * (os.cpu_count() or 1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sweep: the crash sweeps (tests/test_sweep*.py), minutes of CPU; -m 'not sweep' leaves them out"
    )
    _parse_each_stylesheet_once()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The garbage collector took ~18% of the tests' CPU (23 s of 120 s over the snapshot and polish tests),
    most of it in full collections rescanning the ~190,000 objects a test process keeps (modules, classes,
    Textual's caches). Instead: what a test left behind is collected once after it, and what survives that (what
    the process keeps) is frozen out of every later collection; during a test the collector runs only after a
    million allocations. test_polish and test_app in one process: GC 15.6 s -> 4.6 s, memory 225 -> 155 MB; the
    whole suite: ~20 -> ~15 s per worker, most of it now the collection after each test (~60 ms: an app's
    garbage). Only this process's collector is tuned; the app under test is unchanged."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(1_000_000, 1000, 1000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After each test, its fixtures torn down: its garbage collected, what is left frozen (see above)."""
    import gc

    yield
    gc.collect()
    gc.freeze()


def _parse_each_stylesheet_once() -> None:
    """Every test makes an App, and every App parsed the same stylesheets again (the app's seven files and the
    default CSS of each widget class): ~45 ms of CPU per test. Here the parsed rules are kept per process and per
    set of theme variables, as Textual already keeps them within one App (``Stylesheet._parse_cache``). What a
    parse yields is unchanged; a stylesheet that fails to parse still fails in every test."""
    from textual.css.stylesheet import Stylesheet

    parse = Stylesheet._parse_rules
    parsed: dict[tuple[object, ...], Any] = {}

    def parse_once(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> Any:
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
        rules = parsed.get(key)
        if rules is None:
            rules = parsed[key] = parse(self, css, read_from, is_default_rules, tie_breaker, scope)
        return rules

    Stylesheet._parse_rules = parse_once  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDTUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("BUILDTUI_LOG_DIR", str(tmp_path / "logs"))
    for var in (
        "INVENTREE_API_HOST",
        "INVENTREE_API_TOKEN",
        "INVENTREE_API_USERNAME",
        "INVENTREE_API_PASSWORD",
        "INVENTREE_API_TIMEOUT",
        "NO_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _quick_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot's idle check in 4 ms steps for every test (``sweeping.quick_idle``); what a test waits for is the
    app's work done, which ``settle`` waits for on the workers themselves."""
    from tests.sweeping import quick_idle

    quick_idle(monkeypatch)


@pytest.fixture(autouse=True)
def _true_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app sees a true-colour terminal, whatever TERM the tests run under (in 16 colours it picks another
    theme); tests of 16 colours set ``textual.constants.COLOR_SYSTEM`` themselves."""
    import textual.constants

    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    srv = SimulatorServer(build_simulator()).start()
    yield srv
    srv.stop()


class SnapCompare(Protocol):
    """The ``snap_compare`` fixture of pytest-textual-snapshot (the plugin ships no type information)."""

    def __call__(
        self,
        app: str | Path | App[Any],
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
    ) -> bool: ...


class SimClient(httpx.Client):
    """An admin httpx client of a simulator, with the simulator itself (``sim``) for looking into its database."""

    sim: Simulator


def get_token(url: str, user: str = "admin", password: str = "inventree") -> str:
    """A token from GET /api/user/token/ with Basic auth (sync, usable inside async tests)."""
    r = web.get(url + "/api/user/token/", auth=(user, password), params={"name": "tests"})
    r.raise_for_status()
    return str(r.json()["token"])


def build_count(url: str, **filters: object) -> int:
    """How many builds the server has for these filters (what a list showing them counts), over HTTP."""
    params: dict[str, Any] = {"limit": 1, **filters}
    r = web.get(url + "/api/build/", params=params, auth=("admin", "inventree"))
    r.raise_for_status()
    return int(r.json()["count"])


def outstanding(url: str) -> int:
    """The builds the list opens on (outstanding), as the server counts them."""
    return build_count(url, outstanding="true")


def outstanding_in(sim: Simulator) -> int:
    """The same, from the simulator's database (for a server not reachable over plain HTTP yet)."""
    return int(sim.db.scalar("SELECT COUNT(*) FROM build WHERE status IN (10, 20, 25)"))


def demo_newest() -> tuple[int, str, str]:
    """(outstanding count, newest reference, its title) of the demo data, for a server started elsewhere (the
    demo mode's own), read from a freshly seeded database."""
    from buildtui.simulator.db import Database
    from buildtui.simulator.seed import seed_demo

    db = Database(":memory:")
    seed_demo(db)
    newest = db.one("SELECT reference, title FROM build WHERE status IN (10, 20, 25) ORDER BY reference_int DESC")
    assert newest is not None
    return (
        int(db.scalar("SELECT COUNT(*) FROM build WHERE status IN (10, 20, 25)")),
        newest["reference"],
        newest["title"],
    )


@pytest.fixture
def token(server: SimulatorServer) -> str:
    return get_token(server.url)


@pytest.fixture
async def client(server: SimulatorServer, token: str) -> AsyncIterator[InvenTreeClient]:
    c = InvenTreeClient(server.url, token, get_retries=0)
    yield c
    await c.aclose()


class ConfigOverrides(TypedDict, total=False):
    """The settings a test may change from make_app's (Config's fields but the server, token and bell)."""

    username: str
    password: str
    timeout: float
    poll_interval: float
    scan_gap_ms: float
    scan_min_length: int
    theme: str
    ca_bundle: str
    verify_tls: bool


def make_app(url: str, token: str | None, **config: Unpack[ConfigOverrides]) -> BuildTUI:
    # scanner detection holds printable keys for a few ms; tests of it (test_scanning) turn it on
    settings: ConfigOverrides = {"poll_interval": 3600.0, "scan_gap_ms": 0.0, **config}
    settings["poll_interval"] = float(settings["poll_interval"])
    cfg = Config(server=url, token=token or "", bell=False, **settings)
    return BuildTUI(cfg, save_token=False, server_label="simulator")


@pytest.fixture
def app(server: SimulatorServer, token: str) -> BuildTUI:
    return make_app(server.url, token)


async def settle(pilot: Pilot[Any], times: int = 3, limit: float = 60.0) -> None:
    """Wait until the app has done what the last key or call asked: no worker running, no button still in its
    pressed state (Textual ignores a second press of a button for 0.2 s), and the screen stack unchanged,
    seen ``times`` times in a row 10 ms apart.

    Not ``pilot.pause()``: that waits for the process to look idle, which on a loaded machine it may do while
    a key or a worker's last message is still queued. The event loop runs every ready task before a 10 ms
    timer fires, so a message posted before the check is handled by the next one. A worker cancelled meanwhile
    (an exclusive refresh replaced by a newer one, as the app does on purpose) is simply no longer running."""
    app = pilot.app
    deadline = time.monotonic() + limit
    await pilot.pause()
    quiet = 0
    stack: list[int] = []
    while quiet < times:
        running = [w for w in app.workers if not w.is_finished]
        pressed = bool(app.screen.query("Button.-active"))
        now = [id(s) for s in app.screen_stack]
        quiet = quiet + 1 if not running and not pressed and now == stack else 0
        stack = now
        if time.monotonic() > deadline:
            raise AssertionError(f"still busy after {limit:.0f} s: {[w.name for w in running]}, pressed: {pressed}")
        await asyncio.sleep(0.01)
    await pilot.pause()


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Let the app run until ``condition()`` holds (what the operator would wait for to see), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the screen never got there"
        await pilot.pause(0.02)


async def open_build(pilot: Pilot[None], pk: int) -> BuildDetailScreen:
    """Open build ``pk`` and wait for its detail screen to load."""
    from buildtui.screens.build_detail import BuildDetailScreen

    assert isinstance(pilot.app, BuildTUI)
    pilot.app.open_build(pk)
    await settle(pilot)
    assert isinstance(pilot.app.screen, BuildDetailScreen)
    return pilot.app.screen


async def open_dialog(pilot: Pilot[None], pk: int, key: str, kind: type[D]) -> D:
    """Open build ``pk``, press ``key`` on it and return the dialog it opened, which must be a ``kind``."""
    await open_build(pilot, pk)
    await pilot.press(key)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, kind)
    return dialog


async def open_allocate(pilot: Pilot[None], build: int = 11, downs: int = 6) -> AllocateDialog:
    """Open ``build`` and the stock picker on its line ``downs`` rows down (build 11: the PCB line)."""
    from buildtui.dialogs.allocate import AllocateDialog

    await open_build(pilot, build)
    await pilot.press(*["down"] * downs, "a")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, AllocateDialog)
    return dialog
