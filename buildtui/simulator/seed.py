"""Demo data: a small electronics workshop, and a large dataset for benchmarks.

Dates are relative to ``clock.today()`` so that the demo always has overdue
builds; tests fix the date with ``BUILDTUI_TODAY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from decimal import Decimal
from typing import Any

from ..clock import today
from . import actions
from .db import Database
from .seed_rows import add_build, add_stock, date_in, line_for
from .seed_suppliers import seed_suppliers
from .seed_workshop import seed_workshop

AWKWARD_PART = "Bracket [b]Part[/b] [@click=app.quit]x"
LONG_TITLE = ("Rework of the pilot batch for the customer audit, including replacement of every connector and label")[
    :100
]

#: the demo's build orders (showcase 1-21, workshop 22-31); ``seed_large`` numbers its builds after them
DEMO_BUILDS = 31
#: the first build ``seed_large`` adds: 200 lines and 1,000 allocations (the benchmarks open it)
BIG_BUILD = f"BO-{DEMO_BUILDS + 1:04d}"
#: the showcase assemblies ``seed_large`` draws its builds from (the workshop's 45-line BOM would double
#: the benchmark's line count)
LARGE_ASSEMBLIES = ("SB-100", "BRK-1", "HAR-4", "OPS-7", "KIT-1")

USERS = [
    # id, username, password, first, last, staff, superuser
    (1, "admin", "inventree", "Ada", "Admin", 1, 1),
    (2, "reader", "readonly", "Rita", "Reader", 0, 0),
    (3, "operator", "operator", "Otto", "Operator", 0, 0),
]


def seed_users(db: Database) -> None:
    for uid, name, pw, first, last, staff, su in USERS:
        db.insert(
            "user",
            id=uid,
            username=name,
            password=pw,
            first_name=first,
            last_name=last,
            email=f"{name}@workshop.example",
            is_staff=staff,
            is_superuser=su,
        )
    db.insert("grp", id=1, name="Assembly Team")
    db.insert("user_group", user=1, grp=1)
    db.insert("user_group", user=3, grp=1)
    db.insert("owner", id=1, user=1)
    db.insert("owner", id=2, user=2)
    db.insert("owner", id=3, grp=1)
    db.insert("owner", id=4, user=3)
    # reader: may view builds (and, as InvenTree's build rule set does, stock and parts) but change nothing
    for ruleset in ("build", "stock", "part", "stock_location"):
        db.insert("role", user=2, ruleset=ruleset, perm="view")
    for ruleset, perms in (
        ("build", ("view", "add", "change")),
        ("stock", ("view", "change")),
        ("part", ("view",)),
        ("stock_location", ("view",)),
    ):
        for perm in perms:
            db.insert("role", user=3, ruleset=ruleset, perm=perm)


def seed_locations(db: Database) -> dict[str, int]:
    tree = [
        ("Warehouse", None, "Main stores"),
        ("Shelf A", "Warehouse", "Passives"),
        ("Shelf B", "Warehouse", "Semiconductors"),
        ("Shelf C", "Warehouse", "Mechanical"),
        ("Production", None, "Shop floor"),
        ("Line 1", "Production", "SMT line"),
        ("Finished Goods", None, "Ready to ship"),
        ("Quarantine", None, "Held for inspection"),
        ("Subcontractor", None, "External stock"),
    ]
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    for name, parent, desc in tree:
        path = f"{paths[parent]}/{name}" if parent else name
        pk = db.insert(
            "location",
            name=name,
            parent=ids.get(parent) if parent else None,
            description=desc,
            pathstring=path,
            external=int(name == "Subcontractor"),
        )
        ids[name] = pk
        paths[name] = path
    return ids


def seed_parts(db: Database, loc: dict[str, int]) -> dict[str, int]:
    p: dict[str, int] = {}

    def part(key: str, name: str, ipn: str, desc: str = "", **kw: Any) -> int:
        p[key] = db.insert("part", name=name, IPN=ipn, description=desc, **kw)
        return p[key]

    part("r10k", "Resistor 10k 0603", "R-0603-10K", "Thick film resistor 1%", units="")
    part("r4k7", "Resistor 4k7 0603", "R-0603-4K7", "Thick film resistor 1%")
    part("r4k7alt", "Resistor 4k7 0603 (Yageo)", "R-0603-4K7-Y", "Substitute for R-0603-4K7")
    part("c100n", "Capacitor 100nF", "C-100N", "Template: any 100nF MLCC", is_template=1)
    part("c100n_0603", "Capacitor 100nF 0603 X7R", "C-100N-0603", "MLCC 50V", variant_of=p["c100n"])
    part("c100n_0805", "Capacitor 100nF 0805 X7R", "C-100N-0805", "MLCC 50V", variant_of=p["c100n"])
    part("mcu", "Microcontroller ATmega328P", "U-ATM328", "8-bit MCU, TQFP-32")
    part("led", "LED green 0603", "D-LED-G", "Status LED")
    part("paste", "Solder paste SAC305", "M-PASTE", "Lead-free paste, grams", units="g")
    part("pcb_s", "PCB Sensor Board rev C", "PCB-SB-C", "Bare board")
    part("screw", "Screw M3x6 pan head", "HW-M3X6", "Stainless")
    part("standoff", "Standoff M3 10mm", "HW-SO-10", "Nylon")
    part("wifi", "Wi-Fi module ESP32-C3", "MOD-WIFI", "Serialised radio module", trackable=1)
    part("enclosure", "Enclosure ABS 120x80", "ENC-120", "Grey ABS box")
    part("cable", "Cable assembly 4-pin", "CBL-4P", "300 mm")
    part("label", "Rating label", "LBL-RATE", "Printed polyester label")
    part("alu", "Aluminium sheet 2mm", "MAT-AL2", "Cut to size")
    part("wire", "Wire 0.5mm² red", "W-05-RD", "Per metre", units="m")
    part("conn", "Connector JST-XH 4-pin", "J-XH4", "Housing and contacts")
    part("heatshrink", "Heat shrink 6mm", "M-HS6", "Per metre", units="m")
    part("fuse", "Fuse 2A 5x20", "F-2A", "Glass fuse")
    part("gasket", "Gasket EPDM", "MEC-GSK", "For enclosure lid")
    part("obsolete", "Capacitor 10uF tantalum (obsolete)", "C-10U-T", "Do not use", active=0)
    # assemblies
    part(
        "sensor",
        "Sensor Board",
        "SB-100",
        "Untracked sensor PCBA",
        assembly=1,
        component=1,
        default_location=loc["Finished Goods"],
    )
    part(
        "controller",
        "Controller Unit",
        "CU-200",
        "Trackable controller",
        assembly=1,
        trackable=1,
        default_location=loc["Finished Goods"],
    )
    part(
        "bracket",
        AWKWARD_PART,
        "BRK-1",
        "Bracket with [markup] in its name",
        assembly=1,
        default_location=loc["Finished Goods"],
    )
    part(
        "harness",
        "Cable Harness 4-pin",
        "HAR-4",
        "Sub-assembly",
        assembly=1,
        component=1,
        default_location=loc["Production"],
    )
    part(
        "pump",
        "Ölpumpe Steuerplatine",
        "OPS-7",
        "Pump controller board",
        assembly=1,
        default_location=loc["Finished Goods"],
    )
    part("kit", "Service kit", "KIT-1", "Spares kit", assembly=1, default_location=loc["Finished Goods"])
    part("virtual", "Assembly labour (virtual)", "V-LAB", "Virtual part", virtual=1)
    return p


def seed_bom(db: Database, p: dict[str, int]) -> None:
    def bom(assembly: str, sub: str, qty: float, ref: str = "", subs: tuple[str, ...] = (), **kw: Any) -> None:
        pk = db.insert("bom_item", part=p[assembly], sub_part=p[sub], quantity=qty, reference=ref, **kw)
        for s in subs:
            db.insert("bom_substitute", bom_item=pk, part=p[s])

    bom("sensor", "r10k", 4, "R1 R2 R3 R4")
    bom("sensor", "r4k7", 2, "R5 R6", subs=("r4k7alt",))
    bom("sensor", "c100n", 6, "C1-C6", allow_variants=1)
    bom("sensor", "mcu", 1, "U1")
    bom("sensor", "led", 2, "D1 D2", optional=1)
    bom("sensor", "paste", 0.5, "", consumable=1)
    bom("sensor", "pcb_s", 1, "PCB")
    bom("sensor", "screw", 4, "MH1-MH4", attrition=10, setup_quantity=2, rounding_multiple=5)
    bom("sensor", "virtual", 1, "labour")
    bom("controller", "sensor", 1, "A1")
    bom("controller", "wifi", 1, "M1")
    bom("controller", "enclosure", 1, "")
    bom("controller", "screw", 4, "")
    bom("controller", "harness", 1, "W1")
    bom("controller", "label", 1, "", consumable=1)
    bom("bracket", "alu", 1, "")
    bom("bracket", "screw", 2, "")
    bom("harness", "wire", 0.6, "")
    bom("harness", "conn", 2, "J1 J2")
    bom("harness", "heatshrink", 0.1, "", consumable=1)
    bom("pump", "r10k", 8, "R1-R8")
    bom("pump", "mcu", 1, "U1")
    bom("pump", "fuse", 1, "F1")
    bom("pump", "r10k", 2, "R20 R21 pull-ups")
    bom("pump", "c100n", 4, "C1-C4", allow_variants=1)
    bom("kit", "fuse", 5, "")
    bom("kit", "gasket", 2, "")
    bom("kit", "screw", 10, "")


def seed_stock(db: Database, p: dict[str, int], loc: dict[str, int]) -> dict[str, int]:
    s: dict[str, int] = {}
    A, B, C = loc["Shelf A"], loc["Shelf B"], loc["Shelf C"]
    s["r10k_a"] = add_stock(db, p["r10k"], 500, A, batch="R10K-2401")
    s["r10k_line"] = add_stock(db, p["r10k"], 120, loc["Line 1"], batch="R10K-2312")
    s["r4k7"] = add_stock(db, p["r4k7"], 15, A, batch="R4K7-2402")
    s["r4k7alt"] = add_stock(db, p["r4k7alt"], 200, A, batch="Y4K7-2311")
    s["c100n_tpl"] = add_stock(db, p["c100n"], 10, A, batch="C100-OLD")
    s["c100n_0603"] = add_stock(db, p["c100n_0603"], 400, A, batch="C0603-2405", expiry_date=date_in(400))
    s["c100n_0805"] = add_stock(db, p["c100n_0805"], 150, B, batch="C0805-2401", expiry_date=date_in(30))
    s["mcu_b"] = add_stock(db, p["mcu"], 40, B, batch="ATM-2404", expiry_date=date_in(200))
    s["mcu_b2"] = add_stock(db, p["mcu"], 12, B, batch="ATM-2311", expiry_date=date_in(60))
    s["mcu_q"] = add_stock(db, p["mcu"], 30, loc["Quarantine"], batch="ATM-BAD", status=75)
    s["led"] = add_stock(db, p["led"], 300, A, batch="LED-2402")
    s["paste"] = add_stock(db, p["paste"], 500, loc["Line 1"], batch="PASTE-07", expiry_date=date_in(-5))
    s["pcb"] = add_stock(db, p["pcb_s"], 60, B, batch="PCB-C-01")
    s["screw"] = add_stock(db, p["screw"], 2000, C, batch="")
    s["screw_line"] = add_stock(db, p["screw"], 100, loc["Line 1"], batch="")
    s["standoff"] = add_stock(db, p["standoff"], 200, C)
    for i in range(1, 13):
        s[f"wifi{i}"] = add_stock(db, p["wifi"], 1, B, serial=f"{100 + i}", serial_int=100 + i, batch="ESP-24")
    s["enclosure"] = add_stock(db, p["enclosure"], 25, C, batch="ENC-2403")
    s["cable"] = add_stock(db, p["cable"], 80, C)
    s["label"] = add_stock(db, p["label"], 1000, C)
    s["alu"] = add_stock(db, p["alu"], 40, C, batch="AL-2402")
    s["wire"] = add_stock(db, p["wire"], 250, C, batch="WIRE-R-2401")
    s["conn"] = add_stock(db, p["conn"], 300, C)
    s["heatshrink"] = add_stock(db, p["heatshrink"], 50, C)
    s["fuse"] = add_stock(db, p["fuse"], 6, C)
    s["gasket"] = add_stock(db, p["gasket"], 0.0, C)
    s["sensor_fg"] = add_stock(db, p["sensor"], 8, loc["Finished Goods"], batch="SB-2405")
    s["harness_prod"] = add_stock(db, p["harness"], 20, loc["Production"], batch="HAR-01")
    s["obsolete"] = add_stock(db, p["obsolete"], 10, A)
    s["subcon_screw"] = add_stock(db, p["screw"], 500, loc["Subcontractor"])
    # custom (supplier) barcodes stored on items, resolved by hash (§5)
    for key, code in (("r10k_a", "YAGEO-RC0603-10K-REEL-7"), ("mcu_b", "DIGIKEY:ATMEGA328P-AU-ND:40")):
        db.update("stock", s[key], barcode_data=code, barcode_hash=hashlib.md5(code.encode()).hexdigest())
    db.update("location", loc["Finished Goods"], barcode_data="LOC-FG", barcode_hash=hashlib.md5(b"LOC-FG").hexdigest())
    return s


def seed_builds(db: Database, p: dict[str, int], s: dict[str, int], loc: dict[str, int]) -> None:
    def fresh(b: dict[str, Any]) -> dict[str, Any]:
        row = db.get("build", b["id"])
        assert row is not None
        return row

    # 1 complete, historic
    b1 = add_build(db, p["sensor"], 10, "First article run", status=20, target=-60, start=-70, responsible=3)
    out = actions.create_output(db, fresh(b1), {"quantity": 10})
    actions.auto_allocate(db, fresh(b1), {"interchangeable": True, "optional_items": True})
    actions.complete_outputs(db, fresh(b1), {"outputs": [{"output": out[0]}], "location": loc["Finished Goods"]})
    actions.finish(db, fresh(b1), {"accept_unallocated": True, "accept_overallocated": "trim"}, 1)
    # 2 cancelled
    b2 = add_build(db, p["pump"], 5, "Prototype pump boards (cancelled by customer)", status=20, target=-20)
    actions.cancel(db, fresh(b2), {}, 1)
    # 3 production, partly allocated, one output in production and one completed, overdue
    b3 = add_build(
        db,
        p["sensor"],
        25,
        "Сборка датчиков для линии 2",
        status=20,
        target=-3,
        start=-14,
        responsible=1,
        priority=2,
        batch="SB-2406",
    )
    actions.allocate(
        db,
        fresh(b3),
        {
            "items": [
                {"build_line": line_for(db, b3, p["r10k"]), "stock_item": s["r10k_a"], "quantity": 60},
                {"build_line": line_for(db, b3, p["mcu"]), "stock_item": s["mcu_b"], "quantity": 10},
                {"build_line": line_for(db, b3, p["pcb_s"]), "stock_item": s["pcb"], "quantity": 25},
            ]
        },
    )
    o3 = actions.create_output(db, fresh(b3), {"quantity": 10, "batch_code": "SB-2406"})
    actions.complete_outputs(
        db, fresh(b3), {"outputs": [{"output": o3[0], "quantity": 4}], "location": loc["Finished Goods"]}
    )
    actions.create_output(db, fresh(b3), {"quantity": 5, "batch_code": "SB-2406"})
    # 4 the awkward bracket build, outstanding
    add_build(
        db, p["bracket"], 12, "Brackets for the [red]test rig[/red]", status=20, target=5, responsible=3, priority=1
    )
    # 5 trackable controller, in production with serialised outputs
    b5 = add_build(
        db, p["controller"], 4, "制御ユニット 試作", status=20, target=10, start=-2, responsible=3, priority=3
    )
    actions.create_output(db, fresh(b5), {"quantity": 2, "serial_numbers": "101, 102", "auto_allocate": True})
    # 6 child harness builds of 5
    add_build(db, p["harness"], 4, "Harnesses for CU-200 pilot", status=20, target=7, parent=b5["id"], responsible=4)
    add_build(db, p["harness"], 2, "Spare harnesses", status=10, target=20, parent=b5["id"])
    # 8 pending, long title
    add_build(db, p["sensor"], 50, LONG_TITLE, status=10, target=30, priority=1)
    # 9 on hold, overdue
    add_build(db, p["pump"], 8, "Ölpumpe Serie 3 — waiting for fuses", status=25, target=-1, responsible=1)
    # 10 complete kit
    b10 = add_build(db, p["kit"], 1, "Service kit for field team", status=20, target=-30)
    actions.auto_allocate(db, fresh(b10), {"interchangeable": True})
    o10 = actions.create_output(db, fresh(b10), {"quantity": 1})
    actions.complete_outputs(db, fresh(b10), {"outputs": [{"output": o10[0]}], "location": loc["Finished Goods"]})
    actions.finish(db, fresh(b10), {"accept_unallocated": True}, 1)
    # more outstanding builds in each state, drawing from the warehouse
    add_build(db, p["sensor"], 5, "Engineering samples", status=10, target=-7, take_from=loc["Warehouse"])
    add_build(
        db,
        p["sensor"],
        20,
        "Batch for order SO-0042",
        status=20,
        target=2,
        responsible=1,
        take_from=loc["Warehouse"],
        priority=2,
    )
    add_build(db, p["pump"], 3, "Pump boards, repair stock", status=10, target=14)
    add_build(db, p["harness"], 30, "Harness stock top-up", status=20, target=0, responsible=4)
    add_build(db, p["bracket"], 4, "", status=10)
    add_build(db, p["kit"], 3, "Kits for service vans", status=25, target=21)
    add_build(db, p["controller"], 2, "Controller for demo stand", status=10, target=40)
    b18 = add_build(db, p["sensor"], 2, "Scrapped trial", status=20, target=-40)
    o18 = actions.create_output(db, fresh(b18), {"quantity": 2})
    actions.scrap_outputs(
        db,
        fresh(b18),
        {"outputs": [{"output": o18[0]}], "location": loc["Quarantine"], "notes": "Solder bridges on U1"},
    )
    actions.cancel(db, fresh(b18), {}, 1)
    b19 = add_build(db, p["sensor"], 15, "Sensor boards for line 3", status=20, target=3, responsible=3)
    # an admin-defined state (Settings → custom states): "Awaiting QA", logically in production (§2.2)
    db.insert(
        "setting",
        key="custom_build_status:101",
        value=json.dumps(
            {"key": 101, "name": "AWAITING_QA", "label": "Awaiting QA", "color": "info", "logical_key": 20}
        ),
    )
    db.update("build", b19["id"], status_custom_key=101)
    add_build(db, p["pump"], 6, "Pump controller, customer Ø", status=10, target=-12, priority=2)
    add_build(db, p["harness"], 10, "Old harness run", status=20, target=-90)


def seed_expiry_and_boxes(db: Database, p: dict[str, int], loc: dict[str, int]) -> None:
    """Added after everything else, so that earlier pks and counts stay as they were.

    Gaskets for the service kits: a fresh box of 4 and an older batch that has expired (EPDM ages), so the
    picker must not start on the expired one although it expires first. Fuses for the pump boards arrived
    in boxes of 4: the pump build needs 8, so one line takes several items."""
    c = loc["Shelf C"]
    add_stock(db, p["gasket"], 10, c, batch="GSK-2311", expiry_date=date_in(-30))
    add_stock(db, p["gasket"], 4, c, batch="GSK-2404", expiry_date=date_in(300))
    add_stock(db, p["fuse"], 4, c, batch="F2A-2406")
    add_stock(db, p["fuse"], 4, c, batch="F2A-2406")


def seed_demo(db: Database) -> None:
    """The demo workshop (idempotent: does nothing when the database already has builds)."""
    if db.scalar("SELECT COUNT(*) FROM build"):
        return
    with db.transaction():
        db.insert("setting", key="SHORT_BARCODE_PREFIX", value="INV-")
        seed_users(db)
        loc = seed_locations(db)
        p = seed_parts(db, loc)
        seed_bom(db, p)
        s = seed_stock(db, p, loc)
        seed_builds(db, p, s, loc)
        seed_expiry_and_boxes(db, p, loc)
        seed_workshop(db, p, loc, s)
        seed_suppliers(db)


def seed_large(db: Database, builds: int, seed: int = 7) -> None:
    """Add ``builds`` realistic build orders with lines and allocations, fast (bulk inserts).

    One build (the first added) has 200 lines and 1,000 allocations, for the detail benchmark.
    """
    rng = random.Random(seed)
    with db.transaction():
        start_ref = int(db.scalar("SELECT COALESCE(MAX(reference_int), 0) FROM build"))
        assemblies = [
            r["id"]
            for r in db.all(
                f"SELECT id FROM part WHERE IPN IN ({','.join('?' * len(LARGE_ASSEMBLIES))}) ORDER BY id",
                LARGE_ASSEMBLIES,
            )
        ]
        boms = {a: db.all("SELECT * FROM bom_item WHERE part = ?", (a,)) for a in assemblies}
        # the big assembly: 200 components
        big = db.insert(
            "part", name="Mainboard X200 (200 lines)", IPN="MB-X200", assembly=1, description="Benchmark assembly"
        )
        comp_ids = []
        for i in range(200):
            cid = db.insert("part", name=f"Component {i:03d}", IPN=f"CMP-{i:03d}", description="bench")
            comp_ids.append(cid)
            db.insert("bom_item", part=big, sub_part=cid, quantity=5, reference=f"X{i}")
        stock_rows = []
        for cid in comp_ids:
            for j in range(5):
                stock_rows.append((cid, 100.0, 2 + j % 3, f"B{j}"))
        db.conn.executemany(
            "INSERT INTO stock (part, quantity, location, batch, status, is_building, so_allocated)"
            " VALUES (?, ?, ?, ?, 10, 0, 0)",
            stock_rows,
        )
        owners = [None, 1, 3, 4]
        statuses = [10, 20, 20, 20, 25, 30, 40, 40, 40, 40]
        build_rows = []
        base_day = today()
        for i in range(builds):
            ref = start_ref + i + 1
            part = big if i == 0 else rng.choice(assemblies)
            status = 20 if i == 0 else rng.choice(statuses)
            qty = 10 if i == 0 else rng.randint(1, 200)
            completed = qty if status == 40 else (rng.randint(0, qty) if status in (20, 25) else 0)
            target = (base_day + dt.timedelta(days=rng.randint(-120, 120))).isoformat()
            build_rows.append(
                (
                    f"BO-{ref:04d}",
                    ref,
                    f"Bench build {ref}",
                    part,
                    qty,
                    completed,
                    status,
                    (base_day - dt.timedelta(days=rng.randint(0, 400))).isoformat(),
                    target,
                    rng.choice(owners),
                    rng.randint(0, 3),
                    1,
                )
            )
        cur = db.conn.cursor()
        cur.executemany(
            "INSERT INTO build (reference, reference_int, title, part, quantity, completed, status,"
            " creation_date, target_date, responsible, priority, issued_by, level, barcode_hash, link)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', '')",
            build_rows,
        )
        first_id = int(db.scalar("SELECT id FROM build WHERE reference_int = ?", (start_ref + 1,)))
        line_rows = []
        for i, row in enumerate(build_rows):
            part, qty = row[3], row[4]
            for bom in boms.get(part) or db.all("SELECT * FROM bom_item WHERE part = ?", (part,)):
                line_rows.append((first_id + i, bom["id"], float(Decimal(str(bom["quantity"])) * qty)))
        cur.executemany("INSERT INTO build_line (build, bom_item, quantity, consumed) VALUES (?, ?, ?, 0)", line_rows)
        # 1,000 allocations on the big build: 5 per line, 1 each from the five stock items
        lines = db.all(
            "SELECT bl.id, b.sub_part FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ?",
            (first_id,),
        )
        stock_by_part: dict[int, list[int]] = {}
        for r in db.all(f"SELECT id, part FROM stock WHERE part IN ({','.join('?' * len(comp_ids))})", comp_ids):
            stock_by_part.setdefault(r["part"], []).append(r["id"])
        items = [(ln["id"], sid, 2.0) for ln in lines for sid in stock_by_part[ln["sub_part"]]]
        cur.executemany("INSERT INTO build_item (build_line, stock_item, quantity) VALUES (?, ?, ?)", items)
