"""What a write is and what became of it: the types the state layer's actions and the screens share.

``Write`` describes one change to a build (how to send it, how to recognise it on the server after a lost
answer, what to show while the server still works on it); ``Outcome`` says what became of it; ``Running`` is a
write the server accepted and carries out in the background. ``BuildActions`` (state/actions.py) makes and
runs them. No Textual here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from ..api import ApiError
from ..api.models import TaskDetail

T = TypeVar("T")


class Result(Enum):
    DONE = "done"  # the server answered: carried out
    REFUSED = "refused"  # the server answered: refused (field errors, a state that does not allow it)
    NOT_DONE = "not done"  # the answer was lost; re-read: certainly not carried out (may be sent again)
    UNKNOWN = "unknown"  # the answer was lost and the re-read cannot tell: look before sending again
    FAILED = "failed"  # not sent, or the server failed (unreachable, 500, a failed task): may be sent again
    SIGN_IN = "sign in"  # the token is no longer accepted
    PENDING = "pending"  # accepted; the server is still doing it (a background task, a build that settles)


@dataclass
class Outcome(Generic[T]):
    """What became of one write. ``message`` is a sentence for the operator; ``value`` the server's answer."""

    result: Result
    message: str
    error: ApiError | None = None
    value: T | None = None
    running: Running | None = None  # PENDING: what to follow

    @property
    def done(self) -> bool:
        return self.result is Result.DONE

    @property
    def may_retry(self) -> bool:
        return self.result in (Result.NOT_DONE, Result.FAILED, Result.REFUSED)


Check = Callable[[], Awaitable[bool | None]]


@dataclass
class Write(Generic[T]):
    """One write: ``send`` it once; ``took_effect`` re-reads the server and recognises this very change
    (True: there, False: certainly not there, None: cannot tell); ``done`` words the success."""

    what: str  # "allocate stock": completes "Could not …" and "it did NOT …"
    send: Callable[[], Awaitable[T]]
    done: Callable[[T | None], str]
    took_effect: Check | None = None
    #: sending it twice does no harm (auto-allocate only fills what lines still need)
    idempotent: bool = False
    #: the action's name (the key's action: "complete_outputs"): not offered again while this one runs
    kind: str = ""
    #: what the operator reads while the server works on it ("completing 2 outputs")
    pending: str = ""
    #: the rows it changes ("o12" an output, "l5" a line, "build"): marked while it runs
    affects: frozenset[str] = frozenset()
    #: for a change the server makes after answering, with no task to follow (finish, cancel on newer
    #: servers): True once the build shows it
    settled: Check | None = None
    #: the final sentence, worked out from a re-read once it is done (the auto-allocation summary)
    after: Callable[[T | None], Awaitable[str]] | None = None
    #: newer servers carry it out in their worker, a moment after answering
    background: bool = False


@dataclass
class Running:
    """A write the server accepted and is still carrying out."""

    write: Write[Any]
    task: TaskDetail | None
    started: float

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def describe(self) -> str:
        return f"{self.write.pending or self.write.what}… {self.elapsed:.0f} s"
