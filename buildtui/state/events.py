"""What the state layer tells whoever listens: past-tense facts, in the order they happened.

The store publishes an event after every read that changed what a screen shows, every write and every
change of connection health; screens subscribe (the app turns each event into a Textual message) and tests
read ``Events.history`` to assert what happened, in order, without reaching into privates. No Textual here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class Event:
    """Something that happened in the state layer."""


E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class SessionStarted(Event):
    username: str
    api_version: int


@dataclass(frozen=True)
class ConnectionChanged(Event):
    online: bool
    reason: str = ""


@dataclass(frozen=True)
class ListLoaded(Event):
    """The build list's rows were read: ``requests`` it took (a poll of the page on screen is 1)."""

    rows: int
    count: int
    requests: int = 1


@dataclass(frozen=True)
class BuildLoaded(Event):
    """Parts of one build were read (of "build", "lines", "outputs", "children")."""

    build: int
    parts: tuple[str, ...]


@dataclass(frozen=True)
class WriteSent(Event):
    build: int
    what: str


@dataclass(frozen=True)
class WriteFinished(Event):
    """A write ended: ``result`` is the outcome's name (done, refused, not done, unknown, failed, pending)."""

    build: int
    what: str
    result: str
    message: str


@dataclass(frozen=True)
class TaskFinished(Event):
    """A write the server carried out in the background (a task, a settling build) ended."""

    build: int
    what: str
    result: str
    message: str


Listener = Callable[[Event], None]


class Events:
    """A small synchronous publisher with a bounded history."""

    def __init__(self, keep: int = 500) -> None:
        self.history: deque[Event] = deque(maxlen=keep)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on; returns the function that stops it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def publish(self, event: Event) -> None:
        self.history.append(event)
        for listener in list(self._listeners):
            listener(event)

    def of(self, kind: type[E]) -> list[E]:
        """The events of one kind so far, oldest first."""
        return [e for e in self.history if isinstance(e, kind)]
