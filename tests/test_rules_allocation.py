"""The allocation rules on their own: plain data in, proposals and refusals out, no UI and no server."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

from buildtui.api.models import BuildLine, PartBrief, StockItem
from buildtui.rules import allocation as rules

TODAY = dt.date(2026, 6, 15)
D = Decimal


def line(pk: int = 1, *, quantity: str = "8", allocated: str = "0", consumed: str = "0", **kw: object) -> BuildLine:
    return BuildLine(
        pk=pk,
        build=1,
        bom_item=pk,
        part=100 + pk,
        quantity=D(quantity),
        allocated=D(allocated),
        consumed=D(consumed),
        part_detail=PartBrief(pk=100 + pk, name=f"Part {pk}"),
        **kw,
    )


def item(
    pk: int,
    quantity: str = "4",
    *,
    allocated: str = "0",
    expiry: dt.date | None = None,
    expired: bool = False,
    batch: str = "",
    serial: str | None = None,
) -> StockItem:
    return StockItem(
        pk=pk,
        part=101,
        quantity=D(quantity),
        allocated=D(allocated),
        expiry_date=expiry,
        expired=expired,
        batch=batch or f"B{pk}",
        serial=serial,
    )


class TestProposedQuantity:
    def test_never_more_than_the_line_still_needs(self) -> None:
        """A reel of 50 for a line needing 25 proposes 25."""
        assert rules.proposed_quantity(line(quantity="25"), item(1, "50"), TODAY) == 25

    def test_never_more_than_the_item_has_free(self) -> None:
        """An item with 4 of 10 free proposes 4 for a line needing 8."""
        assert rules.proposed_quantity(line(), item(1, "10", allocated="6"), TODAY) == 4

    def test_fully_allocated_line_proposes_nothing(self) -> None:
        """Required 25, allocated 25: nothing is proposed, not the whole reel."""
        assert rules.proposed_quantity(line(quantity="25", allocated="25"), item(1, "50"), TODAY) == 0

    def test_consumed_counts_as_done(self) -> None:
        """Required 25, 20 consumed and 5 allocated: nothing more is needed."""
        assert rules.proposed_quantity(line(quantity="25", allocated="5", consumed="20"), item(1, "50"), TODAY) == 0

    def test_expired_stock_is_never_proposed(self) -> None:
        """An expired batch proposes nothing, even when the line needs it."""
        assert rules.proposed_quantity(line(), item(1, expiry=dt.date(2026, 6, 1)), TODAY) == 0

    def test_serialised_stock_one_at_a_time(self) -> None:
        """A serialised item proposes 1."""
        assert rules.proposed_quantity(line(), item(1, "1", serial="101"), TODAY) == 1


class TestOutputNeed:
    def test_one_output_takes_its_share_less_what_it_has(self) -> None:
        """A tracked line of 24 for 24 units: an output of 1 needs 1, an output of 4 needs 4, and one that
        already has its part needs nothing (the rest of the line is other outputs')."""
        from buildtui.api.models import BuildItem

        tracked = line(quantity="24", allocations=[BuildItem(pk=1, stock_item=9, quantity=D(1), install_into=50)])
        assert rules.output_need(tracked, D(24), item(60, "1")) == 1
        assert rules.output_need(tracked, D(24), item(61, "4")) == 4
        assert rules.output_need(tracked, D(24), item(50, "1")) == 0


class TestExpiry:
    def test_expired_by_date_or_by_the_servers_flag(self) -> None:
        """Past its date, or flagged expired by the server: expired; today's date is not past."""
        assert rules.is_expired(item(1, expiry=dt.date(2026, 6, 14)), TODAY)
        assert rules.is_expired(item(1, expired=True), TODAY)
        assert not rules.is_expired(item(1, expiry=TODAY), TODAY)
        assert not rules.is_expired(item(1), TODAY)

    def test_marked_in_words(self) -> None:
        """The Expiry cell of an expired item reads EXPIRED and its date; a fresh one just its date."""
        assert rules.expiry_text(item(1, expiry=dt.date(2026, 6, 5)), TODAY) == "EXPIRED 2026-06-05"
        assert rules.expiry_text(item(1, expiry=dt.date(2026, 7, 5)), TODAY) == "2026-07-05"
        assert rules.expiry_text(item(1), TODAY) == "-"

    def test_refused_when_the_server_forbids_it(self) -> None:
        """Setting off: choosing an expired batch is refused with the batch, the date and the setting named."""
        said = rules.expired_refusal(
            item(1, expiry=dt.date(2026, 6, 5), batch="GSK-2311"), today=TODAY, allow_expired=False
        )
        assert said is not None
        assert "Batch GSK-2311 expired on 2026-06-05" in said and "STOCK_ALLOW_EXPIRED_BUILD" in said

    def test_allowed_when_the_setting_is_on(self) -> None:
        """Setting on: an expired batch may be chosen; a fresh one may always be."""
        assert rules.expired_refusal(item(1, expiry=dt.date(2026, 6, 5)), today=TODAY, allow_expired=True) is None
        assert rules.expired_refusal(item(1), today=TODAY, allow_expired=False) is None

    def test_unreadable_setting_means_the_default_off(self) -> None:
        """Setting unknown: refused, saying the setting could not be read."""
        said = rules.expired_refusal(item(1, expired=True), today=TODAY, allow_expired=None)
        assert said is not None and "could not be read" in said


class TestOrder:
    def test_first_to_expire_then_oldest_then_expired_last(self) -> None:
        """FIFO: the earliest expiry first, items without expiry by age, expired stock at the end."""
        expired = item(1, expiry=dt.date(2026, 5, 1))
        soon = item(5, expiry=dt.date(2026, 7, 1))
        later = item(2, expiry=dt.date(2027, 1, 1))
        old, new = item(3), item(4)
        assert rules.fifo([new, expired, old, later, soon], TODAY) == [soon, later, old, new, expired]

    def test_default_candidate_is_never_expired(self) -> None:
        """The picker starts on the first usable item, past an expired one that expires first."""
        expired, fresh = item(1, expiry=dt.date(2026, 5, 1)), item(2, expiry=dt.date(2027, 1, 1))
        assert rules.default_candidate(line(), [expired, fresh], TODAY) is fresh

    def test_no_default_when_only_expired_or_nothing_needed(self) -> None:
        """Only expired stock, or a line that needs nothing: no item is pre-selected."""
        assert rules.default_candidate(line(), [item(1, expired=True)], TODAY) is None
        assert rules.default_candidate(line(allocated="8"), [item(1)], TODAY) is None


class TestNeedSentence:
    def test_says_what_is_still_needed(self) -> None:
        """Needing 5: 'needs 5 more' with the figures."""
        said = rules.need_sentence(line(quantity="25", allocated="20"))
        assert "needs 5 more (required 25, allocated 20, consumed 0)" in said

    def test_fully_allocated_line_says_so(self) -> None:
        """Required 25, allocated 25: 'fully allocated', and that nothing is proposed."""
        said = rules.need_sentence(line(quantity="25", allocated="25"))
        assert "fully allocated: nothing more is needed" in said and "Nothing is proposed" in said
        assert "needs 0 more" not in said

    def test_over_allocated_line_says_by_how_much(self) -> None:
        """50 allocated for 25: 'over-allocated by 25'."""
        assert "over-allocated by 25" in rules.need_sentence(line(quantity="25", allocated="50"))


class TestSeveralLines:
    def test_a_line_needing_8_from_items_of_4_gets_8(self) -> None:
        """Two items of 4 cover a line needing 8: both are proposed, oldest first."""
        [p] = rules.propose_lines([line()], {1: [item(12), item(11)]}, TODAY)
        assert [(t.item.pk, t.quantity) for t in p.takes] == [(11, Decimal(4)), (12, Decimal(4))]
        assert p.proposed == 8 and p.short == 0 and p.shortfall() is None

    def test_stock_shared_by_two_lines_is_not_promised_twice(self) -> None:
        """Two lines needing 3 each from one item with 4 free: 3 and 1, the second short by 2."""
        shared = item(1, "4")
        first, second = rules.propose_lines(
            [line(1, quantity="3"), line(2, quantity="3")], {1: [shared], 2: [shared]}, TODAY
        )
        assert first.proposed == 3 and second.proposed == 1 and second.short == 2

    def test_expired_stock_is_left_out_and_said(self) -> None:
        """Fresh 4 and expired 10 for a line needing 6: 4 proposed, short by 2, the expired 10 named."""
        [p] = rules.propose_lines([line(quantity="6")], {1: [item(1, "10", expired=True), item(2)]}, TODAY)
        assert [t.item.pk for t in p.takes] == [2] and p.short == 2 and p.expired_left == 10
        assert p.shortfall() == "short by 2: 4 of 6 proposed, no more free stock (10 expired, not proposed)"

    def test_no_stock_at_all(self) -> None:
        """No candidates: nothing proposed, short by everything, said in words."""
        [p] = rules.propose_lines([line()], {}, TODAY)
        assert p.takes == [] and p.shortfall() == "short by 8: 0 of 8 proposed, no free stock"

    def test_lines_that_get_no_proposal_say_why(self) -> None:
        """Tracked, consumable and fully allocated lines are skipped, each with its reason."""
        tracked, consumable, full = line(1, trackable=True), line(2, consumable=True), line(3, allocated="8")
        got = rules.propose_lines([tracked, consumable, full], {1: [item(1)], 2: [item(2)], 3: [item(3)]}, TODAY)
        assert [p.skipped for p in got] == [
            "tracked part: allocate to each output",
            "consumable: not allocated",
            "fully allocated: nothing proposed",
        ]
        assert all(p.takes == [] and p.short == 0 for p in got)

    def test_fully_allocated_items_are_passed_over(self) -> None:
        """An item with nothing free is skipped; the next one is used."""
        [p] = rules.propose_lines([line(quantity="2")], {1: [item(1, allocated="4"), item(2)]}, TODAY)
        assert [(t.item.pk, t.quantity) for t in p.takes] == [(2, Decimal(2))]


class TestShareMarked:
    """Several stock items marked in one line's picker share the total typed, oldest first."""

    @staticmethod
    def takes(share: rules.Share) -> list[tuple[int, Decimal]]:
        return [(t.item.pk, t.quantity) for t in share.takes]

    def test_first_item_covers_it_the_next_takes_nothing(self) -> None:
        """90 needed, 150 and 350 free: 90 from the older, 0 from the other (BO-0019's C-100N)."""
        got = rules.share(D(90), [item(2, "350"), item(1, "150")], TODAY)
        assert self.takes(got) == [(1, D(90)), (2, D(0))]
        assert got.total == 90 and got.uncovered == 0 and [s.pk for s in got.idle] == [2]

    def test_each_takes_what_it_has_free_until_covered(self) -> None:
        """200 from 150 free (of 160, 10 allocated) and 350: 150 then 50."""
        got = rules.share(D(200), [item(1, "160", allocated="10"), item(2, "350")], TODAY)
        assert self.takes(got) == [(1, D(150)), (2, D(50))] and got.uncovered == 0 and got.idle == []

    def test_oldest_first_whatever_the_order_marked(self) -> None:
        """The first to expire is used first, then the lowest pk; expired stock last."""
        soon = item(3, "5", expiry=dt.date(2026, 7, 1))
        old = item(1, "5")
        expired = item(2, "5", expiry=dt.date(2026, 1, 1))
        got = rules.share(D(12), [old, expired, soon], TODAY)
        assert self.takes(got) == [(3, D(5)), (1, D(5)), (2, D(2))]

    def test_not_enough_free_says_what_is_uncovered(self) -> None:
        """20 asked of 4 + 4 free: both give all they have, 12 is not covered."""
        got = rules.share(D(20), [item(1), item(2)], TODAY)
        assert self.takes(got) == [(1, D(4)), (2, D(4))] and got.uncovered == 12

    def test_serialised_items_one_each_while_one_is_left(self) -> None:
        """2.5 over three serial numbers: 1, 1, then 0 (half a serialised item is never taken)."""
        serials = [item(pk, "1", serial=str(1000 + pk)) for pk in (1, 2, 3)]
        got = rules.share(D("2.5"), serials, TODAY)
        assert self.takes(got) == [(1, D(1)), (2, D(1)), (3, D(0))] and got.uncovered == D("0.5")

    def test_said_in_words(self) -> None:
        """The summary under the quantity, an over-allocation on purpose, and each refusal by its field."""
        fine = rules.share(D(200), [item(1, "150"), item(2, "350")], TODAY)
        assert rules.share_summary(fine, D(90)) == "2 marked: 150 + 50 = 200 · 110 more than the line needs"
        assert rules.share_summary(rules.share(D(8), [item(1), item(2)], TODAY), D(8)) == "2 marked: 4 + 4 = 8"
        idle = rules.share(D(4), [item(1), item(2)], TODAY)
        assert rules.share_refusals(idle) == [
            (
                "candidates",
                "batch B2 takes nothing: the stock marked before it covers the 4. Unmark it (Space on the list) "
                "or raise the total.",
            )
        ]
        short = rules.share(D(9), [item(1), item(2)], TODAY)
        assert rules.share_refusals(short) == [
            ("quantity", "The marked stock has 8 free: 1 of the 9 are not covered. Mark more stock or lower the total.")
        ]
        assert rules.share_summary(short, D(9)) == rules.share_refusals(short)[0][1]

    def test_item_with_nothing_free_takes_nothing(self) -> None:
        """An item allocated elsewhere in full takes 0 and the next covers the total."""
        got = rules.share(D(3), [item(1, allocated="4"), item(2)], TODAY)
        assert self.takes(got) == [(1, D(0)), (2, D(3))] and got.of(1) == 0 and got.of(9) is None


def test_rules_import_no_textual() -> None:
    """The rules package stays Textual-free (it is imported by dialogs, never the other way round)."""
    code = "import sys, buildtui.rules.allocation; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
