"""The writes an operator makes on one build, each built as a ``Write``: what to send, and how to recognise
this change on the server when the answer is lost (``runner.py`` sends it once and decides what became of it).
No Textual here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..api.models import BuildItem, StockItem
from ..rules.status import BuildStatus
from .runner import AUTO_ALLOCATE_QUIET_S, ZERO, WriteRunner
from .writes import Check, Outcome, Result, Running, Write

__all__ = ["BuildActions", "Check", "Outcome", "Result", "Running", "Write"]  # the types live in writes.py


class BuildActions(WriteRunner):
    """Every write on one build: ``actions.allocate(...)`` builds it, ``actions.run(write)`` sends it."""

    # -- what the operator's change looks like on the server -----------------------------------------
    @staticmethod
    def _by_item(allocations: Iterable[BuildItem]) -> dict[tuple[int | None, int, int | None], dict[int, Decimal]]:
        """Each (line, stock item, output)'s allocations by pk: InvenTree adds to an existing allocation of the same
        stock item to the same line, or makes a new one."""
        items: dict[tuple[int | None, int, int | None], dict[int, Decimal]] = defaultdict(dict)
        for a in allocations:
            items[(a.build_line, a.stock_item, a.install_into)][a.pk] = a.quantity
        return items

    @staticmethod
    def _allocation_seen(was: dict[int, Decimal], now: dict[int, Decimal], quantity: Decimal) -> bool | None:
        """Did this allocation of ``quantity`` happen, ``was`` being what the screen showed before and ``now``
        the server's allocations after? True: exactly ``was`` plus this change (one allocation grown by it, or
        one new allocation of it); False: exactly ``was``, untouched; None: anything else (the screen's copy was
        out of date, or someone else changed the line meanwhile), so the operator must look before sending
        again. Comparing totals instead would read another terminal's change as this one, or miss it."""
        if now == was:
            return False
        grown = [pk for pk in now if pk in was and now[pk] != was[pk]]
        new = [pk for pk in now if pk not in was]
        if set(was) <= set(now):
            if not new and len(grown) == 1 and now[grown[0]] - was[grown[0]] == quantity:
                return True
            if not grown and len(new) == 1 and now[new[0]] == quantity:
                return True
        return None

    def _compare(self, deltas: Sequence[tuple[Decimal, Decimal]]) -> bool | None:
        """(change seen, change made) per item: all made -> True, none -> False, anything else -> None."""
        if all(seen == made for seen, made in deltas):
            return True
        if all(seen == 0 for seen, _ in deltas):
            return False
        return None

    # -- allocations --------------------------------------------------------------------------------
    def allocate(self, items: Sequence[dict[str, Any]], done: Callable[[None], str]) -> Write[None]:
        """``items``: ``{"build_line", "stock_item", "quantity", "output"?}``, one request (atomic)."""
        before = self._by_item(self.model.allocations)
        keys = [(i["build_line"], i["stock_item"], i.get("output")) for i in items]
        made = [Decimal(str(i["quantity"])) for i in items]

        async def took() -> bool | None:
            now = self._by_item(await self.client.list_allocations(self.model.pk))
            seen = {self._allocation_seen(before[k], now[k], q) for k, q in zip(keys, made, strict=True)}
            return seen.pop() if len(seen) == 1 else None

        return Write(
            "allocate the stock",
            lambda: self.client.allocate(self.model.pk, items),
            lambda _: done(None),
            took,
            kind="allocate",
            affects=frozenset(f"l{i['build_line']}" for i in items),
        )

    def remove_allocations(self, pks: Sequence[int], done: str) -> Write[None]:
        wanted = set(pks)

        async def took() -> bool | None:
            left = {a.pk for a in await self.client.list_allocations(self.model.pk)} & wanted
            return True if not left else (False if left == wanted else None)

        async def send() -> None:
            if len(pks) == 1:
                await self.client.delete_allocation(pks[0])
            else:
                await self.client.delete_allocations(pks)

        return Write(
            "remove the allocation" if len(pks) == 1 else "remove the allocations",
            send,
            lambda _: done,
            took,
            kind="unallocate",
        )

    def edit_allocation(self, pk: int, quantity: Decimal, done: str) -> Write[BuildItem]:
        was = self.model.allocation(pk)

        async def took() -> bool | None:
            now = {a.pk: a.quantity for a in await self.client.list_allocations(self.model.pk)}
            if now.get(pk) == quantity:
                return True
            return False if was is not None and now.get(pk) == was.quantity else None

        return Write(
            "change the allocation",
            lambda: self.client.update_allocation(pk, quantity),
            lambda _: done,
            took,
            kind="edit_allocation",
        )

    def consume(self, items: Sequence[tuple[int, Decimal]], lines: Sequence[int], notes: str, done: str) -> Write[Any]:
        """Consume allocations: whole lines, or a quantity of single allocations."""
        before = {a.pk: a.quantity for a in self.model.allocations}
        line_allocs: dict[int, list[int]] = {}
        for pk in lines:
            line = self.model.line(pk)
            line_allocs[pk] = [a.pk for a in (line.allocations or [])] if line is not None else []

        async def took() -> bool | None:
            now = {a.pk: a.quantity for a in await self.client.list_allocations(self.model.pk)}
            deltas = [(before.get(pk, ZERO) - now.get(pk, ZERO), q) for pk, q in items]
            for pks in line_allocs.values():
                deltas += [(before.get(pk, ZERO) - now.get(pk, ZERO), before.get(pk, ZERO)) for pk in pks]
            return self._compare(deltas)

        affected = {a.build_line for a in self.model.allocations if a.pk in dict(items)} | set(lines)
        return Write(
            "consume the stock",
            lambda: self.client.consume(self.model.pk, items=items, lines=lines, notes=notes),
            lambda _: done,
            took,
            kind="consume",
            background=True,
            pending="consuming stock",
            affects=frozenset(f"l{pk}" for pk in affected if pk is not None),
        )

    def auto_allocate(self, options: dict[str, Any], summary: Callable[[list[Any]], str]) -> Write[Any]:
        """Auto-allocation; once done, ``summary`` words what the re-read lines show."""
        before = {ln.pk: ln.allocated for ln in self.model.lines}
        first_look: list[float] = []

        async def after(_: Any) -> str:
            return summary(await self.client.list_lines(self.model.pk, allocations=False))

        async def settled() -> bool:
            # API 425 queues the work and answers with no task to follow: the lines change a moment later,
            # or never when there is nothing to allocate (then, after a few seconds, it is taken as done)
            first_look.append(time.monotonic())
            lines = await self.client.list_lines(self.model.pk, allocations=False)
            return (
                any(ln.allocated != before.get(ln.pk) for ln in lines)
                or first_look[-1] - first_look[0] > AUTO_ALLOCATE_QUIET_S
            )

        async def took() -> bool:
            # an answer lost: any line whose allocation changed since the dialog opened shows it was carried out
            lines = await self.client.list_lines(self.model.pk, allocations=False)
            return any(ln.allocated != before.get(ln.pk) for ln in lines)

        async def send() -> Any:
            # the figures as last read when it leaves (a poll may have changed them since the dialog opened)
            before.update({ln.pk: ln.allocated for ln in self.model.lines})
            task = await self.client.auto_allocate(self.model.pk, **options)
            write.settled = settled if task is None else None  # a task is followed instead
            return task

        write: Write[Any] = Write(
            "auto-allocate",
            send,
            lambda _: "Auto-allocation done: look at the lines",
            took_effect=took,
            idempotent=True,
            kind="auto_allocate",
            background=True,
            pending="auto-allocating",
            affects=frozenset(f"l{ln.pk}" for ln in self.model.lines),
            after=after,
        )
        return write

    # -- build state ------------------------------------------------------------------------------------
    def _status(self, target: int) -> Check:
        was = self.model.build.status if self.model.build else None

        async def took() -> bool | None:
            now = (await self.client.get_build(self.model.pk)).status
            return True if now == target else (False if now == was else None)

        return took

    def _status_and_allocations(self, target: int, allocations_gone: bool) -> Check:
        """The build shows ``target`` (and, when the server removes them in its worker, no allocations)."""

        async def settled() -> bool:
            build = await self.client.get_build(self.model.pk)
            if build.status != target:
                return False
            return not allocations_gone or not await self.client.list_allocations(self.model.pk)

        return settled

    def issue(self, done: str) -> Write[None]:
        return Write(
            "issue the build",
            lambda: self.client.issue(self.model.pk),
            lambda _: done,
            self._status(BuildStatus.PRODUCTION),
            kind="issue",
        )

    def hold(self, done: str) -> Write[None]:
        return Write(
            "put the build on hold",
            lambda: self.client.hold(self.model.pk),
            lambda _: done,
            self._status(BuildStatus.ON_HOLD),
            kind="hold",
        )

    def cancel(self, *, remove_allocated_stock: bool, remove_incomplete_outputs: bool, done: str) -> Write[None]:
        # the allocations are removed by the server's worker, after it answered (all versions)
        return Write(
            "cancel the build",
            lambda: self.client.cancel(
                self.model.pk,
                remove_allocated_stock=remove_allocated_stock,
                remove_incomplete_outputs=remove_incomplete_outputs,
            ),
            lambda _: done,
            self._status(BuildStatus.CANCELLED),
            kind="cancel_build",
            background=True,
            pending="cancelling",
            affects=frozenset({"build"}),
            settled=self._status_and_allocations(BuildStatus.CANCELLED, allocations_gone=bool(self.model.allocations)),
        )

    def finish(
        self, *, accept_unallocated: bool, accept_incomplete: bool, accept_overallocated: str, done: str
    ) -> Write[None]:
        # API 530 sets "complete" in the worker, a moment after answering (docs/inventree-api-versions.md §2)
        return Write(
            "finish the build",
            lambda: self.client.finish(
                self.model.pk,
                accept_unallocated=accept_unallocated,
                accept_incomplete=accept_incomplete,
                accept_overallocated=accept_overallocated,
            ),
            lambda _: done,
            self._status(BuildStatus.COMPLETE),
            kind="finish",
            background=True,
            pending="finishing",
            affects=frozenset({"build"}),
            settled=self._status_and_allocations(BuildStatus.COMPLETE, allocations_gone=bool(self.model.allocations)),
        )

    # -- outputs -----------------------------------------------------------------------------------------
    def create_outputs(
        self,
        *,
        quantity: Decimal,
        serial_numbers: str,
        batch_code: str,
        location: int | None,
        auto_allocate: bool,
        expected: int,
        done: Callable[[list[StockItem] | None], str],
    ) -> Write[list[StockItem]]:
        """``expected``: how many outputs the request makes (the number of serials; 1 untracked)."""
        known = {o.pk for o in self.model.outputs}

        async def took() -> bool | None:
            new = [o for o in await self.client.list_outputs(self.model.pk) if o.pk not in known]
            if not new:
                return False
            if len(new) == expected and sum((o.quantity for o in new), ZERO) == quantity:
                return True
            return None

        return Write(
            "create the outputs",
            lambda: self.client.create_outputs(
                self.model.pk,
                quantity=quantity,
                serial_numbers=serial_numbers,
                batch_code=batch_code,
                location=location,
                auto_allocate=auto_allocate,
            ),
            done,
            took,
            kind="new_output",
        )

    def _outputs_left_production(self, pairs: Sequence[tuple[int, Decimal | None]]) -> Check:
        """Each output completed (or scrapped) whole is out of production; a partial one is that much smaller."""
        was = {o.pk: o.quantity for o in self.model.outputs}

        async def took() -> bool | None:
            building = {o.pk: o.quantity for o in await self.client.list_outputs(self.model.pk, is_building=True)}
            deltas = []
            for pk, part in pairs:
                before = was.get(pk, ZERO)
                gone = before - building.get(pk, ZERO)  # whole: all of it left production
                deltas.append((gone, part if part is not None else before))
            return self._compare(deltas)

        return took

    def complete_outputs(
        self,
        pairs: Sequence[tuple[int, Decimal | None]],
        *,
        location: int,
        status: int,
        notes: str,
        accept_incomplete_allocation: bool,
        done: str,
    ) -> Write[Any]:
        return Write(
            "complete the outputs",
            lambda: self.client.complete_outputs(
                self.model.pk,
                pairs,
                location=location,
                status=status,
                notes=notes,
                accept_incomplete_allocation=accept_incomplete_allocation,
            ),
            lambda _: done,
            self._outputs_left_production(pairs),
            kind="complete_outputs",
            background=True,
            pending=f"completing {_outputs(len(pairs))}",
            affects=_output_keys(pairs),
        )

    def scrap_outputs(
        self,
        pairs: Sequence[tuple[int, Decimal | None]],
        *,
        location: int,
        notes: str,
        discard_allocations: bool,
        done: str,
    ) -> Write[Any]:
        return Write(
            "scrap the outputs",
            lambda: self.client.scrap_outputs(
                self.model.pk, pairs, location=location, notes=notes, discard_allocations=discard_allocations
            ),
            lambda _: done,
            self._outputs_left_production(pairs),
            kind="scrap_outputs",
            background=True,
            pending=f"scrapping {_outputs(len(pairs))}",
            affects=_output_keys(pairs),
        )

    def delete_outputs(self, pks: Sequence[int], done: str) -> Write[Any]:
        pairs = [(pk, None) for pk in pks]
        return Write(
            "delete the outputs",
            lambda: self.client.delete_outputs(self.model.pk, pks),
            lambda _: done,
            self._outputs_left_production(pairs),
            kind="delete_outputs",
            background=True,
            pending=f"deleting {_outputs(len(pks))}",
            affects=_output_keys(pairs),
        )


def _outputs(n: int) -> str:
    return "1 output" if n == 1 else f"{n} outputs"


def _output_keys(pairs: Sequence[tuple[int, Decimal | None]]) -> frozenset[str]:
    return frozenset(f"o{pk}" for pk, _ in pairs)
