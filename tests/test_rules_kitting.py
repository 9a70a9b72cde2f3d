"""The kit plan (rules/kitting.py): which items move whole, which are split, which stay, and why; recognising
the item a split made; which allocations did not end up in the kit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from buildtui.api.models import BuildItem, LocationBrief, PartBrief, StockItem, StockLocation
from buildtui.rules.kitting import KitPlan, Move, find_split, kit_locations, left_behind, over_allocated, plan_kit

TODAY = dt.date(2026, 6, 15)
KIT = 6
SHELF = 2


def stock(pk: int, quantity: float, **extra: object) -> StockItem:
    fields: dict[str, object] = {
        "pk": pk,
        "part": 100 + pk,
        "quantity": quantity,
        "location": SHELF,
        "batch": f"B{pk}",
        "part_detail": PartBrief(pk=100 + pk, name=f"Part {pk}"),
        "location_detail": LocationBrief(pk=SHELF, name="Shelf A", pathstring="Warehouse/Shelf A"),
        **extra,
    }
    return StockItem.model_validate(fields)


def alloc(pk: int, item: StockItem, quantity: float, line: int = 1, **extra: object) -> BuildItem:
    return BuildItem.model_validate(
        {
            "pk": pk,
            "build_line": line,
            "stock_item": item.pk,
            "quantity": quantity,
            "location": item.location,
            "stock_item_detail": item,
            **extra,
        }
    )


def plan(*allocations: BuildItem, allow_expired: bool | None = False, kit: set[int] | None = None) -> KitPlan:
    return plan_kit(list(allocations), KIT, kit=kit or {KIT}, today=TODAY, allow_expired=allow_expired)


class TestWholeOrSplit:
    def test_fully_allocated_item_moves_whole_with_its_quantity(self) -> None:
        """An item allocated in full moves whole: the quantity sent is exactly what it holds."""
        item = stock(1, 25)
        p = plan(alloc(10, item, 25))
        (move,) = p.moves
        assert move.move is Move.WHOLE and move.quantity == Decimal(25)
        assert p.transfer_items() == [(1, Decimal(25))] and p.repoints == 0

    def test_partly_allocated_item_is_split_by_the_allocated_quantity(self) -> None:
        """An item with 8 of 5000 allocated: only 8 move (a split), and that allocation is re-pointed."""
        p = plan(alloc(10, stock(1, 5000), 8))
        (move,) = p.moves
        assert move.move is Move.SPLIT and move.quantity == Decimal(8)
        assert p.repoints == 1 and "8 of 5,000" in move.describe()

    def test_item_allocated_to_two_lines_is_sent_once(self) -> None:
        """Two lines' allocations on one item add up: one element in the transfer, never the same pk twice."""
        item = stock(1, 100)
        p = plan(alloc(10, item, 30, line=1), alloc(11, item, 20, line=2))
        assert p.transfer_items() == [(1, Decimal(50))]
        assert p.moves[0].move is Move.SPLIT and len(p.moves[0].allocations) == 2 and p.repoints == 2

    def test_two_lines_covering_the_item_move_it_whole(self) -> None:
        """When the build's allocations on an item cover all of it, it moves whole (no split, no re-pointing)."""
        item = stock(1, 50)
        p = plan(alloc(10, item, 30, line=1), alloc(11, item, 20, line=2))
        assert p.moves[0].move is Move.WHOLE and p.transfer_items() == [(1, Decimal(50))]

    def test_over_allocated_item_never_sends_more_than_it_holds(self) -> None:
        """Allocations above the item's quantity: it moves whole, with the item's quantity, and says so."""
        p = plan(alloc(10, stock(1, 2), 5))
        assert p.transfer_items() == [(1, Decimal(2))]
        assert "over-allocated" in p.moves[0].why

    def test_whole_item_carrying_another_builds_allocation_says_so(self) -> None:
        """All of an item allocated here, yet the server counts more allocated: the note says it goes too."""
        p = plan(alloc(10, stock(1, 10, allocated=14), 10))
        assert p.moves[0].move is Move.WHOLE and "4 allocated elsewhere" in p.moves[0].why

    def test_serialised_item_moves_whole(self) -> None:
        """A serialised item (quantity 1) allocated to an output moves whole."""
        p = plan(alloc(10, stock(1, 1, serial="101"), 1, install_into=55))
        assert p.moves[0].move is Move.WHOLE

    def test_serialised_item_is_never_split(self) -> None:
        """A serialised item that would need a split is held back (the server would silently do nothing)."""
        p = plan(alloc(10, stock(1, 2, serial="7"), 1))
        assert p.moves[0].move is Move.HELD and "cannot be split" in p.moves[0].why
        assert p.transfer_items() == []


class TestStaysOrHeld:
    def test_already_in_the_kit_or_below_it(self) -> None:
        """Stock already at the kit location, or in a bin inside it, is not moved again."""
        at_kit = stock(1, 5, location=KIT)
        in_bin = stock(2, 5, location=60)
        p = plan(alloc(10, at_kit, 5), alloc(11, in_bin, 2), kit={KIT, 60})
        assert [m.move for m in p.moves] == [Move.THERE, Move.THERE] and not p.sending
        assert p.counts() == "nothing to move, 2 already there"

    def test_quarantined_and_not_in_stock(self) -> None:
        """Quarantined stock and stock used up or installed are held back, each with the reason."""
        p = plan(
            alloc(10, stock(1, 5, status=75, status_text="Quarantined"), 5),
            alloc(11, stock(2, 5, consumed_by=3), 5),
            alloc(12, stock(3, 5, belongs_to=9), 5),
            alloc(13, stock(4, 0), 1),
        )
        assert all(m.move is Move.HELD for m in p.moves)
        whys = [m.why for m in p.moves]
        assert whys[:3] == ["quarantined, not in stock", "used up by a build", "installed in another item"]
        assert whys[3] == "nothing left in it"
        assert "held back" in p.counts() and p.transfer_items() == []

    def test_expired_held_unless_the_server_allows_it(self) -> None:
        """Expired stock stays unless STOCK_ALLOW_EXPIRED_BUILD is on."""
        old = stock(1, 10, expiry_date="2026-01-01")
        assert plan(alloc(10, old, 10)).moves[0].move is Move.HELD
        assert "expired on 2026-01-01" in plan(alloc(10, old, 10)).moves[0].why
        assert plan(alloc(10, old, 10), allow_expired=None).moves[0].move is Move.HELD
        assert plan(alloc(10, old, 10), allow_expired=True).moves[0].move is Move.WHOLE

    def test_undescribed_item_is_held(self) -> None:
        """An allocation without its stock item's details is not guessed at."""
        bare = BuildItem(pk=10, build_line=1, stock_item=5, quantity=Decimal(3), location=SHELF)
        p = plan(bare)
        assert p.moves[0].move is Move.HELD and "did not describe" in p.moves[0].why

    def test_counts_say_everything_at_once(self) -> None:
        """The plan's headline counts items moving whole and split, there and held."""
        p = plan(
            alloc(10, stock(1, 5), 5),
            alloc(11, stock(2, 500), 8),
            alloc(12, stock(3, 5, location=KIT), 5),
            alloc(13, stock(4, 5, status=75), 5),
        )
        assert p.counts() == "1 whole, 1 split, 1 already there, 1 held back"
        assert p.allocation_count == 4


class TestAfterTheTransfer:
    def test_find_split_takes_the_newest_matching_child(self) -> None:
        """The split is the newest child of the original at the kit with the moved quantity."""
        move = plan(alloc(10, stock(1, 5000), 8)).moves[0]
        children = [
            stock(40, 8, parent=1, location=KIT),  # an older split of the same reel
            stock(41, 8, parent=1, location=SHELF),  # elsewhere
            stock(42, 3, parent=1, location=KIT),  # other quantity
            stock(43, 8, parent=40, location=KIT),  # a grandchild
            stock(44, 8, parent=1, location=KIT),
        ]
        assert find_split(children, move, KIT).pk == 44  # type: ignore[union-attr]
        assert find_split(children, move, KIT, taken={44}).pk == 40  # type: ignore[union-attr]
        assert find_split(children[1:4], move, KIT) is None

    def test_left_behind_names_where(self) -> None:
        """Allocations re-read off the kit are listed with their place; a vanished one says so."""
        a = alloc(10, stock(1, 5), 5)
        b = alloc(11, stock(2, 5), 5)
        moved = alloc(10, stock(1, 5, location=KIT), 5)
        moved = moved.model_copy(update={"location": KIT})
        still = b.model_copy(update={"location_detail": LocationBrief(pk=SHELF, name="Shelf A", pathstring="W/A")})
        assert left_behind([a, b], [moved, still], {KIT}) == [(still, "still at W/A")]
        assert "no longer there" in left_behind([a], [], {KIT})[0][1]

    def test_over_allocated_adds_up_per_item(self) -> None:
        """Two allocations of 3 on an item of 5 are over-allocated together."""
        item = stock(1, 5)
        pair = [alloc(10, item, 3, line=1), alloc(11, item, 3, line=2)]
        assert [a.pk for a in over_allocated(pair)] == [10, 11]
        assert over_allocated([alloc(12, item, 5)]) == []

    def test_kit_locations_is_the_subtree(self) -> None:
        """The kit location and every location below it, nothing above or beside."""
        locs = [
            StockLocation(pk=5, name="Production"),
            StockLocation(pk=6, name="Line 1", parent=5),
            StockLocation(pk=60, name="Bin", parent=6),
            StockLocation(pk=61, name="Sub-bin", parent=60),
            StockLocation(pk=13, name="Line 2", parent=5),
        ]
        assert kit_locations(locs, 6) == {6, 60, 61}
        assert kit_locations(locs, 99) == {99}
