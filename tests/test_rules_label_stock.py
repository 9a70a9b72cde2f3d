"""From a supplier label to its supplier part and stock item, without a UI (rules/label_stock.py): the plugin
that answers for another supplier's label, labels that lost their control characters, lot first, oldest first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from buildtui.api.models import StockItem
from buildtui.api.supplier_models import CompanyBrief, SupplierPart
from buildtui.rules import label_stock as rules
from buildtui.rules.labels import Label, parse
from buildtui.simulator.seed_suppliers import DIGIKEY_MCU, LCSC_LED, MOUSER_MCU, TME_C100N, without_controls

TODAY = dt.date(2026, 6, 15)
NAME, SOURCE = "U-ATM328 Microcontroller ATmega328P", "DigiKey ATMEGA328P-AU-ND"


def sp(pk: int, supplier: str, sku: str, mpn: str, part: int = 7) -> SupplierPart:
    return SupplierPart(pk=pk, part=part, SKU=sku, MPN=mpn, supplier_detail=CompanyBrief(pk=pk * 10, name=supplier))


DIGIKEY = sp(1, "DigiKey", "ATMEGA328P-AU-ND", "ATMEGA328P-AU")
MOUSER = sp(5, "Mouser Electronics", "556-ATMEGA328P-AU", "ATMEGA328P-AU")
LCSC = sp(10, "LCSC Electronics", "C14877", "ATMEGA328P-AU")
TME = sp(11, "TME Electronic Components", "CL10B104KB8NNNC", "CL10B104KB8NNNC", part=5)
ALL_MCU = [DIGIKEY, MOUSER, LCSC]


def label(code: str) -> Label:
    found = parse(code)
    assert found is not None
    return found


def item(pk: int, batch: str, quantity: float = 10, allocated: float = 0, **kw: Any) -> StockItem:
    return StockItem(
        pk=pk, part=7, batch=batch, quantity=Decimal(str(quantity)), allocated=Decimal(str(allocated)), **kw
    )


class TestWhoseLabel:
    def test_the_digikey_plugin_claiming_a_mouser_label_does_not_fit(self) -> None:
        """The Mouser label carries no SKU: DigiKey's supplier part of the same MPN is not its answer."""
        mouser = label(MOUSER_MCU)
        assert not rules.answer_fits(mouser, DIGIKEY)
        assert rules.answer_fits(mouser, MOUSER)

    def test_a_label_with_a_sku_fits_only_that_sku(self) -> None:
        """A label that carries a SKU fits the supplier part with that SKU and no other supplier's."""
        assert rules.answer_fits(label(DIGIKEY_MCU), DIGIKEY)
        assert not rules.answer_fits(label(DIGIKEY_MCU), MOUSER)
        assert rules.answer_fits(label(TME_C100N), TME) and not rules.answer_fits(label(LCSC_LED), LCSC)

    def test_a_sku_less_label_checks_the_mpn_too(self) -> None:
        """A supplier with one supplier part "matches" any SKU-less label (scanning doc §2.5): the MPN must agree."""
        assert not rules.answer_fits(label(MOUSER_MCU), sp(6, "Mouser Electronics", "306-B4B-XH-A", "B4B-XH-A"))

    def test_named_parts_by_sku_then_by_mpn_of_the_labels_supplier(self) -> None:
        """The parts a label names: by its SKU first, else by its MPN at the label's own supplier."""
        assert rules.named_parts(label(DIGIKEY_MCU), [DIGIKEY]) == [DIGIKEY]
        assert rules.named_parts(label(MOUSER_MCU), ALL_MCU) == [MOUSER]
        twin = sp(3, "Mouser Electronics", "ATMEGA328P-AU-ND", "ATMEGA328P-AU")  # two suppliers, one SKU
        assert rules.named_parts(label(DIGIKEY_MCU), [DIGIKEY, twin]) == [DIGIKEY]
        assert rules.named_parts(label(MOUSER_MCU), [DIGIKEY, LCSC]) == []

    def test_not_named_says_which_suppliers_the_server_has(self) -> None:
        """A label naming no part on the server says which supplier parts the server does have."""
        why = rules.not_named(label(MOUSER_MCU), [DIGIKEY, LCSC])
        assert why.startswith("This Mouser label (MPN ATMEGA328P-AU): the server has no Mouser supplier part")
        assert "DigiKey ATMEGA328P-AU-ND, LCSC Electronics C14877" in why
        assert rules.not_named(label(LCSC_LED), []) == (
            "This LCSC label (SKU C72043, MPN APT1608SGC): no supplier part on the server has it."
        )


class TestDamagedLabels:
    def test_search_terms_follow_the_sku_and_mpn_identifiers(self) -> None:
        """A damaged label is searched by the start of the SKU and MPN it carries."""
        assert rules.search_terms(without_controls(DIGIKEY_MCU)) == ["ATMEG"]
        assert rules.search_terms(without_controls(MOUSER_MCU)) == ["ATMEG"]
        assert rules.search_terms("[)>06P311-10.0KHRCT-ND1PRC0603FR-0710KLK") == ["311-1", "RC060"]

    def test_the_sku_in_it_wins_over_the_mpn(self) -> None:
        """A damaged label with a SKU in it names that supplier part; with only an MPN, every part of it."""
        code = without_controls(DIGIKEY_MCU)
        assert rules.mentioned_parts(code, ALL_MCU) == [DIGIKEY]
        assert rules.mentioned_parts(without_controls(MOUSER_MCU), ALL_MCU) == ALL_MCU  # MPN only: the lot decides

    def test_an_mpn_used_as_sku_is_not_taken_for_a_sku(self) -> None:
        """TME's SKU is its MPN: ``1P<mpn>`` in a Digi-Key label does not make it a TME label."""
        code = "[)>06P1276-1003-1-ND1PCL10B104KB8NNNCK1K88214401"
        digikey = sp(3, "DigiKey", "1276-1003-1-ND", "CL10B104KB8NNNC", part=5)
        assert rules.mentioned_parts(code, [TME, digikey]) == [digikey]
        assert rules.mentioned_parts("[)>06K1PCL10B104KB8NNNCQ4", [TME, digikey]) == [TME, digikey]

    def test_the_lot_after_1T(self) -> None:
        """The lot a label carries after 1T is matched to the longest batch code it contains."""
        code = without_controls(MOUSER_MCU)
        assert rules.lot_in(code, ["ATM-2404", "ATM-2311", ""]) == "ATM-2311"
        assert rules.lot_in(code, ["ATM-23", "ATM-2311"]) == "ATM-2311"  # the longest
        assert rules.lot_in(code, ["ATM-2404"]) == ""


class TestWhichItem:
    def test_the_labels_lot_first_then_the_oldest(self) -> None:
        """Stock of the label's lot is taken first, then the oldest."""
        old, lot, newer_lot = item(3, "A"), item(8, "B"), item(9, "B")
        chosen = rules.choose_stock([newer_lot, lot, old], NAME, SOURCE, lot="B", today=TODAY, allow_expired=None)
        assert chosen.take == [lot, newer_lot]
        chosen = rules.choose_stock([newer_lot, lot, old], NAME, SOURCE, lot="", today=TODAY, allow_expired=None)
        assert chosen.take == [old, lot, newer_lot]

    def test_first_to_expire_is_oldest(self) -> None:
        """Of two items, the one expiring first is taken first."""
        later, sooner = item(3, "A", expiry_date=dt.date(2027, 6, 1)), item(8, "B", expiry_date=dt.date(2027, 1, 1))
        chosen = rules.choose_stock([later, sooner], NAME, SOURCE, lot="", today=TODAY, allow_expired=None)
        assert chosen.take == [sooner, later]

    def test_never_expired_or_fully_allocated_stock_by_default(self) -> None:
        """Expired and fully allocated stock is left out; expired stock allowed by the server comes last."""
        expired = item(3, "A", expiry_date=dt.date(2026, 1, 1))
        taken, fresh = item(4, "B", allocated=10), item(8, "C")
        chosen = rules.choose_stock([expired, taken, fresh], NAME, SOURCE, lot="", today=TODAY, allow_expired=False)
        assert chosen.take == [fresh]
        allowed = rules.choose_stock([expired, fresh], NAME, SOURCE, lot="", today=TODAY, allow_expired=True)
        assert allowed.take == [fresh, expired]  # allowed by the server: still after the stock that has not expired

    def test_the_labels_lot_has_nothing_left_the_operator_chooses(self) -> None:
        """The label's lot used up or unknown: nothing is taken and the operator is offered the rest."""
        gone, other = item(3, "ATM-2311", allocated=10), item(8, "ATM-2404")
        chosen = rules.choose_stock([gone, other], NAME, SOURCE, lot="ATM-2311", today=TODAY, allow_expired=None)
        assert chosen.take == [] and chosen.others == [other]
        assert chosen.reason == f"{NAME} batch ATM-2311 is already allocated elsewhere (all of it)."
        unknown = rules.choose_stock([other], NAME, SOURCE, lot="ATM-9999", today=TODAY, allow_expired=None)
        assert unknown.others == [other] and unknown.reason == f"No {NAME} of lot ATM-9999 is in stock."

    def test_nothing_to_allocate_says_why(self) -> None:
        """Nothing to allocate says why: none in stock, or all of it expired."""
        none = rules.choose_stock([], NAME, SOURCE, lot="", today=TODAY, allow_expired=None)
        assert none.take == none.others == [] and none.reason == f"No {NAME} received as {SOURCE} is in stock."
        expired = item(3, "A", expiry_date=dt.date(2026, 1, 1))
        why = rules.choose_stock([expired], NAME, SOURCE, lot="", today=TODAY, allow_expired=False).reason
        assert why.startswith(f"No {NAME} received as {SOURCE} can be allocated: Batch A expired on")
