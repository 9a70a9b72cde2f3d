"""Supplier labels read by the client (docs/inventree-scanning-semantics.md §2): the examples from there."""

from __future__ import annotations

from decimal import Decimal

from buildtui.rules.labels import Label, mentions, parse, supplier_matches

DIGIKEY = (
    "[)>\x1e06\x1dP296-LM358BIDDFRCT-ND\x1d1PLM358BIDDFR\x1dK\x1d1K72991337\x1d10K85781337\x1d11K1\x1d4LPH"
    "\x1dQ10\x1d11ZPICK\x1d12Z15221337\x1d13Z361337\x1d20Z0000000000\x1e\x04"
)
MOUSER = "[)>\x1e06\x1dKP0-1337\x1d14K011\x1d1PMC34063ADR\x1dQ3\x1d11K073121337\x1d4LMX\x1d1VTI\x1e\x04"
LCSC = "{pbn:PICK2009291337,on:SO2009291337,pc:C312270,pm:ST-1-102-A01-T000-RS,qty:2,mc:,cc:1,pdi:34421807}"
TME = "QTY:1 PN:WBP-302 PO:19361337/1 CPO:PO-2023-06-08-001337 MFR:WISHERENTERPRISE MPN:WBP-302 RoHS https://www.tme.eu/details/WBP-302"


def label_of(text: str) -> Label:
    """The label ``text`` parses as (the test fails when it parses as none)."""
    label = parse(text)
    assert label is not None, text
    return label


def test_digikey_ecia() -> None:
    """A DigiKey label scans as its SKU, MPN, quantity and sales order, recognised as DigiKey's."""
    label = parse(DIGIKEY)
    assert label == Label(
        kind="ecia", sku="296-LM358BIDDFRCT-ND", mpn="LM358BIDDFR", quantity=Decimal(10), supplier_order="72991337"
    )
    assert label.looks_like == "DigiKey"


def test_mouser_ecia_has_no_sku() -> None:
    """A Mouser label has no SKU but its MPN, quantity and customer order, and matches Mouser, not DigiKey."""
    label = label_of(MOUSER)
    assert label.sku == "" and label.mpn == "MC34063ADR" and label.quantity == 3 and label.customer_order == "P0-1337"
    assert label.looks_like == "Mouser"
    assert not supplier_matches(label, "DigiKey") and supplier_matches(label, "Mouser Electronics")


def test_variants_the_server_tolerates() -> None:
    """Labels without trailer or EOT, with blanks around, or with the old Mouser header still scan."""
    assert label_of(DIGIKEY[:-2]).sku == "296-LM358BIDDFRCT-ND"  # no trailer
    assert label_of(DIGIKEY[:-1]).mpn == "LM358BIDDFR"  # EOT missing
    assert label_of("  " + DIGIKEY + "\r\n").quantity == 10
    assert label_of(">[)>06\x1d1PMC34063ADR\x1dQ3").mpn == "MC34063ADR"  # the old Mouser header


def test_control_characters_dropped_is_damaged_but_mentions_what_it_carries() -> None:
    """A label whose control characters a scanner dropped is damaged, yet its SKU and MPN are found in it."""
    dropped = DIGIKEY.replace("\x1e", "").replace("\x1d", "").replace("\x04", "")
    label = parse(dropped)
    assert label is not None and label.damaged and not label.sku
    assert mentions(dropped, "296-LM358BIDDFRCT-ND", ("P", "30P"))
    assert mentions(dropped, "LM358BIDDFR", ("1P",)) and not mentions(dropped, "LM358X", ("1P",))


def test_lcsc_and_tme() -> None:
    """LCSC and TME labels scan as their SKU, MPN, quantity and supplier or order."""
    lcsc = label_of(LCSC)
    assert (lcsc.kind, lcsc.sku, lcsc.mpn, lcsc.quantity, lcsc.supplier) == (
        "lcsc",
        "C312270",
        "ST-1-102-A01-T000-RS",
        Decimal(2),
        "LCSC",
    )
    tme = label_of(TME)
    assert (tme.kind, tme.sku, tme.mpn, tme.quantity, tme.supplier_order) == (
        "tme",
        "WBP-302",
        "WBP-302",
        Decimal(1),
        "19361337",
    )


def test_anything_else_is_no_label() -> None:
    """Stock, build and plain barcodes are not taken for supplier labels."""
    for code in ("INV-SI13", '{"stockitem": 1}', "BO-0011", "YAGEO-RC0603-10K-REEL-7", "{not: a label", ""):
        assert parse(code) is None, code
