"""Demo data for supplier labels: DigiKey, Mouser, LCSC and TME, their supplier parts for parts on the outstanding
builds' BOMs, the purchase orders the stock came in on, and one label already linked to the box it sits on.

Everything here is appended (new tables, new rows); existing stock items keep their pks and quantities and only
gain the supplier part and purchase order they were received against, so build availability is unchanged.
Rows are found by IPN and batch, not by pk, so this runs after whatever else ``seed_demo`` adds.

The labels below match this data (``LABELS``); the scanning tests and the README use them.
"""

from __future__ import annotations

from .barcodes import barcode_hash
from .db import Database

GS, RS, EOT = "\x1d", "\x1e", "\x04"


def ecia(*fields: str) -> str:
    """An ECIA / ISO 15434 "Format 06" label as the scanner sends it: header, GS-separated fields, RS EOT."""
    return "[)>" + RS + "06" + GS + GS.join(fields) + RS + EOT


#: DigiKey's own label on the ATmega328P tray (SKU, MPN, an empty K, its sales order 88214401, lot ATM-2404)
DIGIKEY_MCU = ecia("PATMEGA328P-AU-ND", "1PATMEGA328P-AU", "K", "1K88214401", "10K104517790", "9D2404",
                   "1TATM-2404", "11K1", "4LPH", "Q40", "11ZPICK", "12Z1832791", "13Z999999",
                   "20Z0000000000000000000000000000")  # fmt: skip
#: DigiKey's label on the 10k resistor reel (lot R10K-2401)
DIGIKEY_R10K = ecia("P311-10.0KHRCT-ND", "1PRC0603FR-0710KL", "K", "1K88214401", "10K104517790", "9D2401",
                    "1TR10K-2401", "11K2", "4LTW", "Q500", "11ZPICK", "12Z1760784", "13Z999999",
                    "20Z0000000000000000000000000000")  # fmt: skip
#: Mouser's label on the ATmega328P bag (no SKU field, as Mouser's labels have none; lot ATM-2311): DigiKey also
#: supplies this MPN, so the DigiKey plugin, asked first, claims it for DigiKey's supplier part
MOUSER_MCU = ecia("KPO-0002", "14K003", "1PATMEGA328P-AU", "Q12", "11K077124801", "4LTH", "1VMicrochip", "1TATM-2311")
#: Mouser's label on a box of 2 A fuses (lot F2A-2406), linked to the first such box
MOUSER_FUSE = ecia("KPO-0002", "14K005", "1P0218002.MXP", "Q4", "11K077124801", "4LCN", "1VLittelfuse", "1TF2A-2406")
#: LCSC's QR on the green LEDs (order SO2404181234 = PO-0003's supplier reference)
LCSC_LED = "{pbn:PICK2404181234,on:SO2404181234,pc:C72043,pm:APT1608SGC,qty:300,mc:,cc:1,pdi:57732108,hp:0,wc:JS}"
#: LCSC's QR on the 4k7 resistors: its supplier part has nothing left in stock (BO-0001 used the reel up)
LCSC_R4K7 = "{pbn:PICK2404181234,on:SO2404181234,pc:C105871,pm:RC0603FR-074K7L,qty:15,mc:,cc:1,pdi:57732107,hp:0,wc:JS}"
#: TME's QR on the 100nF 0603 capacitors (customer order PO-0004)
TME_C100N = ("QTY:400 PN:CL10B104KB8NNNC PO:7735411/2 CPO:PO-0004 MFR:SAMSUNG MPN:CL10B104KB8NNNC RoHS"
             " https://www.tme.eu/details/CL10B104KB8NNNC")  # fmt: skip


def without_controls(label: str) -> str:
    """The label as a keyboard wedge that drops control characters types it."""
    return "".join(ch for ch in label if ch.isprintable())


LABELS = {
    "digikey_mcu": DIGIKEY_MCU,
    "digikey_mcu_wedge": without_controls(DIGIKEY_MCU),
    "digikey_r10k": DIGIKEY_R10K,
    "mouser_mcu": MOUSER_MCU,
    "mouser_fuse": MOUSER_FUSE,
    "mouser_fuse_wedge": without_controls(MOUSER_FUSE),
    "lcsc_led": LCSC_LED,
    "lcsc_r4k7": LCSC_R4K7,
    "tme_c100n": TME_C100N,
}

COMPANIES = [
    # name, description, website, currency, supplier, manufacturer
    ("DigiKey", "Electronic components distributor", "https://www.digikey.com", "USD", 1, 0),
    ("Mouser Electronics", "Electronic components distributor", "https://www.mouser.com", "USD", 1, 0),
    ("LCSC Electronics", "Electronic components distributor", "https://www.lcsc.com", "USD", 1, 0),
    ("TME Electronic Components", "Transfer Multisort Elektronik", "https://www.tme.eu", "EUR", 1, 0),
    ("Microchip Technology", "", "https://www.microchip.com", "USD", 0, 1),
    ("Yageo", "", "https://www.yageo.com", "USD", 0, 1),
    ("Samsung Electro-Mechanics", "", "https://www.samsungsem.com", "USD", 0, 1),
    ("Kingbright", "", "https://www.kingbrightusa.com", "USD", 0, 1),
    ("JST", "", "https://www.jst.com", "USD", 0, 1),
    ("Littelfuse", "", "https://www.littelfuse.com", "USD", 0, 1),
    ("Espressif Systems", "", "https://www.espressif.com", "USD", 0, 1),
]
MANUFACTURER_PARTS = [
    # part IPN, manufacturer, MPN
    ("U-ATM328", "Microchip Technology", "ATMEGA328P-AU"),
    ("R-0603-10K", "Yageo", "RC0603FR-0710KL"),
    ("R-0603-4K7", "Yageo", "RC0603FR-074K7L"),
    ("C-100N-0603", "Samsung Electro-Mechanics", "CL10B104KB8NNNC"),
    ("C-100N-0805", "Samsung Electro-Mechanics", "CL21B104KBCNNNC"),
    ("D-LED-G", "Kingbright", "APT1608SGC"),
    ("J-XH4", "JST", "B4B-XH-A"),
    ("F-2A", "Littelfuse", "0218002.MXP"),
    ("MOD-WIFI", "Espressif Systems", "ESP32-C3-MINI-1-N4"),
]
SUPPLIER_PARTS = [
    # supplier, SKU, MPN, packaging
    ("DigiKey", "ATMEGA328P-AU-ND", "ATMEGA328P-AU", "Tray"),
    ("DigiKey", "311-10.0KHRCT-ND", "RC0603FR-0710KL", "Cut Tape (CT)"),
    ("DigiKey", "1276-1003-1-ND", "CL21B104KBCNNNC", "Cut Tape (CT)"),
    ("DigiKey", "1965-ESP32-C3-MINI-1-N4CT-ND", "ESP32-C3-MINI-1-N4", "Cut Tape (CT)"),  # none in stock
    ("Mouser Electronics", "556-ATMEGA328P-AU", "ATMEGA328P-AU", "Tray"),
    ("Mouser Electronics", "306-B4B-XH-A", "B4B-XH-A", "Bulk"),
    ("Mouser Electronics", "576-0218002.MXP", "0218002.MXP", "Bulk"),
    ("LCSC Electronics", "C105871", "RC0603FR-074K7L", "Tape & Reel"),
    ("LCSC Electronics", "C72043", "APT1608SGC", "Tape & Reel"),
    ("LCSC Electronics", "C14877", "ATMEGA328P-AU", "Tray"),
    ("TME Electronic Components", "CL10B104KB8NNNC", "CL10B104KB8NNNC", "Reel"),
]
PURCHASE_ORDERS = [
    # reference, supplier, supplier's reference
    ("PO-0001", "DigiKey", "88214401"),
    ("PO-0002", "Mouser Electronics", "26115723"),
    ("PO-0003", "LCSC Electronics", "SO2404181234"),
    ("PO-0004", "TME Electronic Components", "7735411"),
]
RECEIVED = [
    # part IPN, batch of the existing items, supplier, SKU, purchase order
    ("U-ATM328", "ATM-2404", "DigiKey", "ATMEGA328P-AU-ND", "PO-0001"),
    ("U-ATM328", "ATM-2311", "Mouser Electronics", "556-ATMEGA328P-AU", "PO-0002"),
    ("R-0603-10K", "R10K-2401", "DigiKey", "311-10.0KHRCT-ND", "PO-0001"),
    ("R-0603-10K", "R10K-2312", "DigiKey", "311-10.0KHRCT-ND", "PO-0001"),
    ("C-100N-0805", "C0805-2401", "DigiKey", "1276-1003-1-ND", "PO-0001"),
    ("R-0603-4K7", "R4K7-2402", "LCSC Electronics", "C105871", "PO-0003"),
    ("D-LED-G", "LED-2402", "LCSC Electronics", "C72043", "PO-0003"),
    ("C-100N-0603", "C0603-2405", "TME Electronic Components", "CL10B104KB8NNNC", "PO-0004"),
    ("F-2A", "F2A-2406", "Mouser Electronics", "576-0218002.MXP", "PO-0002"),
    ("J-XH4", "", "Mouser Electronics", "306-B4B-XH-A", "PO-0002"),
]


def seed_suppliers(db: Database) -> None:
    """Append the suppliers, their parts and orders; tag the stock they delivered; link one label."""
    company: dict[str, int] = {}
    for name, desc, website, currency, sells, makes in COMPANIES:
        company[name] = db.insert("company", name=name, description=desc, website=website, currency=currency,
                                  is_supplier=sells, is_manufacturer=makes)  # fmt: skip

    def part(ipn: str) -> int:
        return int(db.scalar("SELECT id FROM part WHERE IPN = ? ORDER BY id LIMIT 1", (ipn,)))

    mpn: dict[str, int] = {}
    for ipn, maker, code in MANUFACTURER_PARTS:
        mpn[code] = db.insert("manufacturer_part", part=part(ipn), manufacturer=company[maker], MPN=code)
    sku: dict[str, int] = {}
    for supplier, code, mp, packaging in SUPPLIER_PARTS:
        mp_row = db.get("manufacturer_part", mpn[mp])
        assert mp_row is not None
        sku[code] = db.insert("supplier_part", part=mp_row["part"], supplier=company[supplier], SKU=code,
                              manufacturer_part=mpn[mp], packaging=packaging, updated="2026-01-01 08:00")  # fmt: skip
    order: dict[str, int] = {}
    for reference, supplier, theirs in PURCHASE_ORDERS:
        order[reference] = db.insert("purchase_order", reference=reference, supplier=company[supplier],
                                     supplier_reference=theirs, status=30, creation_date="2025-12-01",
                                     complete_date="2026-01-01")  # fmt: skip
    for ipn, batch, _supplier, code, reference in RECEIVED:
        db.conn.execute("UPDATE stock SET supplier_part = ?, purchase_order = ? WHERE part = ? AND batch = ?",
                        (sku[code], order[reference], part(ipn), batch))  # fmt: skip
    box = db.scalar("SELECT id FROM stock WHERE part = ? AND batch = 'F2A-2406' ORDER BY id LIMIT 1", (part("F-2A"),))
    db.update("stock", box, barcode_data=MOUSER_FUSE, barcode_hash=barcode_hash(MOUSER_FUSE))
