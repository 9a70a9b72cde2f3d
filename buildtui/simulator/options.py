"""``buildtui simulator``'s options: checked (one-line reasons), applied to a Simulator, and described."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any

from .faults import Latency, describe_latency, parse_latency
from .seed import USERS
from .state import ALL_SUPPLIER_PLUGINS, Simulator
from .suppliers import PLUGINS
from .versions import BY_NAME, ApiChoice


class OptionError(ValueError):
    """A bad option value; its text is one line for the operator."""


@dataclass
class SimOptions:
    """The command line's values, checked."""

    port: int = 8000
    latency: Latency = 0.0
    fail_rate: float = 0.0
    drop_writes: float = 0.0
    late_writes_ms: float = 0.0
    lose_writes_ms: float = 0.0
    trickle: str | None = None
    trickle_interval_s: float = 2.0
    oversize: str | None = None
    nested: str | None = None
    redirect: str | None = None
    redirect_path: str | None = None
    api: ApiChoice | None = None
    task_delay_s: float = 0.7
    fail_tasks: int = 0
    supplier_plugins: tuple[str, ...] | None = None  # None: the simulator's default (all four)


def _fraction(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise OptionError(f"{name} must be a fraction from 0 to 1, got {value:g}")
    return value


def _not_negative(name: str, value: float) -> float:
    if not value >= 0:
        raise OptionError(f"{name} must be 0 or more, got {value:g}")
    return value


def _regex(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise OptionError(f"{name} is not a valid regular expression ({exc})") from None
    return value


def parse_supplier_plugins(value: str | None) -> tuple[str, ...] | None:
    """``digikey,mouser``, ``all`` or ``none`` (None given: the default); raises OptionError naming the choices."""
    if value is None:
        return None
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if names == ["all"]:
        return ALL_SUPPLIER_PLUGINS
    if names == ["none"]:
        return ()
    unknown = [n for n in names if n not in ALL_SUPPLIER_PLUGINS]
    if unknown or not names:
        raise OptionError(
            f"--supplier-plugins takes all, none or some of {','.join(ALL_SUPPLIER_PLUGINS)}, got {value!r}"
        )
    return tuple(n for n in ALL_SUPPLIER_PLUGINS if n in names)


def check(args: Any) -> SimOptions:
    """Options from argparse's namespace; raises OptionError (one line) on the first bad value."""
    port = int(args.port)
    if not 1 <= port <= 65535:
        raise OptionError(f"--port must be from 1 to 65535, got {port}")
    try:
        latency = parse_latency(str(args.latency))
    except ValueError as exc:
        raise OptionError(f"--latency {exc}") from None
    redirect = args.redirect
    if redirect is not None and not re.match(r"^https?://[^/\s]+/?$", redirect):
        raise OptionError(f"--redirect must be http(s)://host[:port], got {redirect!r}")
    if args.builds < 0:
        raise OptionError(f"--builds must be 0 or more, got {args.builds}")
    if args.fail_tasks < 0:
        raise OptionError(f"--fail-tasks must be 0 or more, got {args.fail_tasks}")
    if args.api is not None and args.api not in BY_NAME:
        raise OptionError(f"--api must be one of {', '.join(BY_NAME)}, got {args.api!r}")
    api = BY_NAME[args.api] if args.api is not None else None
    return SimOptions(
        port=port,
        latency=latency,
        fail_rate=_fraction("--fail-rate", args.fail_rate),
        drop_writes=_fraction("--drop-writes", args.drop_writes),
        late_writes_ms=_not_negative("--late-writes", args.late_writes),
        lose_writes_ms=_not_negative("--lose-writes", args.lose_writes),
        trickle=_regex("--trickle", args.trickle),
        trickle_interval_s=_not_negative("--trickle-interval", args.trickle_interval),
        oversize=_regex("--oversize", args.oversize),
        nested=_regex("--nested", args.nested),
        redirect=redirect,
        redirect_path=_regex("--redirect-path", args.redirect_path),
        api=api,
        task_delay_s=_not_negative("--task-delay", args.task_delay),
        fail_tasks=args.fail_tasks,
        supplier_plugins=parse_supplier_plugins(getattr(args, "supplier_plugins", None)),
    )


def check_port_free(port: int) -> None:
    """Raises OptionError if 127.0.0.1:port cannot be listened on (in use, or not allowed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise OptionError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None


def apply(opts: SimOptions, sim: Simulator) -> None:
    """Set the simulator's knobs and fault rules from the options."""
    sim.latency_ms = opts.latency
    sim.fail_rate = opts.fail_rate
    sim.late_answer_ms = opts.late_writes_ms
    sim.lost_write_ms = opts.lose_writes_ms
    sim.task_delay_s = opts.task_delay_s
    sim.fail_next_tasks = opts.fail_tasks
    if opts.supplier_plugins is not None:
        sim.supplier_plugins = set(opts.supplier_plugins)
    if opts.drop_writes:
        sim.faults.add("drop", method="WRITE", probability=opts.drop_writes)
    if opts.trickle is not None:
        sim.faults.add("trickle", path=opts.trickle, interval_s=opts.trickle_interval_s)
    if opts.oversize is not None:
        sim.faults.add("oversize", path=opts.oversize)
    if opts.nested is not None:
        sim.faults.add("nested", path=opts.nested)
    if opts.redirect is not None:
        sim.faults.add("redirect", path=opts.redirect_path, to=opts.redirect)


ROLE_NOTES = {"admin": "superuser", "reader": "view only", "operator": "builds: view, add, change"}


def describe_api(sim: Simulator) -> str:
    api = sim.api
    if api.legacy:
        text = f"InvenTree API {api.version} as the simulator always answered (legacy): every action done at once"
    elif not api.worker:
        text = f"InvenTree API {api.version} ({api.server_version}): no worker, every action done at once"
    else:
        text = (
            f"InvenTree API {api.version} ({api.server_version}): background tasks done {sim.task_delay_s:g} s "
            f"after their answer"
        )
        if sim.fail_next_tasks:
            text += f", the next {sim.fail_next_tasks} failing"
    if sim.substitutes_in_line_detail:
        text += "; substitutes in bom_item_detail"
    return text


def describe_supplier_plugins(sim: Simulator) -> str:
    on = [p.name for p in PLUGINS if p.key in sim.supplier_plugins]
    if not on:
        return "supplier barcode plugins: none (as InvenTree ships): supplier labels only resolve once linked"
    return f"supplier barcode plugins: {', '.join(on)} (InvenTree ships them switched off)"


def banner(opts: SimOptions, sim: Simulator) -> list[str]:
    """The start banner: where, which version, who can sign in, and what misbehaviour is switched on."""
    users = ", ".join(f"{name}/{password} ({ROLE_NOTES.get(name, 'user')})" for _, name, password, *_ in USERS)
    faults: list[str] = []
    if opts.latency:
        faults.append(f"latency {describe_latency(opts.latency)}")
    if opts.fail_rate:
        faults.append(f"502 for {opts.fail_rate:.0%} of requests")
    if opts.drop_writes:
        faults.append(f"{opts.drop_writes:.0%} of writes carried out, then the connection cut")
    if opts.late_writes_ms:
        faults.append(f"writes answered {opts.late_writes_ms:g} ms late")
    if opts.lose_writes_ms:
        faults.append(f"writes lost (504 after {opts.lose_writes_ms:g} ms)")
    if opts.trickle is not None:
        faults.append(f"answers to {opts.trickle!r} trickled (a byte every {opts.trickle_interval_s:g} s)")
    if opts.oversize is not None:
        faults.append(f"answers to {opts.oversize!r} oversized (2 GiB)")
    if opts.nested is not None:
        faults.append(f"answers to {opts.nested!r} nested 200,000 deep")
    if opts.redirect is not None:
        where = f" for {opts.redirect_path!r}" if opts.redirect_path else ""
        faults.append(f"301 redirect to {opts.redirect}{where}")
    lines = [
        f"buildtui simulator on http://127.0.0.1:{opts.port}",
        f"  {describe_api(sim)}",
        f"  {describe_supplier_plugins(sim)}",
        f"  users: {users}",
    ]
    lines.append("  faults: " + ("; ".join(faults) if faults else "none"))
    return lines
