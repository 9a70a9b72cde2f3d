"""Table rows that fit the width: fixed columns as wide as their content, flexible ones share the rest.

A DataTable grows each column to its widest cell; with server text (part names, titles, custom status
labels) that pushes columns off the right edge and brings a horizontal scrollbar, at 80 columns above
all. ``fit_rows`` measures the fixed columns and cuts the flexible ones (with …) to what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len, set_cell_size
from rich.text import Text

Field = tuple[str, str]  # text, style
Row = tuple[str, Mapping[str, Field]]  # key, column -> field

SCROLLBAR = 2  # DataTable's vertical scrollbar
FIXED_CAP = 24  # cells: a fixed column (a reference, a batch) longer than this is cut with …


def fit(value: str, cells: int | None) -> str:
    """``value`` cut to ``cells`` terminal cells, with … when cut (wide characters count double)."""
    if cells is None or cell_len(value) <= cells:
        return value
    return set_cell_size(value, max(cells - 1, 0)) + "…"


def fit_rows(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Row],
    width: int,
    shares: Mapping[str, int],
    *,
    minimum: int = 6,
    limits: Mapping[str, int] | None = None,
) -> list[tuple[str, tuple[Text, ...]]]:
    """Cells for a table ``width`` cells wide; ``shares`` names the flexible columns and their weights.

    A fixed column is as wide as its widest value up to its limit (``limits``, else ``FIXED_CAP``): a
    100,000-character reference is cut with … and the other columns keep their places."""
    limit = {key: (limits or {}).get(key, FIXED_CAP) for key, _ in columns if key not in shares}
    fixed = sum(
        max([cell_len(header), *(min(cell_len(f[key][0]), limit[key]) for _, f in rows)])
        for key, header in columns
        if key not in shares
    )
    flexible = [key for key, _ in columns if key in shares]
    # one cell of padding each side of every column
    room = max(width - 2 * len(columns) - SCROLLBAR - fixed, 0)
    headers = dict(columns)
    natural = {k: max([cell_len(headers[k]), *(cell_len(f[k][0]) for _, f in rows)]) for k in flexible}
    caps: dict[str, int] = {}
    # a flexible column needing less than its share takes what it needs; the others share what it leaves
    while True:
        open_ = [k for k in flexible if k not in caps]
        total = sum(shares[k] for k in open_) or 1
        small = [k for k in open_ if natural[k] <= room * shares[k] // total]
        if not small:
            break
        for k in small:
            caps[k] = natural[k]
            room -= natural[k]
    for k in flexible:
        caps.setdefault(k, max(room * shares[k] // total, minimum))
    caps.update(limit)
    return [
        (key, tuple(Text(fit(f[col][0], caps.get(col)), style=f[col][1], no_wrap=True) for col, _ in columns))
        for key, f in rows
    ]


def join_fitting(parts: Sequence[Text], width: int, sep: str = " · ") -> Text:
    """``parts`` joined by ``sep``, a new line started before any part that would not fit in ``width``
    cells: a line breaks between facts ("… · priority 0"), never inside one ("priority" / "0")."""
    out = Text()
    used = 0
    for i, part in enumerate(parts):
        if i and used + cell_len(sep) + part.cell_len > width:
            out.append("\n")
            used = 0
        elif i:
            out.append(sep)
            used += cell_len(sep)
        out.append_text(part)
        used += part.cell_len
    return out
