"""Command line: ``buildtui``, ``buildtui --demo``, ``buildtui login``, ``buildtui simulator``, ``buildtui web``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import sys
from typing import Any, NoReturn
from urllib.parse import urlparse

from . import __version__
from . import config as config_mod
from .config import Config, ConfigError, insecure_warning

DEMO_USER = ("admin", "inventree")


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"buildtui: {message} (see buildtui --help)\n")


def build_parser() -> Parser:
    p = Parser(prog="buildtui", description="A keyboard-first terminal UI for InvenTree build orders.")
    p.add_argument("--version", action="version", version=f"buildtui {__version__}")
    p.add_argument("--server", help="InvenTree URL, e.g. https://inventree.example.com (env INVENTREE_API_HOST)")
    p.add_argument("--token", help="API token (env INVENTREE_API_TOKEN); better: buildtui login")
    p.add_argument("--timeout", type=float, help="request timeout in seconds (env INVENTREE_API_TIMEOUT)")
    p.add_argument("--poll", type=float, dest="poll_interval", help="refresh interval in seconds (default 10)")
    p.add_argument("--demo", action="store_true", help="run against the embedded simulator with demo data")
    p.add_argument("--data", help="with --demo: keep the simulator's data in this SQLite file")
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    login = sub.add_parser("login", help="sign in with username and password and store a token (0600)")
    login.add_argument("--server", dest="login_server", help="InvenTree URL")
    login.add_argument("--username")
    sim = sub.add_parser("simulator", help="run the simulated InvenTree server in the foreground")
    sim.add_argument("--port", type=int, default=8000)
    sim.add_argument("--data", dest="sim_data", help="SQLite file (default: in memory)")
    sim.add_argument("--reset", action="store_true", help="start the data file afresh")
    sim.add_argument("--builds", type=int, default=0, help="add N generated build orders (benchmarks)")
    sim.add_argument("--latency", type=float, default=0.0, help="delay every answer by MS milliseconds")
    sim.add_argument("--fail-rate", type=float, default=0.0, help="answer this fraction of requests with 502")
    web = sub.add_parser("web", help="serve the app in a browser (textual-serve), on 127.0.0.1 by default")
    web.add_argument("--demo", action="store_true", dest="web_demo")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8566)
    return p


def fail(message: str, status: int = 2) -> NoReturn:
    sys.stderr.write(f"buildtui: {message}\n")
    raise SystemExit(status)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "simulator":
            run_simulator(args)
        elif args.command == "login":
            run_login(args)
        elif args.command == "web":
            run_web(args)
        else:
            run_tui(args)
    except ConfigError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {"server": args.server, "token": args.token, "timeout": args.timeout,
            "poll_interval": args.poll_interval}


def check_server_url(url: str) -> str | None:
    """A one-line problem with the URL, or None. Plain http to a non-loopback host is a warning."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return f"--server must be an http(s) URL, got {url!r}"
    return None




def run_tui(args: argparse.Namespace) -> None:
    # Importing creates ~50,000 tracked objects that live as long as the app (modules, classes, styles);
    # the cyclic garbage collector rescanned them repeatedly while they were being made (25-70 ms of a
    # launch, measured). It is paused until the first rows are drawn; then those objects are frozen out
    # of later collections (BuildTUI.startup_done).
    gc.disable()
    from .logs import setup_logging

    cfg = config_mod.load(_flags(args))
    if args.demo:
        run_demo(cfg, args.data)
        return
    if not cfg.server:
        fail("no server configured: use --server URL (or INVENTREE_API_HOST), run 'buildtui login', "
             "or try 'buildtui --demo'")
    problem = check_server_url(cfg.server)
    if problem:
        fail(problem)
    warning = insecure_warning(cfg.server)
    if warning:
        sys.stderr.write(warning + "\n")
    setup_logging()
    from .app import BuildTUI

    BuildTUI(cfg).run()


def run_demo(cfg: Config, data: str | None) -> None:
    from .api import InvenTreeClient
    from .app import BuildTUI
    from .logs import setup_logging
    from .simulator import SimulatorServer, build_simulator

    setup_logging()
    server = SimulatorServer(build_simulator(data)).start()
    try:
        token = asyncio.run(_demo_token(server.url))
        demo_cfg = config_mod.with_overrides(cfg, server=server.url, token=token)
        client = InvenTreeClient(server.url, token, timeout=cfg.timeout)
        BuildTUI(demo_cfg, client=client, save_token=False, server_label=f"demo simulator {server.url}").run()
    finally:
        server.stop()


async def _demo_token(url: str) -> str:
    from .api import InvenTreeClient

    async with InvenTreeClient(url) as client:
        return await client.get_token(*DEMO_USER, name="buildtui-demo")


def run_login(args: argparse.Namespace) -> None:
    from .api import ApiError, InvenTreeClient

    cfg = config_mod.load({"server": args.login_server})
    server = cfg.server or input("InvenTree server URL: ").strip()
    problem = check_server_url(server)
    if problem:
        fail(problem)
    warning = insecure_warning(server)
    if warning:
        sys.stderr.write(warning + "\n")
    username = args.username or cfg.username or input("Username: ").strip()
    password = cfg.password or getpass.getpass("Password: ")

    async def get() -> str:
        async with InvenTreeClient(server, timeout=cfg.timeout, verify=cfg.verify) as client:
            await client.connect()
            return await client.get_token(username, password, name=f"buildtui@{os.uname().nodename}")

    try:
        token = asyncio.run(get())
    except ApiError as exc:
        fail(f"sign-in failed: {exc}", status=1)
    path = config_mod.save({"server": server, "token": token, "username": username})
    print(f"Signed in as {username}. Token stored in {path} (mode 0600).")


def run_simulator(args: argparse.Namespace) -> None:
    from .simulator import build_simulator
    from .simulator.server import serve_forever

    sim = build_simulator(args.sim_data, reset=args.reset, builds=args.builds, latency_ms=args.latency,
                          fail_rate=args.fail_rate)
    print(f"buildtui simulator on http://127.0.0.1:{args.port}  (users: admin/inventree, reader/readonly)",
          flush=True)
    serve_forever(sim, args.port)


def run_web(args: argparse.Namespace) -> None:
    try:
        from textual_serve.server import Server
    except ImportError:
        fail("buildtui web needs textual-serve: pip install 'buildtui[web]'")
    command = f"{sys.executable} -m buildtui" + (" --demo" if args.web_demo else "")
    Server(command, host=args.host, port=args.port, title="buildtui").serve()


if __name__ == "__main__":
    main()
