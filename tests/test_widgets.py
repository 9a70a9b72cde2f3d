"""KeyedTable: rows kept by key, and column widths that follow the cells both ways."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from buildtui.simulator import SimulatorServer
from buildtui.widgets.fit import fit, fit_rows, join_fitting
from buildtui.widgets.keyed_table import KeyedTable


class One(App[None]):
    def compose(self) -> ComposeResult:
        table = KeyedTable()
        table.set_columns([("ref", "Ref"), ("part", "Part")])
        yield table


def widths(table: KeyedTable) -> list[int]:
    return [c.content_width for c in table.columns.values()]


async def test_column_widths_shrink_and_grow_with_the_cells() -> None:
    """A table's columns shrink when every cell gets narrower and grow to a wider one."""
    app = One()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync([(str(i), (Text(f"r{i}"), Text("x" * (10 + i % 30)))) for i in range(300)])
        await pilot.pause()
        assert widths(table) == [4, 39]
        # every cell narrower (a resize, a new fit): the column follows
        table.sync([(str(i), (Text(f"r{i}"), Text("y" * (5 + i % 20)))) for i in range(300)])
        await pilot.pause()
        assert widths(table) == [4, 24]
        # one cell wider: the column grows to it
        rows = [(str(i), (Text(f"r{i}"), Text("y" * (5 + i % 20)))) for i in range(300)]
        rows[7] = ("7", (Text("r7"), Text("z" * 50)))
        table.sync(rows)
        await pilot.pause()
        assert widths(table) == [4, 50]
        assert table.virtual_size.width == 4 + 50 + 2 * 2 * table.cell_padding


def test_fit_cuts_by_terminal_cells() -> None:
    """Long names are cut with … at terminal cells, wide characters counting two."""
    assert fit("Ölpumpe Steuerplatine", 10) == "Ölpumpe S…"
    assert fit("検査待ち工程", 7) == "検査待…"  # wide characters count two cells
    assert fit("short", 10) == "short" and fit("anything", None) == "anything"


def test_join_fitting_breaks_between_facts_not_inside_them() -> None:
    """A line of facts wraps between facts, never inside one, and keeps their styles."""
    facts = [Text("Qty 25"), Text("done 4"), Text("target 2026-06-12 OVERDUE", "bold"), Text("priority 2")]
    assert join_fitting(facts, 80).plain == "Qty 25 · done 4 · target 2026-06-12 OVERDUE · priority 2"
    narrow = join_fitting(facts, 30)
    assert narrow.plain.split("\n") == ["Qty 25 · done 4", "target 2026-06-12 OVERDUE", "priority 2"]
    assert any(span.style == "bold" for span in narrow.spans)  # styles kept
    assert join_fitting([Text("a very long fact that cannot fit")], 10).plain == "a very long fact that cannot fit"


def test_fit_rows_shares_what_the_fixed_columns_leave() -> None:
    """The flexible column (part) gets what the fixed columns leave and is cut with …."""
    columns = [("ref", "Reference"), ("part", "Part"), ("status", "Status")]
    rows = [("1", {"ref": ("BO-0001", "bold"), "part": ("P" * 80, ""), "status": ("Awaiting QA", "")})]
    ((key, cells),) = fit_rows(columns, rows, 60, {"part": 1})
    # 60 - 3 columns x 2 padding - 2 scrollbar - "Reference" 9 - "Awaiting QA" 11 = 32 for the part
    assert key == "1" and [c.cell_len for c in cells] == [7, 32, 11]
    assert cells[1].plain.endswith("…") and cells[0].style == "bold"


async def test_footer_follows_the_width(server: SimulatorServer, token: str) -> None:
    """Below 100 columns the footer is compact and leaves out the palette key; wider, it comes back."""
    from buildtui.widgets.quiet import QuietFooter
    from tests.conftest import make_app, settle

    app = make_app(server.url, token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(QuietFooter)
        assert not footer.compact and footer.query(".-command-palette")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        footer = app.screen.query_one(QuietFooter)  # read again: mypy would keep "not compact" from above
        assert footer.compact and not footer.query(".-command-palette")
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        footer = app.screen.query_one(QuietFooter)
        assert not footer.compact and footer.query(".-command-palette")
