"""Scan rules without a UI: which line a scanned item fits, how much, and why not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from buildtui.api.models import BuildLine, StockItem
from buildtui.rules import scan

TODAY = dt.date(2026, 6, 15)


def line(pk: int, part: int, quantity: float, allocated: float = 0, **kw) -> BuildLine:
    return BuildLine(
        pk=pk,
        build=1,
        bom_item=100 + pk,
        part=part,
        quantity=Decimal(str(quantity)),
        allocated=Decimal(str(allocated)),
        **kw,
    )


def item(part: int, quantity: float, allocated: float = 0, **kw) -> StockItem:
    return StockItem(pk=7, part=part, quantity=Decimal(str(quantity)), allocated=Decimal(str(allocated)), **kw)


class TestMatching:
    def test_own_part_substitute_and_variant(self):
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

    def test_candidates_prefer_lines_still_needing_stock(self):
        full, short = line(1, 10, 5, allocated=5), line(2, 10, 5, allocated=1)
        assert scan.candidates([full, short]) == [short]
        assert scan.candidates([full]) == [full]


class TestQuantity:
    def test_what_the_line_still_needs_at_most_what_is_free(self):
        assert scan.quantity(line(1, 10, 20, allocated=5), item(10, 100), Decimal(5)) == 15
        assert scan.quantity(line(1, 10, 20), item(10, 12, allocated=4), Decimal(5)) == 8

    def test_serialised_is_one_and_tracked_is_one_outputs_share(self):
        assert scan.quantity(line(1, 10, 20), item(10, 1, serial="55"), Decimal(5)) == 1
        assert scan.quantity(line(1, 10, 10, trackable=True), item(10, 100), Decimal(5)) == 2


class TestRefusals:
    def test_used_up_expired_and_allocated_elsewhere(self):
        used = item(10, 5, consumed_by=3)
        assert "was used up by a build" in scan.item_refusal(used, "R 10k", today=TODAY, allow_expired=False)
        old = item(10, 5, expiry_date=dt.date(2026, 1, 1), batch="B1")
        assert "expired" in scan.item_refusal(old, "R 10k", today=TODAY, allow_expired=False)
        assert scan.item_refusal(old, "R 10k", today=TODAY, allow_expired=True) is None
        taken = item(10, 5, allocated=5)
        assert "already allocated elsewhere" in scan.item_refusal(taken, "R 10k", today=TODAY, allow_expired=False)

    def test_a_full_line_takes_no_more_unless_tracked(self):
        assert scan.line_refusal(line(1, 10, 5, allocated=5)) is not None
        assert scan.line_refusal(line(1, 10, 5, allocated=5, trackable=True)) is None


class TestBuildStatus:
    def test_what_each_state_allows(self):
        from buildtui.rules.status import BuildStatus

        assert BuildStatus.of(20) is BuildStatus.PRODUCTION and BuildStatus.of(99) is None
        assert [s.name for s in BuildStatus if s.can_issue] == ["PENDING", "ON_HOLD"]
        assert [s.name for s in BuildStatus if s.can_hold] == ["PENDING", "PRODUCTION"]
        assert [s.name for s in BuildStatus if s.can_finish] == ["PRODUCTION"]
        assert not BuildStatus.COMPLETE.active and BuildStatus.ON_HOLD.active
