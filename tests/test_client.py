"""The API client: every method against the simulator, every §1.4 error shape to its exception."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from functools import partial

import httpx
import pytest

from buildtui.api import (
    ApiError,
    AuthenticationRequired,
    BadResponse,
    BuildQuery,
    InvenTreeClient,
    NotFound,
    PermissionDenied,
    ServerError,
    Unreachable,
    UnsupportedServer,
    ValidationFailed,
)
from buildtui.api.errors import RequestTimeout
from buildtui.api.models import TaskDetail
from buildtui.simulator import SimulatorServer
from tests.conftest import outstanding


class TestReads:
    async def test_session(self, client: InvenTreeClient, server: SimulatorServer) -> None:
        """On connecting, the client learns the API version, who is signed in, their roles and the status labels."""
        info = await client.connect()
        assert info.apiVersion == server.sim.api.version == 530
        assert (await client.me()).username == "admin"
        assert (await client.roles()).allows("build", "add")
        codes = await client.build_status_codes()
        assert codes.label(25) == "On Hold"
        assert (await client.stock_status_codes()).label(65) == "Rejected"

    async def test_list_filters_and_paging(self, client: InvenTreeClient, server: SimulatorServer) -> None:
        """The build list's filters, search and paging give what the server counts; newest first."""
        page = await client.list_builds(BuildQuery(), limit=5)
        assert page.count == outstanding(server.url) and len(page.results) == 5
        refs = sorted(b.reference for b in (await client.list_builds(BuildQuery(), limit=100)).results)
        assert page.results[0].reference == refs[-1]  # newest first
        overdue = await client.list_builds(BuildQuery(overdue=True), limit=50)
        assert overdue.count > 0 and all(b.target_date and b.is_active for b in overdue.results)
        mine = await client.list_builds(BuildQuery(assigned_to_me=True), limit=50)
        assert all(b.responsible in (1, 3) for b in mine.results)
        found = await client.list_builds(BuildQuery(outstanding=None, search="Ölpumpe"), limit=50)
        assert found.count == 4
        build = await client.find_build("bo-0003")
        assert build is not None and build.pk == 3  # case-insensitive exact reference

    async def test_detail_reads(self, client: InvenTreeClient, server: SimulatorServer) -> None:
        """Everything the build screen reads (lines, allocations, outputs, children, stock, serials) reads right."""
        b = await client.get_build(3)
        assert b.quantity == Decimal("25") and b.completed == Decimal("4")
        lines = await client.list_lines(3)
        assert len(lines) == 8 and lines[0].allocations
        assert (await client.get_line(lines[0].pk)).pk == lines[0].pk
        assert len(await client.list_allocations(3)) == 3
        outs = await client.list_outputs(3, is_building=True)
        assert sorted(o.quantity for o in outs) == [Decimal(5), Decimal(6)]
        assert [c.reference for c in await client.child_builds(5)] == ["BO-0006", "BO-0007"]
        cands = await client.candidate_stock(lines[2])  # capacitor template: variants allowed
        assert all(s.part_detail is not None for s in cands)
        assert {s.part_detail.IPN for s in cands if s.part_detail is not None} >= {"C-100N-0603", "C-100N-0805"}
        assert (await client.get_stock(1)).pk == 1
        assert len(await client.list_locations()) == server.sim.db.scalar("SELECT COUNT(*) FROM location")
        assert (await client.get_location(7)).name == "Finished Goods"
        assert (await client.next_serials(25)).next == "103"
        assert (await client.find_stock(serial="101"))[0].serial == "101"
        edited = await client.update_build(3, title="New title")
        assert edited.title == "New title"


class TestActions:
    async def test_every_action(self, client: InvenTreeClient, server: SimulatorServer) -> None:
        """Every write the client makes, against the newest server (background tasks followed to the end)."""
        import asyncio

        async def done(task: TaskDetail | None) -> None:
            """Follow a task to its end (API 494+ answers complete, scrap and delete with one)."""
            while task is not None and task.running:
                await asyncio.sleep(0.1)
                task = await client.get_task(task.task_id)
            assert task is None or task.success

        async def settled() -> None:
            await asyncio.to_thread(server.sim.tasks.wait_idle, 10)

        await client.issue(11)
        assert (await client.get_build(11)).status == 20
        await client.hold(11)
        assert (await client.get_build(11)).status == 25
        await client.issue(11)
        lines = await client.list_lines(11)
        pcb = next(ln for ln in lines if ln.part_detail is not None and ln.part_detail.IPN == "PCB-SB-C")
        stock = (await client.candidate_stock(pcb))[0]
        await client.allocate(11, [{"build_line": pcb.pk, "stock_item": stock.pk, "quantity": Decimal(5)}])
        alloc = (await client.list_allocations(11))[0]
        assert (await client.update_allocation(alloc.pk, Decimal(4))).quantity == Decimal(4)
        await done(await client.consume(11, items=[(alloc.pk, Decimal(1))], notes="test"))
        task = await client.auto_allocate(11)
        assert task is not None and task.task_id
        await done(task)
        await client.unallocate(11, build_line=pcb.pk)
        remaining = await client.list_allocations(11)
        if remaining:
            await client.delete_allocation(remaining[0].pk)
        rest = await client.list_allocations(11)
        if rest:
            await client.delete_allocations([a.pk for a in rest])
        assert await client.list_allocations(11) == []
        outs = await client.create_outputs(11, quantity=5, batch_code="B1")
        assert outs[0].is_building and outs[0].batch == "B1"
        await done(await client.complete_outputs(11, [(outs[0].pk, Decimal(2))], location=7))
        building = await client.list_outputs(11, is_building=True)
        await done(await client.scrap_outputs(11, [(building[0].pk, Decimal(1))], location=8, notes="cracked"))
        building = await client.list_outputs(11, is_building=True)
        await done(await client.delete_outputs(11, [o.pk for o in building]))
        await client.finish(11, accept_unallocated=True, accept_incomplete=True)
        await settled()  # API 530 sets "complete" in its worker
        assert (await client.get_build(11)).status == 40
        await client.cancel(12, remove_allocated_stock=False, remove_incomplete_outputs=True)
        assert (await client.get_build(12)).status == 30

    async def test_scan(self, client: InvenTreeClient) -> None:
        """A scanned build or stock barcode resolves to that build or item; an unknown one is "No match found"."""
        result = await client.scan('{"build": 3}')
        assert result.model == "build" and result.pk == 3
        item = (await client.scan("INV-SI1")).stock_item()
        assert item is not None and item.pk == 1
        with pytest.raises(ValidationFailed) as err:
            await client.scan("nothing-here")
        assert str(err.value) == "No match found for barcode data"


class TestErrorsFromServer:
    async def test_validation_nested_items(self, client: InvenTreeClient) -> None:
        """A refusal of one allocation in a batch is found under that item's quantity, in the server's words."""
        lines = await client.list_lines(3)
        with pytest.raises(ValidationFailed) as err:
            await client.allocate(
                3,
                [
                    {"build_line": lines[0].pk, "stock_item": 1, "quantity": 1},
                    {"build_line": lines[0].pk, "stock_item": 1, "quantity": 99999},
                ],
            )
        exc = err.value
        assert exc.items["items"][0] == {}
        assert exc.for_field("quantity")[0].startswith("Available quantity (")

    async def test_auth_permission_notfound(self, server: SimulatorServer, client: InvenTreeClient) -> None:
        """A bad token, a user without the role and an unknown build each raise their own readable error."""
        bad = InvenTreeClient(server.url, "nope")
        with pytest.raises(AuthenticationRequired, match="Invalid token"):
            await bad.list_builds()
        await bad.aclose()
        async with InvenTreeClient(server.url) as anonymous:
            reader_token = await anonymous.get_token("reader", "readonly")
        reader = InvenTreeClient(server.url, reader_token)
        with pytest.raises(PermissionDenied, match="issue this build order"):
            await reader.issue(3)
        await reader.aclose()
        with pytest.raises(NotFound):
            await client.get_build(99999)
        with pytest.raises(NotFound):  # the real server's 500-on-unknown-build quirk
            await client.issue(99999)

    async def test_unreachable_and_server_down(self, server: SimulatorServer, client: InvenTreeClient) -> None:
        """A port nobody listens on is "refused", named; a server answering 502 is a server error."""
        dead = InvenTreeClient("http://127.0.0.1:9", "x", get_retries=0)
        with pytest.raises(Unreachable) as err:
            await dead.list_builds()
        assert err.value.reason == "refused" and "127.0.0.1:9" in str(err.value)
        await dead.aclose()
        server.sim.down = True
        with pytest.raises(ServerError, match="502"):
            await client.list_builds()
        server.sim.down = False


def mock_client(status: int, body: object, *, content_type: str = "application/json") -> InvenTreeClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, (bytes, str)):
            return httpx.Response(status, content=body, headers={"content-type": content_type})
        return httpx.Response(status, json=body)

    return InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=0)


SHAPES = [
    ({"quantity": ["Ensure this value is greater than or equal to 1."]}, {"quantity"}, []),
    (
        {"non_field_errors": ["Build order must be in production state"]},
        set(),
        ["Build order must be in production state"],
    ),
    ({"outputs": [{}, {"output": ["This build output has already been completed"]}]}, {"outputs.1.output"}, []),
    ({"items": ["Duplicate build item allocation"]}, {"items"}, []),
    ({"stock_item": ["Selected stock item does not match BOM line"]}, {"stock_item"}, []),
    (
        {"non_field_errors": "List of items or filters must be provided for bulk operation"},
        set(),
        ["List of items or filters must be provided for bulk operation"],
    ),
    (["Failed to start auto-allocation task"], set(), ["Failed to start auto-allocation task"]),
    (
        {
            "accept_unallocated": ["Required stock has not been fully allocated"],
            "accept_incomplete": ["Required build quantity has not been completed"],
        },
        {"accept_unallocated", "accept_incomplete"},
        [],
    ),
]


class TestErrorShapes:
    @pytest.mark.parametrize(("body", "fields", "non_field"), SHAPES)
    async def test_shape(self, body: object, fields: set[str], non_field: list[str]) -> None:
        """Each shape of InvenTree's 400 answer lands its messages on the right fields, none lost."""
        client = mock_client(400, body)
        with pytest.raises(ValidationFailed) as err:
            await client.finish(1)
        assert set(err.value.fields) == fields
        assert err.value.non_field == non_field
        for key in fields:
            assert err.value.fields[key]  # the messages are intact

    async def test_html_proxy_page(self) -> None:
        """A proxy's HTML login page instead of JSON is a bad answer that says text/html."""
        client = mock_client(200, "<html>login</html>", content_type="text/html")
        with pytest.raises(BadResponse, match="text/html"):
            await client.get_build(1)

    async def test_truncated_json_and_wrong_types(self) -> None:
        """Cut-off JSON, or fields of the wrong type, are a bad answer, not a crash."""
        with pytest.raises(BadResponse):
            await mock_client(200, b'{"pk": 1, "refer').get_build(1)
        with pytest.raises(BadResponse):
            await mock_client(200, {"pk": "x", "reference": None}).get_build(1)

    async def test_server_500_body(self) -> None:
        """A server error 500 carries the server's detail (see the admin panel) into the message."""
        body = {"error": "ValueError", "detail": "Error details can be found in the admin panel", "status_code": 500}
        with pytest.raises(ServerError, match="admin panel"):
            await mock_client(500, body).get_build(1)

    async def test_old_server(self) -> None:
        """A server older than the oldest supported API is refused, naming its API version."""
        with pytest.raises(UnsupportedServer, match="API 300"):
            await mock_client(200, {"server": "InvenTree", "apiVersion": 300}).connect()

    async def test_old_server_reported_before_what_it_does_not_know(self) -> None:
        """The session requests go out together; the version check's verdict wins over their 404s."""
        from buildtui.state import Store

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/":
                return httpx.Response(200, json={"server": "InvenTree", "apiVersion": 300})
            return httpx.Response(404, json={"detail": "Not found."})

        store = Store(InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=0))
        with pytest.raises(UnsupportedServer, match="API 300"):
            await store.bootstrap()
        assert not store.ready

    async def test_post_timeout_is_not_retried(self) -> None:
        """A write that timed out is never sent again (its outcome is unknown); reads are retried with backoff."""
        calls = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request.method)
            raise httpx.ReadTimeout("slow", request=request)

        client = InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=2, backoff=0)
        with pytest.raises(RequestTimeout) as err:
            await client.issue(1)
        assert err.value.outcome_unknown and calls == ["POST"]
        with pytest.raises(RequestTimeout):
            await client.get_build(1)
        assert calls == ["POST", "GET", "GET", "GET"]  # GETs retry with backoff

    async def test_token_never_in_repr(self) -> None:
        """The client's repr never shows the token."""
        client = InvenTreeClient("http://test", "inv-secret-token")
        assert "secret" not in repr(client)
        await client.aclose()


class TestBoundedAnswers:
    """Whatever comes back, the client answers with a readable error, within its deadline and size cap."""

    async def test_deeply_nested_answer_is_a_readable_error(self) -> None:
        """A reply nested 200,000 levels deep is 'nested too deeply', not an exception nobody catches."""
        client = mock_client(200, b"[" * 200_000 + b"]" * 200_000)
        with pytest.raises(BadResponse, match="nested too deeply"):
            await client.list_builds()
        await client.aclose()

    async def test_oversized_answer_is_refused_unread(self) -> None:
        """An answer announcing 2 GB is refused from its headers, with the size in the message."""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"content-length": str(2 * 1024**3)}, content=b"[]")

        client = InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=0)
        with pytest.raises(BadResponse, match="2,147 MB; buildtui reads at most 33 MB"):
            await client.list_builds()
        await client.aclose()

    async def test_streamed_answer_past_the_cap_is_cut(self) -> None:
        """An answer with no length that keeps coming is cut at the cap."""
        from buildtui.api.transport import HttpxSender

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(100):
                yield b"x" * 100_000

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=chunks())

        sender = HttpxSender(
            "http://test",
            headers={},
            timeout=5,
            verify=True,
            transport=httpx.MockTransport(handler),
            max_bytes=1_000_000,
        )
        from buildtui.api.transport import AnswerTooLarge

        with pytest.raises(AnswerTooLarge):
            await sender.send("GET", "/api/build/", params=None, json_body=None, headers={})
        await sender.aclose()

    async def test_redirect_names_the_address_to_use(self) -> None:
        """An http server redirecting to https: the message says which --server to use."""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                301, headers={"location": "https://inventree.example/api/build/"}, content=b"<html>moved</html>"
            )

        client = InvenTreeClient("http://inventree.example", "t", transport=httpx.MockTransport(handler), get_retries=0)
        from buildtui.api import Redirected

        with pytest.raises(Redirected, match="--server https://inventree.example"):
            await client.list_builds()
        await client.aclose()

    @pytest.mark.parametrize("failure", ["read", "protocol", "timeout", "502"])
    async def test_lost_answer_to_a_write_is_outcome_unknown(self, failure: str) -> None:
        """Connection cut, closed mid-answer, timed out, or a proxy's 502 after a POST: 'may or may not have been
        carried out', never plain 'unreachable'; a refused connection is not unknown (nothing was sent)."""

        def handler(request: httpx.Request) -> httpx.Response:
            if failure == "read":
                raise httpx.ReadError("connection reset by peer", request=request)
            if failure == "protocol":
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body", request=request
                )
            if failure == "timeout":
                raise httpx.ReadTimeout("timed out", request=request)
            return httpx.Response(502, content=b"<html>Bad Gateway</html>", headers={"content-type": "text/html"})

        client = InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=0)
        with pytest.raises(ApiError) as caught:
            await client.allocate(1, [{"build_line": 1, "stock_item": 2, "quantity": 1}])
        assert caught.value.outcome_unknown and "may or may not have been carried out" in str(caught.value)
        with pytest.raises(ApiError) as caught:
            await client.list_builds()  # the same failure on a read is just a failure
        assert not caught.value.outcome_unknown
        await client.aclose()

    async def test_refused_write_was_not_sent(self) -> None:
        """A write whose connection was refused is known not to have happened: "connection refused", not unknown."""

        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

        client = InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=0)
        with pytest.raises(ApiError) as caught:
            await client.hold(1)
        assert not caught.value.outcome_unknown and "connection refused" in str(caught.value)
        await client.aclose()

    async def test_a_cut_read_is_not_said_refused(self) -> None:
        """A read whose connection the server closed without answering says the connection broke, not "connection
        refused (is the server running?)": the server is running, the advice would send the operator the wrong
        way."""

        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

        client = InvenTreeClient("http://test", "t", transport=httpx.MockTransport(handler), get_retries=0)
        for call in (client.list_builds, partial(client.scan, "BO-0003")):
            with pytest.raises(Unreachable) as caught:
                await call()
            assert caught.value.reason == "cut" and "refused" not in str(caught.value), str(caught.value)
            assert "broke before the answer arrived" in str(caught.value)
        await client.aclose()

    async def test_trickling_answer_ends_at_the_deadline(self, server: SimulatorServer, token: str) -> None:
        """A server sending one byte a second: the request ends at the overall deadline, not after minutes."""
        import socket
        import threading
        import time

        listener = socket.create_server(("127.0.0.1", 0))
        stop = threading.Event()

        def serve() -> None:
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            while not stop.wait(0.3):
                try:
                    conn.sendall(b" ")
                except OSError:
                    break
            conn.close()

        threading.Thread(target=serve, daemon=True).start()
        client = InvenTreeClient(f"http://127.0.0.1:{listener.getsockname()[1]}", "t", timeout=1.0, get_retries=0)
        start = time.monotonic()
        with pytest.raises(ApiError, match="did not answer within 1 s"):
            await client.list_builds()
        assert time.monotonic() - start < 2.0
        stop.set()
        listener.close()
        await client.aclose()


class TestBarcodeLookup:
    async def test_a_lost_lookup_is_retried_and_never_may_have_been_done(
        self, server: SimulatorServer, token: str
    ) -> None:
        """A scan's lookup (POST /api/barcode/) changes nothing: a dropped answer is retried like a read, and
        when it still fails the operator never reads "may or may not have been carried out"."""
        client = InvenTreeClient(server.url, token, get_retries=1, backoff=0.01)
        try:
            server.sim.faults.add("drop", method="POST", path=r"^/api/barcode/$", times=1)
            result = await client.scan("INV-SI1")
            assert result.model == "stockitem" and result.pk == 1
            assert len([p for m, p in server.sim.log if m == "POST" and p == "/api/barcode/"]) >= 1
            server.sim.faults.add("drop", method="POST", path=r"^/api/barcode/$", times=2)
            with pytest.raises(Unreachable) as lost:
                await client.scan("INV-SI1")
            assert not lost.value.outcome_unknown and "may or may not" not in str(lost.value)
        finally:
            await client.aclose()
