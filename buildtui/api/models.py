"""Typed models of what the UI shows. They ignore unknown fields and accept the server's nulls.

Quantities are ``Decimal``: rows send floats, action echoes send 5-decimal strings (§1.3).

No ``from __future__ import annotations`` here: pydantic would compile and evaluate every field's annotation
string when each class is made (~2.5 ms of launch); a method returning its own class quotes the name.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator

ACTIVE_BUILD_CODES = frozenset({10, 20, 25})
ZERO = Decimal(0)


class Model(BaseModel):
    # defer_build: validators are built on first use, not at import (faster start-up)
    model_config = ConfigDict(extra="ignore", frozen=False, populate_by_name=True, defer_build=True)


def _none_to(value: Any, default: Any) -> Any:
    return default if value is None else value


class PartBrief(Model):
    pk: int
    name: str = ""
    IPN: str | None = ""
    description: str | None = ""
    active: bool = True
    assembly: bool = False
    trackable: bool = False
    virtual: bool = False
    is_template: bool = False
    units: str | None = ""

    @field_validator("IPN", "description", "units", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return _none_to(v, "")

    @property
    def label(self) -> str:
        return f"{self.IPN} {self.name}" if self.IPN else self.name


class LocationBrief(Model):
    pk: int
    name: str = ""
    pathstring: str | None = ""

    @property
    def path(self) -> str:
        return self.pathstring or self.name


class StockLocation(LocationBrief):
    description: str | None = ""
    parent: int | None = None
    external: bool = False
    structural: bool = False


class UserBrief(Model):
    pk: int
    username: str = ""
    first_name: str | None = ""
    last_name: str | None = ""


class Owner(Model):
    pk: int
    name: str = ""
    label: str | None = ""
    owner_model: str | None = ""


class Build(Model):
    pk: int
    reference: str
    title: str | None = ""
    part: int
    part_name: str | None = ""
    part_detail: PartBrief | None = None
    quantity: Decimal = ZERO
    completed: Decimal = ZERO
    status: int
    status_text: str | None = ""
    status_custom_key: int | None = None
    batch: str | None = None
    creation_date: dt.date | None = None
    start_date: dt.date | None = None
    target_date: dt.date | None = None
    completion_date: dt.date | None = None
    destination: int | None = None
    take_from: int | None = None
    parent: int | None = None
    sales_order: int | None = None
    issued_by: int | None = None
    issued_by_detail: UserBrief | None = None
    responsible: int | None = None
    responsible_detail: Owner | None = None
    priority: int | None = 0
    level: int | None = 0
    external: bool | None = False
    notes: str | None = None
    link: str | None = ""
    project_code_label: str | None = None

    @field_validator("creation_date", "start_date", "target_date", "completion_date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if not v:
                return None
            return v[:10]
        return v

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BUILD_CODES

    def overdue_on(self, today: dt.date) -> bool:
        """Computed here: the detail endpoint's ``overdue`` is always false (§3.1)."""
        return self.is_active and self.target_date is not None and self.target_date <= today

    @property
    def remaining(self) -> Decimal:
        return max(self.quantity - self.completed, ZERO)

    @property
    def status_key(self) -> int:
        return self.status_custom_key if self.status_custom_key is not None else self.status


class StockItem(Model):
    pk: int
    part: int
    part_detail: PartBrief | None = None
    quantity: Decimal = ZERO
    allocated: Decimal = ZERO
    serial: str | None = None
    batch: str | None = ""
    location: int | None = None
    location_detail: LocationBrief | None = None
    status: int | None = 10
    status_text: str | None = ""
    status_custom_key: int | None = None
    expiry_date: dt.date | None = None
    expired: bool | None = False
    in_stock: bool | None = True
    is_building: bool = False
    build: int | None = None
    belongs_to: int | None = None
    consumed_by: int | None = None
    sales_order: int | None = None
    customer: int | None = None
    parent: int | None = None  # the item this one was split from
    notes: str | None = ""
    updated: str | None = None
    #: what it was received as (supplier labels find stock by it); SKU and MPN are that supplier part's
    supplier_part: int | None = None
    SKU: str | None = None
    MPN: str | None = None
    barcode_hash: str | None = ""  # non-empty: a label is linked to it

    @property
    def unavailable_reason(self) -> str | None:
        """Why this item cannot be allocated, in an operator's words; None when it is in stock."""
        if self.is_building:
            return "is a build output still in production"
        if self.consumed_by is not None:
            return "was used up by a build"
        if self.belongs_to is not None:
            return "is installed in another item"
        if self.customer is not None:
            return "has been sent to a customer"
        if self.sales_order is not None:
            return "is assigned to a sales order"
        if self.quantity <= 0:
            return "has nothing left"
        if self.in_stock is False:
            return f"is not in stock (status: {self.status_text or self.status})"
        return None

    @field_validator("allocated", "quantity", mode="before")
    @classmethod
    def _zero(cls, v: Any) -> Any:
        return _none_to(v, 0)

    @field_validator("expiry_date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if isinstance(v, str):
            return v[:10] or None
        return v

    @property
    def free(self) -> Decimal:
        return max(self.quantity - self.allocated, ZERO)

    @property
    def is_serialized(self) -> bool:
        return bool(self.serial) and self.quantity == 1

    @property
    def label(self) -> str:
        if self.serial:
            return f"#{self.serial}"
        if self.batch:
            return f"batch {self.batch}"
        return f"item {self.pk}"


class BuildItem(Model):
    """One allocation: stock item S reserved for line L (and output O for tracked parts)."""

    pk: int
    build: int | None = None
    build_line: int | None = None
    install_into: int | None = None
    stock_item: int
    quantity: Decimal = ZERO
    location: int | None = None
    bom_reference: str | None = ""
    part_detail: PartBrief | None = None
    location_detail: LocationBrief | None = None
    stock_item_detail: StockItem | None = None


class BuildLine(Model):
    pk: int
    build: int
    bom_item: int
    part: int
    part_detail: PartBrief | None = None
    reference: str | None = ""
    quantity: Decimal = ZERO
    consumed: Decimal = ZERO
    allocated: Decimal = ZERO
    available_stock: Decimal = ZERO
    available_substitute_stock: Decimal = ZERO
    available_variant_stock: Decimal = ZERO
    on_order: Decimal = ZERO
    in_production: Decimal = ZERO
    consumable: bool = False
    optional: bool = False
    trackable: bool = False
    allow_variants: bool = False
    allocations: list[BuildItem] | None = None
    bom_item_detail: dict[str, Any] | None = None

    @property
    def substitute_parts(self) -> set[int]:
        """Parts the BOM allows instead of ``part`` (from ``bom_item_detail.substitutes``)."""
        subs = (self.bom_item_detail or {}).get("substitutes") or []
        return {int(s["part"]) for s in subs if isinstance(s, dict) and isinstance(s.get("part"), int)}

    @field_validator(
        "quantity",
        "consumed",
        "allocated",
        "available_stock",
        "available_substitute_stock",
        "available_variant_stock",
        "on_order",
        "in_production",
        mode="before",
    )
    @classmethod
    def _zero(cls, v: Any) -> Any:
        return _none_to(v, 0)

    @property
    def still_needed(self) -> Decimal:
        """``unallocated = max(quantity − consumed − allocated, 0)`` (§3.3)."""
        return max(self.quantity - self.consumed - self.allocated, ZERO)

    @property
    def fully_allocated(self) -> bool:
        return self.consumable or self.allocated >= max(ZERO, self.quantity - self.consumed)

    @property
    def over_allocated(self) -> bool:
        return self.allocated > max(ZERO, self.quantity - self.consumed)

    @property
    def available_total(self) -> Decimal:
        return self.available_stock + self.available_substitute_stock + self.available_variant_stock

    @property
    def part_label(self) -> str:
        return self.part_detail.label if self.part_detail else f"part {self.part}"


class StatusCode(Model):
    key: int
    name: str = ""
    label: str = ""
    color: str | None = ""
    logical_key: int | None = None
    custom: bool = False


class StatusCodes(Model):
    status_class: str = ""
    values: dict[str, StatusCode] = {}  # pydantic copies an unhashable default for each instance

    def by_key(self) -> dict[int, StatusCode]:
        return {v.key: v for v in self.values.values()}

    def label(self, key: int | None, fallback: str = "") -> str:
        if key is None:
            return fallback
        code = self.by_key().get(key)
        return code.label if code else (fallback or str(key))


class Part(PartBrief):
    variant_of: int | None = None


class CurrentUser(Model):
    pk: int
    username: str
    first_name: str | None = ""
    last_name: str | None = ""
    is_staff: bool = False
    is_superuser: bool = False


class Roles(Model):
    username: str = ""
    is_superuser: bool = False
    roles: dict[str, list[str] | None] = {}  # pydantic copies an unhashable default for each instance

    def allows(self, ruleset: str, perm: str) -> bool:
        if self.is_superuser:
            return True
        return perm in (self.roles.get(ruleset) or [])


class ServerInfo(Model):
    server: str = ""
    version: str | None = ""
    instance: str | None = ""
    apiVersion: int = 0
    worker_running: bool | None = False


class BarcodeMatch(Model):
    pk: int
    api_url: str | None = None
    web_url: str | None = None
    instance: dict[str, Any] | None = None


class BarcodeResult(Model):
    """A resolved scan: the model label (``stockitem``, ``stocklocation``, ``build``, ``part``) and its pk."""

    model: str
    pk: int
    instance: dict[str, Any] | None = None
    barcode_data: str = ""
    plugin: str = ""  # the plugin that answered (its NAME: "DigiKeyBarcodePlugin", "InvenTreeBarcode"…)

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> "BarcodeResult | None":
        for key in (
            "stockitem",
            "stocklocation",
            "build",
            "part",
            "supplierpart",
            "manufacturerpart",
            "purchaseorder",
            "salesorder",
            "returnorder",
            "salesordershipment",
        ):
            entry = body.get(key)
            if isinstance(entry, dict) and "pk" in entry:
                match = BarcodeMatch.model_validate(entry)
                return cls(
                    model=key,
                    pk=match.pk,
                    instance=match.instance,
                    barcode_data=str(body.get("barcode_data", "")),
                    plugin=str(body.get("plugin") or ""),
                )
        return None

    def stock_item(self) -> StockItem | None:
        if self.model == "stockitem" and self.instance:
            return StockItem.model_validate(self.instance)
        return None


class GlobalSetting(Model):
    """One row of ``/api/settings/global/<key>/``: ``value`` is a string on the wire ("True"/"False" for a
    boolean setting)."""

    pk: int | None = None
    key: str
    value: Any = None
    name: str = ""
    description: str = ""
    type: str | None = ""

    @property
    def enabled(self) -> bool:
        """The value read as InvenTree's ``str2bool`` reads it."""
        if isinstance(self.value, bool):
            return self.value
        return str(self.value).strip().lower() in ("1", "y", "yes", "t", "true", "ok", "on")


class TaskDetail(Model):
    """A background task (API 464+): the answer of auto-allocate and consume (477+) and of complete,
    scrap-outputs and delete-outputs (494+), and of ``GET /api/background-task/<id>/``.

    Only ``success`` means done: a task that failed is ``complete`` too. An empty ``task_id`` means the work
    already ran inside the request (no worker), or that queueing it failed (``success`` false).
    """

    task_id: str = ""
    exists: bool = False
    pending: bool = False
    complete: bool = True
    success: bool = True

    @property
    def running(self) -> bool:
        return bool(self.task_id) and not self.complete


class BomSubstitute(Model):
    """A part the BOM allows in place of a BOM item's own part (``/api/bom/substitute/``)."""

    pk: int
    bom_item: int
    part: int


class SerialNumbers(Model):
    latest: str | None = None
    next: str | None = None


T = TypeVar("T")


class Page(Model, Generic[T]):
    count: int = 0
    next: str | None = None
    previous: str | None = None
    results: list[T] = []  # copied per instance, as above
