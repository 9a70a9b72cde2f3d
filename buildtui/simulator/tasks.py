"""The simulated background worker: queued work run after a delay on the server's event loop.

InvenTree's ``offload_task`` queues the work and answers at once; the worker runs it a moment later
(0.3-1.4 s measured on API 530). Here each task sleeps ``delay_s`` in an asyncio task on the server's loop,
then runs its work in one database transaction. A task that raises (``ApiError`` included) ends
``complete: true, success: false``, as does one marked to fail (it does nothing).
Identical work queued while the first is still pending gets the first one's id (``check_duplicates``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .db import Database

log = logging.getLogger("buildtui.simulator")

TaskState = Literal["pending", "succeeded", "failed"]


@dataclass
class BackgroundTask:
    task_id: str
    key: str  # what identifies "the same action" for duplicate suppression
    state: TaskState = "pending"

    def detail(self) -> dict[str, Any]:
        """The TaskDetail body (common/serializers.py TaskDetailSerializer)."""
        return {
            "task_id": self.task_id,
            "exists": True,
            "pending": self.state == "pending",
            "complete": self.state != "pending",
            "success": self.state == "succeeded",
            "http_status": 200,
        }


def unknown_task(task_id: str) -> dict[str, Any]:
    """The 404 body for an id the worker never had."""
    return {
        "task_id": task_id,
        "exists": False,
        "pending": False,
        "complete": False,
        "success": False,
        "http_status": 404,
    }


def done_in_request() -> dict[str, Any]:
    """The legacy answer: a TaskDetail for work already done before answering."""
    return {
        "task_id": uuid.uuid4().hex,
        "exists": True,
        "pending": False,
        "complete": True,
        "success": True,
        "http_status": 200,
    }


class TaskQueue:
    """Tasks by id. ``submit`` is called from a request handler, on the server's event loop."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.tasks: dict[str, BackgroundTask] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self._open = threading.Event()  # cleared by hold(): queued work waits, after its delay, until release()
        self._open.set()

    def hold(self) -> None:
        """From another thread (a test's): work queued or still waiting is not done until ``release()``, so
        that what a client shows while the server is busy can be looked at without racing the worker."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def pending(self, key: str) -> BackgroundTask | None:
        with self._lock:
            return next((t for t in self.tasks.values() if t.key == key and t.state == "pending"), None)

    def submit(self, key: str, work: Callable[[], None], *, delay_s: float, fail: bool = False) -> BackgroundTask:
        """Queue ``work``; it runs after ``delay_s`` (in a transaction), or, with ``fail``, fails doing nothing."""
        task = BackgroundTask(uuid.uuid4().hex, key)
        with self._lock:
            self.tasks[task.task_id] = task
        runner = asyncio.get_running_loop().create_task(self._run(task, work, delay_s, fail))
        self._running.add(runner)
        runner.add_done_callback(self._running.discard)
        return task

    async def _run(self, task: BackgroundTask, work: Callable[[], None], delay_s: float, fail: bool) -> None:
        await asyncio.sleep(delay_s)
        while not self._open.is_set():
            await asyncio.sleep(0.01)
        state: TaskState = "failed"
        if fail:
            log.info("background task %s (%s) failed, as asked", task.task_id, task.key.split(" ")[0])
        else:
            try:
                with self.db.transaction():
                    work()
                state = "succeeded"
            except Exception as exc:  # the worker records the exception; the API says only success: false
                log.info("background task %s (%s) failed: %s", task.task_id, task.key.split(" ")[0], exc)
        with self._lock:
            task.state = state

    def get(self, task_id: str) -> BackgroundTask | None:
        with self._lock:
            return self.tasks.get(task_id)

    def pending_count(self) -> int:
        return self.count("pending")

    def count(self, state: TaskState) -> int:
        with self._lock:
            return sum(1 for t in self.tasks.values() if t.state == state)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """From another thread (a test's): wait until no task is pending; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.pending_count():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True
