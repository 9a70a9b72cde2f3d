"""POST /api/build/{id}/{action}/ as the chosen API version answers it (shared/docs/inventree-api-versions.md §2).

The checks always run in the request (InvenTree's serializers validate before offloading), so a refusal is the
same 400 on every version. What differs is when the work is done and what the answer says:

- done in the request, 201 with the echo (425; 477 for the output actions), or with a finished TaskDetail (legacy);
- queued for the worker, 200 with a pending TaskDetail (``ApiProfile.task_actions``): the request only validates
  (by doing the work and rolling it back), and the worker does it ``Simulator.task_delay_s`` later;
- finish/ and cancel/ keep their 201 echo, but with a worker part of their effect comes later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse

from . import actions
from . import serializers as ser
from .db import Database, Row
from .rules import ApiError
from .state import Simulator
from .tasks import BackgroundTask, done_in_request
from .versions import OUTPUT_TASKS

Action = Callable[[Database, Row, dict[str, Any], int], dict[str, Any]]

ACTIONS: dict[str, Action] = {
    "allocate": lambda db, b, body, user: actions.allocate(db, b, body),
    "auto-allocate": lambda db, b, body, user: actions.auto_allocate(db, b, body),
    "unallocate": lambda db, b, body, user: actions.unallocate(db, b, body),
    "consume": lambda db, b, body, user: actions.consume(db, b, body),
    "complete": lambda db, b, body, user: actions.complete_outputs(db, b, body),
    "scrap-outputs": lambda db, b, body, user: actions.scrap_outputs(db, b, body),
    "delete-outputs": lambda db, b, body, user: actions.delete_outputs(db, b, body),
    "finish": lambda db, b, body, user: actions.finish(db, b, body, user),
    "cancel": lambda db, b, body, user: actions.cancel(db, b, body, user),
    "issue": lambda db, b, body, user: actions.issue(db, b),
    "hold": lambda db, b, body, user: actions.hold(db, b),
}
NAMES = frozenset(ACTIONS) | {"create-output"}


def run(sim: Simulator, name: str, build_id: int, body: dict[str, Any], user_id: int) -> JSONResponse:
    """Carry out (or queue) build action ``name``; raises ApiError with InvenTree's answer on refusal."""
    db, api = sim.db, sim.api
    build = db.get("build", build_id)
    if build is None:
        if name in api.not_found_404:
            raise ApiError(404, {"detail": "Build not found"})
        actions.get_build_for_action(db, build_id)  # 500 KeyError, as the older code paths answer
    assert build is not None
    if name == "create-output":
        created = actions.create_output(db, build, body)
        rows = [
            ser.stock_row(db, db.get("stock", pk), part_detail=True, location_detail=True)  # type: ignore[arg-type]
            for pk in created
        ]
        return JSONResponse(rows, status_code=201)
    if name in api.task_actions:
        return JSONResponse(_offload(sim, name, build, body, user_id).detail(), status_code=200)
    if name == "finish" and api.worker:
        return JSONResponse(_finish_with_worker(sim, build, body, user_id), status_code=201)
    if name == "cancel" and api.worker:
        return JSONResponse(_cancel_with_worker(sim, build, body, user_id), status_code=201)
    result = ACTIONS[name](db, build, body, user_id)
    if name in ("auto-allocate", "consume") and api.sync_answer == "task":
        result = done_in_request()
    return JSONResponse(result, status_code=201)


def queue(sim: Simulator, key: str, work: Callable[[], None]) -> BackgroundTask:
    """Hand ``work`` to the worker, unless the same work is already queued (then that task is the answer)."""
    task = sim.tasks.pending(key)
    if task is not None:
        return task
    fail = sim.fail_next_tasks > 0
    if fail:
        sim.fail_next_tasks -= 1
    return sim.tasks.submit(key, work, delay_s=sim.task_delay_s, fail=fail)


def _key(name: str, build_id: int, body: dict[str, Any]) -> str:
    return f"{name} {build_id} {json.dumps(body, sort_keys=True, default=str)}"


def _offload(sim: Simulator, name: str, build: Row, body: dict[str, Any], user_id: int) -> BackgroundTask:
    db, action, build_id = sim.db, ACTIONS[name], int(build["id"])
    with db.rolled_back():
        action(db, build, body, user_id)  # the checks, with InvenTree's 400 bodies; the work is undone

    def work() -> None:
        current = db.get("build", build_id)
        if current is None:
            raise LookupError(f"build {build_id} is gone")
        data = body
        if name in OUTPUT_TASKS:  # the worker skips outputs that are no longer in production
            data = {**body, "outputs": [o for o in body.get("outputs") or [] if _building(db, o)]}
            if not data["outputs"]:
                return
        action(db, current, data, user_id)

    return queue(sim, _key(name, build_id, body), work)


def _building(db: Database, entry: Any) -> bool:
    out = db.get("stock", entry.get("output")) if isinstance(entry, dict) else None
    return bool(out and out["is_building"])


def _finish_with_worker(sim: Simulator, build: Row, body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """477: COMPLETE at once, allocations carried out by the worker. 530: all of it in the worker."""
    db, build_id = sim.db, int(build["id"])
    echo = actions.check_finish(db, build, body)
    over = str(echo["accept_overallocated"])
    if not sim.api.finish_in_worker:
        actions.close_build(db, build, over, user_id)

    def work() -> None:
        current = db.get("build", build_id)
        if current is None:
            raise LookupError(f"build {build_id} is gone")
        if sim.api.finish_in_worker:
            if current["status"] == 40:
                return  # _action_complete returns early on a build that is already complete
            actions.close_build(db, current, over, user_id)
        actions.complete_allocations(db, current)

    queue(sim, f"finish {build_id}", work)
    return echo


def _cancel_with_worker(sim: Simulator, build: Row, body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """CANCELLED at once; the allocations are removed (or carried out) by the worker. 530: a repeat does nothing."""
    db, build_id = sim.db, int(build["id"])
    echo = actions.check_cancel(body)
    if sim.api.cancel_twice_noop and build["status"] == 30:
        return echo
    if echo["remove_incomplete_outputs"]:
        actions.remove_building_outputs(db, build)
    actions.mark_cancelled(db, build, user_id)

    def work() -> None:
        current = db.get("build", build_id)
        if current is None:
            raise LookupError(f"build {build_id} is gone")
        actions.release_allocations(db, current, bool(echo["remove_allocated_stock"]))

    queue(sim, _key("cancel", build_id, body), work)
    return echo
