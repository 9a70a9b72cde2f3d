"""Supplier parts and companies as ``/api/company/part/`` and a supplier label's scan answer render them
(scanning doc §4.1; §1 rule 2: the scan's ``instance`` carries ``supplier_detail`` and ``part_detail`` too)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from .models import Model, PartBrief


class CompanyBrief(Model):
    pk: int
    name: str = ""


class SupplierPart(Model):
    pk: int
    part: int
    supplier: int | None = None
    SKU: str = ""
    MPN: str | None = ""
    packaging: str | None = ""
    supplier_detail: CompanyBrief | None = None
    part_detail: PartBrief | None = None

    @field_validator("SKU", "MPN", "packaging", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return "" if v is None else v

    @property
    def supplier_name(self) -> str:
        return self.supplier_detail.name if self.supplier_detail else f"supplier {self.supplier}"

    @property
    def part_label(self) -> str:
        return self.part_detail.label if self.part_detail else f"part {self.part}"

    @property
    def label(self) -> str:
        """``DigiKey ATMEGA328P-AU-ND``: how the operator knows it."""
        return f"{self.supplier_name} {self.SKU}"
