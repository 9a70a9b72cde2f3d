"""``buildtui simulator`` as an operator runs it: checked options, a banner that says everything, no tracebacks."""

from __future__ import annotations

import base64
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from buildtui.simulator.server import free_port
from tests import web


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildtui", "simulator", *args], capture_output=True, text=True, timeout=60
    )


class Running:
    """A simulator process, up and answering; its output once stopped."""

    stdout: str
    stderr: str

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "buildtui", "simulator", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                web.get(self.url + "/api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise AssertionError(f"the simulator did not start: {self.stderr}") from None
                time.sleep(0.1)
        self.stdout = self.stderr = ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.stdout, self.stderr = self.proc.communicate(timeout=20)


@pytest.fixture
def slow_sim() -> Iterator[Running]:
    sim = Running("--latency", "800")
    yield sim
    sim.stop()


class TestRangesChecked:
    @pytest.mark.parametrize(
        "args, says",
        [
            (("--port", "99999"), "--port must be from 1 to 65535, got 99999"),
            (("--port", "0"), "--port must be from 1 to 65535"),
            (("--fail-rate", "2"), "--fail-rate must be a fraction from 0 to 1, got 2"),
            (("--drop-writes", "-0.5"), "--drop-writes must be a fraction from 0 to 1"),
            (("--latency", "-5"), "--latency must be milliseconds (850) or a range (200-1200), 0 or more"),
            (("--latency=-5",), "--latency must be milliseconds"),
            (("--latency", "1200-200"), "--latency range must go from low to high"),
            (("--latency", "fast"), "--latency must be milliseconds"),
            (("--trickle", "(unclosed"), "--trickle is not a valid regular expression"),
            (("--redirect", "ftp://example.com"), "--redirect must be http(s)://host[:port]"),
            (("--builds", "-3"), "--builds must be 0 or more"),
            (("--trickle-interval", "-1"), "--trickle-interval must be 0 or more"),
            (("--task-delay", "-1"), "--task-delay must be 0 or more"),
            (("--fail-tasks", "-2"), "--fail-tasks must be 0 or more"),
            (("--api", "500"), "argument --api: invalid choice: '500'"),
            (("--supplier-plugins", "digikey,mousr"), "--supplier-plugins takes all, none or some of"),
        ],
    )
    def test_refused_in_one_line(self, args: tuple[str, ...], says: str) -> None:
        """A value out of range is refused with one line naming the option, exit status 2, no traceback."""
        done = run(*args)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and says in done.stderr and done.stderr.startswith("buildtui: ")

    def test_port_in_use(self) -> None:
        """A port already taken is said in one line, not with uvicorn's traceback."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            done = run("--port", str(taken.getsockname()[1]))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.startswith("buildtui: cannot listen on 127.0.0.1:") and done.stderr.count("\n") == 1

    def test_help_documents_every_fault(self) -> None:
        """``--help`` names every fault flag with what it does."""
        out = run("--help").stdout
        for flag in (
            "--latency",
            "--fail-rate",
            "--drop-writes",
            "--late-writes",
            "--lose-writes",
            "--trickle",
            "--trickle-interval",
            "--oversize",
            "--nested",
            "--redirect",
            "--redirect-path",
        ):
            assert flag in out
        words = " ".join(out.split())
        assert "200-1200" in words and "close the connection without an answer" in words


class TestRunning:
    def test_banner_lists_users_and_faults(self) -> None:
        """The banner names all three users with their passwords and every fault switched on."""
        sim = Running("--latency", "10-20", "--fail-rate", "0.1", "--drop-writes", "0.05", "--nested", "^/api/x/$")
        sim.stop()
        banner = sim.stdout
        for user in ("admin/inventree", "reader/readonly", "operator/operator"):
            assert user in banner
        for fault in ("latency 10-20 ms", "502 for 10% of requests", "5% of writes", "nested 200,000 deep"):
            assert fault in banner

    def test_quiet_when_clients_leave_mid_request(self, slow_sim: Running) -> None:
        """Clients that hang up while the simulator waits out its latency leave no traceback in its log."""
        auth = base64.b64encode(b"admin:inventree").decode()
        for method, body in (("POST", b'{"items": []}'), ("GET", b""), ("POST", b"")):
            with socket.create_connection(("127.0.0.1", slow_sim.port)) as sock:
                sock.sendall(
                    f"{method} /api/build/3/issue/ HTTP/1.1\r\nHost: sim\r\nAuthorization: Basic {auth}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                time.sleep(0.2)
        with httpx.Client(verify=False, base_url=slow_sim.url, auth=("admin", "inventree"), timeout=0.3) as hasty:
            with pytest.raises(httpx.ReadTimeout):
                hasty.get("/api/build/")
        time.sleep(1.2)  # past the latency: each request goes on to read its body and find the client gone
        assert web.get(slow_sim.url + "/api/build/3/", auth=("admin", "inventree"), timeout=5).json()["status"] == 20
        slow_sim.stop()
        assert "Traceback" not in slow_sim.stderr and "ClientDisconnect" not in slow_sim.stderr
        assert "Exception" not in slow_sim.stderr

    def test_injected_faults_are_logged(self) -> None:
        """Each injected fault is one line on the simulator's standard error."""
        sim = Running("--nested", "^/api/build/$")
        try:
            assert web.get(sim.url + "/api/build/", auth=("admin", "inventree"), timeout=5).status_code == 200
        finally:
            sim.stop()
        assert "buildtui simulator: fault injected: nested on GET /api/build/" in sim.stderr

    def test_lost_writes_and_failures_are_logged_too(self) -> None:
        """The plain knobs' faults (--lose-writes, --fail-rate) are logged like the rules' ones."""
        sim = Running("--lose-writes", "10", "--fail-rate", "1")
        try:
            auth = ("admin", "inventree")
            assert web.post(sim.url + "/api/build/3/hold/", auth=auth, timeout=5).status_code == 504
            assert web.get(sim.url + "/api/build/", auth=auth, timeout=5).status_code == 502
        finally:
            sim.stop()
        assert "fault injected: lost on POST /api/build/3/hold/" in sim.stderr
        assert "fault injected: error on GET /api/build/" in sim.stderr

    def test_api_version_flags(self) -> None:
        """``--api 530 --task-delay 0.2 --fail-tasks 1``: reports 530, and the first task fails after 0.2 s."""
        sim = Running("--api", "530", "--task-delay", "0.2", "--fail-tasks", "1")
        try:
            http = httpx.Client(verify=False, base_url=sim.url, auth=("admin", "inventree"), timeout=5)
            assert http.get("/api/").json()["apiVersion"] == 530
            task = http.post("/api/build/3/auto-allocate/", json={}).json()
            assert task["pending"] is True
            time.sleep(0.6)
            done = http.get(f"/api/background-task/{task['task_id']}/").json()
            assert (done["complete"], done["success"]) == (True, False)
            http.close()
        finally:
            sim.stop()
        assert "InvenTree API 530 (1.5.0 dev): background tasks done 0.2 s after their answer, the next 1 failing" in (
            sim.stdout
        )
        assert "Traceback" not in sim.stderr


def test_supplier_plugins_flag() -> None:
    """``--supplier-plugins mouser``: the banner names only Mouser's plugin, and a Mouser label goes to it."""
    from buildtui.simulator.seed_suppliers import MOUSER_MCU

    sim = Running("--supplier-plugins", "mouser")
    try:
        http = httpx.Client(verify=False, base_url=sim.url, auth=("admin", "inventree"), timeout=5)
        assert http.post("/api/barcode/", json={"barcode": MOUSER_MCU}).json()["plugin"] == "MouserBarcodePlugin"
        http.close()
    finally:
        sim.stop()
    assert "supplier barcode plugins: MouserBarcodePlugin (InvenTree ships them switched off)" in sim.stdout
