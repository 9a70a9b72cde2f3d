"""Demo data, second part: build orders shaped as real InvenTree workshops have them.

Appended after the showcase data of ``seed.py`` (whose pks, codes and counts stay as they were), drawing
only on parts and stock of their own, so the showcase builds' figures do not move. What real data looks
like and the showcase did not have: most builds with no source and no destination location, tracked lines
on a build with no outputs, fully and over-allocated lines, an expired and a quarantined batch of a
component in use, parts with no stock at all, a build with exactly one output and one with 24, a 45-line
BOM, a build with only consumable lines, and a trackable product whose serial numbers 1001-1028 are taken.

Builds added (pks follow the showcase's 21; ``WORKSHOP_BUILDS`` names them for the tests):

- 22 BO-0022 motor drivers for a sales order: 45 lines, some fully allocated, one over-allocated, one output
- 23 BO-0023 motor driver samples, pending, nothing allocated
- 24 BO-0024 PSU-24 pilot run, complete: serials 1001-1003 in use
- 25 BO-0025 PSU-24 for a rack project: 24 serialised outputs (1004-1027)
- 26 BO-0026 PSU-24 replacement units: in production with tracked lines and no outputs
- 27 BO-0027 PSU-24 repair unit: exactly one output (serial 1028), its transformer allocated to it
- 28 BO-0028 conformal coating: only consumable lines
- 29 BO-0029 one indicator panel: exactly one output, every line fully allocated
- 30 BO-0030 indicator panels for stock: pending and overdue
- 31 BO-0031 indicator panels for a trade fair: on hold
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from . import actions
from .db import Database
from .seed_rows import add_build, add_stock, date_in, line_for

#: build pk -> what it shows (pks are stable: the tests name them)
WORKSHOP_BUILDS = {
    22: "long BOM, fully and over-allocated lines, one output, no source or destination",
    23: "long BOM, pending, nothing allocated",
    24: "trackable product, complete (serials 1001-1003)",
    25: "trackable product, 24 serialised outputs",
    26: "trackable product, tracked lines and no outputs",
    27: "trackable product, exactly one output",
    28: "only consumable lines",
    29: "exactly one output, every line fully allocated",
    30: "pending and overdue",
    31: "on hold",
}

#: stock of a part as (quantity, location name, batch, other fields) tuples; expiry_date in days from today
StockSpec = Sequence[tuple[float, str, str, Mapping[str, Any]]]

# The motor driver's bill of materials: (key, IPN, name, description, quantity per board, reference,
# line options, stock as (quantity, location, batch, extra) tuples; [] for a part with no stock at all).
# Keys starting with "=" are parts of the showcase (listed on the BOM, never allocated here).
# fmt: off
MD3_BOM: list[tuple[str, str, str, str, float, str, dict[str, Any], StockSpec]] = [
    ("=r10k", "", "", "", 6, "R1 R2 R7 R8 R13 R14", {}, []),
    ("r1k", "R-0603-1K", "Resistor 1k 0603", "Thick film resistor 1%", 4, "R3-R6", {},
     [(5000, "Shelf A", "R1K-2405", {})]),
    ("r100", "R-0603-100R", "Resistor 100R 0603", "Thick film resistor 1%", 2, "R9 R10", {},
     [(4000, "Shelf A", "R100-2402", {})]),
    ("r47k", "R-0603-47K", "Resistor 47k 0603", "Thick film resistor 1%", 2, "R11 R12", {},
     [(2500, "Shelf A", "R47K-2311", {})]),
    ("r2k2", "R-0603-2K2", "Resistor 2k2 0603", "Thick film resistor 1%", 2, "R15 R16", {},
     [(3000, "Shelf A", "R2K2-2401", {})]),
    ("shunt", "R-2512-0R01", "Shunt resistor 10mΩ 2512", "Current sense, 1%, 2 W", 2, "R17 R18", {},
     [(180, "Shelf A", "SH10M-2403", {})]),
    ("r0", "R-0603-0R", "Jumper 0R 0603", "Zero-ohm link", 3, "R19-R21", {}, [(5000, "Shelf A", "", {})]),
    ("=c100n", "", "", "", 10, "C1-C10", {"allow_variants": 1}, []),
    ("c1u", "C-1U-0603", "Capacitor 1uF 0603 X7R 25V", "MLCC", 6, "C11-C16", {},
     [(4000, "Shelf A", "C1U-2404", {})]),
    ("c10u", "C-10U-1206", "Capacitor 10uF 1206 X5R 50V", "MLCC", 4, "C17-C20", {},
     [(1500, "Shelf A", "C10U-2402", {})]),
    ("c470u", "C-470U-35V", "Capacitor 470uF 35V electrolytic", "Aluminium, 10x12.5 mm, 105 °C", 2, "C21 C22", {},
     [(120, "Shelf B", "EL470-2301", {"expiry_date": -90}),   # expired: electrolytics age on the shelf
      (200, "Shelf B", "EL470-2404", {"expiry_date": 500})]),
    ("c22p", "C-22P-0603", "Capacitor 22pF 0603 C0G", "MLCC", 2, "C23 C24", {}, [(4000, "Shelf A", "", {})]),
    ("c4n7", "C-4N7-0603", "Capacitor 4n7 0603 X7R", "MLCC", 2, "C25 C26", {}, [(4000, "Shelf A", "", {})]),
    ("drv", "U-DRV8871", "H-bridge driver DRV8871", "3.6 A brushed DC motor driver, HSOP-8", 2, "U1 U2", {},
     [(150, "Dry cabinet", "DRV-2405", {})]),
    ("stm", "U-STM32G031", "Microcontroller STM32G031K8", "Arm Cortex-M0+, LQFP-32", 1, "U3", {},
     [(60, "Dry cabinet", "STM-2403", {})]),
    ("buck", "U-LM2596-5", "Buck regulator LM2596-5.0", "3 A step-down, TO-263", 1, "U4", {},
     [(45, "Shelf B", "LM2596-2312", {})]),
    ("ldo", "U-AMS1117-33", "LDO AMS1117-3.3", "1 A, SOT-223", 1, "U5", {}, [(300, "Shelf B", "AMS-2401", {})]),
    ("ina", "U-INA240A2", "Current sense amplifier INA240A2", "On order: none in stock", 2, "U6 U7", {}, []),
    ("can", "U-TCAN334", "CAN transceiver TCAN334", "On order: none in stock", 1, "U8", {}, []),
    ("fet", "Q-AO3400", "MOSFET AO3400 N-channel", "30 V 5.7 A, SOT-23", 4, "Q1-Q4", {},
     [(500, "Shelf B", "AO34-2402", {}),
      (400, "Quarantine", "AO34-2311", {"status": 75})]),  # quarantined: suspected counterfeit
    ("ss34", "D-SS34", "Schottky diode SS34", "40 V 3 A, SMA", 4, "D1-D4", {}, [(800, "Shelf B", "SS34-2403", {})]),
    ("tvs", "D-SMBJ24A", "TVS diode SMBJ24A", "24 V unidirectional, SMB", 1, "D7", {},
     [(250, "Shelf B", "TVS-2402", {})]),
    ("ledr", "D-LED-R", "LED red 0603", "Fault LED", 1, "D8", {}, [(1500, "Shelf A", "LEDR-2404", {})]),
    ("=led", "", "", "", 2, "D5 D6", {}, []),
    ("ind", "L-33UH-3A", "Inductor 33uH 3A", "Shielded power inductor", 1, "L1", {},
     [(90, "Shelf B", "L33-2401", {})]),
    ("xtal", "Y-8MHZ", "Crystal 8MHz", "3225, 12 pF", 1, "Y1", {}, [(400, "Shelf B", "", {})]),
    ("ptc", "F-PTC-1A", "PTC fuse 1A 1812", "Resettable", 1, "F1", {}, [(300, "Shelf B", "", {})]),
    ("tb2", "J-TB2-508", "Terminal block 2-pin 5.08mm", "Screw terminal", 2, "J1 J2", {},
     [(400, "Shelf D", "TB2-2402", {})]),
    ("tb3", "J-TB3-508", "Terminal block 3-pin 5.08mm", "Screw terminal", 1, "J3", {},
     [(200, "Shelf D", "TB3-2402", {})]),
    ("=conn", "", "", "", 2, "J4 J5", {}, []),
    ("swd", "J-SWD-2X5", "Header 2x5 1.27mm (SWD)", "Programming header", 1, "J6", {},
     [(150, "Shelf D", "", {})]),
    ("usbc", "J-USB-C", "USB-C receptacle 16-pin", "On order: none in stock", 1, "J7", {}, []),
    ("tact", "SW-TACT-6", "Tactile switch 6x6mm", "Reset and boot", 2, "SW1 SW2", {}, [(600, "Shelf D", "", {})]),
    ("pcbmd", "PCB-MD3-B", "PCB Motor Driver rev B", "Bare board, 4 layers", 1, "PCB", {},
     [(40, "Shelf B", "PCB-MD3-B-02", {})]),
    ("clip", "HS-TO220-CLIP", "Heatsink clip-on TO-263", "Aluminium", 2, "HS1 HS2", {}, [(120, "Shelf C", "", {})]),
    ("pad", "M-TPAD-10", "Thermal pad 10x10mm", "1 mm silicone", 2, "", {}, [(500, "Shelf C", "", {})]),
    ("=screw", "", "", "", 4, "", {}, []),
    ("=standoff", "", "", "", 4, "MH1-MH4", {}, []),
    ("ntc", "NTC-10K-0603", "Thermistor NTC 10k 0603", "B=3435", 2, "RT1 RT2", {}, [(900, "Shelf A", "", {})]),
    ("relay", "K-5V-SPDT", "Relay 5V SPDT", "Brake release, fitted on request", 1, "K1", {"optional": 1},
     [(30, "Shelf D", "", {})]),
    ("buzzer", "BZ-12-5V", "Buzzer 12mm 5V", "Fitted on request; none in stock", 1, "BZ1", {"optional": 1}, []),
    ("=cable", "", "", "", 1, "", {}, []),
    ("serlabel", "LBL-SER", "Serial number label", "Thermal transfer", 1, "", {"consumable": 1},
     [(5000, "Shelf C", "", {})]),
    ("=paste", "", "", "", 0.8, "", {"consumable": 1}, []),
    ("flux", "M-FLUX-PEN", "Flux pen no-clean", "For rework, per pen", 0.05, "", {"consumable": 1},
     [(12, "Line 1", "FLUX-2404", {})]),
]
# fmt: on


def seed_workshop(db: Database, p: dict[str, int], loc: dict[str, int], s: dict[str, int]) -> None:
    """Locations, parts, stock and builds of the realistic part of the workshop (builds 22-31)."""
    loc = dict(loc)
    for name, parent, desc in (
        ("Shelf D", "Warehouse", "Connectors and cable"),
        ("Dry cabinet", "Warehouse", "Moisture-sensitive parts (MSL 3)"),
        ("Goods-in", None, "Received, not yet put away"),
        ("Line 2", "Production", "Through-hole and final assembly"),
    ):
        above = db.get("location", loc[parent]) if parent else None
        loc[name] = db.insert(
            "location",
            name=name,
            parent=above["id"] if above else None,
            description=desc,
            pathstring=f"{above['pathstring']}/{name}" if above else name,
        )
    p = dict(p)

    def part(key: str, ipn: str, name: str, desc: str, **kw: Any) -> int:
        p[key] = db.insert("part", name=name, IPN=ipn, description=desc, **kw)
        return p[key]

    def stock(key: str, entries: StockSpec) -> None:
        for i, (quantity, where, batch, given) in enumerate(entries):
            extra = dict(given)
            if "expiry_date" in extra:
                extra["expiry_date"] = date_in(extra["expiry_date"])
            s[f"{key}{i or ''}"] = add_stock(db, p[key], quantity, loc[where], batch=batch, **extra)

    # -- the motor driver: a 45-line BOM ------------------------------------------------------------
    part("md3", "MDB-300", "Motor Driver Board MD-3", "Dual H-bridge motor driver PCBA, 24 V", assembly=1, component=1)
    for key, ipn, name, desc, per, ref, opts, entries in MD3_BOM:
        if key.startswith("="):
            sub_part = p[key[1:]]
        else:
            sub_part = part(key, ipn, name, desc, units="g" if key == "flux" else "")
            stock(key, entries)
        db.insert("bom_item", part=p["md3"], sub_part=sub_part, quantity=per, reference=ref, **opts)

    # -- a trackable power supply with a serialised transformer ---------------------------------------
    part("psu", "PSU-24", "Power Supply PSU-24", "24 V 4 A bench supply, serialised", assembly=1, trackable=1)
    part("trafo", "TR-24-100", "Transformer toroidal 24V 100VA", "Serialised by the supplier", trackable=1)
    for key, ipn, name, desc, per, entries in (
        (
            "psupcb",
            "PCB-PSU-A",
            "PSU main board rev A",
            "Assembled by subcontractor",
            1,
            [(30, "Goods-in", "PSU-A-2405", {})],
        ),
        ("bridge", "D-GBU8J", "Bridge rectifier GBU8J", "8 A 600 V", 1, [(60, "Shelf B", "GBU-2402", {})]),
        (
            "c4700",
            "C-4700U-50V",
            "Capacitor 4700uF 50V",
            "Snap-in electrolytic",
            2,
            [(48, "Shelf B", "EL4700-2404", {"expiry_date": 700})],
        ),
        ("iec", "J-IEC-FUSE", "IEC inlet with fuse holder", "C14, panel mount", 1, [(40, "Shelf D", "", {})]),
        ("hs50", "HS-50", "Heatsink 50mm", "Extruded aluminium", 1, [(35, "Shelf C", "", {})]),
        ("psuenc", "ENC-PSU-ST", "Enclosure PSU steel", "Powder-coated", 1, [(28, "Shelf C", "ENC-PSU-01", {})]),
        ("fan", "FAN-60-24", "Fan 60mm 24V", "None in stock: on order", 1, []),
    ):
        part(key, ipn, name, desc)
        stock(key, entries)
        db.insert("bom_item", part=p["psu"], sub_part=p[key], quantity=per, reference="")
    db.insert("bom_item", part=p["psu"], sub_part=p["trafo"], quantity=1, reference="T1")
    trafos = [
        add_stock(db, p["trafo"], 1, loc["Shelf C"], serial=f"TR{5000 + i}", serial_int=5000 + i, batch="TOR-2404")
        for i in range(1, 11)
    ]

    # -- consumables only: conformal coating, charged per board -----------------------------------------
    part("coat", "SVC-COAT", "Conformal coating (per board)", "Coating service: materials only", assembly=1)
    for key, ipn, name, desc, per, units, entries in (
        (
            "acrylic",
            "M-COAT-AR",
            "Conformal coating acrylic",
            "1 l can",
            4,
            "ml",
            [(2500, "Line 2", "AR-2403", {"expiry_date": 120})],
        ),
        ("ipa", "M-IPA", "Isopropyl alcohol 99%", "For cleaning before coating", 10, "ml", [(5000, "Line 2", "", {})]),
        ("dots", "M-MASK-DOT", "Masking dots 6mm", "Kapton, per dot", 6, "", [(10000, "Line 2", "", {})]),
    ):
        part(key, ipn, name, desc, units=units)
        stock(key, entries)
        db.insert("bom_item", part=p["coat"], sub_part=p[key], quantity=per, reference="", consumable=1)

    # -- a small indicator panel ------------------------------------------------------------------------
    part("panel", "LIP-8", "Indicator Panel 8-LED", "Front panel status board", assembly=1)
    for key, ipn, name, desc, entries in (
        ("pcbpanel", "PCB-LIP8-A", "PCB Indicator Panel rev A", "Bare board", [(25, "Shelf B", "LIP-A-01", {})]),
        ("hdr10", "J-HDR-1X10", "Pin header 1x10 2.54mm", "Through-hole", [(300, "Shelf D", "", {})]),
    ):
        part(key, ipn, name, desc)
        stock(key, entries)
    for sub, per, ref in (("pcbpanel", 1, "PCB"), ("ledr", 8, "D1-D8"), ("r1k", 8, "R1-R8"), ("hdr10", 1, "J1")):
        db.insert("bom_item", part=p["panel"], sub_part=p[sub], quantity=per, reference=ref)

    def fresh(b: dict[str, Any]) -> dict[str, Any]:
        row = db.get("build", b["id"])
        assert row is not None
        return row

    def alloc(b: dict[str, Any], *items: tuple[str, str, float, int | None]) -> None:
        actions.allocate(
            db,
            fresh(b),
            {
                "items": [
                    {"build_line": line_for(db, b, p[sub]), "stock_item": s[item], "quantity": q, "output": out}
                    for sub, item, q, out in items
                ]
            },
        )

    # 22: motor drivers for a sales order, no source, no destination (the most common shape)
    b22 = add_build(
        db,
        p["md3"],
        25,
        "Motor drivers for SO-0117 (Kessler Fördertechnik)",
        status=20,
        target=6,
        start=-3,
        responsible=4,
        priority=2,
    )
    alloc(
        b22,
        ("r1k", "r1k", 100, None),
        ("drv", "drv", 50, None),
        ("stm", "stm", 25, None),
        ("tb2", "tb2", 60, None),  # over-allocated: 60 for 50 (a reel's worth picked)
        ("pcbmd", "pcbmd", 10, None),
        ("c470u", "c470u1", 20, None),
        ("fet", "fet", 100, None),
    )
    actions.create_output(db, fresh(b22), {"quantity": 10, "batch_code": "MD3-2606-A"})
    # 23: samples of the next revision, pending, nothing allocated
    add_build(db, p["md3"], 3, "MD-3 samples for EMC pre-test", status=10, target=20, responsible=1)

    # 24: the PSU pilot run, complete: serials 1001-1003 are taken
    b24 = add_build(db, p["psu"], 3, "PSU-24 pilot run", status=20, target=-45, start=-52, responsible=3)
    outs = actions.create_output(db, fresh(b24), {"quantity": 3, "serial_numbers": "1001-1003"})
    actions.allocate(
        db,
        fresh(b24),
        {
            "items": [
                {"build_line": line_for(db, b24, p["trafo"]), "stock_item": trafos[i], "quantity": 1, "output": o}
                for i, o in enumerate(outs)
            ]
        },
    )
    alloc(
        b24,
        ("psupcb", "psupcb", 3, None),
        ("bridge", "bridge", 3, None),
        ("c4700", "c4700", 6, None),
        ("iec", "iec", 3, None),
        ("hs50", "hs50", 3, None),
        ("psuenc", "psuenc", 3, None),
    )
    actions.complete_outputs(
        db,
        fresh(b24),
        {
            "outputs": [{"output": o} for o in outs],
            "location": loc["Finished Goods"],
            "accept_incomplete_allocation": True,
        },
    )
    actions.finish(db, fresh(b24), {"accept_unallocated": True}, 1)
    # 25: 24 units for a rack project: one output per serial, nothing allocated to them yet
    b25 = add_build(
        db, p["psu"], 24, "PSU-24 for rack project R-12", status=20, target=25, start=-1, responsible=4, priority=1
    )
    actions.create_output(db, fresh(b25), {"quantity": 24, "serial_numbers": "1004-1027"})
    # 26: replacement units: issued, tracked lines, no outputs yet
    add_build(db, p["psu"], 2, "PSU-24 replacement units", status=20, target=9, responsible=3)
    # 27: a repair unit: exactly one output, its transformer installed
    b27 = add_build(db, p["psu"], 1, "PSU-24 repair unit, RMA-0093", status=20, target=2, responsible=4)
    (o27,) = actions.create_output(db, fresh(b27), {"quantity": 1, "serial_numbers": "1028"})
    actions.allocate(
        db,
        fresh(b27),
        {
            "items": [
                {"build_line": line_for(db, b27, p["trafo"]), "stock_item": trafos[3], "quantity": 1, "output": o27}
            ]
        },
    )

    # 28: conformal coating: consumables only
    add_build(db, p["coat"], 40, "Conformal coating, lot 7 (sensor boards)", status=20, target=1, responsible=4)

    # 29: one indicator panel: one output, every line allocated
    b29 = add_build(db, p["panel"], 1, "Indicator panel for customer 5531", status=20, target=4, responsible=3)
    alloc(
        b29,
        ("pcbpanel", "pcbpanel", 1, None),
        ("ledr", "ledr", 8, None),
        ("r1k", "r1k", 8, None),
        ("hdr10", "hdr10", 1, None),
    )
    actions.create_output(db, fresh(b29), {"quantity": 1})
    # 30, 31: more panels, pending (overdue) and on hold
    add_build(db, p["panel"], 60, "Indicator panels for stock", status=10, target=-4)
    add_build(db, p["panel"], 10, "Indicator panels for the trade fair", status=25, target=12, responsible=1)

    # a supplier label on the PSU board batch, as goods-in sticks it on
    code = "MOUSER:PCB-PSU-A:30"
    db.update("stock", s["psupcb"], barcode_data=code, barcode_hash=hashlib.md5(code.encode()).hexdigest())
