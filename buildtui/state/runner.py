"""Writes to one build, each with a typed outcome (``actions.py`` builds them); the one place that decides "did it take effect?" and
"is it done yet?".

Screens and dialogs build a ``Write`` (what to send, how to recognise the operator's own change on the
server) and ``BuildActions.run`` sends it once, never again by itself. When the answer is lost (timeout,
connection cut mid-answer, a proxy's 502/504), it re-reads the server and looks for *this* change: the
allocation of that stock item to that line with that quantity, those outputs gone from production, that
status. Only a change that is certainly not there is "not done" and may be sent again; a change that cannot
be told apart is "unknown", and the operator is asked to look before sending anything again.

Newer servers answer some writes before doing them: complete, scrap and delete outputs, auto-allocate and
consume answer with a background task (API 464-494+, docs/inventree-api-versions.md §1), and finish and
cancel change the build a moment after answering. Such a write is "pending" until ``BuildActions.follow``
has seen the task succeed (``GET /api/background-task/<id>/``, backing off) or the build settle; only then
is it "done". A task that fails is "failed", never "done". No Textual here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from ..api import ApiError, AuthenticationRequired, NotFound, ValidationFailed
from ..api.models import TaskDetail
from .build_detail import BuildDetailModel
from .events import TaskFinished, WriteFinished, WriteSent
from .writes import Outcome, Result, Running, Write

log = logging.getLogger("buildtui.actions")
T = TypeVar("T")
ZERO = Decimal(0)


#: how long a background task or a settling build is followed before the operator is told to look later
FOLLOW_LIMIT_S = 120.0
SETTLE_LIMIT_S = 20.0
LOST_ANSWER_WAIT_S = 8.0  # how long a lost answer's change may take to show when a worker does it
AUTO_ALLOCATE_QUIET_S = 5.0  # API 425: no change in this long after auto-allocate means nothing to allocate


class WriteRunner:
    """Runs the writes an operator makes on one build, through the store (so connection health stays true)."""

    def __init__(self, model: BuildDetailModel) -> None:
        self.model = model
        self.store = model.store
        self.client = model.store.client

    # -- running ------------------------------------------------------------------------------
    async def run(self, write: Write[T]) -> Outcome[T]:
        """Send ``write`` once and say what became of it (published as ``WriteSent`` then ``WriteFinished``)."""
        self.store.events.publish(WriteSent(self.model.pk, write.what))
        outcome = await self._run(write)
        self.store.events.publish(WriteFinished(self.model.pk, write.what, outcome.result.value, outcome.message))
        return outcome

    async def _run(self, write: Write[T]) -> Outcome[T]:
        try:
            value = await self.store.call(write.send)
        except AuthenticationRequired as exc:
            return Outcome(Result.SIGN_IN, str(exc), exc)
        except (ValidationFailed, NotFound) as exc:
            if not exc.outcome_unknown:
                return Outcome(Result.REFUSED, str(exc), exc)
            self.store.note_write()  # it may have changed the server's data
            return await self._after_lost_answer(write, exc)
        except ApiError as exc:
            if exc.outcome_unknown:
                self.store.note_write()
                return await self._after_lost_answer(write, exc)
            return Outcome(Result.FAILED, f"Could not {write.what}: {exc}", exc)
        # the server's data changed: noted before the write's own re-read (``after``), which is sent after it
        # and so shows the change (noted after it, the status line said "updating…" until the next poll)
        self.store.note_write()
        if isinstance(value, TaskDetail):
            if value.running:
                return self._pending(write, value)
            if not value.success:  # ran in the request and failed, or could not be queued
                return self._task_failed(write)
        elif write.settled is not None:
            try:
                settled = await self.store.call(write.settled)
            except ApiError:
                settled = None
            if not settled:
                return self._pending(write, None)
        return await self._finish(write, value)

    def _pending(self, write: Write[T], task: TaskDetail | None) -> Outcome[T]:
        running = Running(write, task, time.monotonic())
        self.model.running.append(running)
        return Outcome(Result.PENDING, running.describe(), value=None, running=running)

    def _task_failed(self, write: Write[Any]) -> Outcome[Any]:
        return Outcome(
            Result.FAILED,
            f"The server could not {write.what}: its background task failed (the server "
            "gives no reason; its admin page lists failed tasks). Nothing was done.",
        )

    async def _finish(self, write: Write[T], value: T | None) -> Outcome[T]:
        message = write.done(value)
        after = write.after
        if after is not None:
            try:
                message = await self.store.call(partial(after, value))
            except ApiError as exc:
                log.info("could not re-read after %r: %s", write.what, exc)
        return Outcome(Result.DONE, message, value=value)

    async def follow(self, running: Running, tick: Callable[[], None] | None = None) -> Outcome[Any]:
        """Wait for a pending write: poll its task (backing off 0.25 s to 2 s), or re-read the build until it
        settles. Done only when the task succeeded or the change shows; bounded, then the operator is told.
        Published as ``TaskFinished``."""
        outcome = await self._follow(running, tick)
        self.store.events.publish(
            TaskFinished(self.model.pk, running.write.what, outcome.result.value, outcome.message)
        )
        return outcome

    async def _follow(self, running: Running, tick: Callable[[], None] | None) -> Outcome[Any]:
        write, task = running.write, running.task
        limit = FOLLOW_LIMIT_S if task is not None else SETTLE_LIMIT_S
        delay = 0.25
        try:
            while True:
                await asyncio.sleep(delay)
                delay = min(delay * 1.6, 2.0)
                if tick is not None:
                    tick()
                try:
                    if task is not None:
                        now = await self.store.call(lambda: self.client.get_task(task.task_id))
                        if now.complete:
                            return await self._finish(write, None) if now.success else self._task_failed(write)
                    elif write.settled is not None:
                        shows: bool | None = await self.store.call(write.settled)
                        if shows:
                            return await self._finish(write, None)
                except NotFound:
                    if task is not None:  # the server forgot the task: look at the build instead
                        return Outcome(
                            Result.UNKNOWN,
                            f"The server no longer knows the task to {write.what}; "
                            "look at the build to see whether it was done.",
                        )
                except ApiError as exc:
                    log.info("following %r: %s", write.what, exc)
                if running.elapsed > limit:
                    return Outcome(
                        Result.UNKNOWN,
                        f"The server has not finished ({write.pending or write.what}) "
                        f"after {running.elapsed:.0f} s; look at the build later.",
                    )
        finally:
            if running in self.model.running:
                self.model.running.remove(running)

    async def _after_lost_answer(self, write: Write[T], exc: ApiError) -> Outcome[T]:
        """The write may or may not have been carried out: look for the operator's own change."""
        took = await self._check(write)
        if took is False and write.background and self._has_worker():
            # a newer server does this in its worker after answering: give it the time a task takes
            start = time.monotonic()
            delay = 0.5
            while took is False and time.monotonic() - start < LOST_ANSWER_WAIT_S:
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, 2.0)
                took = await self._check(write)
        log.info("answer to %r lost (%s); checked: %s", write.what, exc, took)
        if took is True:
            return Outcome(Result.DONE, f"{write.done(None)} (the server's answer was lost, but it took effect).", exc)
        if took is False and write.idempotent:
            # nothing shows it (it may have had nothing to do, or be slower than the wait): sending again is safe
            return Outcome(Result.NOT_DONE, f"{exc} Nothing shows it was done yet; trying again is safe.", exc)
        if took is False:
            return Outcome(Result.NOT_DONE, f"{exc} Checked again: it did NOT {write.what}.", exc)
        if write.idempotent:
            return Outcome(Result.NOT_DONE, f"{exc} It could not be checked, but trying again is safe.", exc)
        return Outcome(
            Result.UNKNOWN, f"{exc} It could not be checked whether it did. Look at the build before trying again.", exc
        )

    async def _check(self, write: Write[Any]) -> bool | None:
        if write.took_effect is None:
            return None
        try:
            return await self.store.call(write.took_effect)
        except ApiError as again:
            log.info("could not check whether %r took effect: %s", write.what, again)
            return None

    def _has_worker(self) -> bool:
        """Servers from API 464 on carry some writes out in a background worker, after answering."""
        info = self.client.server_info
        return info is None or info.apiVersion >= 464
