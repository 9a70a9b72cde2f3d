"""Kitting a build: its allocated stock moved to one location, its allocations kept on the stock that moved.

What happens to each item is the rules' plan (rules/kitting.py), made from a fresh read of the build's
allocations. ``Kitting.move`` sends it as one ``POST /api/stock/transfer/`` through ``BuildActions.run`` (sent
once and never again by itself; a lost answer is checked by looking at the items: moved, certainly not moved,
or cannot tell), then finds each item the server split off and re-points the allocations it left on the
original (``PATCH /api/build/item/<id>/``), then reads the build's allocations again: that read decides what
the operator is told, allocation by allocation. No Textual here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TypeVar

from ..api import ApiError, ValidationFailed
from ..api.models import BuildItem, StockItem
from ..clock import today
from ..format import qty
from ..rules.allocation import is_expired
from ..rules.kitting import ItemMove, KitPlan, Move, find_split, kit_locations, left_behind, over_allocated, plan_kit
from .actions import BuildActions
from .store import Store
from .writes import Outcome, Result, Write

log = logging.getLogger("buildtui.kitting")
T = TypeVar("T")


@dataclass
class KitResult:
    """What a kit move did, as the build's allocations read afterwards show it."""

    plan: KitPlan
    destination: str  # the kit location's path
    scope: list[BuildItem]  # the allocations that were to be kitted
    left: list[tuple[BuildItem, str]] = field(default_factory=list)  # not on stock in the kit, and why
    over: list[BuildItem] = field(default_factory=list)  # larger than their stock item now
    checked: bool = True  # the build could be read again afterwards

    @property
    def followed(self) -> int:
        return len(self.scope) - len(self.left)

    def summary(self) -> str:
        """Sentences for the operator: what moved, how many allocations are at the kit, and each that is not."""
        plan = self.plan
        whole, split = len(plan.of(Move.WHOLE)), len(plan.of(Move.SPLIT))
        moved = [f"{_n(whole, 'item')} whole"] if whole else []
        if split:
            moved.append(f"{split} split off as new item{'' if split == 1 else 's'}")
        lines = [f"Moved to {self.destination}: {', '.join(moved)}."]
        total = len(self.scope)
        if not self.checked:
            lines.append("The build could not be read again to check where its allocations are: look at the pick list.")
        elif not self.left:
            said = f"All {total} allocations are" if total > 1 else "The allocation is"
            lines.append(f"{said} on stock at {self.destination}.")
        else:
            lines.append(f"{self.followed} of {total} allocations are on stock at {self.destination}.")
            lines.append(f"Not at the kit ({len(self.left)}):")
            lines += [f"• {_allocation_name(a)}: {why}" for a, why in self.left]
        there = plan.of(Move.THERE)
        if there:
            lines.append(f"There already: {_n(len(there), 'item')}.")
        for a in self.over:
            held = a.stock_item_detail.quantity if a.stock_item_detail else Decimal(0)
            lines.append(
                f"Look at {_allocation_name(a)}: {qty(a.quantity)} allocated, the item holds {qty(held)} "
                "(the build cannot consume more than the item holds)."
            )
        return "\n".join(lines)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _allocation_name(a: BuildItem) -> str:
    part = a.part_detail.name if a.part_detail and a.part_detail.name else f"allocation {a.pk}"
    lot = a.stock_item_detail.label if a.stock_item_detail else f"item {a.stock_item}"
    return f"{part} ({lot}, {qty(a.quantity)})"


class Kitting:
    """Reading, planning and moving one build's kit, through the store (connection health stays true)."""

    def __init__(self, actions: BuildActions) -> None:
        self.actions = actions
        self.model = actions.model
        self.store = actions.store
        self.client = actions.client
        #: the server's STOCK_ALLOW_EXPIRED_BUILD, read only when an allocated item has expired
        self.allow_expired: bool | None = None

    async def read(self) -> list[BuildItem]:
        """The build's allocations as they are now, each with its stock item, in pick-list order (location, then
        part); with the locations, and the expiry setting when some item has expired (one round trip, two when
        an item has expired and the setting was not read yet)."""
        got = await asyncio.gather(
            self.store.call(lambda: self.client.list_allocations(self.model.pk)), self.store.ensure_locations()
        )
        allocations: list[BuildItem] = got[0]
        now = today()
        if any(a.stock_item_detail and is_expired(a.stock_item_detail, now) for a in allocations):
            try:
                self.allow_expired = await self.store.call(self.client.allow_expired_build)
            except ApiError:
                self.allow_expired = None
        return sorted(allocations, key=lambda a: (_where(a), a.part_detail.label if a.part_detail else "", a.pk))

    def plan(self, allocations: Sequence[BuildItem], destination: int, lines: Collection[int] | None) -> KitPlan:
        """The plan for the allocations of ``lines`` (None: the whole build) going to ``destination``."""
        chosen = [a for a in allocations if lines is None or a.build_line in lines]
        kit = kit_locations(self.store.locations or [], destination)
        return plan_kit(chosen, destination, kit=kit, today=today(), allow_expired=self.allow_expired)

    # -- moving ----------------------------------------------------------------------------------------
    def transfer(self, plan: KitPlan, notes: str) -> Write[None]:
        """The transfer as a write: a lost answer is looked for on the items themselves (atomic on the server:
        all moved, or none)."""
        sending = plan.sending

        async def took() -> bool | None:
            now = await _bounded([partial(self.client.get_stock, m.stock.pk) for m in sending], self.store)
            items: list[StockItem] = []
            for answer in now:
                if isinstance(answer, BaseException):
                    raise answer
                items.append(answer)
            seen = [_moved(m, s, plan.destination) for m, s in zip(sending, items, strict=True)]
            if all(x is True for x in seen):
                return True
            if all(x is False for x in seen):
                return False
            return None

        return Write(
            "move the stock to the kit location",
            lambda: self.client.transfer_stock(plan.transfer_items(), plan.destination, notes=notes),
            lambda _: "moved",
            took,
            kind="kit",
            pending="moving the kit",
            affects=frozenset(f"l{a.build_line}" for m in sending for a in m.allocations),
        )

    async def move(
        self, plan: KitPlan, notes: str = "", progress: Callable[[str], None] | None = None
    ) -> Outcome[KitResult]:
        """Transfer, re-point what the splits left behind, read the build again. Anything but "done" means the
        transfer was not carried out (or cannot be told): the caller keeps the operator's choice. ``progress``
        hears a sentence at each step after the transfer (re-pointing a large kit takes a while)."""
        tell = progress or (lambda _: None)
        scope = [a for m in plan.moves for a in m.allocations]
        outcome = await self.actions.run(self.transfer(plan, notes))
        if outcome.result is not Result.DONE:
            return Outcome(outcome.result, outcome.message, outcome.error)
        tell(f"Moved. Re-pointing {plan.repoints} allocation(s) to the items split off…" if plan.repoints else "")
        reasons = await self._repoint(plan, tell)
        tell("Reading the build again to check every allocation…")
        for m in plan.of(Move.HELD):
            for a in m.allocations:
                reasons.setdefault(a.pk, f"not moved ({m.why})")
        destination = self.store.location_name(plan.destination)
        result = KitResult(plan, destination, scope)
        try:
            after = await self.store.call(lambda: self.client.list_allocations(self.model.pk))
        except ApiError as exc:
            log.info("kit move: could not read the build again: %s", exc)
            result.checked = False
            result.left = [(a, why) for a in scope if (why := reasons.get(a.pk))]
            return Outcome(Result.DONE, result.summary(), value=result)
        kit = kit_locations(self.store.locations or [], plan.destination)
        result.left = [(a, reasons.get(a.pk, where)) for a, where in left_behind(scope, after, kit)]
        wanted = {a.pk for a in scope}
        result.over = over_allocated([a for a in after if a.pk in wanted])
        return Outcome(Result.DONE, result.summary(), value=result)

    async def _repoint(self, plan: KitPlan, tell: Callable[[str], None]) -> dict[int, str]:
        """Each split's allocations to the item split off, found in one read of the kit location (the server
        does not say which items it made): the reason, per allocation, when one could not follow."""
        splits = plan.of(Move.SPLIT)
        if not splits:
            return {}
        reasons: dict[int, str] = {}
        try:
            at_kit: list[StockItem] = await self.store.call(
                lambda: self.client.find_stock(location=plan.destination, cascade="false", ordering="-pk")
            )
        except ApiError as exc:
            for m in splits:
                for a in m.allocations:
                    reasons[a.pk] = f"the kit location could not be read ({exc}); it stays on {m.stock.label}"
            return reasons
        taken: set[int] = set()
        pairs: list[tuple[BuildItem, StockItem]] = []
        for m in splits:
            new = find_split(at_kit, m, plan.destination, taken)
            if new is None:
                for a in m.allocations:
                    reasons[a.pk] = (
                        f"the item split off was not found at the kit; it stays on {m.stock.label} at {m.source}"
                    )
                continue
            taken.add(new.pk)
            pairs += [(a, new) for a in m.allocations]
        done = [0]

        def one_more() -> None:
            done[0] += 1
            if len(pairs) > AT_ONCE:
                tell(f"Moved. Re-pointed {done[0]} of {len(pairs)} allocations…")

        answers = await _bounded(
            [partial(self.client.repoint_allocation, a.pk, new.pk) for a, new in pairs],
            self.store,
            one_more,
        )
        for (a, new), answer in zip(pairs, answers, strict=True):
            if isinstance(answer, ValidationFailed) and not answer.outcome_unknown:
                reasons[a.pk] = f"the server refused to re-point it to the new item {new.label} ({answer})"
            elif isinstance(answer, ApiError):
                reasons[a.pk] = f"re-pointing it to the new item {new.label} failed ({answer})"
            elif isinstance(answer, BaseException):
                raise answer
        return reasons


#: requests sent at once for one kit (re-points, checks): a real server has a few workers, not a hundred
AT_ONCE = 6


async def _bounded(
    calls: Sequence[Callable[[], Awaitable[T]]], store: Store, each: Callable[[], None] | None = None
) -> list[T | BaseException]:
    """Each call through the store, ``AT_ONCE`` at a time (``each`` after every answer); an exception stands in
    its call's place."""
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            try:
                return await store.call(call)
            finally:
                if each is not None:
                    each()

    return list(await asyncio.gather(*(one(c) for c in calls), return_exceptions=True))


def _where(a: BuildItem) -> str:
    return a.location_detail.path if a.location_detail else "(no location)"


def _moved(move: ItemMove, now: StockItem, destination: int) -> bool | None:
    """Whether the transfer shows on this item: True, False (as before), None (changed otherwise)."""
    was = move.stock
    if move.move is Move.WHOLE:
        if now.location == destination:
            return True
        return False if now.location == was.location else None
    if now.quantity == was.quantity - move.quantity:
        return True
    return False if now.quantity == was.quantity else None
