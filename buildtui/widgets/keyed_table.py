"""A DataTable that is refreshed in place: rows keyed by server pk, only changed cells rewritten.

``clear()`` would send the cursor and scroll to the top and repaint the whole
table (kilobytes over SSH); this keeps the cursor on the same row key and writes
nothing when nothing changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

Cells = tuple[Text, ...]


class KeyedTable(DataTable[Text]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._keys: list[str] = []
        self._cells: dict[str, Cells] = {}
        self._columns: list[tuple[str, str]] = []

    def set_columns(self, columns: Sequence[tuple[str, str]]) -> bool:
        """(key, label) pairs; returns True when the columns changed (the table is then rebuilt)."""
        cols = list(columns)
        if cols == self._columns:
            return False
        self._columns = cols
        self.clear(columns=True)
        for key, label in cols:
            self.add_column(label, key=key)
        self._keys, self._cells = [], {}
        return True

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    @property
    def current_key(self) -> str | None:
        if not self._keys or self.cursor_row < 0 or self.cursor_row >= len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def _update_changed(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Write the cells that changed.

        Column widths are recomputed from one cell per column, the widest new one: DataTable rescans a
        whole column for every updated cell narrower than the column, which made re-fitting 500 rows
        (a new page, a resize) quadratic. The widest new cell either widens the column or, when it is
        narrower, triggers that rescan once.
        """
        col_keys = [k for k, _ in self._columns]
        widest: dict[int, tuple[int, str, Text]] = {}
        for key, cells in rows:
            old = self._cells.get(key)
            if old == cells:
                continue
            for i, cell in enumerate(cells):
                if old is None or i >= len(old) or old[i] != cell:
                    try:
                        self.update_cell(key, col_keys[i], cell)
                    except (CellDoesNotExist, RowDoesNotExist):
                        continue
                    width = getattr(cell, "cell_len", len(str(cell)))
                    if i not in widest or width > widest[i][0]:
                        widest[i] = (width, key, cell)
            self._cells[key] = cells
        for i, (_, key, cell) in widest.items():
            self.update_cell(key, col_keys[i], cell, update_width=True)

    def sync(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Make the table show ``rows`` (key, cells), keeping the cursor on the same key."""
        keys = [k for k, _ in rows]
        if keys == self._keys:
            self._update_changed(rows)
            return
        if keys[: len(self._keys)] == self._keys and self._keys:
            # rows appended (paging): update what changed in the rows shown, add only the new ones
            self._update_changed(rows[: len(self._keys)])
            for key, cells in rows[len(self._keys):]:
                self.add_row(*cells, key=key)
                self._cells[key] = cells
            self._keys = keys
            return
        current = self.current_key
        screen_offset = self.cursor_row - int(self.scroll_y)
        self.clear()
        for column in self.columns.values():  # widths follow the new rows (clear() keeps the old widths)
            column.content_width = column.label.cell_len
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self._keys = keys
        self._cells = dict(rows)
        if current in keys:
            row = keys.index(current)
            self.move_cursor(row=row, animate=False, scroll=False)
            self.scroll_to(y=max(row - screen_offset, 0), animate=False, immediate=True)
        elif keys:
            self.move_cursor(row=min(self.cursor_row, len(keys) - 1), animate=False)

    def select_key(self, key: str) -> bool:
        if key in self._keys:
            self.move_cursor(row=self._keys.index(key), animate=False)
            return True
        return False
