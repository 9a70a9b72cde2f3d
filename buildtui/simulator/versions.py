"""The InvenTree API versions the simulator can be (shared/docs/inventree-api-versions.md), and its default.

- ``425`` (InvenTree 1.2.0 dev): no background worker, so every action is done before its 201 answer;
  auto-allocate/ and consume/ answer with the echo of their options; no task endpoint. Build lines include
  part_detail, bom_item_detail, assembly_detail and allocations unless told not to; stock rows include part_detail.
- ``477`` (InvenTree 1.3.0, the schema seed): a worker; auto-allocate/ and consume/ answer 200 with a TaskDetail
  and do the work a moment later; finish/ and cancel/ set the status at once and carry out (or remove) the
  allocations in the worker. Every detail field of lines and allocations is opt-in.
- ``530`` (InvenTree 1.5.0 dev): also complete/, scrap-outputs/ and delete-outputs/ answer 200 with a TaskDetail;
  finish/ sets status 40 in the worker; re-cancelling is a no-op; an unknown build is 404 on the TaskDetail
  endpoints and create-output/. Lines: allocations and build_detail on by default, other details opt-in;
  allocations (build items): part, stock item, location and build details on by default.
- ``"legacy"``: what the simulator answered before it knew about versions (the app's client is written for it):
  it says API 477 but does every action inside the request, answers auto-allocate/ and consume/ 201 with a
  TaskDetail already complete, and puts ``substitutes`` in ``bom_item_detail`` (no real server does).

All of them: ``bom_item_detail`` never has ``substitutes`` on a real server (``substitutes_in_line_detail``);
the BOM substitutes endpoint is ``GET /api/bom/substitute/?bom_item=<pk>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

ApiChoice: TypeAlias = Literal["legacy", 425, 477, 530]

#: The version ``Simulator()``, ``build_simulator()``, ``buildtui --demo`` and ``buildtui simulator`` are by
#: default. THE FLIP: set this to 530 once the app's client follows background tasks and reads substitutes from
#: the BOM substitutes endpoint.
DEFAULT_API: ApiChoice = "legacy"

OUTPUT_TASKS = frozenset({"complete", "scrap-outputs", "delete-outputs"})
ALLOCATION_TASKS = frozenset({"auto-allocate", "consume"})


@dataclass(frozen=True)
class ApiProfile:
    """How one InvenTree API version answers, where it matters to a build-order client."""

    name: str
    version: int  # what GET /api/ reports as apiVersion
    server_version: str  # ... and as version
    worker: bool  # a background worker runs (GET /api/ worker_running; delayed effects)
    task_actions: frozenset[str] = frozenset()  # answer 200 with a TaskDetail; the work runs in the worker
    task_endpoint: bool = False  # GET /api/background-task/<id>/ exists
    sync_answer: Literal["echo", "task"] = "echo"  # auto-allocate/consume when done in the request: 201 with ...
    finish_in_worker: bool = False  # finish/: status 40 itself is set in the worker (530)
    cancel_twice_noop: bool = False  # cancel/ on a cancelled build does nothing (530)
    not_found_404: frozenset[str] = frozenset()  # actions answering 404 "Build not found" for an unknown build
    line_defaults: dict[str, bool] = field(default_factory=dict)  # /api/build/line/ detail flags by default
    item_defaults: dict[str, bool] = field(default_factory=dict)  # /api/build/item/ detail flags by default
    stock_part_detail: bool = False  # /api/stock/ part_detail by default (off since v432)
    build_parameters: Literal["always", "never", "opt-in"] = "always"  # /api/build/ "parameters"
    substitutes_in_line_detail: bool = False  # bom_item_detail.substitutes (no real server)

    @property
    def legacy(self) -> bool:
        return self.name == "legacy"


_NO_LINE_DETAILS = {
    "allocations": False,
    "part_detail": False,
    "bom_item_detail": False,
    "assembly_detail": False,
    "build_detail": False,
    "category_detail": False,
}
_NO_ITEM_DETAILS = {
    "part_detail": False,
    "location_detail": False,
    "stock_detail": False,
    "build_detail": False,
    "install_into_detail": False,
    "supplier_part_detail": False,
}

PROFILES: dict[ApiChoice, ApiProfile] = {
    "legacy": ApiProfile(
        "legacy",
        477,
        "1.3.0 dev (buildtui simulator)",
        worker=False,
        sync_answer="task",
        line_defaults=_NO_LINE_DETAILS,
        item_defaults=_NO_ITEM_DETAILS,
        substitutes_in_line_detail=True,
    ),
    425: ApiProfile(
        "425",
        425,
        "1.2.0 dev",
        worker=False,
        sync_answer="echo",
        line_defaults={
            **_NO_LINE_DETAILS,
            "allocations": True,
            "part_detail": True,
            "bom_item_detail": True,
            "assembly_detail": True,
        },
        item_defaults=_NO_ITEM_DETAILS,
        stock_part_detail=True,
        build_parameters="never",
    ),
    477: ApiProfile(
        "477",
        477,
        "1.3.0",
        worker=True,
        task_actions=ALLOCATION_TASKS,
        task_endpoint=True,
        line_defaults=_NO_LINE_DETAILS,
        item_defaults=_NO_ITEM_DETAILS,
    ),
    530: ApiProfile(
        "530",
        530,
        "1.5.0 dev",
        worker=True,
        task_actions=ALLOCATION_TASKS | OUTPUT_TASKS,
        task_endpoint=True,
        finish_in_worker=True,
        cancel_twice_noop=True,
        not_found_404=ALLOCATION_TASKS | OUTPUT_TASKS | {"create-output"},
        line_defaults={**_NO_LINE_DETAILS, "allocations": True, "build_detail": True},
        item_defaults={
            **_NO_ITEM_DETAILS,
            "part_detail": True,
            "location_detail": True,
            "stock_detail": True,
            "build_detail": True,
        },
        build_parameters="opt-in",
    ),
}


BY_NAME: dict[str, ApiChoice] = {str(key): key for key in PROFILES}


def resolve(api: ApiChoice | str | int | None) -> ApiProfile:
    """The profile for ``api`` (425, 477, 530, "legacy", their strings, or None for DEFAULT_API)."""
    if api is None:
        return PROFILES[DEFAULT_API]
    for key, profile in PROFILES.items():
        if str(api) == str(key):
            return profile
    raise ValueError(f"unknown API version {api!r}: one of {', '.join(str(k) for k in PROFILES)}")
