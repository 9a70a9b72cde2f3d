"""The simulator behaves as InvenTree does: the ranked rules of the semantics document (§8), over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from buildtui.simulator import SimulatorServer, build_simulator
from tests import web

SCHEMA_BUILD = {
    "barcode_hash": str,
    "completed": int,
    "creation_date": str,
    "level": int,
    "overdue": bool,
    "part": int,
    "part_name": str,
    "pk": int,
    "quantity": float,
    "reference": str,
    "status": int,
    "status_text": str,
    "title": str,
    "priority": int,
    "external": bool,
    "link": str,
}
SCHEMA_LINE = {
    "allocated": float,
    "allow_variants": bool,
    "available_stock": float,
    "available_substitute_stock": float,
    "available_variant_stock": float,
    "bom_item": int,
    "build": int,
    "build_reference": str,
    "consumable": bool,
    "consumed": float,
    "external_stock": float,
    "in_production": float,
    "inherited": bool,
    "on_order": float,
    "optional": bool,
    "part": int,
    "pk": int,
    "quantity": float,
    "reference": str,
    "scheduled_to_build": float,
    "testable": bool,
    "trackable": bool,
}
SCHEMA_ITEM = {"bom_reference": str, "build": int, "pk": int, "quantity": float, "stock_item": int}
NULLABLE_BUILD = [
    "batch",
    "completion_date",
    "destination",
    "parent",
    "project_code",
    "responsible",
    "sales_order",
    "start_date",
    "take_from",
    "target_date",
    "issued_by",
    "status_custom_key",
    "part_detail",
    "issued_by_detail",
    "responsible_detail",
    "project_code_detail",
    "project_code_label",
    "parameters",
]


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    """These rules are checked on the "legacy" simulator (API 477, every action done before its answer), whatever
    the default version is (tests/test_simulator_versions.py covers 425, 477 and 530)."""
    srv = SimulatorServer(build_simulator(api="legacy")).start()
    yield srv
    srv.stop()


@pytest.fixture
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    c = httpx.Client(verify=False, base_url=server.url, auth=("admin", "inventree"))
    yield c
    c.close()


def post(http: httpx.Client, build: int, action: str, body: object) -> httpx.Response:
    return http.post(f"/api/build/{build}/{action}/", json=body)


def lines(http: httpx.Client, build: int) -> list[dict[str, Any]]:
    return list(http.get("/api/build/line/", params={"build": build}).json())


def line_for(http: httpx.Client, build: int, ipn: str) -> dict[str, Any]:
    for ln in http.get("/api/build/line/", params={"build": build, "part_detail": "true"}).json():
        if ln["part_detail"]["IPN"] == ipn:
            return dict(ln)
    raise AssertionError(ipn)


def new_build(http: httpx.Client, part: int = 24, quantity: int = 10, **extra: object) -> dict[str, Any]:
    r = http.post("/api/build/", json={"part": part, "quantity": quantity, **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def stock(http: httpx.Client, **params: str | int) -> list[dict[str, Any]]:
    return list(http.get("/api/stock/", params=params).json())


class TestContract:
    """Every field the schema lists is present with its JSON type, in list and detail responses."""

    @pytest.mark.parametrize("path", ["/api/build/?limit=5", "/api/build/3/"])
    def test_build_fields(self, http: httpx.Client, path: str) -> None:
        """Every build field the schema lists comes with its JSON type, in the list and the detail."""
        body = http.get(path).json()
        rows = body["results"] if "results" in body else [body]
        for row in rows:
            for name, kind in SCHEMA_BUILD.items():
                assert isinstance(row[name], kind), (name, row[name])
            for name in NULLABLE_BUILD:
                assert name in row

    @pytest.mark.parametrize("path", ["/api/build/line/?build=3&limit=50", "/api/build/line/13/"])
    def test_line_fields(self, http: httpx.Client, path: str) -> None:
        """Every build line field the schema lists comes with its JSON type, in the list and the detail."""
        body = http.get(path).json()
        for row in body["results"] if "results" in body else [body]:
            for name, kind in SCHEMA_LINE.items():
                assert isinstance(row[name], kind), (name, row[name])

    @pytest.mark.parametrize("path", ["/api/build/item/?build=3&limit=50", "/api/build/item/10/"])
    def test_item_fields(self, http: httpx.Client, path: str) -> None:
        """Every allocation field the schema lists comes with its JSON type, in the list and the detail."""
        body = http.get(path).json()
        rows = body["results"] if "results" in body else [body]
        assert rows
        for row in rows:
            for name, kind in SCHEMA_ITEM.items():
                assert isinstance(row[name], kind), (name, row[name])
            for name in ("build_line", "install_into", "location", "part_detail", "stock_item_detail"):
                assert name in row


class TestRule1CreateLines:
    def test_required_quantity_formula(self, http: httpx.Client) -> None:
        """q = ceil(((bom × N)(1 + attrition) + setup) / multiple) × multiple; virtual parts excluded."""
        b = new_build(http, quantity=10)
        screw = line_for(http, b["pk"], "HW-M3X6")
        # 4 × 10 = 40 → ×1.1 = 44 → +2 = 46 → ceil to 5 = 50
        assert screw["quantity"] == 50.0
        assert all(
            ln["part_detail"]["IPN"] != "V-LAB"
            for ln in http.get("/api/build/line/", params={"build": b["pk"], "part_detail": "true"}).json()
        )

    def test_next_reference_and_pattern(self, http: httpx.Client) -> None:
        """A new build gets the next BO- reference; one off the pattern, or taken, is refused in InvenTree's words."""
        highest = max(int(b["reference"].removeprefix("BO-")) for b in http.get("/api/build/").json())
        b = new_build(http)
        assert b["reference"] == f"BO-{highest + 1:04d}" and b["status"] == 10
        r = http.post("/api/build/", json={"part": 24, "reference": "XX-1"})
        assert r.json() == {"reference": ["Reference must match required pattern: BO-{ref:04d}"]}
        r = http.post("/api/build/", json={"part": 24, "reference": "BO-0003"})
        assert r.json() == {"reference": ["Build Order with this Reference already exists."]}

    def test_quantity_rescales_lines_on_patch(self, http: httpx.Client) -> None:
        """Doubling a build's quantity doubles its lines; its status cannot be set by a PATCH."""
        b = new_build(http, quantity=2)
        before = line_for(http, b["pk"], "R-0603-10K")["quantity"]
        assert http.patch(f"/api/build/{b['pk']}/", json={"quantity": 4, "status": 40}).status_code == 200
        assert line_for(http, b["pk"], "R-0603-10K")["quantity"] == before * 2
        assert http.get(f"/api/build/{b['pk']}/").json()["status"] == 10  # status is read-only


class TestRule2Status:
    def test_issue_hold_are_silent_noops(self, http: httpx.Client) -> None:
        """Issue or hold on a complete build answers 201 with nothing and changes nothing."""
        done = 1  # BO-0001 is complete
        for action in ("issue", "hold"):
            r = post(http, done, action, {})
            assert r.status_code == 201 and r.json() == {}
        assert http.get(f"/api/build/{done}/").json()["status"] == 40

    def test_transitions(self, http: httpx.Client) -> None:
        """A pending build can be held, then issued into production."""
        b = new_build(http)
        assert post(http, b["pk"], "hold", {}).status_code == 201
        assert http.get(f"/api/build/{b['pk']}/").json()["status"] == 25
        post(http, b["pk"], "issue", {})
        assert http.get(f"/api/build/{b['pk']}/").json()["status"] == 20

    def test_custom_state(self, http: httpx.Client) -> None:
        """An admin-defined state: listed with its logical key, filterable, left by any transition."""
        codes = http.get("/api/build/status/").json()["values"]
        assert codes["AWAITING_QA"] == {
            "key": 101,
            "name": "AWAITING_QA",
            "label": "Awaiting QA",
            "color": "info",
            "logical_key": 20,
            "custom": True,
        }
        found = http.get("/api/build/", params={"status": 101}).json()
        assert [(b["reference"], b["status"], b["status_custom_key"]) for b in found] == [("BO-0019", 20, 101)]
        pk = found[0]["pk"]
        assert post(http, pk, "hold", {}).status_code == 201
        b = http.get(f"/api/build/{pk}/").json()
        assert (b["status"], b["status_custom_key"]) == (25, 25)

    def test_finish_requires_production(self, http: httpx.Client) -> None:
        """Finishing a build not in production is refused: "Build order must be in production state"."""
        b = new_build(http)
        r = post(http, b["pk"], "finish", {"accept_unallocated": True, "accept_incomplete": True})
        assert r.status_code == 400
        assert r.json() == {"non_field_errors": ["Build order must be in production state"]}


class TestRule3Allocate:
    def test_merge_and_overallocation_allowed(self, http: httpx.Client) -> None:
        """Allocating the same item twice merges into one allocation, over-allocation allowed."""
        b = new_build(http, quantity=1)
        post(http, b["pk"], "issue", {})
        ln = line_for(http, b["pk"], "R-0603-10K")
        item = {"build_line": ln["pk"], "stock_item": 1, "quantity": 10}
        r = post(http, b["pk"], "allocate", {"items": [item]})
        assert r.status_code == 201
        assert r.json() == {
            "items": [{"build_line": ln["pk"], "stock_item": 1, "quantity": "10.00000", "output": None}]
        }
        post(http, b["pk"], "allocate", {"items": [item]})
        allocs = http.get("/api/build/item/", params={"build": b["pk"]}).json()
        assert len(allocs) == 1 and allocs[0]["quantity"] == 20.0  # merged; 20 > 4 required is allowed

    def test_nested_errors_and_atomicity(self, http: httpx.Client) -> None:
        """One bad item in an allocation batch refuses it under that item, and nothing of the batch is allocated."""
        b = new_build(http, quantity=1)
        ln = line_for(http, b["pk"], "R-0603-10K")
        body = {
            "items": [
                {"build_line": ln["pk"], "stock_item": 1, "quantity": 1},
                {"build_line": ln["pk"], "stock_item": 1, "quantity": 100000},
            ]
        }
        r = post(http, b["pk"], "allocate", body)
        assert r.status_code == 400
        errs = r.json()["items"]
        assert errs[0] == {} and errs[1]["quantity"][0].startswith("Available quantity (")
        assert http.get("/api/build/item/", params={"build": b["pk"]}).json() == []

    def test_wrong_part_and_quarantined(self, http: httpx.Client) -> None:
        """Quarantined stock or stock of another part is refused in InvenTree's words."""
        b = new_build(http, quantity=1)
        ln = line_for(http, b["pk"], "R-0603-10K")
        mcu_q = stock(http, status=75)[0]["pk"]
        r = post(http, b["pk"], "allocate", {"items": [{"build_line": ln["pk"], "stock_item": mcu_q, "quantity": 1}]})
        assert r.json() == {"items": [{"stock_item": ["Item must be in stock"]}]}
        led = stock(http, search="D-LED-G", in_stock="true")[0]["pk"]
        r = post(http, b["pk"], "allocate", {"items": [{"build_line": ln["pk"], "stock_item": led, "quantity": 1}]})
        assert r.json() == {"stock_item": ["Selected stock item does not match BOM line"]}

    def test_consumable_skipped_and_empty_list(self, http: httpx.Client) -> None:
        """A consumable line takes no allocation (silently); an empty batch is refused."""
        b = new_build(http, quantity=1)
        paste = line_for(http, b["pk"], "M-PASTE")
        r = post(http, b["pk"], "allocate", {"items": [{"build_line": paste["pk"], "stock_item": 11, "quantity": 1}]})
        assert r.status_code == 201
        assert http.get("/api/build/item/", params={"build": b["pk"]}).json() == []
        assert post(http, b["pk"], "allocate", {"items": []}).json() == {
            "non_field_errors": ["Allocation items must be provided"]
        }

    def test_tracked_needs_output(self, http: httpx.Client) -> None:
        """Allocating a tracked part without an output is refused: the output must be specified."""
        b = new_build(http, part=25, quantity=1)
        wifi = line_for(http, b["pk"], "MOD-WIFI")
        item = stock(http, serial="110")[0]["pk"]
        r = post(http, b["pk"], "allocate", {"items": [{"build_line": wifi["pk"], "stock_item": item, "quantity": 1}]})
        assert r.json() == {"items": [{"output": ["Build output must be specified for allocation of tracked parts"]}]}


class TestRule5And6Finish:
    def test_phase_one_reports_fields_together(self, http: httpx.Client) -> None:
        """Finishing with stock unallocated and outputs incomplete names both problems at once."""
        b = new_build(http, quantity=1)
        post(http, b["pk"], "issue", {})
        r = post(http, b["pk"], "finish", {})
        assert set(r.json()) == {"accept_unallocated", "accept_incomplete"}

    def test_finish_consumes_and_deletes_allocations(self, http: httpx.Client) -> None:
        """A finished build is complete today, its allocations consumed into it and gone from stock."""
        b = new_build(http, part=29, quantity=1)  # service kit
        post(http, b["pk"], "issue", {})
        post(http, b["pk"], "auto-allocate", {"interchangeable": True})
        out = post(http, b["pk"], "create-output", {"quantity": 1}).json()[0]
        loc = 7
        assert post(http, b["pk"], "complete", {"outputs": [{"output": out["pk"]}], "location": loc}).status_code == 201
        r = post(http, b["pk"], "finish", {"accept_unallocated": True})
        assert r.status_code == 201, r.text
        row = http.get(f"/api/build/{b['pk']}/").json()
        assert row["status"] == 40 and row["completion_date"] == "2026-06-15" and row["completed"] == 1
        assert http.get("/api/build/item/", params={"build": b["pk"]}).json() == []
        assert line_for(http, b["pk"], "HW-M3X6")["consumed"] == 10.0
        consumed = stock(http, consumed_by=b["pk"])
        assert consumed and all(s["location"] is None for s in consumed)


class TestRule8CreateOutput:
    def test_serials_required_and_grammar(self, http: httpx.Client) -> None:
        """A tracked output needs serials; a bad or taken serial is refused in InvenTree's words."""
        b = new_build(http, part=25, quantity=5)
        r = post(http, b["pk"], "create-output", {"quantity": 2})
        assert r.json() == {"serial_numbers": ["Serial numbers must be provided for trackable parts"]}
        r = post(http, b["pk"], "create-output", {"quantity": 2, "serial_numbers": "9-5"})
        assert r.json() == {"serial_numbers": ["Group range 9-5 exceeds allowed quantity (2)"]}
        r = post(http, b["pk"], "create-output", {"quantity": 3, "serial_numbers": "1+2"})
        assert r.status_code == 201 and [o["serial"] for o in r.json()] == ["1", "2", "3"]
        r = post(http, b["pk"], "create-output", {"quantity": 1, "serial_numbers": "2"})
        assert r.json() == {"serial_numbers": ["The following serial numbers already exist or are invalid : 2"]}
        assert http.get(f"/api/build/{b['pk']}/").json()["status"] == 20  # PENDING moved to PRODUCTION

    def test_untracked_output_location_fallback(self, http: httpx.Client) -> None:
        """A new untracked output is in production at the build's destination."""
        b = new_build(http, part=24, quantity=3)
        r = post(http, b["pk"], "create-output", {"quantity": 3})
        out = r.json()[0]
        assert out["is_building"] is True and out["location"] == 7  # the build's destination


class TestRule9Complete:
    def test_partial_split_and_errors(self, http: httpx.Client) -> None:
        """Completing part of an output splits it; no location or too much is refused under the field concerned."""
        b = new_build(http, part=24, quantity=10)
        out = post(http, b["pk"], "create-output", {"quantity": 10}).json()[0]
        r = post(http, b["pk"], "complete", {"outputs": [{"output": out["pk"]}]})
        assert r.json() == {"location": ["This field is required."]}
        r = post(http, b["pk"], "complete", {"outputs": [{"output": out["pk"], "quantity": 11}], "location": 7})
        assert r.json() == {"outputs": [{"quantity": ["Quantity cannot be greater than the output quantity"]}]}
        r = post(http, b["pk"], "complete", {"outputs": [{"output": out["pk"], "quantity": 4}], "location": 7})
        assert r.status_code == 201
        assert http.get(f"/api/build/{b['pk']}/").json()["completed"] == 4
        building = stock(http, build=b["pk"], is_building="true")
        assert [s["quantity"] for s in building] == [6.0]

    def test_tracked_output_not_fully_allocated(self, http: httpx.Client) -> None:
        """A tracked output not fully allocated completes only when that is accepted."""
        b = new_build(http, part=25, quantity=1)
        out = post(http, b["pk"], "create-output", {"quantity": 1, "serial_numbers": "500"}).json()[0]
        r = post(http, b["pk"], "complete", {"outputs": [{"output": out["pk"]}], "location": 7})
        assert r.json() == {"outputs": [{"output": ["This build output is not fully allocated"]}]}
        r = post(
            http,
            b["pk"],
            "complete",
            {"outputs": [{"output": out["pk"]}], "location": 7, "accept_incomplete_allocation": True},
        )
        assert r.status_code == 201


class TestRule10AutoAllocate:
    def test_ambiguous_without_interchangeable(self, http: httpx.Client) -> None:
        """Auto-allocation leaves a line with stock in two places alone unless interchangeable; optional lines too."""
        b = new_build(http, quantity=1)
        r = post(http, b["pk"], "auto-allocate", {})
        assert r.status_code == 201 and r.json()["complete"] is True and "task_id" in r.json()
        # R-0603-10K has stock in two places: left unallocated without interchangeable
        assert line_for(http, b["pk"], "R-0603-10K")["allocated"] == 0.0
        assert line_for(http, b["pk"], "PCB-SB-C")["allocated"] == 1.0
        post(http, b["pk"], "auto-allocate", {"interchangeable": True})
        assert line_for(http, b["pk"], "R-0603-10K")["allocated"] == 4.0
        assert line_for(http, b["pk"], "D-LED-G")["allocated"] == 0.0  # optional not asked


class TestRule11Paging:
    def test_bare_array_and_envelope(self, http: httpx.Client) -> None:
        """Without limit a list is a bare array; with limit it is a page with count, next and previous."""
        assert isinstance(http.get("/api/build/").json(), list)
        page = http.get("/api/build/", params={"limit": 5, "offset": 5}).json()
        assert page["count"] == len(http.get("/api/build/").json()) and len(page["results"]) == 5
        assert "offset" not in page["previous"] and "offset=10" in page["next"]
        assert http.get("/api/build/", params={"limit": 5, "offset": 500}).json()["results"] == []


class TestRule12And13:
    def test_delete_only_when_cancelled(self, http: httpx.Client) -> None:
        """A build can be deleted only once cancelled."""
        b = new_build(http)
        r = http.delete(f"/api/build/{b['pk']}/")
        assert r.json() == {"non_field_errors": ["Build must be cancelled before it can be deleted"]}
        post(http, b["pk"], "cancel", {})
        assert http.delete(f"/api/build/{b['pk']}/").status_code == 204

    def test_unallocate_untracked_only_and_consume(self, http: httpx.Client) -> None:
        """Consuming more than allocated is refused; consuming some and unallocating the rest work."""
        b = new_build(http, quantity=1)
        ln = line_for(http, b["pk"], "R-0603-10K")
        post(http, b["pk"], "allocate", {"items": [{"build_line": ln["pk"], "stock_item": 1, "quantity": 4}]})
        item = http.get("/api/build/item/", params={"build": b["pk"]}).json()[0]
        r = post(http, b["pk"], "consume", {"items": [{"build_item": item["pk"], "quantity": 5}]})
        assert r.json() == {"items": [{"quantity": ["Consumed quantity exceeds allocated quantity"]}]}
        assert post(http, b["pk"], "consume", {"items": [{"build_item": item["pk"], "quantity": 1}]}).status_code == 201
        assert line_for(http, b["pk"], "R-0603-10K")["consumed"] == 1.0
        assert post(http, b["pk"], "unallocate", {}).status_code == 201
        assert http.get("/api/build/item/", params={"build": b["pk"]}).json() == []


class TestRule15Barcodes:
    @pytest.mark.parametrize("code", ['{"stockitem": 1}', "INV-SI1", "YAGEO-RC0603-10K-REEL-7"])
    def test_resolves(self, http: httpx.Client, code: str) -> None:
        """A stock item's JSON barcode, its INV- code and its supplier barcode all resolve to it."""
        r = http.post("/api/barcode/", json={"barcode": code})
        assert r.status_code == 200 and r.json()["stockitem"]["pk"] == 1

    def test_no_match(self, http: httpx.Client) -> None:
        """An unknown barcode is a 400 "No match found for barcode data"."""
        r = http.post("/api/barcode/", json={"barcode": "random-text"})
        assert r.status_code == 400
        assert r.json()["error"] == "No match found for barcode data" and r.json()["plugin"] == "None"


class TestAuthAndErrors:
    def test_auth_required_and_bearer(self, server: SimulatorServer) -> None:
        """Without a token (or with a Bearer header) the answer is 401, as InvenTree's."""
        r = web.get(server.url + "/api/build/")
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Token"
        r = web.get(server.url + "/api/build/", headers={"Authorization": "Bearer x"})
        assert r.json() == {"detail": "Authentication credentials were not provided."}
        assert web.get(server.url + "/api/").json()["apiVersion"] == 477

    def test_reader_may_view_not_change(self, server: SimulatorServer) -> None:
        """A read-only user may read stock but not issue a build (403, InvenTree's words)."""
        r = web.post(server.url + "/api/build/3/issue/", auth=("reader", "readonly"))
        assert r.status_code == 403
        assert r.json() == {"detail": "You do not have permission to perform this action."}
        assert web.get(server.url + "/api/stock/?limit=1", auth=("reader", "readonly")).status_code == 200

    def test_token_is_reused(self, http: httpx.Client) -> None:
        """Asking for a token of the same name twice gives the same token."""
        a = http.get("/api/user/token/", params={"name": "x"}).json()
        b = http.get("/api/user/token/", params={"name": "x"}).json()
        assert a["token"] == b["token"] and a["token"].startswith("inv-")

    def test_unknown_build_action_is_500_and_filters_400(self, http: httpx.Client) -> None:
        """An action on an unknown build is a 500 (as InvenTree's), a bad filter a 400, a missing slash a 404."""
        assert post(http, 99999, "issue", {}).status_code == 500
        assert http.get("/api/build/", params={"status": "x"}).json() == {"status": ["Enter a number."]}
        assert http.get("/api/build/1").status_code == 404  # trailing slash matters

    def test_bulk_delete_errors(self, http: httpx.Client) -> None:
        """A bulk delete with no items or filters is refused in InvenTree's words."""
        r = http.request("DELETE", "/api/build/item/", json={})
        assert r.json() == {"non_field_errors": "List of items or filters must be provided for bulk operation"}


class TestRule7Availability:
    def test_sales_order_and_build_allocations_reduce_what_is_free(
        self, server: SimulatorServer, http: httpx.Client
    ) -> None:
        """Stock promised to a sales order or another build is not free for this one."""
        with server.sim.db.transaction():
            server.sim.db.update("stock", 13, so_allocated=10.0)  # PCB stock: 10 promised to a sales order
        pcb = stock(http, search="PCB-SB-C", in_stock="true")[0]
        assert pcb["allocated"] == 35.0  # 25 for BO-0003 + 10 for the sales order
        b = new_build(http, quantity=40)
        ln = line_for(http, b["pk"], "PCB-SB-C")
        assert pcb["quantity"] == 50.0  # 60 seeded, 10 consumed by BO-0001
        assert ln["available_stock"] == 15.0  # 50 - 25 for BO-0003 - 10 for the sales order
        r = post(http, b["pk"], "allocate", {"items": [{"build_line": ln["pk"], "stock_item": 13, "quantity": 16}]})
        assert r.json() == {"items": [{"quantity": ["Available quantity (15) exceeded"]}]}

    def test_take_from_limits_line_availability(self, http: httpx.Client) -> None:
        """A build taking from a location counts only the stock there as available on its lines."""
        b = new_build(http, quantity=1, take_from=5)  # Production: only the line-side stock counts
        assert line_for(http, b["pk"], "R-0603-10K")["available_stock"] == 120.0
        assert (
            http.get(f"/api/build/line/{line_for(http, b['pk'], 'R-0603-10K')['pk']}/").json()["available_stock"]
            > 120.0
        )  # the detail endpoint never applies take_from

    def test_quarantined_is_not_in_stock(self, http: httpx.Client) -> None:
        """Quarantined stock is never listed as in stock or available."""
        assert all(s["status"] != 75 for s in stock(http, in_stock="true"))
        assert stock(http, status=75, available="true") == []


class TestRule14References:
    def test_digits_of_any_width_whitespace_and_natural_order(self, http: httpx.Client) -> None:
        """References of any number of digits sort naturally; blanks are trimmed; an empty one is refused."""
        seeded = http.get("/api/build/", params={"ordering": "-reference", "limit": 1}).json()["results"][0]
        assert new_build(http, reference=" BO-12345 ")["reference"] == "BO-12345"
        assert new_build(http, reference="BO-7")["reference"] == "BO-7"
        assert new_build(http)["reference"] == "BO-12346"  # next after the highest number
        refs = [
            b["reference"]
            for b in http.get("/api/build/", params={"ordering": "-reference", "limit": 3}).json()["results"]
        ]
        assert refs == ["BO-12346", "BO-12345", seeded["reference"]]
        r = http.post("/api/build/", json={"part": 24, "reference": ""})
        assert r.json() == {"reference": ["Reference field cannot be empty"]}


class TestAtomicity:
    def test_failed_complete_changes_nothing(self, http: httpx.Client) -> None:
        """Completing several outputs with one bad among them completes none of them."""
        b = new_build(http, part=24, quantity=10)
        out = post(http, b["pk"], "create-output", {"quantity": 10}).json()[0]
        r = post(
            http,
            b["pk"],
            "complete",
            {"outputs": [{"output": out["pk"], "quantity": 3}, {"output": 99999}], "location": 7},
        )
        assert r.status_code == 400
        assert http.get(f"/api/build/{b['pk']}/").json()["completed"] == 0
        assert [s["quantity"] for s in stock(http, build=b["pk"])] == [10.0]
