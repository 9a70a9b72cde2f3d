"""Serving the simulator: in a background thread (demo, tests) or in the foreground."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable

import uvicorn

from ..clock import today
from .db import Database
from .faults import Latency
from .routes import make_app
from .seed import seed_demo, seed_large
from .state import Simulator
from .versions import ApiChoice


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_simulator(
    data: str | None = None,
    *,
    reset: bool = False,
    builds: int = 0,
    latency_ms: Latency = 0,
    fail_rate: float = 0.0,
    api: ApiChoice | None = None,
    substitutes_in_line_detail: bool | None = None,
    task_delay_s: float = 0.7,
    supplier_plugins: Iterable[str] | None = None,
) -> Simulator:
    """A simulator with the demo data (and ``builds`` more); ``api``: 425, 477, 530 or "legacy" (the default,
    ``versions.DEFAULT_API``); ``supplier_plugins``: the supplier barcode plugins switched on (None: all four)."""
    path = data or ":memory:"
    if reset and data:
        import os

        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(data + suffix)
            except FileNotFoundError:
                pass
    db = Database(path)
    fresh = not db.scalar("SELECT COUNT(*) FROM build")
    if fresh and path == ":memory:":
        _demo_template().conn.backup(db.conn)  # the same rows as seed_demo, in 2 ms instead of 30-60
    else:
        seed_demo(db)
    if builds and fresh:
        seed_large(db, builds)
    return Simulator(
        db,
        latency_ms=latency_ms,
        fail_rate=fail_rate,
        api=api,
        substitutes_in_line_detail=substitutes_in_line_detail,
        task_delay_s=task_delay_s,
        supplier_plugins=supplier_plugins,
    )


_TEMPLATES: dict[str, Database] = {}


def _demo_template() -> Database:
    """The demo data seeded once per process and day (the seed dates rows from today), copied into each new
    in-memory simulator: tests start hundreds of them."""
    key = today().isoformat()
    if key not in _TEMPLATES:
        template = Database(":memory:")
        seed_demo(template)
        _TEMPLATES[key] = template
    return _TEMPLATES[key]


class _Server(uvicorn.Server):
    """uvicorn's server, whose ``stop_soon()`` closes the listening socket and the open connections at once, from
    another thread, instead of at its next 0.1 s tick and after a 0.1 s grace (tests stop hundreds of servers)."""

    loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        self.closed = threading.Event()
        await super().startup(sockets)

    def stop_soon(self, timeout: float = 5.0) -> bool:
        """Stop listening and close every connection (the rest of the shutdown goes on in the server's thread);
        False when the server's loop is gone (it has stopped already)."""
        self.should_exit = True
        loop = self.loop
        if loop is None or loop.is_closed():
            return False

        def close() -> None:
            for server in self.servers:
                server.close()
            for connection in list(self.server_state.connections):
                connection.shutdown()
            self.closed.set()

        try:
            loop.call_soon_threadsafe(close)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return self.closed.wait(timeout)


class SimulatorServer:
    """A uvicorn server on 127.0.0.1 running in a daemon thread."""

    def __init__(
        self, sim: Simulator, port: int | None = None, *, certfile: str | None = None, keyfile: str | None = None
    ) -> None:
        self.sim = sim
        self.port = port or free_port()
        self.tls = bool(certfile)
        config = uvicorn.Config(
            make_app(sim),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        self.server = _Server(config)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> SimulatorServer:
        self.join()  # started again: the last run's thread has finished its shutdown
        self.server.should_exit = False
        self.server.started = False
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve()), daemon=True, name="buildtui-simulator"
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the simulator did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Nothing listens on the port and every connection is closed when this returns; the server's thread
        ends on its own a moment later (``join()`` waits for it)."""
        if not self.server.stop_soon():
            self.join()

    def join(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None


def serve_forever(sim: Simulator, port: int) -> None:
    uvicorn.run(make_app(sim), host="127.0.0.1", port=port, log_level="warning")
