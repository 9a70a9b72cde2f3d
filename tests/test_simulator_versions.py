"""The simulator answers as InvenTree API 425, 477 and 530 do (shared/docs/inventree-api-versions.md), over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.simulator.versions import DEFAULT_API, PROFILES, ApiChoice
from tests import web

TASK_KEYS = {"task_id", "exists", "pending", "complete", "success", "http_status"}
DELAY = 0.3


class Sim:
    """A running simulator of one version and an admin's client for it."""

    def __init__(self, api: ApiChoice, substitutes_in_line_detail: bool | None = None) -> None:
        self.server = SimulatorServer(
            build_simulator(api=api, task_delay_s=DELAY, substitutes_in_line_detail=substitutes_in_line_detail)
        ).start()
        self.sim = self.server.sim
        self.http = httpx.Client(verify=False, base_url=self.server.url, auth=("admin", "inventree"), timeout=10)

    def post(self, build: int, action: str, body: object) -> httpx.Response:
        return self.http.post(f"/api/build/{build}/{action}/", json=body)

    def build(self, pk: int) -> dict[str, Any]:
        return dict(self.http.get(f"/api/build/{pk}/").json())

    def new_build(self, part: int = 24, quantity: int = 2) -> int:
        r = self.http.post("/api/build/", json={"part": part, "quantity": quantity})
        assert r.status_code == 201, r.text
        return int(r.json()["pk"])

    def new_output(self, build: int, quantity: int = 2) -> int:
        r = self.post(build, "create-output", {"quantity": quantity})
        assert r.status_code == 201, r.text
        return int(r.json()[0]["pk"])

    def wait_task(self, task_id: str, timeout: float = 5) -> dict[str, Any]:
        """Follow a task as a client must: GET /api/background-task/<id>/ until it is complete."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.http.get(f"/api/background-task/{task_id}/").json()
            if body["complete"] or time.monotonic() > deadline:
                return dict(body)
            time.sleep(0.05)

    def allocations(self, build: int) -> list[dict[str, Any]]:
        return list(self.http.get("/api/build/item/", params={"build": build}).json())

    def close(self) -> None:
        self.http.close()
        self.server.stop()


@pytest.fixture
def v530() -> Iterator[Sim]:
    s = Sim(530)
    yield s
    s.close()


@pytest.fixture
def v477() -> Iterator[Sim]:
    s = Sim(477)
    yield s
    s.close()


@pytest.fixture
def v425() -> Iterator[Sim]:
    s = Sim(425)
    yield s
    s.close()


def test_default_follows_versions_default_api() -> None:
    """``build_simulator()`` is versions.DEFAULT_API ("legacy" until the app's client follows background tasks)."""
    assert build_simulator().api is PROFILES[DEFAULT_API]


@pytest.mark.parametrize(
    "api, version, server, worker",
    [
        (425, 425, "1.2.0 dev", False),
        (477, 477, "1.3.0", True),
        (530, 530, "1.5.0 dev", True),
        ("legacy", 477, "1.3.0 dev (buildtui simulator)", False),
    ],
)
def test_info_reports_the_version(api: ApiChoice, version: int, server: str, worker: bool) -> None:
    """``GET /api/`` names the chosen API version, a matching server version and whether a worker runs."""
    s = Sim(api)
    try:
        info = web.get(s.server.url + "/api/").json()
        assert (info["apiVersion"], info["version"], info["worker_running"]) == (version, server, worker)
    finally:
        s.close()


class TestStatusCodes:
    @pytest.mark.parametrize(
        "api, code, shape", [(425, 201, "echo"), (477, 200, "task"), (530, 200, "task"), ("legacy", 201, "done")]
    )
    def test_auto_allocate(self, api: ApiChoice, code: int, shape: str) -> None:
        """auto-allocate/: 425 echoes its options; 477 and 530 answer 200 with a pending task; legacy 201, done."""
        s = Sim(api)
        try:
            b = s.new_build(quantity=1)
            r = s.post(b, "auto-allocate", {"interchangeable": True})
            assert r.status_code == code
            body = r.json()
            if shape == "echo":
                assert body == {
                    "location": None,
                    "exclude_location": None,
                    "interchangeable": True,
                    "substitutes": True,
                    "optional_items": False,
                }
                assert s.allocations(b)  # done before the answer
            else:
                assert set(body) == TASK_KEYS and body["pending"] is (shape == "task")
                assert body["complete"] is (shape == "done")
        finally:
            s.close()

    @pytest.mark.parametrize("api, code", [(425, 201), (477, 201), (530, 200), ("legacy", 201)])
    def test_complete_output(self, api: ApiChoice, code: int) -> None:
        """complete/ answers 201 with its echo up to 477, 200 with a TaskDetail on 530."""
        s = Sim(api)
        try:
            b = s.new_build()
            out = s.new_output(b)
            r = s.post(b, "complete", {"outputs": [{"output": out}], "location": 7})
            assert r.status_code == code
            assert (set(r.json()) == TASK_KEYS) is (api == 530)
        finally:
            s.close()

    def test_refusals_are_400_on_every_version(self, v530: Sim) -> None:
        """A task endpoint still checks in the request: a bad body is a 400 with InvenTree's message, no task."""
        b = v530.new_build()
        r = v530.post(b, "complete", {"outputs": [{"output": 99999}], "location": 7})
        assert r.status_code == 400 and r.json() == {
            "outputs": [{"output": ['Invalid pk "99999" - object does not exist.']}]
        }
        assert v530.sim.tasks.tasks == {}


class TestTaskLifecycle:
    def test_complete_runs_later(self, v530: Sim) -> None:
        """530: the output still reads as building right after the answer, and completed once the task is done."""
        b = v530.new_build()
        out = v530.new_output(b)
        task = v530.post(b, "complete", {"outputs": [{"output": out}], "location": 7}).json()
        assert task["pending"] and not task["complete"] and task["task_id"]
        assert v530.http.get(f"/api/stock/{out}/").json()["is_building"] is True
        assert v530.build(b)["completed"] == 0
        assert v530.http.get("/api/").json()["worker_pending_tasks"] == 1
        done = v530.wait_task(task["task_id"])
        assert done == {**task, "pending": False, "complete": True, "success": True}
        assert v530.http.get(f"/api/stock/{out}/").json()["is_building"] is False
        assert v530.build(b)["completed"] == 2

    def test_a_failing_task_does_nothing(self, v530: Sim) -> None:
        """``fail_next_tasks``: the next task ends complete, success false, and the output is still building."""
        v530.sim.fail_next_tasks = 1
        b = v530.new_build()
        out = v530.new_output(b)
        task = v530.post(b, "complete", {"outputs": [{"output": out}], "location": 7}).json()
        done = v530.wait_task(task["task_id"])
        assert (done["complete"], done["success"], done["http_status"]) == (True, False, 200)
        assert v530.http.get(f"/api/stock/{out}/").json()["is_building"] is True and v530.build(b)["completed"] == 0
        assert v530.sim.fail_next_tasks == 0
        again = v530.post(b, "complete", {"outputs": [{"output": out}], "location": 7}).json()
        assert v530.wait_task(again["task_id"])["success"] is True and v530.build(b)["completed"] == 2

    def test_duplicates_share_one_task(self, v530: Sim) -> None:
        """The same action posted while the first is queued gets the same id, and is done once."""
        b = v530.new_build()
        out = v530.new_output(b)
        body = {"outputs": [{"output": out}], "location": 7}
        first, second = v530.post(b, "complete", body).json(), v530.post(b, "complete", body).json()
        assert first["task_id"] == second["task_id"] and len(v530.sim.tasks.tasks) == 1
        v530.wait_task(first["task_id"])
        assert v530.build(b)["completed"] == 2
        r = v530.post(b, "complete", body)  # after the task ran: refused in the request
        assert r.status_code == 400
        assert r.json() == {"outputs": [{"output": ["This build output has already been completed"]}]}

    def test_scrap_delete_consume_and_auto_allocate(self, v530: Sim) -> None:
        """Each TaskDetail endpoint does its work after the delay: scrap, delete, auto-allocate, consume."""
        b = v530.new_build(quantity=4)
        v530.post(b, "issue", {})
        scrap, delete = v530.new_output(b, 1), v530.new_output(b, 1)
        t1 = v530.post(b, "scrap-outputs", {"outputs": [{"output": scrap}], "location": 7, "notes": "bent"}).json()
        t2 = v530.post(b, "delete-outputs", {"outputs": [{"output": delete}]}).json()
        t3 = v530.post(b, "auto-allocate", {"interchangeable": True}).json()
        assert v530.allocations(b) == [] and v530.http.get(f"/api/stock/{delete}/").status_code == 200
        assert all(v530.wait_task(t["task_id"])["success"] for t in (t1, t2, t3))
        assert v530.http.get(f"/api/stock/{scrap}/").json()["status"] == 65
        assert v530.http.get(f"/api/stock/{delete}/").status_code == 404
        items = v530.allocations(b)
        assert items
        t4 = v530.post(b, "consume", {"items": [{"build_item": items[0]["pk"], "quantity": items[0]["quantity"]}]})
        assert t4.status_code == 200 and len(v530.allocations(b)) == len(items)
        assert v530.wait_task(t4.json()["task_id"])["success"] and len(v530.allocations(b)) == len(items) - 1

    def test_477_offloads_only_allocation_work(self, v477: Sim) -> None:
        """477: auto-allocate is a task; complete/ is still done before its 201."""
        b = v477.new_build(quantity=1)
        task = v477.post(b, "auto-allocate", {"interchangeable": True}).json()
        assert v477.allocations(b) == []
        assert v477.wait_task(task["task_id"])["success"] and v477.allocations(b)
        out = v477.new_output(b, 1)
        assert (
            v477.post(
                b, "complete", {"outputs": [{"output": out}], "location": 7, "accept_incomplete_allocation": True}
            ).status_code
            == 201
        )
        assert v477.build(b)["completed"] == 1


class TestTaskEndpoint:
    def test_any_signed_in_user_may_read_a_task(self, v530: Sim) -> None:
        """A reader follows a task; an unknown id is 404 with exists false; no credentials is 401."""
        b = v530.new_build()
        out = v530.new_output(b)
        task_id = v530.post(b, "complete", {"outputs": [{"output": out}], "location": 7}).json()["task_id"]
        url = f"{v530.server.url}/api/background-task/{task_id}/"
        assert web.get(url, auth=("reader", "readonly")).json()["task_id"] == task_id
        r = web.get(f"{v530.server.url}/api/background-task/0123abcd/", auth=("reader", "readonly"))
        assert r.status_code == 404 and r.json()["exists"] is False and r.json()["http_status"] == 404
        assert web.get(url).status_code == 401

    def test_overview_is_for_admins(self, v530: Sim) -> None:
        """``GET /api/background-task/`` answers an admin, and refuses a reader with 403."""
        assert set(v530.http.get("/api/background-task/").json()) == {
            "is_running",
            "pending_tasks",
            "scheduled_tasks",
            "failed_tasks",
        }
        assert web.get(v530.server.url + "/api/background-task/", auth=("reader", "readonly")).status_code == 403

    def test_no_task_endpoint_on_425(self, v425: Sim) -> None:
        """425 has no per-task endpoint."""
        r = v425.http.get("/api/background-task/0123abcd/")
        assert r.status_code == 404 and r.json()["detail"] == "API endpoint not found"


class TestFinishAndCancel:
    def test_530_finish_sets_complete_in_the_worker(self, v530: Sim) -> None:
        """530: finish answers 201 while the build still reads Production; Complete and consumed a moment later."""
        b = v530.new_build(part=29, quantity=1)
        v530.post(b, "issue", {})
        v530.wait_task(v530.post(b, "auto-allocate", {"interchangeable": True}).json()["task_id"])
        out = v530.new_output(b, 1)
        v530.wait_task(v530.post(b, "complete", {"outputs": [{"output": out}], "location": 7}).json()["task_id"])
        assert v530.allocations(b)
        r = v530.post(b, "finish", {"accept_unallocated": True})
        assert r.status_code == 201 and r.json()["accept_unallocated"] is True
        assert v530.build(b)["status"] == 20
        assert v530.sim.tasks.wait_idle(5)
        assert v530.build(b)["status"] == 40 and v530.allocations(b) == []

    def test_477_finish_sets_complete_at_once(self, v477: Sim) -> None:
        """477: Complete at once; the allocations are carried out by the worker a moment later."""
        b = v477.new_build(part=29, quantity=1)
        v477.post(b, "issue", {})
        v477.wait_task(v477.post(b, "auto-allocate", {"interchangeable": True}).json()["task_id"])
        out = v477.new_output(b, 1)
        v477.post(b, "complete", {"outputs": [{"output": out}], "location": 7})
        assert v477.post(b, "finish", {"accept_unallocated": True}).status_code == 201
        assert v477.build(b)["status"] == 40 and v477.allocations(b)
        assert v477.sim.tasks.wait_idle(5) and v477.allocations(b) == []

    def test_530_cancel_now_allocations_later_and_once(self, v530: Sim) -> None:
        """530: Cancelled at once, allocations gone a moment later; a second cancel changes nothing."""
        b = v530.new_build(quantity=1)
        v530.post(b, "issue", {})
        v530.wait_task(v530.post(b, "auto-allocate", {"interchangeable": True}).json()["task_id"])
        r = v530.post(b, "cancel", {})
        assert r.status_code == 201 and r.json() == {
            "remove_allocated_stock": False,
            "remove_incomplete_outputs": False,
        }
        assert v530.build(b)["status"] == 30 and v530.allocations(b)
        assert v530.sim.tasks.wait_idle(5) and v530.allocations(b) == []
        out = v530.new_output(b, 1)
        assert v530.post(b, "cancel", {"remove_incomplete_outputs": True}).status_code == 201
        assert v530.http.get(f"/api/stock/{out}/").json()["is_building"] is True  # a no-op: the output stays
        assert v530.sim.tasks.pending_count() == 0

    def test_425_cancel_runs_again(self, v425: Sim) -> None:
        """425: a second cancel runs again (here: removing the output that is still in production)."""
        b = v425.new_build(quantity=1)
        v425.post(b, "cancel", {})
        out = v425.new_output(b, 1)
        assert v425.post(b, "cancel", {"remove_incomplete_outputs": True}).status_code == 201
        assert v425.http.get(f"/api/stock/{out}/").status_code == 404


class TestUnknownBuild:
    @pytest.mark.parametrize(
        "action", ["auto-allocate", "consume", "complete", "scrap-outputs", "delete-outputs", "create-output"]
    )
    def test_530_task_endpoints_404(self, v530: Sim, action: str) -> None:
        """530: the TaskDetail endpoints and create-output say 404 Build not found."""
        r = v530.post(99999, action, {})
        assert r.status_code == 404 and r.json() == {"detail": "Build not found"}

    @pytest.mark.parametrize("action", ["issue", "hold", "cancel", "finish"])
    def test_530_state_actions_still_500(self, v530: Sim, action: str) -> None:
        """530: issue, hold, cancel and finish still fail with 500 KeyError."""
        r = v530.post(99999, action, {})
        assert r.status_code == 500 and r.json()["error"] == "KeyError"

    def test_425_is_500(self, v425: Sim) -> None:
        """425: an unknown build on complete/ is a 500 KeyError."""
        assert v425.post(99999, "complete", {}).status_code == 500


class TestOptInFields:
    def test_425_lines_carry_details_by_default(self, v425: Sim) -> None:
        """425: a line has part, BOM item, assembly details and allocations unless told otherwise."""
        ln = v425.http.get("/api/build/line/", params={"build": 3}).json()[0]
        assert ln["part_detail"]["pk"] == ln["part"] and ln["bom_item_detail"]["pk"] == ln["bom_item"]
        assert isinstance(ln["assembly_detail"], dict) and isinstance(ln["allocations"], list)
        assert "build_detail" not in ln and "category_detail" not in ln
        off = v425.http.get("/api/build/line/", params={"build": 3, "part_detail": "false"}).json()[0]
        assert "part_detail" not in off

    def test_530_lines_opt_in(self, v530: Sim) -> None:
        """530: part, BOM item, assembly and category details only when asked; allocations and build by default."""
        ln = v530.http.get("/api/build/line/", params={"build": 3}).json()[0]
        for name in ("part_detail", "bom_item_detail", "assembly_detail", "category_detail"):
            assert name not in ln
        assert isinstance(ln["allocations"], list) and ln["build_detail"]["pk"] == 3
        asked = v530.http.get(
            f"/api/build/line/{ln['pk']}/", params={"part_detail": "true", "bom_item_detail": "true"}
        ).json()
        assert asked["part_detail"]["pk"] == asked["part"] and asked["bom_item_detail"]["pk"] == asked["bom_item"]

    def test_477_lines_and_items_opt_in(self, v477: Sim) -> None:
        """477 (the schema seed): every line and allocation detail is opt-in."""
        ln = v477.http.get("/api/build/line/", params={"build": 3}).json()[0]
        assert not {"allocations", "part_detail", "bom_item_detail", "build_detail"} & set(ln)
        item = v477.http.get("/api/build/item/", params={"build": 3}).json()[0]
        assert not {"part_detail", "stock_item_detail", "location_detail", "build_detail"} & set(item)

    def test_530_allocations_carry_details_by_default(self, v530: Sim) -> None:
        """530: allocations carry part, stock item, location and build details; the output's only when asked."""
        item = v530.http.get("/api/build/item/", params={"build": 3}).json()[0]
        assert item["part_detail"]["pk"] and item["stock_item_detail"]["pk"] == item["stock_item"]
        assert item["build_detail"]["pk"] == 3 and "location_detail" in item and "install_into_detail" not in item

    @pytest.mark.parametrize("api, default", [(425, True), (477, False), (530, False)])
    def test_stock_part_detail(self, api: ApiChoice, default: bool) -> None:
        """Stock rows carry part_detail by default only before API 432."""
        s = Sim(api)
        try:
            row = s.http.get("/api/stock/", params={"limit": 1}).json()["results"][0]
            assert (row.get("part_detail") is not None) is default
            asked = s.http.get("/api/stock/", params={"limit": 1, "part_detail": "true"}).json()["results"][0]
            assert asked["part_detail"]["pk"] == asked["part"]
        finally:
            s.close()

    @pytest.mark.parametrize("api, present", [(425, False), (477, True), (530, False)])
    def test_build_parameters(self, api: ApiChoice, present: bool) -> None:
        """A build's ``parameters``: absent on 425, listed on 477, opt-in on 530."""
        s = Sim(api)
        try:
            assert ("parameters" in s.build(3)) is present
            if api == 530:
                assert s.http.get("/api/build/3/", params={"parameters": "true"}).json()["parameters"] == []
        finally:
            s.close()


class TestSubstitutes:
    def test_endpoint_lists_a_bom_items_substitutes(self, v530: Sim) -> None:
        """``/api/bom/substitute/?bom_item=`` gives each substitute with its part; filters and pages."""
        rows = v530.http.get("/api/bom/substitute/").json()
        assert rows and set(rows[0]) == {"pk", "bom_item", "part", "part_detail"}
        bom_item = rows[0]["bom_item"]
        mine = v530.http.get("/api/bom/substitute/", params={"bom_item": bom_item}).json()
        assert mine and all(r["bom_item"] == bom_item for r in mine)
        assert mine[0]["part_detail"]["pk"] == mine[0]["part"]
        page = v530.http.get("/api/bom/substitute/", params={"limit": 1}).json()
        assert page["count"] == len(rows) and len(page["results"]) == 1
        r = v530.http.get("/api/bom/substitute/", params={"bom_item": 99999})
        assert r.status_code == 400
        one = v530.http.get(f"/api/bom/substitute/{rows[0]['pk']}/").json()
        assert one == rows[0]
        assert v530.http.get("/api/bom/substitute/99999/").status_code == 404

    @pytest.mark.parametrize("api", [425, 530])
    def test_real_servers_leave_substitutes_out_of_line_detail(self, api: ApiChoice) -> None:
        """425 and 530 alike: ``bom_item_detail`` has no ``substitutes``; the endpoint has them."""
        s = Sim(api)
        try:
            lines = s.http.get("/api/build/line/", params={"build": 3, "bom_item_detail": "true"}).json()
            assert lines and all("substitutes" not in ln["bom_item_detail"] for ln in lines)
            with_subs = [ln for ln in lines if ln["available_substitute_stock"] > 0]
            assert with_subs  # the seed has a line with substitute stock
            bom_item = with_subs[0]["bom_item"]
            assert s.http.get("/api/bom/substitute/", params={"bom_item": bom_item}).json()
        finally:
            s.close()

    def test_flag_puts_them_back(self) -> None:
        """``substitutes_in_line_detail=True`` lists them in bom_item_detail, with the endpoint's pk and part."""
        s = Sim(530, substitutes_in_line_detail=True)
        try:
            subs = s.http.get("/api/bom/substitute/").json()
            bom_item = subs[0]["bom_item"]
            ln = s.http.get("/api/build/line/", params={"bom_item": bom_item, "bom_item_detail": "true"}).json()[0]
            expected = [{"pk": r["pk"], "part": r["part"]} for r in subs if r["bom_item"] == bom_item]
            assert ln["bom_item_detail"]["substitutes"] == expected
        finally:
            s.close()

    def test_legacy_keeps_them_in_line_detail(self) -> None:
        """The legacy simulator (today's default) lists substitutes in bom_item_detail, as the app reads them today."""
        s = Sim("legacy")
        try:
            lines = s.http.get("/api/build/line/", params={"build": 3, "bom_item_detail": "true"}).json()
            assert any(ln["bom_item_detail"]["substitutes"] for ln in lines)
        finally:
            s.close()
