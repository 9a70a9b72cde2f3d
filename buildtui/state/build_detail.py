"""One build order's data: the build, its lines with allocations, outputs and child builds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..api.models import Build, BuildItem, BuildLine, SerialNumbers, StockItem
from .events import BuildLoaded
from .store import Store

if TYPE_CHECKING:
    from .writes import Running


@dataclass
class Blockers:
    """What stops a build from finishing (the finish dialog shows these first)."""

    unallocated: list[BuildLine]
    overallocated: list[BuildLine]
    incomplete_outputs: list[StockItem]
    remaining: Decimal
    not_in_production: bool


PARTS = ("build", "lines", "outputs", "children")


@dataclass
class BuildDetailModel:
    """One build with its lines (and their allocations), outputs and child builds: 4 requests."""

    store: Store
    pk: int
    build: Build | None = None
    lines: list[BuildLine] = field(default_factory=list)
    outputs: list[StockItem] = field(default_factory=list)
    children: list[Build] = field(default_factory=list)
    #: writes the server accepted and is still carrying out (background tasks, a build settling)
    running: list[Running] = field(default_factory=list)

    async def refresh(self, parts: Sequence[str] = PARTS) -> None:
        """Re-read ``parts`` (of build, lines, outputs, children) in parallel: one request each.

        Opening reads all four, together with the session's locations and stock states the first time (one
        round trip in all); polling reads only what the visible tab shows; after an allocation only the lines
        change.
        """
        c = self.store.client
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "build": lambda: c.get_build(self.pk),
            "lines": lambda: c.list_lines(self.pk),
            "outputs": lambda: c.list_outputs(self.pk),
            "children": lambda: c.child_builds(self.pk),
        }
        wanted = [p for p in PARTS if p in parts]

        async def together() -> list[Any]:
            extra: list[Awaitable[Any]] = []
            if self.store.locations is None:
                extra.append(self.store.ensure_locations())
            if self.store.stock_status is None:
                extra.append(self.store.ensure_stock_status())
            got = await asyncio.gather(*(calls[p]() for p in wanted), *extra)
            return list(got[: len(wanted)])

        results = await self.store.call(together)
        for name, value in zip(wanted, results, strict=True):
            setattr(self, name, value)
        self.store.events.publish(BuildLoaded(self.pk, tuple(wanted)))

    # -- reads a screen or dialog asks for (through the store: the status line counts them) ----------------
    async def read_build(self, pk: int | None = None) -> Build:
        """The build as the server has it now (or another build, such as the parent)."""
        return await self.store.call(lambda: self.store.client.get_build(self.pk if pk is None else pk))

    async def read_line(self, pk: int) -> BuildLine:
        return await self.store.call(lambda: self.store.client.get_line(pk))

    async def candidate_stock(self, line: BuildLine) -> list[StockItem]:
        """The stock the server would accept for ``line``, from the build's source location if it has one."""
        take_from = self.build.take_from if self.build else None
        return await self.store.call(lambda: self.store.client.candidate_stock(line, location=take_from))

    async def allow_expired(self) -> bool:
        """The server's BUILDORDER_ALLOW_EXPIRED_STOCK setting (read once per session by the client)."""
        return await self.store.call(self.store.client.allow_expired_build)

    async def next_serials(self) -> SerialNumbers | None:
        """The next free serial and the latest in use for the built part; None for an untracked part."""
        b = self.build
        if b is None or not (b.part_detail and b.part_detail.trackable):
            return None
        return await self.store.call(lambda: self.store.client.next_serials(b.part))

    @property
    def allocations(self) -> list[BuildItem]:
        return [a for line in self.lines for a in (line.allocations or [])]

    def pending(self, key: str) -> Running | None:
        """The running write that changes row ``key`` ("o12", "l5", "build"), if any."""
        return next((r for r in self.running if key in r.write.affects), None)

    def running_kind(self, kind: str) -> bool:
        return any(r.write.kind == kind for r in self.running)

    @property
    def outputs_to_act_on(self) -> list[StockItem]:
        """Outputs in production that no running write is already completing, scrapping or deleting."""
        return [o for o in self.incomplete_outputs if self.pending(f"o{o.pk}") is None]

    @property
    def incomplete_outputs(self) -> list[StockItem]:
        return [o for o in self.outputs if o.is_building]

    @property
    def completed_outputs(self) -> list[StockItem]:
        return [o for o in self.outputs if not o.is_building]

    def line(self, pk: int) -> BuildLine | None:
        return next((ln for ln in self.lines if ln.pk == pk), None)

    def allocation(self, pk: int) -> BuildItem | None:
        return next((a for a in self.allocations if a.pk == pk), None)

    def line_of(self, allocation: BuildItem) -> BuildLine | None:
        return self.line(allocation.build_line) if allocation.build_line is not None else None

    def output_unallocated(self, output: StockItem) -> list[BuildLine]:
        """Tracked, non-consumable lines whose allocation to this output is below the per-unit quantity (§3.6)."""
        build = self.build
        if build is None or build.quantity <= 0:
            return []
        short = []
        for line in self.lines:
            if not line.trackable or line.consumable:
                continue
            per_unit = line.quantity / build.quantity
            got = sum((a.quantity for a in line.allocations or [] if a.install_into == output.pk), Decimal(0))
            if got < per_unit:
                short.append(line)
        return short

    def blockers(self) -> Blockers:
        build = self.build
        assert build is not None
        return Blockers(
            unallocated=[
                ln
                for ln in self.lines
                if not ln.consumable and not ln.trackable and ln.allocated < max(ln.quantity - ln.consumed, Decimal(0))
            ],
            overallocated=[ln for ln in self.lines if not ln.consumable and ln.over_allocated],
            incomplete_outputs=self.incomplete_outputs,
            remaining=build.remaining,
            not_in_production=build.status != 20,
        )
