"""Command line: ``buildtui``, ``buildtui --demo``, ``buildtui login``, ``buildtui simulator``, ``buildtui web``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlparse

from . import __version__, startup
from . import config as config_mod
from .config import Config, ConfigError, insecure_warning

log = logging.getLogger("buildtui.cli")

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
    sim = sub.add_parser(
        "simulator",
        help="run the simulated InvenTree server in the foreground",
        description="A simulated InvenTree server on 127.0.0.1, with demo data. Users: "
        "admin/inventree, reader/readonly, operator/operator.",
        epilog="Each injected fault is logged on standard error. Example: buildtui simulator "
        "--port 8100 --latency 200-1200 --drop-writes 0.1",
    )
    sim.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (1-65535, default 8000)")
    sim.add_argument("--data", dest="sim_data", help="SQLite file (default: in memory)")
    sim.add_argument("--reset", action="store_true", help="start the data file afresh")
    sim.add_argument("--builds", type=int, default=0, help="add N generated build orders (benchmarks)")
    ver = sim.add_argument_group("versions", "which InvenTree the simulator answers as")
    ver.add_argument(
        "--api",
        choices=["425", "477", "530", "legacy"],
        help="API 425 (InvenTree 1.2, no worker), 477 (1.3, auto-allocate and consume as background "
        "tasks), 530 (1.5, also complete/scrap/delete outputs; finish and cancel finish in the "
        "worker), or legacy (the simulator's answers before it had versions). Default: the "
        "simulator's default (simulator/versions.py DEFAULT_API), named in the banner",
    )
    ver.add_argument(
        "--task-delay",
        type=float,
        default=0.7,
        metavar="S",
        help="with a worker (477, 530): seconds before queued work is done (default 0.7)",
    )
    ver.add_argument(
        "--fail-tasks",
        type=int,
        default=0,
        metavar="N",
        help="the next N background tasks fail: they do nothing and end complete, success false",
    )
    ver.add_argument(
        "--line-substitutes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="put substitutes in build lines' bom_item_detail, as no real server does (default: only "
        "for legacy); they are always at /api/bom/substitute/?bom_item=PK",
    )
    ver.add_argument(
        "--supplier-plugins",
        metavar="NAMES",
        help="supplier barcode plugins switched on: all (default), none (as InvenTree ships), or a "
        "comma-separated list of digikey, lcsc, mouser, tme",
    )
    net = sim.add_argument_group("faults", "the network and the server misbehaving, as on a shop floor")
    net.add_argument(
        "--latency",
        default="0",
        metavar="MS|LOW-HIGH",
        help="delay every answer by MS milliseconds, or by a uniform draw from LOW-HIGH per request "
        "(e.g. 850 or 200-1200)",
    )
    net.add_argument(
        "--fail-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="answer this fraction (0-1) of requests 502 Bad Gateway, without carrying them out",
    )
    net.add_argument(
        "--drop-writes",
        type=float,
        default=0.0,
        metavar="P",
        help="for this fraction (0-1) of writes: carry the write out and commit it, then close the "
        "connection without an answer (the client sees 'server disconnected')",
    )
    net.add_argument(
        "--late-writes",
        type=float,
        default=0.0,
        metavar="MS",
        help="carry writes out at once but answer them MS milliseconds later",
    )
    net.add_argument(
        "--lose-writes",
        type=float,
        default=0.0,
        metavar="MS",
        help="hold writes MS milliseconds, then answer 504 Gateway Time-out without carrying them out",
    )
    net.add_argument(
        "--trickle",
        metavar="PATH_REGEX",
        help="send the whole answer (status line, headers, body) to requests whose path matches, one "
        "byte every --trickle-interval seconds",
    )
    net.add_argument(
        "--trickle-interval", type=float, default=2.0, metavar="S", help="seconds between trickled bytes (default 2)"
    )
    net.add_argument(
        "--oversize",
        metavar="PATH_REGEX",
        help="answer requests whose path matches with 200 and a 2 GiB body (Content-Length announced, "
        "filler streamed as fast as it is read); not carried out",
    )
    net.add_argument(
        "--nested",
        metavar="PATH_REGEX",
        help="answer requests whose path matches with 200 and JSON nested 200,000 levels deep "
        "([[[...]]]); not carried out",
    )
    net.add_argument(
        "--redirect",
        metavar="URL",
        help="answer requests with 301 to URL + the same path and query, as an http->https proxy does "
        "(e.g. https://127.0.0.1:8443); not carried out",
    )
    net.add_argument("--redirect-path", metavar="PATH_REGEX", help="with --redirect: only paths that match")
    web = sub.add_parser("web", help="serve the app in a browser (textual-serve), on 127.0.0.1 by default")
    web.add_argument("--demo", action="store_true", dest="web_demo")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    web.add_argument("--port", type=int, default=8566)
    web.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach: anyone who reaches it drives the session",
    )
    web.add_argument(
        "--public-url",
        help="the URL browsers open, e.g. https://kiosk.example.com behind a proxy; "
        "only pages from its origin may drive the app",
    )
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
    return {"server": args.server, "token": args.token, "timeout": args.timeout, "poll_interval": args.poll_interval}


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
    startup.pause_collector()
    from .logs import setup_logging

    cfg = config_mod.load(_flags(args))
    if args.demo:
        run_demo(cfg, args.data)
        return
    if not cfg.server:
        fail(
            "no server configured: use --server URL (or INVENTREE_API_HOST), run 'buildtui login', "
            "or try 'buildtui --demo'"
        )
    problem = check_server_url(cfg.server)
    if problem:
        fail(problem)
    warning = insecure_warning(cfg.server)
    if warning:
        sys.stderr.write(warning + "\n")
    setup_logging()
    cfg = sign_in_at_start(cfg, token_flag=args.token is not None)
    from .app import BuildTUI

    BuildTUI(cfg).run()


def sign_in_at_start(cfg: Config, *, token_flag: bool = False, environ: Mapping[str, str] | None = None) -> Config:
    """The configuration the app starts with. With ``INVENTREE_API_USERNAME`` and ``INVENTREE_API_PASSWORD``
    set and no token given, a token is got from them first (``buildtui/signin.py`` has the rules); it is
    not written to the config file. Refused credentials end here, in one line and exit status 1; a server
    that cannot be reached yet does not: the app starts, says so, and signs in once the server answers."""
    from . import signin
    from .api import ApiError, AuthenticationRequired, PermissionDenied

    creds = signin.startup_credentials(cfg, token_flag=token_flag, environ=environ)
    if creds is None:
        return cfg
    try:
        token = asyncio.run(signin.fetch_token(cfg, creds))
    except (AuthenticationRequired, PermissionDenied) as exc:
        fail(f"sign-in as {creds.username} with {creds.origin} failed: {exc}", status=1)
    except ApiError as exc:
        log.warning("could not sign in as %s at start: %s", creds.username, exc)
        sys.stderr.write(f"buildtui: could not sign in as {creds.username} yet ({exc}); starting anyway\n")
        return config_mod.with_overrides(cfg, token="", username=creds.username)
    log.info("signed in as %s with %s", creds.username, creds.origin)
    return config_mod.with_overrides(cfg, token=token, username=creds.username)


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
    import getpass

    from . import signin
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
            return await client.get_token(username, password, name=signin.token_name())

    try:
        token = asyncio.run(get())
    except ApiError as exc:
        fail(f"sign-in failed: {exc}", status=1)
    path = config_mod.save({"server": server, "token": token, "username": username})
    print(f"Signed in as {username}. Token stored in {path} (mode 0600).")


def run_simulator(args: argparse.Namespace) -> None:
    import logging

    from .simulator import build_simulator
    from .simulator.options import OptionError, apply, banner, check, check_port_free
    from .simulator.server import serve_forever

    try:
        opts = check(args)
        check_port_free(opts.port)
    except OptionError as exc:
        fail(str(exc))
    sim = build_simulator(
        args.sim_data,
        reset=args.reset,
        builds=args.builds,
        api=opts.api,
        substitutes_in_line_detail=args.line_substitutes,
    )
    apply(opts, sim)
    print("\n".join(banner(opts, sim)), flush=True)
    handler = logging.StreamHandler(sys.stderr)  # one line per injected fault
    handler.setFormatter(logging.Formatter("buildtui simulator: %(message)s"))
    sim_log = logging.getLogger("buildtui.simulator")
    sim_log.addHandler(handler)
    sim_log.setLevel(logging.INFO)
    serve_forever(sim, opts.port)


def run_web(args: argparse.Namespace) -> None:
    try:
        from .web import GuardedServer, check_host, check_public_url
    except ImportError:
        fail("buildtui web needs textual-serve: pip install 'buildtui[web]'")
    if not 0 < args.port < 65536:
        fail(f"--port must be between 1 and 65535, got {args.port}")
    refusal, warning = check_host(args.host, args.allow_remote, args.port)
    if refusal:
        fail(refusal)
    if args.public_url:
        problem = check_public_url(args.public_url)
        if problem:
            fail(problem)
    if warning:
        sys.stderr.write(warning + "\n")
    import shlex

    command = f"{shlex.quote(sys.executable)} -m buildtui" + (" --demo" if args.web_demo else "")
    GuardedServer(command, host=args.host, port=args.port, public_url=args.public_url).serve()


if __name__ == "__main__":
    main()
