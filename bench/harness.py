"""Run a terminal program in a pseudo-terminal and watch what it writes: what an operator's terminal sees."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def admin_token(url: str) -> str:
    """An API token for the simulator's admin at ``url``."""
    import httpx

    token: str = httpx.get(url + "/api/user/token/", auth=("admin", "inventree")).json()["token"]
    return token


def compiled_checkouts(folders: list[str]) -> list[str]:
    """The checkouts' absolute paths, each one's package byte-compiled as ``pip install`` leaves it (with
    PYTHONDONTWRITEBYTECODE set, an uncompiled one would compile at every launch)."""
    import compileall

    roots = [str(Path(folder).resolve()) for folder in folders]
    for root in roots:
        compileall.compile_dir(str(Path(root) / "buildtui"), quiet=1)
    return roots


class PtyApp:
    def __init__(
        self,
        argv: list[str],
        *,
        size: tuple[int, int] = (80, 24),
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        """``cwd``: the folder it runs in, this checkout unless said (``python -m`` puts it first on ``sys.path``,
        before ``PYTHONPATH``: run from another checkout, ``-m buildtui`` would run that one's code)."""
        master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        environment = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT), **(env or {})}
        environment.pop("COLORTERM", None)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            cwd=cwd or str(ROOT),
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.buffer = bytearray()
        self.total = 0

    def _read(self, timeout: float) -> int:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return 0
        self.buffer += data
        self.total += len(data)
        return len(data)

    def wait_for(self, needle: bytes, timeout: float = 30.0) -> float:
        """Seconds since start (or since the buffer was cleared) until ``needle`` appears."""
        start = time.perf_counter()
        while needle not in self.buffer:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(
                    f"{needle!r} did not appear in {timeout} s; last output: {bytes(self.buffer[-300:])!r}"
                )
            self._read(0.05)
        return time.perf_counter() - start

    def settle(self, quiet: float = 0.3, limit: float = 10.0) -> None:
        """Read until nothing arrives for ``quiet`` seconds."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            if not self._read(quiet):
                return

    def clear(self) -> None:
        self.buffer.clear()

    def count_bytes(self, duration: float) -> int:
        before = self.total
        end = time.perf_counter() + duration
        while time.perf_counter() < end:
            self._read(min(0.1, max(end - time.perf_counter(), 0)))
        return self.total - before

    def key_latency(self, key: bytes, timeout: float = 2.0) -> float:
        """Seconds from writing a key to the first byte of the screen update."""
        self.settle(0.15)
        before = self.total
        start = time.perf_counter()
        os.write(self.fd, key)
        while self.total == before:
            if time.perf_counter() - start > timeout:
                return timeout
            self._read(0.005)
        return time.perf_counter() - start

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def cpu_seconds(self) -> float:
        """CPU time the program has had so far, all its threads (Linux: /proc/PID/task/*/schedstat, in ns): unlike
        the wall clock, not lengthened by other programs taking the CPU meanwhile."""
        total = 0
        try:
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return float("nan")
        return total / 1e9

    def peak_rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        os.close(self.fd)


def buildtui_argv(url: str, token: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "buildtui", "--server", url, "--token", token, *extra]
