"""The kit move: the stock allocated to a build (or to some of its lines) goes to one location, and every
allocation goes with it (state/kitting.py does it, rules/kitting.py decides what happens to each item).

The dialog reads the build's allocations afresh when it opens and shows, before anything is sent, what goes
where: which items move whole, which are split (the allocated part becomes a new item at the kit), which are
there already and which are held back, and why. Only Enter on «Move» sends it (a destructive dialog: stock
moves), once; a refusal leaves the location and the choice of lines as they were, with the server's reason
named per item; once moved, the result says where every allocation ended up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Select, Static

from ..api import ApiError, ValidationFailed
from ..api.models import BuildItem
from ..rules.kitting import KitPlan, Move
from ..state.kitting import KitResult, Kitting
from ..state.scan import LocationScanned, Scanned, ScanRefused, ScanReply
from ..state.writes import Outcome, Running
from ..widgets.safe import clean
from ..widgets.tick_box import FieldSelect
from .build_dialog import BuildDialog
from .form import FieldError, field

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel

ALL, MARKED, LINE = "all", "marked", "line"


class KitDialog(BuildDialog):
    """Where to (scan a location, or choose it), which lines (the whole build, the marked lines, the line of
    the selected row), and the plan; «Move» sends one transfer and re-points what the splits left behind."""

    TITLE_TEXT = "Move the kit"
    SUBMIT_LABEL = "Move"
    DESTRUCTIVE = GUARD_TYPING = True
    DOES = "moves the stock"
    FIELD_MAP = {"location": "location"}

    def __init__(
        self,
        model: BuildDetailModel,
        *,
        location: int | None = None,
        marked: Sequence[int] = (),
        line: int | None = None,
    ) -> None:
        super().__init__(model)
        self.kitting = Kitting(self.actions)
        self.start_location = location
        self.marked = list(marked)
        self.line = line
        #: the build's allocations as read when the dialog opened (None: still reading)
        self.allocations: list[BuildItem] | None = None
        self.plan: KitPlan | None = None
        self._sent: KitPlan | None = None  # the plan of the last send, to name the items a refusal is about

    # -- fields --------------------------------------------------------------------------------------
    def compose_fields(self) -> ComposeResult:
        store = self.model.store
        places = sorted((loc for loc in store.locations or [] if not loc.structural), key=lambda x: x.path)
        options = [(Text(clean(loc.path)), loc.pk) for loc in places]
        known = {pk for _, pk in options}
        start = self.start_location if self.start_location in known else Select.NULL
        yield from field(
            "Kit location (scan it, or choose)",
            FieldSelect(options, value=start, prompt="Scan the kit location", id="location"),
            "location",
        )
        scopes: list[tuple[Text, str]] = [(Text("The whole build"), ALL)]
        if self.marked:
            scopes.append((Text(f"The {len(self.marked)} marked line(s)"), MARKED))
        chosen = self.model.line(self.line) if self.line is not None else None
        if chosen is not None:
            scopes.append((Text(f"Line {clean(chosen.part_label)} (the selected row)"), LINE))
        yield from field(
            "Move the stock allocated to",
            FieldSelect(scopes, value=MARKED if self.marked else ALL, allow_blank=False, id="scope"),
            "scope",
        )
        yield Static(Content("Reading the pick list from the server…"), id="kit-plan")

    def initial_focus(self) -> str | None:
        return "#submit" if self.start_location is not None else "#location"

    def on_mount(self) -> None:
        super().on_mount()
        self._read()

    @work(group="kit-read", exclusive=True, exit_on_error=False)
    async def _read(self) -> None:
        try:
            self.allocations = await self.kitting.read()
        except ApiError as exc:
            self.show_errors({"form": [f"Could not read the pick list: {exc.title}: {exc}. Esc, then try again."]})
            return
        except Exception:  # noqa: BLE001 - a bug: logged, said in a sentence, the dialog stays usable
            import logging

            logging.getLogger("buildtui.dialogs").exception("reading the kit failed")
            self.show_errors({"form": ["Something went wrong reading the pick list; the details are in the log."]})
            return
        self.replan()

    # -- the plan ------------------------------------------------------------------------------------------
    def destination(self) -> int | None:
        value = self.query_one("#location", Select).value
        return value if isinstance(value, int) else None

    def lines(self) -> list[int] | None:
        """The lines whose allocations move (None: every line)."""
        scope = self.query_one("#scope", Select).value
        if scope == MARKED:
            return self.marked
        if scope == LINE and self.line is not None:
            return [self.line]
        return None

    @on(Select.Changed)
    def _choice_changed(self) -> None:
        self.replan()

    def replan(self) -> None:
        if self.allocations is None:
            return
        destination = self.destination()
        lines = self.lines()
        count = len([a for a in self.allocations if lines is None or a.build_line in lines])
        if destination is None:
            self.plan = None
            text = f"{count} allocation(s) to move. Scan the kit location, or choose it above."
        else:
            self.plan = self.kitting.plan(self.allocations, destination, lines)
            text = plan_text(self.plan, self.model.store.location_name(destination))
        self.query_one("#kit-plan", Static).update(Content(text))

    def validate_local(self) -> dict[str, list[str]]:
        if self.allocations is None:
            return {"form": ["Still reading the pick list from the server; a moment."]}
        if self.destination() is None:
            return {"location": ["Scan the kit location, or choose it."]}
        plan = self.plan
        if plan is None or not plan.allocation_count:
            return {"form": ["Nothing is allocated here: there is nothing to move."]}
        if not plan.sending:
            return {"form": ["Nothing to move: every item is at the kit location already or held back (see above)."]}
        return {}

    # -- sending -------------------------------------------------------------------------------------------
    async def attempt(self) -> Outcome[Any]:
        assert self.plan is not None
        self._sent = self.plan
        b = self.model.build
        notes = f"Kit for {b.reference}" if b is not None else "Kit"
        return await self.kitting.move(self.plan, notes, progress=self._progress)

    def _progress(self, text: str) -> None:
        """What the move is doing after the transfer, under the plan (a large kit takes a while to re-point)."""
        self.query_one("#err-form", FieldError).show([text] if text else [], note=True)

    def result_of(self, outcome: Outcome[Any]) -> str | Running:
        result = outcome.value
        return result.summary() if isinstance(result, KitResult) else outcome.message

    def show_failure(self, exc: ApiError, meanwhile: Sequence[str] = ()) -> None:
        """A refused transfer moved nothing (one request, all or nothing): each refusal named by its item."""
        sent = self._sent
        per_item = exc.items.get("items") if isinstance(exc, ValidationFailed) else None
        if sent is None or not per_item:
            super().show_failure(exc, meanwhile)
            return
        assert isinstance(exc, ValidationFailed)
        said = ["The server moved nothing:"]
        for move, errors in zip(sent.sending, per_item, strict=False):
            said += [f"{move.name}: {m}" for messages in errors.values() for m in messages]
        errors_shown: dict[str, list[str]] = {"form": [*meanwhile, *said, *exc.non_field]}
        if exc.fields.get("location"):
            errors_shown["location"] = exc.fields["location"]
        self.show_errors(errors_shown)

    async def explain_refusal(self, exc: ApiError) -> list[str]:
        """The build, and its allocations, read again: the plan shown is then what the server has now."""
        said = await super().explain_refusal(exc)
        before = self.plan
        self.allocations = await self.kitting.read()
        self.replan()
        if before is not None and self.plan is not None and _shape(before) != _shape(self.plan):
            said.append("The pick list changed meanwhile: the plan above is what the server has now.")
        return said

    # -- scans ---------------------------------------------------------------------------------------------
    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        """A scanned location becomes the kit location (not while the move is being sent)."""
        if not isinstance(scanned, LocationScanned):
            return None
        if self.busy:
            raise ScanRefused("The kit move is being sent: scan again once it has answered.")
        place = next((loc for loc in self.model.store.locations or [] if loc.pk == scanned.pk), None)
        if place is not None and place.structural:
            raise ScanRefused(f"{clean(scanned.name)} is structural: stock cannot be put there. Scan a location in it.")
        self.query_one("#location", Select).value = scanned.pk
        self.query_one("#submit").focus()
        return ScanReply(f"Kit location: {clean(scanned.name)}. Enter on «Move» moves the stock.")


def plan_text(plan: KitPlan, destination: str) -> str:
    """The plan, one line per item: what goes where, before anything is sent."""
    n = plan.allocation_count
    lines = [f"To {clean(destination)}: {plan.counts()} ({n} allocation{'' if n == 1 else 's'})."]
    if plan.repoints:
        lines.append("Split: the allocated part moves as a new item, its allocation with it.")
    for kind in (Move.WHOLE, Move.SPLIT, Move.HELD, Move.THERE):
        lines += [f"• {clean(m.describe())}" for m in plan.of(kind)]
    return "\n".join(lines)


def _shape(plan: KitPlan) -> list[tuple[int, str, str]]:
    return [(m.stock.pk, m.move.value, str(m.quantity)) for m in plan.moves]
