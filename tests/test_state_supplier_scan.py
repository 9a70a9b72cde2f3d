"""The state layer's supplier-label steps against the simulator over HTTP, without a UI: which supplier part a
label resolves to (server's answer, or the client's own lookup), and the choices it asks for on a build."""

from __future__ import annotations

import datetime as dt

import pytest

from buildtui.api import InvenTreeClient
from buildtui.simulator.seed_suppliers import (
    DIGIKEY_MCU,
    MOUSER_FUSE,
    MOUSER_MCU,
    TME_C100N,
    ecia,
    without_controls,
)
from buildtui.state import Store
from buildtui.state.build_detail import BuildDetailModel
from buildtui.state.scan import ScanRefused, StockScanned
from buildtui.state.supplier_scan import LabelPlan, SupplierScanned, plan, resolve

TODAY = dt.date(2026, 6, 15)


class Asked:
    """Stands in for the screen's one-key chooser: records the question and picks ``answer``."""

    def __init__(self, answer: int | None = 0) -> None:
        self.answer = answer
        self.questions: list[tuple[str, list[str]]] = []

    async def __call__(self, title: str, options: list[str]) -> int | None:
        self.questions.append((title, options))
        return self.answer


async def no_output() -> int:
    raise AssertionError("no tracked line here")


async def label_on(client: InvenTreeClient, code: str, build: int = 11, ask: Asked | None = None) -> LabelPlan:
    store = Store(client)
    scanned = await resolve(store, code)
    assert isinstance(scanned, SupplierScanned)
    model = BuildDetailModel(store, build)
    await model.refresh()
    return await plan(store, model, scanned, today=TODAY, ask=ask or Asked(None), output_for=no_output)


async def test_the_server_answer_is_used_when_it_fits(client: InvenTreeClient) -> None:
    """A Digi-Key label read by the server's Digi-Key plugin: its supplier part, no note."""
    scanned = await resolve(Store(client), DIGIKEY_MCU)
    assert isinstance(scanned, SupplierScanned)
    assert [p.pk for p in scanned.parts] == [1] and scanned.note == ""


async def test_a_linked_label_is_the_item(client: InvenTreeClient) -> None:
    """The Mouser fuse label is linked to stock item 61: it resolves to the item, with or without controls."""
    for code in (MOUSER_FUSE, without_controls(MOUSER_FUSE)):
        scanned = await resolve(Store(client), code)
        assert isinstance(scanned, StockScanned) and scanned.item.pk == 61


async def test_a_damaged_mouser_label_is_told_apart_by_its_lot(client: InvenTreeClient) -> None:
    """Without controls a Mouser label names only its MPN (3 suppliers): its lot ATM-2311 picks Mouser's."""
    scanned = await resolve(Store(client), without_controls(MOUSER_MCU))
    assert isinstance(scanned, SupplierScanned) and len(scanned.parts) == 3
    ask = Asked()
    chosen = await label_on(client, without_controls(MOUSER_MCU), ask=ask)
    assert ask.questions == [] and chosen.part.pk == 5 and chosen.item.pk == 9 and chosen.quantity == 5


async def test_a_damaged_label_without_a_lot_asks_which_supplier_part(client: InvenTreeClient) -> None:
    """The same MPN from three suppliers and no lot in the label: the operator picks the supplier part."""
    code = without_controls(ecia("KPO-0009", "1PATMEGA328P-AU", "Q1"))
    ask = Asked(1)
    chosen = await label_on(client, code, ask=ask)
    title, options = ask.questions[0]
    assert title == "This label fits 3 supplier parts: which one?"
    assert options[0].startswith("DigiKey ATMEGA328P-AU-ND (U-ATM328") and "LCSC Electronics C14877" in options[2]
    assert chosen.part.pk == 5 and chosen.item.pk == 9


async def test_the_labels_lot_is_gone_the_operator_chooses(client: InvenTreeClient) -> None:
    """A Digi-Key label of a lot the server does not have: asked whether to take another lot, or not at all."""
    code = ecia("PATMEGA328P-AU-ND", "1PATMEGA328P-AU", "1TATM-1999", "Q5")
    ask = Asked(0)
    chosen = await label_on(client, code, ask=ask)
    title, options = ask.questions[0]
    assert title.startswith("No U-ATM328 Microcontroller ATmega328P of lot ATM-1999 is in stock.")
    assert options[0].startswith("batch ATM-2404: 20 free, Warehouse/Shelf B") and chosen.item.pk == 8
    with pytest.raises(ScanRefused, match="Scan not allocated: No U-ATM328"):
        await label_on(client, code, ask=Asked(None))


async def test_a_variant_line_takes_the_tme_capacitor(client: InvenTreeClient) -> None:
    """TME's QR names the 0603 capacitor, a variant of the line's 100nF template: 30 from its reel."""
    chosen = await label_on(client, TME_C100N)
    assert chosen.line.part == 4 and chosen.item.pk == 6 and chosen.quantity == 30
    assert "to the C-100N Capacitor 100nF line" in chosen.message()


async def test_no_supplier_part_for_the_labels_supplier(client: InvenTreeClient) -> None:
    """A Mouser label for an MPN only Digi-Key supplies: the reason names what the server has."""
    with pytest.raises(ScanRefused, match="no Mouser supplier part for it \\(only DigiKey 1276-1003-1-ND\\)"):
        await resolve(Store(client), ecia("KPO-0002", "1PCL21B104KBCNNNC", "Q10"))
