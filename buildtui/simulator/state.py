"""The simulator's shared state: its database, the knobs tests and operators turn, and what it recorded."""

from __future__ import annotations

from collections.abc import Iterable

from .db import Database
from .faults import Faults, Latency, draw_latency_s
from .tasks import TaskQueue
from .versions import ApiChoice, ApiProfile, resolve

#: the supplier barcode plugins, in InvenTree's registry order
ALL_SUPPLIER_PLUGINS = ("digikey", "lcsc", "mouser", "tme")


class Simulator:
    """Holds the database and the fault-injection knobs shared by every request.

    Plain knobs (tests set them directly):
    - ``latency_ms``: every answer is delayed this long; a number, or ``(low, high)`` for a uniform draw per request.
    - ``fail_rate``: this fraction of requests is answered 502 by a "proxy", without being carried out.
    - ``down``: every request is answered 502.
    - ``late_answer_ms``: writes are carried out and committed, but answered this much later.
    - ``lost_write_ms``: writes are held this long, then answered 504 without being carried out.
    Targeted faults: ``faults`` (see ``faults.py``). Everything injected is in ``faults.injected``.
    ``log`` lists every request as (method, path?query); ``request_count`` counts them.

    The API version it answers as (``versions.py``): ``api`` is the profile (``api.version`` is the number);
    ``api=None`` means ``versions.DEFAULT_API``. With a worker (477, 530):
    - ``task_delay_s``: how long queued work waits before the worker does it (default 0.7 s);
    - ``fail_next_tasks``: the next N queued tasks fail (do nothing, end ``complete: true, success: false``);
    - ``tasks``: the worker's queue (``tasks.wait_idle()`` waits from a test's thread until nothing is pending).
    ``substitutes_in_line_detail``: put ``substitutes`` in build lines' ``bom_item_detail`` as no real server
    does (None: the version's default, True only for "legacy").
    ``supplier_plugins``: the supplier barcode plugins switched on (``suppliers.PLUGINS`` keys: digikey, lcsc,
    mouser, tme). InvenTree ships them switched off; the simulator switches all four on unless told otherwise,
    so that supplier labels resolve to supplier parts as on a server that uses them.
    """

    def __init__(
        self,
        db: Database,
        latency_ms: Latency = 0,
        fail_rate: float = 0.0,
        *,
        api: ApiChoice | None = None,
        substitutes_in_line_detail: bool | None = None,
        task_delay_s: float = 0.7,
        supplier_plugins: Iterable[str] | None = None,
    ) -> None:
        self.db = db
        self.api: ApiProfile = resolve(api)
        self.substitutes_in_line_detail = (
            self.api.substitutes_in_line_detail if substitutes_in_line_detail is None else substitutes_in_line_detail
        )
        self.task_delay_s = task_delay_s
        self.fail_next_tasks = 0
        self.tasks = TaskQueue(db)
        self.latency_ms: Latency = latency_ms
        self.fail_rate = fail_rate
        self.request_count = 0
        self.down = False  # tests flip this to make every request fail like a dead upstream
        # Writes (POST/PUT/PATCH/DELETE) that time out on the client, two ways:
        self.late_answer_ms = 0.0  # carried out and committed, but the answer comes this much later
        self.lost_write_ms = 0.0  # held this long, then dropped without being carried out (504)
        self.log: list[tuple[str, str]] = []
        self.faults = Faults()
        self.supplier_plugins: set[str] = set(ALL_SUPPLIER_PLUGINS if supplier_plugins is None else supplier_plugins)

    def latency_s(self) -> float:
        """The delay for the request now arriving, in seconds."""
        return draw_latency_s(self.latency_ms)
