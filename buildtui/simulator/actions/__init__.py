"""Build order writes: create, save, and every POST action of §3.6, one module per kind of work.

Each function runs inside the caller's transaction and raises ``ApiError`` with InvenTree's body on refusal,
so a refused request changes nothing. The names below are the package's interface (``actions.allocate`` ...).
"""

from __future__ import annotations

from .allocation import allocate, auto_allocate, clean_build_item, tracked_serial_matches, unallocate
from .builds import (
    REFERENCE_PATTERN,
    create_build,
    delete_build,
    next_reference,
    patch_build,
    recompute_lines,
    save_build,
    validate_reference,
)
from .common import get_build_for_action
from .consume import complete_allocations, consume, consume_build_item, split_stock
from .outputs import complete_outputs, create_output, delete_outputs, output_fully_allocated, scrap_outputs
from .status import (
    cancel,
    check_cancel,
    check_finish,
    close_build,
    finish,
    hold,
    issue,
    line_state,
    mark_cancelled,
    release_allocations,
    remove_building_outputs,
)

__all__ = [
    "REFERENCE_PATTERN",
    "allocate",
    "auto_allocate",
    "cancel",
    "check_cancel",
    "check_finish",
    "clean_build_item",
    "close_build",
    "complete_allocations",
    "complete_outputs",
    "consume",
    "consume_build_item",
    "create_build",
    "create_output",
    "delete_build",
    "delete_outputs",
    "finish",
    "get_build_for_action",
    "hold",
    "issue",
    "line_state",
    "mark_cancelled",
    "next_reference",
    "output_fully_allocated",
    "patch_build",
    "recompute_lines",
    "release_allocations",
    "remove_building_outputs",
    "save_build",
    "scrap_outputs",
    "split_stock",
    "tracked_serial_matches",
    "unallocate",
    "validate_reference",
]
