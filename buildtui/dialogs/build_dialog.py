"""The base of the dialogs that act on the build the detail screen shows: each describes its change as a
``Write`` and ``BuildActions`` sends it, checks a lost answer and says what became of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api import ApiError
from ..format import qty
from ..state.actions import BuildActions, Outcome, Running, Write
from ..widgets.safe import clean
from .form import FormDialog

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel


class BuildDialog(FormDialog["str | Running"]):
    """A dialog acting on the build shown by the detail screen; it answers with a one-line summary.

    Subclasses describe their change with ``write()`` (``BuildActions`` sends it and checks lost answers).
    """

    def __init__(self, model: BuildDetailModel) -> None:
        super().__init__()
        self.model = model
        self.actions = BuildActions(model)

    def write(self) -> Write[Any]:
        raise NotImplementedError

    async def attempt(self) -> Outcome[Any]:
        return await self.actions.run(self.write())

    def result_of(self, outcome: Outcome[Any]) -> str | Running:
        """A sentence when done; what to follow when the server is still doing it (a background task)."""
        return outcome.running if outcome.running is not None else outcome.message

    async def explain_refusal(self, exc: ApiError) -> list[str]:
        """The build itself changed since the dialog opened (completed, cancelled, put on hold elsewhere)?"""
        was = self.model.build
        now = await self.model.read_build()
        if was is None or (now.status, now.completed) == (was.status, was.completed):
            return []
        self.model.build = now
        code = self.model.store.status_code(now.status_key)
        status = code.label if code else (now.status_text or str(now.status))
        return [
            f"Someone else changed this build meanwhile: it is now {clean(status)}, "
            f"{qty(now.completed)} of {qty(now.quantity)} completed."
        ]
