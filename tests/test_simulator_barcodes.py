"""``POST /api/barcode/``, ``/link/`` and ``/unlink/`` answer as InvenTree 425 does (scanning doc §1 and §3):
normalisation, InvenTree's own formats and their order, the hash of linked labels, exact bodies and refusals."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.simulator.barcodes import barcode_hash
from buildtui.simulator.seed_suppliers import DIGIKEY_MCU, DIGIKEY_R10K, without_controls
from tests.conftest import SimClient

LABELS = ["build", "supplierpart", "manufacturerpart", "purchaseorder", "salesorder", "salesordershipment",
          "returnorder", "part", "stockitem", "stocklocation"]  # fmt: skip
#: the DigiKey example of the semantics document, whose hash it gives (§1, §2.6)
DOC_DIGIKEY = (
    "[)>\x1e06\x1dP296-LM358BIDDFRCT-ND\x1d1PLM358BIDDFR\x1dK\x1d1K72991337\x1d10K85781337\x1d11K1\x1d4LPH"
    "\x1dQ10\x1d11ZPICK\x1d12Z15221337\x1d13Z361337\x1d20Z0000000000\x1e\x04"
)


@contextmanager
def served() -> Iterator[SimClient]:
    srv = SimulatorServer(build_simulator(api=425)).start()
    client = SimClient(base_url=srv.url, auth=("admin", "inventree"))
    client.sim = srv.sim
    try:
        yield client
    finally:
        client.close()
        srv.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[SimClient]:
    with served() as client:
        yield client


@pytest.fixture
def fresh() -> Iterator[SimClient]:
    with served() as client:
        yield client


def scan(http: httpx.Client, text: object) -> httpx.Response:
    return http.post("/api/barcode/", json={"barcode": text})


def as_user(http: httpx.Client, user: str, password: str) -> httpx.Client:
    return httpx.Client(verify=False, base_url=str(http.base_url), auth=(user, password))


class TestHash:
    def test_the_documented_hash(self) -> None:
        """The DigiKey example hashes to the documented d261fafb..., with or without its control characters."""
        assert barcode_hash(DOC_DIGIKEY) == "d261fafb60f9aded74e82b4a6d3439df"
        assert barcode_hash(without_controls(DOC_DIGIKEY)) == "d261fafb60f9aded74e82b4a6d3439df"
        assert barcode_hash("  x\n") == hashlib.md5(b"x").hexdigest()


class TestScanInput:
    @pytest.mark.parametrize(
        "body, message",
        [
            ({}, "This field is required."),
            ({"barcode": ""}, "This field may not be blank."),
            ({"barcode": " \t\x1e"}, "This field may not be blank."),
            ({"barcode": None}, "This field may not be null."),
            ({"barcode": "a\x00b"}, "Null characters are not allowed."),
            ({"barcode": "x" * 4096}, "Ensure this field has no more than 4095 characters."),
        ],
        ids=["missing", "empty", "whitespace", "null", "nul", "too-long"],
    )
    def test_refusals(self, http: httpx.Client, body: dict[str, object], message: str) -> None:
        """Each bad barcode field gets InvenTree's message under "barcode"."""
        r = http.post("/api/barcode/", json=body)
        assert r.status_code == 400 and r.json() == {"barcode": [message]}

    def test_stripped_before_the_length_check(self, http: httpx.Client) -> None:
        """4095 characters plus trailing whitespace and separators are accepted, and echoed stripped."""
        r = scan(http, "y" * 4095 + " \x1e\x1d")
        assert r.status_code == 400 and r.json()["barcode_data"] == "y" * 4095  # no match, but accepted

    def test_trailing_rs_eot_is_kept(self, http: httpx.Client) -> None:
        """A trailing RS is whitespace to strip(); RS followed by EOT is kept (EOT is not whitespace)."""
        assert scan(http, "abc\x1e").json()["barcode_data"] == "abc"
        assert scan(http, "abc\x1e\x04").json()["barcode_data"] == "abc\x1e\x04"

    def test_no_match_body(self, http: httpx.Client) -> None:
        """No match is a 400 whose plugin is the string "None", with the data and its hash."""
        r = scan(http, "random-text")
        assert r.status_code == 400
        assert r.json() == {"plugin": "None", "barcode_data": "random-text",
                            "barcode_hash": hashlib.md5(b"random-text").hexdigest(),
                            "error": "No match found for barcode data"}  # fmt: skip

    def test_a_view_only_user_may_scan(self, http: httpx.Client) -> None:
        """The reader gets 200 and the whole instance: scanning needs no role."""
        r = as_user(http, "reader", "readonly").post("/api/barcode/", json={"barcode": "INV-SI1"})
        assert r.status_code == 200 and r.json()["stockitem"]["instance"]["pk"] == 1


class TestInvenTreeFormats:
    def test_short_format(self, http: httpx.Client) -> None:
        """INV-SI1 and INV-SI001 are stock item 1 (answer has no plugin-made success, the view's is added)."""
        for code in ("INV-SI1", "INV-SI001"):
            body = scan(http, code).json()
            assert body["stockitem"]["pk"] == 1 and body["plugin"] == "InvenTreeBarcode"
            assert body["success"] == "Match found for barcode data"
            assert (
                body["stockitem"]["api_url"] == "/api/stock/1/" and body["stockitem"]["web_url"] == "/web/stock/item/1"
            )

    def test_short_format_is_case_sensitive_and_unknown_codes_stop_everything(self, fresh: SimClient) -> None:
        """inv-si1 is no match; INV-XX12 is never found, even when exactly that text was linked to an item."""
        assert scan(fresh, "inv-si1").status_code == 400
        r = fresh.post("/api/barcode/link/", json={"barcode": "INV-XX12", "stockitem": 2})
        assert r.status_code == 200
        assert scan(fresh, "INV-XX12").status_code == 400

    def test_short_codes_of_the_new_models(self, http: httpx.Client) -> None:
        """INV-SP1, INV-MP1 and INV-PO1 resolve to the supplier part, manufacturer part and purchase order."""
        assert scan(http, "INV-SP1").json()["supplierpart"]["instance"]["SKU"] == "ATMEGA328P-AU-ND"
        assert "web_url" not in scan(http, "INV-MP1").json()["manufacturerpart"]
        assert scan(http, "INV-PO1").json()["purchaseorder"]["api_url"] == "/api/order/po/1/"

    def test_json_first_key_in_model_order(self, http: httpx.Client) -> None:
        """{"stockitem": 38, "part": 1} is part 1 (part comes first); a bad key moves on; "1" is cast."""
        assert set(scan(http, '{"stockitem": 3, "part": 1}').json()) >= {"part"}
        assert scan(http, '{"stockitem": 3, "part": 1}').json()["part"]["pk"] == 1
        assert scan(http, '{"supplierpart": "1"}').json()["supplierpart"]["pk"] == 1
        assert scan(http, '{"part": "x", "stockitem": 2}').json()["stockitem"]["pk"] == 2
        assert scan(http, '{"foo": 1, "stockitem": 99999}').status_code == 400
        assert scan(http, "[1, 2]").status_code == 400

    def test_json_value_that_int_rejects_skips_the_plugin(self, fresh: SimClient) -> None:
        """{"stockitem": null} makes InvenTree's plugin raise: no match even when that text's hash is on an item,
        and linking it is a 500."""
        text = '{"stockitem": null}'
        fresh.sim.db.update("stock", 2, barcode_data=text, barcode_hash=barcode_hash(text))
        assert scan(fresh, text).status_code == 400
        r = fresh.post("/api/barcode/link/", json={"barcode": text, "stockitem": 3})
        assert r.status_code == 500 and r.json()["error"] == "TypeError"


class TestLink:
    def test_link_then_scan_finds_the_item(self, fresh: SimClient) -> None:
        """Linking a DigiKey label to a stock item: 200 with the hash; the label (and its wedge form) then resolve
        to that item before any supplier plugin is asked."""
        r = fresh.post("/api/barcode/link/", json={"barcode": DIGIKEY_MCU, "stockitem": 2})
        assert r.status_code == 200
        assert r.json() == {"success": "Assigned barcode to stockitem instance", "stockitem": {"pk": 2},
                            "barcode_data": DIGIKEY_MCU.strip(), "barcode_hash": barcode_hash(DIGIKEY_MCU)}  # fmt: skip
        for text in (DIGIKEY_MCU, without_controls(DIGIKEY_MCU)):
            body = scan(fresh, text).json()
            assert body["plugin"] == "InvenTreeBarcode" and body["stockitem"]["pk"] == 2
        assert fresh.get("/api/stock/2/").json()["barcode_hash"] == barcode_hash(DIGIKEY_MCU)

    def test_a_known_barcode_cannot_be_linked(self, fresh: SimClient) -> None:
        """An InvenTree code or an already-linked text is refused with the match, every leaf a string, no hash."""
        r = fresh.post("/api/barcode/link/", json={"barcode": "INV-SI1", "stockitem": 2})
        body = r.json()
        assert r.status_code == 400 and body["error"] == "Barcode matches existing item"
        assert body["plugin"] == "InvenTreeBarcode" and body["barcode_data"] == "INV-SI1"
        assert "barcode_hash" not in body and "success" not in body
        assert body["stockitem"]["pk"] == "1" and body["stockitem"]["instance"]["in_stock"] == "True"
        assert body["stockitem"]["instance"]["serial"] == "None"
        assert isinstance(body["stockitem"]["instance"]["quantity"], str)
        # a linked text belongs to its first owner, whatever the model asked for
        assert fresh.post("/api/barcode/link/", json={"barcode": "LOC-FG", "part": 1}).json()["stocklocation"][
            "pk"
        ] == str(7)

    def test_supplier_plugins_are_not_consulted(self, fresh: SimClient) -> None:
        """A supplier label the DigiKey plugin resolves can still be linked (only InvenTree's plugin is asked)."""
        assert scan(fresh, DIGIKEY_R10K).json()["plugin"] == "DigiKeyBarcodePlugin"
        assert fresh.post("/api/barcode/link/", json={"barcode": DIGIKEY_R10K, "stockitem": 1}).status_code == 200

    def test_first_model_in_order_wins_and_relinking_replaces(self, fresh: SimClient) -> None:
        """{"stockitem": 2, "part": 3} links part 3; linking part 3 again replaces its old text, which stops
        resolving."""
        r = fresh.post("/api/barcode/link/", json={"barcode": "LABEL-A", "stockitem": 2, "part": 3})
        assert r.json()["part"] == {"pk": 3} and "stockitem" not in r.json()
        assert fresh.post("/api/barcode/link/", json={"barcode": "LABEL-B", "part": 3}).status_code == 200
        assert scan(fresh, "LABEL-A").status_code == 400
        assert scan(fresh, "LABEL-B").json()["part"]["pk"] == 3

    def test_refusals(self, fresh: SimClient) -> None:
        """No model: the Python list printed in quotes; an unknown pk; a view-only user's 403 names the class."""
        r = fresh.post("/api/barcode/link/", json={"barcode": "NEW-1"})
        assert r.status_code == 400 and r.json() == {"error": f"Missing data: provide one of '{LABELS}'"}
        r = fresh.post("/api/barcode/link/", json={"barcode": "NEW-1", "stockitem": 99999})
        assert r.json() == {"stockitem": ['Invalid pk "99999" - object does not exist.']}
        r = fresh.post("/api/barcode/link/", json={"barcode": "NEW-1", "salesorder": 1})
        assert r.json() == {"salesorder": ['Invalid pk "1" - object does not exist.']}
        r = as_user(fresh, "reader", "readonly").post("/api/barcode/link/", json={"barcode": "NEW-1", "stockitem": 2})
        assert r.status_code == 403
        assert r.json() == {"error": "You do not have the required permissions for <class 'stock.models.StockItem'>"}

    def test_operator_may_link_stock_but_not_supplier_parts(self, fresh: SimClient) -> None:
        """The operator's build rights include changing stock items, not supplier parts."""
        operator = as_user(fresh, "operator", "operator")
        assert operator.post("/api/barcode/link/", json={"barcode": "NEW-2", "stockitem": 2}).status_code == 200
        r = operator.post("/api/barcode/link/", json={"barcode": "NEW-3", "supplierpart": 1})
        assert r.status_code == 403
        assert r.json()["error"].endswith("<class 'company.models.SupplierPart'>")


class TestUnlink:
    def test_unlink(self, fresh: SimClient) -> None:
        """Unlinking clears the link (200, even when there was none) and the label no longer resolves."""
        assert fresh.post("/api/barcode/link/", json={"barcode": "NEW-4", "stockitem": 3}).status_code == 200
        r = fresh.post("/api/barcode/unlink/", json={"stockitem": 3})
        assert r.status_code == 200 and r.json() == {"success": "Barcode unassigned from stockitem instance"}
        assert scan(fresh, "NEW-4").status_code == 400
        assert fresh.get("/api/stock/3/").json()["barcode_hash"] == ""
        assert fresh.post("/api/barcode/unlink/", json={"stockitem": 3}).status_code == 200

    def test_refusals(self, fresh: SimClient) -> None:
        """None, two, or an unknown pk are refused with InvenTree's messages (the full list, not the names sent)."""
        names = ", ".join(LABELS)
        assert fresh.post("/api/barcode/unlink/", json={}).json() == {
            "error": f"Missing data: Provide one of '{names}'"
        }
        assert fresh.post("/api/barcode/unlink/", json={"stockitem": 1, "part": 1}).json() == {
            "error": f"Multiple conflicting fields: '{names}'"
        }
        assert fresh.post("/api/barcode/unlink/", json={"stockitem": 99999}).json() == {
            "stockitem": ['Invalid pk "99999" - object does not exist.']
        }
        r = as_user(fresh, "reader", "readonly").post("/api/barcode/unlink/", json={"part": 1})
        assert r.status_code == 403
        assert r.json() == {"error": "You do not have the required permissions for <class 'part.models.Part'>"}
