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


def test_digikey_ecia():
    label = parse(DIGIKEY)
    assert label == Label(
        kind="ecia", sku="296-LM358BIDDFRCT-ND", mpn="LM358BIDDFR", quantity=Decimal(10), supplier_order="72991337"
    )
    assert label.looks_like == "DigiKey"


def test_mouser_ecia_has_no_sku():
    label = parse(MOUSER)
    assert label.sku == "" and label.mpn == "MC34063ADR" and label.quantity == 3 and label.customer_order == "P0-1337"
    assert label.looks_like == "Mouser"
    assert not supplier_matches(label, "DigiKey") and supplier_matches(label, "Mouser Electronics")


def test_variants_the_server_tolerates():
    assert parse(DIGIKEY[:-2]).sku == "296-LM358BIDDFRCT-ND"  # no trailer
    assert parse(DIGIKEY[:-1]).mpn == "LM358BIDDFR"  # EOT missing
    assert parse("  " + DIGIKEY + "\r\n").quantity == 10
    assert parse(">[)>06\x1d1PMC34063ADR\x1dQ3").mpn == "MC34063ADR"  # the old Mouser header


def test_control_characters_dropped_is_damaged_but_mentions_what_it_carries():
    dropped = DIGIKEY.replace("\x1e", "").replace("\x1d", "").replace("\x04", "")
    label = parse(dropped)
    assert label is not None and label.damaged and not label.sku
    assert mentions(dropped, "296-LM358BIDDFRCT-ND", ("P", "30P"))
    assert mentions(dropped, "LM358BIDDFR", ("1P",)) and not mentions(dropped, "LM358X", ("1P",))


def test_lcsc_and_tme():
    lcsc = parse(LCSC)
    assert (lcsc.kind, lcsc.sku, lcsc.mpn, lcsc.quantity, lcsc.supplier) == (
        "lcsc",
        "C312270",
        "ST-1-102-A01-T000-RS",
        2,
        "LCSC",
    )
    tme = parse(TME)
    assert (tme.kind, tme.sku, tme.mpn, tme.quantity, tme.supplier_order) == (
        "tme",
        "WBP-302",
        "WBP-302",
        1,
        "19361337",
    )


def test_anything_else_is_no_label():
    for code in ("INV-SI13", '{"stockitem": 1}', "BO-0011", "YAGEO-RC0603-10K-REEL-7", "{not: a label", ""):
        assert parse(code) is None, code
