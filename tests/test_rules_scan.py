"""Scan rules without a UI: which line a scanned item fits, how much, and why not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from buildtui.api.models import BuildLine, StockItem
from buildtui.rules import scan

TODAY = dt.date(2026, 6, 15)


def line(pk: int, part: int, quantity: float, allocated: float = 0, **kw: Any) -> BuildLine:
    return BuildLine(
        pk=pk,
        build=1,
        bom_item=100 + pk,
        part=part,
        quantity=Decimal(str(quantity)),
        allocated=Decimal(str(allocated)),
        **kw,
    )


def item(part: int, quantity: float, allocated: float = 0, **kw: Any) -> StockItem:
    return StockItem(pk=7, part=part, quantity=Decimal(str(quantity)), allocated=Decimal(str(allocated)), **kw)


class TestMatching:
    def test_own_part_substitute_and_variant(self) -> None:
        """A scanned item fits a line of its own part or a substitute, a variant only where the line allows it."""
        lines = [
            line(1, part=10, quantity=5),
            line(2, part=20, quantity=5, allow_variants=True),
            line(3, part=30, quantity=5, consumable=True),
        ]
        assert [ln.pk for ln in scan.direct_lines(lines, 10)] == [1]
        assert [ln.pk for ln in scan.direct_lines(lines, 99, substitute_bom_items={101})] == [1]  # a substitute
        assert scan.direct_lines(lines, 30) == []  # consumable lines take no allocations
        assert [ln.pk for ln in scan.variant_lines(lines, ancestors=[20])] == [2]
        assert scan.variant_lines(lines, ancestors=[10]) == []  # line 1 does not allow variants
        assert scan.may_be_a_variant(lines)

    def test_candidates_prefer_lines_still_needing_stock(self) -> None:
        """A scan offers the lines still needing stock first; a full line only when no other fits."""
        full, short = line(1, 10, 5, allocated=5), line(2, 10, 5, allocated=1)
        assert scan.candidates([full, short]) == [short]
        assert scan.candidates([full]) == [full]


class TestQuantity:
    def test_what_the_line_still_needs_at_most_what_is_free(self) -> None:
        """A scan allocates what the line still needs, at most what the item has free."""
        assert scan.quantity(line(1, 10, 20, allocated=5), item(10, 100), Decimal(5)) == 15
        assert scan.quantity(line(1, 10, 20), item(10, 12, allocated=4), Decimal(5)) == 8

    def test_serialised_is_one_and_tracked_is_one_outputs_share(self) -> None:
        """A serialised item allocates 1; a tracked line allocates one output's share."""
        assert scan.quantity(line(1, 10, 20), item(10, 1, serial="55"), Decimal(5)) == 1
        assert scan.quantity(line(1, 10, 10, trackable=True), item(10, 100), Decimal(5)) == 2


class TestRefusals:
    def test_used_up_expired_and_allocated_elsewhere(self) -> None:
        """A used-up, expired or elsewhere-allocated item is refused with a reason naming it."""
        used = item(10, 5, consumed_by=3)
        reason = scan.item_refusal(used, "R 10k", today=TODAY, allow_expired=False)
        assert reason is not None and "was used up by a build" in reason
        old = item(10, 5, expiry_date=dt.date(2026, 1, 1), batch="B1")
        reason = scan.item_refusal(old, "R 10k", today=TODAY, allow_expired=False)
        assert reason is not None and "expired" in reason
        assert scan.item_refusal(old, "R 10k", today=TODAY, allow_expired=True) is None
        taken = item(10, 5, allocated=5)
        reason = scan.item_refusal(taken, "R 10k", today=TODAY, allow_expired=False)
        assert reason is not None and "already allocated elsewhere" in reason

    def test_a_full_line_takes_no_more_unless_tracked(self) -> None:
        """A fully allocated line refuses another scan, unless it is tracked (per output)."""
        assert scan.line_refusal(line(1, 10, 5, allocated=5)) is not None
        assert scan.line_refusal(line(1, 10, 5, allocated=5, trackable=True)) is None


class TestBuildStatus:
    def test_what_each_state_allows(self) -> None:
        """Issue, hold and finish are offered only in the build states InvenTree allows them."""
        from buildtui.rules.status import BuildStatus

        assert BuildStatus.of(20) is BuildStatus.PRODUCTION and BuildStatus.of(99) is None
        assert [s.name for s in BuildStatus if s.can_issue] == ["PENDING", "ON_HOLD"]
        assert [s.name for s in BuildStatus if s.can_hold] == ["PENDING", "PRODUCTION"]
        assert [s.name for s in BuildStatus if s.can_finish] == ["PRODUCTION"]
        assert not BuildStatus.COMPLETE.active and BuildStatus.ON_HOLD.active
