"""Supplier labels as a real InvenTree 425 answers them (docs/inventree-scanning-semantics.md §2, §4): companies,
supplier and manufacturer parts with their filters, and the four supplier barcode plugins, on and off."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.simulator.options import OptionError, parse_supplier_plugins
from buildtui.simulator.seed_suppliers import (
    DIGIKEY_MCU,
    LCSC_LED,
    LCSC_R4K7,
    MOUSER_FUSE,
    MOUSER_MCU,
    TME_C100N,
    ecia,
    without_controls,
)
from buildtui.simulator.suppliers import parse_ecia, parse_lcsc, parse_tme
from tests.conftest import SimClient

INVALID_CHOICE = ["Select a valid choice. That choice is not one of the available choices."]
#: the examples of the semantics document (§2.3, §2.4, §2.6)
DOC_DIGIKEY = (
    "[)>\x1e06\x1dP296-LM358BIDDFRCT-ND\x1d1PLM358BIDDFR\x1dK\x1d1K72991337\x1d10K85781337\x1d11K1\x1d4LPH"
    "\x1dQ10\x1d11ZPICK\x1d12Z15221337\x1d13Z361337\x1d20Z0000000000\x1e\x04"
)
DOC_LCSC = "{pbn:PICK2009291337,on:SO2009291337,pc:C312270,pm:ST-1-102-A01-T000-RS,qty:2,mc:,cc:1,pdi:34421807}"
DOC_TME_QR = (
    "QTY:1 PN:WBP-302 PO:19361337/1 CPO:PO-2023-06-08-001337 MFR:WISHERENTERPRISE MPN:WBP-302 RoHS "
    "https://www.tme.eu/details/WBP-302"
)
DOC_TME_OLD = "PWBP-302 1PMPNWBP-302 Q1 K19361337/1"


@contextmanager
def served(supplier_plugins: Iterable[str] | None = None) -> Iterator[SimClient]:
    """An admin client of a new API 425 simulator (``client.sim`` is the simulator)."""
    srv = SimulatorServer(build_simulator(api=425, supplier_plugins=supplier_plugins)).start()
    client = SimClient(base_url=srv.url, auth=("admin", "inventree"))
    client.sim = srv.sim
    try:
        yield client
    finally:
        client.close()
        srv.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[SimClient]:
    """A server that only reads (scans of unlinked labels write nothing but the plugins' SUPPLIER_ID)."""
    with served() as client:
        yield client


@pytest.fixture
def fresh() -> Iterator[SimClient]:
    with served() as client:
        yield client


def scan(http: httpx.Client, text: str) -> httpx.Response:
    return http.post("/api/barcode/", json={"barcode": text})


def sku_of(body: dict[str, Any]) -> str:
    return str(body["supplierpart"]["instance"]["SKU"])


def supplier_part(http: httpx.Client, sku: str) -> dict[str, Any]:
    rows = http.get("/api/company/part/", params={"SKU": sku}).json()
    assert len(rows) == 1, rows
    return dict(rows[0])


class TestLabelParsing:
    def test_ecia_fields_first_prefix_wins(self) -> None:
        """The DigiKey example reads as SKU, MPN, empty K, 1K, quantity; 10K/11Z/12Z/13Z/20Z are ignored."""
        fields = parse_ecia(DOC_DIGIKEY)
        assert fields == {
            "supplier_part_number": "296-LM358BIDDFRCT-ND",
            "manufacturer_part_number": "LM358BIDDFR",
            "customer_order_number": "",
            "supplier_order_number": "72991337",
            "packing_list_number": "1",
            "country_of_origin": "PH",
            "quantity": "10",
        }

    def test_ecia_needs_the_exact_header(self) -> None:
        """A label whose RS/GS were dropped, or with RS dropped and GS kept, or an AIM prefix, is not read."""
        assert parse_ecia(without_controls(DOC_DIGIKEY)) == {}
        assert parse_ecia(DOC_DIGIKEY.replace("\x1e", "", 1)) == {}
        assert parse_ecia("]d2" + DOC_DIGIKEY) == {}
        assert parse_ecia(DOC_DIGIKEY[:-2])["supplier_part_number"] == "296-LM358BIDDFRCT-ND"  # trailer optional
        assert parse_ecia(">[)>06\x1d1PMC34063ADR\x1dQ3")["quantity"] == "3"  # the old Mouser header

    def test_lcsc_and_tme(self) -> None:
        """LCSC's QR gives pc/pm/qty/on; TME's QR and old DataMatrix give PN/MPN/QTY, the order cut at '/'."""
        assert parse_lcsc(DOC_LCSC) == {
            "manufacturer_part_number": "ST-1-102-A01-T000-RS",
            "supplier_part_number": "C312270",
            "quantity": "2",
            "supplier_order_number": "SO2009291337",
        }
        assert parse_lcsc("{pc:C1:2}") == {}  # a ':' inside a value: no match
        qr = parse_tme(DOC_TME_QR)
        assert qr["supplier_part_number"] == "WBP-302" and qr["supplier_order_number"] == "19361337"
        assert qr["customer_order_number"] == "PO-2023-06-08-001337" and qr["quantity"] == "1"
        old = parse_tme(DOC_TME_OLD)
        assert old["supplier_part_number"] == "WBP-302" and old["manufacturer_part_number"] == "MPNWBP-302"
        assert old["customer_order_number"] == "19361337/1" and old["quantity"] == "1"
        assert parse_tme(DOC_DIGIKEY) == {}  # the TME plugin never reads an ECIA label


class TestCompaniesAndParts:
    def test_supplier_part_row(self, http: httpx.Client) -> None:
        """A supplier-part row has the documented fields, supplier_detail by default, in_stock of its own stock."""
        row = supplier_part(http, "ATMEGA328P-AU-ND")
        assert {
            "pk",
            "part",
            "supplier",
            "SKU",
            "manufacturer_part",
            "MPN",
            "description",
            "link",
            "note",
            "active",
            "packaging",
            "pack_quantity",
            "pack_quantity_native",
            "in_stock",
            "on_order",
            "available",
            "availability_updated",
            "barcode_hash",
            "updated",
            "notes",
            "tags",
            "supplier_detail",
        } == set(row)
        assert row["MPN"] == "ATMEGA328P-AU" and row["pack_quantity"] == "1" and row["pack_quantity_native"] == 1.0
        assert set(row["supplier_detail"]) == {
            "pk",
            "active",
            "name",
            "description",
            "image",
            "thumbnail",
            "currency",
            "tax_id",
        }
        assert row["supplier_detail"]["name"] == "DigiKey"
        stock = http.get("/api/stock/", params={"supplier_part": row["pk"], "in_stock": "true"}).json()
        assert stock and row["in_stock"] == sum(s["quantity"] for s in stock)
        assert all(s["SKU"] == "ATMEGA328P-AU-ND" and s["MPN"] == "ATMEGA328P-AU" for s in stock)
        assert all(s["purchase_order_reference"] == "PO-0001" for s in stock)

    def test_detail_flags(self, http: httpx.Client) -> None:
        """part_detail, manufacturer_detail (both manufacturer keys) and pretty add fields; supplier_detail=false
        removes it."""
        pk = supplier_part(http, "556-ATMEGA328P-AU")["pk"]
        row = http.get(
            f"/api/company/part/{pk}/",
            params={"part_detail": "true", "manufacturer_detail": "true", "supplier_detail": "false", "pretty": "true"},
        ).json()
        assert row["part_detail"]["IPN"] == "U-ATM328" and "supplier_detail" not in row
        assert row["manufacturer_detail"]["name"] == "Microchip Technology"
        assert row["manufacturer_part_detail"]["MPN"] == "ATMEGA328P-AU"
        assert row["pretty_name"] == "Mouser Electronics | 556-ATMEGA328P-AU | ATMEGA328P-AU"
        assert http.get("/api/company/part/99999/").json() == {"detail": "No SupplierPart matches the given query."}

    def test_filters(self, http: httpx.Client) -> None:
        """SKU is exact and case-sensitive, MPN case-insensitive; a part two suppliers supply lists both."""
        assert http.get("/api/company/part/", params={"SKU": "atmega328p-au-nd"}).json() == []
        by_mpn = http.get("/api/company/part/", params={"MPN": "atmega328p-au"}).json()
        assert {r["SKU"] for r in by_mpn} == {"ATMEGA328P-AU-ND", "556-ATMEGA328P-AU", "C14877"}
        mcu = by_mpn[0]["part"]
        by_part = http.get("/api/company/part/", params={"part": mcu, "supplier_detail": "true"}).json()
        assert sorted(r["supplier_detail"]["name"] for r in by_part) == [
            "DigiKey",
            "LCSC Electronics",
            "Mouser Electronics",
        ]
        mouser = next(r["supplier"] for r in by_part if r["supplier_detail"]["name"] == "Mouser Electronics")
        both = http.get("/api/company/part/", params={"part": mcu, "supplier": mouser}).json()
        assert [r["SKU"] for r in both] == ["556-ATMEGA328P-AU"]
        assert [
            r["SKU"] for r in http.get("/api/company/part/", params={"part": mcu, "has_stock": "false"}).json()
        ] == ["C14877"]

    def test_bad_company_filters_are_400(self, http: httpx.Client) -> None:
        """A non-supplier id as supplier, or an unknown id, is InvenTree's 'Select a valid choice' 400."""
        maker = http.get("/api/company/", params={"is_manufacturer": "true"}).json()[0]["pk"]
        r = http.get("/api/company/part/", params={"supplier": maker})
        assert r.status_code == 400 and r.json() == {"supplier": INVALID_CHOICE}
        r = http.get("/api/stock/", params={"supplier_part": 99999})
        assert r.status_code == 400 and r.json() == {"supplier_part": INVALID_CHOICE}

    def test_stock_by_supplier_misses_stock_entered_without_one(self, http: httpx.Client) -> None:
        """stock?supplier_part= finds only stock received as that supplier part; the part has more."""
        sp = supplier_part(http, "C14877")  # LCSC's MCU: nothing was received as it
        assert http.get("/api/stock/", params={"supplier_part": sp["pk"]}).json() == []
        part_stock = http.get("/api/stock/", params={"part": sp["part"]}).json()
        assert any(s["supplier_part"] is None for s in part_stock)  # the quarantined tray came in without one

    def test_stock_supplier_filters(self, http: httpx.Client) -> None:
        """stock?supplier=, ?manufacturer= and ?company= follow the supplier part; supplier_part_detail is opt-in."""
        companies = {c["name"]: c["pk"] for c in http.get("/api/company/").json()}
        mouser = http.get(
            "/api/stock/",
            params={"supplier": companies["Mouser Electronics"], "in_stock": "true", "supplier_part_detail": "true"},
        ).json()
        assert {s["SKU"] for s in mouser} == {"556-ATMEGA328P-AU", "576-0218002.MXP", "306-B4B-XH-A"}
        assert all(s["supplier_part_detail"]["supplier"] == companies["Mouser Electronics"] for s in mouser)
        microchip = http.get("/api/stock/", params={"manufacturer": companies["Microchip Technology"]}).json()
        assert {s["MPN"] for s in microchip} == {"ATMEGA328P-AU"}
        either = http.get("/api/stock/", params={"company": companies["Microchip Technology"]}).json()
        assert {s["pk"] for s in either} == {s["pk"] for s in microchip}
        plain = http.get("/api/stock/", params={"limit": 1}).json()["results"][0]
        assert plain["supplier_part_detail"] is None

    def test_company_rows_and_filters(self, http: httpx.Client) -> None:
        """/api/company/ rows have the documented fields, ordered by name, filterable by role and exact name."""
        rows = http.get("/api/company/").json()
        assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)
        assert {
            "pk",
            "name",
            "description",
            "website",
            "phone",
            "address",
            "email",
            "currency",
            "contact",
            "link",
            "image",
            "active",
            "is_customer",
            "is_manufacturer",
            "is_supplier",
            "notes",
            "parts_supplied",
            "parts_manufactured",
            "address_count",
            "primary_address",
            "tax_id",
        } == set(rows[0])
        suppliers = http.get("/api/company/", params={"is_supplier": "true"}).json()
        assert sorted(r["name"] for r in suppliers) == [
            "DigiKey",
            "LCSC Electronics",
            "Mouser Electronics",
            "TME Electronic Components",
        ]
        assert [r["parts_supplied"] for r in http.get("/api/company/", params={"name": "DigiKey"}).json()] == [4]
        assert http.get("/api/company/", params={"name": "digikey"}).json() == []

    def test_manufacturer_parts(self, http: httpx.Client) -> None:
        """ManufacturerPart rows and filters; an unknown pk is 404."""
        rows = http.get(
            "/api/company/part/manufacturer/",
            params={"MPN": "ATMEGA328P-AU", "part_detail": "true", "manufacturer_detail": "true"},
        ).json()
        assert len(rows) == 1 and rows[0]["part_detail"]["IPN"] == "U-ATM328"
        assert rows[0]["manufacturer_detail"]["name"] == "Microchip Technology"
        assert {"pk", "part", "manufacturer", "MPN", "description", "link", "barcode_hash", "notes", "tags"} <= set(
            rows[0]
        )
        r = http.get("/api/company/part/manufacturer/99999/")
        assert r.status_code == 404 and r.json() == {"detail": "No ManufacturerPart matches the given query."}

    def test_roles(self, http: httpx.Client) -> None:
        """The reader (part view, no purchasing role) reads supplier parts but not companies (403)."""
        reader = httpx.Client(verify=False, base_url=str(http.base_url), auth=("reader", "readonly"))
        assert reader.get("/api/company/part/").status_code == 200
        r = reader.get("/api/company/")
        assert r.status_code == 403 and r.json() == {"detail": "You do not have permission to perform this action."}


class TestSupplierPlugins:
    def test_digikey_label(self, http: httpx.Client) -> None:
        """A DigiKey label resolves to DigiKey's supplier part, the manufacturer part and the PO, never to stock."""
        r = scan(http, DIGIKEY_MCU)
        body = r.json()
        assert r.status_code == 200 and body["plugin"] == "DigiKeyBarcodePlugin"
        assert set(body) == {
            "purchaseorder",
            "supplierpart",
            "manufacturerpart",
            "company",
            "success",
            "plugin",
            "barcode_data",
            "barcode_hash",
        }
        assert body["success"] == "Match found for barcode data" and body["barcode_data"] == DIGIKEY_MCU.strip()
        sp = body["supplierpart"]
        assert sp["api_url"] == f"/api/company/part/{sp['pk']}/" and sp["web_url"].endswith(
            f"/supplier-part/{sp['pk']}"
        )
        assert sp["instance"]["SKU"] == "ATMEGA328P-AU-ND" and sp["instance"]["in_stock"] is None
        for key in ("part_detail", "supplier_detail", "manufacturer_detail", "manufacturer_part_detail"):
            assert sp["instance"][key], key
        assert (
            "web_url" not in body["manufacturerpart"] and body["manufacturerpart"]["instance"]["MPN"] == "ATMEGA328P-AU"
        )
        assert body["purchaseorder"]["instance"]["reference"] == "PO-0001"
        assert body["company"] == {"pk": sp["instance"]["supplier"]}

    def test_wedge_that_drops_control_characters(self, http: httpx.Client) -> None:
        """The same DigiKey label without its GS/RS/EOT is not parsed: 400 no match, plugin "None"."""
        text = without_controls(DIGIKEY_MCU)
        r = scan(http, text)
        assert r.status_code == 400
        assert r.json() == {
            "plugin": "None",
            "barcode_data": text,
            "barcode_hash": r.json()["barcode_hash"],
            "error": "No match found for barcode data",
        }

    def test_trailer_variants_still_parse(self, http: httpx.Client) -> None:
        """Without EOT, without the trailer, or with spaces and CR/LF around it, the DigiKey label still parses."""
        for text in (DIGIKEY_MCU[:-1], DIGIKEY_MCU[:-2], "  " + DIGIKEY_MCU + "\r\n"):
            r = scan(http, text)
            assert r.status_code == 200 and sku_of(r.json()) == "ATMEGA328P-AU-ND", repr(text)

    def test_mouser_label_claimed_by_digikey(self, http: httpx.Client) -> None:
        """A Mouser label (no SKU field) for a part DigiKey also supplies is answered by the DigiKey plugin with
        DigiKey's supplier part: the quirk of §2.5."""
        body = scan(http, MOUSER_MCU).json()
        assert body["plugin"] == "DigiKeyBarcodePlugin" and sku_of(body) == "ATMEGA328P-AU-ND"
        assert body["supplierpart"]["instance"]["supplier_detail"]["name"] == "DigiKey"
        assert "purchaseorder" not in body  # its K names Mouser's PO-0002, which DigiKey's filter excludes

    def test_mouser_label_for_a_part_only_mouser_supplies(self, fresh: SimClient) -> None:
        """Unlinked, Mouser's fuse label passes DigiKey by and is answered by the Mouser plugin with its PO."""
        box = fresh.get("/api/stock/", params={"batch": "F2A-2406"}).json()[0]["pk"]
        assert fresh.post("/api/barcode/unlink/", json={"stockitem": box}).status_code == 200
        body = scan(fresh, MOUSER_FUSE).json()
        assert body["plugin"] == "MouserBarcodePlugin" and sku_of(body) == "576-0218002.MXP"
        assert body["purchaseorder"]["instance"]["reference"] == "PO-0002"

    def test_lcsc_and_tme(self, http: httpx.Client) -> None:
        """LCSC's QR and TME's QR resolve through their own plugins to their supplier parts and orders."""
        lcsc = scan(http, LCSC_LED).json()
        assert lcsc["plugin"] == "LCSCBarcodePlugin" and sku_of(lcsc) == "C72043"
        assert lcsc["purchaseorder"]["instance"]["reference"] == "PO-0003"
        assert sku_of(scan(http, LCSC_R4K7).json()) == "C105871"
        tme = scan(http, TME_C100N).json()
        assert tme["plugin"] == "TMEBarcodePlugin" and sku_of(tme) == "CL10B104KB8NNNC"
        assert tme["purchaseorder"]["instance"]["reference"] == "PO-0004"

    def test_linked_label_resolves_to_the_stock_item(self, http: httpx.Client) -> None:
        """Mouser's fuse label, linked in the demo, resolves to its box, with and without control characters."""
        for text in (MOUSER_FUSE, without_controls(MOUSER_FUSE)):
            body = scan(http, text).json()
            assert body["plugin"] == "InvenTreeBarcode" and body["stockitem"]["instance"]["batch"] == "F2A-2406"

    def test_unknown_sku_and_unknown_format(self, http: httpx.Client) -> None:
        """A well-formed label for a SKU nobody has, and plain text, are both 400 no match."""
        assert scan(http, ecia("PNOPE-ND", "Q1")).status_code == 400
        assert scan(http, "random-text").json()["error"] == "No match found for barcode data"

    def test_supplier_found_by_name_is_remembered(self, fresh: SimClient) -> None:
        """With no SUPPLIER_ID set, the plugin takes the one supplier whose name contains its own, and saves it."""
        db = fresh.sim.db
        assert db.setting("plugin:digikeyplugin:SUPPLIER_ID") == ""
        body = scan(fresh, DIGIKEY_MCU).json()
        assert db.setting("plugin:digikeyplugin:SUPPLIER_ID") == str(body["company"]["pk"])

    def test_no_supplier_means_no_filter(self, fresh: SimClient) -> None:
        """Renamed so that no supplier matches 'DigiKey', the plugin filters by nobody: DigiKey's SKU still matches
        and the answer carries no company."""
        fresh.sim.db.conn.execute("UPDATE company SET name = 'Digi-Key' WHERE name = 'DigiKey'")
        body = scan(fresh, DIGIKEY_MCU).json()
        assert body["plugin"] == "DigiKeyBarcodePlugin" and "company" not in body


class TestPluginsOnAndOff:
    def test_all_off_is_a_plain_no_match(self) -> None:
        """With every supplier plugin off (as InvenTree ships), each unlinked supplier label is 400."""
        with served(supplier_plugins=()) as http:
            for text in (DIGIKEY_MCU, MOUSER_MCU, LCSC_LED, TME_C100N):
                assert scan(http, text).status_code == 400
            assert scan(http, MOUSER_FUSE).json()["plugin"] == "InvenTreeBarcode"  # linked: still found

    def test_without_digikey_mouser_answers_its_own_label(self) -> None:
        """With the DigiKey plugin off, the Mouser label goes to the Mouser plugin and Mouser's supplier part; a
        DigiKey label then only finds, through Mouser, the manufacturer part (its SKU is not Mouser's)."""
        with served(supplier_plugins=("lcsc", "mouser", "tme")) as http:
            body = scan(http, MOUSER_MCU).json()
            assert body["plugin"] == "MouserBarcodePlugin" and sku_of(body) == "556-ATMEGA328P-AU"
            digikey = scan(http, DIGIKEY_MCU).json()
            assert digikey["plugin"] == "MouserBarcodePlugin" and "supplierpart" not in digikey
            assert digikey["manufacturerpart"]["instance"]["MPN"] == "ATMEGA328P-AU"

    def test_activate_endpoint(self, fresh: SimClient) -> None:
        """PATCH /api/plugins/<slug>/activate/ switches a plugin (superuser only); InvenTree's own is mandatory."""
        r = fresh.patch("/api/plugins/digikeyplugin/activate/", json={"active": False})
        assert r.status_code == 200 and r.json() == {"active": False}
        assert scan(fresh, MOUSER_MCU).json()["plugin"] == "MouserBarcodePlugin"
        assert fresh.patch("/api/plugins/digikeyplugin/activate/", json={"active": True}).json() == {"active": True}
        assert scan(fresh, MOUSER_MCU).json()["plugin"] == "DigiKeyBarcodePlugin"
        r = fresh.patch("/api/plugins/inventreebarcode/activate/", json={"active": False})
        assert r.status_code == 400
        assert r.json() == {"non_field_errors": ["INVE-E10: Mandatory plugin cannot be deactivated"]}
        operator = httpx.Client(verify=False, base_url=str(fresh.base_url), auth=("operator", "operator"))
        assert operator.patch("/api/plugins/mouserplugin/activate/", json={"active": False}).status_code == 403
        assert fresh.patch("/api/plugins/nope/activate/", json={}).status_code == 404

    def test_option_parsing(self) -> None:
        """--supplier-plugins takes all, none or names in any order; a typo is refused in one line."""
        assert parse_supplier_plugins("mouser,digikey") == ("digikey", "mouser")
        assert parse_supplier_plugins("none") == () and parse_supplier_plugins("all") == (
            "digikey",
            "lcsc",
            "mouser",
            "tme",
        )
        assert parse_supplier_plugins(None) is None
        with pytest.raises(OptionError, match="digikey,lcsc,mouser,tme"):
            parse_supplier_plugins("digikey,mousr")
