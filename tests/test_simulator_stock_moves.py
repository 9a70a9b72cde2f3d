"""``POST /api/stock/transfer/`` and re-pointing an allocation with ``PATCH /api/build/item/<id>/``, as InvenTree
425 does them (scanning doc §5): whole moves, splits that leave the allocation behind, and every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from buildtui.simulator import SimulatorServer, build_simulator
from tests.conftest import SimClient

SHELF_A, SHELF_B, LINE_1, FINISHED = 2, 3, 6, 7


@pytest.fixture
def http() -> Iterator[SimClient]:
    srv = SimulatorServer(build_simulator(api=425)).start()
    client = SimClient(base_url=srv.url, auth=("admin", "inventree"))
    client.sim = srv.sim
    yield client
    client.close()
    srv.stop()


def by_batch(http: httpx.Client, batch: str) -> dict[str, Any]:
    rows = http.get("/api/stock/", params={"batch": batch, "in_stock": "true"}).json()
    return dict(rows[0])


def transfer(
    http: httpx.Client, items: list[dict[str, Any]], location: int = LINE_1, **extra: object
) -> httpx.Response:
    return http.post("/api/stock/transfer/", json={"items": items, "location": location, **extra})


def stock(http: httpx.Client, pk: int) -> dict[str, Any]:
    return dict(http.get(f"/api/stock/{pk}/").json())


def allocate(http: httpx.Client, build: int, ipn: str, item: int, quantity: float) -> dict[str, Any]:
    line = next(ln for ln in http.get("/api/build/line/", params={"build": build, "part_detail": "true"}).json()
                if ln["part_detail"]["IPN"] == ipn)  # fmt: skip
    r = http.post(f"/api/build/{build}/allocate/", json={"items": [
        {"build_line": line["pk"], "stock_item": item, "quantity": quantity}]})  # fmt: skip
    assert r.status_code == 201, r.text
    return next(bi for bi in http.get("/api/build/item/", params={"build": build}).json() if bi["stock_item"] == item)


class TestTransfer:
    def test_whole_item_moves_with_its_allocation(self, http: httpx.Client) -> None:
        """Moving all of an allocated item: 201 echo with 5-place decimals, same pk, allocation follows."""
        pcb = by_batch(http, "PCB-C-01")
        item = allocate(http, 11, "PCB-SB-C", pcb["pk"], 3)
        r = transfer(http, [{"pk": pcb["pk"], "quantity": pcb["quantity"]}], notes="kit")
        assert r.status_code == 201
        assert r.json() == {"items": [{"pk": pcb["pk"], "quantity": f"{pcb['quantity']:.5f}", "status": None}],
                            "notes": "kit", "location": LINE_1}  # fmt: skip
        assert stock(http, pcb["pk"])["location"] == LINE_1
        assert http.get(f"/api/build/item/{item['pk']}/").json()["location"] == LINE_1

    def test_more_than_the_item_holds_moves_it_whole(self, http: httpx.Client) -> None:
        """Asking 50 of an item of 12 is no error: the whole item moves, and no notes key is echoed."""
        mcu = by_batch(http, "ATM-2311")
        r = transfer(http, [{"pk": mcu["pk"], "quantity": 50}])
        assert r.status_code == 201 and "notes" not in r.json()
        after = stock(http, mcu["pk"])
        assert after["location"] == LINE_1 and after["quantity"] == mcu["quantity"]

    def test_split_leaves_the_allocation_on_the_original(self, http: httpx.Client) -> None:
        """Moving part of an allocated reel splits it: the new item (parent = the reel, same batch, supplier part
        and barcode) is at the destination with nothing allocated; the allocation stays on the reel."""
        reel = by_batch(http, "R10K-2401")
        held = reel["allocated"]
        assert held > 0 and reel["supplier_part"] is not None and reel["barcode_hash"]
        r = transfer(http, [{"pk": reel["pk"], "quantity": 100}], location=FINISHED)
        assert r.status_code == 201
        split = http.get("/api/stock/", params={"ancestor": reel["pk"], "location": FINISHED, "ordering": "-pk"}).json()
        assert len(split) == 1
        new = split[0]
        assert new["pk"] != reel["pk"] and new["parent"] == reel["pk"] and new["quantity"] == 100
        assert (new["batch"], new["supplier_part"], new["barcode_hash"]) == (
            reel["batch"],
            reel["supplier_part"],
            reel["barcode_hash"],
        )
        assert new["allocated"] == 0
        original = stock(http, reel["pk"])
        assert original["location"] == reel["location"] and original["quantity"] == reel["quantity"] - 100
        assert original["allocated"] == held
        # both carry the label's hash: a scan finds the first row, the original
        scanned = http.post("/api/barcode/", json={"barcode": "YAGEO-RC0603-10K-REEL-7"}).json()
        assert scanned["stockitem"]["pk"] == reel["pk"]

    def test_allocation_left_larger_than_the_item_then_repointed(self, http: httpx.Client) -> None:
        """A split leaves a 5-unit allocation on an item of 2 (nothing adjusts it); PATCHing the allocation's
        stock_item to the moved part re-points it, and the checks run again."""
        fuse = by_batch(http, "F2A-2406")
        item = allocate(http, 9, "F-2A", fuse["pk"], 4)
        assert transfer(http, [{"pk": fuse["pk"], "quantity": 2}], location=FINISHED).status_code == 201
        left = stock(http, fuse["pk"])
        assert left["quantity"] == 2 and left["allocated"] == 4
        assert http.get(f"/api/build/item/{item['pk']}/").json()["quantity"] == 4
        moved = http.get("/api/stock/", params={"ancestor": fuse["pk"]}).json()[0]
        r = http.patch(f"/api/build/item/{item['pk']}/", json={"stock_item": moved["pk"]})
        assert r.status_code == 400
        assert r.json() == {"quantity": ["Allocated quantity (4) must not exceed available stock quantity (2)"]}
        r = http.patch(f"/api/build/item/{item['pk']}/", json={"stock_item": moved["pk"], "quantity": 2})
        assert r.status_code == 200 and r.json()["stock_item"] == moved["pk"] and r.json()["location"] == FINISHED
        assert stock(http, moved["pk"])["allocated"] == 2 and stock(http, fuse["pk"])["allocated"] == 0

    def test_repoint_to_a_wrong_part_is_refused(self, http: httpx.Client) -> None:
        """Re-pointing an allocation to stock of another part gets the BOM-match refusal; unknown pks are 400."""
        pcb = by_batch(http, "PCB-C-01")
        item = allocate(http, 11, "PCB-SB-C", pcb["pk"], 1)
        r = http.patch(f"/api/build/item/{item['pk']}/", json={"stock_item": by_batch(http, "LED-2402")["pk"]})
        assert r.status_code == 400 and r.json() == {"stock_item": ["Selected stock item does not match BOM line"]}
        r = http.patch(f"/api/build/item/{item['pk']}/", json={"stock_item": 99999})
        assert r.json() == {"stock_item": ['Invalid pk "99999" - object does not exist.']}

    def test_split_overrides_apply_to_the_new_item(self, http: httpx.Client) -> None:
        """batch and status sent with an element apply to the item that moves (here the split-off one)."""
        wire = by_batch(http, "WIRE-R-2401")
        r = transfer(http, [{"pk": wire["pk"], "quantity": 10, "batch": "KIT-7", "status": 50}])
        assert r.json()["items"] == [{"pk": wire["pk"], "quantity": "10.00000", "batch": "KIT-7", "status": 50}]
        new = http.get("/api/stock/", params={"ancestor": wire["pk"]}).json()[0]
        assert (new["batch"], new["status"]) == ("KIT-7", 50)
        assert stock(http, wire["pk"])["batch"] == "WIRE-R-2401"

    def test_serialized_partial_move_does_nothing(self, http: httpx.Client) -> None:
        """Half of a serialized module: 201, and nothing moved or split."""
        module = http.get("/api/stock/", params={"serial": "110"}).json()[0]
        assert transfer(http, [{"pk": module["pk"], "quantity": 0.5}]).status_code == 201
        assert stock(http, module["pk"])["location"] == module["location"]
        assert http.get("/api/stock/", params={"ancestor": module["pk"]}).json() == []

    def test_duplicates_are_moved_twice_and_outputs_can_move(self, http: httpx.Client) -> None:
        """The same pk twice splits twice; a build output in production can be moved too."""
        screws = http.get("/api/stock/", params={"search": "HW-M3X6", "location": 4, "cascade": "false"}).json()[0]
        children = len(http.get("/api/stock/", params={"ancestor": screws["pk"]}).json())
        twice = [{"pk": screws["pk"], "quantity": 5}, {"pk": screws["pk"], "quantity": 5}]
        assert transfer(http, twice).status_code == 201
        assert len(http.get("/api/stock/", params={"ancestor": screws["pk"]}).json()) == children + 2
        assert stock(http, screws["pk"])["quantity"] == screws["quantity"] - 10
        output = http.get("/api/stock/", params={"is_building": "true", "build": 3}).json()[0]
        assert transfer(http, [{"pk": output["pk"], "quantity": output["quantity"]}]).status_code == 201
        assert stock(http, output["pk"])["location"] == LINE_1


class TestTransferRefusals:
    @pytest.mark.parametrize(
        "quantity, message",
        [
            (0, "Quantity must be greater than zero"),
            (-1, "Ensure this value is greater than or equal to 0."),
            ("lots", "A valid number is required."),
            (0.123456, "Ensure that there are no more than 5 decimal places."),
        ],
        ids=["zero", "negative", "text", "six-places"],
    )
    def test_quantity(self, http: httpx.Client, quantity: object, message: str) -> None:
        """Each bad quantity is refused inside its element of items."""
        r = transfer(http, [{"pk": 1, "quantity": quantity}])
        assert r.status_code == 400 and r.json() == {"items": [{"quantity": [message]}]}

    def test_elements_and_request(self, http: httpx.Client) -> None:
        """Missing fields, unknown pks, stock not in stock (valid elements give {}), and the request's own errors."""
        assert transfer(http, [{"pk": 1}]).json() == {"items": [{"quantity": ["This field is required."]}]}
        assert transfer(http, [{"pk": 99999, "quantity": 1}]).json() == {
            "items": [{"pk": ['Invalid pk "99999" - object does not exist.']}]
        }
        consumed = http.get("/api/stock/", params={"consumed_by": 1}).json()[0]
        assert transfer(http, [{"pk": 1, "quantity": 1}, {"pk": consumed["pk"], "quantity": 1}]).json() == {
            "items": [{}, {"pk": ["Stock item is not in stock"]}]
        }
        assert transfer(http, []).json() == {"non_field_errors": ["A list of stock items must be provided"]}
        r = http.post("/api/stock/transfer/", json={"location": LINE_1})
        assert r.json() == {"items": ["This field is required."]}
        r = http.post("/api/stock/transfer/", json={"items": [{"pk": 1, "quantity": 1}]})
        assert r.json() == {"location": ["This field is required."]}
        assert transfer(http, [{"pk": 1, "quantity": 1}], location=999).json() == {
            "location": ['Invalid pk "999" - object does not exist.']
        }

    def test_structural_location_is_an_invalid_pk(self, http: SimClient) -> None:
        """A structural location is refused as if it did not exist."""
        http.sim.db.conn.execute("UPDATE location SET structural = 1 WHERE id = 1")
        assert transfer(http, [{"pk": 1, "quantity": 1}], location=1).json() == {
            "location": ['Invalid pk "1" - object does not exist.']
        }

    def test_view_only_user(self, http: httpx.Client) -> None:
        """The reader gets 403 and nothing moves."""
        reader = httpx.Client(verify=False, base_url=str(http.base_url), auth=("reader", "readonly"))
        r = reader.post("/api/stock/transfer/", json={"items": [{"pk": 1, "quantity": 1}], "location": LINE_1})
        assert r.status_code == 403 and r.json() == {"detail": "You do not have permission to perform this action."}
        assert stock(http, 1)["location"] == SHELF_A
