"""The simulator misbehaves like a shop-floor network on request: each fault does what it says, over real HTTP."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from buildtui.simulator import SimulatorServer
from buildtui.simulator.faults import Injection, parse_latency


@pytest.fixture
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    c = httpx.Client(verify=False, base_url=server.url, auth=("admin", "inventree"), timeout=10)
    yield c
    c.close()


def allocations(http: httpx.Client, build: int, stock_item: int) -> list[dict[str, Any]]:
    return list(http.get("/api/build/item/", params={"build": build, "stock_item": stock_item}).json())


def raw_get(server: SimulatorServer, path: str) -> socket.socket:
    """A GET sent on a plain socket, to watch how the answer arrives."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    auth = base64.b64encode(b"admin:inventree").decode()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: sim\r\nAuthorization: Basic {auth}\r\n\r\n".encode())
    return sock


class TestDrop:
    def test_dropped_allocation_is_committed_exactly_once(self, server: SimulatorServer, http: httpx.Client) -> None:
        """An allocation whose answer is lost to a cut connection is on the server once, with its quantity."""
        server.sim.faults.add("drop", method="POST", path=r"/allocate/$", times=1)
        line = http.get("/api/build/line/", params={"build": 3, "part_detail": "true"}).json()
        resistor = next(ln for ln in line if ln["part_detail"]["IPN"] == "R-0603-10K")
        before = sum(a["quantity"] for a in allocations(http, 3, 1))
        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
            http.post(
                "/api/build/3/allocate/",
                json={"items": [{"build_line": resistor["pk"], "stock_item": 1, "quantity": 3}]},
            )
        assert sum(a["quantity"] for a in allocations(http, 3, 1)) == before + 3
        assert [p for m, p in server.sim.log if m == "POST"] == ["/api/build/3/allocate/"]
        assert server.sim.faults.injected == [Injection("drop", "POST", "/api/build/3/allocate/")]
        # the rule was for one request: the next allocation is answered as usual
        r = http.post(
            "/api/build/3/allocate/", json={"items": [{"build_line": resistor["pk"], "stock_item": 1, "quantity": 1}]}
        )
        assert r.status_code == 201 and sum(a["quantity"] for a in allocations(http, 3, 1)) == before + 4

    def test_reset_and_partial_answers(self, server: SimulatorServer, http: httpx.Client) -> None:
        """A reset reads as a connection reset; a half-sent answer as a body cut short; both writes are done."""
        server.sim.faults.add("drop", method="POST", path=r"/hold/$", times=1, how="reset")
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            http.post("/api/build/3/hold/", json={})
        assert http.get("/api/build/3/").json()["status"] == 25
        server.sim.faults.add("drop", method="POST", path=r"/issue/$", times=1, how="partial")
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection without sending complete"):
            http.post("/api/build/3/issue/", json={})
        assert http.get("/api/build/3/").json()["status"] == 20
        assert server.sim.faults.count("drop") == 2

    def test_method_and_path_target_the_rule(self, server: SimulatorServer, http: httpx.Client) -> None:
        """A rule for POSTs to allocate/ leaves reads and other writes alone."""
        server.sim.faults.add("drop", method="POST", path=r"/allocate/$")
        assert http.get("/api/build/3/").status_code == 200
        assert http.post("/api/build/3/hold/", json={}).status_code == 201
        assert server.sim.faults.count() == 0

    def test_write_probability(self, server: SimulatorServer, http: httpx.Client) -> None:
        """``method="WRITE"`` with a probability cuts about that share of writes and no read."""
        server.sim.faults.add("drop", method="WRITE", probability=0.5)
        cut = 0
        for _ in range(40):
            try:
                http.post("/api/build/3/hold/", json={})
            except httpx.RemoteProtocolError:
                cut += 1
            http.get("/api/build/3/")
        assert 5 <= cut <= 35 and server.sim.faults.count("drop") == cut


class TestSlowAndBadAnswers:
    def test_trickle_sends_the_status_line_byte_by_byte(self, server: SimulatorServer) -> None:
        """The whole answer, status line first, comes one byte at a time, then the connection closes."""
        server.sim.faults.add("trickle", path=r"^/api/user/me/$", interval_s=0.003)
        sock = raw_get(server, "/api/user/me/")
        pieces = []
        started = time.monotonic()
        while chunk := sock.recv(4096):
            pieces.append(chunk)
        sock.close()
        data = b"".join(pieces)
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK") and b"connection: close" in head.lower()
        assert json.loads(body)["username"] == "admin"
        # sent a byte at a time; a reader descheduled for a few ms on a loaded machine gets two or three at once
        assert max(len(p) for p in pieces) <= 4 and len(pieces) > len(data) // 3
        assert time.monotonic() - started >= len(data) * 0.003

    def test_trickle_body_only(self, server: SimulatorServer) -> None:
        """With ``body_only`` the headers arrive at once and only the body trickles."""
        server.sim.faults.add("trickle", path=r"^/api/user/me/$", interval_s=0.01, body_only=True)
        sock = raw_get(server, "/api/user/me/")
        first = b""
        while b"\r\n\r\n" not in first:
            first += sock.recv(4096)
        head, _, rest = first.partition(b"\r\n\r\n")
        length = int(
            next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        )
        pieces = [rest] if rest else []
        while sum(map(len, pieces)) < length:
            pieces.append(sock.recv(4096))
        sock.close()
        # a loaded machine may read two bytes at once now and then; a body sent whole would come in one or two
        assert len(rest) < length and len(pieces) >= length // 3, (len(rest), length, len(pieces))
        assert json.loads(b"".join(pieces))["username"] == "admin"

    def test_each_trickled_byte_beats_a_read_timeout(self, server: SimulatorServer) -> None:
        """Bytes come well within a 0.5 s read timeout, so only an overall deadline would end the wait."""
        server.sim.faults.add("trickle", path=r"^/api/build/$", interval_s=0.05, body_only=True, times=1)
        with (
            httpx.Client(
                verify=False, base_url=server.url, auth=("admin", "inventree"), timeout=httpx.Timeout(5, read=0.5)
            ) as slow,
            slow.stream("GET", "/api/build/") as r,
        ):
            started = time.monotonic()
            got = 0
            for chunk in r.iter_raw():
                got += len(chunk)
                if time.monotonic() - started > 1.5:
                    break
        assert r.status_code == 200 and 5 < got < 60

    def test_oversize_announces_two_gigabytes_and_streams_fast(
        self, server: SimulatorServer, http: httpx.Client
    ) -> None:
        """A 200 answer announcing 2 GiB streams filler as fast as it is read; the server stays responsive."""
        server.sim.faults.add("oversize", path=r"^/api/build/$", times=1)
        started = time.monotonic()
        with http.stream("GET", "/api/build/") as r:
            assert r.status_code == 200 and r.headers["content-length"] == str(2 * 1024**3)
            first, got = b"", 0
            for chunk in r.iter_bytes():
                first = first or chunk
                got += len(chunk)
                if got > 20_000_000:
                    break
        assert first.startswith(b'{"count": 1') and time.monotonic() - started < 10
        assert http.get("/api/build/3/").status_code == 200
        assert server.sim.faults.count("oversize") == 1

    def test_nested_body(self, server: SimulatorServer, http: httpx.Client) -> None:
        """A 200 answer nested 200,000 levels deep: a JSON parser gives up on it."""
        server.sim.faults.add("nested", path=r"^/api/build/$", times=1)
        r = http.get("/api/build/", params={"limit": 5})
        assert r.status_code == 200 and len(r.content) == 400_000 and r.content.startswith(b"[[[[")
        with pytest.raises(RecursionError):
            json.loads(r.content)

    def test_redirect_to_https_is_not_carried_out(self, server: SimulatorServer, http: httpx.Client) -> None:
        """A proxy's 301 to the same path and query on https; the write behind it never happens."""
        server.sim.faults.add("redirect", to="https://inventree.example.com", times=2)
        r = http.get("/api/build/", params={"limit": 2})
        assert r.status_code == 301 and r.headers["location"] == "https://inventree.example.com/api/build/?limit=2"
        r = http.post("/api/build/3/hold/", json={})
        assert r.status_code == 301 and r.headers["location"] == "https://inventree.example.com/api/build/3/hold/"
        assert http.get("/api/build/3/").json()["status"] == 20
        assert ("POST", "/api/build/3/hold/") in server.sim.log  # the log still lists every request

    def test_late_lost_and_error_rules(self, server: SimulatorServer, http: httpx.Client) -> None:
        """late: done, answered late; lost: 504 after a wait, not done; error: 502 at once, not done."""
        server.sim.faults.add("late", method="POST", path="/hold/$", delay_s=0.4, times=1)
        started = time.monotonic()
        assert http.post("/api/build/3/hold/", json={}).status_code == 201
        assert time.monotonic() - started >= 0.4 and http.get("/api/build/3/").json()["status"] == 25
        server.sim.faults.add("lost", method="POST", path="/issue/$", delay_s=0.2, times=1)
        r = http.post("/api/build/3/issue/", json={})
        assert r.status_code == 504 and http.get("/api/build/3/").json()["status"] == 25
        server.sim.faults.add("error", method="POST", path="/issue/$", status=503, times=1)
        assert http.post("/api/build/3/issue/", json={}).status_code == 503
        assert http.get("/api/build/3/").json()["status"] == 25
        assert [i.kind for i in server.sim.faults.injected] == ["late", "lost", "error"]

    def test_plain_knobs_are_counted(self, server: SimulatorServer, http: httpx.Client) -> None:
        """``down`` and ``lost_write_ms`` still work as before, and what they inject is counted."""
        server.sim.down = True
        assert http.get("/api/build/3/").status_code == 502
        server.sim.down = False
        server.sim.lost_write_ms = 50
        assert http.post("/api/build/3/hold/", json={}).status_code == 504
        server.sim.lost_write_ms = 0
        assert server.sim.faults.count("error") == 1 and server.sim.faults.count("lost") == 1

    def test_clear_removes_rules(self, server: SimulatorServer, http: httpx.Client) -> None:
        """After ``clear()`` requests are answered normally; what was injected stays counted."""
        server.sim.faults.add("error")
        assert http.get("/api/build/3/").status_code == 502
        server.sim.faults.clear()
        assert http.get("/api/build/3/").status_code == 200 and server.sim.faults.count() == 1


class TestLatency:
    def test_range_draws_per_request(self, server: SimulatorServer, http: httpx.Client) -> None:
        """``latency_ms = (low, high)`` delays each answer by a draw between the two."""
        server.sim.latency_ms = (100, 250)
        times = []
        for _ in range(4):
            started = time.monotonic()
            http.get("/api/build/3/")
            times.append(time.monotonic() - started)
        server.sim.latency_ms = 0
        assert all(0.1 <= t < 0.6 for t in times)

    def test_parse(self) -> None:
        """The command line's latency: a number or a low-high range, never negative or upside down."""
        assert parse_latency("850") == 850.0 and parse_latency("200-1200") == (200.0, 1200.0)
        for bad in ("-5", "1200-200", "abc", "", "5-", "nan"):
            with pytest.raises(ValueError):
                parse_latency(bad)

    def test_bad_rules_are_refused(self, server: SimulatorServer) -> None:
        """A rule with an unknown kind, a probability above 1 or a redirect without a URL is refused."""
        with pytest.raises(ValueError):
            server.sim.faults.add("explode")  # type: ignore[arg-type]  # an unknown kind, on purpose
        with pytest.raises(ValueError):
            server.sim.faults.add("drop", probability=2)
        with pytest.raises(ValueError):
            server.sim.faults.add("redirect")
