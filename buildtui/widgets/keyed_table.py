"""A DataTable that is refreshed in place: rows keyed by server pk, only changed cells rewritten.

``clear()`` would send the cursor and scroll to the top and repaint the whole
table (kilobytes over SSH); this keeps the cursor on the same row key and writes
nothing when nothing changed. When the cursor's row goes (an allocation removed), the cursor goes to the
nearest row that stays, preferring one of the same group (``sync``'s ``groups``: the next allocation of the
same line, else the line itself), never back to the top.

Column widths are set here, at each change, from every row: DataTable measures new and updated cells
only when the app is idle, so a table repainted before that (its first rows, rows re-added after one was
removed) was drawn with each column as wide as its header (``HAR-``, ``buil…``). Each column also has a
cap (``DEFAULT_CAP`` cells unless ``set_columns`` says otherwise): longer text is cut with "…", so one
100,000-character value cannot push the other columns out of sight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

Cells = tuple[Text, ...]

DEFAULT_CAP = 50  # cells: no column is wider, whatever the server sends


def capped(cell: Text, cap: int) -> Text:
    """``cell`` cut to ``cap`` terminal cells with "…" (its styles kept); the same object when it fits."""
    if cell.cell_len <= cap:
        return cell
    cut = cell.copy()
    cut.truncate(cap, overflow="ellipsis")
    return cut


class KeyedTable(DataTable[Text]):
    #: Home/End go to the first/last row (DataTable's own scroll sideways; ctrl+Home/ctrl+End still work)
    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._keys: list[str] = []
        self._cells: dict[str, Cells] = {}  # as shown (cut to the caps)
        self._given: dict[str, Cells] = {}  # as given to sync: an unchanged row is not measured again
        self._widths: dict[str, tuple[int, ...]] = {}  # each row's cell widths
        self._columns: list[tuple[str, str]] = []
        self._caps: list[int] = []
        self._groups: Mapping[str, str] = {}  # row key -> its group's key (a line's allocations -> the line)

    def set_columns(self, columns: Sequence[tuple[str, str]], caps: Mapping[str, int] | None = None) -> bool:
        """(key, label) pairs, and the widest each column may be (``DEFAULT_CAP`` for those not named);
        returns True when the columns changed (the table is then rebuilt)."""
        cols = list(columns)
        widest = [(caps or {}).get(key, DEFAULT_CAP) for key, _ in cols]
        if cols == self._columns and widest == self._caps:
            return False
        self._columns, self._caps = cols, widest
        self.clear(columns=True)
        for key, label in cols:
            self.add_column(label, key=key)
        self._keys, self._cells, self._given, self._widths = [], {}, {}, {}
        return True

    def _fitted(self, key: str, cells: Cells) -> Cells:
        """``cells`` cut to the column caps (the row shown before when they are the ones given before)."""
        if self._given.get(key) == cells and key in self._cells:
            return self._cells[key]
        caps = self._caps
        widths = tuple(c.cell_len for c in cells)
        if any(w > caps[i] for i, w in enumerate(widths) if i < len(caps)):
            cells = tuple(capped(c, caps[i]) if i < len(caps) else c for i, c in enumerate(cells))
            widths = tuple(c.cell_len for c in cells)
        self._widths[key] = widths
        return cells

    def _set_widths(self) -> None:
        """Each column as wide as its widest cell or its header, now (not when the app is next idle)."""
        columns = self.ordered_columns
        widths = [column.label.cell_len for column in columns]
        rows = [self._widths[key] for key in self._keys if key in self._widths]
        if rows:
            widest = list(map(max, zip(*rows, strict=False)))
            widths = [max(w, widest[i]) if i < len(widest) else w for i, w in enumerate(widths)]
        changed = False
        for column, width in zip(columns, widths, strict=True):
            if column.content_width != width:
                column.content_width = width
                changed = True
        if changed:
            self._require_update_dimensions = True  # the scrollable width follows when idle
            self.refresh()

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    @property
    def current_key(self) -> str | None:
        if not self._keys or self.cursor_row < 0 or self.cursor_row >= len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def _update_changed(self, rows: Sequence[tuple[str, Cells]]) -> bool:
        """Write the cells that changed; True when any did. Widths are ``_set_widths``'s (DataTable's own
        re-measuring rescanned a whole column per narrower cell: quadratic over 500 rows)."""
        col_keys = [k for k, _ in self._columns]
        changed = False
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
            self._cells[key] = cells
            changed = True
        return changed

    def sync(self, rows: Sequence[tuple[str, Cells]], groups: Mapping[str, str] | None = None) -> None:
        """Make the table show ``rows`` (key, cells), keeping the cursor on the same key, or on the nearest row
        left when its row goes. ``groups`` maps a row's key to the key of the row it belongs under (an
        allocation to its line); a row not named is its own group."""
        old_groups, self._groups = self._groups, dict(groups or {})
        given = rows
        rows = [(key, self._fitted(key, cells)) for key, cells in rows]
        self._given = dict(given)
        keys = [k for k, _ in rows]
        for gone in self._widths.keys() - set(keys):
            del self._widths[gone]
        if keys == self._keys:
            if self._update_changed(rows):
                self._set_widths()
            return
        if keys[: len(self._keys)] == self._keys and self._keys:
            # rows appended (paging): update what changed in the rows shown, add only the new ones
            self._update_changed(rows[: len(self._keys)])
            for key, cells in rows[len(self._keys) :]:
                self.add_row(*cells, key=key)
                self._cells[key] = cells
            self._keys = keys
            self._set_widths()
            return
        current = self.current_key
        old_keys = self._keys
        screen_offset = self.cursor_row - int(self.scroll_y)
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self._keys = keys
        self._cells = dict(rows)
        self._set_widths()
        if current is not None and current not in keys:
            current = self._nearest(current, old_keys, keys, old_groups.get(current, current))
        if current in keys:
            row = keys.index(current)
            self.move_cursor(row=row, animate=False, scroll=False)
            self.scroll_to(y=max(row - screen_offset, 0), animate=False, immediate=True)
        elif keys:
            self.move_cursor(row=0, animate=False)

    def _nearest(self, gone: str, old_keys: Sequence[str], keys: Sequence[str], group: str) -> str | None:
        """Where the cursor goes when row ``gone`` went: the next row left of its group (the next allocation of
        the same line), else the previous one of its group (the line), else the next row left, else the
        previous one."""
        alive = set(keys)
        at = old_keys.index(gone) if gone in old_keys else len(old_keys)
        after = next((k for k in old_keys[at + 1 :] if k in alive), None)
        before = next((k for k in reversed(old_keys[:at]) if k in alive), None)
        for key in (after, before):
            if key is not None and self._groups.get(key, key) == group:
                return key
        return after or before

    def select_key(self, key: str) -> bool:
        if key in self._keys:
            self.move_cursor(row=self._keys.index(key), animate=False)
            return True
        return False
