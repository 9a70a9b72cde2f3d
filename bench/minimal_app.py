"""The reference for launch time: a minimal Textual app that draws a 50-row DataTable.

With ``BENCH_EXIT_AT_FIRST_ROWS=1`` it ends the moment its rows are drawn (``launch_work.py``)."""

import os

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Reference", "Part", "Progress", "Status", "Target")
        for i in range(50):
            table.add_row(f"row {i:02d}", "Sensor Board", "3/10", "Production", "2026-12-01")
        if os.environ.get("BENCH_EXIT_AT_FIRST_ROWS") == "1":
            self.call_after_refresh(os._exit, 0)


if __name__ == "__main__":
    Minimal().run()
